"""Several turns decoded together: batched forward passes, the driver's rounds, jobs between turns."""

from __future__ import annotations

import threading

import anyio
import pytest
import torch

from agent.backends import ChatRequest, complete
from agent.backends.base import ContextOverflow
from agent.backends.local.kv import growing_cache
from agent.backends.local.runner import LlamaRunner, Pass
from agent.messages import SystemMessage, UserMessage
from tests.test_local_backend import TOOLS, backend, conversation
from tests.tiny import tiny_llama

pytestmark = pytest.mark.anyio
WAIT = 60
IDS = [1, 9690, 198, 2683, 359, 1733, 313, 30, 198, 198, 2683, 654, 946, 623, 2549, 42]


def asks(n: int, max_tokens: int) -> list[ChatRequest]:
    """`n` different requests: a tool conversation at several depths and plain questions."""
    system = SystemMessage(content="You are terse.")
    plain = [
        ChatRequest([system, UserMessage(content=f"Count to {i}, please.")], max_tokens=max_tokens) for i in range(n)
    ]
    tools = [ChatRequest(conversation(i % 3), TOOLS, max_tokens=max_tokens) for i in range(n)]
    return [r for pair in zip(plain, tools, strict=True) for r in pair][:n]


@pytest.mark.parametrize("quant", ["fp32", "int8", "int4"])
def test_one_pass_over_several_sequences_gives_each_the_logits_it_gets_alone(quant):
    runner = LlamaRunner(tiny_llama(seed=6), quant=quant)
    alone_caches, batch_caches = [growing_cache() for _ in range(3)], [growing_cache() for _ in range(3)]
    for a, b, start in zip(alone_caches, batch_caches, (3, 7, 11), strict=True):
        runner.forward(IDS[:start], a)
        runner.forward(IDS[:start], b)
    # A prefill chunk beside two decode steps, each sequence at its own position.
    parts = [IDS[3:9], IDS[7:8], IDS[11:12]]
    alone = [runner.forward(ids, cache, 0) for ids, cache in zip(parts, alone_caches, strict=True)]
    batched = runner.forward_many([Pass(ids, cache, 0) for ids, cache in zip(parts, batch_caches, strict=True)])
    for one, many in zip(alone, batched, strict=True):
        assert one.shape == many.shape
        assert torch.allclose(one, many, atol=1e-4)
    assert [c.get_seq_length() for c in batch_caches] == [9, 8, 12]
    kept = runner.forward_many([Pass([5], batch_caches[0], 1), Pass([6, 7], batch_caches[1], 1)])
    assert [k.shape[0] for k in kept] == [1, 1]


async def test_concurrent_turns_decode_together_and_answer_what_they_answer_one_at_a_time(tiny_model_dir):
    together, alone = backend(tiny_model_dir, max_batch=4), backend(tiny_model_dir, max_batch=1)
    requests = asks(4, max_tokens=24)
    expected = []
    with anyio.fail_after(WAIT):
        for request in requests:
            expected.append(await complete(alone, request))
    results: dict[int, object] = {}

    async def run(i: int) -> None:
        results[i] = await complete(together, requests[i])

    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            for i in range(len(requests)):
                tg.start_soon(run, i)
    assert [results[i].message for i in range(len(requests))] == [e.message for e in expected]
    # Sharing passes: fewer rounds than the passes the turns needed one at a time.
    assert together.driver.rounds < alone.driver.rounds
    # Every conversation's cache is kept for its next step (none evicted by the others).
    assert len(together.cache.recent) == len(requests)


async def test_concurrent_turns_of_one_conversation_copy_its_cached_prefix_instead_of_prefilling_it(tiny_model_dir):
    b = backend(tiny_model_dir, max_batch=4)
    request = ChatRequest([UserMessage(content="Say something about the sea.")], max_tokens=8)
    with anyio.fail_after(WAIT):
        first = await complete(b, request)  # no system turn: nothing pinned, only this conversation is kept
    first_pass: dict[int, int] = {}  # each turn's cache: the rows of its first pass (the uncached prompt)
    forward_many = b.engine.forward_many

    def counted(passes):
        for p in passes:
            first_pass.setdefault(id(p.cache), len(p.ids))
        return forward_many(passes)

    b.engine.forward_many = counted
    results = []
    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(lambda: _append(results, complete(b, request)))
    assert [r.message for r in results] == [first.message] * 4
    # One turn extends the kept conversation; the other three copy the prefix it borrowed: none prefills it.
    assert list(first_pass.values()) == [1, 1, 1, 1] and b.cache.lent == []


async def _append(results: list, call) -> None:
    results.append(await call)


async def test_a_turn_that_fails_fails_alone_and_the_others_finish(tiny_model_dir):
    b = backend(tiny_model_dir)
    huge = ChatRequest([UserMessage(content="word " * 5000)], max_tokens=4)
    fine = ChatRequest([UserMessage(content="hi")], max_tokens=6)
    outcome: dict[str, object] = {}

    async def bad() -> None:
        with pytest.raises(ContextOverflow):
            await complete(b, huge)
        outcome["bad"] = "raised"

    async def good() -> None:
        outcome["good"] = await complete(b, fine)

    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(bad)
            tg.start_soon(good)
    assert outcome["bad"] == "raised"
    assert outcome["good"].usage.completion_tokens == 6


async def test_an_adapter_change_waits_for_the_live_turns_and_no_turn_joins_meanwhile(tiny_model_dir):
    b = backend(tiny_model_dir)
    rounds: list[object] = []  # sequences in each forward pass, and where the change ran
    queued = threading.Event()
    long = ChatRequest([UserMessage(content="write a long poem")], max_tokens=40)
    forward_many = b.engine.forward_many

    def change() -> None:
        rounds.append(("change", len(b.driver.live), len(b.driver.waiting)))

    def tap(passes):  # the first turn's first pass: queue the change while it is live
        if not queued.is_set():
            b.driver.later(change)
            queued.set()
        rounds.append(len(passes))
        return forward_many(passes)

    b.engine.forward_many = tap  # type: ignore[method-assign]
    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(complete, b, long)
            assert await anyio.to_thread.run_sync(queued.wait, WAIT)
            tg.start_soon(complete, b, long)  # submitted while the first decodes its 40 tokens
    at = next(i for i, r in enumerate(rounds) if isinstance(r, tuple))
    assert rounds[at] == ("change", 0, 1)  # no turn live, the second waiting
    assert set(rounds[:at]) == {1}  # the second never joined the first
    assert len(rounds) > at + 1  # and decoded after the change


async def test_two_backends_in_one_process_take_turns_on_the_tensor_thread(tiny_model_dir):
    long_one, short_one = backend(tiny_model_dir), backend(tiny_model_dir)
    started = threading.Event()
    forward_many = long_one.engine.forward_many

    def tap(passes):
        started.set()
        return forward_many(passes)

    long_one.engine.forward_many = tap  # type: ignore[method-assign]
    finished: list[str] = []

    async def talk(b, name: str, tokens: int) -> None:
        await complete(b, ChatRequest([UserMessage(content="write a long poem")], max_tokens=tokens))
        finished.append(name)

    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(talk, long_one, "long", 300)
            assert await anyio.to_thread.run_sync(started.wait, WAIT)
            tg.start_soon(talk, short_one, "short", 4)
    # Rounds of both drivers alternate on the one thread: the short turn does not wait for the long one.
    assert finished == ["short", "long"]
