"""`looptune serve` as a real process for tests: start it, read what it printed, talk to it with `openai`.

Shared by tests/test_serve.py (what serve does) and tests/faults/test_serve_abuse.py
(what it survives). It knows nothing of which model is served.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import openai

WAIT_S = 60
KEYLESS = "LOOPTUNE_API_KEY"  # emptied for every server a test starts, so a developer's own key changes nothing
TIMEOUT_S = 60
CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = [
    {
        "type": "function",
        "function": {"name": "clock__now", "description": "Current time in a city.", "parameters": CITY},
    }
]


@dataclass
class Server:
    url: str  # the base URL, ending in /v1
    hint: str  # the `looptune chat ...` line it printed
    log: list[str] = field(default_factory=list)  # its stderr, once it has exited
    proc: subprocess.Popen | None = None
    crashed_on_purpose: bool = False

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")

    def crash(self) -> None:
        """SIGKILL the server, as a power cut or the OOM killer would; waits until it is gone."""
        assert self.proc is not None
        self.crashed_on_purpose = True
        self.proc.kill()
        self.proc.wait(timeout=WAIT_S)


def serve_argv(model: Path | str, *flags: str) -> list[str]:
    return [sys.executable, "-m", "agent.cli.main", "serve", "--model", str(model), *flags]


@contextmanager
def running(model: Path | str, *flags: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`looptune serve --model MODEL --port 0 FLAGS` as a process; yields it once it listens."""
    proc = subprocess.Popen(
        serve_argv(model, "--port", "0", *flags),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", KEYLESS: "", **(env or {})},
    )
    assert proc.stdout is not None and proc.stderr is not None
    log: list[str] = []
    readers = [threading.Thread(target=lambda: log.append(proc.stderr.read()), daemon=True)]
    readers[0].start()
    timer = threading.Timer(WAIT_S, proc.kill)  # readline blocks: the watchdog bounds the wait
    timer.start()
    try:
        first, hint = proc.stdout.readline(), proc.stdout.readline()
        timer.cancel()
        found = re.search(r"(http://\S+/v1)", first)
        assert found, f"no URL in {first!r}; stderr: {_joined(readers, log)}"
        readers.append(threading.Thread(target=proc.stdout.read, daemon=True))
        readers[-1].start()
        server = Server(found.group(1), hint.strip(), log, proc)
        yield server
        assert server.crashed_on_purpose or proc.poll() is None, "the server died"
    finally:
        timer.cancel()
        proc.kill()
        proc.wait(timeout=WAIT_S)
        for reader in readers:
            reader.join(timeout=WAIT_S)
        proc.stdout.close()
        proc.stderr.close()


@contextmanager
def serving(model: Path | str, *flags: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`running`, yielding only the base URL."""
    with running(model, *flags, env=env) as server:
        yield server.url


def _joined(readers: list[threading.Thread], log: list[str]) -> str:
    readers[0].join(timeout=WAIT_S)  # the process has exited (or been killed): stderr is at its end
    return "".join(log).strip()[-2000:]


def client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=TIMEOUT_S)


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def model_id(url: str, key: str = "unused") -> str:
    """The base model's id, as the server lists it first."""
    with client(url, key) as api:  # closed here: an unclosed client's ResourceWarning at exit fails the run
        return api.models.list().data[0].id
