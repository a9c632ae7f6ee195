"""Training examples from trace files: token ids plus the assistant-only loss mask, checked before training.

Each kept trace is rendered with the project's tool template (the one the
local backend, vLLM and llama.cpp serve with), so the model learns exactly
the format it will be prompted with. The mask comes from the template's
`{% generation %}` blocks; an example whose mask is all zeros, or whose
assistant turns do not train their end-of-turn token (the "model never
stops" bug), is an error, not a silent zero-loss step. Invalid lines, failed
episodes and over-long examples are skipped and counted. It knows nothing of
trainers or models beyond a tokenizer.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import USAGE, LooptuneError
from agent.messages import ToolSpec, parse_messages
from agent.toolcalls.template import template_inputs
from training.traces.checks import line_problems

END_OF_TURN = "<|im_end|>"


class DataError(LooptuneError, ValueError):
    """Training data that cannot be used as it is; names the file and line."""

    exit_code = USAGE


@dataclass
class Example:
    input_ids: list[int]
    assistant_masks: list[int]
    source: str  # file:line, for error messages
    category: str = "unknown"  # the task category the trace came from (meta.category)

    @property
    def trained_tokens(self) -> int:
        return sum(self.assistant_masks)


@dataclass
class DataReport:
    examples: list[Example] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def tokens(self) -> int:
        return sum(len(e.input_ids) for e in self.examples)


def load_examples(paths: list[str], tokenizer: Any, template: str, max_length: int) -> DataReport:
    """Every usable trace in `paths`, encoded; skips (with counts) invalid, failed and over-long ones."""
    report = DataReport()
    for path in paths:
        for number, line in _lines(Path(path)):
            where = f"{path}:{number}"
            record, problems = line_problems(line)
            if problems:
                report.skipped["invalid trace"] += 1
                continue
            meta = record.get("meta") or {}
            if meta.get("passed") is False:
                report.skipped["failed episode"] += 1
                continue
            example = encode(record, tokenizer, template, where)
            if len(example.input_ids) > max_length:
                report.skipped[f"longer than max_length {max_length}"] += 1
                continue
            example.category = str(meta.get("category", "unknown"))
            report.examples.append(example)
    return report


def _lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read training data: {exc.strerror}") from exc
    return [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]


def encode(record: dict[str, Any], tokenizer: Any, template: str, where: str = "<trace>") -> Example:
    """Token ids and assistant mask of one trace, rendered exactly as the local backend prompts."""
    messages = parse_messages(record["messages"])
    tools = [ToolSpec.model_validate(t) for t in record["tools"]]
    wire, specs = template_inputs(messages, tools)
    out = tokenizer.apply_chat_template(
        wire,
        tools=specs,
        chat_template=template,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    example = Example(list(out["input_ids"]), list(out["assistant_masks"]), where)
    check_mask(example, tokenizer, sum(1 for m in messages if m.role == "assistant"))
    return example


def check_mask(example: Example, tokenizer: Any, assistant_turns: int) -> None:
    """Fail loudly on a mask that trains nothing, or that leaves an assistant turn's end-of-turn untrained."""
    if not any(example.assistant_masks):
        raise DataError(f"{example.source}: the assistant-only mask is all zeros (does the template mark turns?)")
    end = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    trained_ends = sum(1 for t, m in zip(example.input_ids, example.assistant_masks, strict=True) if t == end and m)
    if trained_ends != assistant_turns:
        raise DataError(
            f"{example.source}: {trained_ends} of {assistant_turns} assistant turns train their {END_OF_TURN} "
            "(a model that never learns to stop)"
        )


def split(examples: list[Example], share: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(train, eval): a seeded shuffle, then the last `share` held out."""
    shuffled = examples[:]
    random.Random(seed).shuffle(shuffled)
    cut = len(shuffled) - int(round(len(shuffled) * share))
    return shuffled[:cut], shuffled[cut:]
