"""Shared fixtures: real MCP servers (the toy server over stdio and HTTP), isolated config dirs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.registry import ServerConfig

TESTS = Path(__file__).parent
FAULTS = "tests/faults/"
_fault_outcomes: Counter[str] = Counter()
TOY = TESTS / "servers" / "toy.py"
WAIT_S = 20


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own XDG dirs, so no test reads or writes the user's registry."""
    config = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("LOOPTUNE_DATA_DIR", str(tmp_path / "data"))  # sessions: never the user's store
    monkeypatch.delenv("LOOPTUNE_MCP_CONFIG", raising=False)
    return config / "looptune" / "mcp.json"


def toy_config(*extra: str, **fields) -> ServerConfig:
    """The toy server over stdio, run with this interpreter."""
    return ServerConfig(command=sys.executable, args=[str(TOY), *extra], **fields)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def toy_http() -> Iterator[str]:
    """The toy server over streamable HTTP on 127.0.0.1; yields its MCP URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(TOY), "--http", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait_for_line(proc, "Uvicorn running")
        # Keep reading its log so a full pipe never blocks the server.
        threading.Thread(target=proc.stderr.read, daemon=True).start()
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.kill()
        proc.wait(timeout=WAIT_S)
        assert proc.stderr is not None
        proc.stderr.close()


def _wait_for_line(proc: subprocess.Popen, needle: str) -> None:
    # readline blocks, so the bound is a watchdog that kills the server if it never gets ready.
    timer = threading.Timer(WAIT_S, proc.kill)
    timer.start()
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if needle in line:
                return
        raise RuntimeError(f"server exited before printing {needle!r}")
    finally:
        timer.cancel()


@pytest.fixture(scope="session")
def bundled_tokenizer():
    """The real bundled SmolLM2 tokenizer (the converted model is cached on disk)."""
    from agent.models.loader import bundled_tokenizer as load

    return load()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, bundled_tokenizer) -> Path:
    """A model directory holding a tiny random Llama and the real bundled tokenizer."""
    from tests.tiny import save_tiny

    return save_tiny(tmp_path_factory.mktemp("tiny-model"), bundled_tokenizer)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the fault and attack suite's cases (tests/faults): once each, by its call phase, or by the setup
    phase that skipped or failed it."""
    if not report.nodeid.startswith(FAULTS):
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _fault_outcomes[report.outcome] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    ran = sum(_fault_outcomes.values())
    if ran:
        parts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(_fault_outcomes.items()))
        terminalreporter.write_line(f"fault and attack suite (tests/faults): {ran} cases ran ({parts})")
