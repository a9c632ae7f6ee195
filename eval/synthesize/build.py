"""Synthesis of one server's tasks: candidates sampled and said, checked in rounds until N are kept.

Each round samples as many candidate calls as are still wanted (tools
taken in turn, a fresh shuffle per round), drops repeats, and runs the
checks; it stops when N tasks are kept or after a bounded number of
attempts. Destructive tools (annotated `destructiveHint: true`) are left out
unless asked for. This module knows nothing of the CLI.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from agent.hub.catalog import HubTool
from eval.synthesize.examples import Examples
from eval.synthesize.execute import Target, check_all, list_tools
from eval.synthesize.schema import Sampler
from eval.synthesize.speak import fill_template, speak, template_slots
from eval.synthesize.writer import Kept, to_task
from eval.tasks import Task

ATTEMPTS_PER_TASK = 4


@dataclass
class SynthesisResult:
    """The tasks kept and what was rejected, by reason."""

    tasks: list[Task] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    skipped_tools: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)


@dataclass
class _Candidate:
    tool: HubTool
    arguments: dict[str, Any]
    request: str
    frame: str


def is_destructive(tool: HubTool) -> bool:
    hints = tool.tool.annotations
    return hints is not None and hints.destructive_hint is True and hints.read_only_hint is not True


async def synthesize(
    target: Target,
    n: int,
    seed: int = 0,
    examples: Examples | None = None,
    include_destructive: bool = False,
) -> SynthesisResult:
    """Up to `n` execution-verified tasks for the server `target`."""
    result = SynthesisResult()
    tools = await list_tools(target)
    result.tools = [t.name for t in tools]
    usable = [t for t in tools if include_destructive or not is_destructive(t)]
    result.skipped_tools = [t.name for t in tools if t not in usable]
    if not usable:
        return result
    rng = random.Random(seed)
    seen: set[str] = set()
    kept: list[Kept] = []
    attempts = 0
    while len(kept) < n and attempts < n * ATTEMPTS_PER_TASK:
        batch = _candidates(usable, n - len(kept), rng, examples, seen, result.rejected)
        attempts += n - len(kept)
        verdicts = await check_all(target, [(c.tool, c.arguments) for c in batch])
        for candidate, verdict in zip(batch, verdicts, strict=True):
            if not verdict.kept:
                result.rejected[verdict.reason] += 1
            elif len(kept) < n:
                args = candidate.arguments
                request, frame = candidate.request, candidate.frame
                kept.append(Kept(candidate.tool.name, args, request, verdict.text, verdict.deterministic, frame))
    result.tasks = [to_task(target.name, i, k, seed) for i, k in enumerate(kept)]
    return result


def _candidates(
    tools: list[HubTool],
    count: int,
    rng: random.Random,
    examples: Examples | None,
    seen: set[str],
    rejected: Counter[str],
) -> list[_Candidate]:
    order = list(tools)
    rng.shuffle(order)
    out: list[_Candidate] = []
    for index in range(count):
        candidate = _candidate(order[index % len(order)], rng, examples)
        key = json.dumps([candidate.tool.name, candidate.arguments], sort_keys=True)
        if key in seen:
            rejected["duplicate call"] += 1
            continue
        seen.add(key)
        out.append(candidate)
    return out


def _candidate(tool: HubTool, rng: random.Random, examples: Examples | None) -> _Candidate:
    bare = tool.tool.name
    templates = examples.for_tool(bare) if examples else []
    sampler = Sampler(rng)
    if templates and rng.random() < 0.7:
        index = rng.randrange(len(templates))
        slots = template_slots(templates[index])
        # A template says exactly its slots: no optional parameter it leaves out may be sent.
        arguments = sampler.arguments(_only(tool.schema, slots), frozenset(slots))
        if set(slots) <= set(arguments):
            return _Candidate(tool, arguments, fill_template(templates[index], arguments), f"examples:{index}")
    arguments = sampler.arguments(tool.schema)
    request, frame = speak(bare, tool.tool.description, arguments, rng)
    return _Candidate(tool, arguments, request, frame)


def _only(schema: dict[str, Any], names: list[str]) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    return {**schema, "properties": {k: v for k, v in properties.items() if k in names}, "required": names}
