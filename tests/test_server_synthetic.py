"""The synthetic server: seeded generated toolsets, served for real, calls validated and recorded."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import anyio
import pytest
from jsonschema import Draft202012Validator

from agent.environments import fresh_environment
from agent.hub import Hub
from agent.registry import ServerConfig
from mcp_servers.synthetic import episode_args
from mcp_servers.synthetic.toolset import canonical, generate_toolset, result_code

WAIT_S = 30
DUMP = (
    "import json,sys; from mcp_servers.synthetic.toolset import generate_toolset as g; "
    "print(json.dumps([[t.name, t.description, t.parameters] for t in g(int(sys.argv[1]))]))"
)


def faces(seed: int, masked: bool = False) -> list:
    return [[t.name, t.description, t.parameters] for t in generate_toolset(seed, masked)]


def test_a_seed_gives_the_same_toolset_in_another_process():
    done = subprocess.run([sys.executable, "-c", DUMP, "41"], capture_output=True, text=True, timeout=WAIT_S)
    assert json.loads(done.stdout) == faces(41)


def test_different_seeds_give_many_different_toolsets():
    shapes = {json.dumps(faces(seed), sort_keys=True) for seed in range(200)}
    names = {t.name for seed in range(200) for t in generate_toolset(seed)}
    assert len(shapes) == 200
    assert len(names) >= 40


def test_generated_schemas_are_valid_and_cover_every_parameter_kind():
    types, enums, nested, optional = set(), 0, 0, 0
    for seed in range(300):
        for tool in generate_toolset(seed):
            Draft202012Validator.check_schema(tool.parameters)
            props = tool.parameters["properties"]
            types |= {p["type"] for p in props.values()}
            enums += sum("enum" in p for p in props.values())
            nested += sum(p["type"] == "object" for p in props.values())
            optional += len(props) - len(tool.parameters["required"])
            arguments = tool.sample_call(random.Random(seed), optional_rate=1.0)
            assert not list(Draft202012Validator(tool.parameters).iter_errors(arguments))
    assert types == {"string", "integer", "number", "boolean", "array", "object"}
    assert enums and nested and optional


def test_masking_renames_functions_and_parameters_but_keeps_meaning():
    plain, masked = generate_toolset(5), generate_toolset(5, masked=True)
    for a, b in zip(plain, masked, strict=True):
        assert b.name.startswith("fn_") and a.name != b.name
        assert all(name.startswith("p_") for name in b.parameters["properties"])
        assert a.description == b.description
        assert [p["type"] for p in a.parameters["properties"].values()] == [
            p["type"] for p in b.parameters["properties"].values()
        ]


def test_result_codes_ignore_case_spacing_and_int_float_differences():
    assert result_code("t", {"a": "Lisbon ", "n": 3}) == result_code("t", {"a": "lisbon", "n": 3.0})
    assert result_code("t", {"a": "Lisbon"}) != result_code("t", {"a": "Porto"})
    assert canonical({"b": [1, "X  Y"]}) == {"b": [1.0, "x y"]}


def test_episode_names_map_to_server_arguments():
    assert episode_args("synthetic-12") == ["--seed", "12"]
    assert episode_args("synthetic-12-masked") == ["--seed", "12", "--masked"]
    assert episode_args("synthetic-x") is None and episode_args("tasks") is None


@pytest.mark.anyio
async def test_a_call_returns_the_predicted_code_and_is_recorded(tmp_path):
    tool = generate_toolset(3)[0]
    arguments = tool.sample_call(random.Random(0))
    with anyio.fail_after(WAIT_S):
        async with fresh_environment(["synthetic-3"]) as hub:
            outcome = await hub.call(f"synthetic-3__{tool.name}", json.dumps(arguments))
            spec = hub.tool(f"synthetic-3__{tool.name}").spec()
            status = hub.status()[0]
    assert not outcome.is_error
    assert result_code(tool.name, arguments) in outcome.text
    assert spec.function.parameters["required"] == tool.parameters["required"]
    assert status.name == "synthetic-3"


@pytest.mark.anyio
async def test_the_server_itself_rejects_bad_arguments_naming_the_field(tmp_path):
    from mcp_servers.synthetic import build

    tool = generate_toolset(3)[0]
    server = build(["--seed", "3", "--state-dir", str(tmp_path)])
    first = next(iter(tool.parameters["properties"]))
    with pytest.raises(Exception, match=f"invalid {first}|'{first}' is a required property"):
        bad = {**tool.sample_call(random.Random(0)), first: {"not": "valid"}}
        await server.call_tool(tool.name, bad)
    good = tool.sample_call(random.Random(0))
    await server.call_tool(tool.name, good)
    recorded = [json.loads(line) for line in (tmp_path / "synthetic-calls.jsonl").read_text().splitlines()]
    assert recorded == [{"tool": tool.name, "arguments": good}]


@pytest.mark.anyio
async def test_the_server_runs_as_a_real_stdio_process(tmp_path):
    config = ServerConfig(
        command=sys.executable,
        args=["-m", "mcp_servers.synthetic", "--seed", "8", "--masked", "--state-dir", str(tmp_path)],
    )
    tool = generate_toolset(8, masked=True)[1]
    arguments = tool.sample_call(random.Random(2))
    with anyio.fail_after(WAIT_S):
        async with Hub({"syn": config}) as hub:
            names = [spec.name for spec in hub.specs()]
            outcome = await hub.call(f"syn__{tool.name}", json.dumps(arguments))
    assert names == [f"syn__{t.name}" for t in generate_toolset(8, masked=True)]
    assert result_code(tool.name, arguments) in outcome.text
    assert (tmp_path / "synthetic-calls.jsonl").exists()
