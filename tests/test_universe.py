"""The tool universe and its toolsets: thousands of distinct tools, split by domain, served for real."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter

import anyio
from jsonschema import Draft202012Validator

from agent.environments import fresh_environment
from agent.naming import exposed_name
from mcp_servers.synthetic import episode_args
from mcp_servers.synthetic.toolset import result_code
from mcp_servers.synthetic.universe import DOMAINS, draw_toolset, universe
from mcp_servers.synthetic.universe.tools import UniverseTool

WAIT_S = 60
DUMP = (
    "import json,sys; from mcp_servers.synthetic.universe import draw_toolset as d; "
    "print(json.dumps([[t.name, t.description, t.parameters] for t in d(int(sys.argv[1])).tools]))"
)


def rendered(tool: UniverseTool) -> str:
    spec = {"type": "function", "function": {"name": tool.name, "description": tool.description}}
    spec["function"]["parameters"] = tool.parameters
    return json.dumps(spec, separators=(",", ":"))


def test_the_universe_holds_thousands_of_distinct_tools_over_many_domains_with_a_held_out_quarter():
    tools = universe()
    distinct = {(t.name, t.description, json.dumps(t.parameters, sort_keys=True)) for t in tools}
    held_out = [d for d in DOMAINS if d.held_out]
    assert len(distinct) == len(tools) >= 3000
    assert len({t.domain.key for t in tools}) == len(DOMAINS) >= 80
    assert len(held_out) >= 20 and all(d.index % 4 == 3 for d in held_out)
    assert len({t.action for t in tools}) == 9


def _props(schema: dict) -> list[dict]:
    return list(schema["properties"].values())


def test_schemas_are_valid_and_use_every_json_schema_type_format_and_naming_convention():
    types, formats, enums, defaults, optional, styles = set(), set(), 0, 0, 0, set()
    for i, tool in enumerate(universe()):
        if i % 7 == 0:  # the meta-schema check is slow; every action and domain is still covered
            Draft202012Validator.check_schema(tool.parameters)
        props = _props(tool.parameters)
        types |= {p["type"] for p in props}
        formats |= {p["format"] for p in props if "format" in p}
        enums += sum("enum" in p for p in props)
        defaults += sum("default" in p for p in props)
        optional += len(props) - len(tool.parameters["required"])
        name = tool.name
        styles.add(
            "dotted"
            if "." in name
            else "kebab"
            if "-" in name
            else "snake"
            if "_" in name
            else "pascal"
            if name[0].isupper()
            else "camel"
        )
    assert types == {"string", "integer", "number", "boolean", "array", "object"}
    assert formats == {"date", "date-time", "email", "uri"}
    assert enums and defaults and optional
    assert styles == {"snake", "camel", "pascal", "kebab", "dotted"}


def test_descriptions_run_from_terse_to_long_but_stay_short_on_average():
    tools = universe()
    long = [t for t in tools if t.description.count(". ") >= 2]
    sizes = [len(rendered(t)) for t in tools]
    assert min(len(t.description) for t in tools) < 30
    assert 0.1 < len(long) / len(tools) < 0.3  # about one in five spells out its parameters
    assert sum(sizes) / len(sizes) < 500  # characters of minified tool JSON in every prompt


def test_sampled_calls_validate_against_their_schemas():
    rng = random.Random(0)
    for tool in rng.sample(universe(), 400):
        arguments = {p.name: p.spec.field.kind.sample(rng) for p in tool.params}
        assert not list(Draft202012Validator(tool.parameters).iter_errors(arguments)), tool.uid


def test_a_toolset_mixes_its_focus_domain_with_related_domains_and_others_from_one_split():
    sizes, near = [], 0
    for seed in range(200):
        toolset = draw_toolset(seed)
        domains = [t.domain for t in toolset.tools]
        sizes.append(len(toolset.tools))
        assert {d.held_out for d in domains} == {seed % 4 == 3}
        assert sum(d.key == toolset.focus.key for d in domains) >= 1
        names = [exposed_name(f"universe-{seed}", t.name) for t in toolset.tools]
        assert len(set(names)) == len(names)
        related = {
            t.action for t in toolset.tools if t.domain.group == toolset.focus.group and t.domain != toolset.focus
        }
        near += bool(related & {t.action for t in toolset.tools if t.domain == toolset.focus})
    assert min(sizes) >= 6 and max(sizes) <= 31 and len(set(sizes)) > 10
    assert near > 150  # most toolsets hold a same-action tool on a related domain (track_package vs track_workout)


def test_a_seed_gives_the_same_toolset_in_another_process():
    done = subprocess.run([sys.executable, "-c", DUMP, "41"], capture_output=True, text=True, timeout=WAIT_S)
    assert json.loads(done.stdout) == [[t.name, t.description, t.parameters] for t in draw_toolset(41).tools]


def test_masking_renames_functions_and_parameters_and_keeps_descriptions():
    plain, masked = draw_toolset(9), draw_toolset(9, True)
    assert [t.uid for t in plain.tools] == [t.uid for t in masked.tools]
    assert [t.description for t in plain.tools] == [t.description for t in masked.tools]
    assert all(t.name.startswith("fn_") for t in masked.tools)
    assert all(name.startswith("p_") for t in masked.tools for name in t.parameters["properties"])


def test_episode_names_mount_universe_toolsets():
    assert episode_args("universe-12") == ["--seed", "12", "--universe"]
    assert episode_args("universe-12-masked") == ["--seed", "12", "--universe", "--masked"]
    assert episode_args("synthetic-12") == ["--seed", "12"]
    assert episode_args("universe-x") is None


def test_the_mounted_server_lists_the_toolset_validates_calls_and_answers_with_the_code():
    toolset = draw_toolset(21)
    lookup = next(t for t in toolset.tools if t.action == "list")
    arguments = {p.name: p.spec.field.kind.sample(random.Random(1)) for p in lookup.params}

    async def run():
        with anyio.fail_after(WAIT_S):
            async with fresh_environment(["universe-21"]) as hub:
                names = sorted(spec.function.name for spec in hub.specs())
                good = await hub.call(exposed_name("universe-21", lookup.name), arguments)
                bad = await hub.call(exposed_name("universe-21", lookup.name), {"limit": "many"})
                return names, good, bad

    names, good, bad = anyio.run(run)
    assert names == sorted(exposed_name("universe-21", t.name) for t in toolset.tools)
    code = result_code(lookup.name, arguments)
    assert f"id {lookup.domain.id_prefix}-{code}" in good.text and not good.is_error
    assert bad.is_error and "limit" in bad.text


def test_every_action_archetype_has_hundreds_of_tools():
    actions = Counter(t.action for t in universe())
    assert min(actions.values()) >= 100
