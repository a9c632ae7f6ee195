"""What a server may ask of us: sampling, elicitation, roots, and notifications.

The hub answers `sampling/createMessage` with whatever `Sampler` it was given
(the CLI passes the active backend), routes `elicitation/create` to an
`Elicitor` (the REPL asks the user; without one, requests are declined), and
offers the registry's `roots`. This module knows no backend and no UI.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import mcp_types as types
from mcp.client import ClientRequestContext
from pydantic import FileUrl

from agent.messages import AssistantMessage, Message, SystemMessage, UserMessage

log = logging.getLogger("looptune.hub")


class Sampler(Protocol):
    """Answers a server's sampling request with a model; returns (text, model name)."""

    async def sample(self, messages: list[Message], *, max_tokens: int) -> tuple[str, str]: ...


@dataclass
class ElicitAnswer:
    action: Literal["accept", "decline", "cancel"]
    content: dict[str, Any] | None = None


Elicitor = Callable[[str, str, dict[str, Any]], Awaitable[ElicitAnswer]]


async def decline_elicitation(server: str, message: str, schema: dict[str, Any]) -> ElicitAnswer:
    """The non-interactive answer: decline, and say so in the log."""
    log.warning("declined a question from server %r (no interactive user to ask): %s", server, message)
    return ElicitAnswer("decline")


def _sampling_text(content: Any) -> str:
    blocks = content if isinstance(content, list) else [content]
    return "\n".join(b.text for b in blocks if isinstance(b, types.TextContent))


def sampling_messages(params: types.CreateMessageRequestParams) -> list[Message]:
    """Our wire messages for a server's sampling request."""
    out: list[Message] = []
    if params.system_prompt:
        out.append(SystemMessage(content=params.system_prompt))
    for m in params.messages:
        text = _sampling_text(m.content)
        out.append(UserMessage(content=text) if m.role == "user" else AssistantMessage(content=text))
    return out


def root_uris(paths: list[str]) -> list[types.Root]:
    """MCP roots for registry paths (made absolute, as file:// URIs)."""
    return [types.Root(uri=FileUrl(Path(p).expanduser().resolve().as_uri()), name=Path(p).name or p) for p in paths]


@dataclass
class ServerPeer:
    """The client-side callbacks one server connection is given."""

    server: str
    roots: list[str]
    sampler: Sampler | None
    elicitor: Elicitor

    # Parameter names follow the SDK's callback protocols (SamplingFnT, ...), which name them.
    async def on_sampling(
        self, context: ClientRequestContext, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        if self.sampler is None:
            return types.ErrorData(code=types.INVALID_REQUEST, message="looptune has no model to sample with")
        try:
            text, model = await self.sampler.sample(sampling_messages(params), max_tokens=params.max_tokens)
        except Exception as exc:  # a failing model must answer the server, not kill the connection
            return types.ErrorData(code=types.INTERNAL_ERROR, message=f"sampling failed: {exc}")
        content = types.TextContent(type="text", text=text)
        return types.CreateMessageResult(role="assistant", content=content, model=model, stop_reason="endTurn")

    async def on_elicitation(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult | types.ErrorData:
        schema = getattr(params, "requested_schema", None) or {}
        answer = await self.elicitor(self.server, params.message, schema)
        return types.ElicitResult(action=answer.action, content=answer.content)

    async def on_list_roots(self, context: ClientRequestContext) -> types.ListRootsResult | types.ErrorData:
        return types.ListRootsResult(roots=root_uris(self.roots))

    async def on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        log.info("server %r log (%s): %s", self.server, params.level, params.data)
