"""Action archetypes of the tool universe and the parameters each one takes on a domain.

An archetype (create, get, list, update, delete, send, schedule, compute,
export) turns a domain's typed fields into parameters: creating needs the
first two fields, updating takes any field by id, listing filters by a few,
sending needs a recipient, and so on. Each parameter keeps a `role` so a
request generator knows how to say it. This module knows nothing of names,
descriptions, MCP or tasks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from mcp_servers.synthetic.universe.domains import Domain, Field
from mcp_servers.synthetic.universe.fields import KINDS, enum, identifier

ARCHETYPES = ("create", "get", "list", "update", "delete", "send", "schedule", "compute", "export")
ALWAYS = ("create", "get", "list", "update", "delete")
READ_ONLY = frozenset(("get", "list", "compute", "export"))
FILTERABLE = frozenset(("person", "company", "city", "bool", "email", "title", "priority", "level", "size", "color"))
REASON = enum(
    "reason", ("duplicate", "no_longer_needed", "mistake", "other"), {"no_longer_needed": ("no longer needed",)}
)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter before naming: the field it carries, its role in the action, required or not."""

    field: Field
    role: str  # "field", "id", "to", "at", ... (how a request says it)
    required: bool
    label: str  # what a person calls it ("due date", "recipient email")
    default: Any = None


def actions_of(domain: Domain) -> tuple[str, ...]:
    """The archetypes this domain offers: the five basic ones and two more (compute wherever it has a number)."""
    drawn = random.Random(f"actions/{domain.key}").sample(("send", "schedule", "export"), 2)
    extra = ["compute", drawn[0]] if _numeric(domain) else drawn
    return (*ALWAYS, *sorted(extra, key=ARCHETYPES.index))


def _numeric(domain: Domain) -> Field | None:
    return next((f for f in domain.fields if f.kind.key in ("money", "number")), None)


def _spec(f: Field, role: str = "field", required: bool = False, label: str = "", default: Any = None) -> ParamSpec:
    return ParamSpec(f, role, required, label or f.label, default)


def _id(domain: Domain) -> ParamSpec:
    return _spec(Field(f"{domain.key}_id", identifier(domain.id_prefix)), "id", True, f"{domain.noun} id")


def _default(f: Field, rng: random.Random) -> Any:
    """A default for an optional parameter, on some of them (booleans off, enums their first value)."""
    if rng.random() > 0.35:
        return None
    if f.kind.key == "bool":
        return False
    if "enum" in f.kind.schema:
        return f.kind.schema["enum"][0]
    return None


def params_for(action: str, domain: Domain, rng: random.Random) -> list[ParamSpec]:
    """The parameters of `action` on `domain`; `rng` decides which optional ones this variant keeps."""
    fields = list(domain.fields)
    keep = [f for f in fields[2:] if rng.random() < 0.7]
    if action == "create":
        return [*(_spec(f, required=True) for f in fields[:2]), *(_spec(f, default=_default(f, rng)) for f in keep)]
    if action == "get":
        return [_id(domain)]
    if action == "list":
        filters = [f for f in fields if f.kind.key in FILTERABLE or "enum" in f.kind.schema] or fields[:1]
        chosen = sorted(rng.sample(filters, min(len(filters), rng.randrange(1, 4))), key=fields.index)
        limit = _spec(Field("limit", KINDS["count"]), "limit", default=rng.choice((10, 20, None)))
        return [*(_spec(f, "filter") for f in chosen), limit]
    if action == "update":
        kept = [f for f in fields if rng.random() < 0.8] or fields[:2]
        return [_id(domain), *(_spec(f) for f in kept)]
    if action == "delete":
        return [
            _id(domain),
            _spec(Field("reason", REASON), "reason", label="reason"),
            _spec(Field("notify", KINDS["bool"]), "notify", label="notify", default=False),
        ][: rng.randrange(1, 4)]
    if action == "send":
        return [
            _id(domain),
            _spec(Field("to", KINDS["email"]), "to", True, "recipient email"),
            _spec(Field("message", KINDS["note"]), "message", label="message"),
            _spec(Field("cc", KINDS["emails"]), "cc", label="cc"),
        ][: rng.randrange(2, 5)]
    if action == "schedule":
        return [
            _id(domain),
            _spec(Field("at", KINDS["datetime"]), "at", True, "date and time"),
            _spec(Field("remind_minutes_before", KINDS["minutes"]), "remind", label="reminder"),
            _spec(Field("channel", KINDS["channel"]), "channel", label="channel", default="email"),
        ][: rng.randrange(2, 5)]
    if action == "compute":
        numeric = _numeric(domain)
        assert numeric is not None, f"compute offered on {domain.key} without a numeric field"
        return [
            _spec(numeric, required=True),
            _spec(Field("quantity", KINDS["count"]), "quantity", True, "quantity"),
            _spec(Field("discount_percent", KINDS["percent"]), "discount", label="discount"),
        ][: rng.randrange(2, 4)]
    if action == "export":
        return [
            _spec(Field("format", KINDS["format"]), "format", True, "file format"),
            _spec(Field("from_date", KINDS["date"]), "from", label="start date"),
            _spec(Field("to_date", KINDS["date"]), "until", label="end date"),
            _spec(Field("destination", KINDS["uri"]), "destination", label="destination"),
            _spec(Field("include_archived", KINDS["bool"]), "archived", label="archived", default=False),
        ][: rng.randrange(1, 6)]
    raise ValueError(f"unknown action archetype {action!r}; known: {', '.join(ARCHETYPES)}")
