"""The HTTP face of the fine-tuning service: OpenAI's `/v1/files` and `/v1/fine_tuning/jobs` routes.

Each handler turns a request into one call on the service and its record
into OpenAI's JSON; a refusal is agent.serve's error object with the status,
`param` and `code` OpenAI would send. The API key is checked before any of
this runs (agent.serve.guard). Slow work (validating an upload, stopping a
training process) runs in a worker thread so the server keeps answering.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from agent.serve.app import Refused
from training.service.files import FileError
from training.service.hyper import JobRequest

if TYPE_CHECKING:
    from training.service.service import FineTuning

Handler = Callable[[Request], Awaitable[Response]]
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
CANCEL_WAIT_S = 30.0  # a cancelled job's process gets SIGTERM, then SIGKILL after 10 s
MAX_JOB_BODY = 64 * 1024  # a job request is a few hundred bytes; metadata is at most 16 short pairs


def routes(service: FineTuning) -> list[BaseRoute]:
    api = _Api(service)
    jobs = "/v1/fine_tuning/jobs"
    return [
        Route("/v1/files", _refusing(api.upload), methods=["POST"]),
        Route("/v1/files", _refusing(api.list_files), methods=["GET"]),
        Route("/v1/files/{file_id}", _refusing(api.file), methods=["GET", "DELETE"]),
        Route("/v1/files/{file_id}/content", _refusing(api.content), methods=["GET"]),
        Route(jobs, _refusing(api.create_job), methods=["POST"]),
        Route(jobs, _refusing(api.list_jobs), methods=["GET"]),
        Route(jobs + "/{job_id}", _refusing(api.job), methods=["GET"]),
        Route(jobs + "/{job_id}/cancel", _refusing(api.cancel), methods=["POST"]),
        Route(jobs + "/{job_id}/pause", _refusing(api.pause), methods=["POST"]),
        Route(jobs + "/{job_id}/resume", _refusing(api.resume), methods=["POST"]),
        Route(jobs + "/{job_id}/events", _refusing(api.events), methods=["GET"]),
        Route(jobs + "/{job_id}/checkpoints", _refusing(api.checkpoints), methods=["GET"]),
    ]


async def read_upload(request: Request, field: str, limit: int) -> tuple[bytes, str | None, dict[str, str]]:
    """A multipart form's one file part `field` (at most `limit` bytes, else a 413: never cut short), its
    filename, and the form's text fields."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():  # a chunked body would be spooled to disk whole before any check could run
        raise Refused(411, "an upload needs a Content-Length header", param=field)
    if int(declared) > limit + 64 * 1024:  # the form's own parts besides the file
        raise Refused(413, f"the upload is {declared} bytes; the limit is {limit}", param=field)
    try:
        form = await request.form(max_files=1, max_fields=4)
    except HTTPException as exc:  # a malformed multipart body, or one with more parts than an upload has
        raise Refused(400, f"not a file upload: {exc.detail}", param=field) from exc
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise Refused(400, f"{field}: a multipart file part is required", param=field)
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise Refused(413, f"the file is over the {limit}-byte upload limit", param=field)
        texts = {key: value for key, value in form.items() if isinstance(value, str)}
        return data, upload.filename, texts
    finally:
        await form.close()  # the spooled temporary file of the upload


