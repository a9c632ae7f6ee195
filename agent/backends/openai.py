"""The `openai` backend: any OpenAI-compatible `/v1/chat/completions` over httpx.

It speaks the chat-completions protocol to vLLM, llama.cpp, Ollama or OpenAI:
builds the request body from a `ChatRequest`, reads the SSE stream (or one
JSON reply), joins streamed tool-call fragments by index, retries 429/5xx and
refused connections before any response byte is consumed, and turns every
failure into a one-line `BackendError`. Payloads are validated into small
pydantic models at the edge.

It does not know which model sits behind the URL, what the tools do, whether
their arguments are valid JSON, or anything about the loop, the hub or MCP.
Reasoning fields, logprobs and any other non-standard keys are ignored.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.backends.base import (
    BackendError,
    BackendEvent,
    Capabilities,
    ChatRequest,
    Completion,
    NamedChoice,
    TextDelta,
    Usage,
)
from agent.messages import AssistantMessage, FunctionCall, ToolCall
from agent.toolcalls.markers import MarkerFilter, clean

if TYPE_CHECKING:
    from agent.backends import BackendOptions

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures before any response byte arrived, so sending the request again is safe.
RETRY_ERRORS = (*UNREACHABLE, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
TOOL_HINTS = ("tool", "does not support")


# --- response payloads ---------------------------------------------------------------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _ErrorBody(_Lenient):
    message: str = ""


class _ErrorEnvelope(_Lenient):
    """Error shapes seen in the wild: OpenAI/vLLM/llama.cpp objects, Ollama strings, FastAPI `detail`."""

    error: _ErrorBody | str | None = None
    message: str | None = None
    detail: str | None = None

    def text(self) -> str:
        if isinstance(self.error, _ErrorBody):
            return self.error.message
        return self.error or self.message or self.detail or ""


class _Usage(_Lenient):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_usage(self) -> Usage:
        return Usage(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens)


class _FunctionDelta(_Lenient):
    name: str | None = None
    arguments: str | dict[str, Any] | None = None


class _ToolCallDelta(_Lenient):
    index: int = 0
    id: str | None = None
    function: _FunctionDelta = Field(default_factory=_FunctionDelta)


class _Delta(_Lenient):
    content: str | None = None
    tool_calls: list[_ToolCallDelta] | None = None


class _ChunkChoice(_Lenient):
    delta: _Delta = Field(default_factory=_Delta)
    finish_reason: str | None = None


class _Chunk(_Lenient):
    choices: list[_ChunkChoice] = Field(default_factory=list)
    usage: _Usage | None = None
    model: str = ""
    error: _ErrorBody | str | None = None


class _ReplyMessage(_Lenient):
    content: str | None = None
    tool_calls: list[_ToolCallDelta] | None = None


class _Choice(_Lenient):
    message: _ReplyMessage = Field(default_factory=_ReplyMessage)
    finish_reason: str | None = None


class _Reply(_Lenient):
    choices: list[_Choice] = Field(min_length=1)
    usage: _Usage | None = None
    model: str = ""


class _ModelInfo(_Lenient):
    id: str


class _ModelList(_Lenient):
    data: list[_ModelInfo] = Field(default_factory=list)


class OpenAIOptions(BaseModel):
    """The openai backend's own typed options (`BackendOptions.backend_options`); unset: these defaults."""

    model_config = ConfigDict(extra="forbid")

    stream: bool = True
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_attempts: int = Field(default=4, ge=1)
    backoff_base: float = Field(default=0.5, ge=0)


# --- assembling a turn ---------------------------------------------------------------------------


def _arguments_text(arguments: str | dict[str, Any] | None) -> str:
    if isinstance(arguments, dict):  # a few servers send parsed objects; the wire wants a string
        return json.dumps(arguments, ensure_ascii=False)
    return arguments or ""


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""

    def to_call(self) -> ToolCall:
        function = FunctionCall(name=self.name, arguments=self.arguments or "{}")
        # A server that sends no id still gets a unique one: results are matched to calls by id across turns.
        return ToolCall(id=self.id or f"call_{uuid.uuid4().hex[:24]}", function=function)


