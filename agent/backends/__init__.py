"""Backends, found through the `looptune.backends` entry-point group.

Built-ins (`scripted`, `openai`, later `local`) register in pyproject.toml
exactly as a third-party package would; `create_backend` loads by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from agent.backends.base import Backend, BackendError, BackendSampler, ChatRequest, Completion, TextDelta, complete

GROUP = "looptune.backends"


@dataclass
class BackendOptions:
    """Everything the CLI knows about the chosen backend; each factory reads what it needs."""

    model: str | None = None
    adapter: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    script: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # True when `adapter` is already the one to load (agent.backends.settings.build_backend resolved it):
    # the local backend then does not put the shipped adapter back on the bundled model.
    adapter_resolved: bool = False


def available_backends() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=GROUP))


# The oracle is no entry point: it plays one task's reference plan, so only eval and trace generation have it.
ORACLE_WHERE = "in `looptune eval` and `looptune traces generate`"


def create_backend(name: str, options: BackendOptions | None = None) -> Backend:
    """Instantiate a backend by entry-point name."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if name == "oracle" and not found:
        raise BackendError(
            f"--backend oracle plays each task's expected_calls, so it exists only {ORACLE_WHERE}; "
            f"here use one of: {', '.join(available_backends())}"
        )
    if not found:
        names = ", ".join(available_backends()) or "none"
        raise BackendError(f"unknown backend {name!r}; available: {names} (and oracle, {ORACLE_WHERE})")
    factory = found[0].load()
    return factory(options or BackendOptions())


__all__ = [
    "Backend",
    "BackendError",
    "BackendOptions",
    "BackendSampler",
    "ChatRequest",
    "Completion",
    "TextDelta",
    "available_backends",
    "complete",
    "create_backend",
]
