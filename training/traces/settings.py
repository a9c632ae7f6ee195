"""The typed settings of `looptune traces generate`: which tasks, which teacher, how episodes run.

The CLI builds them from flags; a script can build them or load them from
YAML (`agent.settings.load_settings(GenerateSettings, path)`). The teacher is
`oracle` (the tasks' reference plans, no backend) or any backend, typed as
`BackendSettings` whose `backend` is the teacher's name. No flags, no argv.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.backends.settings import BackendSettings
from agent.shortlist.select import DEFAULT_K, DEFAULT_METHOD


class GenerateSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: str  # task JSONL
    output: str  # trace JSONL (appended, resumable)
    teacher: BackendSettings = Field(default_factory=lambda: BackendSettings(backend="oracle"))
    jobs: int = Field(default=4, ge=1)
    max_steps: int = Field(default=10, ge=1)
    timeout: float = Field(default=300.0, gt=0)  # seconds per episode
    seed: int | None = None  # sampling seed for a model teacher
    retry_rejected: bool = False
    mcp_config: str | None = None  # registry for task servers that are not bundled
    distractors: Literal["all", "none"] | int = "all"
    shortlist: int = Field(default=DEFAULT_K, ge=0)
    shortlist_method: str = DEFAULT_METHOD
