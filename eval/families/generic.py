"""`generic`: one call to a procedurally generated tool, so a model learns to read schemas.

Each task mounts a synthetic server (`synthetic-<seed>`, 4-6 generated tools:
the other tools are the distractors) and asks, in words, for one of its
actions with spoken arguments ("for 4 people on March 3, 2027"). Splits:
phrasings as everywhere, and toolsets by seed (seed % 4 == 3 is test), so
held-out tasks show schemas never seen in training. With the `masked`
option (a share of tasks), functions and parameters get opaque names
(Hammer's augmentation) and only descriptions tell the tools apart.
"""

from __future__ import annotations

from functools import cache

from eval.families.base import Ctx, Draft, Family, Intent, in_split
from eval.families.build import called, contains
from mcp_servers.synthetic.blueprints import BLUEPRINTS, Blueprint
from mcp_servers.synthetic.toolset import SyntheticTool, generate_toolset, result_code

CATEGORY = "single_tool"
SEEDS = 100_000


@cache
def _toolset(seed: int, masked: bool) -> tuple[SyntheticTool, ...]:
    return tuple(generate_toolset(seed, masked))


def _server_with(ctx: Ctx, key: str, masked: bool) -> tuple[str, SyntheticTool]:
    """A toolset of this split that has blueprint `key`, and that tool."""
    while True:
        seed = ctx.rng.randrange(SEEDS)
        if not in_split(seed, ctx.split):
            continue
        tool = next((t for t in _toolset(seed, masked) if t.blueprint.key == key), None)
        if tool is not None:
            return f"synthetic-{seed}" + ("-masked" if masked else ""), tool


def _builder(blueprint: Blueprint):
    def build(ctx: Ctx) -> Draft:
        masked = ctx.rng.random() < float(ctx.options.get("masked", 0.0))
        server, tool = _server_with(ctx, blueprint.key, masked)
        arguments = tool.sample_call(ctx.rng)
        ctx.slots = {"args": " ".join(tool.phrases(arguments, ctx.rng))}
        name, code = f"{server}__{tool.name}", result_code(tool.name, arguments)
        expected = {"name": name, "arguments": arguments}
        answer = f"Done ({tool.description.rstrip('.').lower()}). The reference is {code}."
        return Draft(CATEGORY, [server], [expected], answer, [called(name, arguments), contains(code)])

    return build


INTENTS = tuple(Intent(f"synthetic.{b.key}", b.requests, _builder(b), b.train_requests) for b in BLUEPRINTS)
FAMILY = Family("generic", INTENTS, "generated tools: read the schema, fill the arguments")
