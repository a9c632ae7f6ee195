"""`looptune sessions list|show|export|delete`: what chat and run stored, and its export as traces."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from agent.cli.errors import CliError
from agent.cli.repl.transcript import print_transcript
from agent.sessions.export import export_sessions
from agent.sessions.store import SessionStore, TurnRecord

out = Console(highlight=False, soft_wrap=True)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sessions", help="stored chat/run sessions: list, show, export as traces, delete")
    actions = parser.add_subparsers(dest="sessions_command", required=True, metavar="ACTION")
    listing = _action(actions, "list", "sessions, newest first", cmd_list)
    listing.add_argument("--limit", type=int, default=20, help="at most N sessions (0: all; default 20)")
    _action(actions, "show", "one session's conversation (default: the latest)", cmd_show).add_argument(
        "id", nargs="?", metavar="ID"
    )
    export = _action(actions, "export", "sessions as trace JSONL (all without IDs)", cmd_export)
    export.add_argument("ids", nargs="*", metavar="ID")
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    export.add_argument(
        "--ok-only", action="store_true", help="only turns that ended in an answer (cut at the first that did not)"
    )
    _action(actions, "delete", "remove a session", cmd_delete).add_argument("id", metavar="ID")


def _action(actions: argparse._SubParsersAction, name: str, help_text: str, handler) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help_text)
    parser.add_argument("--db", metavar="PATH", help="session database (default: $LOOPTUNE_DATA_DIR/sessions.db)")
    parser.set_defaults(handler=_guarded(handler))
    return parser


def _guarded(handler):
    def run(args: argparse.Namespace) -> int:
        with SessionStore(Path(args.db).expanduser() if args.db else None) as store:
            return handler(args, store)

    return run


def cmd_list(args: argparse.Namespace, store: SessionStore) -> int:
    sessions = store.list(args.limit or None)
    if not sessions:
        out.print(f"no sessions yet in {store.path} (`looptune chat` stores every turn)")
        return 0
    table = Table(box=None)
    for column, width in (("id", 12), ("updated", 16), ("turns", 5), ("source", 6)):
        table.add_column(column, no_wrap=True, min_width=width)
    table.add_column("model", no_wrap=True, overflow="ellipsis", max_width=22)
    table.add_column("title", no_wrap=True, overflow="ellipsis", ratio=1)
    for s in sessions:
        cells = (s.id, s.updated_at[:16].replace("T", " "), str(s.turns), s.source, s.model or "", s.title or "")
        table.add_row(*(escape(cell) for cell in cells))
    out.print(table)
    return 0


def cmd_show(args: argparse.Namespace, store: SessionStore) -> int:
    session_id = store.resolve(args.id)
    info = store.info(session_id)
    header = f"session {info.id} · {info.source} · {info.backend}: {info.model} · {info.created_at[:19]}"
    out.print(Text(header, style="bold"))
    print_transcript(out, store.messages(session_id))
    outcomes = ", ".join(_outcome(t) for t in store.turns(session_id))
    out.print(Text(f"turns: {outcomes or 'none'}", style="dim"))
    return 0


def _outcome(turn: TurnRecord) -> str:
    return f"{turn.turn}: {turn.outcome}" + (f" ({turn.error})" if turn.error else "")


def cmd_export(args: argparse.Namespace, store: SessionStore) -> int:
    # dict.fromkeys: a session named twice (id and prefix) is exported once.
    ids = list(dict.fromkeys(store.resolve(ref) for ref in args.ids)) or [s.id for s in reversed(store.list())]
    path = Path(args.output).expanduser()
    try:
        report = export_sessions(store, ids, path, ok_only=args.ok_only)
    except OSError as exc:
        raise CliError(f"{path}: cannot write: {exc.strerror}") from exc
    out.print(report.summary())
    return 0 if report.sessions else 1


def cmd_delete(args: argparse.Namespace, store: SessionStore) -> int:
    session_id = store.resolve(args.id)
    store.delete(session_id)
    out.print(f"deleted session {session_id}")
    return 0
