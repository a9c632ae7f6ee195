"""Parameter kinds of synthetic tools: JSON schema, a value sampler and English phrases.

A kind knows how to describe itself in a schema, draw a value, and say that
value in a request ("for 4 people"); a tool generator combines kinds. This
module knows nothing of MCP or of tasks. Stdlib only, deterministic in `rng`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
CITIES = (
    "Lisbon",
    "Oslo",
    "Kyoto",
    "Denver",
    "Nairobi",
    "Lima",
    "Porto",
    "Seoul",
    "Zurich",
    "Austin",
    "Hanoi",
    "Dublin",
    "Tallinn",
    "Perth",
    "Quito",
    "Malaga",
)
PEOPLE = (
    "Ana Ruiz",
    "Ben Okafor",
    "Chen Wei",
    "Dana Levi",
    "Emil Berg",
    "Fatima Khan",
    "Gus Moreau",
    "Hana Sato",
    "Ivan Petrov",
    "Julia Costa",
    "Kofi Mensah",
    "Lena Vogel",
)
COMPANIES = (
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Ltd",
    "Hooli",
    "Vandelay Industries",
    "Stark Tools",
    "Wayne Foods",
)
WORDS = ("blue", "quiet", "summer", "urgent", "garden", "jazz", "focus", "travel", "family", "retro", "ocean", "night")
STREETS = (
    "12 Harbour Road",
    "7 Linden Street",
    "221 Baker Street",
    "48 Elm Avenue",
    "3 Mill Lane",
    "90 Kings Way",
    "15 Rue Cler",
    "5 Station Square",
)


@dataclass(frozen=True)
class Kind:
    """One parameter kind: schema, sampler, and phrase templates ({v} is the spoken value)."""

    schema: dict[str, Any]
    sample: Callable[[random.Random], Any]
    phrases: tuple[str, ...]
    speak: Callable[[Any], str] = str  # how a value is said (a date as "March 3, 2027")
    labels: dict[Any, tuple[str, ...]] = field(default_factory=dict)  # enum/bool values said in words


def _pick(pool: tuple[Any, ...]) -> Callable[[random.Random], Any]:
    return lambda rng: rng.choice(pool)


def _date(rng: random.Random) -> str:
    return f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def spoken_date(value: str) -> str:
    """`2027-03-04` as "March 4, 2027"."""
    year, month, day = (int(part) for part in value.split("-"))
    return f"{MONTHS[month - 1]} {day}, {year}"


def _time(rng: random.Random) -> str:
    return f"{rng.randrange(7, 23):02d}:{rng.choice(('00', '15', '30', '45'))}"


def _code(prefix: str) -> Callable[[random.Random], str]:
    return lambda rng: f"{prefix}-{rng.randrange(1000, 99999)}"


def _number(low: float, high: float, step: float) -> Callable[[random.Random], float]:
    return lambda rng: round(low + step * rng.randrange(int((high - low) / step) + 1), 2)


def _integer(low: int, high: int) -> Callable[[random.Random], int]:
    return lambda rng: rng.randrange(low, high + 1)


def enum(values: tuple[str, ...], description: str, said: dict[str, tuple[str, ...]], phrases: tuple[str, ...]) -> Kind:
    """A string enum whose values are said in words (`said`) inside `phrases`."""
    schema = {"type": "string", "enum": list(values), "description": description}
    return Kind(schema, _pick(values), phrases, labels={v: said.get(v, (v.replace("_", " "),)) for v in values})


def boolean(description: str, true: tuple[str, ...], false: tuple[str, ...]) -> Kind:
    """A boolean said as one of `true` / `false` (whole phrases, no {v})."""
    return Kind(
        {"type": "boolean", "description": description},
        _pick((True, False)),
        ("{v}",),
        labels={True: true, False: false},
    )


KINDS: dict[str, Kind] = {
    "city": Kind({"type": "string", "description": "city name"}, _pick(CITIES), ("in {v}", "for {v}")),
    "origin": Kind({"type": "string", "description": "departure city"}, _pick(CITIES), ("from {v}", "leaving {v}")),
    "destination": Kind({"type": "string", "description": "arrival city"}, _pick(CITIES), ("to {v}", "landing in {v}")),
    "date": Kind({"type": "string", "description": "date YYYY-MM-DD"}, _date, ("on {v}", "for {v}"), spoken_date),
    "start_date": Kind(
        {"type": "string", "description": "first day, YYYY-MM-DD"}, _date, ("starting {v}", "from {v}"), spoken_date
    ),
    "time": Kind({"type": "string", "description": "time HH:MM (24h)"}, _time, ("at {v}",)),
    "people": Kind(
        {"type": "integer", "minimum": 1, "maximum": 20, "description": "number of people"},
        _integer(1, 12),
        ("for {v} people", "a party of {v}", "{v} guests"),
    ),
    "days": Kind(
        {"type": "integer", "minimum": 1, "maximum": 14, "description": "number of days"},
        _integer(1, 14),
        ("for {v} days", "{v} days long"),
    ),
    "minutes": Kind(
        {"type": "integer", "minimum": 5, "maximum": 240, "description": "duration in minutes"},
        _integer(5, 120),
        ("for {v} minutes", "{v} minutes long"),
    ),
    "amount": Kind(
        {"type": "number", "minimum": 0, "description": "amount of money"},
        _number(5, 2000, 0.5),
        ("for {v}", "totalling {v}"),
    ),
    "weight": Kind(
        {"type": "number", "minimum": 0, "description": "weight in kg"},
        _number(0.5, 30, 0.5),
        ("weighing {v} kg", "{v} kg"),
    ),
    "distance": Kind(
        {"type": "number", "minimum": 0, "description": "distance in km"},
        _number(1, 42, 0.5),
        ("covering {v} km", "over {v} km"),
    ),
    "temperature": Kind(
        {"type": "number", "description": "degrees Celsius"}, _number(16, 26, 0.5), ("to {v} degrees", "at {v} °C")
    ),
    "percent": Kind(
        {"type": "integer", "minimum": 0, "maximum": 100, "description": "0-100"},
        _integer(0, 100),
        ("at {v} percent", "to {v}%"),
    ),
    "person": Kind({"type": "string", "description": "full name"}, _pick(PEOPLE), ("{v}",)),
    "company": Kind({"type": "string", "description": "company name"}, _pick(COMPANIES), ("{v}",)),
    "word": Kind({"type": "string", "description": "name"}, _pick(WORDS), ("called {v}", "named {v}")),
    "order_id": Kind({"type": "string", "description": "order id like ORD-1234"}, _code("ORD"), ("{v}",)),
    "tracking": Kind({"type": "string", "description": "tracking number"}, _code("TRK"), ("{v}",)),
    "email": Kind(
        {"type": "string", "description": "email address"},
        lambda rng: f"{rng.choice(WORDS)}.{rng.randrange(10, 99)}@example.com",
        ("email {v}", "with email {v}"),
    ),
    "text": Kind(
        {"type": "string", "description": "message text"},
        _pick(
            (
                "running late",
                "see you at noon",
                "call me back",
                "the report is ready",
                "lunch is on me",
                "meeting moved to 3pm",
                "don't forget the keys",
                "happy birthday",
            )
        ),
        ("saying '{v}'",),
    ),
    "names": Kind(
        {"type": "array", "items": {"type": "string"}, "description": "full names"},
        lambda rng: rng.sample(PEOPLE, rng.randrange(1, 4)),
        ("with {v}",),
        lambda v: " and ".join(v),
    ),
    "tags": Kind(
        {"type": "array", "items": {"type": "string"}, "description": "labels"},
        lambda rng: rng.sample(WORDS, rng.randrange(1, 3)),
        ("tagged {v}",),
        lambda v: " and ".join(v),
    ),
    "address": Kind(
        {
            "type": "object",
            "description": "delivery address",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}, "postcode": {"type": "string"}},
            "required": ["street", "city", "postcode"],
        },
        lambda rng: {
            "street": rng.choice(STREETS),
            "city": rng.choice(CITIES),
            "postcode": str(rng.randrange(10000, 99999)),
        },
        ("to {v}",),
        lambda v: f"{v['street']}, {v['city']} {v['postcode']}",
    ),
    "contact": Kind(
        {
            "type": "object",
            "description": "who to contact",
            "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
            "required": ["name", "email"],
        },
        lambda rng: {"name": rng.choice(PEOPLE), "email": f"{rng.choice(WORDS)}@example.org"},
        ("with contact {v}",),
        lambda v: f"{v['name']} ({v['email']})",
    ),
}
