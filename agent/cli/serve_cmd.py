"""`looptune serve`: flags only; they become typed `agent.serve.settings.ServerSettings`, and the server is in
`agent.serve`, imported when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from agent.cli.agent_setup import add_local_flags, local_settings
from agent.cli.argv import positive_float, positive_int
from agent.cli.shortlist_flags import add_shortlist_flags

if TYPE_CHECKING:
    from agent.serve.cli import Mount
    from agent.serve.settings import ServerSettings
    from training.service.service import FineTuning


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve a local model (and LoRA adapters) through the OpenAI API",
        description="An OpenAI-compatible server over the in-process model: /v1/chat/completions (tools, "
        "streaming), /v1/models, vLLM's /v1/load_lora_adapter and /v1/unload_lora_adapter, /health; and "
        "fine-tuning as OpenAI's /v1/files and /v1/fine_tuning/jobs (one job trains at a time; a finished job's "
        "model is served at once). "
        "The API key comes from $LOOPTUNE_API_KEY or --api-key-file rather than --api-key, because other "
        "users of this machine can read a process's command line.",
    )
    parser.add_argument("--model", default="bundled", help="bundled (default), a model directory or a .gguf")
    parser.add_argument(
        "--base-adapter",
        help="what the base model id serves: bundled = the shipped LoRA (default on the bundled model), "
        "none = the plain model, or an adapter path",
    )
    parser.add_argument(
        "--adapter",
        action="append",
        default=[],
        type=named_path,
        metavar="NAME=PATH",
        help="serve a LoRA adapter as model id NAME (repeatable)",
    )
    parser.add_argument("--served-model-name", help="the base model's id (default: the --model value)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only); any other than a loopback address needs "
        "an API key, or --insecure",
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument(
        "--api-key-file",
        metavar="PATH",
        help="require Authorization: Bearer KEY on every route but /health, KEY being the first line of PATH "
        "(keep it chmod 600); $LOOPTUNE_API_KEY does the same",
    )
    keys.add_argument(
        "--api-key",
        metavar="KEY",
        help="the key itself; avoid it: a command line is readable by every user of this machine (ps, "
        "/proc/PID/cmdline), the environment and a private file are not",
    )
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="serve a non-loopback --host without an API key: anyone who can reach the port can use the model "
        "and load adapters from this machine's disk",
    )
    parser.add_argument("--max-waiting", type=positive_int, default=16, help="requests queued before 429")
    parser.add_argument("--max-body-mb", type=positive_float, default=4.0, help="largest request body (default 4 MB)")
    add_shortlist_flags(parser)
    tuning = parser.add_argument_group("fine-tuning service")
    tuning.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where uploaded files, jobs and tuned models are kept (default: the service folder of looptune's "
        "data dir: $LOOPTUNE_DATA_DIR, else $XDG_DATA_HOME/looptune)",
    )
    tuning.add_argument("--max-upload-mb", type=positive_float, default=100.0, help="largest upload (default 100)")
    tuning.add_argument("--max-jobs", type=positive_int, default=16, help="unfinished jobs allowed (default 16)")
    tuning.add_argument(
        "--no-fine-tuning", dest="fine_tuning", action="store_false", help="serve the model only: no files or jobs"
    )
    add_local_flags(parser.add_argument_group("local backend"))
    parser.set_defaults(handler=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    from agent.serve.cli import serve

    settings = server_settings(args)
    return serve(settings, fine_tuning(settings) if settings.fine_tuning else None)


def fine_tuning(settings: ServerSettings) -> Mount:
    """The fine-tuning service (training.service) for the server to mount once its model is loaded."""

    def mount(base_id: str, spec: str) -> FineTuning:
        from agent.sessions.store import data_dir
        from training.service.jobs import Base
        from training.service.service import FineTuning

        root = Path(settings.data_dir).expanduser() if settings.data_dir else data_dir() / "service"
        limit = int(settings.max_upload_mb * 2**20)
        return FineTuning(root, Base(base_id, spec), max_upload_bytes=limit, max_unfinished=settings.max_jobs).start()

    return mount


def server_settings(args: argparse.Namespace) -> ServerSettings:
    """The typed settings of this `looptune serve` (the key stays out of anything saved)."""
    from agent.serve.settings import ServerSettings
    from agent.settings import validated

    fields = ("model", "base_adapter", "served_model_name", "host", "port", "api_key", "api_key_file", "insecure")
    given = {name: getattr(args, name) for name in fields}
    given |= {"max_waiting": args.max_waiting, "max_body_mb": args.max_body_mb, "adapters": args.adapter}
    given |= {"shortlist": args.shortlist, "shortlist_method": args.shortlist_method, "local": local_settings(args)}
    given |= {"fine_tuning": args.fine_tuning, "data_dir": args.data_dir, "max_upload_mb": args.max_upload_mb}
    given |= {"max_jobs": args.max_jobs}
    return validated(ServerSettings, given, "the command line")


def named_path(text: str) -> tuple[str, str]:
    """`NAME=PATH` as (name, path)."""
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=PATH")
    return name.strip(), path.strip()
