"""The serve wait line: same-model requests run together up to the batch size, others in arrival order."""

from __future__ import annotations

import anyio
import pytest

from agent.serve.admission import Admission, LineFull, Place

pytestmark = pytest.mark.anyio
WAIT = 10


class Holder:
    """Takes a place and holds it until released; says when it started."""

    def __init__(self, admission: Admission, key: str | None) -> None:
        self.place: Place = admission.enter(key)
        self.release = anyio.Event()

    @property
    def started(self) -> bool:
        return self.place.started.is_set()

    async def hold(self) -> None:
        async with self.place:
            await self.release.wait()


async def settle() -> None:
    """Let every ready task run until it blocks (admission is decided synchronously on enter and exit)."""
    for _ in range(10):
        await anyio.lowlevel.checkpoint()


async def test_requests_for_one_model_run_together_up_to_the_batch_and_the_rest_wait():
    line = Admission(max_waiting=8, capacity=2)
    holders = [Holder(line, "base") for _ in range(3)]
    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            for h in holders:
                tg.start_soon(h.hold)
            await settle()
            assert [h.started for h in holders] == [True, True, False]
            holders[0].release.set()
            await settle()
            assert holders[2].started
            for h in holders:
                h.release.set()


async def test_another_model_waits_for_the_running_ones_and_holds_back_those_behind_it():
    line = Admission(max_waiting=8, capacity=4)
    first, other, later = Holder(line, "base"), Holder(line, "tuned"), Holder(line, "base")
    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            for h in (first, other, later):
                tg.start_soon(h.hold)
            await settle()
            # `later` could batch with `first`, but `tuned` came before it: no model starves.
            assert (first.started, other.started, later.started) == (True, False, False)
            first.release.set()
            await settle()
            assert (other.started, later.started) == (True, False)
            other.release.set()
            await settle()
            assert later.started
            later.release.set()


async def test_an_adapter_change_runs_alone():
    line = Admission(max_waiting=8, capacity=4)
    chat, change, chat_after = Holder(line, "base"), Holder(line, None), Holder(line, "base")
    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            for h in (chat, change, chat_after):
                tg.start_soon(h.hold)
            await settle()
            assert (chat.started, change.started) == (True, False)
            chat.release.set()
            await settle()
            assert (change.started, chat_after.started) == (True, False)
            change.release.set()
            await settle()
            assert chat_after.started
            chat_after.release.set()


async def test_a_request_cancelled_while_waiting_leaves_the_line_and_the_next_one_starts():
    line = Admission(max_waiting=8, capacity=1)
    running, quitter, next_one = Holder(line, "a"), Holder(line, "b"), Holder(line, "a")
    waiting = anyio.CancelScope()

    async def quit_waiting() -> None:
        with waiting:
            await quitter.hold()

    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(running.hold)
            tg.start_soon(quit_waiting)
            tg.start_soon(next_one.hold)
            await settle()
            assert [h.started for h in (running, quitter, next_one)] == [True, False, False]
            waiting.cancel()
            await settle()
            assert list(line.line) == [next_one.place]  # the quitter is gone, the next one is first
            running.release.set()
            await settle()
            assert next_one.started and not quitter.started
            next_one.release.set()
    assert line.running == 0 and line.waiting == 0


async def test_a_full_line_refuses_at_once():
    line = Admission(max_waiting=1, capacity=1)
    line.enter("a")
    with pytest.raises(LineFull):
        line.enter("a")
