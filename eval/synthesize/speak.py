"""A request in English for one call: a generic grammar over the tool's description and parameter names.

The verb phrase comes from the description's first sentence ("Shows the
working tree status" -> "show the working tree status"), or from the tool
name when there is none; each argument is said as its parameter's words and
its value. Frames vary the surface (imperative, "can you", indirect, with a
background clause) and the argument order. A user's own templates
(`examples`) fill `{param}` slots with the same values. This module knows
nothing of servers or execution.
"""

from __future__ import annotations

import random
import re
from typing import Any

_FRAMES: tuple[tuple[str, str], ...] = (
    ("imperative", "{Verb} {args}."),
    ("can-you", "Can you {verb} {args}?"),
    ("could-you-please", "Could you please {verb} {args}?"),
    ("indirect", "I'd like you to {verb} {args}."),
    ("need", "I need to {verb} {args} - can you do that?"),
    ("background", "{Background}, so please {verb} {args}."),
    ("split", "Please {verb}. {Args}."),
)
_BACKGROUNDS = (
    "I'm sorting out a few things this morning",
    "Quick one before my meeting",
    "A friend just asked me about this",
    "I'm planning the week ahead",
)
_ARG_STYLES = ("with", "using", "colon")
# Free-text parameters are quoted so the value's boundary is clear ("add a note 'buy milk'").
_FREE_TEXT = re.compile(r"title|text|content|message|body|note|query|search|name|subject|summary|comment|description")
_IMPERATIVE_ES = re.compile(r"(ches|shes|sses|xes|zes)$")


def verb_phrase(tool_name: str, description: str | None) -> str:
    """The tool's purpose as an imperative phrase in lower case, without a final period."""
    # Parentheticals and examples are for the model, not what a person says.
    plain = re.sub(r"\s*\([^)]*\)?", "", (description or "").strip())
    plain = re.sub(r"\b(e\.g|i\.e|etc)\.", "", plain)
    first = re.split(r"(?<=[.!?;:])\s|\n", plain)[0].strip().rstrip(".!?:;,")
    if not first:
        return " ".join(_words(tool_name))
    head, _, rest = first.partition(" ")
    head = _imperative(head)
    if not head.isupper():  # keep acronyms ("SQL") as they are
        head = head[:1].lower() + head[1:]
    return f"{head} {rest}".strip()


def _imperative(word: str) -> str:
    """ "Shows" -> "Show", "Switches" -> "Switch"; a word already imperative is left alone."""
    if _IMPERATIVE_ES.search(word):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.lower() for w in re.split(r"[_\-\s.]+", spaced) if w]


def say_value(name: str, value: Any) -> str:
    """A value as a person writes it in a sentence."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        said = [say_value(name, v) for v in value]
        return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    if isinstance(value, dict):
        return ", ".join(f"{' '.join(_words(k))} {say_value(k, v)}" for k, v in value.items())
    if isinstance(value, str) and _FREE_TEXT.search(name.lower()) and " " in value:
        return f"'{value}'"
    return str(value)


def _say_arguments(arguments: dict[str, Any], style: str, rng: random.Random) -> str:
    names = list(arguments)
    if rng.random() < 0.5:
        rng.shuffle(names)
    parts = [f"{' '.join(_words(n))} {say_value(n, arguments[n])}" for n in names]
    if style == "colon":
        parts = [f"{' '.join(_words(n))}: {say_value(n, arguments[n])}" for n in names]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if style == "colon":
        return f"({joined})"
    return f"{style} {joined}"


def speak(tool_name: str, description: str | None, arguments: dict[str, Any], rng: random.Random) -> tuple[str, str]:
    """(request, frame id) for calling `tool_name` with `arguments`."""
    frame_id, frame = rng.choice(_FRAMES)
    verb = verb_phrase(tool_name, description)
    args = _say_arguments(arguments, rng.choice(_ARG_STYLES), rng) if arguments else ""
    if frame_id == "split" and args:
        args = f"Use {args.removeprefix('with ').removeprefix('using ')}"
    text = frame.format(
        verb=verb,
        Verb=verb[:1].upper() + verb[1:],
        args=args,
        Args=args[:1].upper() + args[1:],
        Background=rng.choice(_BACKGROUNDS),
    )
    return _tidy(text), frame_id


def fill_template(template: str, arguments: dict[str, Any]) -> str:
    """A user template with its `{param}` slots filled (values said as in `say_value`, unquoted)."""
    return _tidy(re.sub(r"\{(\w+)\}", lambda m: say_value("", arguments[m.group(1)]), template))


def template_slots(template: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", template)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.?,])", r"\1", text)
    return text.replace(". .", ".").replace("..", ".")
