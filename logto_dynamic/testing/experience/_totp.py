"""RFC 6238 TOTP for the embedded server; the implementation is ``logto_dynamic._signin._totp``.

:func:`totp_step` is how Logto 1.42 checks a bound secret: it finds the 30-second step the
code belongs to (one step of drift either side), so a step can be refused once it was used.
"""

from __future__ import annotations

from logto_dynamic._signin._totp import STEP_SECONDS, hotp, new_totp_secret, totp, verify_totp

__all__ = ["hotp", "new_totp_secret", "totp", "totp_step", "verify_totp"]


def totp_step(secret: str, code: str, *, at: float, window: int = 1) -> int | None:
    """The time step ``code`` matches for ``secret`` around ``at`` (``None``: no match).

    >>> secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    >>> totp_step(secret, totp(secret, at=59), at=61)
    1
    """
    current = int(at) // STEP_SECONDS
    for delta in (0, *(d for i in range(1, window + 1) for d in (-i, i))):
        if verify_totp(secret, code, at=(current + delta) * STEP_SECONDS, window=0):
            return current + delta
    return None
