"""`looptune jobs` as a user runs it: a real CLI process driving a real `looptune serve` through the openai client."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.serving import running
from tests.test_finetune_api import CITY, example, jsonl

CLI_WAIT_S = 200


def jobs(*words: str, url: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent.cli.main", "jobs", *words[:1], "--base-url", url, *words[1:]]
    return subprocess.run(argv, capture_output=True, text=True, timeout=CLI_WAIT_S, check=False)


@pytest.mark.timeout(300)
def test_jobs_create_watch_list_events_and_models_drive_a_local_server_and_bad_files_start_nothing(
    tmp_path, tiny_model_dir
):
    train = tmp_path / "train.jsonl"
    train.write_bytes(jsonl([example(city) for city in CITY]))
    with running(tiny_model_dir, "--data-dir", str(tmp_path / "service")) as server:
        base = str(tiny_model_dir)
        created = jobs(
            "create",
            str(train),
            "--model",
            base,
            "--suffix",
            "cli",
            "--epochs",
            "1",
            "--watch",
            "--poll",
            "0.5",
            url=server.url,
        )
        assert created.returncode == 0, created.stderr
        assert "uploaded" in created.stdout and "Fine-tuning job started" in created.stdout
        last = created.stdout.strip().splitlines()[-1]
        job_id, tuned = last.split()[0], last.split(": ")[-1]
        assert last.startswith(f"{job_id} succeeded: ft:") and tuned.endswith(":cli:" + job_id[-8:])

        listed = jobs("list", url=server.url)
        assert job_id in listed.stdout and "succeeded" in listed.stdout
        shown = json.loads(jobs("show", job_id, url=server.url).stdout)
        assert shown["hyperparameters"]["n_epochs"] == 1 and shown["fine_tuned_model"] == tuned
        events = jobs("events", job_id, url=server.url).stdout.splitlines()
        assert "Created fine-tuning job" in events[0] and "successfully completed" in events[-1]
        assert tuned in jobs("models", url=server.url).stdout

        refused = jobs("cancel", job_id, url=server.url)
        assert refused.returncode == 1 and "400: " in refused.stderr and "is already succeeded" in refused.stderr

        bad = tmp_path / "bad.jsonl"  # reported line by line, and no job starts
        bad.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n')
        done = jobs("create", str(bad), "--model", base, url=server.url)
        assert done.returncode == 2
        assert "line 1: no assistant message" in done.stderr and "line 2: not JSON" in done.stderr
        assert jobs("list", url=server.url).stdout.count("ftjob-") == 1


def test_an_unreachable_server_is_one_line_naming_it():
    done = jobs("list", url="http://127.0.0.1:9/v1")
    assert done.returncode == 1 and "cannot reach http://127.0.0.1:9/v1" in done.stderr
    assert "Traceback" not in done.stderr
