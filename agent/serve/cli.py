"""Start `looptune serve`: load the model and adapters, bind the socket, run uvicorn until Ctrl+C.

The key and the address are checked first (agent.serve.access), then the
socket is bound, before the model loads and uvicorn starts, so a taken port
is a one-line error and `port` 0 can report the port it got. It takes typed
`ServerSettings` (agent.serve.settings; the CLI builds them from flags) and
knows nothing of the routes, flags or argv.
"""

from __future__ import annotations

import shlex
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent.backends import BackendOptions
from agent.errors import USAGE, LooptuneError
from agent.serve.access import api_key, check_exposure, key_reference
from agent.serve.app import ServeSettings, build_app
from agent.serve.extension import Extension
from agent.serve.models import ServedModels
from agent.serve.settings import ServerSettings

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from agent.backends.local.backend import LocalBackend


class AddressError(LooptuneError):
    """The address cannot be listened on (taken, not this machine's): one line naming it."""

    exit_code = USAGE


Mount = Callable[[str, str], Extension]  # (the base model's id, the model spec it was loaded from) -> a service


def serve(settings: ServerSettings, mount: Mount | None = None) -> int:
    """Serve until interrupted; exit 2 if the key, the model, an adapter or the address cannot be used.
    `mount` builds a service to serve beside the model (the CLI passes the fine-tuning service)."""
    key = api_key(settings.api_key, settings.api_key_file)
    warning = check_exposure(settings.host, key, settings.insecure)
    sock = _bind(settings.host, settings.port)  # before the model: a taken port should not cost a model load
    try:
        backend, models = _load(settings)
        # Mounted before the address is printed: whoever reads it may send a request at once.
        extension = mount(models.base_id, settings.model) if mount is not None else None
    except BaseException:
        sock.close()
        raise
    app_settings = ServeSettings(
        key,
        settings.max_waiting,
        int(settings.max_body_mb * 2**20),
        shortlist_k=settings.shortlist,
        shortlist_method=settings.shortlist_method,
        max_batch=settings.local.max_batch,
    )
    if warning:
        print(f"looptune serve: {warning}", file=sys.stderr, flush=True)
    host, port = sock.getsockname()[:2]
    print(f"looptune serve: http://{host}:{port}/v1  models: {', '.join(models.entries)}", flush=True)
    hint = chat_hint(f"http://{host}:{port}/v1", models.base_id, key_reference(settings.api_key, settings.api_key_file))
    print(f"  {hint}", flush=True)
    try:
        _run(build_app(backend, models, app_settings, extension), sock)
    finally:
        if extension is not None:
            extension.close()
    return 0


def chat_hint(url: str, model: str, key: str | None) -> str:
    """The `looptune chat` line that reaches this server; `key` names the key (the client reads $OPENAI_API_KEY)."""
    line = f"looptune chat --backend openai --base-url {url} --model {shlex.quote(model)}"
    return f"OPENAI_API_KEY={key} {line}" if key else line


def _load(settings: ServerSettings) -> tuple[LocalBackend, ServedModels]:
    from agent.backends.local import create

    options = BackendOptions(settings.model, settings.base_adapter, backend_options=settings.local)
    backend = create(options)
    models = ServedModels(backend, settings.served_model_name or settings.model, backend.adapters.active)
    for name, path in settings.adapters:
        models.add(name, path)
    models.activate(models.get(models.base_id))
    return backend, models


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, Nagle holds the body behind the headers until the
    # client's delayed ACK (~40 ms a response on Linux loopback).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # connections wait in the backlog until uvicorn accepts them, never refused
    except OSError as exc:
        sock.close()
        raise AddressError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def _run(app: ASGIApp, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, lifespan="off")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        print("looptune serve: stopped", file=sys.stderr)
