"""A small, real OpenAI-compatible HTTP server for tests.

It serves `/v1/chat/completions` (SSE when the body asks for `stream`, one JSON
body otherwise) and `/v1/models` on 127.0.0.1, from a uvicorn thread. Each chat
request takes the next scripted `Reply` (the last one repeats), so a test can
say "429 twice, then this text". Every request body is recorded in `requests`.
It knows nothing of the backend under test.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MODEL = "fake-model"
WAIT_S = 10


@dataclass
class FakeCall:
    """A tool call whose JSON arguments arrive in `fragments`."""

    id: str
    name: str
    fragments: list[str]


@dataclass
class Reply:
    """One scripted answer: a turn (text pieces, tool calls, usage) or an HTTP error."""

    pieces: list[str] = field(default_factory=list)
    calls: list[FakeCall] = field(default_factory=list)
    usage: tuple[int, int] | None = (11, 7)
    status: int = 200
    error: str | None = None  # the error message; with status 200 it is sent inside the stream
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # a verbatim error body instead of {"error": {"message": error}}

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.calls else "stop"


def text(*pieces: str) -> Reply:
    """A text turn streamed as `pieces`."""
    return Reply(pieces=list(pieces))


def failure(status: int, message: str = "", **headers: str) -> Reply:
    """An HTTP error with an OpenAI-shaped error body."""
    return Reply(status=status, error=message, headers=headers)


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": MODEL, "choices": [choice]}


def _call_chunks(calls: list[FakeCall]) -> Iterator[dict[str, Any]]:
    # Headers of every call first, then fragments round-robin, so calls interleave by index.
    for index, call in enumerate(calls):
        head = {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
        yield _chunk({"tool_calls": [head]})
    for step in range(max((len(c.fragments) for c in calls), default=0)):
        for index, call in enumerate(calls):
            if step < len(call.fragments):
                yield _chunk({"tool_calls": [{"index": index, "function": {"arguments": call.fragments[step]}}]})


def _usage(reply: Reply) -> dict[str, int] | None:
    if reply.usage is None:
        return None
    prompt, completion = reply.usage
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def sse_events(reply: Reply) -> Iterator[str]:
    """The reply as SSE text, with a comment and a keep-alive blank line thrown in."""
    yield ": keep-alive\n\n\n"
    yield f"data: {json.dumps(_chunk({'role': 'assistant', 'content': ''}))}\n\n"
    for piece in reply.pieces:
        yield f"data: {json.dumps(_chunk({'content': piece}))}\n\n"
    if reply.error is not None:
        yield f"data: {json.dumps({'error': {'message': reply.error, 'type': 'server_error'}})}\n\n"
        return
    for chunk in _call_chunks(reply.calls):
        yield f"data: {json.dumps(chunk)}\n\n"
    yield f"data: {json.dumps(_chunk({}, reply.finish_reason))}\n\n"
    if reply.usage is not None:
        yield f"data: {json.dumps({'model': MODEL, 'choices': [], 'usage': _usage(reply)})}\n\n"
    yield "data: [DONE]\n\n"


def json_reply(reply: Reply) -> dict[str, Any]:
    """The reply as one non-streaming chat.completion body."""
    calls = [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": "".join(c.fragments)}}
        for c in reply.calls
    ]
    message = {"role": "assistant", "content": "".join(reply.pieces) or None, "tool_calls": calls or None}
    choice = {"index": 0, "message": message, "finish_reason": reply.finish_reason}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [choice],
        "usage": _usage(reply),
    }


class FakeOpenAI:
    """The server; use as a context manager, or call `start()` / `stop()`."""

    def __init__(self, replies: list[Reply] | None = None) -> None:
        self._lock = threading.Lock()
        self.reset(*(replies or [text("hello")]))
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._socket is not None, "server not started"
        host, port = self._socket.getsockname()
        return f"http://{host}:{port}/v1"

    def reset(self, *replies: Reply) -> None:
        """Forget recorded requests and model settings; script `replies` (default: one "hello")."""
        with self._lock:
            self.requests: list[dict[str, Any]] = []
            self.headers: list[dict[str, str]] = []
            self.models = [MODEL]
            self.models_status = 200
        self.script(*(replies or (text("hello"),)))

    def script(self, *replies: Reply) -> None:
        """Replace the scripted replies and start again from the first."""
        with self._lock:
            self.replies = list(replies)
            self._served = 0

    def _next(self) -> Reply:
        with self._lock:
            reply = self.replies[min(self._served, len(self.replies) - 1)]
            self._served += 1
            return reply

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        reply = self._next()
        if reply.status != 200:
            payload = (
                reply.body if reply.body is not None else {"error": {"message": reply.error, "code": reply.status}}
            )
            return JSONResponse(payload, status_code=reply.status, headers=reply.headers)
        if body.get("stream"):
            return StreamingResponse(_aiter(sse_events(reply)), media_type="text/event-stream")
        return JSONResponse(json_reply(reply))

    async def _list_models(self, request: Request) -> Response:
        if self.models_status != 200:
            return JSONResponse({"error": {"message": "nope"}}, status_code=self.models_status)
        return JSONResponse({"object": "list", "data": [{"id": m, "object": "model"} for m in self.models]})

    def app(self) -> Starlette:
        """The ASGI app serving both routes."""
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._list_models, methods=["GET"]),
            ]
        )

    def start(self) -> FakeOpenAI:
        """Bind an ephemeral port on 127.0.0.1 and serve from a thread until `stop()`."""
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        ready = threading.Event()
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = _ReadyServer(config, ready)
        self._thread = threading.Thread(target=self._server.run, args=([self._socket],), daemon=True)
        self._thread.start()
        if not ready.wait(WAIT_S):
            self.stop()
            raise RuntimeError(f"fake OpenAI server did not start within {WAIT_S}s")
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit, wait for its thread, and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(WAIT_S)
            assert not self._thread.is_alive(), "fake OpenAI server thread did not stop"
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _ReadyServer(uvicorn.Server):
    """A uvicorn server that signals a thread event once it accepts connections."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


async def _aiter(items: Iterator[str]) -> AsyncIterator[str]:
    for item in items:
        yield item
