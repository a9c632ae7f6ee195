"""The fine-tuning service as `looptune serve` mounts it (agent.serve.extension.Extension).

It joins the store, the uploaded files, the job book, the runner and the
dashboard under one data dir, names the routes, lists the models finished jobs made, and
says which adapter folder serves one of them. It knows nothing of how chat
completions are decoded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.routing import BaseRoute

from agent.serve.extension import NotServable
from training.service.dashboard.panel import Dashboard
from training.service.files import Files
from training.service.jobs import Base, JobBook
from training.service.runner import Runner
from training.service.store import Store

DB = "service.db"


class FineTuning:
    def __init__(
        self, data_dir: Path, base: Base, *, max_upload_bytes: int = 100 * 2**20, max_unfinished: int = 16
    ) -> None:
        self.data_dir, self.base, self.max_upload_bytes = data_dir, base, max_upload_bytes
        self.store = Store(data_dir / DB)
        self.files = Files(self.store, data_dir / "files")
        self.book = JobBook(self.store, self.files, data_dir / "jobs", base, max_unfinished)
        self.runner = Runner(self.book)
        self.dashboard = Dashboard(self.store, base, data_dir, self.find)

    def start(self) -> FineTuning:
        """Queue again what a stopped server left running, and start taking jobs."""
        self.runner.start()
        return self

    # --- agent.serve.extension.Extension

    def routes(self) -> list[BaseRoute]:
        from training.service.dashboard.routes import routes as pages
        from training.service.routes import routes

        return routes(self) + pages(self.dashboard)

    def capabilities(self) -> dict[str, Any]:
        unfinished = self.book.unfinished()
        fine_tuning: dict[str, Any] = {"methods": ["supervised"], "base": self.base.id, "hyperparameters": list(_HYPER)}
        fine_tuning |= {"max_upload_bytes": self.max_upload_bytes, "max_unfinished_jobs": self.book.max_unfinished}
        fine_tuning |= {"unfinished_jobs": unfinished, "runs_at_once": 1}
        return {"fine_tuning": fine_tuning, "files": {"purposes": ["fine-tune"]}}

    def cards(self, base_id: str) -> list[dict[str, Any]]:
        return [m.wire(base_id if m.base == self.base.spec else m.base) for m in self.store.models()]

    def find(self, model_id: str) -> str | None:
        tuned = self.store.model(model_id)
        checkpoint = self.store.checkpoint_by_model(model_id) if tuned is None else None
        if tuned is None and checkpoint is None:
            return None
        base = tuned.base if tuned is not None else self.book.get(checkpoint.job_id).base if checkpoint else ""
        if base != self.base.spec:
            raise NotServable(
                f"{model_id} was trained on {base!r}; this server serves {self.base.spec!r}: "
                f"run `looptune serve --model {base}` to chat with it"
            )
        path = Path(tuned.path if tuned is not None else checkpoint.path if checkpoint else "")
        if not (path / "adapter_config.json").is_file():
            raise NotServable(f"{model_id}: its adapter is gone from {path}")
        return str(path)

    def forget(self, model_id: str) -> bool:
        return self.store.delete_model(model_id)

    def close(self) -> None:
        self.dashboard.close()
        self.runner.close()
        self.store.close()


_HYPER = ("n_epochs", "batch_size", "learning_rate_multiplier")
