"""`looptune traces validate|stats`: each defect class reported as file:line: reason; --fix-out keeps the rest."""

from __future__ import annotations

import copy
import json

import pytest

from agent.cli.main import main

TOOL = {
    "type": "function",
    "function": {
        "name": "calc__evaluate",
        "description": "Evaluate arithmetic.",
        "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]},
    },
}
GOOD = {
    "messages": [
        {"role": "system", "content": "You can call tools."},
        {"role": "user", "content": "What is 6*7?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "calc__evaluate", "arguments": '{"expression": "6*7"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "6*7 = 42"},
        {"role": "assistant", "content": "42."},
    ],
    "tools": [TOOL],
    "meta": {"category": "single_tool", "passed": True},
}


def broken(edit) -> str:
    record = copy.deepcopy(GOOD)
    edit(record)
    return json.dumps(record)


def set_arguments(text: str):
    return lambda r: r["messages"][2]["tool_calls"][0]["function"].update(arguments=text)


DEFECTS = [
    ("{not json", "not JSON: Expecting property name enclosed in double quotes (column 2)"),
    ("[1, 2]", "a trace must be a JSON object, got list"),
    (broken(lambda r: r.update(weights=1)), "unexpected top-level key 'weights'"),
    (
        broken(lambda r: r["messages"].insert(2, r["messages"].pop(0))),
        "messages[2]: a system message may only come first",
    ),
    (
        broken(lambda r: r["messages"].__setitem__(3, {**r["messages"][3], "tool_call_id": "zz"})),
        "messages[3]: tool message answers 'zz', which no open tool call has",
    ),
    (broken(lambda r: r["messages"].pop(3)), "messages[3]: assistant message before every tool call was answered (c1)"),
    (
        broken(lambda r: r["messages"].insert(4, dict(r["messages"][3]))),
        "messages[4]: tool message answers 'c1', which no open tool call has",
    ),
    (broken(set_arguments("{expression: 6*7}")), "calc__evaluate: arguments are not valid JSON"),
    (broken(set_arguments('{"expression": 42}')), "calc__evaluate: argument 'expression': 42 is not of type 'string'"),
    (broken(set_arguments("{}")), "calc__evaluate: missing required argument 'expression'"),
    (
        broken(lambda r: r["messages"][2]["tool_calls"][0]["function"].update(name="calc__guess")),
        "messages[2].tool_calls[0]: unknown tool 'calc__guess' (not in tools)",
    ),
    (broken(lambda r: r["tools"].append(TOOL)), "tools[1]: duplicate tool name 'calc__evaluate'"),
    (
        broken(lambda r: r["messages"].insert(2, {"role": "assistant", "content": ""})),
        "messages[2]: empty assistant message (no content and no tool_calls)",
    ),
    (broken(lambda r: r["messages"].pop()), "the last message must be the assistant's final answer"),
    (
        broken(lambda r: r["messages"].__setitem__(1, {"role": "robot", "content": "x"})),
        "messages[1]: role must be one of",
    ),
]


def write(path, *lines) -> None:
    path.write_text("".join(line + "\n" for line in lines))


def validate(capsys, path, *extra):
    code = main(["traces", "validate", str(path), "--tokenizer", "none", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_valid_file_passes(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    write(path, json.dumps(GOOD), json.dumps(GOOD))
    code, out, err = validate(capsys, path)
    assert (code, out) == (0, "")
    assert "2 lines: 2 valid, 0 invalid" in err


@pytest.mark.parametrize(("line", "reason"), DEFECTS, ids=[reason[:40] for _, reason in DEFECTS])
def test_each_defect_is_reported_with_file_and_line(tmp_path, capsys, line, reason):
    path = tmp_path / "t.jsonl"
    write(path, json.dumps(GOOD), line)
    code, out, _ = validate(capsys, path)
    assert code == 1
    assert f"{path}:2: " in out and reason in out
    assert f"{path}:1:" not in out


def test_fix_out_writes_exactly_the_valid_lines(tmp_path, capsys):
    path, fixed = tmp_path / "t.jsonl", tmp_path / "fixed.jsonl"
    good = json.dumps(GOOD, indent=None)
    write(path, good, DEFECTS[0][0], good.replace('"42."', '"forty-two"'), DEFECTS[5][0])
    code, _, err = validate(capsys, path, "--fix-out", str(fixed))
    assert code == 1
    assert fixed.read_text().splitlines() == [good, good.replace('"42."', '"forty-two"')]
    assert "wrote 2 valid lines" in err and "dropped 2" in err


def test_a_trace_over_the_token_limit_is_reported(tmp_path, capsys, tiny_model_dir):
    path = tmp_path / "t.jsonl"
    write(path, json.dumps(GOOD))
    code = main(["traces", "validate", str(path), "--tokenizer", str(tiny_model_dir), "--max-tokens", "50"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{path}:1: " in out and "tokens > --max-tokens 50" in out
    assert main(["traces", "validate", str(path), "--tokenizer", str(tiny_model_dir), "--max-tokens", "4000"]) == 0


def test_an_unknown_tokenizer_or_file_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    write(path, json.dumps(GOOD))
    assert main(["traces", "validate", str(path), "--tokenizer", str(tmp_path / "nope")]) == 2
    assert main(["traces", "validate", str(tmp_path / "missing.jsonl"), "--tokenizer", "none"]) == 2
    assert "no such trace file" in capsys.readouterr().err


def test_stats_count_categories_tools_and_steps_and_report_invalid_lines(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    chat = {
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
        "tools": [],
        "meta": {"category": "no_tool", "passed": True},
    }
    write(path, json.dumps(GOOD), json.dumps(GOOD), json.dumps(chat), "{broken")
    assert main(["traces", "stats", str(path), "--tokenizer", "none", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["traces"] == 3 and stats["invalid_lines"] == 1
    assert stats["by_category"] == {"single_tool": 2, "no_tool": 1}
    assert stats["calls_by_tool"] == {"calc__evaluate": 2}
    assert stats["steps"]["max"] == 2 and stats["calls_per_trace"]["min"] == 0
    assert main(["traces", "stats", str(path), "--tokenizer", "none"]) == 0
    assert "calc__evaluate" in capsys.readouterr().out


def test_export_drops_meta_and_skips_invalid_failed_and_other_category_lines(tmp_path, capsys):
    path, out = tmp_path / "t.jsonl", tmp_path / "openai.jsonl"
    failed = {**GOOD, "meta": {"category": "single_tool", "passed": False}}
    chat = {**GOOD, "meta": {"category": "no_tool", "passed": True}}
    write(path, json.dumps(GOOD), "{broken", json.dumps(failed), json.dumps(chat))
    assert main(["traces", "export", str(path), "-o", str(out), "--category", "single_tool"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows == [{"messages": GOOD["messages"], "tools": GOOD["tools"]}]
    err = capsys.readouterr().err
    assert "wrote 1 traces" in err and "1 invalid" in err and "1 failed episode" in err and "1 other category" in err
    assert main(["traces", "validate", str(out), "--tokenizer", "none"]) == 0
