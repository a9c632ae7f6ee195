"""Typed backend settings, and the one function that turns them into a backend with its adapter resolved once.

The CLI fills `BackendSettings` from flags (`--backend`, `--model`, `--adapter`,
the local-backend flags); eval and trace generation take it typed and save it
with their outputs. This module knows no flags and no argv; loading a backend
is the entry point's work (`create_backend`).
"""

from __future__ import annotations

from types import EllipsisType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.backends import Backend, BackendOptions, create_backend
from agent.backends.local.options import LocalOptions

__all__ = ["BackendSettings", "LocalOptions", "build_backend", "effective_adapter"]


class BackendSettings(BaseModel):
    """Which backend, which model and adapter, and the backend's own options."""

    model_config = ConfigDict(extra="forbid")

    backend: str = "local"
    model: str | None = None
    adapter: str | None = None  # a path; `bundled` = the shipped one; `none` = the plain model; unset = the default
    base_url: str | None = None
    api_key: str | None = Field(default=None, exclude=True)  # a credential: never written with saved settings
    script: str | None = None
    # A lambda: pydantic's Field cannot tell whether a model class would be called with the validated data.
    local: LocalOptions = Field(default_factory=lambda: LocalOptions())

    def options(self) -> BaseModel | None:
        """The chosen backend's own typed options: the local ones for `local`, none (its defaults) for the others."""
        return self.local if self.backend == "local" else None

    def extra(self) -> dict[str, Any]:
        """The backend's options as eval and trace runs record them (`backend_options`); {} but for `local`."""
        return self.local.extra() if self.backend == "local" else {}


def effective_adapter(settings: BackendSettings) -> str | None:
    """The adapter the backend will really load (the local backend puts the shipped one on the bundled model)."""
    if settings.backend != "local":
        return settings.adapter
    from agent.models.shipped import resolve_adapter

    return resolve_adapter(settings.adapter, settings.model)


def build_backend(settings: BackendSettings, adapter: str | None | EllipsisType = ...) -> Backend:
    """The backend `settings` name; `adapter` is one `effective_adapter` already gave (resolved here otherwise).

    The backend gets the resolved adapter and is told so, so nothing resolves it a second time.
    """
    resolved = effective_adapter(settings) if adapter is ... else adapter
    options = BackendOptions(
        model=settings.model,
        adapter=resolved,
        base_url=settings.base_url,
        api_key=settings.api_key,
        script=settings.script,
        backend_options=settings.options(),
        adapter_resolved=True,
    )
    return create_backend(settings.backend, options)
