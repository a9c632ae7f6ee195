"""Continuous batching: every live turn advances one forward pass per round, all of them in one pass.

A turn is a generator (see `backend.LocalBackend._turn`) that yields the
forward pass it needs next as a `Pass` (and is sent its logits), and yields
events for its consumer in between. While any turn is live, the driver runs
on the tensor thread: each round it steps every live turn up to its next
pass, runs one `Engine.forward_many` over all of them, and hands each turn
its logits. Turns join between rounds and leave when they finish or are
cancelled, so a short request never waits for a long one to end, and on a
memory-bound CPU four turns cost little more than one.

Each round is one job on the tensor thread's queue, and the next round queues
behind whatever else is waiting there. Events go to each turn's own queue,
drained by its consumer from the event loop through a waiting thread. Work that must not overlap any turn (an
adapter change) runs between rounds once the live turns have ended, and no
turn joins while it waits. This module knows nothing of prompts, tools or
HTTP.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import Any, TypeVar

import torch

from agent.backends.local import worker
from agent.backends.local.options import DEFAULT_MAX_BATCH
from agent.backends.local.runner import Pass
from agent.backends.local.weights import QUANT_ROWS

T = TypeVar("T")
TurnSteps = Generator[Any, torch.Tensor | None, None]  # yields Pass (sent logits) or an event (sent None)
MAX_BATCH = DEFAULT_MAX_BATCH
# Rows one round should carry at most through drafts: a draft is nearly free for one turn, but every row
# costs compute once several turns share a pass, and past QUANT_ROWS the pass falls back to fp32 weights.
ROW_BUDGET = QUANT_ROWS


class Turn:
    """One turn in the driver: its steps, the events its consumer has yet to take, and how it ended."""

    def __init__(self, steps: TurnSteps, lock: threading.Lock) -> None:
        self.steps = steps
        self.events: deque[Any] = deque()
        self.changed = threading.Condition(lock)
        self.logits: torch.Tensor | None = None  # to send with the next step
        self.cancelled = self.ended = False
        self.error: BaseException | None = None

    def take(self) -> tuple[list[Any], bool]:
        """Block until there are events or the turn has ended: (events, ended). Runs in a waiting thread."""
        with self.changed:
            self.changed.wait_for(lambda: self.events or self.ended or self.cancelled)
            events = list(self.events)
            self.events.clear()
            return events, self.ended and not self.events

    def cancel(self) -> None:
        """The consumer has gone: the driver closes the turn before its next pass."""
        with self.changed:
            self.cancelled = True
            self.changed.notify_all()

    def wait_ended(self) -> None:
        """Block until the driver has closed the turn (at most one forward pass after `cancel`)."""
        with self.changed:
            self.changed.wait_for(lambda: self.ended)


class Driver:
    """Runs the live turns of one engine together on the tensor thread."""

    def __init__(self, forward_many: Callable[[list[Pass]], list[torch.Tensor]], max_batch: int = MAX_BATCH) -> None:
        self.forward_many, self.max_batch = forward_many, max_batch
        self.lock = threading.Lock()
        self.waiting: deque[Turn] = deque()
        self.live: list[Turn] = []
        self.jobs: deque[tuple[Callable[[], Any], Future]] = deque()
        self.running = False
        self.rounds = 0  # forward passes run (a round with several turns counts once)

    def draft_room(self) -> int:
        """Draft tokens each live turn may verify in the next round, so the round stays within ROW_BUDGET."""
        return max(0, ROW_BUDGET // max(1, len(self.live)) - 1)

    def submit(self, steps: TurnSteps) -> Turn:
        """Queue a turn; it joins at the next round with room."""
        turn = Turn(steps, self.lock)
        with self.lock:
            self.waiting.append(turn)
            self._wake()
        return turn

    def between_turns(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` on the tensor thread when no turn is live (new turns wait for it); return its result."""
        if worker.on_tensor_thread():
            if self.live:
                raise RuntimeError("a turn cannot change what every live turn decodes with")
            return fn(*args)
        return self.later(fn, *args).result()

    def later(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue `fn` to run once no turn is live; turns submitted from now on join after it."""
        done: Future[T] = Future()
        with self.lock:
            self.jobs.append((lambda: fn(*args), done))
            self._wake()
        return done

    def _wake(self) -> None:
        if not self.running:
            self.running = True
            worker.submit(self._drive)

    def _drive(self) -> None:
        """One round, then queue the next behind whatever else waits for the tensor thread, so other work
        (another backend's driver, a model load) is never starved by a stream of turns."""
        try:
            more = self._round()
        except BaseException as exc:  # a bug or a failed forward: every live turn fails with it
            with self.lock:
                turns = self.live + list(self.waiting)
                self.live, self.running = [], False
                self.waiting.clear()
            for turn in turns:
                self._end(turn, exc)
            raise
        if more:
            worker.submit(self._drive)

    def _round(self) -> bool:
        """One round; False once nothing is live, waiting or queued (the driver then stops)."""
        jobs = self._admit()
        for job, done in jobs:
            _run_job(job, done)
        if jobs:
            return True
        if not self.live:
            return False
        passes = [(turn, need) for turn in list(self.live) if (need := self._step(turn)) is not None]
        if passes:
            logits = self.forward_many([need for _, need in passes])
            self.rounds += 1
            for (turn, _), rows in zip(passes, logits, strict=True):
                turn.logits = rows
        return True

    def _admit(self) -> list[tuple[Callable[[], Any], Future]]:
        """Jobs to run now (only once no turn is live), else let waiting turns join."""
        with self.lock:
            if self.jobs:
                if self.live:
                    return []
                jobs = list(self.jobs)
                self.jobs.clear()
                return jobs
            while self.waiting and len(self.live) < self.max_batch:
                self.live.append(self.waiting.popleft())
            if not self.live:
                self.running = False
            return []

    def _step(self, turn: Turn) -> Pass | None:
        """Run a turn up to the pass it needs next (its events queued); None once it has ended."""
        try:
            if turn.cancelled:
                turn.steps.close()  # the turn's own cleanup runs (it keeps what its cache covers)
                self._end(turn, None)
                return None
            value = turn.steps.send(turn.logits)
            turn.logits = None
            while not isinstance(value, Pass):
                if value is not None:
                    self._publish(turn, value)
                value = turn.steps.send(None)
            return value
        except StopIteration:
            self._end(turn, None)
        except Exception as exc:  # the turn's own error (a bad request, an overflow): only its consumer sees it
            self._end(turn, exc)
        return None

    def _publish(self, turn: Turn, event: Any) -> None:
        with turn.changed:
            turn.events.append(event)
            turn.changed.notify_all()

    def _end(self, turn: Turn, error: BaseException | None) -> None:
        with turn.changed:
            if turn in self.live:
                self.live.remove(turn)
            turn.error, turn.ended = error, True
            turn.changed.notify_all()


def _run_job(job: Callable[[], Any], done: Future) -> None:
    try:
        done.set_result(job())
    except BaseException as exc:
        done.set_exception(exc)
