"""Constrained vs unconstrained decode: per-token cost of schema-constrained tool calls on the bundled model.

Run: `.venv/bin/python bench/constrain_overhead.py [--tokens 96] [--rounds 3] [--servers calc,tasks,files]`.
Tools are the live input schemas of bundled MCP servers (in-process). Each
round runs the same prompt through a greedy, KV-cached loop three ways:
unconstrained (a fixed number of tokens), constrained with `required=True`
(the whole turn is tool calls, so every token is masked; stops at
end-of-turn), and constrained without `required` (free text costs ~nothing
until a call opens). Rounds interleave, so drift on a shared machine hits all
modes alike. Prints ms/token per mode, the constraint's own time per token
(mask + accept) and the ratio constrained/unconstrained (target <= 1.10).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass, field

import anyio
import torch

from agent.backends.local.constrain import ToolGrammar
from agent.backends.local.loader import load_model
from agent.backends.local.source import resolve
from agent.environments import fresh_environment
from agent.messages import ToolSpec

QUESTION = "What is 17 * 23? Use the calculator, then add a task to check the answer."


@dataclass
class Run:
    """Timings of one generation."""

    tokens: int = 0
    seconds: float = 0.0
    constraint_seconds: float = 0.0
    text_ids: list[int] = field(default_factory=list)


async def live_tools(servers: list[str] | None) -> list[ToolSpec]:
    """The bundled servers' tools, as the hub lists them."""
    async with fresh_environment(servers) as hub:
        return hub.specs()


def prompt_text(tools: list[ToolSpec]) -> str:
    """A Hermes-style ChatML prompt with the tools as compact JSON."""
    listing = "\n".join(json.dumps(tool.to_wire()["function"], separators=(",", ":")) for tool in tools)
    system = (
        "You are a helpful assistant with tools. To call one, reply with\n"
        '<tool_call>\n{"name": <tool name>, "arguments": <JSON object>}\n</tool_call>\n'
        f"<tools>\n{listing}\n</tools>"
    )
    return f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{QUESTION}<|im_end|>\n<|im_start|>assistant\n"


def decode(model, prompt_ids: torch.Tensor, max_tokens: int, constraint=None, stop: int | None = None) -> Run:
    """Greedy KV-cached decode; the timed part is each step (forward, mask, argmax, accept)."""
    run, past, tokens = Run(), None, prompt_ids
    with torch.inference_mode():
        out = model(input_ids=tokens, use_cache=True)  # prefill, not timed
        past, logits = out.past_key_values, out.logits[0, -1].float()
        for _ in range(max_tokens):
            started = time.perf_counter()
            token_id = step(logits, constraint, run)
            out = model(input_ids=torch.tensor([[token_id]]), past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[0, -1].float()
            run.seconds += time.perf_counter() - started
            run.tokens += 1
            run.text_ids.append(token_id)
            if token_id == stop or (constraint is not None and constraint.finished):
                break
    return run


def step(logits: torch.Tensor, constraint, run: Run) -> int:
    """Pick the next token (masked if constrained), timing the constraint's share (mask + accept)."""
    if constraint is None:
        return int(logits.argmax())
    started = time.perf_counter()
    constraint.mask(logits)
    masked = time.perf_counter()
    token_id = int(logits.argmax())
    accepting = time.perf_counter()
    constraint.accept(token_id)
    run.constraint_seconds += (masked - started) + (time.perf_counter() - accepting)
    return token_id


def report(name: str, runs: list[Run]) -> float:
    tokens = sum(r.tokens for r in runs)
    per_token = sum(r.seconds for r in runs) / tokens
    own = sum(r.constraint_seconds for r in runs) / tokens
    print(f"{name:>13}: {per_token * 1e3:6.2f} ms/token  (constraint itself {own * 1e3:.3f} ms/token, {tokens} tokens)")
    return per_token


def main(max_tokens: int, rounds: int, servers: list[str] | None) -> None:
    tools = anyio.run(live_tools, servers)
    loaded = load_model(resolve("bundled"))
    model, tokenizer = loaded.model, loaded.tokenizer
    started = time.perf_counter()
    grammar = ToolGrammar.for_tools(tokenizer, tools, vocab_size=model.config.vocab_size)
    took = time.perf_counter() - started
    print(f"{len(tools)} live tools; grammar built in {took:.2f} s (tokenizer info + compile); {grammar.fallbacks=}")
    prompt_ids = torch.tensor([tokenizer.encode(prompt_text(tools))])
    print(f"prompt: {prompt_ids.shape[1]} tokens; torch threads: {torch.get_num_threads()}")
    modes: dict[str, list[Run]] = {"unconstrained": [], "required": [], "free": []}
    decode(model, prompt_ids, 8)  # warm-up
    for _ in range(rounds):
        modes["unconstrained"].append(decode(model, prompt_ids, max_tokens))
        modes["required"].append(decode(model, prompt_ids, max_tokens, grammar.constraint(required=True)))
        modes["free"].append(decode(model, prompt_ids, max_tokens, grammar.constraint(), stop=tokenizer.eos_token_id))
    base = report("unconstrained", modes["unconstrained"])
    ratios = {name: report(name, runs) / base for name, runs in modes.items() if name != "unconstrained"}
    for name, ratio in ratios.items():
        print(f"ratio {name}/unconstrained: {ratio:.3f} (target <= 1.10)")
    medians = [statistics.median(r.seconds / r.tokens for r in runs) for runs in modes.values()]
    print("median per-round ms/token (unconstrained, required, free):", ", ".join(f"{m * 1e3:.2f}" for m in medians))
    for name in ("required", "free"):
        print(f"{name} output: {tokenizer.decode(modes[name][0].text_ids)!r}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=96, help="cap per generation")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--servers", default="calc,tasks,files", help="bundled servers to mount ('all': every one)")
    args = parser.parse_args()
    main(args.tokens, args.rounds, None if args.servers == "all" else args.servers.split(","))
