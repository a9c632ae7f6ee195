"""The dashboard's routes: its pages, and the JSON and pictures only a browser needs.

Pages are shells rendered by jinja2 (autoescaped); the script fills them
from the service's OpenAI routes. The dashboard's own routes live under
`/dashboard/`: the loss curve (SVG), the machine's load, the registry's
tools and a call of one, evaluations and their reports. Slow work (drawing,
starting MCP servers, a tool call) runs in a worker thread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from agent.serve.app import Refused
from agent.serve.extension import NotServable
from training.service.dashboard.evaluations import EvaluationBusy, EvaluationError
from training.service.dashboard.hardware import hardware
from training.service.dashboard.toolbox import ToolboxError
from training.service.routes import read_upload
from training.sft.plot import loss_svg

if TYPE_CHECKING:
    from training.service.dashboard.panel import Dashboard

HERE = Path(__file__).parent
PAGES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
MAX_TASKS = 4 * 2**20  # an evaluation's task file
MAX_CALL = 256 * 1024  # a tool call's name and arguments


def routes(dashboard: Dashboard) -> list[BaseRoute]:
    pages = _Pages(dashboard)
    api = _Api(dashboard)
    return [
        Route("/", pages.page("jobs.html", "Jobs"), methods=["GET"]),
        Route("/jobs/new", pages.page("new.html", "New job"), methods=["GET"]),
        Route("/jobs/{job_id}", pages.job, methods=["GET"]),
        Route("/models", pages.page("models.html", "Models"), methods=["GET"]),
        Route("/playground", pages.page("playground.html", "Playground"), methods=["GET"]),
        Route("/dashboard/hardware", api.hardware, methods=["GET"]),
        Route("/dashboard/jobs/{job_id}/loss.svg", api.loss, methods=["GET"]),
        Route("/dashboard/jobs/{job_id}/evaluations", api.evaluations, methods=["GET"]),
        Route("/dashboard/jobs/{job_id}/evaluations", api.evaluate, methods=["POST"]),
        Route("/dashboard/evaluations/{eval_id}", api.evaluation, methods=["GET"]),
        Route("/dashboard/evaluations/{eval_id}/report", api.report, methods=["GET"]),
        Route("/dashboard/tools", api.tools, methods=["GET"]),
        Route("/dashboard/tools/call", api.call, methods=["POST"]),
        Mount("/dashboard/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]


class _Pages:
    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard

    def page(self, template: str, title: str) -> Any:
        async def render(request: Request) -> Response:
            return self._render(request, template, title)

        return render

    async def job(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        if self.dashboard.store.job(job_id) is None:
            return self._render(request, "missing.html", "No such job", status=404, what=f"job {job_id}")
        return self._render(request, "job.html", f"Job {job_id}", job_id=job_id)

    def _render(self, request: Request, template: str, title: str, status: int = 200, **values: Any) -> HTMLResponse:
        keyed = bool(getattr(request.state, "keyed", False))
        text = PAGES.get_template(template).render(title=title, base=self.dashboard.base.id, keyed=keyed, **values)
        return HTMLResponse(text, status_code=status, headers=SECURITY_HEADERS)


# The pages run only their own script: no inline script, nothing from another origin, no framing elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class _Api:
    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard

    async def hardware(self, request: Request) -> Response:
        return JSONResponse(await anyio.to_thread.run_sync(hardware))

    async def loss(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        self._job(job_id)
        train, valid = self.dashboard.losses(job_id)
        if not train and not valid:
            return Response(status_code=204)  # nothing to draw yet
        svg = await anyio.to_thread.run_sync(loss_svg, train, valid)
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    async def evaluations(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        self._job(job_id)
        found = self.dashboard.evaluations.of_job(job_id)
        return JSONResponse({"data": [self.dashboard.evaluations.wire(e) for e in found]})

    async def evaluate(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        job = self._job(job_id)
        if job.status != "succeeded" or job.fine_tuned_model is None:
            raise Refused(400, f"job {job_id} is {job.status}: only a succeeded job's model can be evaluated")
        try:
            adapter = self.dashboard.find(job.fine_tuned_model)
        except NotServable as exc:
            raise Refused(400, str(exc)) from exc
        if adapter is None:
            raise Refused(400, f"{job.fine_tuned_model} was deleted: there is nothing to evaluate")
        tasks, _, _ = await read_upload(request, "tasks", MAX_TASKS)
        try:
            record = await anyio.to_thread.run_sync(
                self.dashboard.evaluations.start, job_id, job.fine_tuned_model, adapter, tasks
            )
        except EvaluationBusy as exc:
            raise Refused(409, str(exc)) from exc
        except EvaluationError as exc:
            raise Refused(400, str(exc), param="tasks") from exc
        return JSONResponse(self.dashboard.evaluations.wire(record), status_code=201)

    async def evaluation(self, request: Request) -> Response:
        record = self.dashboard.evaluations.get(request.path_params["eval_id"])
        if record is None:
            raise Refused(404, f"no evaluation {request.path_params['eval_id']}")
        return JSONResponse(self.dashboard.evaluations.wire(record))

    async def report(self, request: Request) -> Response:
        path = self.dashboard.evaluations.report(request.path_params["eval_id"])
        if path is None:
            raise Refused(404, f"no report for evaluation {request.path_params['eval_id']} (yet)")
        return FileResponse(path, media_type="text/html")

    async def tools(self, request: Request) -> Response:
        try:
            tools = await anyio.to_thread.run_sync(self.dashboard.toolbox.tools)
            servers = await anyio.to_thread.run_sync(self.dashboard.toolbox.status)
        except ToolboxError as exc:
            raise Refused(503, str(exc)) from exc
        return JSONResponse({"servers": servers, "tools": tools})

    async def call(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_CALL:
            raise Refused(413, f"a tool call is at most {MAX_CALL} bytes")
        try:
            call = json.loads(body)
            name, arguments = call["name"], call.get("arguments") or {}
            if isinstance(arguments, str):
                arguments = json.loads(arguments or "{}")
        except (ValueError, KeyError, TypeError) as exc:
            raise Refused(400, f'expected {{"name": TOOL, "arguments": {{...}}}}: {exc}') from exc
        if not isinstance(name, str) or not isinstance(arguments, dict):
            raise Refused(400, "name must be a string and arguments an object")
        try:
            outcome = await anyio.to_thread.run_sync(self.dashboard.toolbox.call, name, arguments)
        except ToolboxError as exc:
            raise Refused(503, str(exc)) from exc
        return JSONResponse({"name": name, "content": outcome.text, "is_error": outcome.is_error})

    def _job(self, job_id: str) -> Any:
        job = self.dashboard.store.job(job_id)
        if job is None:
            raise Refused(404, f"no fine-tuning job {job_id}", param="job_id", code="not_found")
        return job
