"""Typed server entries of the registry, with the looptune extensions of DESIGN.md."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.errors import USAGE, LooptuneError

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_STARTUP_TIMEOUT_S = 30.0
# Which calls of a server ask the user first: those that may change things (every tool not annotated
# readOnlyHint: true, as the MCP spec reads annotations), every call, or none.
Approve = Literal["writes", "all", "never"]


class RegistryError(LooptuneError, ValueError):
    """A registry file or entry that cannot be used; the message names file and field."""

    exit_code = USAGE


class ToolFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)

    def allows(self, tool: str) -> bool:
        """Whether an MCP tool name passes this filter."""
        if self.include is not None and tool not in self.include:
            return False
        return tool not in self.exclude


_FIELD_OF_TYPE = {"stdio": "command", "http": "url", "streamable-http": "url", "sse": "url", "inproc": "factory"}


class ServerConfig(BaseModel):
    """One server: stdio (`command`...) or HTTP (`url`...). Unknown keys are kept for other clients."""

    model_config = ConfigDict(extra="allow")

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    # looptune extension: a Python MCP server built in-process by `module:function(args)`.
    factory: str | None = None
    type: Literal["stdio", "http", "streamable-http", "sse", "inproc"] | None = None
    tools: ToolFilter = Field(default_factory=ToolFilter)
    timeout: float = Field(DEFAULT_TIMEOUT_S, gt=0)
    startup_timeout: float = Field(DEFAULT_STARTUP_TIMEOUT_S, gt=0)
    disabled: bool = False
    roots: list[str] = Field(default_factory=list)
    approve: Approve | None = None
    # The older spelling of `"approve": "all"`, still read and written by `mcp add --confirm`.
    confirm: bool = False

    @model_validator(mode="after")
    def _one_transport(self) -> ServerConfig:
        given = [key for key in ("command", "url", "factory") if getattr(self, key) is not None]
        if not given:
            raise ValueError("needs 'command' (stdio), 'url' (HTTP) or 'factory' (in-process)")
        if len(given) > 1:
            raise ValueError(f"has {' and '.join(map(repr, given))}; give one")
        if self.type is not None and given[0] != _FIELD_OF_TYPE[self.type]:
            raise ValueError(f"type {self.type!r} needs {_FIELD_OF_TYPE[self.type]!r}, not {given[0]!r}")
        if self.confirm and self.approve not in (None, "all"):
            raise ValueError(
                f"has 'confirm': true and 'approve': {self.approve!r}; 'confirm': true means 'approve': 'all'"
            )
        return self

    @property
    def approval(self) -> Approve:
        """The approval policy: `approve`, else 'all' for `confirm: true`, else 'writes'."""
        return self.approve or ("all" if self.confirm else "writes")

    @property
    def transport(self) -> Literal["stdio", "http", "sse", "inproc"]:
        if self.command is not None:
            return "stdio"
        if self.factory is not None:
            return "inproc"
        return "sse" if self.type == "sse" else "http"

    def describe(self) -> str:
        """A one-line human description of how the server is reached."""
        if self.command is not None:
            return " ".join([self.command, *self.args])
        if self.factory is not None:
            return " ".join([f"{self.factory}()", *self.args])
        return self.url or ""

    def to_entry(self) -> dict[str, Any]:
        """The JSON entry as written to the file: defaults left out, extra keys kept."""
        return self.model_dump(mode="json", exclude_defaults=True)
