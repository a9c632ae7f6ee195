"""Backends, found through the `looptune.backends` entry-point group.

Built-ins (`scripted`, `openai`, `local`) register in pyproject.toml exactly
as a third-party package would; `create_backend` loads by name.

A backend package registers a factory `create(options: BackendOptions) ->
Backend` under the group. The factory reads the common fields (model,
adapter, base_url, api_key, script) it needs; a backend with options of its
own declares them as a pydantic model in its package and reads them with
`options.options_for(TheirOptions, "name")`, which gives the model's
defaults when `backend_options` is None and a BackendError when another
backend's options were passed. Its class may declare what it can do besides
streaming as `capabilities: ClassVar[Capabilities]` (agent.backends.base);
a class that declares nothing has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TypeVar

from pydantic import BaseModel

from agent.backends.base import (
    Backend,
    BackendError,
    BackendSampler,
    Capabilities,
    ChatRequest,
    Completion,
    TextDelta,
    UnsupportedRequest,
    complete,
)

GROUP = "looptune.backends"
OptionsT = TypeVar("OptionsT", bound=BaseModel)


@dataclass
class BackendOptions:
    """Everything the caller knows about the chosen backend; each factory reads what it needs."""

    model: str | None = None
    adapter: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    script: str | None = None
    # The chosen backend's own typed options (e.g. agent.backends.local.options.LocalOptions); None: its defaults.
    backend_options: BaseModel | None = None
    # True when `adapter` is already the one to load (agent.backends.settings.build_backend resolved it):
    # the local backend then does not put the shipped adapter back on the bundled model.
    adapter_resolved: bool = False

    def options_for(self, kind: type[OptionsT], backend: str) -> OptionsT:
        """The `backend`'s own options: as given, its defaults when none were, a BackendError for another kind."""
        given = self.backend_options
        if given is None:
            return kind()
        if not isinstance(given, kind):
            raise BackendError(f"the {backend} backend takes {kind.__name__}, not {type(given).__name__}")
        return given


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
    "Capabilities",
    "ChatRequest",
    "Completion",
    "TextDelta",
    "UnsupportedRequest",
    "available_backends",
    "complete",
    "create_backend",
]
