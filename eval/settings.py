"""The typed settings of one `looptune eval` (or checkpoint sweep): what the CLI's flags say, as data.

`looptune eval` builds them from argv; anything else (training's
`eval_tasks`, a script) builds them directly or loads them from YAML with
`agent.settings.load_settings(EvalSettings, path)`. A run saves them as
`eval_settings.yaml` in its folder. This module knows no flags and no argv.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.backends.settings import BackendSettings
from agent.shortlist.select import DEFAULT_K, DEFAULT_METHOD

SETTINGS_FILE = "eval_settings.yaml"


class EvalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: str  # task JSONL
    output: str  # the run folder (a sweep's root, one folder per adapter under it)
    resume: bool = False
    trials: int = Field(default=1, ge=1)
    jobs: int = Field(default=1, ge=1)
    distractors: Literal["all", "none"] | int = "all"  # bundled servers mounted besides each task's own
    max_steps: int = Field(default=10, ge=1)
    timeout: float = Field(default=300.0, gt=0)  # seconds per episode
    seed: int = 0
    temperature: float | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    stdio: bool = False  # bundled servers as processes instead of in-process
    shortlist: int = Field(default=DEFAULT_K, ge=0)
    shortlist_method: str = DEFAULT_METHOD
    mcp_config: str | None = None
    backend: BackendSettings = Field(default_factory=BackendSettings)
    # Several adapters (globs expanded by the runner) make a checkpoint sweep; empty: `backend.adapter` alone.
    adapters: list[str] = Field(default_factory=list)
