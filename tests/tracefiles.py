"""Trace files as `looptune traces` reads and writes them: a valid trace, its known defects, the CLI entry points."""

from __future__ import annotations

import copy
import json
from pathlib import Path

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


def traces_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def generate(tasks: Path, out: Path, *extra: str) -> int:
    return main(["traces", "generate", "--tasks", str(tasks), "--teacher", "oracle", "-o", str(out), *extra])
