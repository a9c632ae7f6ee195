"""The HTTP routes: OpenAI's `/v1/models` and `/v1/chat/completions`, vLLM's LoRA routes, `/health`.

A mounted extension (agent.serve.extension: the fine-tuning service) adds its
routes, and its models, which `/v1/models` lists and a chat request naming one
hot-loads; `/v1/capabilities` says what this server can do.

Every error is an OpenAI-shaped JSON object with its status; nothing a
client sends can stop the server, and an unforeseen error is a 500 that
leaves the connection usable (agent.serve.contained). Bodies over the size limit are refused
before they are read whole; requests beyond the wait line get 429 with
Retry-After; a client that disconnects cancels its generation (streamed or
not). With an API key, every route but `/health` needs it (agent.serve.guard).
It knows nothing of how the backend decodes.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from agent.backends.base import BackendError, ChatRequest, Completion, ContextOverflow, TextDelta, UnsupportedRequest
from agent.errors import LooptuneError
from agent.messages import ToolSpec
from agent.serve import replies
from agent.serve.admission import Admission, LineFull, Place
from agent.serve.contained import Contained
from agent.serve.extension import Extension, NotServable
from agent.serve.guard import Guard
from agent.serve.models import Served, ServedModels, UnknownModel
from agent.serve.schema import ChatBody, RequestError, chat_request, parse_body
from agent.shortlist import DEFAULT_METHOD, shortlisted

T = TypeVar("T")
log = logging.getLogger("looptune.serve")


@dataclass
class ServeSettings:
    api_key: str | None = None
    max_waiting: int = 16  # requests waiting for the model beyond the one running
    max_body_bytes: int = 4 * 2**20
    retry_after_s: int = 1
    # The tools a request carries are narrowed server-side by agent.shortlist, the code the loop uses
    # (0: the model sees every tool sent); a request naming one tool in tool_choice is left as it is.
    shortlist_k: int = 0
    shortlist_method: str = DEFAULT_METHOD
    max_batch: int = 1  # requests for the same model decoded together (the local backend's max_batch)


class Refused(LooptuneError):
    """An error answer: status, message and the OpenAI error fields."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.param, self.code = status, param, code


def build_app(
    backend: Any, models: ServedModels, settings: ServeSettings | None = None, extension: Extension | None = None
) -> Starlette:
    """The Starlette app serving `backend` under the ids in `models`, with `extension`'s routes and models."""
    settings = settings or ServeSettings()
    server = _Server(backend, models, settings, extension)
    routes: list[BaseRoute] = [
        Route("/health", server.health, methods=["GET"]),
        Route("/v1/models", server.list_models, methods=["GET"]),
        Route("/v1/models/{model:path}", server.model, methods=["GET", "DELETE"]),
        Route("/v1/capabilities", server.capabilities, methods=["GET"]),
        Route("/v1/chat/completions", server.chat, methods=["POST"]),
        Route("/v1/load_lora_adapter", server.load_adapter, methods=["POST"]),
        Route("/v1/unload_lora_adapter", server.unload_adapter, methods=["POST"]),
    ]
    routes += extension.routes() if extension is not None else []
    handlers = {Refused: server.refused, 404: server.not_found, 405: server.not_allowed}
    # Contained outermost: an error anywhere, the key check included, still ends as a proper response.
    middleware = [Middleware(Contained), Middleware(Guard, key=settings.api_key)]
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)


