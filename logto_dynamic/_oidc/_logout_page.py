"""Read the end-session page: the sign-out form a browser would submit on load.

oidc-provider's page holds ``<form id="op.logoutForm" method="post" action=...>`` with a
hidden ``xsrf`` input, and Logto adds ``<input form="op.logoutForm" name="logout"
value="yes">`` outside the form. Both kinds of input belong to the form (HTML's ``form``
attribute). Parsed with the standard library; nothing runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from logto_dynamic._exceptions import OidcError

__all__ = ["LogoutForm", "read_logout_form"]

FORM_ID = "op.logoutForm"


@dataclass(frozen=True, slots=True, repr=False)
class LogoutForm:
    """The form's action, method and fields (``xsrf`` is a secret: no repr)."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<LogoutForm {self.method} {self.action} fields={sorted(self.fields)}>"


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self._inside = False
        self._forms = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._forms += 1
            if attributes.get("id") == FORM_ID:
                self._inside = True
                self.action = attributes.get("action", "")
                self.method = attributes.get("method", "get").lower()
        elif tag == "input" and (self._inside or attributes.get("form") == FORM_ID):
            name = attributes.get("name")
            if name and attributes.get("type", "text").lower() not in ("submit", "button"):
                self.fields[name] = attributes.get("value", "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def read_logout_form(page: str) -> LogoutForm:
    """The sign-out form of an end-session page; :class:`OidcError` when there is none."""
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    if parser.action is None:
        raise OidcError(f"the end-session page has no sign-out form (#{FORM_ID})")
    return LogoutForm(parser.action, parser.method, parser.fields)
