"""Tool arguments: parsed once from the wire's JSON string, validated against the tool schema.

Every problem becomes one sentence naming the field, which goes back to the
model as a tool error so it can correct the call.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match

from agent.errors import LooptuneError


class ArgumentError(LooptuneError, ValueError):
    """Arguments that cannot be dispatched; the message is model-readable."""


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """Parse a JSON-object argument string (an empty string means no arguments)."""
    if raw is None or isinstance(raw, dict):
        return dict(raw or {})
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ArgumentError(f"arguments are not valid JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(value, dict):
        raise ArgumentError(f"arguments must be a JSON object, got {type(value).__name__}")
    return value


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> Draft202012Validator | None:
    schema = json.loads(schema_json)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return None  # a server's broken schema must not block its tool; the server validates too
    return Draft202012Validator(schema)


def _describe(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = f"{path}." if path else ""
        return f"missing required argument '{where}{missing}'"
    if error.validator == "additionalProperties":
        return f"unexpected argument: {error.message}"
    return f"argument '{path or '(root)'}': {error.message}"


def validate_arguments(arguments: dict[str, Any], schema: dict[str, Any]) -> None:
    """Raise ArgumentError naming the first offending field, if any."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    if validator is None:
        return
    error = best_match(validator.iter_errors(arguments))
    if error is not None:
        raise ArgumentError(_describe(error))
