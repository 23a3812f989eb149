"""The Account API room of the embedded server (``/api/my-account/**``, ``/api/verifications/**``).

Served as Logto 1.42 serves it, for the user of an opaque access token Logto issued for
itself: the account-center settings (``_settings``; off by default, ``Off``/``ReadOnly``/
``Edit`` per field), the bearer check and the routing (``_routes``), verification records on
the server's clock (``_records``), the profile, password, identifiers and identities
(``_profile``), MFA factors and settings (``_mfa``), sessions and grants (``_sessions``), the
verification routes (``_verifications``), and the Management API routes of the account
center (``_management``). What an unconfigured Logto answers (no email/SMS connector, no
social connector, no storage provider, WebAuthn payloads that never verify) is answered too.
"""
