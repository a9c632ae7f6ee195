"""`looptune run/chat` on the local backend, and how the loop treats unparsable calls and notices."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator

import anyio
import pytest

from agent.backends.base import BackendEvent, ChatRequest, Completion
from agent.hub import Hub
from agent.loop import AgentLoop, Notice, ToolCallFinished
from agent.messages import AssistantMessage, FunctionCall, ToolCall, UserMessage
from tests.conftest import toy_config

TIMEOUT_S = 120
# What the hub answers when arguments fail the tool's schema (agent/hub/arguments.py).
HUB_ARGUMENT_ERRORS = ("not valid JSON", "must be a JSON object", "missing required argument", "unexpected argument")


class MalformedOnce:
    """A backend whose first turn holds a call it could not parse, then answers."""

    name = "malformed"

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        self.requests.append(request)
        if len(self.requests) == 1:
            call = ToolCall(id="bad1", function=FunctionCall(name="toy__add", arguments='{"a": 1,'))
            reason = "invalid JSON in <tool_call> at char 9: Expecting property name"
            message = AssistantMessage(tool_calls=[call])
            yield Completion(message, "tool_calls", parse_errors={"bad1": reason}, notices=["dropped 2 turns"])
        else:
            yield Completion(AssistantMessage(content="done"))

    async def aclose(self) -> None:
        pass


@pytest.mark.anyio
async def test_an_unparsable_call_is_answered_with_its_parse_error_and_never_dispatched():
    backend = MalformedOnce()
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            result = await AgentLoop(backend, hub).run([UserMessage(content="go")])
    finished = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished[0].outcome.is_error and "invalid JSON in <tool_call>" in finished[0].outcome.text
    assert [e.message for e in result.events if isinstance(e, Notice)] == ["dropped 2 turns"]
    tool_reply = backend.requests[1].messages[-1]
    assert tool_reply.tool_call_id == "bad1" and tool_reply.content.startswith("Error: invalid JSON")
    assert result.final.content == "done"


def run_cli(tmp_path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    registry = tmp_path / "mcp.json"
    registry.write_text(
        json.dumps({"mcpServers": {"toy": {"command": sys.executable, "args": [str(toy_config().args[0])]}}})
    )
    return subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *args, "--mcp-config", str(registry), "--servers", "toy"],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=TIMEOUT_S,
    )


def test_run_on_a_local_model_prints_the_model_and_servers_and_answers(tmp_path, tiny_model_dir):
    done = run_cli(tmp_path, "run", "hello", "--model", str(tiny_model_dir), "--max-tokens", "8", "--seed", "1")
    assert done.returncode == 0, done.stderr
    assert f"model: {tiny_model_dir.name} (local)" in done.stderr and "toy (" in done.stderr


def test_run_json_reports_events_of_a_local_model(tmp_path, tiny_model_dir):
    done = run_cli(tmp_path, "run", "hello", "--model", str(tiny_model_dir), "--max-tokens", "6", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    kinds = [json.loads(line)["type"] for line in done.stdout.splitlines()]
    assert kinds[-1] == "final" and "step_end" in kinds
    assert "model:" not in done.stderr


def test_a_missing_model_is_a_one_line_error_with_exit_code_2(tmp_path):
    done = run_cli(tmp_path, "run", "hello", "--model", str(tmp_path / "absent"))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "model not found" in done.stderr


def test_load_in_4bit_on_a_cpu_machine_is_a_clear_error(tmp_path, tiny_model_dir):
    done = run_cli(tmp_path, "run", "hello", "--model", str(tiny_model_dir), "--load-in-4bit")
    assert done.returncode == 2 and "needs a CUDA GPU" in done.stderr


def test_chat_answers_each_line_until_exit_on_a_local_model(tmp_path, tiny_model_dir):
    done = run_cli(tmp_path, "chat", "--model", str(tiny_model_dir), "--max-tokens", "4", stdin="hi\nagain\n/exit\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("model: ") == 1


def test_tool_choice_required_makes_even_a_random_model_reach_the_server_with_valid_arguments(tmp_path, tiny_model_dir):
    args = ["--model", str(tiny_model_dir), "--tool-choice", "required", "--max-steps", "2", "--max-tokens", "96"]
    done = run_cli(tmp_path, "run", "go", *args, "--json", "--yes", "--seed", "4")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    finished = [e for e in events if e["type"] == "tool_call_finished"]
    # The random model may go on calling until max_tokens cuts its last call: that one is a parse error.
    complete = [e for e in finished if e["call"]["function"]["name"] != "invalid_tool_call"]
    assert complete and all(e["call"]["function"]["name"].startswith("toy__") for e in complete)
    assert not [e for e in complete if any(m in e["outcome"]["text"] for m in HUB_ARGUMENT_ERRORS)]
