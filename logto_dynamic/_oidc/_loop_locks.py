"""One ``asyncio.Lock`` per running event loop, for single-flight work shared by threads and
tasks (an ``asyncio.Lock`` belongs to one loop; a closed loop's lock is dropped)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

__all__ = ["LoopLocks"]


class LoopLocks:
    """The asyncio lock of the running loop, made on first use (asyncio imported only then)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()  # held a moment, to find or make a loop's lock
        self._locks: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = {}

    def get(self) -> asyncio.Lock:
        """The lock of the running event loop."""
        import asyncio  # only async users pay for it

        loop = asyncio.get_running_loop()
        with self._guard:
            for key, (old, _) in list(self._locks.items()):
                if old.is_closed():
                    del self._locks[key]
            known = self._locks.get(id(loop))
            if known is None or known[0] is not loop:
                known = self._locks[id(loop)] = (loop, asyncio.Lock())
            return known[1]
