"""`looptune traces validate|stats|export`: each defect reported as file:line: reason; --fix-out keeps the rest."""

from __future__ import annotations

import copy
import json
import re

import pytest

from agent.cli.main import main
from training.traces.tokens import token_counter
from training.traces.validate import validate_line

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
        broken(lambda r: r["messages"].__setitem__(slice(3, 5), [])),
        "tool call 'c1' (calc__evaluate) has no tool message answering it",
    ),
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
    (
        broken(lambda r: r["messages"].insert(3, {"role": "user", "content": "and 7*8?"})),
        "messages[3]: user message before every tool call was answered (c1)",
    ),
    (broken(lambda r: r["messages"].__setitem__(1, "What is 6*7?")), "messages[1]: a message must be a JSON object"),
    (
        broken(lambda r: r["messages"][3].update(tool_call_id=["c1"])),
        "messages[3]: tool_call_id must be a string",
    ),
    (
        broken(lambda r: r["messages"][1].update(content=[{"type": "image_url", "image_url": {"url": "x"}}])),
        'messages[1].content: content must be a string or a list of {"type": "text", "text": ...} parts',
    ),
    (
        broken(lambda r: r["messages"][2]["tool_calls"][0].update(type="code")),
        "messages[2].tool_calls[0].type: does not fit the OpenAI wire types (Input should be 'function')",
    ),
    (broken(lambda r: r["messages"][2]["tool_calls"][0]["function"].update(arguments="[1]")), "must be a JSON object"),
    (broken(lambda r: r.pop("tools")), "'tools' must be a list"),
    (broken(lambda r: r["messages"].__setitem__(slice(2, None), [])), "no assistant message"),
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


def test_fix_out_copies_valid_lines_byte_for_byte_whatever_their_line_endings(tmp_path, capsys):
    path, fixed = tmp_path / "t.jsonl", tmp_path / "fixed.jsonl"
    odd = json.dumps(GOOD, ensure_ascii=False).replace("42.", "quarante-deux\u2028é").encode()
    path.write_bytes(odd + b"\r\n" + b"{broken\n\n" + json.dumps(GOOD).encode())  # CRLF, blank line, no final LF
    code, out, err = validate(capsys, path, "--fix-out", str(fixed))
    assert code == 1 and out == f"{path}:2: {DEFECTS[0][1]}\n"
    assert fixed.read_bytes() == odd + b"\r\n" + json.dumps(GOOD).encode() + b"\n"


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


def test_validate_line_is_a_pure_function_other_code_can_reuse():
    assert validate_line(json.dumps(GOOD)) == []
    assert validate_line(json.dumps(GOOD).encode()) == []
    assert validate_line(b"\xff") == ["not JSON: invalid UTF-8 at byte 0"]
    assert validate_line("[1, 2]") == ["a trace must be a JSON object, got list"]
    assert validate_line(json.dumps(GOOD), counter=lambda record: 99, max_tokens=98) == ["99 tokens > --max-tokens 98"]


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory, bundled_tokenizer):
    """A directory holding only a saved tokenizer, as `--tokenizer PATH` takes it."""
    directory = tmp_path_factory.mktemp("tokenizer")
    bundled_tokenizer.save_pretrained(directory)
    return directory


def test_a_trace_over_the_token_limit_is_reported(tmp_path, capsys, tokenizer_dir):
    path = tmp_path / "t.jsonl"
    write(path, json.dumps(GOOD))
    code = main(["traces", "validate", str(path), "--tokenizer", str(tokenizer_dir), "--max-tokens", "50"])
    out = capsys.readouterr().out
    assert code == 1
    assert re.fullmatch(rf"{re.escape(str(path))}:1: \d+ tokens > --max-tokens 50\n", out)
    assert main(["traces", "validate", str(path), "--tokenizer", str(tokenizer_dir), "--max-tokens", "4000"]) == 0


def test_the_bundled_tokenizer_counts_like_its_saved_copy(tokenizer_dir):
    trace = json.dumps(GOOD)
    bundled, saved = token_counter("bundled"), token_counter(str(tokenizer_dir))
    assert bundled(json.loads(trace)) == saved(json.loads(trace)) > 50


def test_max_tokens_must_be_positive(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["traces", "validate", str(tmp_path / "t.jsonl"), "--max-tokens", "0"])
    assert exit_info.value.code == 2
    assert "must be a positive integer" in capsys.readouterr().err


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
    assert stats["invalid_line_numbers"] == [4]
    assert stats["length_unit"] == "characters"
    assert main(["traces", "stats", str(path), "--tokenizer", "none"]) == 0
    assert "calc__evaluate" in capsys.readouterr().out


def test_stats_split_lines_at_newlines_only(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(GOOD, ensure_ascii=False).replace("42.", "42\u2028\x85.") + "\n", encoding="utf-8")
    assert main(["traces", "stats", str(path), "--tokenizer", "none", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["traces"], stats["invalid_lines"]) == (1, 0)


def test_stats_count_tokens_with_a_tokenizer(tmp_path, capsys, tokenizer_dir):
    path = tmp_path / "t.jsonl"
    write(path, json.dumps(GOOD))
    assert main(["traces", "stats", str(path), "--tokenizer", str(tokenizer_dir), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["length_unit"] == "tokens"
    assert stats["length"]["min"] == stats["length"]["max"] == token_counter(str(tokenizer_dir))(GOOD)


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
