"""What OpenAI's fine-tuning API and TRL would refuse in a trace, as one sentence per problem.

`record_problems` looks at one parsed JSON line: shape, tool specs, roles and
order, tool-call ids answered exactly once, arguments that parse and fit the
tool's schema, no empty assistant turns, a final answer at the end. Token
length is not checked here (it needs a tokenizer); see `validate`. This
module knows nothing of files or of how traces were made.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from agent.hub.arguments import ArgumentError, parse_arguments, validate_arguments

TOP_LEVEL = {"messages", "tools", "meta"}
ROLES = {"system", "developer", "user", "assistant", "tool"}


def record_problems(record: Any) -> list[str]:
    """Every problem of one trace record (empty when it is valid)."""
    if not isinstance(record, dict):
        return [f"a trace must be a JSON object, got {type(record).__name__}"]
    problems = [f"unexpected top-level key {key!r}" for key in sorted(record.keys() - TOP_LEVEL)]
    messages, tools = record.get("messages"), record.get("tools")
    if not isinstance(messages, list) or not messages:
        return [*problems, "'messages' must be a non-empty list"]
    if not isinstance(tools, list):
        return [*problems, "'tools' must be a list"]
    if "meta" in record and not isinstance(record["meta"], dict):
        problems.append("'meta' must be an object")
    schemas, tool_problems = tool_schemas(tools)
    return problems + tool_problems + message_problems(messages, schemas)


def tool_schemas(tools: list[Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """(parameters schema by tool name, problems of the tool specs)."""
    schemas: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for i, tool in enumerate(tools):
        name, schema, problem = _tool(tool)
        if problem:
            problems.append(f"tools[{i}]: {problem}")
        elif name in schemas:
            problems.append(f"tools[{i}]: duplicate tool name {name!r}")
        else:
            schemas[name] = schema
    return schemas, problems


def _tool(tool: Any) -> tuple[str, dict[str, Any], str | None]:
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(function, dict) or tool.get("type") != "function":
        return "", {}, 'expected {"type": "function", "function": {...}}'
    name, schema = function.get("name"), function.get("parameters", {"type": "object"})
    if not isinstance(name, str) or not name:
        return "", {}, "function.name must be a non-empty string"
    if not isinstance(schema, dict):
        return name, {}, f"{name}: parameters must be a JSON schema object"
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return name, {}, f"{name}: parameters is not a valid JSON schema ({exc.message})"
    return name, schema, None


def message_problems(messages: list[Any], schemas: dict[str, dict[str, Any]]) -> list[str]:
    """Roles, order, ids and arguments of a conversation."""
    problems: list[str] = []
    pending: dict[str, str] = {}  # tool_call id -> tool name, awaiting a tool message
    seen_ids: set[str] = set()
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ROLES:
            problems.append(f"{where}: role must be one of {', '.join(sorted(ROLES))}, got {role!r}")
            continue
        problems += _order(i, role, messages, pending)
        if role == "assistant":
            problems += _assistant(where, message, schemas, pending, seen_ids)
        elif role == "tool":
            problems += _tool_result(where, message, pending)
        elif not isinstance(message.get("content"), str | list):
            problems.append(f"{where}: {role} message needs content")
    problems += [f"tool call {cid!r} ({name}) has no tool message answering it" for cid, name in pending.items()]
    return problems + _ending(messages)


def _order(i: int, role: str, messages: list[Any], pending: dict[str, str]) -> list[str]:
    where = f"messages[{i}]"
    if role in ("system", "developer") and i != 0:
        return [f"{where}: a {role} message may only come first"]
    if role == "tool" and (i == 0 or messages[i - 1].get("role") not in ("assistant", "tool")):
        return [f"{where}: a tool message must follow an assistant message with tool_calls"]
    if role in ("user", "assistant") and pending:
        return [f"{where}: {role} message before every tool call was answered ({', '.join(pending)})"]
    first = 1 if messages[0].get("role") in ("system", "developer") else 0
    if i == first and role != "user":
        return [f"{where}: the conversation must start with a user message, got {role}"]
    return []


def _assistant(
    where: str, message: dict[str, Any], schemas: dict[str, dict[str, Any]], pending: dict[str, str], seen: set[str]
) -> list[str]:
    calls = message.get("tool_calls") or []
    content = message.get("content")
    if not calls and not (isinstance(content, str) and content.strip()) and not (isinstance(content, list) and content):
        return [f"{where}: empty assistant message (no content and no tool_calls)"]
    problems = []
    for j, call in enumerate(calls):
        problems += _call(f"{where}.tool_calls[{j}]", call, schemas, pending, seen)
    return problems


def _call(
    where: str, call: Any, schemas: dict[str, dict[str, Any]], pending: dict[str, str], seen: set[str]
) -> list[str]:
    function = call.get("function") if isinstance(call, dict) else None
    call_id = call.get("id") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(call_id, str) or not call_id:
        return [f"{where}: expected {{'id', 'type': 'function', 'function': {{'name', 'arguments'}}}}"]
    if call_id in seen:
        return [f"{where}: duplicate tool_call id {call_id!r}"]
    seen.add(call_id)
    name = function.get("name")
    pending[call_id] = str(name)
    if name not in schemas:
        return [f"{where}: unknown tool {name!r} (not in tools)"]
    return _arguments(where, name, function.get("arguments"), schemas[name])


def _arguments(where: str, name: str, raw: Any, schema: dict[str, Any]) -> list[str]:
    if not isinstance(raw, str):
        return [f"{where}: {name} arguments must be a JSON string, got {type(raw).__name__}"]
    try:
        validate_arguments(parse_arguments(raw), schema)
    except ArgumentError as exc:
        return [f"{where}: {name}: {exc}"]
    return []


def _tool_result(where: str, message: dict[str, Any], pending: dict[str, str]) -> list[str]:
    call_id = message.get("tool_call_id")
    if call_id not in pending:
        return [f"{where}: tool message answers {call_id!r}, which no open tool call has"]
    del pending[call_id]
    if not isinstance(message.get("content"), str | list):
        return [f"{where}: tool message needs content"]
    return []


def _ending(messages: list[Any]) -> list[str]:
    roles = [m.get("role") for m in messages if isinstance(m, dict)]
    if "assistant" not in roles:
        return ["no assistant message"]
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant" or last.get("tool_calls"):
        return ["the last message must be the assistant's final answer (content, no tool_calls)"]
    return []


def line_problems(text: str) -> tuple[Any, list[str]]:
    """(parsed record or None, problems) of one JSONL line."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"not JSON: {exc.msg} (column {exc.colno})"]
    return record, record_problems(record)