@dataclass
class _Turn:
    """Accumulates a streamed (or one-shot) assistant turn."""

    text: list[str] = field(default_factory=list)
    calls: dict[int, _PartialCall] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str = ""
    # A server that renders a ChatML/Hermes template (looptune serve, vLLM) passes a model's
    # imitated template markers through in `content`: they never reach the answer.
    markers: MarkerFilter = field(default_factory=MarkerFilter)

    def add_call(self, delta: _ToolCallDelta) -> None:
        call = self.calls.setdefault(delta.index, _PartialCall())
        call.id = call.id or delta.id or ""
        call.name = call.name or delta.function.name or ""
        call.arguments += _arguments_text(delta.function.arguments)

    def add_chunk(self, chunk: _Chunk) -> str:
        """Fold one chunk in; return the text that may be shown now (template markers held back or cut)."""
        self.model = chunk.model or self.model
        self.usage = chunk.usage.to_usage() if chunk.usage else self.usage
        text = ""
        for choice in chunk.choices[:1]:
            text = choice.delta.content or ""
            for delta in choice.delta.tool_calls or []:
                self.add_call(delta)
            self.finish_reason = choice.finish_reason or self.finish_reason
        self.text.append(text)
        return self.markers.feed(text)

    def text_so_far(self) -> str:
        """The answer so far, without template markers."""
        return clean("".join(self.text))

    def completion(self) -> Completion:
        calls = [call.to_call() for _, call in sorted(self.calls.items())]
        message = AssistantMessage(content=self.text_so_far() or None, tool_calls=calls or None)
        finish = self.finish_reason or ("tool_calls" if calls else "stop")
        return Completion(message=message, finish_reason=finish, usage=self.usage, model=self.model)


def _turn_from_reply(reply: _Reply) -> _Turn:
    choice = reply.choices[0]
    turn = _Turn(finish_reason=choice.finish_reason, model=reply.model)
    turn.usage = reply.usage.to_usage() if reply.usage else None
    turn.text.append(choice.message.content or "")
    for position, delta in enumerate(choice.message.tool_calls or []):
        turn.add_call(delta.model_copy(update={"index": position}))
    return turn


# --- the wire ------------------------------------------------------------------------------------


