"""Token length of a trace as training will see it: the chosen chat template, then the tokenizer.

`bundled` is the bundled SmolLM2 tokenizer, a path is a local tokenizer
directory (nothing is downloaded), `none` skips counting. The template is the
model's own when it renders tools, else the bundled Hermes template (DESIGN.md).
Loading is lazy: transformers is imported only when a tokenizer is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.messages import ToolSpec, parse_messages
from agent.toolcalls.template import choose, render

Counter = Callable[[dict[str, Any]], int]


class TokenizerError(ValueError):
    """A tokenizer that cannot be loaded; the message says which and why."""


def token_counter(spec: str) -> Counter | None:
    """A function from trace record to token count, or None for `none`."""
    if spec == "none":
        return None
    tokenizer = _load(spec)
    template, _ = choose(getattr(tokenizer, "chat_template", None))

    def count(record: dict[str, Any]) -> int:
        messages = parse_messages(record["messages"])
        tools = [ToolSpec.model_validate(tool) for tool in record.get("tools") or []]
        return len(render(tokenizer, messages, tools, chat_template=template, add_generation_prompt=False))

    return count


def _load(spec: str) -> Any:
    if spec == "bundled":
        from agent.backends.local.loader import bundled_tokenizer

        return bundled_tokenizer()
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise TokenizerError(f"tokenizer not found: {spec} (give bundled, none, or a local tokenizer directory)")
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as exc:
        raise TokenizerError(f"{path}: cannot load a tokenizer: {str(exc).splitlines()[0]}") from exc
