"""Local backend speed on the bundled model: agent steps, decode tok/s, constraint overhead.

Run: `.venv/bin/python bench/local_backend.py [--steps 10 --new 40]`. On the
bundled SmolLM2 with the tasks and calc servers' tools (~1,000-token prompt), it
plays an agent conversation of `--steps` steps of `--new` new tokens each,
then replays the same prompts through plain `model.generate`, which
re-prefills everything every step (the baseline). Targets: step latency >= 4x
faster, greedy decode tok/s >= 3x, constrained vs unconstrained decode <= 10%
slower. It also reports how often prompt-lookup drafts were accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import torch

from agent.backends import ChatRequest, complete
from agent.backends.local.backend import LocalBackend, LocalSettings
from agent.backends.local.loader import load_model
from agent.backends.local.source import resolve
from agent.environments import fresh_environment
from agent.messages import AssistantMessage, SystemMessage, ToolMessage, UserMessage

SYSTEM = "You are a helpful assistant that can call tools. Today is 2026-11-22."
ASK = "Add a task 'renew passport' due 2026-12-01 with high priority, then tell me what 17.5 * 4 is."


SERVERS = ["tasks", "calc"]  # 7 tools: a ~1,000-token prompt


async def tool_specs():
    async with fresh_environment(SERVERS) as hub:
        return hub.specs()


def conversation(backend: LocalBackend, tools, steps: int, new: int):
    """Play `steps` steps; return each step's prompt messages, latency, completion tokens and reply."""
    messages = [SystemMessage(content=SYSTEM), UserMessage(content=ASK)]
    prompts, times, tokens, replies = [], [], [], []
    for step in range(steps):
        prompts.append(list(messages))
        started = time.perf_counter()
        done = asyncio.run(complete(backend, ChatRequest(messages=messages, tools=tools, max_tokens=new)))
        times.append(time.perf_counter() - started)
        tokens.append(done.usage.completion_tokens)
        replies.append(done.message)
        messages = messages + _continue(done.message, step)
    return prompts, times, tokens, replies


def replay(backend: LocalBackend, tools, prompts, new: int) -> list[AssistantMessage]:
    """The backend's replies to the given prompts (same conversation, another configuration)."""
    requests = [ChatRequest(messages=m, tools=tools, max_tokens=new) for m in prompts]
    return [asyncio.run(complete(backend, r)).message for r in requests]


def same_calls(a: AssistantMessage, b: AssistantMessage) -> bool:
    return [(c.name, c.function.arguments) for c in a.calls] == [(c.name, c.function.arguments) for c in b.calls]


def _continue(message: AssistantMessage, step: int) -> list:
    """Feed the model's turn back with a tool result (or a follow-up question) so the conversation grows."""
    if message.calls:
        results = [ToolMessage(tool_call_id=c.id, content=f"ok: result {step} for {c.name}") for c in message.calls]
        return [message, *results]
    return [AssistantMessage(content=message.text or "..."), UserMessage(content=f"Thanks. Next, step {step}?")]


def baseline(loaded, backend: LocalBackend, tools, prompts, new: int) -> list[float]:
    """Plain `generate`, re-prefilling the whole prompt each step."""
    times = []
    for messages in prompts:
        ids = backend.prompts.build(ChatRequest(messages=messages, tools=tools), new).ids
        started = time.perf_counter()
        loaded.model.generate(
            torch.tensor([ids]), max_new_tokens=new, do_sample=False, eos_token_id=list(backend.prompts.stop_ids)
        )
        times.append(time.perf_counter() - started)
    return times


def decode_rate_generate(loaded, ids: list[int], n: int) -> float:
    """Decode tok/s of plain generate: (n tokens - 1-token run) over the time difference, prefill cancelled out."""
    prompt = torch.tensor([ids])

    def run(k: int) -> float:
        started = time.perf_counter()
        loaded.model.generate(prompt, max_new_tokens=k, min_new_tokens=k, do_sample=False)
        return time.perf_counter() - started

    one, many = run(1), run(n)
    return (n - 1) / (many - one)


