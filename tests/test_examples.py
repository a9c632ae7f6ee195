"""Every example runs, as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.timeout(300)  # a server start, then a job in a process of its own
def test_the_fine_tuning_example_uploads_trains_and_asks_the_tuned_model_through_a_real_server(
    tiny_model_dir, tmp_path
):
    import json

    from tests.serving import running
    from tests.test_finetune_api import CITY, example

    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(example(city)) + "\n" for city in CITY))
    with running(tiny_model_dir, "--data-dir", str(tmp_path / "service")) as server:
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "finetune_api.py"), str(train), "--base-url", server.url]
            + ["--model", str(tiny_model_dir), "--suffix", "clock", "--ask", "What time is it in Oslo?"],
            capture_output=True,
            text=True,
            timeout=150,  # a tiny job: ~10 s of imports, then seconds of training
        )
    assert done.returncode == 0, done.stderr
    assert "upload: processed" in done.stdout and ": succeeded" in done.stdout
    assert f"ft:{tiny_model_dir.name}:looptune:clock:" in done.stdout and "answer in " in done.stdout
