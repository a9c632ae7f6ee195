"""Chat-completions request bodies, validated at the edge and turned into the backend's `ChatRequest`.

Fields OpenAI defines that change nothing here (`user`, `metadata`,
`store`, ...) are accepted and ignored, as vLLM does; fields whose effect we
cannot honour (`n` > 1, `logprobs`, `response_format` beside tools) are
refused rather than silently dropped. `response_format` json_object and
json_schema become the request's response schema, which the backend's
grammar enforces. It knows nothing of HTTP or of which backend serves the request.
"""

from __future__ import annotations

from typing import Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from agent.backends.base import ChatRequest, NamedChoice, ToolChoice
from agent.errors import LooptuneError
from agent.messages import Message, ToolSpec
from agent.validation import first_error

# Far beyond any real tool schema; pydantic's serializer (which renders tools into the prompt) stops near 255.
MAX_DEPTH = 64


class RequestError(LooptuneError, ValueError):
    """A request the server refuses with 400; `param` names the field, `code` is OpenAI's error code for it."""

    def __init__(self, message: str, param: str | None = None, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.param, self.code = param, code


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class JsonSchemaFormat(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    name: str = Field(min_length=1, max_length=64)
    schema_: dict[str, Any] = Field(default_factory=lambda: {"type": "object"}, alias="schema")
    strict: bool | None = None  # the grammar enforces the schema either way


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


class ChatBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    messages: list[Message] = Field(min_length=1)
    tools: list[ToolSpec] | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool = True
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = Field(None, ge=-(2**63), le=2**63 - 1)  # OpenAI's int64; the sampler's generator takes no more
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1, le=1)
    logprobs: bool | None = Field(None, description="not supported")
    response_format: ResponseFormat | None = None

    @model_validator(mode="after")
    def _supported(self) -> ChatBody:
        if self.logprobs:
            raise ValueError("logprobs are not supported by looptune serve")
        if self.tool_choice not in (None, "auto", "none") and not self.tools:
            raise ValueError("tool_choice other than auto/none needs tools")
        return self

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


def parse_body(data: Any) -> ChatBody:
    """The validated body; a RequestError naming the first bad field otherwise."""
    if not isinstance(data, dict):
        raise RequestError("the request body must be a JSON object", code="invalid_type")
    for name, value in data.items():
        if _depth(value, MAX_DEPTH) > MAX_DEPTH:
            raise RequestError(f"{name} nests deeper than {MAX_DEPTH} levels", name)
    try:
        return ChatBody.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        param = ".".join(str(p) for p in error["loc"]) or None
        raise RequestError(first_error(exc, "body"), param, error_code(error)) from exc


def error_code(error: ErrorDetails) -> str:
    """OpenAI's `code` for a validation error: what a client can branch on (the message is for people)."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "missing_required_parameter"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "invalid_type"
    if kind == "too_short" and error.get("input") == []:
        return "empty_array"
    for bound, side in (("le", "above_max"), ("lt", "above_max"), ("ge", "below_min"), ("gt", "below_min")):
        if bound in context:
            number = "decimal" if isinstance(context[bound], float) else "integer"
            return f"{number}_{side}_value"
    return "invalid_value"


def _depth(value: Any, limit: int) -> int:
    """How deep `value` nests, counted up to `limit` + 1 (iterative: a hostile body cannot exhaust the stack)."""
    deepest, pending = 0, [(value, 1)]
    while pending and deepest <= limit:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        pending.extend((child, depth + 1) for child in children)
    return deepest


def chat_request(body: ChatBody) -> ChatRequest:
    """The backend request: a named tool_choice keeps only that tool and requires a call to it."""
    tools, choice = list(body.tools or []), body.tool_choice
    if isinstance(choice, NamedChoice):
        wanted = choice.function.name
        tools = [t for t in tools if t.name == wanted]
        if not tools:
            raise RequestError(f"tool_choice names {wanted!r}, which is not in tools", "tool_choice")
        choice = "required"
    stop = [body.stop] if isinstance(body.stop, str) else body.stop
    schema = response_schema(body.response_format, bool(tools) and choice != "none")
    return ChatRequest(
        messages=list(body.messages),
        tools=tools,
        temperature=body.temperature,
        top_p=body.top_p,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        stop=stop,
        seed=body.seed,
        tool_choice=choice,
        response_schema=schema,
    )


def response_schema(fmt: ResponseFormat | None, with_tools: bool) -> dict[str, Any] | None:
    """The JSON schema the whole reply must match (None: free text); RequestError if it cannot be honoured."""
    if fmt is None or fmt.type == "text":
        return None
    if with_tools:  # the grammar makes the whole reply one JSON value, which leaves no room for a call
        raise RequestError(
            "response_format json_object/json_schema cannot be combined with tools here", "response_format"
        )
    if fmt.type == "json_object":
        return {"type": "object"}
    if fmt.json_schema is None:
        raise RequestError(
            "json_schema is required with type json_schema", "response_format.json_schema", "missing_required_parameter"
        )
    schema = fmt.json_schema.schema_
    param = "response_format.json_schema.schema"
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise RequestError(f"the schema is not a valid JSON schema: {exc.message}", param) from exc
    if schema.get("type", "object") != "object":
        raise RequestError(f"the schema's root must be an object, not {schema['type']!r}", param)
    return schema
