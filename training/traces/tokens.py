"""Token length of a trace as training will see it: the chosen chat template, then the tokenizer.

`bundled` is the bundled SmolLM2 tokenizer (its converted copy when the local
backend has made one, else read straight from the GGUF without loading the
weights), a path is a local tokenizer directory or .gguf file (nothing is
downloaded), `none` skips counting. The template is the model's own when it
renders tools, else the bundled Hermes template (DESIGN.md). transformers is
imported only when a tokenizer is asked for. This module knows nothing of
files of traces or of what makes a trace valid: it counts records that are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.errors import LooptuneError
from agent.messages import ToolSpec, parse_messages
from agent.toolcalls.template import choose, render

Counter = Callable[[dict[str, Any]], int]


class TokenizerError(LooptuneError, ValueError):
    """A tokenizer that cannot be loaded; the message says which and why."""


def token_counter(spec: str) -> Counter | None:
    """A function from a valid trace record to its token count, or None for `none`."""
    if spec == "none":
        return None
    tokenizer = load_tokenizer(spec)
    template, _ = choose(getattr(tokenizer, "chat_template", None))

    def count(record: dict[str, Any]) -> int:
        messages = parse_messages(record["messages"])
        tools = [ToolSpec.model_validate(tool) for tool in record.get("tools") or []]
        return len(render(tokenizer, messages, tools, chat_template=template, add_generation_prompt=False))

    return count


def load_tokenizer(spec: str) -> Any:
    """The tokenizer named by `bundled` or a local path; raises TokenizerError."""
    from agent.backends.base import BackendError
    from agent.models.source import resolve

    if spec == "bundled":
        try:
            source = resolve("bundled")
        except BackendError as exc:
            raise TokenizerError(str(exc)) from exc
        return _from_pretrained(source.directory, source.gguf_file)
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return _from_pretrained(path.parent, path.name)
    if not path.is_dir():
        raise TokenizerError(f"tokenizer not found: {spec} (give bundled, none, a tokenizer directory or a .gguf file)")
    return _from_pretrained(path, None)


def _from_pretrained(directory: Path, gguf_file: str | None) -> Any:
    from transformers import AutoTokenizer

    from agent.models.loader import quiet_transformers

    kwargs = {"gguf_file": gguf_file} if gguf_file else {}
    try:
        with quiet_transformers():
            return AutoTokenizer.from_pretrained(directory, local_files_only=True, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        where = directory / (gguf_file or "")
        raise TokenizerError(f"{where}: cannot load a tokenizer: {str(exc).splitlines()[0]}") from exc
