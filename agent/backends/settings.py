"""Typed backend settings, and the one function that turns them into a backend with its adapter resolved once.

The CLI fills `BackendSettings` from flags (`--backend`, `--model`, `--adapter`,
the local-backend flags); eval and trace generation take it typed and save it
with their outputs. This module knows no flags and no argv; loading a backend
is the entry point's work (`create_backend`).
"""

from __future__ import annotations

from types import EllipsisType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.backends import Backend, BackendOptions, create_backend
from agent.shortlist.select import DEFAULT_METHOD


class LocalOptions(BaseModel):
    """How `--backend local` loads and decodes (each field has a flag in the CLI)."""

    model_config = ConfigDict(extra="forbid")

    constrain: bool = True  # tool calls constrained to the tool schemas
    prefix_cache: bool = True
    plain_decode: bool = False  # one token per forward (no prompt-lookup drafts)
    int8: bool = False
    # Logits a turn's first call gains toward the best-matching listed tool (0: off; needs the constraint).
    name_prior: float = Field(0.0, ge=0.0)
    name_prior_method: str = DEFAULT_METHOD  # the shortlist method that scores the match
    load_in_4bit: bool = False
    device: str | None = None

    @model_validator(mode="after")
    def _prior_needs_constraint(self) -> LocalOptions:
        if self.name_prior and not self.constrain:
            raise ValueError("name_prior steers the constrained decoder: it cannot go with constrain false")
        return self

    def extra(self) -> dict[str, Any]:
        """The `BackendOptions.extra` the local backend reads (only what differs from its defaults, but the two
        switches), the same dict run settings have always recorded as `backend_options`."""
        extra: dict[str, Any] = {"constrain": self.constrain, "prefix_cache": self.prefix_cache}
        if self.plain_decode:
            extra["draft_len"] = 0
        if self.int8:
            extra["int8"] = True
        if self.name_prior:
            extra["name_prior"] = self.name_prior
            extra["name_prior_method"] = self.name_prior_method
        if self.load_in_4bit:
            extra["load_in_4bit"] = True
        if self.device:
            extra["device"] = self.device
        return extra


class BackendSettings(BaseModel):
    """Which backend, which model and adapter, and the backend's own options."""

    model_config = ConfigDict(extra="forbid")

    backend: str = "local"
    model: str | None = None
    adapter: str | None = None  # a path; `bundled` = the shipped one; `none` = the plain model; unset = the default
    base_url: str | None = None
    api_key: str | None = Field(default=None, exclude=True)  # a credential: never written with saved settings
    script: str | None = None
    local: LocalOptions = Field(default_factory=LocalOptions)

    def extra(self) -> dict[str, Any]:
        """The backend-specific options: the local ones for `local`, none for the others."""
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
        settings.model,
        resolved,
        settings.base_url,
        settings.api_key,
        settings.script,
        settings.local.extra(),
        adapter_resolved=True,
    )
    return create_backend(settings.backend, options)
