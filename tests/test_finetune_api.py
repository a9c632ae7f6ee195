"""Fine-tuning through `looptune serve` with the official `openai` client: files, jobs, events, checkpoints, models.

Every test talks to a real server process over HTTP (tests/serving.py) on a
tiny random model; jobs run real `looptune train` processes. Waits are
bounded polls of the API (`until`), never sleeps of a guessed length.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.serving import Server, ask, client, running

JOB_WAIT_S = 150  # a tiny job: ~10 s of imports, then seconds of training
CITY = ["Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Perth", "Dakar"]
# An enum, not a free string: even a barely trained tiny model then finishes a required call in a few tokens.
CLOCK = {"type": "object", "properties": {"city": {"enum": CITY}}, "required": ["city"]}
CLOCK_NOW = {"name": "clock__now", "description": "Time in a city.", "parameters": CLOCK}
TOOLS = [{"type": "function", "function": CLOCK_NOW}]


def example(city: str) -> dict[str, Any]:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "clock__now", "arguments": json.dumps({"city": city})},
    }
    return {
        "messages": [
            {"role": "user", "content": f"What time is it in {city}?"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "09:15"},
            {"role": "assistant", "content": f"It is 09:15 in {city}."},
        ],
        "tools": TOOLS,
    }


def jsonl(records: list[Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def until(what: Callable[[], Any], describe: str, wait_s: float = JOB_WAIT_S) -> Any:
    """Poll `what` until it returns something truthy; fail naming `describe` after `wait_s`."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.2)  # a poll interval, not a wait for something to happen
    raise AssertionError(f"timed out after {wait_s} s waiting for {describe}")


def status(api: openai.OpenAI, job_id: str, *wanted: str) -> Any:
    job = api.fine_tuning.jobs.retrieve(job_id)
    assert job.status not in {"failed"} - set(wanted), job.error
    return job if job.status in wanted else None


def messages(api: openai.OpenAI, job_id: str) -> list[str]:
    return [event.message for event in api.fine_tuning.jobs.list_events(job_id, limit=100).data]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "service"


