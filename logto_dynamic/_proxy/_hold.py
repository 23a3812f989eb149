"""Holding back the start of an upstream answer before relaying it.

An answer is read whole when it is small (a declared length up to :data:`WHOLE`, or up to the
validation limit when it is checked), or read up to the validation limit when it is checked
inline; otherwise nothing is held and it streams as it comes. :func:`hold` says what it got:
the chunks, whether they are the whole body, or why the answer cannot be relayed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from logto_dynamic._proxy._upstream import UPSTREAM_ERRORS, UpstreamResponse

__all__ = ["WHOLE", "Held", "hold"]

#: Answers up to this size (declared) are read whole and sent in one piece.
WHOLE = 64 * 1024


@dataclass(slots=True)
class Held:
    """What :func:`hold` read: ``chunks`` (``complete``: the whole body), or a failure."""

    chunks: list[bytes] = field(default_factory=list)
    complete: bool = False
    #: The upstream failed while the answer was read.
    error: BaseException | None = None
    #: The answer passed ``max_body`` while it was held.
    too_large: bool = False

    @property
    def body(self) -> bytes:
        """The held bytes in one piece."""
        return b"".join(self.chunks)


async def hold(
    response: UpstreamResponse,
    chunks: AsyncIterator[bytes],
    declared: int | None,
    *,
    checking: bool,
    inline: bool,
    limit: int,
    max_body: int,
) -> Held:
    """Read the start of ``response`` as the relay needs it (see the module docstring).

    ``checking``: the answer will be validated (hold up to ``limit`` when it is declared that
    small); ``inline``: it is validated before it is relayed (hold up to ``limit`` + 1 bytes,
    enough to tell whether it fits).
    """
    held = Held()
    if declared is not None and declared <= max(WHOLE, limit if checking else 0):
        try:
            held.chunks.append(await response.read())
        except UPSTREAM_ERRORS as exc:
            held.error = exc
            return held
    elif inline:
        total = 0
        try:
            async for chunk in chunks:
                held.chunks.append(chunk)
                total += len(chunk)
                if total > limit or total > max_body:
                    break
        except UPSTREAM_ERRORS as exc:
            held.error = exc
            return held
        held.too_large = total > max_body
    held.complete = response.content.at_eof()
    return held
