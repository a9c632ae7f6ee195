"""The local backend's own typed options: how `--backend local` loads and decodes.

Importing this module is cheap (no torch): settings and the CLI build these
options before any model loads. It knows no flags; the CLI maps each field to
one (`--no-constrain`, `--plain-decode`, ...).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.shortlist.select import DEFAULT_METHOD

Quant = Literal["fp32", "int8", "int4"]
QUANTS: tuple[Quant, ...] = get_args(Quant)
DEFAULT_MAX_BATCH = 8  # turns decoded together; more wait for a place (a batch of 8 is ~3x the cost of one here)
# Chosen by measurement (README, "Speed"): on the bundled model int4 decodes fastest and scored the same
# held-out completion as fp32 (64 % both, every bundled server mounted), because its weights come from a
# Q4_1 GGUF that int4 groups of 32 give back. `LocalSettings` (the library) stays exact unless asked.
DEFAULT_QUANT: Quant = "int4"


class LocalOptions(BaseModel):
    """How `--backend local` loads and decodes (each field has a flag in the CLI)."""

    model_config = ConfigDict(extra="forbid")

    constrain: bool = True  # tool calls constrained to the tool schemas
    prefix_cache: bool = True
    plain_decode: bool = False  # one token per forward (no prompt-lookup drafts)
    quant: Quant = DEFAULT_QUANT  # the weights decode steps read (int8/int4: faster, approximate)
    max_batch: int = Field(default=DEFAULT_MAX_BATCH, ge=1)  # concurrent turns decoded in one forward pass
    # Logits a turn's first call gains toward the best-matching listed tool (0: off; needs the constraint).
    name_prior: float = Field(default=0.0, ge=0.0)
    name_prior_method: str = DEFAULT_METHOD  # the shortlist method that scores the match
    load_in_4bit: bool = False
    device: str | None = None

    @model_validator(mode="after")
    def _prior_needs_constraint(self) -> LocalOptions:
        if self.name_prior and not self.constrain:
            raise ValueError("name_prior steers the constrained decoder: it cannot go with constrain false")
        return self

    def extra(self) -> dict[str, Any]:
        """The dict eval and trace runs record as `backend_options`: what differs from the defaults, always
        the two switches, and the weights' precision unless fp32 (a resumed run must not change it)."""
        extra: dict[str, Any] = {"constrain": self.constrain, "prefix_cache": self.prefix_cache}
        if self.quant != "fp32":  # fp32 was every run's precision before --quant: such runs resume with it
            extra["quant"] = self.quant
        if self.plain_decode:
            extra["draft_len"] = 0
        if self.name_prior:
            extra["name_prior"] = self.name_prior
            extra["name_prior_method"] = self.name_prior_method
        if self.load_in_4bit:
            extra["load_in_4bit"] = True
        if self.device:
            extra["device"] = self.device
        return extra