@pytest.fixture(scope="module")
def shared(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One keyless server for the tests that need nothing of their own (each server start costs seconds)."""
    with running(tiny_model_dir, "--data-dir", str(tmp_path_factory.mktemp("service"))) as server:
        yield server


@pytest.mark.timeout(300)
def test_a_file_becomes_a_job_a_model_that_chats_with_tools_and_then_is_deleted(shared):
    with client(shared.url) as api:
        base = api.models.list().data[0].id
        upload = api.files.create(file=("train.jsonl", jsonl([example(c) for c in CITY])), purpose="fine-tune")
        assert (upload.status, upload.bytes, upload.filename) == (
            "processed",
            len(jsonl([example(c) for c in CITY])),
            "train.jsonl",
        )
        assert api.files.content(upload.id).content == jsonl([example(c) for c in CITY])

        job = api.fine_tuning.jobs.create(
            model=base,
            training_file=upload.id,
            suffix="clock",
            seed=7,
            method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2, "batch_size": 2}}},
        )
        assert job.status == "validating_files" and job.object == "fine_tuning.job"
        done = until(lambda: status(api, job.id, "succeeded"), "the job to succeed")

        assert done.fine_tuned_model == f"ft:{Path(base).name}:looptune:clock:{job.id[-8:]}"
        assert done.hyperparameters.n_epochs == 2 and done.hyperparameters.batch_size == 2
        assert done.trained_tokens and done.trained_tokens > 0 and done.finished_at and done.seed == 7
        config = done.model_extra["looptune"]["train_config"]
        assert (config["epochs"], config["grad_accumulation"], config["seed"]) == (2, 2, 7)
        events = api.fine_tuning.jobs.list_events(job.id, limit=100).data
        metrics = [e for e in events if e.type == "metrics"]
        assert metrics and all(e.data["step"] >= 1 and e.data["train_loss"] > 0 for e in metrics)
        assert events[0].message == "The job has successfully completed"  # newest first, as OpenAI lists them
        checkpoints = api.fine_tuning.jobs.checkpoints.list(job.id).data
        assert checkpoints and checkpoints[0].step_number == max(c.step_number for c in checkpoints)
        assert checkpoints[0].fine_tuned_model_checkpoint.startswith(done.fine_tuned_model + ":ckpt-step-")
        csv_text = api.files.content(done.result_files[0]).text
        assert csv_text.startswith("step,train_loss") and len(csv_text.splitlines()) == len(metrics) + 1

        card = next(m for m in api.models.list().data if m.id == done.fine_tuned_model)
        assert card.model_extra["job"] == job.id and card.model_extra["parent"] == base and card.owned_by == "looptune"
        reply = api.chat.completions.create(
            model=done.fine_tuned_model,
            messages=ask("What time is it in Paris?"),
            tools=TOOLS,
            tool_choice="required",
            max_tokens=48,
        )
        assert (
            reply.model == done.fine_tuned_model
            and reply.choices[0].message.tool_calls[0].function.name == "clock__now"
        )
        at_checkpoint = api.chat.completions.create(
            model=checkpoints[-1].fine_tuned_model_checkpoint, messages=ask("Hi"), max_tokens=4
        )
        assert at_checkpoint.choices[0].message is not None

        assert api.models.delete(done.fine_tuned_model).deleted
        assert done.fine_tuned_model not in [m.id for m in api.models.list().data]
        with pytest.raises(openai.NotFoundError):
            api.chat.completions.create(model=done.fine_tuned_model, messages=ask("Hi"), max_tokens=4)


@pytest.mark.timeout(420)
def test_a_paused_job_resumes_and_a_job_cut_off_by_a_crash_finishes_from_its_checkpoint(tiny_model_dir, data_dir):
    flags = ("--data-dir", str(data_dir))
    with running(tiny_model_dir, *flags) as server, client(server.url) as api:
        upload = api.files.create(file=("t.jsonl", jsonl([example(c) for c in CITY])), purpose="fine-tune")
        hyper = {"n_epochs": 3, "batch_size": 1}
        job = api.fine_tuning.jobs.create(
            model=api.models.list().data[0].id, training_file=upload.id, hyperparameters=hyper
        )
        until(lambda: status(api, job.id, "running"), "the job to start")
        api.fine_tuning.jobs.pause(job.id)  # the process is still importing: it stops after its first step
        until(lambda: status(api, job.id, "paused"), "the job to pause")
        first = api.fine_tuning.jobs.checkpoints.list(job.id).data
        assert [c.step_number for c in first] == [1]

        api.fine_tuning.jobs.resume(job.id)
        until(lambda: any("resumed (training process" in m for m in messages(api, job.id)), "the resumed process")
        server.crash()
    with running(tiny_model_dir, *flags) as server, client(server.url) as api:
        done = until(lambda: status(api, job.id, "succeeded"), "the job to finish after the restart")
        said = messages(api, job.id)
        assert any("server restarted during training" in m for m in said)
        assert any(m.startswith("Training resumed at step 1 of 24") for m in said), said
        assert done.fine_tuned_model in [m.id for m in api.models.list().data]


@pytest.mark.timeout(240)
def test_cancel_stops_a_running_job_within_seconds_and_finished_jobs_refuse_changes(shared):
    with client(shared.url) as api:
        upload = api.files.create(file=("t.jsonl", jsonl([example(c) for c in CITY] * 50)), purpose="fine-tune")
        job = api.fine_tuning.jobs.create(model=api.models.list().data[0].id, training_file=upload.id)
        until(lambda: status(api, job.id, "running"), "the job to start")
        began = time.monotonic()
        cancelled = api.fine_tuning.jobs.cancel(job.id)
        assert cancelled.status == "cancelled" and time.monotonic() - began < 15
        with pytest.raises(openai.BadRequestError, match="is cancelled; only a paused job can be resumed"):
            api.fine_tuning.jobs.resume(job.id)
        with pytest.raises(openai.BadRequestError, match="is already cancelled; it cannot be paused"):
            api.fine_tuning.jobs.pause(job.id)
        queued = [api.fine_tuning.jobs.create(model=job.model, training_file=upload.id) for _ in range(3)]
        page = api.fine_tuning.jobs.list(limit=2)
        assert [j.id for j in page.data] == [queued[2].id, queued[1].id] and page.has_more
        rest = api.fine_tuning.jobs.list(limit=10, after=queued[1].id).data
        assert [j.id for j in rest][:2] == [queued[0].id, job.id]
        for waiting in queued:
            assert api.fine_tuning.jobs.cancel(waiting.id).status == "cancelled"


def test_a_bad_file_reports_every_bad_line_and_a_job_on_it_fails_naming_them(shared):
    bad = [
        example("Paris"),
        "{not json",
        {"prompt": "hi", "completion": "there"},
        {"messages": [{"role": "robot", "content": "beep"}, {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": "user", "content": "Hi"}]},
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "nowhere", "arguments": "{}"}}
                    ],
                },
            ]
        },
    ]
    lines = b"".join((r if isinstance(r, str) else json.dumps(r)).encode() + b"\n" for r in bad)
    with client(shared.url) as api:
        upload = api.files.create(file=("bad.jsonl", lines), purpose="fine-tune")
        assert upload.status == "error"
        details = upload.status_details
        assert details.startswith("6 lines: 1 valid, 5 invalid")
        for line, reason in [
            (2, "not JSON"),
            (3, "'messages'"),
            (4, "role must be"),
            (5, "no assistant"),
            (6, "unknown tool 'nowhere'"),
        ]:
            assert any(d.startswith(f"line {line}: ") and reason in d for d in details.splitlines()), (line, details)
        job = api.fine_tuning.jobs.create(model=api.models.list().data[0].id, training_file=upload.id)
        failed = until(lambda: status(api, job.id, "failed"), "the job to fail")
        assert failed.error.code == "invalid_file" and failed.error.param == "training_file"
        assert "line 2: not JSON" in failed.error.message

        with pytest.raises(openai.BadRequestError, match="suffix"):
            api.fine_tuning.jobs.create(model=job.model, training_file=upload.id, suffix="x" * 65)
        with pytest.raises(openai.BadRequestError, match="dpo"):
            api.fine_tuning.jobs.create(model=job.model, training_file=upload.id, method={"type": "dpo"})
        with pytest.raises(openai.NotFoundError):
            api.fine_tuning.jobs.create(model=job.model, training_file="file-" + "0" * 24)
        with pytest.raises(openai.BadRequestError, match="purpose"):
            api.files.create(file=("a.jsonl", b"{}\n"), purpose="assistants")


def test_with_a_key_every_route_wants_it_uploads_have_a_limit_and_ids_cannot_be_paths(tiny_model_dir, data_dir):
    flags = ("--data-dir", str(data_dir), "--max-upload-mb", "0.001")
    with running(tiny_model_dir, *flags, env={"LOOPTUNE_API_KEY": "sesame"}) as server:
        for path in ("/v1/files", "/v1/fine_tuning/jobs", "/v1/models", "/v1/capabilities", "/v1/nowhere", "/"):
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Cookie": "looptune_key=wrong"}):
                answer = httpx.get(server.root + path, headers=headers, timeout=30)
                assert answer.status_code == 401, (path, headers)
        assert httpx.get(server.root + "/health", timeout=30).status_code == 200
        keyed = {"Authorization": "Bearer sesame"}
        assert (
            httpx.get(server.url + "/files", headers={"Cookie": "looptune_key=sesame"}, timeout=30).status_code == 200
        )
        found = httpx.get(server.url + "/capabilities", headers=keyed, timeout=30).json()
        assert found["fine_tuning"]["methods"] == ["supervised"] and found["hardware"]["cpu_count"] >= 1
        assert found["fine_tuning"]["max_upload_bytes"] == 1048 and found["hardware"]["gpu"] is None
        with client(server.url, "sesame") as api:
            assert api.fine_tuning.jobs.list().data == []
            with pytest.raises(openai.APIStatusError) as raised:
                api.files.create(file=("big.jsonl", b"x" * 5000), purpose="fine-tune")
            assert raised.value.status_code == 413
        for sneaky in ("../service.db", "file-../../etc/passwd", "%2e%2e%2fservice.db"):
            answer = httpx.get(f"{server.url}/files/{sneaky}/content", headers=keyed, timeout=30)
            assert answer.status_code == 404, (sneaky, answer.text)
        assert list((data_dir / "files").iterdir()) == []


def test_a_keyless_server_serves_the_dashboard_without_a_sign_out(shared):
    page = httpx.get(shared.root + "/", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "<h1>Jobs</h1>" in page.text and "Sign out" not in page.text
