"""Shared helpers for the bundled servers' tests, ordinary (tests/test_server_*.py) and hostile (tests/faults/).

One place for how each server is started through the real hub, so the normal
and the fault tests of a surface run it the same way.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing, suppress
from pathlib import Path

import anyio

from agent.hub import Hub, ToolOutcome
from agent.registry import ServerConfig

CALL_LIMIT_S = 30


def calc_config(*args: str) -> ServerConfig:
    """The calc server over stdio."""
    return ServerConfig(command=sys.executable, args=["-m", "mcp_servers.calc", *args], timeout=10)


# --- sandbox -------------------------------------------------------------------------------------------

SANDBOX_SECRET = "LOOPTUNE_TEST_SECRET"


@asynccontextmanager
async def sandbox_hub() -> AsyncIterator[Hub]:
    """A hub with the sandbox server over stdio, a secret in the server's environment."""
    config = ServerConfig(command=sys.executable, args=["-m", "mcp_servers.sandbox"], env={SANDBOX_SECRET: "hunter2"})
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sandbox": config}) as hub:
            yield hub


async def run_python(hub: Hub, code: str, timeout_s: float = 10) -> ToolOutcome:
    """One run_python call, bounded."""
    with anyio.fail_after(CALL_LIMIT_S):
        return await hub.call("sandbox__run_python", {"code": code, "timeout_s": timeout_s})


async def still_runs(hub: Hub) -> None:
    """The sandbox still answers an ordinary run correctly."""
    outcome = await run_python(hub, "print(6 * 7)")
    assert outcome.structured["stdout"] == "42\n" and outcome.structured["exit_code"] == 0


def alive(pid: int) -> bool:
    """Whether host process `pid` exists and is not a zombie."""
    return _state(pid) not in (None, "Z", "X")


def _state(pid: int) -> str | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next(line.split()[1] for line in status.splitlines() if line.startswith("State:"))


def with_marker(marker: str) -> list[int]:
    """Live host processes whose command line holds `marker` (pids seen inside a run are not host pids)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and marker.encode() in cmdline and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def kill_all(pids: list[int]) -> None:
    """SIGKILL each of `pids` that still exists (cleanup after a failed assertion)."""
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# --- sql -----------------------------------------------------------------------------------------------

SQL_SCHEMA = (
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT DEFAULT 'Paris');"
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),"
    " total REAL NOT NULL DEFAULT 0);"
    "INSERT INTO customers (name, city) VALUES ('Ada', 'London'), ('Bo', NULL);"
    "INSERT INTO orders (customer_id, total) VALUES (1, 9.5), (1, 20), (2, 3.25);"
)


def sql_config(db: Path, *extra: str) -> ServerConfig:
    """The sql server over stdio on `db`, with a 1 s time limit so runaway tests stay short."""
    args = ["-m", "mcp_servers.sql", "--db", str(db), "--time-limit", "1", *extra]
    return ServerConfig(command=sys.executable, args=args, timeout=20)


def row_count(db: Path, table: str) -> int:
    """How many rows `table` of `db` holds, read directly."""
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- knowledge -----------------------------------------------------------------------------------------

KNOWLEDGE_CORPUS = [
    ("Resetting your password", "To reset your password open Settings and click Reset. A reset link is emailed."),
    ("Billing and invoices", "Invoices are emailed monthly. Update your card under Billing."),
    ("Security overview", "Data is encrypted at rest. Two-factor login guards accounts; a password needs 12 letters."),
    ("Release notes", "Version 2 adds dark mode and faster search."),
    ("Shipping", "Orders ship within two days from the warehouse."),
]


def knowledge_stdio(db: Path, *extra: str) -> dict[str, ServerConfig]:
    """The knowledge server as a subprocess speaking stdio, on `db`."""
    args = ["-m", "mcp_servers.knowledge", "--db", str(db), *extra]
    return {"knowledge": ServerConfig(command=sys.executable, args=args)}


async def add_knowledge_corpus(hub: Hub) -> list[str]:
    """Add KNOWLEDGE_CORPUS through the tool; returns the new doc ids in order."""
    ids = []
    for title, text in KNOWLEDGE_CORPUS:
        outcome = await hub.call("knowledge__add", {"title": title, "text": text})
        assert not outcome.is_error, outcome.text
        ids.append(outcome.structured["doc_id"])
    return ids


# --- processes -----------------------------------------------------------------------------------------


def python(code: str, *args: str) -> subprocess.Popen[str]:
    """This interpreter running `code` with `args`, stdout and stderr captured as text."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
