"""`looptune traces generate`: verified oracle traces through the real loop.

A killed generation: tests/faults/test_traces_kills.py.
"""

from __future__ import annotations

import json

from agent.cli.main import main
from agent.shortlist import DEFAULT_METHOD
from eval.families import generate_tasks
from eval.tasks import write_tasks
from tests.tracefiles import generate, traces_of


def test_oracle_traces_are_kept_with_real_tool_results_and_task_meta(tmp_path, capsys):
    tasks = tmp_path / "tasks.jsonl"
    write_tasks(tasks, generate_tasks(None, "train", 12, seed=5))
    out = tmp_path / "traces.jsonl"
    # Every tool listed: an oracle call to a tool the shortlist left out is (rightly) rejected as a format error.
    assert generate(tasks, out, "--jobs", "3", "--shortlist", "0") == 0
    traces = traces_of(out)
    assert len(traces) == 12
    assert {t["meta"]["teacher"] for t in traces} == {"oracle"}
    assert all(t["meta"]["passed"] and t["tools"] for t in traces)
    tool_turns = [m for t in traces for m in t["messages"] if m["role"] == "tool"]
    assert tool_turns and all(m["content"] for m in tool_turns)
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"kept": 12, "rejected": 0, "skipped": 0}
    saved = json.loads((tmp_path / "traces.jsonl.config.json").read_text())
    assert saved["settings"]["teacher"] == "oracle" and saved["settings"]["jobs"] == 3
    assert saved["settings"]["tasks"] == str(tasks.resolve()) and saved["last_run"]["kept"] == 12
    assert (saved["settings"]["distractors"], saved["settings"]["shortlist"]) == ("all", 0)


def test_traces_show_the_shortlist_of_every_bundled_server_and_save_both_settings(tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    write_tasks(tasks, generate_tasks(["single_tool"], "train", 4, seed=2))
    for distractors in ("all", "none"):
        out = tmp_path / f"{distractors}.jsonl"
        assert generate(tasks, out, "--distractors", distractors, "--shortlist", "3") == 0
        traces = traces_of(out)
        assert traces and all(
            [t["function"]["name"] for t in tr["tools"]] == tr["meta"]["shortlist"]["tools"] for tr in traces
        )
        assert all(len(tr["tools"]) == 3 or tr["meta"]["shortlist"]["mounted"] <= 3 for tr in traces)
        saved = json.loads(out.with_name(out.name + ".config.json").read_text())["settings"]
        assert (saved["distractors"], saved["shortlist"], saved["shortlist_method"]) == (distractors, 3, DEFAULT_METHOD)
        mounted = {tr["meta"]["shortlist"]["mounted"] for tr in traces}
        if distractors == "all":
            everything = mounted
    assert min(everything) > max(mounted)  # every bundled server besides the task's own, then only its own


def test_a_teacher_that_fails_the_checks_has_its_episodes_rejected_with_reasons(tmp_path, capsys):
    tasks = tmp_path / "tasks.jsonl"
    write_tasks(tasks, generate_tasks(["single_tool"], "train", 3, seed=1))
    script = tmp_path / "lazy.jsonl"
    script.write_text('"I did it."\n' * 3)
    out = tmp_path / "traces.jsonl"
    code = main(
        ["traces", "generate", "--tasks", str(tasks), "--teacher", "scripted", "--script", str(script), "-o", str(out)]
        + ["--jobs", "1"]
    )
    assert code == 1  # nothing kept
    assert out.read_text() == ""
    rejected = traces_of(tmp_path / "traces.jsonl.rejected.jsonl")
    assert [r["task_id"] for r in rejected] == [t.id for t in generate_tasks(["single_tool"], "train", 3, seed=1)]
    assert all(r["reason"] for r in rejected)
