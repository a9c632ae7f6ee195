"""The toolset of server `universe-<seed>`: one focus domain's tools among 5-30 others, shuffled.

A seed names its split (seed % 4 == 3 is test, as everywhere) and draws only
domains of that split. The focus domain brings its actions (same words,
other actions: near-duplicates), related domains of its group bring the same
actions (track_package vs track_workout), and random tools of the split fill
the rest; the order is shuffled. A masked toolset is the same toolset
renamed. A task generator asks the toolset which tools serve a request and
which domains it does not cover. This module knows nothing of MCP or tasks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from mcp_servers.synthetic.universe.domains import Domain, split_domains
from mcp_servers.synthetic.universe.tools import UniverseTool, masked, tools_of, universe

HOLDOUT = 4
MIN_OTHERS, MAX_OTHERS = 5, 30


def seed_split(seed: int) -> str:
    return "test" if seed % HOLDOUT == HOLDOUT - 1 else "train"


@dataclass(frozen=True)
class Toolset:
    seed: int
    split: str
    focus: Domain
    tools: tuple[UniverseTool, ...]

    @property
    def domains(self) -> frozenset[str]:
        return frozenset(t.domain.key for t in self.tools)

    def focus_tool(self, action: str) -> UniverseTool | None:
        return next((t for t in self.tools if t.domain.key == self.focus.key and t.action == action), None)


@cache
def _split_tools(split: str) -> tuple[UniverseTool, ...]:
    keys = {d.key for d in split_domains(split)}
    return tuple(t for t in universe() if t.domain.key in keys)


def _sanitized(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


@cache
def draw_toolset(seed: int, masked_names: bool = False) -> Toolset:
    """The toolset of `universe-<seed>` (`-masked` when `masked_names`)."""
    rng = random.Random(f"universe/{seed}")
    split = seed_split(seed)
    focus = rng.choice(split_domains(split))
    actions = sorted({t.action for t in tools_of(focus.key)})
    kept = [a for a in actions if rng.random() < 0.75] or [rng.choice(actions)]
    chosen = [_pick(focus.key, a, rng) for a in kept]
    related = [d for d in split_domains(split) if d.group == focus.group and d.key != focus.key]
    for domain in related:
        shared = [a for a in actions if any(t.action == a for t in tools_of(domain.key))]
        chosen += [_pick(domain.key, a, rng) for a in rng.sample(shared, min(len(shared), rng.randrange(1, 3)))]
    size = 1 + MIN_OTHERS + int((MAX_OTHERS - MIN_OTHERS) * rng.random() ** 2)  # mostly small: schemas cost tokens
    tools = _unique(chosen)
    pool = _split_tools(split)
    while len(tools) < size:
        tools = _unique([*tools, rng.choice(pool)])
    rng.shuffle(tools)
    if masked_names:
        mask = random.Random(f"universe/{seed}/mask")
        tools = [masked(t, mask) for t in tools]
    return Toolset(seed, split, focus, tuple(tools))


def _pick(domain: str, action: str, rng: random.Random) -> UniverseTool:
    return rng.choice([t for t in tools_of(domain) if t.action == action])


def _unique(tools: list[UniverseTool]) -> list[UniverseTool]:
    """One tool per (domain, action) and per model-facing name: a toolset never offers two twins."""
    seen, names, kept = set(), set(), []
    for tool in tools:
        key, name = (tool.domain.key, tool.action), _sanitized(tool.name)
        if key in seen or name in names:
            continue
        seen.add(key)
        names.add(name)
        kept.append(tool)
    return kept
