"""The agent loop, the events it streams and the step records its traces carry."""

from agent.loop.events import (
    Event,
    Final,
    Notice,
    RunError,
    StepEnd,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolProgress,
)
from agent.loop.loop import AgentLoop, Approver, LoopConfig, RunResult, Toolbox
from agent.loop.steps import Step, StepCall, trace_steps

__all__ = [
    "AgentLoop",
    "Approver",
    "Event",
    "Final",
    "LoopConfig",
    "Notice",
    "RunError",
    "RunResult",
    "Step",
    "StepCall",
    "StepEnd",
    "TextDelta",
    "Toolbox",
    "ToolCallFinished",
    "ToolCallStarted",
    "ToolProgress",
    "trace_steps",
]
