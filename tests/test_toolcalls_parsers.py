"""Tool-call parsers: round trips, malformed output as typed errors, and safe streaming."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.toolcalls import PARSERS, ParsedCall, ParsedTurn, ToolCallParseError, get_parser, markers
from agent.toolcalls.parsers import hermes, llama3_json, pythonic
from tests.toolcall_strategies import CALLS, HERMES_CONTENT, content

FAST = settings(deadline=None, max_examples=120)
CONTENT = {
    "hermes": HERMES_CONTENT,
    "llama3_json": content(lambda s: not s.startswith("{") and llama3_json.TAG not in s),
    "pythonic": content(lambda s: pythonic.START.search(s) is None),
}
# Arbitrary text, biased towards the fragments every format is made of.
FRAGMENTS = [hermes.OPEN, hermes.CLOSE, llama3_json.TAG, "<tool_", "{", "}", '"name"', '"arguments"', '"parameters"']
FRAGMENTS += [":", ",", ";", "[", "]", "(", ")", "=", "**", '"', "'", "'''", "\\", "\n", " ", "#", "f", "a-b", "1", "-"]
FRAGMENTS += [
    "true",
    "null",
    "x=",
    '{"name": "f", "arguments": {}}',
    '{"name": "f", "parameters": {"a": 1}}',
    "[f(a=1)]",
]
TEXTS = st.text() | st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=25).map("".join)


def canonical(turn: ParsedTurn) -> str:
    """A type-strict form for comparing turns (true != 1, 1 != 1.0)."""
    calls = [[c.name, c.arguments] for c in turn.calls]
    return json.dumps([turn.content, calls, [[e.raw, e.reason, e.name] for e in turn.errors]], sort_keys=True)


def chunked(text: str, cuts: list[int]) -> list[str]:
    points = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    return [text[a:b] for a, b in zip(points, points[1:], strict=False)]


def stream_through(name: str, chunks: list[str]) -> tuple[list[str], ParsedTurn]:
    stream = get_parser(name).stream()
    shown = [stream.feed(chunk) for chunk in chunks]
    return shown, stream.finish()


# Round trips ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(PARSERS))
@FAST
@given(data=st.data())
def test_rendered_calls_and_content_parse_back_to_the_same_turn(name: str, data: st.DataObject):
    calls = data.draw(CALLS)
    content = data.draw(CONTENT[name])
    parser = get_parser(name)
    turn = parser.parse(parser.render(calls, content))
    assert canonical(turn) == canonical(ParsedTurn(content, calls, []))


@pytest.mark.parametrize("name", list(PARSERS))
def test_a_turn_with_several_calls_and_content_round_trips(name: str):
    calls = [
        ParsedCall("tasks__add_task", {"title": "buy milk", "due": "2026-11-27", "tags": ["a", "b"]}),
        ParsedCall("calc-eval", {"x": {"deep": [1, 2.5, True, None, {"k": "ü\n\"'"}]}, "class": -3, "a b": 0}),
        ParsedCall("9lives", {}),
    ]
    parser = get_parser(name)
    text = parser.render(calls, "Doing both now.")
    assert parser.parse(text) == ParsedTurn("Doing both now.", calls, [])


def test_hermes_renders_exactly_the_bundled_templates_call_block():
    text = hermes.render([ParsedCall("f", {"a": 1, "b": "x"})], "Hi")
    assert text == 'Hi\n<tool_call>\n{"name": "f", "arguments": {"a":1,"b":"x"}}\n</tool_call>'
    assert text == "Hi\n" + hermes.call_prefix("f") + '{"a":1,"b":"x"}' + hermes.CALL_SUFFIX
    assert hermes.render_call(ParsedCall("é", {})) == '<tool_call>\n{"name": "é", "arguments": {}}\n</tool_call>'


def test_llama3_json_renders_calls_joined_by_semicolons_and_accepts_the_python_tag():
    calls = [ParsedCall("f", {"a": 1}), ParsedCall("g", {})]
    assert llama3_json.render(calls, None) == '{"name": "f", "parameters": {"a": 1}}; {"name": "g", "parameters": {}}'
    turn = llama3_json.parse('<|python_tag|>{"name": "f", "arguments": {"a": 1}};{"name": "g"}')
    assert turn == ParsedTurn(None, calls, [])


def test_pythonic_renders_a_python_list_of_keyword_calls():
    call = ParsedCall("get_weather", {"city": "SF", "n": 3, "ok": True, "x": None})
    assert pythonic.render([call, ParsedCall("other", {})], None) == (
        '[get_weather(city="SF", n=3, ok=True, x=None), other()]'
    )


def test_pythonic_reads_json_spellings_and_tuples_as_json_values():
    turn = pythonic.parse("[f(a=true, b=null, c=false, d=(1, -2.5), e={'k': 'v'})]")
    assert turn.calls == [ParsedCall("f", {"a": True, "b": None, "c": False, "d": [1, -2.5], "e": {"k": "v"}})]


def test_plain_text_is_content_with_no_calls_in_every_format():
    for parser in PARSERS.values():
        assert parser.parse("  The answer is 4.\n") == ParsedTurn("The answer is 4.", [], [])
        assert parser.parse(" \n ") == ParsedTurn(None, [], [])


# Malformed output -------------------------------------------------------------

MALFORMED = [
    ("hermes", '<tool_call>\n{"name": "f", "arguments": {"a" 1}}\n</tool_call>', "invalid JSON in <tool_call> at char"),
    ("hermes", '<tool_call>{"arguments": {}}</tool_call>', 'missing "name"'),
    ("hermes", '<tool_call>{"name": "f", "arguments": [1]}</tool_call>', '"arguments" of f must be a JSON object'),
    ("hermes", "<tool_call>[1, 2]</tool_call>", "expected a JSON object, got an array"),
    ("hermes", '<tool_call>{"name": "f"} trailing</tool_call>', "unexpected text after the JSON object"),
    ("hermes", '<tool_call>{"name": "f", "arguments": {"a": NaN}}</tool_call>', "NaN is not valid JSON"),
    ("hermes", 'Sure <tool_call>\n{"name": "f", "argu', "unclosed <tool_call>"),
    ("llama3_json", '{"name": "f", "parameters": {"a": }}', "invalid JSON call at char"),
    ("llama3_json", '{"parameters": {}}', 'missing "name"'),
    ("llama3_json", '{"name": "f", "parameters": "nope"}', '"parameters" of f must be a JSON object, got a string'),
    ("llama3_json", '<|python_tag|>{"name": "f", "param', "invalid JSON call"),
    ("pythonic", "[f(1)]", "keyword arguments only"),
    ("pythonic", "[f(a=x)]", "argument a of f is not a literal"),
    ("pythonic", "[f(a=1 +)]", "invalid Python syntax"),
    ("pythonic", "[f(a={1: 2})]", "dict key that is not a string"),
    ("pythonic", '[f(a="unclosed)]', "unclosed f("),
    ("pythonic", "[f(a=1e999)]", "not a JSON value"),
]


@pytest.mark.parametrize(("name", "text", "reason"), MALFORMED)
def test_malformed_calls_become_typed_errors_with_an_actionable_reason(name: str, text: str, reason: str):
    turn = get_parser(name).parse(text)
    assert turn.calls == []
    assert len(turn.errors) == 1
    error = turn.errors[0]
    assert isinstance(error, ToolCallParseError)
    assert reason in error.reason
    assert "write " in error.reason and "\n" not in error.reason
    assert error.raw and error.raw in text


@pytest.mark.parametrize("text", [text for name, text, _ in MALFORMED if name == "hermes"])
def test_a_malformed_hermes_calls_raw_is_its_body_without_the_tags(text: str):
    raw = hermes.parse(text).errors[0].raw
    assert hermes.OPEN not in raw and hermes.CLOSE not in raw
    assert raw == raw.strip() and raw in text


def test_the_raw_of_an_unclosed_hermes_call_is_the_text_after_the_opening_tag():
    assert hermes.parse('Sure <tool_call>\n{"name": "f", "argu').errors[0].raw == '{"name": "f", "argu'


def test_an_error_names_the_tool_when_the_name_was_readable():
    assert hermes.parse('<tool_call>{"name": "f", "arguments": 3}</tool_call>').errors[0].name == "f"
    assert pythonic.parse("[f(1)]").errors[0].name == "f"


def test_good_calls_survive_next_to_a_malformed_one():
    text = '<tool_call>{"name": "a", "arguments": {}}</tool_call><tool_call>{bad}</tool_call>'
    turn = hermes.parse(text)
    assert turn.calls == [ParsedCall("a", {})]
    assert len(turn.errors) == 1


def test_a_broken_call_list_keeps_the_calls_before_the_break_and_reports_it():
    turn = pythonic.parse("[f(a=1) g()]")
    assert turn.calls == [ParsedCall("f", {"a": 1})]
    assert [e.reason.split(";")[0] for e in turn.errors] == ["expected , or ] at char 8"]


def test_a_json_encoded_arguments_string_is_accepted_as_an_object():
    turn = hermes.parse('<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>')
    assert turn.calls == [ParsedCall("f", {"a": 1})]


def test_deeply_nested_output_is_an_error_not_a_crash():
    for name, text in [("hermes", "<tool_call>" + "[" * 100_000 + "</tool_call>"), ("pythonic", "[f(a=" + "[" * 5000)]:
        turn = get_parser(name).parse(text)
        assert turn.errors and not turn.calls


@pytest.mark.parametrize("name", list(PARSERS))
@settings(deadline=None, max_examples=250)
@given(text=TEXTS)
def test_parsing_never_raises_on_arbitrary_text(name: str, text: str):
    turn = get_parser(name).parse(text)
    assert turn.content is None or (turn.content and turn.content == turn.content.strip())
    assert all(isinstance(c.arguments, dict) and c.name for c in turn.calls)


def test_an_unknown_parser_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="known: hermes, llama3_json, pythonic"):
        get_parser("mistral")


# Streaming ----------------------------------------------------------------------


def test_hermes_stream_holds_back_a_partial_tag_until_it_is_disambiguated():
    stream = get_parser("hermes").stream()
    assert stream.feed("Let me look <tool_") == "Let me look"
    assert stream.feed("x> up") == " <tool_x> up"
    assert stream.feed(' <tool_call>\n{"name": "f", "arguments": {}}') == ""
    assert stream.feed("\n</tool_call>\nDone") == " \nDone"
    assert stream.finish() == ParsedTurn("Let me look <tool_x> up \nDone", [ParsedCall("f", {})], [])


def test_llama3_json_stream_shows_nothing_of_an_output_that_starts_as_json():
    stream = get_parser("llama3_json").stream()
    assert [stream.feed(c) for c in [" ", '{"name', '": "f"}']] == ["", "", ""]
    assert stream.finish().calls == [ParsedCall("f", {})]


def test_pythonic_stream_holds_a_line_that_may_open_a_call_list():
    stream = get_parser("pythonic").stream()
    assert stream.feed("Checking.\n[get") == "Checking."
    assert stream.feed("_weather") == ""
    assert stream.feed("] is a link") == "\n[get_weather] is a link"


@pytest.mark.parametrize("name", list(PARSERS))
@settings(deadline=None, max_examples=150)
@given(text=TEXTS, cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_streaming_arbitrary_text_shows_only_a_prefix_of_the_final_content(name: str, text: str, cuts: list[int]):
    shown, turn = stream_through(name, chunked(text, cuts))
    assert (turn.content or "").startswith("".join(shown))
    assert canonical(turn) == canonical(get_parser(name).parse(text))


# Text that marks the start of tool-call text in each format (never in generated content).
MARKER = {
    "hermes": lambda calls: hermes.OPEN,
    "llama3_json": lambda calls: '{"name": ',
    "pythonic": lambda calls: "[" + pythonic.render_call(calls[0]),
}


@pytest.mark.parametrize("name", list(PARSERS))
@settings(deadline=None, max_examples=100)
@given(data=st.data(), cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_streaming_a_rendered_turn_never_shows_tool_call_text(name: str, data: st.DataObject, cuts: list[int]):
    calls = data.draw(CALLS.filter(bool))
    content = data.draw(CONTENT[name])
    parser = get_parser(name)
    text = parser.render(calls, content)
    shown, turn = stream_through(name, chunked(text, cuts))
    assert "".join(shown) == (content or "")[: len("".join(shown))]
    assert MARKER[name](calls) not in "".join(shown)
    assert canonical(turn) == canonical(ParsedTurn(content, calls, []))


def _shown_of(name: str, text: str) -> Any:
    return "".join(stream_through(name, list(text))[0])


def test_a_finished_stream_has_shown_the_whole_content_except_held_trailing_text():
    assert _shown_of("hermes", "Hi there\n<tool_call>\n{}\n</tool_call>") == "Hi there"
    assert _shown_of("pythonic", "Hi there\n[f(a=1)]") == "Hi there"
    assert _shown_of("llama3_json", 'Hi there<|python_tag|>{"name": "f"}') == "Hi there"


# Template markers -----------------------------------------------------------------

MARKER_TEXTS = st.lists(
    st.sampled_from([*markers.HERMES_STOPS, *markers.HERMES_STRAYS, "</", "<|im_", "<tool_", "tool", ">", "a b", "\n"])
    | st.text(max_size=3),
    max_size=20,
).map("".join)


def test_a_hermes_answer_ends_at_an_opening_template_marker_and_loses_stray_closing_ones():
    turn = hermes.parse("4</tool_response>\n is the sum.<|im_end|>\n<|im_start|>user\nthanks")
    assert turn == ParsedTurn("4\n is the sum.", [], [])
    assert hermes.parse("Done.</tool_call>\n<tool_response>\nok\n</tool_response>").content == "Done."
    assert hermes.parse("<tools>\n{}\n</tools>") == ParsedTurn(None, [], [])


def test_a_marker_inside_a_call_s_arguments_is_part_of_the_call():
    text = '<tool_call>\n{"name": "f", "arguments": {"s": "<|im_end|></tool_response>"}}\n</tool_call>'
    assert hermes.parse(text) == ParsedTurn(None, [ParsedCall("f", {"s": "<|im_end|></tool_response>"})], [])
    assert not hermes.stopped(text)


def test_the_hermes_stream_never_shows_part_of_a_marker_and_says_when_the_answer_ended():
    stream = get_parser("hermes").stream()
    assert stream.feed("Sum: 4</tool_res") == "Sum: 4"
    assert stream.feed("ponse> ok <|im_") == " ok"
    assert not stream.stopped
    assert stream.feed("start|>user\nmore") == ""
    assert stream.stopped
    assert stream.finish() == ParsedTurn("Sum: 4 ok", [], [])


def test_server_content_is_cleaned_of_markers_whole_or_streamed():
    text = "It is 4.</tool_response>\nDone<|im_end|>junk"
    assert markers.clean(text) == "It is 4.\nDone"
    stream = markers.MarkerFilter()
    pieces = [stream.feed(c) for c in ["It is 4.</to", "ol_response>\nDo", "ne<|im", "_end|>junk"]]
    assert pieces == ["It is 4.", "\nDo", "ne", ""] and stream.finish() == ""
    held = markers.MarkerFilter()
    assert held.feed("a </tool_") == "a " and held.finish() == "</tool_"


@settings(deadline=None, max_examples=200)
@given(text=MARKER_TEXTS, cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_streamed_server_content_is_exactly_the_cleaned_content(text: str, cuts: list[int]):
    stream = markers.MarkerFilter()
    shown = "".join(stream.feed(chunk) for chunk in chunked(text, cuts)) + stream.finish()
    assert shown == markers.clean(text)


@settings(deadline=None, max_examples=200)
@given(
    before=HERMES_CONTENT,
    stop=st.sampled_from(markers.HERMES_STOPS),
    after=MARKER_TEXTS,
    cuts=st.lists(st.integers(min_value=0), max_size=12),
)
def test_whatever_follows_a_stop_marker_is_neither_shown_nor_kept(before, stop, after, cuts):
    shown, turn = stream_through("hermes", chunked(f"{before or ''}{stop}{after}", cuts))
    assert turn == ParsedTurn(before, [], [])
    assert "".join(shown) == (before or "")
