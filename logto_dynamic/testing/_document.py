"""The Experience API document the embedded server routes and guards requests with.

The server answers as Logto 1.42 does, so it uses the project's Logto 1.42 document (37
operations) whatever the package's default document is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logto_dynamic._spec import Spec

__all__ = ["EXPERIENCE_DOCUMENT", "experience_spec"]

EXPERIENCE_DOCUMENT = "logto-experience-1.42.openapi.json"


def experience_spec() -> Spec:
    """The Logto 1.42 Experience API document, loaded once (``load_spec`` caches it)."""
    from logto_dynamic._document._load import bundled_spec_path
    from logto_dynamic._spec import load_spec

    return load_spec(bundled_spec_path().parent / EXPERIENCE_DOCUMENT)
