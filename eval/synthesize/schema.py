"""Argument values sampled from a tool's JSON schema, as a person would say them.

Enums come from the enum, numbers respect minimum/maximum (and the default
when there is one), formats (date, date-time, email, uri) give values of that
shape, and strings are picked by what the parameter's name and description
suggest (a timezone, a title, a file name...). Optional parameters are
included only sometimes. Whether a value is *accepted* is not decided here:
the execution check runs the call on the real server.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

OPTIONAL_SHARE = 0.35
# Word in the parameter's name or description -> values a person would type. Checked in order.
_EMAILS = ("alex@example.com", "sam.lee@example.org")
_URLS = ("https://example.com/report", "https://example.org/docs")
_VOCABULARY: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (
        ("iana", "timezone", "time zone", "tz"),
        ("Asia/Tokyo", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Europe/London", "Australia/Sydney"),
    ),
    (("hh:mm",), ("09:30", "14:15", "18:00", "07:45", "12:00", "21:30")),
    (("expression", "formula"), ("17 * 23", "(12 + 8) / 4", "2 ^ 10", "15% of 2340", "sqrt(144) + 7", "1,250 * 12")),
    (("email", "e-mail"), _EMAILS),
    (("url", "uri", "link", "website"), _URLS),
    (("city", "location", "place"), ("Lisbon", "Osaka", "Toronto", "Nairobi", "Oslo", "Lima")),
    (("restaurant", "venue", "hotel", "cafe", "shop"), ("Casa Lisboa", "Blue Lotus", "The Copper Pot", "Nonna's")),
    (("company", "organization", "organisation"), ("Acme Corp", "Northwind", "Globex")),
    (("country",), ("Portugal", "Japan", "Canada", "Kenya", "Norway", "Peru")),
    (("currency",), ("EUR", "USD", "JPY", "GBP")),
    (("language", "lang", "locale"), ("en", "fr", "de", "es")),
    (("code", "python", "script"), ("print(sum(range(10)))", "print(2 ** 16)", "print(len('looptune'))")),
    (("sql",), ("SELECT 1",)),
    (("path", "file", "filename", "directory", "folder"), ("notes.txt", "report.md", "todo.txt", "budget.csv")),
    (("tag", "label", "category"), ("work", "home", "errands", "travel", "health")),
    (
        ("title", "subject", "summary"),
        ("pay rent", "call the dentist", "book flights", "renew passport", "water the plants", "send the invoice"),
    ),
    (("query", "search", "keyword", "pattern", "term"), ("budget", "meeting notes", "invoice", "holiday plans")),
    (
        ("message", "text", "content", "body", "note", "comment"),
        (
            "the wifi password is hunter2",
            "buy oat milk",
            "the plumber comes on Thursday",
            "Maya's birthday is in May",
            "parking is on level 3",
            "return the library books",
            "the gate code is 4821",
            "try the new ramen place",
        ),
    ),
    (("first name", "first_name"), ("Maya", "Jonas", "Priya", "Tomás")),
    (("last name", "last_name", "surname"), ("Okafor", "Lindqvist", "Moreau", "Silva")),
    (("name", "user", "person", "author", "contact"), ("Maya Okafor", "Jonas Lindqvist", "Priya Shah", "Tomás Silva")),
    (("color", "colour"), ("blue", "green", "red")),
    (("phone",), ("+1 555 0100",)),
]
# Units a person converts between, grouped so that one call's units are of one kind.
_UNIT_GROUPS = (("km", "mi", "m", "ft"), ("kg", "lb", "g", "oz"), ("°C", "°F"), ("L", "gal", "ml"), ("GiB", "MB"))
_DATES = ("2026-12-24", "2027-01-15", "2026-11-30", "2027-03-02")
_DATETIMES = ("2026-12-24T09:30:00", "2027-01-15T14:00:00")


@dataclass
class Sampler:
    """Samples one call's arguments; one instance per call keeps e.g. units coherent."""

    rng: random.Random
    optional_share: float = OPTIONAL_SHARE
    _units: tuple[str, ...] = field(default=(), init=False)
    _used: set[str] = field(default_factory=set, init=False)

    def arguments(self, schema: dict[str, Any], force: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Every required property, each optional one with `optional_share` (always those in `force`)."""
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        out: dict[str, Any] = {}
        for name, sub in properties.items():
            if name in required or name in force or self.rng.random() < self.optional_share:
                value = self.value(name, sub if isinstance(sub, dict) else {})
                if value is not None:
                    out[name] = value
        return out

    def value(self, name: str, schema: dict[str, Any]) -> Any:
        """A value for one property (None when its schema allows nothing we can produce)."""
        schema = _non_null(schema)
        if "enum" in schema and schema["enum"]:
            return self.rng.choice([v for v in schema["enum"] if v is not None] or [None])
        if "const" in schema:
            return schema["const"]
        kind = _type(schema)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind in ("integer", "number"):
            return self._number(name, schema, kind)
        if kind == "array":
            return self._array(name, schema)
        if kind == "object":
            return self.arguments(schema) if schema.get("properties") else None
        return self._string(name, schema)

    def _number(self, name: str, schema: dict[str, Any], kind: str) -> int | float:
        low = schema.get("minimum", schema.get("exclusiveMinimum", 1))
        high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + _span(name)))
        if "default" in schema and self.rng.random() < 0.3:
            return schema["default"]
        if kind == "integer" or self.rng.random() < 0.6:
            # Exclusive bounds leave out the bound itself.
            low_i, high_i = int(low) + ("exclusiveMinimum" in schema), int(high) - ("exclusiveMaximum" in schema)
            return self.rng.randint(low_i, max(low_i, high_i))
        return round(self.rng.uniform(float(low), float(high)), 1)

    def _array(self, name: str, schema: dict[str, Any]) -> list[Any]:
        items = schema.get("items")
        if not isinstance(items, dict):
            items = {"type": "string"}
        count = max(int(schema.get("minItems", 1)), self.rng.randint(1, 2))
        count = min(count, int(schema.get("maxItems", count)))
        values: list[Any] = []
        for _ in range(count * 3):
            value = self.value(_singular(name), items)
            if value is not None and value not in values:
                values.append(value)
            if len(values) == count:
                break
        return values

    def _string(self, name: str, schema: dict[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "date":
            return self.rng.choice(_DATES)
        if fmt == "date-time":
            return self.rng.choice(_DATETIMES)
        if fmt == "email":
            return self.rng.choice(_EMAILS)
        if fmt in ("uri", "url", "iri"):
            return self.rng.choice(_URLS)
        words = f"{name} {schema.get('description', '')}".lower().replace("_", " ")
        if "unit" in words:
            return self._unit()
        if re.search(r"\bdate\b|yyyy-mm-dd|\bdue\b|\bday\b", words):
            return self.rng.choice(_DATES)
        for keys, values in _VOCABULARY:
            if any(re.search(rf"\b{re.escape(k)}\b", words) for k in keys):
                return self._fit(self._distinct(values), schema)
        example = re.search(r"e\.g\.,?\s*'([^']+)'", schema.get("description", ""))
        if example:
            return example.group(1)
        return self._fit(self.rng.choice(("example", "sample", "demo")), schema)

    def _distinct(self, values: tuple[str, ...]) -> str:
        """A value this call has not used yet where possible (a conversion from Tokyo to Tokyo says nothing)."""
        fresh = [v for v in values if v not in self._used] or list(values)
        value = self.rng.choice(fresh)
        self._used.add(value)
        return value

    def _unit(self) -> str:
        if not self._units:
            self._units = tuple(self.rng.sample(self.rng.choice(_UNIT_GROUPS), 2))
        unit, self._units = self._units[0], self._units[1:] or self._units
        return unit

    def _fit(self, value: str, schema: dict[str, Any]) -> str:
        if "maxLength" in schema:
            value = value[: int(schema["maxLength"])]
        return value


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, null]` (pydantic's Optional) is X; the description and default stay."""
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key) or [] if isinstance(o, dict) and o.get("type") != "null"]
        if options:
            rest = {k: v for k, v in schema.items() if k != key}
            return {**options[0], **{k: v for k, v in rest.items() if k in ("description", "default")}}
    return schema


def _type(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return kind


def _span(name: str) -> int:
    """How large a number a person would give for this parameter."""
    words = set(re.split(r"[_\W]+", name.lower()))
    if words & {"count", "limit", "max", "top", "k", "lines", "n", "id", "days"}:
        return 9
    return 99


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name
