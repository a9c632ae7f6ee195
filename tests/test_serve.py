"""`looptune serve` on tiny models, driven by the official `openai` client over real HTTP.

The taught model (tests/tiny.teach) replays fixed answers: a call to
`clock__now` for "Time in Paris?", two calls for "Time in Paris and Tokyo?",
and "Hello there!" for "Say hello.", so auto tool choice and parallel calls
are checked on real decoding; the random tiny model checks that required
and named tool choice always give valid calls (the grammar, not luck).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest

from tests.serving import TIMEOUT_S, TOOLS, ask, client, model_id, serving

openai = pytest.importorskip("openai")

# Bounded arguments only (enums, booleans): a random model could write a free string forever.
SWITCHES = [
    {
        "type": "function",
        "function": {
            "name": "lights__set",
            "description": "Switch the lights in a room.",
            "parameters": {
                "type": "object",
                "properties": {"room": {"enum": ["hall", "kitchen"]}, "on": {"type": "boolean"}},
                "required": ["room", "on"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "fan__set",
            "description": "Set the fan speed.",
            "parameters": {"type": "object", "properties": {"speed": {"enum": ["low", "high"]}}, "required": ["speed"]},
        },
    },
]


def _call(i: int, city: str) -> dict:
    return {
        "id": f"call_{i}",
        "type": "function",
        "function": {"name": "clock__now", "arguments": json.dumps({"city": city})},
    }


LESSONS = [
    {
        "messages": [
            {"role": "user", "content": "Time in Paris?"},
            {"role": "assistant", "tool_calls": [_call(1, "Paris")]},
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "Time in Paris and Tokyo?"},
            {"role": "assistant", "tool_calls": [_call(1, "Paris"), _call(2, "Tokyo")]},
        ]
    },
    {"messages": [{"role": "user", "content": "Say hello."}, {"role": "assistant", "content": "Hello there!"}]},
]


@pytest.fixture(scope="module")
def taught_dir(tmp_path_factory: pytest.TempPathFactory, bundled_tokenizer) -> Path:
    from tests.tiny import teach

    return teach(tmp_path_factory.mktemp("taught"), bundled_tokenizer, [{**t, "tools": TOOLS} for t in LESSONS])


@pytest.fixture(scope="module")
def taught(taught_dir: Path) -> Iterator[str]:
    with serving(taught_dir) as url:
        yield url


def test_the_models_route_lists_the_base_and_each_adapter_with_the_base_as_parent(tmp_path, tiny_model_dir):
    from tests.tiny import make_adapter

    adapter = make_adapter(tiny_model_dir, tmp_path / "a", seed=3)
    with serving(tiny_model_dir, "--served-model-name", "tiny", "--adapter", f"mine={adapter}") as url:
        models = client(url).models.list().data
    assert [(m.id, m.parent) for m in models] == [("tiny", None), ("mine", "tiny")]
    assert models[1].root == str(adapter)


def test_a_text_answer_comes_back_whole_and_streamed_alike(taught):
    api = client(taught)
    whole = api.chat.completions.create(model=str(model_id(taught)), messages=ask("Say hello."), tools=TOOLS)
    assert whole.choices[0].message.content == "Hello there!"
    assert whole.choices[0].finish_reason == "stop"
    assert whole.usage.completion_tokens > 0 and whole.usage.prompt_tokens > 0
    chunks = list(
        api.chat.completions.create(
            model=model_id(taught),
            messages=ask("Say hello."),
            tools=TOOLS,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello there!"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == whole.usage.total_tokens


def test_auto_tool_choice_returns_the_call_the_model_writes_whole_and_streamed(taught):
    api = client(taught)
    reply = api.chat.completions.create(model=model_id(taught), messages=ask("Time in Paris?"), tools=TOOLS)
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls" and not choice.message.content
    [call] = choice.message.tool_calls
    assert (call.function.name, json.loads(call.function.arguments)) == ("clock__now", {"city": "Paris"})
    streamed = _streamed_calls(
        api.chat.completions.create(model=model_id(taught), messages=ask("Time in Paris?"), tools=TOOLS, stream=True)
    )
    assert streamed == [("clock__now", {"city": "Paris"})]


def test_parallel_calls_come_back_together_unless_parallel_tool_calls_is_false(taught):
    api = client(taught)
    question = ask("Time in Paris and Tokyo?")
    both = api.chat.completions.create(model=model_id(taught), messages=question, tools=TOOLS).choices[0].message
    assert [json.loads(c.function.arguments)["city"] for c in both.tool_calls] == ["Paris", "Tokyo"]
    assert len({c.id for c in both.tool_calls}) == 2
    streamed = _streamed_calls(
        api.chat.completions.create(model=model_id(taught), messages=question, tools=TOOLS, stream=True)
    )
    assert [args["city"] for _, args in streamed] == ["Paris", "Tokyo"]
    one = api.chat.completions.create(model=model_id(taught), messages=question, tools=TOOLS, parallel_tool_calls=False)
    assert [json.loads(c.function.arguments)["city"] for c in one.choices[0].message.tool_calls] == ["Paris"]


def test_required_and_named_tool_choice_always_give_a_valid_call_even_from_a_random_model(tiny_model_dir):
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in SWITCHES}
    with serving(tiny_model_dir) as url:
        api = client(url)
        for seed in range(3):
            reply = api.chat.completions.create(
                model=model_id(url), messages=ask("Do something."), tools=SWITCHES, tool_choice="required", seed=seed
            )
            for call in reply.choices[0].message.tool_calls:
                jsonschema.validate(json.loads(call.function.arguments), schemas[call.function.name])
            assert reply.choices[0].finish_reason == "tool_calls"
        named = {"type": "function", "function": {"name": "fan__set"}}
        reply = api.chat.completions.create(model=model_id(url), messages=ask("Hi."), tools=SWITCHES, tool_choice=named)
        calls = reply.choices[0].message.tool_calls
        assert calls and {c.function.name for c in calls} == {"fan__set"}
        for call in calls:
            jsonschema.validate(json.loads(call.function.arguments), schemas["fan__set"])


def test_a_required_tool_choice_under_no_constrain_is_a_400_naming_the_flag_whole_and_streamed(tiny_model_dir):
    body = {"messages": ask("Lights."), "tools": SWITCHES, "tool_choice": "required", "max_tokens": 8}
    with serving(tiny_model_dir, "--no-constrain") as url, client(url) as api:
        body["model"] = api.models.list().data[0].id
        with pytest.raises(openai.BadRequestError) as refused:
            api.chat.completions.create(**body)
        error = refused.value.body
        assert error["message"] == "tool_choice 'required' needs the constrained decoder: drop --no-constrain"
        assert (error["param"], error["code"]) == ("tool_choice", "unsupported_value")
        streamed = httpx.post(f"{url}/chat/completions", json={**body, "stream": True}, timeout=TIMEOUT_S)
    events = [json.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data: {")]
    assert events[-1]["error"]["param"] == "tool_choice" and "--no-constrain" in events[-1]["error"]["message"]
    assert events[-1]["error"]["type"] == "invalid_request_error"  # a 400's type, not a server error


def test_adapters_are_chosen_by_model_id_and_load_and_unload_at_run_time(tmp_path, tiny_model_dir):
    from tests.tiny import make_adapter

    first = make_adapter(tiny_model_dir, tmp_path / "first", seed=3)
    second = make_adapter(tiny_model_dir, tmp_path / "second", seed=4)
    with serving(tiny_model_dir, "--served-model-name", "base", "--adapter", f"first={first}") as url:
        api = client(url)

        def say(model: str) -> str:
            reply = api.chat.completions.create(model=model, messages=ask("Hi."), max_tokens=12, temperature=0)
            assert reply.model == model
            return reply.choices[0].message.content

        base, tuned = say("base"), say("first")
        assert base != tuned and say("base") == base  # switching back gives the base again
        loaded = httpx.post(f"{url}/load_lora_adapter", json={"lora_name": "second", "lora_path": str(second)})
        assert loaded.status_code == 200, loaded.text
        assert [m.id for m in api.models.list().data] == ["base", "first", "second"]
        assert say("second") not in (base, tuned)
        gone = httpx.post(f"{url}/unload_lora_adapter", json={"lora_name": "second"})
        assert gone.status_code == 200, gone.text
        with pytest.raises(openai.NotFoundError, match="model 'second' is not served here"):
            say("second")
        assert say("first") == tuned


def _streamed_calls(stream) -> list[tuple[str, dict]]:
    calls: dict[int, dict] = {}
    finish = None
    for chunk in stream:
        if not chunk.choices:
            continue
        finish = chunk.choices[0].finish_reason or finish
        for delta in chunk.choices[0].delta.tool_calls or []:
            entry = calls.setdefault(delta.index, {"name": "", "arguments": ""})
            entry["name"] += (delta.function.name or "") if delta.function else ""
            entry["arguments"] += (delta.function.arguments or "") if delta.function else ""
    assert finish == "tool_calls"
    return [(c["name"], json.loads(c["arguments"])) for _, c in sorted(calls.items())]


def test_the_agents_openai_backend_and_looptune_eval_run_against_the_server(tmp_path, taught):
    def looptune(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "agent.cli.main", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S * 3, cwd=tmp_path)

    served = ("--backend", "openai", "--base-url", taught, "--servers", "calc", "--max-tokens", "8")
    ran = looptune("run", *served, "--quiet", "Say hello.")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip()
    tasks = tmp_path / "tasks.jsonl"
    made = looptune("tasks", "generate", "--family", "single_tool", "--n", "2", "--seed", "3", "-o", str(tasks))
    assert made.returncode == 0, made.stderr
    flags = ["--max-tokens", "8", "--max-steps", "2"]
    scored = looptune("eval", str(tasks), "--backend", "openai", "--base-url", taught, *flags, "-o", "run")
    assert scored.returncode in (0, 1), scored.stderr  # 1: below the bars, which a tiny model is
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["settings"]["backend"] == "openai" and len(report["tasks"]) == 2


def test_training_pushes_its_adapter_into_a_running_server_and_checks_the_server_first(tmp_path, tiny_model_dir):
    from tests.test_train import looptune_train, write_config

    config = write_config(tmp_path, tiny_model_dir, max_steps=2, save_steps=100)
    unreachable = looptune_train(str(config), "--push-to", "http://127.0.0.1:9/v1", "fresh", cwd=tmp_path)
    assert unreachable.returncode == 2 and "nothing was trained" in unreachable.stderr
    assert not (tmp_path / "out" / "adapter_model.safetensors").exists()
    with serving(tiny_model_dir, "--served-model-name", "base") as url:
        done = looptune_train(str(config), "--push-to", url, "fresh", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert f"pushed to {url} as fresh" in done.stderr
        assert [m.id for m in client(url).models.list().data] == ["base", "fresh"]
        reply = client(url).chat.completions.create(model="fresh", messages=ask("Hi."), max_tokens=4)
        assert reply.model == "fresh"


def test_the_printed_chat_line_names_the_model_and_how_to_pass_the_key_without_printing_it(tmp_path, monkeypatch):
    from agent.serve.access import key_reference
    from agent.serve.cli import chat_hint

    url = "http://127.0.0.1:8000/v1"
    line = f"looptune chat --backend openai --base-url {url} --model 'my model'"
    monkeypatch.delenv("LOOPTUNE_API_KEY", raising=False)
    assert chat_hint(url, "my model", key_reference(None, None)) == line
    key_file = tmp_path / "key file"
    assert (
        chat_hint(url, "my model", key_reference(None, str(key_file)))
        == f"OPENAI_API_KEY=\"$(cat '{key_file}')\" {line}"
    )
    assert chat_hint(url, "my model", key_reference("s3cret", None)) == f"OPENAI_API_KEY=KEY {line}"
    monkeypatch.setenv("LOOPTUNE_API_KEY", "s3cret")
    assert chat_hint(url, "my model", key_reference(None, None)) == f'OPENAI_API_KEY="$LOOPTUNE_API_KEY" {line}'


@pytest.fixture(scope="module")
def plain(tiny_model_dir: Path) -> Iterator[str]:
    """The random tiny model, served: what it writes is noise unless a grammar shapes it."""
    with serving(tiny_model_dir) as url:
        yield url


ROOM = {
    "type": "object",
    "properties": {"room": {"enum": ["hall", "kitchen"]}, "on": {"type": "boolean"}},
    "required": ["room", "on"],
    "additionalProperties": False,
}


def test_a_json_schema_response_format_is_followed_even_by_a_random_model_whole_and_streamed(plain):
    api = client(plain)
    schema = {"type": "json_schema", "json_schema": {"name": "room", "schema": ROOM, "strict": True}}
    for seed in range(3):
        reply = api.chat.completions.create(
            model=model_id(plain), messages=ask("Which room?"), response_format=schema, seed=seed, temperature=1.0
        )
        assert reply.choices[0].finish_reason == "stop"
        jsonschema.validate(json.loads(reply.choices[0].message.content), ROOM)
    chunks = api.chat.completions.create(
        model=model_id(plain), messages=ask("Hi."), response_format=schema, stream=True
    )
    jsonschema.validate(json.loads("".join(c.choices[0].delta.content or "" for c in chunks if c.choices)), ROOM)


def test_a_json_object_response_format_makes_even_a_random_model_answer_with_a_json_object(plain):
    api = client(plain)
    free = api.chat.completions.create(model=model_id(plain), messages=ask("Hi."), max_tokens=40, temperature=0)
    assert not (free.choices[0].message.content or "").startswith("{")  # left alone, the model writes noise
    for seed in range(3):
        reply = api.chat.completions.create(
            model=model_id(plain),
            messages=ask("Hi."),
            response_format={"type": "json_object"},
            max_tokens=40,
            seed=seed,
            temperature=1.0,
        )
        content = reply.choices[0].message.content
        assert content.startswith("{"), content
        if reply.choices[0].finish_reason == "stop":  # a random model may not close it within 40 tokens
            assert isinstance(json.loads(content), dict)
    text = api.chat.completions.create(
        model=model_id(plain), messages=ask("Hi."), max_tokens=40, temperature=0, response_format={"type": "text"}
    )
    assert text.choices[0].message.content == free.choices[0].message.content


def test_tool_call_ids_are_unique_openai_style_ids_not_a_counter(plain):
    api = client(plain)
    replies = [
        api.chat.completions.create(
            model=model_id(plain), messages=ask("Lights."), tools=SWITCHES, tool_choice="required", seed=seed
        )
        for seed in range(2)
    ]
    ids = [call.id for reply in replies for call in reply.choices[0].message.tool_calls]
    assert len(set(ids)) == len(ids) >= 2 and all(re.fullmatch(r"call_[0-9a-f]{24}", i) for i in ids), ids
