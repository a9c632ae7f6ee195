"""Field kinds of the tool universe: a JSON schema, a value sampler and how a value is said.

A field kind is a type-level part ("a money amount", "an email", "a delivery
address"); a domain names its fields by kind and the actions turn fields into
parameters. `say` returns one spoken form of a value that a reader maps back
to exactly that value (dates in several formats, small integers in words).
This module knows nothing of domains, tools, MCP or tasks. Stdlib only.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcp_servers.synthetic.kinds import CITIES, COMPANIES, MONTHS, PEOPLE, STREETS, WORDS

SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
TITLES = (
    "Q3 review",
    "spring refresh",
    "north site",
    "team offsite",
    "client onboarding",
    "year end",
    "pilot batch",
    "blue project",
    "weekly sync",
    "launch prep",
    "budget check",
    "garden party",
)
NOTES = (
    "leave it at the front desk",
    "call before noon",
    "handle with care",
    "bring the signed copy",
    "second floor, door on the left",
    "use the side entrance",
    "ask for Maria",
    "priority customer",
    "check the attachment",
    "no rush on this one",
)


@dataclass(frozen=True)
class FieldKind:
    """A typed part: `schema` (no description), `sample(rng)`, `say(value, rng)` -> words."""

    key: str
    schema: dict[str, Any]
    sample: Callable[[random.Random], Any]
    say: Callable[[Any, random.Random], str] = lambda v, rng: str(v)
    labels: dict[Any, tuple[str, ...]] = field(default_factory=dict)  # enum values said in words
    hint: str = ""  # appended to the parameter description ("YYYY-MM-DD")


def _pick(pool: tuple[Any, ...]) -> Callable[[random.Random], Any]:
    return lambda rng: rng.choice(pool)


def _date(rng: random.Random) -> str:
    return f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def say_date(value: str, rng: random.Random) -> str:
    """ISO, "March 3, 2027", "3 March 2027" or "3/14/2027" (US order only when unambiguous)."""
    year, month, day = (int(part) for part in value[:10].split("-"))
    forms = [value[:10], f"{MONTHS[month - 1]} {day}, {year}", f"{day} {MONTHS[month - 1]} {year}"]
    if day > 12 or day == month:
        forms.append(f"{month}/{day}/{year}")
    return rng.choice(forms)


def _datetime(rng: random.Random) -> str:
    return f"{_date(rng)}T{rng.randrange(8, 20):02d}:{rng.choice(('00', '15', '30', '45'))}:00"


def say_datetime(value: str, rng: random.Random) -> str:
    hour, minute = int(value[11:13]), value[14:16]
    clock = rng.choice((f"{hour:02d}:{minute}", f"{hour % 12 or 12}:{minute} {'pm' if hour >= 12 else 'am'}"))
    return rng.choice((f"{say_date(value, rng)} at {clock}", f"{clock} on {say_date(value, rng)}"))


def say_int(value: int, rng: random.Random) -> str:
    """Small integers sometimes in words ("three")."""
    return SMALL[value] if 0 <= value < len(SMALL) and rng.random() < 0.5 else str(value)


def _number(low: float, high: float, step: float) -> Callable[[random.Random], float]:
    return lambda rng: round(low + step * rng.randrange(int((high - low) / step) + 1), 2)


def _money_say(value: float, rng: random.Random) -> str:
    return f"{value:g}"


def _email(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}.{rng.choice(PEOPLE).split()[1].lower()}@example.com"


def _letters(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))


def _uri(rng: random.Random) -> str:
    return f"https://files.example.com/{rng.choice(WORDS)}/{rng.randrange(100, 999)}"


def _and(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def enum(key: str, values: tuple[str, ...], said: dict[str, tuple[str, ...]] | None = None) -> FieldKind:
    """A string enum; values are said by their words (`said`, default: the value with spaces)."""
    said = said or {}
    labels = {v: said.get(v, (v.replace("_", " "),)) for v in values}
    return FieldKind(
        key, {"type": "string", "enum": list(values)}, _pick(values), lambda v, rng: rng.choice(labels[v]), labels
    )


def identifier(prefix: str) -> FieldKind:
    """An entity id like INV-40213."""
    return FieldKind(f"id:{prefix}", {"type": "string"}, lambda rng: f"{prefix}-{rng.randrange(10000, 99999)}")


def _address(rng: random.Random) -> dict[str, str]:
    return {"street": rng.choice(STREETS), "city": rng.choice(CITIES), "postcode": str(rng.randrange(10000, 99999))}


def _contact(rng: random.Random) -> dict[str, str]:
    return {"name": rng.choice(PEOPLE), "email": _email(rng)}


KINDS: dict[str, FieldKind] = {
    k.key: k
    for k in (
        FieldKind("money", {"type": "number", "minimum": 0}, _number(5, 4000, 0.5), _money_say),
        FieldKind("number", {"type": "number", "minimum": 0}, _number(0.5, 60, 0.5), _money_say),
        FieldKind("count", {"type": "integer", "minimum": 1, "maximum": 50}, lambda rng: rng.randrange(1, 13), say_int),
        FieldKind("big", {"type": "integer", "minimum": 1}, lambda rng: rng.randrange(20, 5000), lambda v, r: str(v)),
        FieldKind(
            "percent", {"type": "integer", "minimum": 0, "maximum": 100}, lambda rng: rng.randrange(1, 100), say_int
        ),
        FieldKind("minutes", {"type": "integer", "minimum": 5}, lambda rng: rng.choice((10, 15, 30, 45, 60, 90, 120))),
        FieldKind("date", {"type": "string", "format": "date"}, _date, say_date, hint="YYYY-MM-DD"),
        FieldKind("datetime", {"type": "string", "format": "date-time"}, _datetime, say_datetime, hint="ISO 8601"),
        FieldKind("email", {"type": "string", "format": "email"}, _email),
        FieldKind("uri", {"type": "string", "format": "uri"}, _uri),
        FieldKind("person", {"type": "string"}, _pick(PEOPLE)),
        FieldKind("company", {"type": "string"}, _pick(COMPANIES)),
        FieldKind("city", {"type": "string"}, _pick(CITIES)),
        FieldKind("title", {"type": "string"}, _pick(TITLES), lambda v, rng: f"'{v}'"),
        FieldKind("note", {"type": "string"}, _pick(NOTES), lambda v, rng: f"'{v}'"),
        FieldKind("phone", {"type": "string"}, lambda rng: f"+1-555-{rng.randrange(1000, 9999)}"),
        FieldKind("code", {"type": "string"}, lambda rng: f"{_letters(rng)}-{rng.randrange(100, 9999)}"),
        FieldKind("bool", {"type": "boolean"}, _pick((True, False)), labels={True: ("yes",), False: ("no",)}),
        FieldKind(
            "tags",
            {"type": "array", "items": {"type": "string"}},
            lambda rng: rng.sample(WORDS, rng.randrange(1, 3)),
            lambda v, rng: _and(list(v)),
        ),
        FieldKind(
            "emails",
            {"type": "array", "items": {"type": "string", "format": "email"}},
            lambda rng: [_email(rng) for _ in range(rng.randrange(1, 3))],
            lambda v, rng: _and(list(v)),
        ),
        FieldKind(
            "address",
            {
                "type": "object",
                "properties": {k: {"type": "string"} for k in ("street", "city", "postcode")},
                "required": ["street", "city", "postcode"],
            },
            _address,
            lambda v, rng: f"{v['street']}, {v['city']} {v['postcode']}",
        ),
        FieldKind(
            "contact",
            {
                "type": "object",
                "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}},
                "required": ["name", "email"],
            },
            _contact,
            lambda v, rng: f"{v['name']} ({v['email']})",
        ),
        enum(
            "currency",
            ("USD", "EUR", "GBP", "JPY", "CHF"),
            {
                "USD": ("dollars", "USD"),
                "EUR": ("euros", "EUR"),
                "GBP": ("pounds", "GBP"),
                "JPY": ("yen", "JPY"),
                "CHF": ("Swiss francs", "CHF"),
            },
        ),
        enum("priority", ("low", "normal", "high", "urgent")),
        enum(
            "format",
            ("csv", "json", "pdf", "xlsx"),
            {"csv": ("CSV",), "json": ("JSON",), "pdf": ("PDF",), "xlsx": ("Excel", "XLSX")},
        ),
        enum("size", ("small", "medium", "large")),
        enum("color", ("red", "green", "blue", "black", "white")),
        enum("level", ("beginner", "intermediate", "advanced")),
        enum("channel", ("email", "sms", "push"), {"sms": ("text message", "SMS"), "push": ("push notification",)}),
    )
}


def kind_of(spec: str) -> FieldKind:
    """`money`, or an inline enum `enum(a/b/c)`."""
    if spec.startswith("enum(") and spec.endswith(")"):
        values = tuple(spec[5:-1].split("/"))
        return enum("enum:" + "|".join(values), values)
    if spec not in KINDS:
        raise KeyError(f"unknown field kind {spec!r}; known: {', '.join(sorted(KINDS))} or enum(a/b)")
    return KINDS[spec]
