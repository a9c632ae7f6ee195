"""Typed step records: the loop builds them, and traces keep the JSON they have always held, byte for byte."""

from __future__ import annotations

import json

import anyio
import pytest

from agent.backends.scripted import ScriptedBackend
from agent.hub import ToolOutcome
from agent.loop import AgentLoop, Step, StepCall, trace_steps
from agent.loop.steps import StepRecordError
from agent.messages import FunctionSpec, ToolSpec, Trace, UserMessage

pytestmark = pytest.mark.anyio

# Two step records as traces wrote them before the records were typed (compact, as `Trace.to_json_line` writes).
TODAY = (
    '[{"step":1,"model_s":0.0123,"calls":[{"id":"call_1","name":"toy__add","duration_s":0.0042,"is_error":false},'
    '{"id":"call_2","name":"toy__fail","duration_s":0.001,"is_error":true}],"duration_s":0.0201,"completion_tokens":12},'
    '{"step":2,"model_s":0.5,"calls":[],"duration_s":0.5001,"completion_tokens":4}]'
)


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"))


class EchoToolbox:
    """A toolbox in the test: `echo` returns its arguments, `fail` an error result."""

    def specs(self) -> list[ToolSpec]:
        return [ToolSpec(function=FunctionSpec(name="echo")), ToolSpec(function=FunctionSpec(name="fail"))]

    def needs_approval(self, name: str) -> bool:
        return False

    async def call(self, name: str, arguments: str, progress=None) -> ToolOutcome:
        return ToolOutcome(arguments, is_error=name == "fail", duration_s=0.25)


def test_step_records_read_from_todays_trace_json_write_it_back_byte_for_byte():
    steps = [Step.from_dict(record) for record in json.loads(TODAY)]
    assert steps[0].calls[1] == StepCall(id="call_2", name="toy__fail", duration_s=0.001, is_error=True)
    assert (steps[1].step, steps[1].model_s, steps[1].completion_tokens, steps[1].calls) == (2, 0.5, 4, [])
    assert compact([step.to_dict() for step in steps]) == TODAY


async def test_the_loop_records_typed_steps_and_its_trace_line_holds_them_in_the_same_json():
    turns = [{"tool_calls": [{"name": "echo", "arguments": {"x": 1}}, {"name": "fail"}]}, {"content": "done"}]
    with anyio.fail_after(5):
        result = await AgentLoop(ScriptedBackend(turns), EchoToolbox()).run([UserMessage(content="go")])
    steps = trace_steps(result.trace)
    assert [step.step for step in steps] == [1, 2]
    assert [(c.name, c.duration_s, c.is_error) for c in steps[0].calls] == [("echo", 0.25, False), ("fail", 0.25, True)]
    assert steps[1].calls == [] and all(s.duration_s >= s.model_s >= 0 for s in steps)
    assert steps[0].completion_tokens == 2  # the scripted backend counts one token per call
    written = json.loads(result.trace.to_json_line())["meta"]["steps"]
    assert list(written[0]) == ["step", "model_s", "calls", "duration_s", "completion_tokens"]
    assert list(written[0]["calls"][0]) == ["id", "name", "duration_s", "is_error"]
    assert compact(written) == compact([step.to_dict() for step in steps])


def test_a_malformed_step_record_is_refused_naming_the_step_call_and_field():
    broken = json.loads(TODAY)
    del broken[1]["completion_tokens"]
    with pytest.raises(StepRecordError, match="step 2: missing 'completion_tokens'"):
        Step.from_dict(broken[1])
    broken[0]["calls"][1]["is_error"] = "yes"
    with pytest.raises(StepRecordError, match="step 1, call 1: 'is_error' is 'yes', not bool"):
        Step.from_dict(broken[0])
    with pytest.raises(StepRecordError, match="step record is list, not an object"):
        Step.from_dict([])  # type: ignore[arg-type]


def test_a_missing_trace_or_one_without_step_records_has_no_steps():
    assert trace_steps(None) == []
    assert trace_steps(Trace(messages=[UserMessage(content="hi")])) == []
