"""Corrupt trace files: lines that are not JSON, not traces, or traces that break the conversation's rules.

`traces validate` reports every problem of every line as file:line: reason, with a summary by kind.
"""

from __future__ import annotations

import json

import pytest

from tests.tracefiles import DEFECTS, GOOD, TOOL, broken, validate, write


@pytest.mark.parametrize(("line", "reason"), DEFECTS, ids=[reason[:40] for _, reason in DEFECTS])
def test_each_defect_is_reported_with_file_and_line(tmp_path, capsys, line, reason):
    path = tmp_path / "t.jsonl"
    write(path, json.dumps(GOOD), line)
    code, out, _ = validate(capsys, path)
    assert code == 1
    assert f"{path}:2: " in out and reason in out
    assert f"{path}:1:" not in out


def test_all_problems_of_all_lines_are_reported_with_a_summary_by_kind(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    write(path, DEFECTS[0][0], json.dumps(GOOD), broken(lambda r: (r.update(weights=1), r["tools"].append(TOOL))))
    code, out, err = validate(capsys, path)
    assert code == 1
    assert out.splitlines() == [
        f"{path}:1: {DEFECTS[0][1]}",
        f"{path}:3: unexpected top-level key 'weights'",
        f"{path}:3: tools[1]: duplicate tool name 'calc__evaluate'",
    ]
    assert "3 lines: 1 valid, 2 invalid (not JSON 1, extra top-level key 1, bad tool spec 1)" in err
