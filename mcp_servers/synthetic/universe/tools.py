"""Tools of the universe: (domain, action, variant) -> a named, described, schema'd tool.

Each variant of an action on a domain draws a naming convention (snake_case,
camelCase, PascalCase, kebab-case, dotted `invoice.create`; verb-noun or
noun-verb), a verb word for the name, a parameter naming style, which
optional parameters exist, and a description from terse to long. `universe()`
enumerates every tool, deterministically. `masked` renames a tool's function
and parameters to opaque ids (Hammer). This module knows nothing of MCP or of
tasks.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from mcp_servers.synthetic.universe.actions import READ_ONLY, ParamSpec, actions_of, params_for
from mcp_servers.synthetic.universe.domains import DOMAINS, Domain

VARIANTS = 5
_AN = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])")
CONVENTIONS = ("snake", "camel", "pascal", "kebab", "dotted")
NAME_VERBS = {
    "create": ("create", "add", "new", "make", "register"),
    "get": ("get", "fetch", "lookup", "read", "show"),
    "list": ("list", "search", "find", "query", "browse"),
    "update": ("update", "edit", "modify", "set", "change"),
    "delete": ("delete", "cancel", "remove", "void", "drop"),
    "send": ("send", "share", "email", "forward", "notify"),
    "schedule": ("schedule", "plan", "book", "set_time", "remind"),
    "compute": ("calculate", "estimate", "compute", "quote", "price"),
    "export": ("export", "download", "dump", "extract", "save"),
}
SUMMARIES = {
    "create": ("Create a new {noun}", "Add a {noun} record", "Register a {noun}", "Creates a {noun}"),
    "get": ("Get one {noun} by its id", "Look up a {noun}", "Fetch the details of a {noun}", "Return a single {noun}"),
    "list": ("List {nouns}, optionally filtered", "Search {nouns}", "Find {nouns} matching filters", "Browse {nouns}"),
    "update": ("Update an existing {noun}", "Change fields of a {noun}", "Edit a {noun}", "Modify a {noun} by id"),
    "delete": ("Delete a {noun}", "Cancel a {noun}", "Remove a {noun} permanently", "Void a {noun}"),
    "send": ("Send a {noun} to someone by email", "Share a {noun} with a recipient", "Email a copy of a {noun}"),
    "schedule": ("Schedule a {noun} for a date and time", "Set the time of a {noun}", "Plan a {noun} at a time"),
    "compute": ("Calculate the total for a quantity of {nouns}", "Estimate the cost of {nouns}", "Price {nouns}"),
    "export": ("Export {nouns} to a file", "Download {nouns} as a file", "Save a copy of all {nouns}"),
}
CLOSERS = (
    "Returns a confirmation reference.",
    "The reply carries a reference code.",
    "Use this only for {nouns}.",
    "Answers with a short reference you can quote back.",
)


@dataclass(frozen=True)
class UniverseParam:
    name: str  # the name in the schema
    spec: ParamSpec

    @property
    def required(self) -> bool:
        return self.spec.required


@dataclass(frozen=True)
class UniverseTool:
    """One tool: its MCP face (name, description, parameters) and what it is about."""

    name: str
    description: str
    parameters: dict[str, Any]
    domain: Domain
    action: str
    params: tuple[UniverseParam, ...]
    uid: str  # "invoice/create/3": stable across masking

    @property
    def read_only(self) -> bool:
        return self.action in READ_ONLY

    def param(self, role: str) -> UniverseParam | None:
        return next((p for p in self.params if p.spec.role == role), None)

    def found_id(self, code: str) -> str:
        """The id of the record a lookup with confirmation code `code` finds ("INV-K3F9A2")."""
        return f"{self.domain.id_prefix}-{code}"

    def answer(self, code: str) -> str:
        """The server's reply to an accepted call: a search names the id it found, so a next call can use it."""
        if self.action == "list":
            return f"{self.name}: 1 match, {self.domain.noun} id {self.found_id(code)} (reference {code})"
        return f"{self.name}: {'result' if self.read_only else 'done'}, reference {code}"


