"""Evaluations started from a job's page: `looptune eval` on an uploaded task file, one subprocess each.

Each lives in DATA/evaluations/<id>/: the task file, `eval.json` (what was
asked and how it ended, written whole by temp file and rename) and `run/`,
the eval's own run directory with its report.html. A server that stops
mid-evaluation leaves it marked failed on the next start. It knows nothing
of how tasks are scored: the eval CLI does that, exactly as a person would
run it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from agent.errors import LooptuneError
from agent.fsutil import atomic_write_text
from training.service.records import new_id, now
from training.service.runner import die_with_parent

ID = re.compile(r"^eval-[0-9a-f]{24}$")
MAX_TOKENS = "256"  # per model turn: the dashboard's evaluations are a quick look, not the benchmark
LOG_TAIL = 2000

Status = Literal["running", "succeeded", "failed"]


class EvaluationError(LooptuneError, ValueError):
    """A request the evaluations refuse (the reason, one line)."""


class EvaluationBusy(EvaluationError):
    """One evaluation runs at a time: each loads its own copy of the model."""


@dataclass
class Evaluation:
    id: str
    job_id: str
    model: str  # the tuned model's id
    created_at: int
    status: Status = "running"
    finished_at: int | None = None
    completion: float | None = None  # report.json's overall completion rate
    episodes: int | None = None
    error: str | None = None


class Evaluations:
    def __init__(self, root: Path, base_spec: str) -> None:
        self.root, self.base_spec = root, base_spec
        self._lock = threading.Lock()
        self._procs: dict[str, subprocess.Popen[bytes] | None] = {}  # None: starting
        self._abandoned()

    def start(self, job_id: str, model: str, adapter: str, tasks: bytes) -> Evaluation:
        if not tasks.strip():
            raise EvaluationError("the task file is empty")
        record = Evaluation(new_id("eval"), job_id, model, now())
        with self._lock:  # the slot is taken here, so two requests at once cannot both start one
            if self._procs:
                raise EvaluationBusy(f"evaluation {next(iter(self._procs))} is still running: one at a time")
            self._procs[record.id] = None
        folder = self.root / record.id
        try:
            folder.mkdir(parents=True)
            (folder / "tasks.jsonl").write_bytes(tasks)
            self._save(record)
        except OSError as exc:
            with self._lock:
                self._procs.pop(record.id, None)
            raise EvaluationError(f"could not keep the task file under {folder}: {exc}") from exc
        argv = [sys.executable, "-m", "agent.cli.main", "eval", str(folder / "tasks.jsonl"), "-o", str(folder / "run")]
        argv += ["--model", self.base_spec, "--adapter", adapter, "--max-tokens", MAX_TOKENS]
        # Started by a thread that lives as long as the process: PR_SET_PDEATHSIG fires when the forking
        # *thread* ends, and a request's worker thread may be retired while the evaluation still runs.
        started: Future[None] = Future()
        threading.Thread(target=self._run, args=(record, argv, started), name=record.id, daemon=True).start()
        started.result(timeout=30)
        return record

    def get(self, eval_id: str) -> Evaluation | None:
        path = self._meta(eval_id) if ID.match(eval_id) else None
        if path is None or not path.is_file():
            return None
        return Evaluation(**json.loads(path.read_text(encoding="utf-8")))

    def of_job(self, job_id: str) -> list[Evaluation]:
        found = [self.get(path.parent.name) for path in self.root.glob("eval-*/eval.json")]
        return sorted((e for e in found if e is not None and e.job_id == job_id), key=lambda e: -e.created_at)

    def report(self, eval_id: str) -> Path | None:
        if self.get(eval_id) is None:
            return None
        path = self.root / eval_id / "run" / "report.html"
        return path if path.is_file() else None

    def close(self) -> None:
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            if proc is not None:
                proc.kill()
                proc.wait(timeout=30)

    def _run(self, record: Evaluation, argv: list[str], started: Future[None]) -> None:
        folder = self.root / record.id
        try:
            with (folder / "eval.log").open("wb") as log:
                proc = subprocess.Popen(
                    argv,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=die_with_parent,  # noqa: PLW1509 - a prctl only
                )
        except OSError as exc:
            self._finish(record, None, f"looptune eval could not start: {exc}")
            started.set_exception(EvaluationError(record.error))
            return
        with self._lock:
            self._procs[record.id] = proc
        started.set_result(None)
        self._finish(record, proc.wait())

    def _finish(self, record: Evaluation, code: int | None, error: str | None = None) -> None:
        with self._lock:
            self._procs.pop(record.id, None)
        folder = self.root / record.id
        record.finished_at = now()
        report = folder / "run" / "report.json"
        if error is not None:
            record.status, record.error = "failed", error
        elif code == 0 and report.is_file():
            overall = json.loads(report.read_text(encoding="utf-8"))["metrics"]["overall"]
            record.status, record.completion, record.episodes = "succeeded", overall["completion"], overall["episodes"]
        else:
            tail = (folder / "eval.log").read_text(encoding="utf-8", errors="replace")[-LOG_TAIL:].strip()
            record.status, record.error = "failed", f"looptune eval exited {code}: {tail or 'no output'}"
        self._save(record)

    def _abandoned(self) -> None:
        """Evaluations a stopped server was running: no process is left to finish them."""
        for path in self.root.glob("eval-*/eval.json"):
            record = self.get(path.parent.name)
            if record is not None and record.status == "running":
                record.status, record.finished_at, record.error = "failed", now(), "the server stopped during it"
                self._save(record)

    def _meta(self, eval_id: str) -> Path:
        return self.root / eval_id / "eval.json"

    def _save(self, record: Evaluation) -> None:
        atomic_write_text(self._meta(record.id), json.dumps(asdict(record), indent=2) + "\n")

    def wire(self, record: Evaluation) -> dict[str, Any]:
        return asdict(record) | {
            "report": f"/dashboard/evaluations/{record.id}/report" if record.status == "succeeded" else None
        }
