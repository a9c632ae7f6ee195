"""The adapter shipped with looptune for the bundled model, and what `--adapter` means for the local backend.

`--adapter bundled` is the shipped LoRA; `--adapter none` (or `off`) is the
plain model; no `--adapter` is the shipped LoRA when the model is the bundled
one and a LoRA ships with this build, else no adapter; anything else is a path.
It knows nothing of loading: the backend loads what this resolves.
"""

from __future__ import annotations

from pathlib import Path

from agent.errors import BackendError
from agent.models.source import BUNDLED

SHIPPED = Path(__file__).with_name("bundled_adapter")
OFF = ("none", "off")


def shipped_adapter() -> Path | None:
    """The shipped adapter's directory, when this build has one."""
    return SHIPPED if (SHIPPED / "adapter_config.json").is_file() else None


def resolve_adapter(adapter: str | None, model: str | None) -> str | None:
    """The adapter path to load for `--adapter` with `--model` (None: the plain model)."""
    if adapter is not None and adapter.lower() in OFF:
        return None
    if adapter == BUNDLED:
        found = shipped_adapter()
        if found is None:
            raise BackendError("--adapter bundled: no adapter ships with this build of looptune")
        return str(found)
    if adapter is None and model in (None, "", BUNDLED):
        found = shipped_adapter()
        return str(found) if found else None
    return adapter