def _refusing(handler: Handler) -> Handler:
    """The handler with the service's own errors answered as OpenAI error objects."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except FileError as exc:  # JobRefused too
            raise Refused(exc.status, str(exc), param=exc.param, code=_code(exc.status)) from exc

    return wrapped


class _Api:
    def __init__(self, service: FineTuning) -> None:
        self.service = service

    # --- files

    async def upload(self, request: Request) -> Response:
        data, name, fields = await read_upload(request, "file", self.service.max_upload_bytes)
        purpose = fields.get("purpose")
        if purpose is None:
            raise Refused(400, "purpose: required (fine-tune)", param="purpose")
        record = await anyio.to_thread.run_sync(self.service.files.upload, name or "upload.jsonl", purpose, data)
        return JSONResponse(record.wire())

    async def list_files(self, request: Request) -> Response:
        purpose = request.query_params.get("purpose")
        records = [r for r in self.service.store.files() if purpose is None or r.purpose == purpose]
        return JSONResponse({"object": "list", "data": [r.wire() for r in records], "has_more": False})

    async def file(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        if request.method == "DELETE":
            self.service.files.delete(file_id)
            return JSONResponse({"id": file_id, "object": "file", "deleted": True})
        return JSONResponse(self.service.files.get(file_id).wire())

    async def content(self, request: Request) -> Response:
        data = self.service.files.content(request.path_params["file_id"])
        return Response(data, media_type="application/octet-stream")

    # --- jobs

    async def create_job(self, request: Request) -> Response:
        body = await _bounded(request, MAX_JOB_BODY)
        try:
            wanted = JobRequest.model_validate_json(body)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "body"
            raise Refused(400, f"{where}: {error['msg']}", param=where, code="invalid_request_error") from exc
        job = self.service.book.create(wanted)
        self.service.runner.wake()
        return JSONResponse(job.wire())

    async def list_jobs(self, request: Request) -> Response:
        after, limit = request.query_params.get("after"), _limit(request)
        jobs = self.service.store.jobs(after=after, limit=limit + 1)
        return _page([job.wire() for job in jobs], limit)

    async def job(self, request: Request) -> Response:
        return JSONResponse(self.service.book.get(request.path_params["job_id"]).wire())

    async def cancel(self, request: Request) -> Response:
        job = self.service.book.cancel(request.path_params["job_id"])
        if job.requested == "cancel":  # running: answered once the runner has seen its process end (seconds)
            await anyio.to_thread.run_sync(self.service.runner.kill, job.id)
            with anyio.move_on_after(CANCEL_WAIT_S):
                while not (job := self.service.book.get(job.id)).finished:
                    await anyio.sleep(0.1)  # the runner notices the exit within its poll interval
        return JSONResponse(job.wire())

    async def pause(self, request: Request) -> Response:
        return JSONResponse(self.service.book.pause(request.path_params["job_id"]).wire())

    async def resume(self, request: Request) -> Response:
        job = self.service.book.resume(request.path_params["job_id"])
        self.service.runner.wake()
        return JSONResponse(job.wire())

    async def events(self, request: Request) -> Response:
        job = self.service.book.get(request.path_params["job_id"])
        after, limit = request.query_params.get("after"), _limit(request)
        events = self.service.store.events(job.id, after=after, limit=limit + 1)
        return _page([event.wire() for event in events], limit)

    async def checkpoints(self, request: Request) -> Response:
        job = self.service.book.get(request.path_params["job_id"])
        after, limit = request.query_params.get("after"), _limit(request)
        found = self.service.store.checkpoints(job.id)
        if after is not None:
            ids = [c.id for c in found]
            found = found[ids.index(after) + 1 :] if after in ids else []
        return _page([c.wire() for c in found[: limit + 1]], limit)


async def _bounded(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` bytes (never read whole first)."""
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise Refused(413, f"the request body is over the {limit}-byte limit")
    return bytes(body)


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise Refused(400, f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw[:20]!r}", param="limit")
    return int(raw)


def _page(items: list[dict[str, Any]], limit: int) -> Response:
    """An OpenAI cursor page: `limit` items and whether more follow (the caller fetched one extra to know)."""
    page = items[:limit]
    body = {"object": "list", "data": page, "has_more": len(items) > limit}
    body |= {"first_id": page[0]["id"], "last_id": page[-1]["id"]} if page else {}
    return JSONResponse(body)


def _code(status: int) -> str:
    return {404: "not_found", 413: "file_too_large", 429: "rate_limit_exceeded"}.get(status, "invalid_request_error")
