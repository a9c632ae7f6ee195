"""Procedurally generated toolsets: the tools a synthetic server exposes for one seed.

`generate_toolset(seed)` draws 4-6 blueprints and a variant of each (name,
description, parameter names, which optional parameters exist); `masked`
renames functions and parameters to opaque ids (Hammer's augmentation) so
only the descriptions tell them apart. A task generator uses the same
objects to sample a call and say it in English, and `result_code` to know
what the tool will answer. Stdlib only; nothing of MCP.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
from dataclasses import dataclass
from typing import Any

from mcp_servers.synthetic.blueprints import BLUEPRINTS, Blueprint, Param

_FOLD = re.compile(r"\s+")


@dataclass(frozen=True)
class SyntheticTool:
    """One generated tool: its MCP face (name, description, schema) and how to speak about it."""

    name: str
    description: str
    parameters: dict[str, Any]
    blueprint: Blueprint
    params: tuple[tuple[str, Param], ...]  # (name in the schema, parameter) in schema order

    @property
    def read_only(self) -> bool:
        return self.blueprint.read_only

    def sample_call(self, rng: random.Random, optional_rate: float = 0.5) -> dict[str, Any]:
        """Arguments for a call: every required parameter, each optional one with `optional_rate`."""
        return {name: p.kind.sample(rng) for name, p in self.params if p.required or rng.random() < optional_rate}

    def phrases(self, arguments: dict[str, Any], rng: random.Random) -> list[str]:
        """One spoken fragment per argument ("for 4 people"); bare values first, the rest shuffled."""
        said = [
            (p.templates() == ("{v}",), _say(p, arguments[name], rng)) for name, p in self.params if name in arguments
        ]
        if self.blueprint.ordered:
            return [text for _, text in said]
        bare, rest = [t for b, t in said if b], [t for b, t in said if not b]
        rng.shuffle(rest)
        return bare + rest


def _say(param: Param, value: Any, rng: random.Random) -> str:
    kind = param.kind
    labelled = isinstance(value, str | bool) and value in kind.labels
    words = rng.choice(kind.labels[value]) if labelled else kind.speak(value)
    return rng.choice(param.templates()).replace("{v}", str(words))


def generate_toolset(seed: int, masked: bool = False) -> list[SyntheticTool]:
    """The 4-6 tools of synthetic server `seed` (deterministic across processes)."""
    rng = random.Random(f"synthetic/{seed}")
    blueprints = rng.sample(BLUEPRINTS, rng.randrange(4, 7))
    return [_variant(b, rng, random.Random(f"synthetic/{seed}/{b.key}") if masked else None) for b in blueprints]


def _variant(blueprint: Blueprint, rng: random.Random, mask: random.Random | None) -> SyntheticTool:
    # The same draws with or without a mask: a masked toolset is the plain one renamed.
    kept = [p for p in blueprint.params if p.required or rng.random() < 0.7]
    params = tuple((rng.choice(p.names), p) for p in kept)
    name, description = rng.choice(blueprint.names), rng.choice(blueprint.descriptions)
    if mask is not None:
        name, params = _masked("fn_", 4, mask), tuple((_masked("p_", 3, mask), p) for _, p in params)
    schema = {
        "type": "object",
        "properties": {n: dict(p.kind.schema) for n, p in params},
        "required": [n for n, p in params if p.required],
    }
    return SyntheticTool(name, description, schema, blueprint, params)


def _masked(prefix: str, length: int, rng: random.Random) -> str:
    return prefix + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(length))


def canonical(value: Any) -> Any:
    """Arguments in the form two equivalent calls share (folded strings, numbers as floats)."""
    if isinstance(value, str):
        return _FOLD.sub(" ", value.strip().casefold())
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def result_code(tool_name: str, arguments: dict[str, Any]) -> str:
    """The 6-character confirmation code a call with these arguments gets."""
    digest = hashlib.sha256(json.dumps([tool_name, canonical(arguments)], sort_keys=True).encode()).hexdigest()
    return "".join(
        string.ascii_uppercase[int(digest[i : i + 2], 16) % 26] if i % 4 == 0 else digest[i].upper()
        for i in range(0, 12, 2)
    )
