"""Signing in without a browser: the Experience API interaction (its steps and flows), the
sync and async drivers over one sans-I/O core, the clients' token-lifecycle methods that
drive the OIDC rounds, and TOTP codes. The OIDC rounds and tokens themselves live in
``_oidc``, which never imports this room."""
