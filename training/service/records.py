"""The fine-tuning service's records, and each one's OpenAI wire shape.

Files, jobs, events and checkpoints are dataclasses as the store keeps them;
`wire()` gives the JSON the OpenAI API returns for each (`FileObject`,
`FineTuningJob`, `FineTuningJobEvent`, `FineTuningJobCheckpoint`), plus a
`looptune` key where a job records how OpenAI's hyperparameters became a
`looptune train` config. It knows nothing of SQLite, HTTP or training.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["validating_files", "queued", "running", "paused", "succeeded", "failed", "cancelled"]
FINISHED: tuple[Status, ...] = ("succeeded", "failed", "cancelled")
ORGANIZATION = "looptune"


def new_id(prefix: str) -> str:
    """`file-…`, `ftjob-…`, `ftevent-…`, `ftckpt-…`: 24 random hex digits after the prefix."""
    return f"{prefix}-{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


@dataclass
class FileRecord:
    id: str
    filename: str
    purpose: str
    bytes: int
    created_at: int
    status: str = "uploaded"  # uploaded -> processed | error
    status_details: str | None = None  # the validation report: counts, then `line N: reason` lines
    examples: int = 0  # valid examples (lines) found by validation

    def wire(self) -> dict[str, Any]:
        fields = ("id", "bytes", "created_at", "filename", "purpose", "status", "status_details")
        return {"object": "file", **{name: getattr(self, name) for name in fields}, "expires_at": None}


@dataclass
class JobError:
    code: str
    message: str
    param: str | None = None


@dataclass
class Job:
    id: str
    model: str  # as the client named it
    base: str  # the model spec `looptune train` loads (bundled, a directory, a hub id)
    training_file: str
    created_at: int
    hyperparameters: dict[str, Any]  # resolved: n_epochs, batch_size, learning_rate_multiplier
    train_config: dict[str, Any]  # the `looptune train` config the job runs
    mapping: dict[str, str]  # how each OpenAI hyperparameter became a config key
    status: Status = "validating_files"
    validation_file: str | None = None
    suffix: str | None = None
    seed: int = 0
    metadata: dict[str, str] | None = None
    method: dict[str, Any] = field(default_factory=dict)
    error: JobError | None = None
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    trained_tokens: int | None = None
    estimated_finish: int | None = None
    result_files: list[str] = field(default_factory=list)
    resume: bool = False  # the next start continues from the newest checkpoint
    requested: str | None = None  # "pause" or "cancel" while the process stops

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def wire(self) -> dict[str, Any]:
        names = ["id", "created_at", "fine_tuned_model", "finished_at", "hyperparameters", "model", "result_files"]
        names += ["seed", "status", "trained_tokens", "training_file", "validation_file", "estimated_finish"]
        body: dict[str, Any] = {"object": "fine_tuning.job", **{name: getattr(self, name) for name in names}}
        body["error"] = None if self.error is None else vars(self.error)
        body |= {"organization_id": ORGANIZATION, "metadata": self.metadata, "integrations": [], "method": self.method}
        body["looptune"] = {"base": self.base, "train_config": self.train_config, "mapping": self.mapping}
        return body


@dataclass
class Event:
    id: str
    job_id: str
    created_at: int
    level: Literal["info", "warn", "error"]
    message: str
    type: Literal["message", "metrics"] = "message"
    data: dict[str, Any] | None = None

    def wire(self) -> dict[str, Any]:
        fields = ("id", "created_at", "level", "message", "type", "data")
        return {"object": "fine_tuning.job.event", **{name: getattr(self, name) for name in fields}}


@dataclass
class Checkpoint:
    id: str
    job_id: str
    created_at: int
    step: int
    path: str  # the checkpoint folder (an adapter that serves as it is)
    model: str  # ft:…:ckpt-step-N
    metrics: dict[str, Any] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "fine_tuning.job.checkpoint",
            "created_at": self.created_at,
            "fine_tuned_model_checkpoint": self.model,
            "fine_tuning_job_id": self.job_id,
            "metrics": {"step": self.step, **self.metrics},
            "step_number": self.step,
        }


@dataclass
class TunedModel:
    id: str  # ft:<base>:looptune:<suffix>:<job id tail>
    job_id: str
    base: str  # the model spec it was trained on
    path: str  # the adapter folder
    created: int

    def wire(self, parent: str) -> dict[str, Any]:
        card = {"id": self.id, "object": "model", "created": self.created, "owned_by": ORGANIZATION}
        return card | {"root": self.path, "parent": parent, "job": self.job_id, "base": self.base}
