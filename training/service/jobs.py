"""The life of a fine-tuning job: created, validated, queued, run, paused, resumed, finished; and its models.

validating_files -> queued -> running -> succeeded | failed | cancelled, with
`paused` between running and queued. Every change is one store
transaction and leaves an event a client can list. A job's folder,
`<data dir>/jobs/<id>/`, holds its `train_config.yaml` (the `looptune
train` config it runs), `events.jsonl` (what the training process reported),
`train.log` and `out/` (checkpoints, then the adapter). A succeeded job's
adapter is the model `ft:<base>:looptune:<suffix>:<id tail>`. It knows
nothing of HTTP or of processes (training.service.runner runs them).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from agent.fsutil import atomic_write_text
from training.service.files import FileError, Files
from training.service.hyper import Hyperparameters, JobRequest, resolve, train_config
from training.service.records import Checkpoint, Event, FileRecord, Job, JobError, TunedModel, new_id, now
from training.service.store import Store
from training.sft.monitor import STOPPED

UNFINISHED = ("validating_files", "queued", "running", "paused")
Level = Literal["info", "warn", "error"]


class JobRefused(FileError):
    """A job request or action that cannot be done; the message says why, `status` is the HTTP status."""


@dataclass
class Base:
    """The model this server serves: its id in the API and the spec `looptune train` loads."""

    id: str
    spec: str


@dataclass
class Paths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "train_config.yaml"

    @property
    def events(self) -> Path:
        return self.root / "events.jsonl"

    @property
    def stop(self) -> Path:
        return self.root / "stop"

    @property
    def log(self) -> Path:
        return self.root / "train.log"

    @property
    def out(self) -> Path:
        return self.root / "out"


class JobBook:
    def __init__(self, store: Store, files: Files, root: Path, base: Base, max_unfinished: int = 16) -> None:
        self.store, self.files, self.root, self.base, self.max_unfinished = store, files, root, base, max_unfinished

    def paths(self, job_id: str) -> Paths:
        assert re.fullmatch(r"ftjob-[0-9a-f]{24}", job_id), job_id  # only ids this module made become paths
        return Paths(self.root / job_id)

    def stop_file(self, job_id: str) -> Path:
        return self.paths(job_id).stop

    # --- what a client asks

    def create(self, request: JobRequest) -> Job:
        if request.method is not None and request.method.type != "supervised":
            kind = request.method.type
            raise JobRefused(f"method.type {kind!r} is not available: looptune trains supervised only", param="method")
        unfinished = self.unfinished()
        if unfinished >= self.max_unfinished:
            raise JobRefused(f"{unfinished} jobs are unfinished; the limit is {self.max_unfinished}", status=429)
        self.files.get(request.training_file, "training_file")  # 404 now for a file that does not exist
        if request.validation_file:
            self.files.get(request.validation_file, "validation_file")
        base, init = self._base(request.model)
        given = request.chosen().model_dump()
        job = Job(
            id=new_id("ftjob"),
            model=request.model,
            base=base,
            training_file=request.training_file,
            validation_file=request.validation_file,
            created_at=now(),
            hyperparameters={key: "auto" if value is None else value for key, value in given.items()},
            train_config={"init_adapter": init} if init else {},
            mapping={},
            suffix=request.suffix,
            seed=request.seed if request.seed is not None else 42,
            metadata=request.metadata,
            method={"type": "supervised", "supervised": {"hyperparameters": given}},
        )
        self.paths(job.id).root.mkdir(parents=True, exist_ok=True)
        self.store.put_job(job)
        self.event(job.id, f"Created fine-tuning job: {job.id}")
        self.event(job.id, f"Validating training file: {job.training_file}")
        return job

    def unfinished(self) -> int:
        """Jobs that count against the limit: validating, queued, running or paused."""
        return sum(len(self.store.jobs(status=status)) for status in UNFINISHED)

    def get(self, job_id: str) -> Job:
        job = self.store.job(job_id) if re.fullmatch(r"ftjob-[0-9a-f]{24}", job_id) else None
        if job is None:
            raise JobRefused(f"no such fine-tuning job: {job_id[:80]!r}", status=404, param="fine_tuning_job_id")
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancelled now if it is not running; a running one is marked, and the runner kills it."""
        job = self._changeable(job_id, "cancelled")

        def change(job: Job) -> None:
            if job.status == "running":
                job.requested = "cancel"
            else:
                job.status, job.finished_at = "cancelled", now()

        job = self.store.update_job(job.id, change)
        if job.status == "cancelled":
            self.event(job.id, "Job cancelled")
        return job

    def pause(self, job_id: str) -> Job:
        job = self._changeable(job_id, "paused")
        if job.status == "paused":
            return job

        def change(job: Job) -> None:
            if job.status == "running":
                job.requested = "pause"
            else:
                job.status = "paused"

        job = self.store.update_job(job.id, change)
        self.event(job.id, "Job paused" if job.status == "paused" else "Pausing: the job stops at its next checkpoint")
        return job

    def resume(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.status != "paused":
            raise JobRefused(f"{job.id} is {job.status}; only a paused job can be resumed", param="fine_tuning_job_id")

        def change(job: Job) -> None:
            job.status, job.requested = "queued", None

        job = self.store.update_job(job.id, change)
        self.event(job.id, "Job resumed: queued to continue from its newest checkpoint")
        return job

    def _changeable(self, job_id: str, to: str) -> Job:
        job = self.get(job_id)
        if job.finished:
            raise JobRefused(f"{job.id} is already {job.status}; it cannot be {to}", param="fine_tuning_job_id")
        return job

    # --- what the runner reports

    def recover(self) -> None:
        """On start: jobs a stopped server was running go back to the queue, to resume from their checkpoints."""
        for job in self.store.jobs(status="running"):
            if job.requested == "cancel":
                self.store.update_job(job.id, _finish("cancelled"))
                self.event(job.id, "Job cancelled")
                continue
            to = "paused" if job.requested == "pause" else "queued"
            self.store.update_job(job.id, _status(to, resume=True))
            self.event(job.id, f"The server restarted during training: the job is {to} to resume from its checkpoint")

    def validate(self, job: Job) -> None:
        """validating_files -> queued with the resolved config written, or failed naming the file's problems."""
        try:
            train = self._usable(job.training_file, "training_file")
            valid = self._usable(job.validation_file, "validation_file") if job.validation_file else None
        except JobRefused as exc:
            self.failed(job.id, "invalid_file", str(exc), exc.param)
            return
        resolved = resolve(_hyper(job), train.examples)
        paths = self.paths(job.id)
        config, mapping = train_config(
            resolved,
            base=job.base,
            data=str(self.files.train_path(train.id)),
            validation=str(self.files.train_path(valid.id)) if valid else None,
            output_dir=str(paths.out),
            examples=train.examples,
            seed=job.seed,
        )
        config.init_adapter = job.train_config.get("init_adapter")
        atomic_write_text(paths.config, yaml.safe_dump(config.model_dump(), sort_keys=False))

        def change(job: Job) -> None:
            job.status, job.hyperparameters = "queued", resolved.wire()
            job.train_config, job.mapping = config.model_dump(), mapping

        self.store.update_job(job.id, change)
        self.event(job.id, f"Files validated ({train.examples} training examples), moving job to queued state")

    def claim(self, job_id: str) -> bool:
        """queued -> running, atomically; False if a client changed the job first."""
        claimed = self.store.update_job(job_id, lambda job: _claim(job))
        return claimed.status == "running" and claimed.requested is None

    def started(self, job_id: str, pid: int) -> None:
        job = self.get(job_id)
        self.event(job_id, f"Fine-tuning job {'resumed' if job.resume else 'started'} (training process {pid})")

    def progress(self, job_id: str, report: dict[str, Any]) -> None:
        """One line of the training process's events file (training.sft.monitor)."""
        kind = report.get("type")
        if kind == "metrics":
            self._metrics(job_id, report)
        elif kind == "checkpoint":
            self._checkpoint(job_id, report)
        elif kind == "start":
            step, total = report.get("step", 0), report.get("max_steps")
            self.event(job_id, f"Training resumed at step {step} of {total}" if step else f"Training {total} steps")
        elif kind == "done":
            tokens = report.get("tokens")
            self.store.update_job(job_id, lambda job: setattr(job, "trained_tokens", tokens))

    def ended(self, job_id: str, code: int, log: Path) -> None:
        """The training process exited with `code`: the job's next state, its model and results."""
        job = self.get(job_id)
        if job.finished:  # cancelled by the client's request, which waited for the process to end
            return
        if job.requested == "cancel":
            self.killed(job_id)
        elif code == 0:
            self._succeeded(job)
        elif code == STOPPED:
            self.store.update_job(job_id, _status("paused", resume=True))
            self.event(job_id, "Job paused at its newest checkpoint; resume continues from there")
        else:
            self.failed(job_id, "training_failed", f"training exited with code {code}: {_last_error(log)}")

    def killed(self, job_id: str) -> Job:
        """A cancelled job's process has ended: the job is cancelled (once, whoever notices first)."""
        changed = []

        def change(job: Job) -> None:
            if not job.finished:
                _finish("cancelled")(job)
                changed.append(True)

        job = self.store.update_job(job_id, change)
        if changed:
            self.event(job_id, "Job cancelled")
        return job

    def failed(self, job_id: str, code: str, message: str, param: str | None = None) -> None:
        def change(job: Job) -> None:
            job.status, job.finished_at, job.requested = "failed", now(), None
            job.error = JobError(code, message, param)

        self.store.update_job(job_id, change)
        self.event(job_id, f"Fine-tuning job failed: {message}", level="error")

    # --- models

    def model_name(self, job: Job) -> str:
        base = self.base.id if job.base == self.base.spec else job.base
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(base.rstrip("/")).name or base).strip("-") or "model"
        return f"ft:{slug}:looptune:{job.suffix or ''}:{job.id[-8:]}"

    def event(self, job_id: str, message: str, *, level: Level = "info", data: dict[str, Any] | None = None) -> None:
        kind: Literal["message", "metrics"] = "metrics" if data is not None else "message"
        self.store.add_event(Event(new_id("ftevent"), job_id, now(), level, message, kind, data))

    def _base(self, model: str) -> tuple[str, str | None]:
        """(the spec training loads, an adapter to start from): the served base, a tuned model, or a spec."""
        if model in (self.base.id, self.base.spec):
            return self.base.spec, None
        tuned = self.store.model(model)
        if tuned is not None:  # fine-tuning a fine-tuned model continues its adapter
            return tuned.base, tuned.path
        local = model.startswith(("/", ".", "~"))  # a path, not a hub id
        if local and not Path(model).expanduser().exists():
            raise JobRefused(f"model {model!r}: no such model directory on this server", param="model")
        return model, None  # bundled, a local model directory, or a hub id (loaded when the job runs)

    def _usable(self, file_id: str, param: str) -> FileRecord:
        try:
            record = self.files.get(file_id, param)
        except FileError as exc:
            raise JobRefused(str(exc), param=param) from exc
        if record.purpose != "fine-tune":
            raise JobRefused(f"{param} {file_id}: purpose is {record.purpose!r}, not 'fine-tune'", param=param)
        if record.status != "processed":
            raise JobRefused(f"{param} {file_id} did not validate: {record.status_details}", param=param)
        return record

    def _metrics(self, job_id: str, report: dict[str, Any]) -> None:
        step, total = report.get("step"), report.get("max_steps")
        data = {"step": step, "total_steps": total}
        data |= {"train_loss": report.get("loss"), "tokens_per_s": report.get("tokens_per_s")}
        data |= {"eta_s": report.get("eta_s"), "learning_rate": report.get("learning_rate")}
        if "eval_loss" in report:
            data["valid_loss"] = report["eval_loss"]
        parts = [f"training loss={data['train_loss']:.4f}" if data["train_loss"] is not None else ""]
        parts += [f"validation loss={data['valid_loss']:.4f}" if "valid_loss" in data else ""]
        self.event(job_id, f"Step {step}/{total}: {', '.join(p for p in parts if p)}", data=data)
        eta = report.get("eta_s")
        if isinstance(eta, int | float):
            self.store.update_job(job_id, lambda job: setattr(job, "estimated_finish", now() + int(eta)))

    def _checkpoint(self, job_id: str, report: dict[str, Any]) -> None:
        job, step = self.get(job_id), int(report.get("step", 0))
        metrics = {"train_loss": report.get("loss")}
        model = f"{self.model_name(job)}:ckpt-step-{step}"
        checkpoint = Checkpoint(new_id("ftckpt"), job_id, now(), step, str(report["path"]), model, metrics)
        self.store.add_checkpoint(checkpoint)
        self.event(job_id, f"Checkpoint created at step {step}")

    def _succeeded(self, job: Job) -> None:
        name = self.model_name(job)
        self.store.put_model(TunedModel(name, job.id, job.base, str(self.paths(job.id).out), now()))
        results = self.files.add_result(f"{job.id}-metrics.csv", self._metrics_csv(job.id))

        def change(job: Job) -> None:
            job.status, job.finished_at, job.fine_tuned_model = "succeeded", now(), name
            job.result_files, job.estimated_finish = [results.id], None

        self.store.update_job(job.id, change)
        self.event(job.id, f"New fine-tuned model created: {name}")
        self.event(job.id, "The job has successfully completed")

    def _metrics_csv(self, job_id: str) -> bytes:
        columns = ["step", "train_loss", "valid_loss", "learning_rate", "tokens_per_s"]
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        rows = [event.data for event in reversed(self.store.events(job_id)) if event.type == "metrics" and event.data]
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")


def _hyper(job: Job) -> Hyperparameters:
    given = {key: None if value == "auto" else value for key, value in job.hyperparameters.items()}
    return Hyperparameters.model_validate(given)


def _claim(job: Job) -> None:
    if job.status == "queued":
        job.status = "running"


def _status(to: Any, *, resume: bool) -> Any:
    def change(job: Job) -> None:
        job.status, job.resume, job.requested, job.estimated_finish = to, resume, None, None

    return change


def _finish(to: Any) -> Any:
    def change(job: Job) -> None:
        job.status, job.finished_at, job.requested, job.estimated_finish = to, now(), None, None

    return change


def _last_error(log: Path) -> str:
    """The `looptune: …` line the training process ended with, else its last line."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
    except OSError:
        return "no log"
    errors = [line for line in lines if line.startswith("looptune: ")]
    return (errors[-1].removeprefix("looptune: ") if errors else lines[-1] if lines else "no output")[:1000]
