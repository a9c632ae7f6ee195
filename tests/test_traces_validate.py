"""`looptune traces validate|stats|export`: each defect reported as file:line: reason; --fix-out keeps the rest."""

from __future__ import annotations

import json
import re

import pytest

from agent.cli.main import main
from tests.tracefiles import DEFECTS, GOOD, validate, write
from training.traces.tokens import token_counter
from training.traces.validate import validate_line


def test_a_valid_file_passes(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    write(path, json.dumps(GOOD), json.dumps(GOOD))
    code, out, err = validate(capsys, path)
    assert (code, out) == (0, "")
    assert "2 lines: 2 valid, 0 invalid" in err


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
