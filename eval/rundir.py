"""A run directory: the resolved settings, the episode and trace journals, the reports.

    RUN_DIR/run.json        settings the run was started with (resume reuses them)
    RUN_DIR/episodes.jsonl  one scored record per episode (eval.records), append-only
    RUN_DIR/traces.jsonl    every episode's trace, passed or not, append-only
    RUN_DIR/report.json     every figure, with the settings, versions and hardware
    RUN_DIR/report.html     the same, as one self-contained page with plots

It knows file names and shapes, nothing of models or metrics.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import USAGE, LooptuneError
from agent.fsutil import atomic_write_text
from agent.shortlist import DEFAULT_METHOD
from eval.journal import read_records
from eval.records import EpisodeRecord


class EvalRunError(LooptuneError):
    """A run directory that cannot be used as asked; the message says why and what to do."""

    exit_code = USAGE


class RunSettings(BaseModel):
    """What a run was asked to do; saved as run.json so `--resume` and reports inherit it."""

    model_config = ConfigDict(extra="forbid")

    tasks: str
    tasks_sha256: str
    task_count: int
    backend: str
    model: str | None = None
    adapter: str | None = None
    base_url: str | None = None
    trials: int = Field(1, ge=1)
    jobs: int = Field(1, ge=1)
    distractors: Literal["all", "none"] | int = "all"  # as people run the agent: every bundled server mounted
    max_steps: int = Field(10, ge=1)
    timeout_s: float = Field(300.0, gt=0)
    seed: int = 0
    temperature: float | None = None
    max_tokens: int | None = Field(None, ge=1)
    inproc: bool = True
    backend_options: dict[str, object] = Field(default_factory=dict)  # the local backend's flags (int8, ...)
    # Tools shown per episode (agent.shortlist); 0 = every mounted tool, which is what a run.json
    # written before shortlisting existed did. `looptune eval` passes its --shortlist (default on).
    shortlist: int = Field(0, ge=0)
    shortlist_method: str = DEFAULT_METHOD

    @property
    def planned(self) -> int:
        return self.task_count * self.trials


def file_sha256(path: Path) -> str:
    """Hex digest of a file's bytes (a resumed run must read the same tasks)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class RunDir:
    path: Path

    @property
    def settings_file(self) -> Path:
        return self.path / "run.json"

    @property
    def episodes(self) -> Path:
        return self.path / "episodes.jsonl"

    @property
    def traces(self) -> Path:
        return self.path / "traces.jsonl"

    @property
    def report_json(self) -> Path:
        return self.path / "report.json"

    @property
    def report_html(self) -> Path:
        return self.path / "report.html"

    def exists(self) -> bool:
        """Whether a run was started here."""
        return self.settings_file.is_file()

    def save_settings(self, settings: RunSettings) -> None:
        atomic_write_text(self.settings_file, settings.model_dump_json(indent=2) + "\n")

    def load_settings(self) -> RunSettings:
        """The saved settings; a missing or broken run.json is an EvalRunError naming the file."""
        try:
            return RunSettings.model_validate_json(self.settings_file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise EvalRunError(f"{self.path}: not a run directory (no run.json)") from exc
        except ValidationError as exc:
            raise EvalRunError(f"{self.settings_file}: {_first_error(exc)}") from exc

    def records(self) -> list[EpisodeRecord]:
        """Every journaled episode record (latest wins for a key journaled twice)."""
        if not self.episodes.is_file():
            return []
        try:
            rows = read_records(self.episodes)
            by_key = {row["key"]: EpisodeRecord.from_json(row) for row in rows}
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalRunError(f"{self.episodes}: not an episode journal ({exc})") from exc
        return list(by_key.values())


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "(root)"
    return f"field {where}: {error['msg']}"