def decode_rate_backend(backend: LocalBackend, messages, tools, n: int, constrain: bool) -> float:
    """Decode tok/s of the backend on a warm prefix cache (prefill excluded the same way)."""
    backend.settings.constrain = constrain

    def run(k: int) -> tuple[float, int]:
        request = ChatRequest(messages=messages, tools=tools, max_tokens=k)
        asyncio.run(complete(backend, request))  # warm the cache for this exact prompt
        started = time.perf_counter()
        done = asyncio.run(complete(backend, request))
        return time.perf_counter() - started, done.usage.completion_tokens

    (one, _), (many, produced) = run(1), run(n)
    print(f"  (decode run: {produced} tokens, constrain={constrain})")
    return (produced - 1) / (many - one)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--new", type=int, default=40)
    parser.add_argument("--decode", type=int, default=96, help="tokens for the decode-rate runs")
    args = parser.parse_args()
    torch.set_num_threads(2)
    loaded = load_model(resolve("bundled"))
    backend = LocalBackend(loaded, LocalSettings())
    tools = asyncio.run(tool_specs())
    first = backend.prompts.build(
        ChatRequest(messages=[SystemMessage(content=SYSTEM), UserMessage(content=ASK)], tools=tools), 40
    )
    print(f"model {backend.describe()}, {len(tools)} tools, first prompt {len(first.ids)} tokens")

    prompts, ours, tokens, replies = conversation(backend, tools, args.steps, args.new)
    plain = baseline(loaded, backend, tools, prompts, args.new)
    print(f"steps: {len(ours)}, completion tokens/step {sum(tokens) / len(tokens):.1f}")
    print(
        f"step latency: looptune {1000 * sum(ours) / len(ours):.0f} ms,"
        f" plain generate {1000 * sum(plain) / len(plain):.0f} ms"
        f" -> {sum(plain) / sum(ours):.2f}x faster (target >= 4x)"
    )

    messages = prompts[-1]
    rate_plain = decode_rate_generate(loaded, first.ids, args.decode)
    rate_free = decode_rate_backend(backend, messages, tools, args.decode, constrain=False)
    rate_constrained = decode_rate_backend(backend, messages, tools, args.decode, constrain=True)
    stats = backend.last_stats
    print(
        f"greedy decode: looptune {rate_constrained:.1f} tok/s, plain generate {rate_plain:.1f} tok/s"
        f" -> {rate_constrained / rate_plain:.2f}x (target >= 3x)"
    )
    print(
        f"constraint overhead: {rate_free:.1f} tok/s unconstrained vs {rate_constrained:.1f} constrained"
        f" -> {100 * (rate_free / rate_constrained - 1):+.1f}% (target <= 10%)"
    )
    print(f"drafts: {stats.accepted}/{stats.drafted} draft tokens accepted in {stats.forwards} forwards (last run)")

    # Last: int8 swaps the model's Linear layers in place.
    fast = LocalBackend(loaded, LocalSettings(int8=True))
    started = time.perf_counter()
    int8_replies = replay(fast, tools, prompts, args.new)
    int8_s = time.perf_counter() - started
    rate_int8 = decode_rate_backend(fast, messages, tools, args.decode, constrain=True)
    same = sum(a == b for a, b in zip(replies, int8_replies, strict=True))
    calls = sum(same_calls(a, b) for a, b in zip(replies, int8_replies, strict=True))
    print(
        f"int8 (--int8): {rate_int8:.1f} tok/s greedy decode ({rate_int8 / rate_plain:.2f}x plain generate), "
        f"step latency {1000 * int8_s / len(prompts):.0f} ms; vs fp32: {same}/{len(prompts)} replies identical, "
        f"{calls}/{len(prompts)} with the same tool calls ({sum(bool(r.calls) for r in replies)} fp32 replies call)"
    )


if __name__ == "__main__":
    main()
