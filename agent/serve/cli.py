"""Start `looptune serve`: load the model and adapters, bind the socket, run uvicorn until Ctrl+C.

The key and the address are checked first (agent.serve.access), then the
socket is bound, before the model loads and uvicorn starts, so a taken port
is a one-line error and `--port 0` can report the port it got. It knows
nothing of the routes.
"""

from __future__ import annotations

import argparse
import shlex
import socket
import sys

from agent.backends import BackendOptions
from agent.cli.agent_setup import local_settings
from agent.cli.errors import CliError
from agent.serve.access import api_key, check_exposure, key_reference
from agent.serve.app import ServeSettings, build_app
from agent.serve.models import ServedModels


def serve_command(args: argparse.Namespace) -> int:
    """Serve until interrupted; exit 2 if the key, the model, an adapter or the address cannot be used."""
    key = api_key(args.api_key, args.api_key_file)
    warning = check_exposure(args.host, key, args.insecure)
    sock = _bind(args.host, args.port)  # before the model: a taken port should not cost a model load
    try:
        backend, models = _load(args)
    except BaseException:
        sock.close()
        raise
    settings = ServeSettings(
        key,
        args.max_waiting,
        int(args.max_body_mb * 2**20),
        shortlist_k=args.shortlist,
        shortlist_method=args.shortlist_method,
    )
    if warning:
        print(f"looptune serve: {warning}", file=sys.stderr, flush=True)
    host, port = sock.getsockname()[:2]
    print(f"looptune serve: http://{host}:{port}/v1  models: {', '.join(models.entries)}", flush=True)
    hint = chat_hint(f"http://{host}:{port}/v1", models.base_id, key_reference(args.api_key, args.api_key_file))
    print(f"  {hint}", flush=True)
    _run(build_app(backend, models, settings), sock)
    return 0


def chat_hint(url: str, model: str, key: str | None) -> str:
    """The `looptune chat` line that reaches this server; `key` names the key (the client reads $OPENAI_API_KEY)."""
    line = f"looptune chat --backend openai --base-url {url} --model {shlex.quote(model)}"
    return f"OPENAI_API_KEY={key} {line}" if key else line


def _load(args: argparse.Namespace):
    from agent.backends.local import create

    options = BackendOptions(args.model, args.base_adapter, backend_options=local_settings(args))
    backend = create(options)
    models = ServedModels(backend, args.served_model_name or args.model, backend.adapters.active)
    for name, path in args.adapter:
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
    except OSError as exc:
        sock.close()
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}", code=2) from exc
    return sock


def _run(app, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, lifespan="off")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        print("looptune serve: stopped", file=sys.stderr)