def plural(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    elif last.upper() != last:
        last += "s"
    else:
        last += "s"
    return f"{head} {last}".strip()


def articled(text: str) -> str:
    """ "a invoice" -> "an invoice"."""
    return _AN.sub(r"\1n ", text)


def _words(text: str) -> list[str]:
    return text.replace("-", " ").replace("'", "").replace("_", " ").lower().split()


def convention(words: list[str], style: str) -> str:
    """`words` joined in a naming convention."""
    if style == "snake":
        return "_".join(words)
    if style == "camel":
        return words[0] + "".join(w.capitalize() for w in words[1:])
    if style == "pascal":
        return "".join(w.capitalize() for w in words)
    if style == "kebab":
        return "-".join(words)
    raise ValueError(f"unknown naming convention {style!r}")


def tool_name(domain: Domain, action: str, rng: random.Random, style: str) -> str:
    verb = _words(rng.choice(NAME_VERBS[action]))
    noun = _words(rng.choice((domain.key, domain.key, domain.nouns[-1])))
    if style == "dotted":
        return "_".join(noun) + "." + "_".join(verb)
    words = verb + noun if rng.random() < 0.7 else noun + verb
    return convention(words, style)


def param_name(spec: ParamSpec, style: str, domain: Domain) -> str:
    words = _words(spec.field.name)
    if spec.role == "id" and style == "short":
        return "id"
    if style == "short" and len(words) > 1 and spec.role in ("field", "filter"):
        return words[-1] if words[-1] not in ("date", "at", "on") else "_".join(words)
    return convention(words, "camel" if style == "camel" else "snake")


def describe(domain: Domain, action: str, params: list[UniverseParam], rng: random.Random) -> str:
    """A description: terse (about half), medium, or long with its parameters (about one in five)."""
    noun = rng.choice(domain.nouns)
    summary = articled(rng.choice(SUMMARIES[action]).format(noun=noun, nouns=plural(noun)) + ".")
    length = rng.random()
    if length < 0.5:
        return summary
    closer = rng.choice(CLOSERS).format(nouns=plural(noun))
    if length < 0.8:
        return f"{summary} {closer}"
    required = [p.name for p in params if p.required]
    optional = [p.name for p in params if not p.required]
    parts = [summary]
    if required:
        parts.append(f"Requires {', '.join(required)}.")
    if optional:
        parts.append(f"Optional: {', '.join(optional)}; leave them out unless the user gives them.")
    if action in READ_ONLY:
        parts.append("Read-only: nothing is changed.")
    return " ".join([*parts, closer])


def schema(params: tuple[UniverseParam, ...] | list[UniverseParam]) -> dict[str, Any]:
    properties = {}
    for p in params:
        prop = dict(p.spec.field.kind.schema)
        hint = p.spec.field.kind.hint
        prop["description"] = p.spec.label + (f" ({hint})" if hint else "")
        if p.spec.role == "id":
            prop["description"] = f"{p.spec.label}, e.g. {p.spec.field.kind.sample(random.Random(0))}"
        if not p.required and p.spec.default is not None:
            prop["default"] = p.spec.default
        properties[p.name] = prop
    return {"type": "object", "properties": properties, "required": [p.name for p in params if p.required]}


def variant(domain: Domain, action: str, v: int) -> UniverseTool:
    """Variant `v` of `action` on `domain` (deterministic across processes)."""
    rng = random.Random(f"universe/{domain.key}/{action}/{v}")
    style = CONVENTIONS[(v + domain.index) % len(CONVENTIONS)]
    name = tool_name(domain, action, rng, style)
    pstyle = rng.choice(("snake", "snake", "camel" if style in ("camel", "pascal") else "snake", "short"))
    params = [UniverseParam(param_name(s, pstyle, domain), s) for s in params_for(action, domain, rng)]
    if len({p.name for p in params}) < len(params):  # "short" names may clash; fall back to full names
        params = [UniverseParam(param_name(p.spec, "snake", domain), p.spec) for p in params]
    description = describe(domain, action, params, rng)
    return UniverseTool(name, description, schema(params), domain, action, tuple(params), f"{domain.key}/{action}/{v}")


@cache
def universe() -> tuple[UniverseTool, ...]:
    """Every tool: VARIANTS variants of each action each domain offers."""
    return tuple(variant(d, a, v) for d in DOMAINS for a in actions_of(d) for v in range(VARIANTS))


@cache
def tools_of(domain_key: str) -> tuple[UniverseTool, ...]:
    return tuple(t for t in universe() if t.domain.key == domain_key)


def masked(tool: UniverseTool, rng: random.Random) -> UniverseTool:
    """`tool` with an opaque function name and opaque parameter names; descriptions keep the meaning."""
    params = tuple(UniverseParam(_opaque("p_", 3, rng), p.spec) for p in tool.params)
    return replace(tool, name=_opaque("fn_", 4, rng), params=params, parameters=schema(params))


def _opaque(prefix: str, length: int, rng: random.Random) -> str:
    return prefix + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(length))
