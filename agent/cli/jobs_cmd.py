"""`looptune jobs create|list|show|events|cancel|pause|resume|models`: fine-tuning jobs through the `openai` client.

Every command is a call of the official client, so the same commands drive
a local `looptune serve` (the default `--base-url`), OpenAI's own service or
any compatible one. The key comes from `--api-key-file`, else
$LOOPTUNE_API_KEY, else $OPENAI_API_KEY (a key on the command line would be
readable by every user of the machine). Waiting (`--watch`, `--follow`)
polls the events route every `--poll` seconds, bounded by `--timeout`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.cli.argv import positive_float, positive_int
from agent.cli.errors import CliError

if TYPE_CHECKING:
    import openai

# Fitted to a terminal; piped, wide enough that every id stays whole, one row a line, for grep and scripts.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 400)
DEFAULT_URL = "http://127.0.0.1:8000/v1"
FINISHED = ("succeeded", "failed", "cancelled")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("jobs", help="fine-tuning jobs on looptune serve or any OpenAI-compatible service")
    actions = parser.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    create = _action(actions, "create", "upload a JSONL file and start a fine-tuning job", cmd_create)
    create.add_argument("training_file", metavar="TRAIN.jsonl", help="OpenAI chat JSONL or looptune traces")
    create.add_argument("--model", required=True, help="the base model (as /v1/models lists it) or a tuned one")
    create.add_argument("--suffix", help="up to 64 characters, part of the tuned model's name")
    create.add_argument("--epochs", type=positive_int, help="n_epochs (default: auto)")
    create.add_argument("--batch-size", type=positive_int, help="batch_size (default: auto)")
    create.add_argument("--lr-multiplier", type=positive_float, help="learning_rate_multiplier (default: auto)")
    create.add_argument("--validation", metavar="FILE", help="a validation JSONL file (validation loss)")
    create.add_argument("--seed", type=int, help="the training seed")
    create.add_argument("--watch", action="store_true", help="print the job's events until it finishes")
    _action(actions, "list", "the newest jobs", cmd_list).add_argument("--limit", type=positive_int, default=20)
    _action(actions, "show", "one job in full (JSON)", cmd_show).add_argument("job_id", metavar="ID")
    events = _action(actions, "events", "a job's events, oldest first", cmd_events)
    events.add_argument("job_id", metavar="ID")
    events.add_argument("--follow", action="store_true", help="keep printing new events until the job finishes")
    changes = (("cancel", "cancel a job"), ("pause", "pause a running job"), ("resume", "resume a paused job"))
    for name, help_text in changes:
        _action(actions, name, help_text, cmd_change).add_argument("job_id", metavar="ID")
    _action(actions, "models", "the models the service serves, tuned ones with their job", cmd_models)


def _action(actions: argparse._SubParsersAction, name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--base-url", default=None, help=f"the API (default $OPENAI_BASE_URL, else {DEFAULT_URL})")
    parser.add_argument("--api-key-file", metavar="PATH", help="the key is its first line")
    parser.add_argument("--poll", type=positive_float, default=2.0, help="seconds between polls when waiting")
    parser.add_argument("--timeout", type=positive_float, default=24 * 3600.0, help="longest wait in seconds")
    parser.set_defaults(handler=handler)
    return parser


def _client(args: argparse.Namespace) -> openai.OpenAI:
    import openai

    url = args.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_URL
    key = _key(args.api_key_file) or os.environ.get("LOOPTUNE_API_KEY") or os.environ.get("OPENAI_API_KEY")
    return openai.OpenAI(base_url=url, api_key=key or "unused", max_retries=2, timeout=120)


def _key(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return Path(path).expanduser().read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError) as exc:
        raise CliError(f"--api-key-file {path}: cannot read a key from it", code=2) from exc


def _calling(args: argparse.Namespace, work: Any) -> int:
    """Run `work(client)`, turning the client's errors into one line naming the server's message."""
    import openai

    with _client(args) as api:
        try:
            return int(work(api) or 0)
        except openai.APIStatusError as exc:
            message = exc.body.get("message") if isinstance(exc.body, dict) else None
            raise CliError(f"{exc.status_code}: {message or exc.message}", code=1) from exc
        except openai.APIConnectionError as exc:
            raise CliError(f"cannot reach {api.base_url}: is `looptune serve` running? ({exc})", code=1) from exc


# --- the commands


def cmd_create(args: argparse.Namespace) -> int:
    def work(api: openai.OpenAI) -> int:
        training = _upload(api, Path(args.training_file))
        validation = _upload(api, Path(args.validation)) if args.validation else None
        hyper = {"n_epochs": args.epochs, "batch_size": args.batch_size, "learning_rate_multiplier": args.lr_multiplier}
        given = {key: value for key, value in hyper.items() if value is not None}
        method: Any = {"type": "supervised", "supervised": {"hyperparameters": given}}  # the client's TypedDict
        options = {"suffix": args.suffix, "seed": args.seed, "validation_file": validation}
        job = api.fine_tuning.jobs.create(
            model=args.model,
            training_file=training,
            method=method,
            **{k: v for k, v in options.items() if v is not None},
        )
        out.print(f"{job.id}  {job.status}  (follow it: looptune jobs events {job.id} --follow)")
        return _follow(api, job.id, args) if args.watch else 0

    return _calling(args, work)


def _upload(api: openai.OpenAI, path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror}", code=2) from exc
    record = api.files.create(file=(path.name, data), purpose="fine-tune")
    if record.status == "error":
        raise CliError(f"{path} did not validate:\n{record.status_details}", code=2)
    out.print(f"uploaded {path} as {record.id} ({record.bytes} bytes, {record.status})")
    return record.id


def cmd_list(args: argparse.Namespace) -> int:
    def work(api: openai.OpenAI) -> None:
        table = Table("id", "status", "model", "fine-tuned model", "created", box=None)
        for job in api.fine_tuning.jobs.list(limit=args.limit).data:
            table.add_row(job.id, job.status, job.model, job.fine_tuned_model or "", _when(job.created_at))
        out.print(table)

    return _calling(args, work)


def cmd_show(args: argparse.Namespace) -> int:
    def work(api: openai.OpenAI) -> None:
        out.print_json(json.dumps(api.fine_tuning.jobs.retrieve(args.job_id).model_dump(mode="json")))

    return _calling(args, work)


def cmd_events(args: argparse.Namespace) -> int:
    def work(api: openai.OpenAI) -> int:
        if args.follow:
            return _follow(api, args.job_id, args)
        for event in reversed(api.fine_tuning.jobs.list_events(args.job_id, limit=100).data):
            _print_event(event)
        return 0

    return _calling(args, work)


def cmd_change(args: argparse.Namespace) -> int:
    def work(api: openai.OpenAI) -> None:
        jobs = api.fine_tuning.jobs
        change = {"cancel": jobs.cancel, "pause": jobs.pause, "resume": jobs.resume}[args.jobs_command]
        job = change(args.job_id)
        out.print(f"{job.id}  {job.status}")

    return _calling(args, work)


def cmd_models(args: argparse.Namespace) -> int:
    def work(api: openai.OpenAI) -> None:
        table = Table("id", "created", "owned by", "job", box=None)
        for model in api.models.list().data:
            job = (model.model_extra or {}).get("job") or ""
            table.add_row(model.id, _when(model.created), model.owned_by, job)
        out.print(table)

    return _calling(args, work)


# --- waiting


def _follow(api: openai.OpenAI, job_id: str, args: argparse.Namespace) -> int:
    """Print events as they come until the job finishes; exit 0 if it succeeded, 1 otherwise."""
    seen: set[str] = set()
    deadline = time.monotonic() + args.timeout
    while True:
        fresh = [e for e in reversed(api.fine_tuning.jobs.list_events(job_id, limit=100).data) if e.id not in seen]
        for event in fresh:
            seen.add(event.id)
            _print_event(event)
        job = api.fine_tuning.jobs.retrieve(job_id)
        if job.status in FINISHED:
            outcome = job.fine_tuned_model or (job.error.message if job.error else "")
            out.print(f"{job.id} {job.status}" + (f": {outcome}" if outcome else ""))
            return 0 if job.status == "succeeded" else 1
        if time.monotonic() > deadline:
            raise CliError(f"{job_id} is still {job.status} after --timeout {args.timeout:g} s", code=1)
        time.sleep(args.poll)  # the API has no push channel: a poll interval


def _print_event(event: Any) -> None:
    style = {"error": "red", "warn": "yellow"}.get(event.level, "")
    out.print(Text(f"{_when(event.created_at)}  {event.message}", style=style))


def _when(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
