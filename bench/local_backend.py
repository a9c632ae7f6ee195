"""Local backend speed on the bundled model: agent steps, decode tok/s, constraint overhead, int8/int4, llama.cpp.

Run: `.venv/bin/python bench/local_backend.py [--steps 10 --new 40]`. With the
tasks and calc servers' tools (a ~1,000-token prompt) it plays an agent
conversation of `--steps` steps of `--new` new tokens, then replays the same
prompts through plain `model.generate`, which re-prefills everything every
step (the baseline). Decode speed is measured on a story (text that copies
nothing, so prompt-lookup drafts cannot flatter it). All tensor work runs on
the backend's tensor thread, baseline included. Targets: step latency >= 4x
faster, greedy decode >= 3x plain generate, constrained decoding <= 10% slower
per token. The shipped adapter is loaded unless `--adapter none`. `--quant int8` and `--quant int4` are
measured for speed and agreement with fp32. When `llama-cpp-python` is installed (it builds from source in
minutes: `pip install llama-cpp-python`, kept out of `make test`), llama.cpp decodes the same story from
the same GGUF in the same run (without the adapter), the ceiling the issue measures against.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import torch

from agent.backends import ChatRequest, complete
from agent.backends.local import worker
from agent.backends.local.backend import LocalBackend, LocalSettings
from agent.environments import fresh_environment
from agent.messages import AssistantMessage, SystemMessage, ToolMessage, UserMessage
from agent.models.loader import load_model
from agent.models.shipped import SHIPPED
from agent.models.source import bundled_gguf, resolve

SYSTEM = "You are a helpful assistant that can call tools. Today is 2026-11-22."
ASK = "Add a task 'renew passport' due 2026-12-01 with high priority, then tell me what 17.5 * 4 is."
STORY = "Write a long story about a lighthouse keeper and a storm."
SERVERS = ["tasks", "calc"]  # 7 tools: a ~1,000-token prompt


async def tool_specs():
    async with fresh_environment(SERVERS) as hub:
        return hub.specs()


def ask(backend: LocalBackend, messages, tools, new: int, **request) -> tuple[float, object]:
    """One timed turn."""
    started = time.perf_counter()
    done = asyncio.run(complete(backend, ChatRequest(messages=messages, tools=tools, max_tokens=new, **request)))
    return time.perf_counter() - started, done


def conversation(backend: LocalBackend, tools, steps: int, new: int):
    """Play `steps` steps; return each step's prompt messages, latency and reply."""
    messages = [SystemMessage(content=SYSTEM), UserMessage(content=ASK)]
    prompts, times, replies, decoding = [], [], [], []
    for step in range(steps):
        prompts.append(list(messages))
        seconds, done = ask(backend, messages, tools, new)
        times.append(seconds)
        replies.append(done.message)
        # tokens after the first (which the prefill yields) over the time of the forwards that made them
        decoding.append((done.usage.completion_tokens - 1, backend.last_stats.decode_s))
        messages = messages + _continue(done.message, step)
    return prompts, times, replies, decoding


def _continue(message: AssistantMessage, step: int) -> list:
    """Feed the model's turn back with a tool result (or a follow-up question) so the conversation grows."""
    if message.calls:
        results = [ToolMessage(tool_call_id=c.id, content=f"ok: result {step} for {c.name}") for c in message.calls]
        return [message, *results]
    return [AssistantMessage(content=message.text or "..."), UserMessage(content=f"Thanks. Next, step {step}?")]


def generate(model, ids: list[int], new: int, exact: bool = False) -> float:
    """Seconds for plain `generate` on the tensor thread."""
    kwargs = {"min_new_tokens": new} if exact else {}

    def go() -> None:
        model.generate(torch.tensor([ids]), max_new_tokens=new, do_sample=False, **kwargs)

    started = time.perf_counter()
    worker.run(go)
    return time.perf_counter() - started


def generate_rate(model, ids: list[int], n: int) -> float:
    """Decode tok/s of plain generate, prefill cancelled out by a 1-token run."""
    return (n - 1) / (generate(model, ids, n, exact=True) - generate(model, ids, 1, exact=True))


