"""The dashboard's state: the service's store and base, its evaluations, and the playground's tools.

It knows nothing of HTTP (routes.py) or of pages (templates/).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent.registry.store import load_registry
from training.service.dashboard.evaluations import Evaluations
from training.service.dashboard.toolbox import Toolbox
from training.service.jobs import Base
from training.service.store import Store

Points = list[tuple[float, float]]


class Dashboard:
    def __init__(
        self, store: Store, base: Base, data_dir: Path, find: Callable[[str], str | None], registry: str | None = None
    ) -> None:
        self.store, self.base = store, base
        self.find = find  # the service's: a tuned model's adapter folder (NotServable, None when deleted)
        self.evaluations = Evaluations(data_dir / "evaluations", base.spec)
        # The registry the chat uses (bundled servers and the user's own), read when the playground first asks.
        self.toolbox = Toolbox(lambda: load_registry(registry).enabled())

    def losses(self, job_id: str) -> tuple[Points, Points]:
        """(step, training loss) and (step, validation loss) from the job's metrics events, oldest first."""
        train: Points = []
        valid: Points = []
        for event in reversed(self.store.events(job_id)):
            data = event.data or {}
            if event.type != "metrics" or not isinstance(data.get("step"), int):
                continue
            if isinstance(data.get("train_loss"), int | float):
                train.append((data["step"], float(data["train_loss"])))
            if isinstance(data.get("valid_loss"), int | float):
                valid.append((data["step"], float(data["valid_loss"])))
        return train, valid

    def close(self) -> None:
        self.toolbox.close()
        self.evaluations.close()
