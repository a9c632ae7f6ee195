"""Which chat template and tool-call parser a model uses, and rendering prompts with it.

A model whose own template renders tools keeps it (with the parser its format
needs); any other model gets the bundled Hermes-style `hermes.jinja`, the one
file used for training, in-process inference, vLLM and llama.cpp. The
tokenizer is any object with transformers' `apply_chat_template`; this module
never imports transformers and knows nothing of the loop or decoding.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from agent.messages import Message, ToolSpec
from agent.toolcalls.parsers import hermes

TEMPLATE_PATH = Path(__file__).with_name("hermes.jinja")
_TAG = re.compile(r"\{[{%](.*?)[}%]\}", re.DOTALL)
_TOOLS = re.compile(r"\btools\b")
_PYTHONIC = re.compile(r"\[\s*[A-Za-z_]\w*\(\s*[A-Za-z_]\w*\s*=")


@cache
def hermes_template() -> str:
    """The bundled Hermes-style ChatML template (read once)."""
    return TEMPLATE_PATH.read_text(encoding="utf-8")


def supports_tools(chat_template: str | None) -> bool:
    """Whether a template renders `tools` (uses the variable inside a Jinja tag)."""
    if not chat_template:
        return False
    return any(_TOOLS.search(tag) for tag in _TAG.findall(chat_template))


def _parser_for(chat_template: str) -> str | None:
    if hermes.OPEN in chat_template:
        return "hermes"
    if _PYTHONIC.search(chat_template):
        return "pythonic"
    if "<|python_tag|>" in chat_template or '"parameters"' in chat_template:
        return "llama3_json"
    return None


def choose(chat_template: str | None) -> tuple[str, str]:
    """(template, parser name): the model's own if it renders tools in a known format, else the bundled one."""
    if chat_template and supports_tools(chat_template):
        parser = _parser_for(chat_template)
        if parser is not None:
            return chat_template, parser
    return hermes_template(), "hermes"


def _message(message: Message) -> dict[str, Any]:
    """Wire dict with tool-call arguments decoded to objects, as vLLM hands them to templates."""
    data = message.to_wire()
    for call in data.get("tool_calls") or []:
        call["function"]["arguments"] = _decoded(call["function"].get("arguments", "{}"))
    return data


def _decoded(arguments: str) -> Any:
    try:
        value = json.loads(arguments)
    except (ValueError, RecursionError):
        return arguments
    return value if isinstance(value, dict) else arguments


def template_inputs(messages: list[Message], tools: list[ToolSpec] | None) -> tuple[list[dict], list[dict] | None]:
    """(messages, tools) as `apply_chat_template` takes them: wire dicts, call arguments as objects."""
    return [_message(m) for m in messages], [t.to_wire() for t in tools] if tools else None


def render_text(
    tokenizer: Any,
    messages: list[Message],
    tools: list[ToolSpec] | None,
    *,
    chat_template: str,
    add_generation_prompt: bool = True,
) -> str:
    """The prompt text for these messages and tools."""
    wire, specs = template_inputs(messages, tools)
    return tokenizer.apply_chat_template(
        wire, tools=specs, chat_template=chat_template, add_generation_prompt=add_generation_prompt, tokenize=False
    )


def render(
    tokenizer: Any,
    messages: list[Message],
    tools: list[ToolSpec] | None,
    *,
    chat_template: str,
    add_generation_prompt: bool = True,
) -> list[int]:
    """The prompt token ids for these messages and tools."""
    text = render_text(
        tokenizer, messages, tools, chat_template=chat_template, add_generation_prompt=add_generation_prompt
    )
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])
