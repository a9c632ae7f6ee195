"""Episodes: fresh real servers, hidden setup, the real loop, then the task's checks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
import pytest

from agent.backends.base import BackendEvent, ChatRequest
from agent.backends.scripted import ScriptedBackend
from eval.oracle import oracle_backend
from eval.runner import EpisodeConfig, run_episode
from eval.tasks import parse_task
from tests.evalfiles import TASK as DESIGN_TASK

pytestmark = pytest.mark.anyio
WAIT_S = 30

# DESIGN.md's example task, with stricter checks: the due date in the state and the arguments of the call.
TASK = {
    **DESIGN_TASK,
    "checks": [
        {"type": "state", "tool": "tasks__list_tasks", "arguments": {}, "contains": "buy milk | due 2026-11-27"},
        {"type": "answer_contains", "value": "buy milk"},
        {"type": "called", "tool": "tasks__add_task", "arguments": {"title": "Buy milk", "due": "2026-11-27"}},
    ],
}


def task(**changes):
    return parse_task(json.dumps({**TASK, **changes}))


def say(*turns):
    return ScriptedBackend(list(turns))


async def run(t, backend, **config):
    with anyio.fail_after(WAIT_S):
        return await run_episode(t, backend, EpisodeConfig(**config))


async def test_the_oracle_passes_the_design_example_against_the_real_tasks_server():
    t = task()
    episode = await run(t, oracle_backend(t))
    assert episode.passed, episode.reason
    assert [c.name for c in episode.calls] == ["tasks__add_task"]
    assert episode.calls[0].result.startswith("Added task id 2: buy milk")  # id 1 is the hidden setup's task
    assert episode.trace.messages[0].content.endswith("Today is Sunday 2026-11-22.")
    assert episode.trace.meta["task_id"] == "tasks-0042" and episode.trace.meta["passed"] is True


async def test_a_wrong_plan_fails_the_state_check_and_says_why():
    wrong = say({"tool_calls": [{"name": "tasks__add_task", "arguments": {"title": "buy milk"}}]}, "Added buy milk.")
    episode = await run(task(), wrong)
    assert not episode.passed
    assert episode.reason.startswith("state: tasks__list_tasks result lacks 'buy milk | due 2026-11-27'")
    assert [c.passed for c in episode.checks] == [False, True, False]
    assert episode.checks[2].detail == "missing argument 'due'"


async def test_an_answer_without_the_call_fails():
    episode = await run(task(), say("Sure, added buy milk for Friday!"))
    assert not episode.passed
    assert "tasks__list_tasks result lacks" in episode.reason


async def test_answer_and_call_checks_read_the_episode():
    checks = [
        {"type": "answer_regex", "pattern": r"\b42\b"},
        {"type": "no_tool_calls"},
        {"type": "not_called", "tool": "calc__evaluate"},
    ]
    t = task(servers=["calc"], setup=[], checks=checks, expected_calls=[])
    assert (await run(t, say("It is 42."))).passed
    called = say({"tool_calls": [{"name": "calc__evaluate", "arguments": {"expression": "6*7"}}]}, "It is 42.")
    episode = await run(t, called)
    assert [c.passed for c in episode.checks] == [True, False, False]
    assert episode.reason == "no_tool_calls: called calc__evaluate"


async def test_a_failing_setup_call_is_reported_as_a_broken_task():
    t = task(setup=[{"tool": "tasks__complete_task", "arguments": {"task_id": 99}}])
    episode = await run(t, oracle_backend(t))
    assert not episode.passed
    assert episode.reason.startswith("setup: tasks__complete_task failed: ")
    assert "no task with id 99" in episode.reason


async def test_a_run_without_final_answer_fails_with_the_loop_error():
    episode = await run(task(), say({"tool_calls": [{"name": "tasks__list_tasks"}]}))
    assert not episode.passed
    assert "the script has no turn 2" in episode.reason
    assert episode.trace is not None and episode.trace.meta["passed"] is False


class Hanging:
    """A real backend that never finishes its turn (a stuck model server)."""

    name = "hanging"

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        await anyio.Event().wait()
        yield  # pragma: no cover

    async def aclose(self) -> None:
        return None


class Crashing(Hanging):
    name = "crashing"

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        raise RuntimeError("boom")
        yield  # pragma: no cover


async def test_a_stuck_episode_times_out_as_a_failure():
    episode = await run(task(), Hanging(), timeout_s=0.5)
    assert (episode.passed, episode.reason) == (False, "timed out after 0.5 s")


async def test_a_crashing_backend_is_one_failed_episode_not_a_crashed_run():
    episode = await run(task(), Crashing())
    assert not episode.passed
    assert episode.reason == "episode crashed: RuntimeError: boom"


async def test_an_unknown_server_fails_the_episode_naming_it():
    episode = await run(task(servers=["weather"]), say("hi"))
    assert not episode.passed and "weather" in episode.reason