def backend_rate(backend: LocalBackend, messages, tools, n: int, **request) -> tuple[float, int]:
    """Decode tok/s on a warm prefix cache (prefill cancelled out the same way), and tokens produced."""
    ask(backend, messages, tools, n, **request)  # warm the cache for this exact prompt
    one, _ = ask(backend, messages, tools, 1, **request)
    many, done = ask(backend, messages, tools, n, **request)
    produced = done.usage.completion_tokens
    return (produced - 1) / (many - one), produced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--new", type=int, default=40)
    parser.add_argument("--decode", type=int, default=96, help="tokens for the decode-rate runs")
    parser.add_argument("--adapter", default="bundled", help="bundled (the shipped LoRA), none, or a folder")
    args = parser.parse_args()
    loaded = worker.run(load_model, resolve("bundled"))
    backend = worker.run(LocalBackend, loaded, LocalSettings())
    if args.adapter != "none":
        backend.load_adapter(str(SHIPPED) if args.adapter == "bundled" else args.adapter)
    tools = asyncio.run(tool_specs())
    opening = [SystemMessage(content=SYSTEM), UserMessage(content=ASK)]
    first = backend.prompts.build(ChatRequest(messages=opening, tools=tools), args.new).ids
    print(f"model {backend.describe()} [{backend.engine.kind}], {len(tools)} tools, first prompt {len(first)} tokens")

    prompts, ours, replies, decoding = conversation(backend, tools, args.steps, args.new)
    step_ids = [backend.prompts.build(ChatRequest(messages=m, tools=tools), 1).ids for m in prompts]
    plain = [generate(loaded.model, ids, args.new) for ids in step_ids]
    print(
        f"step latency ({args.steps} steps, {args.new} new tokens): looptune {1000 * sum(ours) / len(ours):.0f} ms,"
        f" plain generate {1000 * sum(plain) / len(plain):.0f} ms -> {sum(plain) / sum(ours):.2f}x (target >= 4x)"
    )
    model = loaded.model
    plain_decode = sum(generate(model, ids, args.new, True) - generate(model, ids, 1, True) for ids in step_ids)
    agent_rate = sum(n for n, _ in decoding) / sum(s for _, s in decoding)
    plain_rate = len(step_ids) * (args.new - 1) / plain_decode
    print(
        f"greedy decode over the agent steps: looptune {agent_rate:.1f} tok/s, plain generate {plain_rate:.1f} tok/s"
        f" -> {agent_rate / plain_rate:.2f}x (target >= 3x)"
    )

    story = [SystemMessage(content=SYSTEM), UserMessage(content=STORY)]
    story_ids = backend.prompts.build(ChatRequest(messages=story, tools=tools), 1).ids
    rate_plain = generate_rate(loaded.model, story_ids, args.decode)
    rate_ours, produced = backend_rate(backend, story, tools, args.decode)
    stats = backend.last_stats
    print(
        f"greedy decode of a story (copies nothing), {len(story_ids)}-token prompt, {produced} tokens:"
        f" looptune {rate_ours:.1f} tok/s,"
        f" plain generate {rate_plain:.1f} tok/s -> {rate_ours / rate_plain:.2f}x;"
        f" drafts accepted {stats.accepted}/{stats.drafted}"
    )

    backend.settings.draft_len = 0  # one token per forward: the per-token cost of the mask alone
    free, _ = backend_rate(backend, opening, tools, args.new)
    backend.settings.constrain = True
    forced, _ = backend_rate(backend, opening, tools, args.new, tool_choice="required")
    backend.settings.constrain = False  # `required` needs the grammar: the same prompt, decoded without it
    unforced, _ = backend_rate(backend, opening, tools, args.new)
    print(
        f"constraint: {forced:.1f} tok/s inside a forced call vs {unforced:.1f} unconstrained on the same prompt"
        f" ({free:.1f} constrained free text) -> {100 * (unforced / forced - 1):+.1f}% (target <= 10%)"
    )

    backend.settings.draft_len, backend.settings.constrain = LocalSettings.draft_len, True
    drafted, _ = backend_rate(backend, opening, tools, args.new, tool_choice="required")
    stats = backend.last_stats
    print(
        f"forced tool calls: {drafted:.1f} tok/s with grammar-forced and lookup drafts vs {forced:.1f} one token"
        f" per forward -> {drafted / forced:.2f}x; drafts accepted {stats.accepted}/{stats.drafted}"
    )

    calls = sum(bool(r.calls) for r in replies)
    for quant in ("int8", "int4"):
        # Same model object, adapter included: the quantized runner reads the base weights plus its factors.
        fast = worker.run(LocalBackend, loaded, LocalSettings(quant=quant))
        rate, _ = backend_rate(fast, story, tools, args.decode)
        steps = [ask(fast, m, tools, args.new) for m in prompts]
        same = sum(a == b[1].message for a, b in zip(replies, steps, strict=True))
        latency = sum(seconds for seconds, _ in steps) / len(steps)
        print(
            f"--quant {quant}: {rate:.1f} tok/s greedy story decode ({rate / rate_ours:.2f}x fp32);"
            f" step latency {1000 * latency:.0f} ms ({sum(ours) / len(ours) / latency:.2f}x fp32);"
            f" {same}/{len(prompts)} agent replies identical to fp32 ({calls} fp32 replies call tools)"
        )
    llama = llama_cpp_rate(story_ids, args.decode)
    print(
        f"llama.cpp on the same GGUF: {llama:.1f} tok/s"
        if llama
        else "llama.cpp: not installed (pip install llama-cpp-python)"
    )


def llama_cpp_rate(ids: list[int], n: int) -> float | None:
    """llama.cpp's greedy decode tok/s after the same prompt (prefill cancelled out), or None if not installed."""
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    llm = Llama(model_path=str(bundled_gguf()), n_ctx=4096, n_threads=torch.get_num_threads(), verbose=False)

    def timed(count: int) -> float:
        llm.reset()
        began = time.perf_counter()
        for produced, _ in enumerate(llm.generate(ids, top_k=1, temp=0.0), 1):
            if produced >= count:
                break
        return time.perf_counter() - began

    timed(n)  # warm-up
    return (n - 1) / (timed(n) - timed(1))


if __name__ == "__main__":
    main()
