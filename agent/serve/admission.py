"""A bounded wait line in front of the one model: requests run one at a time, a full line is refused at once.

`enter()` takes a place in line or raises `LineFull` (the server answers 429
with Retry-After); the place is then awaited with `async with`. anyio's lock
is fair, so requests run in arrival order. It knows nothing of HTTP.
"""

from __future__ import annotations

from types import TracebackType

import anyio

from agent.errors import LooptuneError


class LineFull(LooptuneError, RuntimeError):
    """Every place in line is taken."""


class Admission:
    def __init__(self, max_waiting: int) -> None:
        self.max_waiting = max_waiting
        self.waiting = 0
        self._lock = anyio.Lock()

    def enter(self) -> Place:
        """A place in line (counted at once), or LineFull."""
        if self.waiting >= self.max_waiting:
            raise LineFull(f"{self.waiting} requests are already waiting")
        self.waiting += 1
        return Place(self)


class Place:
    """One request's place: `async with place:` waits for its turn and holds the model for the block."""

    def __init__(self, admission: Admission) -> None:
        self._admission, self._counted = admission, True

    def leave(self) -> None:
        """Give the place up without running (a response that never started)."""
        if self._counted:
            self._counted = False
            self._admission.waiting -= 1

    async def __aenter__(self) -> Place:
        try:
            await self._admission._lock.acquire()
        finally:
            self.leave()  # running (or cancelled while waiting): no longer in line
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._admission._lock.release()
