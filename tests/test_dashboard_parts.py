"""The dashboard's parts without a browser or a server: loss points, evaluations on disk, the sign-in's `next`,
and the playground's tools over real MCP servers (tests/test_dashboard.py drives them all in Chromium)."""

from __future__ import annotations

import json
import sys

from agent.registry.model import ServerConfig
from agent.serve.login import safe_next
from training.service.dashboard.evaluations import Evaluations
from training.service.dashboard.panel import Dashboard
from training.service.dashboard.toolbox import Toolbox
from training.service.jobs import Base
from training.service.records import Event
from training.service.store import Store


def test_the_loss_points_come_from_metrics_events_oldest_first_with_validation_apart(tmp_path):
    store = Store(tmp_path / "service.db")
    for i, data in enumerate([{"step": 5, "train_loss": 2.0}, {"step": 10, "train_loss": 1.5, "valid_loss": 1.7}]):
        store.add_event(Event(f"ftevent-{i}", "ftjob-a", i, "info", "m", "metrics", data))
    store.add_event(Event("ftevent-x", "ftjob-a", 9, "info", "Checkpoint created at step 10"))
    store.add_event(Event("ftevent-y", "ftjob-b", 9, "info", "m", "metrics", {"step": 1, "train_loss": 9.0}))
    dashboard = Dashboard(store, Base("tiny", "tiny"), tmp_path, find=lambda model: None)
    assert dashboard.losses("ftjob-a") == ([(5, 2.0), (10, 1.5)], [(10, 1.7)])
    assert dashboard.losses("ftjob-none") == ([], [])
    store.close()


def test_an_evaluation_left_running_by_a_stopped_server_is_failed_on_the_next_start(tmp_path):
    folder = tmp_path / "evaluations" / ("eval-" + "0" * 24)
    folder.mkdir(parents=True)
    left = {"id": folder.name, "job_id": "ftjob-a", "model": "ft:x", "created_at": 1, "status": "running"}
    (folder / "eval.json").write_text(json.dumps(left))
    evaluations = Evaluations(tmp_path / "evaluations", "tiny")
    record = evaluations.get(folder.name)
    assert record is not None and record.status == "failed" and record.error == "the server stopped during it"
    assert [e.id for e in evaluations.of_job("ftjob-a")] == [folder.name] and evaluations.of_job("ftjob-b") == []
    assert evaluations.report(folder.name) is None


def test_evaluation_ids_that_are_not_ours_never_become_paths(tmp_path):
    evaluations = Evaluations(tmp_path / "evaluations", "tiny")
    (tmp_path / "eval.json").write_text("{}")
    for sneaky in ("..", "../eval-" + "0" * 24, "eval-" + "0" * 23 + "/", "eval-" + "0" * 24 + "/../.."):
        assert evaluations.get(sneaky) is None and evaluations.report(sneaky) is None


def test_after_signing_in_next_is_a_path_on_this_server_or_the_jobs_page():
    assert safe_next("/jobs/ftjob-1?x=2") == "/jobs/ftjob-1?x=2"
    for elsewhere in ("//evil.example", "https://evil.example/", "/\\evil.example", "jobs", "", "javascript:x"):
        assert safe_next(elsewhere) == "/", elsewhere


def test_the_playground_toolbox_lists_and_calls_real_tools_and_reports_a_server_that_would_not_start(tmp_path):
    from mcp_servers import bundled_servers

    servers = {"calc": ServerConfig(**bundled_servers()["calc"])}
    servers["broken"] = ServerConfig(command=sys.executable, args=[str(tmp_path / "missing.py")])
    toolbox = Toolbox(lambda: servers)
    try:
        names = {t["spec"]["function"]["name"]: t for t in toolbox.tools()}
        assert set(names) == {"calc__evaluate", "calc__convert_units"} and not names["calc__evaluate"]["asks_first"]
        status = {s["name"]: s["error"] for s in toolbox.status()}
        assert status["calc"] is None and status["broken"]
        assert toolbox.call("calc__evaluate", {"expression": "6*7"}).text == "6*7 = 42"
        assert toolbox.call("calc__nope", {}).is_error
    finally:
        toolbox.close()


def test_one_evaluation_runs_at_a_time_and_one_that_fails_keeps_the_eval_cli_s_reason(tmp_path):
    import time

    import pytest

    from training.service.dashboard.evaluations import EvaluationBusy

    evaluations = Evaluations(tmp_path / "evaluations", str(tmp_path / "no-such-model"))
    first = evaluations.start("ftjob-a", "ft:x", str(tmp_path / "no-adapter"), b'{"id": "t"}\n')
    with pytest.raises(EvaluationBusy, match=f"evaluation {first.id} is still running"):
        evaluations.start("ftjob-a", "ft:x", str(tmp_path / "no-adapter"), b'{"id": "t"}\n')
    deadline = time.monotonic() + 60
    while (record := evaluations.get(first.id)) is not None and record.status == "running":
        assert time.monotonic() < deadline, "the failing evaluation never ended"
        time.sleep(0.1)  # a poll of a subprocess's outcome on disk, bounded above
    assert record is not None and record.status == "failed" and record.error
    assert record.error.startswith("looptune eval exited ") and record.finished_at is not None
