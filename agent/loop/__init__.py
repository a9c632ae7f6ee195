"""The agent loop and the events it streams."""

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

__all__ = [
    "AgentLoop",
    "Approver",
    "Event",
    "Final",
    "LoopConfig",
    "Notice",
    "RunError",
    "RunResult",
    "StepEnd",
    "TextDelta",
    "Toolbox",
    "ToolCallFinished",
    "ToolCallStarted",
    "ToolProgress",
]