def request_body(request: ChatRequest, model: str, *, stream: bool) -> dict[str, Any]:
    """The JSON body for `/chat/completions`, without unset fields."""
    body: dict[str, Any] = {"model": model, "messages": [m.to_wire() for m in request.messages]}
    if request.tools:
        body["tools"] = [t.to_wire() for t in request.tools]
    optional = {
        "tool_choice": _wire_choice(request.tool_choice),
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
        "stop": request.stop,
        "seed": request.seed,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    if request.response_schema is not None:
        body["response_format"] = _response_format(request.response_schema)
    body["stream"] = stream
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def _wire_choice(choice: str | NamedChoice | None) -> str | dict[str, Any] | None:
    return choice.model_dump() if isinstance(choice, NamedChoice) else choice


def _response_format(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's response_format for a reply schema: JSON mode for any object, else a (non-strict) JSON schema."""
    if schema == {"type": "object"}:
        return {"type": "json_object"}
    return {"type": "json_schema", "json_schema": {"name": "response", "schema": schema}}


async def sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The `data` payloads of an SSE stream; comments, other fields and keep-alives are skipped."""
    pending: list[str] = []
    async for line in lines:
        if not line:
            if pending:
                yield "\n".join(pending)
            pending = []
        elif line.startswith("data:"):
            pending.append(line[5:].removeprefix(" "))
    if pending:
        yield "\n".join(pending)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _one_line(text: str | bytes, limit: int = 300) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _error_message(content: bytes) -> str:
    """The server's own error text, from whatever shape it used."""
    try:
        return _one_line(_ErrorEnvelope.model_validate_json(content).text())
    except ValidationError:
        return _one_line(content)


def _retry_after(response: httpx.Response, cap: float) -> float | None:
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None  # absent, or an HTTP date: fall back to exponential backoff
    return min(max(seconds, 0.0), cap)


def _is_json(response: httpx.Response) -> bool:
    # A server that ignores `stream: true` answers with one JSON body; read it as such.
    return response.headers.get("content-type", "").startswith("application/json")


def _mentions_tools(message: str) -> bool:
    lowered = message.lower()
    return any(hint in lowered for hint in TOOL_HINTS)


class OpenAIBackend:
    """A model behind an OpenAI-compatible chat-completions endpoint."""

    # It names the model it asks for; adapters are the server's business (a LoRA is another model id there).
    capabilities: ClassVar[Capabilities] = Capabilities(describes=True)

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        stream: bool = True,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        name: str = "openai",
    ) -> None:
        self.model = model
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY") or None
        self.streaming = stream
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.name = name
        self._client: httpx.AsyncClient | None = None

    def describe(self) -> str:
        """The model asked for, once known: the banner, the toolbar and stored sessions show it."""
        return self.model or f"whichever model {self.base_url} serves"

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = httpx.AsyncClient(timeout=self.timeout, headers=headers)
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        """Yield text deltas, then exactly one Completion."""
        model = await self.resolve_model()
        body = request_body(request, model, stream=self.streaming)
        response = await self._open(body, wants_tools=bool(request.tools or request.tool_choice))
        turn = _Turn()
        try:
            if self.streaming and not _is_json(response):
                async for text in self._read_stream(response, turn):
                    yield TextDelta(text)
                if rest := turn.markers.finish():
                    yield TextDelta(rest)
            else:
                turn = await self._read_reply(response)
                if turn.text_so_far():
                    yield TextDelta(turn.text_so_far())
        finally:
            await response.aclose()  # before the Completion, so a caller that stops there leaks nothing
        yield turn.completion()

    # --- model discovery

    async def resolve_model(self) -> str:
        """The model to ask for: the one given, else the only one `GET /models` lists."""
        if self.model:
            return self.model
        names = await self._list_models()
        if len(names) != 1:
            found = f"{self.base_url}/models lists {len(names)} models ({', '.join(names[:5]) or 'none'})"
            raise BackendError(f"no model given and {found}; pass --model NAME")
        self.model = names[0]
        return self.model

    async def _list_models(self) -> list[str]:
        url = f"{self.base_url}/models"
        try:
            response = await self._http().get(url)
        except httpx.TransportError as exc:
            raise BackendError(f"no model given and cannot reach {url}: {_reason(exc)}") from exc
        if response.status_code in (401, 403):
            raise self._status_error(response.status_code, "", wants_tools=False, attempts=1)
        if response.status_code != 200:
            raise BackendError(f"no model given and GET {url} returned HTTP {response.status_code}; pass --model NAME")
        try:
            return [m.id for m in _ModelList.model_validate_json(response.content).data]
        except ValidationError as exc:
            raise BackendError(f"no model given and {url} sent an unreadable model list; pass --model NAME") from exc

    # --- sending with retries

    async def _open(self, body: dict[str, Any], *, wants_tools: bool) -> httpx.Response:
        """POST the body; retry what is safe to retry; return a 2xx response not yet read."""
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            try:
                response = await self._send(body)
            except RETRY_ERRORS as exc:
                if last:
                    raise self._connection_error(exc) from exc
                await self._backoff(attempt, None)
                continue
            if response.is_success:
                return response
            content = await self._drain(response)
            if response.status_code in RETRY_STATUSES and not last:
                await self._backoff(attempt, _retry_after(response, self.backoff_cap))
                continue
            raise self._status_error(response.status_code, _error_message(content), wants_tools, attempt)
        raise AssertionError("unreachable")  # the loop always returns or raises on its last attempt

    async def _send(self, body: dict[str, Any]) -> httpx.Response:
        client = self._http()
        accept = "text/event-stream" if self.streaming else "application/json"
        request = client.build_request("POST", self.chat_url, json=body, headers={"Accept": accept})
        try:
            return await client.send(request, stream=True)
        except RETRY_ERRORS:
            raise
        except httpx.TimeoutException as exc:
            raise BackendError(f"{self.base_url} did not answer within {self.timeout.read:g}s") from exc
        except httpx.TransportError as exc:
            raise self._connection_error(exc) from exc

    def _connection_error(self, exc: httpx.TransportError) -> BackendError:
        if isinstance(exc, UNREACHABLE):
            return BackendError(f"cannot reach {self.base_url}: {_reason(exc)}")
        return BackendError(f"connection to {self.base_url} failed: {_reason(exc)}")

    @staticmethod
    async def _drain(response: httpx.Response) -> bytes:
        try:
            return await response.aread()
        except httpx.TransportError:
            return b""
        finally:
            await response.aclose()

    async def _backoff(self, attempt: int, retry_after: float | None) -> None:
        delay = retry_after if retry_after is not None else self.backoff_base * 2 ** (attempt - 1)
        await anyio.sleep(min(delay, self.backoff_cap))

    def _status_error(self, status: int, message: str, wants_tools: bool, attempts: int) -> BackendError:
        if status in (401, 403):
            return BackendError(
                f"authentication failed at {self.base_url} (HTTP {status}): set --api-key or OPENAI_API_KEY"
            )
        if status == 404 and "model" in message.lower():
            return BackendError(f"model {self.model!r} not found at {self.base_url}: {message}")
        if status == 404:
            return BackendError(f"no /chat/completions at {self.base_url} (is --base-url right, ending in /v1?)")
        if status == 400 and wants_tools and _mentions_tools(message):
            return BackendError(f"server or model does not support tool calls: {message}")
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return BackendError(f"{self.chat_url} returned HTTP {status}{tries}: {message or 'no error message'}")

    # --- reading

    async def _read_stream(self, response: httpx.Response, turn: _Turn) -> AsyncIterator[str]:
        """Fold SSE chunks into `turn`, yielding each piece of text as it arrives."""
        seen = False
        try:
            async for data in sse_data(response.aiter_lines()):
                if data.strip() == "[DONE]":
                    break
                seen = True
                text = turn.add_chunk(self._chunk(data))
                if text:
                    yield text
        except httpx.TransportError as exc:
            raise BackendError(f"connection to {self.base_url} lost mid-response: {_reason(exc)}") from exc
        if not seen:
            raise BackendError(f"{self.chat_url} closed the stream without sending a completion")

    def _chunk(self, data: str) -> _Chunk:
        try:
            chunk = _Chunk.model_validate_json(data)
        except ValidationError as exc:
            raise BackendError(f"{self.chat_url} sent an unreadable stream chunk: {_one_line(data, 120)}") from exc
        if chunk.error is not None:
            message = chunk.error if isinstance(chunk.error, str) else chunk.error.message
            raise BackendError(f"{self.base_url} reported an error mid-stream: {_one_line(message)}")
        return chunk

    async def _read_reply(self, response: httpx.Response) -> _Turn:
        try:
            content = await response.aread()
        except httpx.TransportError as exc:
            raise BackendError(f"connection to {self.base_url} lost mid-response: {_reason(exc)}") from exc
        try:
            return _turn_from_reply(_Reply.model_validate_json(content))
        except ValidationError as exc:
            raise BackendError(f"{self.chat_url} sent an unreadable reply: {_one_line(content, 120)}") from exc


def create(options: BackendOptions) -> OpenAIBackend:
    """Entry point: `--backend openai [--model M] [--base-url URL] [--api-key KEY]`."""
    own = options.options_for(OpenAIOptions, "openai")
    return OpenAIBackend(options.model, options.base_url, options.api_key, **own.model_dump())
