"""Every example runs, as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=90, cwd=EXAMPLES.parent)


def test_the_embedding_example_calls_a_real_server_and_prints_the_answer():
    done = run_example(str(EXAMPLES / "embed_loop.py"))
    assert done.returncode == 0, done.stderr
    assert "calling time__get_current_time" in done.stdout
    assert '"timezone": "Asia/Tokyo"' in done.stdout
    assert "answer: I looked up the current time in Tokyo for you." in done.stdout


def test_the_own_server_example_registers_lists_and_calls_its_tools():
    done = run_example(str(EXAMPLES / "my_server.py"), "--demo")
    assert done.returncode == 0, done.stderr
    assert "notes__add_note" in done.stdout and "notes__list_notes" in done.stdout
    assert "note 1 added: buy milk" in done.stdout
