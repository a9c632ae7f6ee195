"""Cancelling the local backend mid-turn: while it reads the prompt, while it decodes, by a consumer that walks away.

A cancelled turn must stop within one forward pass (a decode step or one
prefill chunk), leave the tensor thread free, and leave the KV/prefix cache
consistent: the next turn decodes exactly what a fresh backend decodes. An
eval episode's timeout must stop a decode that shows no text and never ends.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
from contextlib import aclosing
from pathlib import Path

import anyio
import pytest

from agent.backends.base import ChatRequest, Completion, TextDelta, complete
from agent.backends.local.backend import LocalBackend, LocalSettings
from agent.messages import SystemMessage, ToolSpec, UserMessage
from agent.models.loader import load_model
from agent.models.source import resolve
from eval.runner import EpisodeConfig, run_episode
from eval.tasks import parse_task
from tests.faults import local_models

pytestmark = pytest.mark.anyio
WAIT_S = 60
endless_model_dir = local_models.endless_model_dir  # a fixture

# A tool whose string argument has no length limit: under tool_choice="required" the tiny model writes it forever.
RUN = ToolSpec.model_validate(
    {
        "function": {
            "name": "sandbox__run_python",
            "description": "Run Python code",
            "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
        }
    }
)
SYSTEM = SystemMessage(content="You are terse.")


class Tap:
    """Counts the backend's forward passes and says when the `at`-th one has run."""

    def __init__(self, backend: LocalBackend, at: int) -> None:
        self.calls, self.at, self.reached = 0, at, threading.Event()
        self._forward = backend.engine.forward_many
        backend.engine.forward_many = self  # type: ignore[method-assign]  # the real pass, counted

    def __call__(self, passes):
        self.calls += 1
        logits = self._forward(passes)
        if self.calls >= self.at:
            self.reached.set()
        return logits

    async def wait(self) -> None:
        assert await anyio.to_thread.run_sync(self.reached.wait, WAIT_S), f"only {self.calls} forward passes ran"


def kept(b: LocalBackend) -> list[int]:
    """Lengths of the conversations the prefix cache holds, each checked against its KV cache's length."""
    entries = [(len(tokens), cache.get_seq_length()) for tokens, cache in b.cache.recent.items()]
    assert all(length == cached for length, cached in entries), entries
    return [length for length, _ in entries]


def backend(model_dir: Path, **settings) -> LocalBackend:
    return LocalBackend(load_model(resolve(str(model_dir))), LocalSettings(**settings))


async def cancel_after(b: LocalBackend, request: ChatRequest, tap: Tap) -> tuple[int, list, float]:
    """Run a turn, cancel it once `tap` fires; (forwards at the cancel, events seen, seconds the cancel took)."""
    seen: list = []

    async def consume() -> None:
        async with aclosing(b.stream(request)) as events:
            async for event in events:
                seen.append(event)

    with anyio.fail_after(WAIT_S):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await tap.wait()
            at_cancel, began = tap.calls, time.perf_counter()
            tg.cancel_scope.cancel()
    return at_cancel, seen, time.perf_counter() - began


async def test_cancelling_a_decode_that_shows_no_text_stops_within_a_forward_and_keeps_the_cache_consistent(
    endless_model_dir,
):
    b, fresh = backend(endless_model_dir, draft_len=0), backend(endless_model_dir, draft_len=0)
    ask = [SYSTEM, UserMessage(content="Run a program.")]
    hidden = ChatRequest(ask, [RUN], tool_choice="required", max_tokens=4000)
    tap = Tap(b, at=40)  # well inside the call's endless string argument
    at_cancel, seen, _ = await cancel_after(b, hidden, tap)
    assert tap.calls <= at_cancel + 1  # the forward in flight finishes; no other starts
    assert not [e for e in seen if isinstance(e, Completion)]
    assert kept(b)  # the tokens decoded so far, with a cache of exactly that length

    nextturn = ChatRequest([SYSTEM, UserMessage(content="Say something.")], [RUN], max_tokens=12)
    with anyio.fail_after(WAIT_S):
        again, expected = await complete(b, nextturn), await complete(fresh, nextturn)
    assert again.message == expected.message


async def test_cancelling_while_the_prompt_is_read_stops_between_chunks_and_the_next_turn_resumes_from_them(
    endless_model_dir,
):
    b, fresh = backend(endless_model_dir, prefill_chunk=32), backend(endless_model_dir, prefill_chunk=32)
    words = " ".join(f"item{i}" for i in range(200))
    long = ChatRequest([SYSTEM, UserMessage(content=f"Remember: {words}")], max_tokens=8)
    total = len(b.prompts.build(long, 8).ids)
    assert total > 10 * 32
    tap = Tap(b, at=3)
    at_cancel, seen, _ = await cancel_after(b, long, tap)
    assert tap.calls <= at_cancel + 1 <= 5  # chunks of 32 tokens, not one pass over the whole prompt
    assert seen == []  # cancelled before any text
    assert kept(b)

    with anyio.fail_after(WAIT_S):
        again, expected = await complete(b, long), await complete(fresh, long)
    assert again.message == expected.message
    assert b.last_stats.prefill_tokens <= total - 2 * 32  # the chunks read before the cancel were kept


async def test_a_stream_its_consumer_walks_away_from_leaves_the_backend_usable(endless_model_dir):
    """A consumer cancelled between two events never closes the stream; the backend must not care."""
    b = backend(endless_model_dir)
    errors: list[dict] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: errors.append(context))
    request = ChatRequest([SYSTEM, UserMessage(content="write a long poem about the sea")], max_tokens=2000)
    try:
        with anyio.fail_after(WAIT_S):
            stream = b.stream(request)
            async for event in stream:
                if isinstance(event, TextDelta):
                    break  # walk away: no aclose()
            del stream, event
            gc.collect()
            await anyio.sleep(0.1)  # asyncio finalizes the abandoned generator in a task of its own
            done = await complete(b, ChatRequest([SYSTEM, UserMessage(content="hi")], max_tokens=8))
    finally:
        loop.set_exception_handler(previous)
    assert done.usage.completion_tokens == 8
    assert errors == []


TASK = {
    "id": "sandbox-runaway",
    "category": "single_tool",
    "servers": ["sandbox"],
    "messages": [{"role": "user", "content": "Run a program that prints 42."}],
    "checks": [{"type": "answer_contains", "value": "42"}],
}
TIMEOUT_S, GRACE_S = 2.0, 5.0


async def test_an_episode_timeout_stops_a_local_decode_that_would_not_stop(endless_model_dir):
    b = backend(endless_model_dir)
    runaway = local_models.ForcedCall(b)  # writes one endless `code` argument: no text, no end
    config = EpisodeConfig(timeout_s=TIMEOUT_S, max_tokens=20000)
    with anyio.fail_after(WAIT_S):
        episode = await run_episode(parse_task(json.dumps(TASK)), runaway, config)
    assert episode.reason == f"timed out after {TIMEOUT_S:g} s"
    assert episode.duration_s < TIMEOUT_S + GRACE_S
    with anyio.fail_after(GRACE_S):  # the tensor thread is free again
        await complete(b, ChatRequest([SYSTEM, UserMessage(content="hi")], max_tokens=4))
