"""A bounded wait line in front of the one model: requests for the same model run together, a full line is refused.

`enter(key)` takes a place in line or raises `LineFull` (the server answers
429 with Retry-After); the place is then awaited with `async with`. Places
start in arrival order: the head of the line starts when nothing runs, or
when what runs has the same key (the same model and adapter, so the backend
decodes them in one batch) and there is room (`capacity`). A place without a
key (an adapter load or unload) runs alone. A request for another model
waits for the running ones to finish and holds back everyone behind it, so
no model starves. It knows nothing of HTTP.
"""

from __future__ import annotations

from collections import deque
from types import TracebackType

import anyio

from agent.errors import LooptuneError


class LineFull(LooptuneError, RuntimeError):
    """Every place in line is taken."""


class Admission:
    def __init__(self, max_waiting: int, capacity: int = 1) -> None:
        self.max_waiting, self.capacity = max_waiting, capacity
        self.waiting = 0
        self.running = 0
        self.running_key: str | None = None
        self.line: deque[Place] = deque()

    def enter(self, key: str | None = None) -> Place:
        """A place in line (counted at once), or LineFull. `key`: what may run beside it; None: nothing."""
        if self.waiting >= self.max_waiting:
            raise LineFull(f"{self.waiting} requests are already waiting")
        self.waiting += 1
        return Place(self, key)

    def _admit(self) -> None:
        while self.line and self._fits(self.line[0]):
            head = self.line.popleft()
            self.running += 1
            self.running_key = head.key
            head.started.set()

    def _fits(self, place: Place) -> bool:
        if self.running == 0:
            return True
        return place.key is not None and place.key == self.running_key and self.running < self.capacity

    def _finish(self) -> None:
        self.running -= 1
        if self.running == 0:
            self.running_key = None
        self._admit()


class Place:
    """One request's place: `async with place:` waits for its turn and holds it for the block."""

    def __init__(self, admission: Admission, key: str | None) -> None:
        self._admission, self.key, self._counted = admission, key, True
        self.started = anyio.Event()

    def leave(self) -> None:
        """Give the place up without running (a response that never started)."""
        if self._counted:
            self._counted = False
            self._admission.waiting -= 1

    async def __aenter__(self) -> Place:
        admission = self._admission
        admission.line.append(self)
        admission._admit()
        try:
            await self.started.wait()
        except BaseException:  # cancelled while waiting: out of line (or, if it had just started, finished)
            if self in admission.line:
                admission.line.remove(self)
                admission._admit()
            elif self.started.is_set():
                admission._finish()
            raise
        finally:
            self.leave()  # running (or cancelled while waiting): no longer in line
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._admission._finish()