class _Server:
    def __init__(self, backend: Any, models: ServedModels, settings: ServeSettings, extension: Extension | None):
        self.backend, self.models, self.settings, self.extension = backend, models, settings, extension
        self.admission = Admission(settings.max_waiting, settings.max_batch)

    # --- routes

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def list_models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": self._cards()})

    async def model(self, request: Request) -> Response:
        """`GET` one model's card; `DELETE` a fine-tuned model or a loaded adapter (never the base)."""
        model_id = request.path_params["model"]
        if request.method == "GET":
            card = next((c for c in self._cards() if c["id"] == model_id), None)
            if card is None:
                raise Refused(404, f"model {model_id!r} does not exist", param="model", code="model_not_found")
            return JSONResponse(card)
        if model_id == self.models.base_id:
            raise Refused(400, f"{model_id!r} is the base model; it cannot be deleted", param="model")
        forgotten = self.extension is not None and self.extension.forget(model_id)
        if model_id in self.models.entries:
            async with self._place():
                try:
                    await anyio.to_thread.run_sync(self.models.remove, model_id)
                except BackendError as exc:  # as the unload route answers it
                    raise Refused(400, str(exc), param="model", code="invalid_value") from exc
        elif not forgotten:
            raise Refused(404, f"model {model_id!r} does not exist", param="model", code="model_not_found")
        return JSONResponse({"id": model_id, "object": "model", "deleted": True})

    async def capabilities(self, request: Request) -> Response:
        body: dict[str, Any] = {"object": "capabilities", "backends": ["local"], "models": list(self.models.entries)}
        body["hardware"] = {"cpu_count": os.cpu_count(), "gpu": _gpu()}
        body["limits"] = {
            "max_body_bytes": self.settings.max_body_bytes,
            "max_waiting": self.settings.max_waiting,
            "max_batch": self.settings.max_batch,
        }
        body["shortlist"] = {"k": self.settings.shortlist_k, "method": self.settings.shortlist_method}
        if self.extension is not None:
            body |= self.extension.capabilities()
        return JSONResponse(body)

    async def chat(self, request: Request) -> Response:
        body = _parsed(await self._json(request))
        entry, wanted = await self._entry(body.model), _request(body)
        wanted.tools = self._shortlisted(wanted)
        place = self._place(entry.id)  # last: every check that can refuse the request has passed
        if body.stream:
            events = self._stream(place, entry, body, wanted)
            # `leave` again after the response, in case it ended before the stream began.
            return StreamingResponse(events, media_type="text/event-stream", background=BackgroundTask(place.leave))
        completion = await _until_disconnect(request, self._complete, place, entry, wanted)
        return JSONResponse(replies.completion_reply(replies.new_id(), entry.id, completion, body.parallel_tool_calls))

    async def load_adapter(self, request: Request) -> Response:
        data = await self._json(request)
        name, path = _field(data, "lora_name"), _field(data, "lora_path")
        async with self._place():
            try:
                await anyio.to_thread.run_sync(self.models.add, name, path)
            except BackendError as exc:
                raise Refused(400, _clipped(str(exc)), param="lora_path", code="invalid_value") from exc
            except (OSError, ValueError) as exc:  # a path the OS refuses: too long, a NUL byte, no permission
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                message = f"cannot read the adapter at {_clipped(path, 80)}: {reason}"
                raise Refused(400, message, param="lora_path", code="invalid_value") from exc
        return Response(f"Success: LoRA adapter '{name}' added successfully.", media_type="text/plain")

    async def unload_adapter(self, request: Request) -> Response:
        name = _field(await self._json(request), "lora_name")
        async with self._place():
            try:
                await anyio.to_thread.run_sync(self.models.remove, name)
            except UnknownModel as exc:
                raise Refused(404, exc.args[0], param="lora_name", code="model_not_found") from exc
            except BackendError as exc:
                raise Refused(400, str(exc), param="lora_name", code="invalid_value") from exc
        return Response(f"Success: LoRA adapter '{name}' removed successfully.", media_type="text/plain")

    # --- generation

    async def _complete(self, place: Place, entry: Served, request: ChatRequest) -> Completion:
        async with place:
            await anyio.to_thread.run_sync(self.models.activate, entry)
            try:
                async for event in self.backend.stream(request):
                    if isinstance(event, Completion):
                        return event
            except ContextOverflow as exc:
                raise Refused(400, str(exc), param="messages", code="context_length_exceeded") from exc
            except UnsupportedRequest as exc:  # the model could, as set up here it may not: the client's to change
                raise Refused(400, str(exc), param=exc.param, code="unsupported_value") from exc
            except BackendError as exc:
                raise Refused(500, str(exc)) from exc
        raise Refused(500, "the backend ended without a completion")

    async def _stream(self, place: Place, entry: Served, body: ChatBody, request: ChatRequest) -> AsyncIterator[str]:
        rid, usage = replies.new_id(), body.include_usage
        try:
            async with place:
                await anyio.to_thread.run_sync(self.models.activate, entry)
                yield _sse(replies.chunk(rid, entry.id, {"role": "assistant", "content": ""}, with_usage=usage))
                completion = None
                async for event in self.backend.stream(request):
                    if isinstance(event, TextDelta):
                        yield _sse(replies.chunk(rid, entry.id, {"content": event.text}, with_usage=usage))
                    elif isinstance(event, Completion):
                        completion = event
                if completion is not None:
                    for text in _ending(rid, entry.id, completion, body):
                        yield text
        except BackendError as exc:  # headers are sent: the error travels as an event, as OpenAI's does
            if isinstance(exc, ContextOverflow):
                yield _sse(replies.error(400, str(exc), param="messages", code="context_length_exceeded"))
            elif isinstance(exc, UnsupportedRequest):
                yield _sse(replies.error(400, str(exc), param=exc.param, code="unsupported_value"))
            else:
                yield _sse(replies.error(500, str(exc)))
        except Exception as exc:  # a bug: logged, and the stream still ends properly
            log.exception("a streamed chat completion failed")
            yield _sse(replies.error(500, f"internal error: {type(exc).__name__}: {exc}"))
        finally:
            place.leave()
        yield "data: [DONE]\n\n"

    # --- checks

    def _shortlisted(self, request: ChatRequest) -> list[ToolSpec]:
        k = self.settings.shortlist_k
        if k <= 0 or not request.tools:
            return request.tools
        return shortlisted(request.messages, request.tools, k, self.settings.shortlist_method)

    def _cards(self) -> list[dict[str, Any]]:
        """The served models, then the extension's (its fields completing a loaded one's card)."""
        cards = {card["id"]: card for card in self.models.listing()}
        for card in self.extension.cards(self.models.base_id) if self.extension is not None else []:
            cards[card["id"]] = {**cards.get(card["id"], {}), **card}
        return list(cards.values())

    async def _json(self, request: Request) -> Any:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise Refused(413, f"the request body is {declared} bytes; the limit is {limit}")
        raw = bytearray()
        async for part in request.stream():
            raw += part
            if len(raw) > limit:
                raise Refused(413, f"the request body is over the {limit}-byte limit")
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Refused(400, f"the request body is not valid JSON: {exc}") from exc
        except RecursionError as exc:  # the decoder recurses per level; no request needs this depth
            raise Refused(400, "the request body nests too deeply to read (about 1000 levels at most)") from exc

    async def _entry(self, model_id: str) -> Served:
        """The served entry for a request's model; one the extension made is hot-loaded the first time."""
        if model_id not in self.models.entries and self.extension is not None:
            try:
                path = self.extension.find(model_id)
            except NotServable as exc:
                raise Refused(400, str(exc), param="model", code="model_not_available") from exc
            if path is not None:
                await self._hot_load(model_id, path)
        try:
            return self.models.get(model_id)
        except UnknownModel as exc:
            raise Refused(404, exc.args[0], param="model", code="model_not_found") from exc

    async def _hot_load(self, model_id: str, path: str) -> None:
        async with self._place():  # between generations, as vLLM's load route does it
            if model_id in self.models.entries:  # another request loaded it while this one waited
                return
            try:
                await anyio.to_thread.run_sync(self.models.add, model_id, path)
            except BackendError as exc:
                raise Refused(500, f"cannot load {model_id}: {exc}", param="model") from exc

    def _place(self, model: str | None = None) -> Place:
        """A place in line; requests for the same `model` run together, a place without one runs alone."""
        try:
            return self.admission.enter(model)
        except LineFull as exc:
            raise Refused(429, f"the server is busy ({exc}); retry shortly", code="rate_limit_exceeded") from exc

    # --- error answers

    async def refused(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        headers = {"Retry-After": str(self.settings.retry_after_s)} if exc.status == 429 else None
        body = replies.error(exc.status, str(exc), param=exc.param, code=exc.code)
        return JSONResponse(body, status_code=exc.status, headers=headers)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        return JSONResponse(replies.error(404, f"no route {request.url.path}"), status_code=404)

    async def not_allowed(self, request: Request, exc: Exception) -> Response:
        message = f"{request.method} is not allowed on {request.url.path}"
        return JSONResponse(replies.error(405, message), status_code=405)


def _parsed(data: Any) -> ChatBody:
    try:
        return parse_body(data)
    except RequestError as exc:
        raise Refused(400, str(exc), param=exc.param, code=exc.code) from exc


def _request(body: ChatBody) -> ChatRequest:
    try:
        request = chat_request(body)
    except RequestError as exc:
        raise Refused(400, str(exc), param=exc.param, code=exc.code) from exc
    request.truncate = False  # an API refuses a prompt that does not fit; it never drops turns silently
    return request


def _gpu() -> dict[str, Any] | None:
    """The GPU this process could use, if torch is loaded and sees one (serve never loads torch to ask)."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    free, total = torch.cuda.mem_get_info()
    return {"name": torch.cuda.get_device_name(0), "memory_total": total, "memory_free": free}


def _clipped(text: str, limit: int = 300) -> str:
    """At most `limit` characters: an error message never echoes a hostile value whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(data: Any, name: str) -> str:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        code = "missing_required_parameter" if value is None else "invalid_value"
        raise Refused(400, f"{name}: a non-empty string is required", param=name, code=code)
    return value


def _ending(rid: str, model: str, completion: Completion, body: ChatBody) -> list[str]:
    """The chunks after the streamed text: botched-call text, call deltas, finish, usage."""
    content, calls = replies.split_calls(completion, body.parallel_tool_calls)
    usage = body.include_usage
    events = []
    streamed = completion.message.text or ""
    if content and len(content) > len(streamed):
        events.append(replies.chunk(rid, model, {"content": content[len(streamed) :]}, with_usage=usage))
    events += [replies.chunk(rid, model, delta, with_usage=usage) for delta in replies.call_deltas(calls)]
    events.append(replies.chunk(rid, model, {}, replies.finish_reason(completion, calls), with_usage=usage))
    if usage:
        events.append(replies.usage_chunk(rid, model, completion.usage))
    return [_sse(event) for event in events]


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _until_disconnect(request: Request, work: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`await work(*args)`, cancelling it if the client goes away first."""
    outcome: dict[str, Any] = {}

    async def run(scope: anyio.CancelScope) -> None:
        try:
            outcome["result"] = await work(*args)
        except Exception as exc:  # re-raised below, outside the task group (not as an ExceptionGroup)
            outcome["error"] = exc
        scope.cancel()

    async with anyio.create_task_group() as tg:
        tg.start_soon(run, tg.cancel_scope)
        while (await request.receive())["type"] != "http.disconnect":
            pass
        tg.cancel_scope.cancel()
    if "error" in outcome:
        raise outcome["error"]
    if "result" not in outcome:
        raise Refused(499, "the client disconnected")
    return outcome["result"]
