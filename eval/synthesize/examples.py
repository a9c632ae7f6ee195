"""The optional examples file: a user's own request templates per tool, with `{param}` slots.

    examples:
      add_task: ["Remind me to {title} on {due}", "Put {title} on my list"]

Tool names may be bare (`add_task`) or exposed (`tasks__add_task`). The file
is validated with pydantic, then against the server's tools: an unknown tool,
a slot that is not a parameter, or a template that leaves out a required
parameter is an error naming the file, the line and the field. This module
knows nothing of servers beyond the tool schemas it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import USAGE, LooptuneError
from eval.synthesize.speak import template_slots


class ExamplesError(LooptuneError, ValueError):
    """A bad examples file; the message names file:line and the field."""

    exit_code = USAGE


class ExamplesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    examples: dict[str, Annotated[list[str], Field(min_length=1)]]


@dataclass
class Examples:
    """Templates by bare tool name, and where each one was written (file:line)."""

    templates: dict[str, list[str]]
    where: dict[tuple[str, int], str]

    def for_tool(self, tool: str) -> list[str]:
        return self.templates.get(tool, [])


def load_examples(path: str | Path, schemas: dict[str, dict[str, Any]]) -> Examples:
    """Parse and check `path` against `schemas` (bare tool name -> input schema)."""
    path = Path(path)
    text, root = _read(path)
    try:
        parsed = ExamplesFile.model_validate(yaml.safe_load(text) or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise ExamplesError(f"{path}:{_line(root, error['loc'])}: {field}: {error['msg']}") from exc
    templates: dict[str, list[str]] = {}
    where: dict[tuple[str, int], str] = {}
    for raw_name, items in parsed.examples.items():
        name = raw_name.split("__", 1)[1] if "__" in raw_name and raw_name not in schemas else raw_name
        if name not in schemas:
            line = _line(root, ("examples", raw_name))
            known = ", ".join(sorted(schemas)) or "none"
            raise ExamplesError(f"{path}:{line}: examples.{raw_name}: no such tool (tools: {known})")
        for index, template in enumerate(items):
            at = f"{path}:{_line(root, ('examples', raw_name, index))}"
            _check_template(at, f"examples.{raw_name}.{index}", template, schemas[name])
            where[(name, len(templates.get(name, [])))] = at
            templates.setdefault(name, []).append(template)
    return Examples(templates, where)


def _check_template(at: str, field: str, template: str, schema: dict[str, Any]) -> None:
    properties = set(schema.get("properties") or {})
    slots = template_slots(template)
    unknown = [s for s in slots if s not in properties]
    if unknown:
        names = ", ".join(sorted(properties)) or "none"
        raise ExamplesError(f"{at}: {field}: slot {{{unknown[0]}}} is not a parameter (parameters: {names})")
    missing = [p for p in schema.get("required") or [] if p not in slots]
    if missing:
        raise ExamplesError(f"{at}: {field}: the template never says required parameter {{{missing[0]}}}")


def _read(path: Path) -> tuple[str, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExamplesError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return text, yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ExamplesError(f"{path}:{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc


def _line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML entry at `loc` (a mapping entry's key line; the deepest that exists)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line
