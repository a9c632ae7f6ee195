"""The served model ids: the base (as `looptune chat` would run it) and each LoRA adapter, as vLLM lists them.

A request names a model id; the adapter behind it is activated between
requests, never during one (the caller holds the model while it switches).
Adapters can be loaded and unloaded at run time, vLLM-style. It knows
nothing of HTTP; the backend does the loading.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from agent.backends.base import AdapterHost, BackendError
from agent.errors import LooptuneError


class UnknownModel(LooptuneError, KeyError):
    """A model id nobody serves; the message lists the ones served."""


@dataclass
class Served:
    id: str
    adapter: str | None  # the backend's adapter name; None: the plain base
    path: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))


class ServedModels:
    def __init__(self, backend: AdapterHost, base_id: str, base_adapter: str | None) -> None:
        self.backend, self.base_id = backend, base_id
        self.entries: dict[str, Served] = {base_id: Served(base_id, base_adapter)}
        self.active = base_adapter

    def get(self, model_id: str) -> Served:
        """The entry for a request's `model`, or UnknownModel."""
        if model_id not in self.entries:
            raise UnknownModel(f"model {model_id!r} is not served here; served: {', '.join(self.entries)}")
        return self.entries[model_id]

    def listing(self) -> list[dict[str, Any]]:
        """`GET /v1/models` data: the base first, then adapters with the base as parent."""
        return [_card(entry, None if entry.id == self.base_id else self.base_id) for entry in self.entries.values()]

    def activate(self, entry: Served) -> None:
        """Switch the backend to this entry's adapter (nothing to do if it is active already)."""
        if entry.adapter != self.active:
            self.backend.use_adapter(entry.adapter)
            self.active = entry.adapter

    def add(self, name: str, path: str) -> Served:
        """Load an adapter under a new model id; BackendError if the id is taken or the folder is unusable."""
        if name in self.entries:
            raise BackendError(f"an adapter or model named {name!r} is already served")
        self.backend.load_adapter(path, name)
        self.active = name  # loading makes it active
        self.entries[name] = Served(name, name, path)
        return self.entries[name]

    def remove(self, name: str) -> None:
        """Unload an adapter by its model id; the base cannot be removed."""
        if name == self.base_id:
            raise BackendError(f"{name!r} is the base model; only adapters can be unloaded")
        entry = self.get(name)
        self.backend.unload_adapter(entry.adapter)
        del self.entries[name]
        if self.active == name:
            self.active = None
            self.activate(self.entries[self.base_id])


def _card(entry: Served, parent: str | None) -> dict[str, Any]:
    card = {"id": entry.id, "object": "model", "created": entry.created, "owned_by": "looptune"}
    return {**card, "root": entry.path or entry.id, "parent": parent}
