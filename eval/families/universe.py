"""`universe`: requests against toolsets drawn from the tool universe, worded compositionally.

Each task mounts `universe-<seed>` (6-31 tools: the focus domain's actions,
related domains' same actions, random others; shuffled) and asks, in words
put together from typed parts (frame, request verb, object noun, argument
phrases in random order, background clause, dates in several formats, small
numbers in words), for one of four things:

- `call.<action>`: one call with spoken arguments (checked: called with them,
  and the answer quotes the tool's confirmation code);
- `irrelevant`: something for a domain none of whose tools is mounted (no
  call; the answer says it can't);
- `missing`: a call whose required argument is not said (no call; the answer
  asks for it);
- `chain`: look a record up by a filter, then act on the id the lookup
  returned.

Splits: domains (every fourth is held out, so test toolsets use tools no
training task used), frames, request verbs and background clauses (every
fourth of each pool is test-only) are all separate. With the `masked` option
a share of tasks gets opaque function and parameter names (Hammer). This
module knows how requests are worded, not how tools are generated.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from agent.naming import exposed_name
from eval.families.base import Ctx, Draft, Family, Intent, in_split
from eval.families.build import any_of, called, contains, no_calls, regex
from eval.families.dates import MONTHS, relative_date
from mcp_servers.synthetic.toolset import result_code
from mcp_servers.synthetic.universe import Toolset, draw_toolset, split_domains
from mcp_servers.synthetic.universe.actions import ARCHETYPES, actions_of
from mcp_servers.synthetic.universe.tools import UniverseParam, UniverseTool, articled, plural, tools_of

SEEDS = 1_000_000
OPTIONAL_RATE = 0.35
RELATIVE_DATE_RATE = 0.25
PARTICLES = frozenset(("off", "over", "along", "up", "in", "down", "out"))
CANT = r"(?i)(can't|cannot|can not|unable|not able|no tool|don't have|do not have|not available)"

# Request verbs per archetype; every fourth is test-only (Ctx.pick), so test requests use verbs training never saw.
VERBS: dict[str, tuple[str, ...]] = {
    "create": (
        "create",
        "add",
        "make",
        "register",
        "set up",
        "open",
        "log",
        "record",
        "enter",
        "start",
        "put in",
        "file",
    ),
    "get": (
        "look up",
        "get",
        "show me",
        "retrieve",
        "pull up",
        "fetch",
        "find",
        "bring up",
        "check",
        "open",
        "give me the details of",
        "display",
    ),
    "list": (
        "list",
        "search",
        "show",
        "browse",
        "find all",
        "search for",
        "go through",
        "query",
        "pull",
        "look through",
        "filter",
        "enumerate",
    ),
    "update": (
        "update",
        "change",
        "edit",
        "amend",
        "modify",
        "adjust",
        "set",
        "revise",
        "correct",
        "tweak",
        "patch",
        "alter",
    ),
    "delete": (
        "delete",
        "cancel",
        "remove",
        "void",
        "drop",
        "get rid of",
        "scrap",
        "withdraw",
        "discard",
        "erase",
        "trash",
        "call off",
    ),
    "send": (
        "send",
        "email",
        "share",
        "dispatch",
        "forward",
        "mail",
        "pass along",
        "transmit",
        "send over",
        "deliver",
        "shoot over",
        "route",
    ),
    "schedule": (
        "schedule",
        "book",
        "plan",
        "arrange",
        "set up",
        "slot in",
        "line up",
        "fix",
        "put down",
        "pencil in",
        "time",
        "calendar",
    ),
    "compute": (
        "calculate",
        "work out",
        "estimate",
        "tally",
        "compute",
        "figure out",
        "total up",
        "determine",
        "price out",
        "quote",
        "crunch",
        "reckon",
    ),
    "export": (
        "export",
        "download",
        "dump",
        "produce",
        "save out",
        "extract",
        "pull out",
        "write out",
        "back up",
        "output",
        "generate a file of",
        "copy out",
    ),
}
# Object phrases: {a} = "a"/"an", {noun}, {nouns}, {id}.
OBJECTS: dict[str, tuple[str, ...]] = {
    "create": ("{a} new {noun}", "{a} {noun}", "a fresh {noun} entry"),
    "get": ("{noun} {id}", "the {noun} {id}", "{noun} with id {id}"),
    "list": ("{nouns}", "all {nouns}", "the {nouns}", "my {nouns}"),
    "update": ("{noun} {id}", "the {noun} {id}", "{noun} with id {id}"),
    "delete": ("{noun} {id}", "the {noun} {id}", "{noun} with id {id}"),
    "send": ("{noun} {id}", "the {noun} {id}", "{noun} with id {id}"),
    "schedule": ("{noun} {id}", "the {noun} {id}", "{noun} with id {id}"),
    "compute": ("the total for {nouns}", "the cost of {nouns}", "the price of {nouns}"),
    "export": ("{nouns}", "all {nouns}", "the {noun} records", "my {nouns}"),
}
NO_ID = ("the {noun}", "my {noun}", "that {noun}")
# Frames: the sentence around verb, object and arguments. Every fourth is test-only.
FRAMES = (
    "{bg}{verb} {obj} {args}.",
    "Can you {verb} {obj} {args}?",
    "{bg}Please {verb} {obj} {args}.",
    "I'd like to {verb} {obj} {args}.",
    "Could you {verb} {obj} {args}, please?",
    "I need you to {verb} {obj} {args}.",
    "{bg}I want to {verb} {obj} {args}.",
    "Would you be able to {verb} {obj} {args}?",
    "Go ahead and {verb} {obj} {args}.",
    "{bg}Can you {verb} {obj} {args} for me?",
    "Time to {verb} {obj} {args}.",
    "Is it possible to {verb} {obj} {args}?",
    "Help me {verb} {obj} {args}.",
    "{bg}Let's {verb} {obj} {args}.",
    "{verb} {obj}. Details: {args}.",
    "I was hoping you could {verb} {obj} {args}.",
    "Mind helping me {verb} {obj} {args}?",
    "{bg}Quick favour: {verb} {obj} {args}.",
    "Kindly {verb} {obj} {args}.",
    "Any chance you could {verb} {obj} {args}?",
    "{bg}My request: {verb} {obj} {args}.",
    "I'm asking you to {verb} {obj} {args}.",
    "Next up, {verb} {obj} {args}.",
    "Do me a favour and {verb} {obj} {args}.",
)
CHAIN_FRAMES = (
    "{bg}Find the {noun} {filter} and {verb_it} {args}.",
    "Look up the {noun} {filter}, then {verb_it} {args}.",
    "There's {a} {noun} {filter}; please {verb_it} {args}.",
    "Search for the {noun} {filter} and then {verb_that} {args}.",
    "{bg}First find the {noun} {filter}. Then {verb_it} {args}.",
    "Can you locate the {noun} {filter} and {verb_it} {args}?",
    "Get hold of the {noun} {filter} and {verb_it} {args}.",
    "Whichever {noun} comes up {filter}: {verb_it} {args}.",
)
BACKGROUND = (
    "I'm sorting out the quarter's books. ",
    "Doing some admin before lunch. ",
    "Quick one before my next meeting. ",
    "We're cleaning up our records. ",
    "My manager asked about this. ",
    "Trying to get organised today. ",
    "Following up on this morning's call. ",
    "Getting ready for next week. ",
    "I'm catching up on my inbox. ",
    "This came up in the team chat. ",
    "Sorry, long day. ",
    "Friday wrap-up time. ",
)
# How each role's value is said ({v} = the spoken value, {label} = what people call the field).
SAY: dict[str, tuple[str, ...]] = {
    "field": ("with {label} {v}", "{label} {v}", "{label}: {v}", "with the {label} set to {v}", "{label} = {v}"),
    "filter": ("with {label} {v}", "where {label} is {v}", "{label} {v}", "filtered by {label} {v}"),
    "to": ("to {v}",),
    "message": ("with the message {v}", "saying {v}"),
    "cc": ("cc {v}", "copying {v}"),
    "at": ("for {v}",),
    "remind": ("with a reminder {v} minutes before", "reminding me {v} minutes ahead"),
    "channel": ("via {v}", "by {v}"),
    "quantity": ("for {v} units", "quantity {v}", "for a quantity of {v}"),
    "discount": ("with a {v} percent discount", "discount {v} percent"),
    "format": ("as {v}", "in {v} format"),
    "from": ("from {v}", "starting {v}"),
    "until": ("until {v}", "up to {v}"),
    "destination": ("and save it to {v}", "saving the file to {v}"),
    "limit": ("at most {v} results", "limit {v}", "showing up to {v}"),
    "reason": ("reason: {v}", "with reason {v}"),
}
SAY_BOOL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "archived": (("including archived ones",), ("without archived ones", "excluding archived ones")),
    "notify": (("and notify everyone involved",), ("without notifying anyone",)),
    "": (("{label}: yes", "with {label} set to true", "{label} on"), ("{label}: no", "with {label} set to false")),
}
DONE = ("Done. The reference is {code}.", "All set: reference {code}.", "That's done (reference {code}).")
FOUND = ("Here it is: reference {code}.", "Result reference: {code}.", "Done, the result reference is {code}.")


def _find(ctx: Ctx, fits: Callable[[Toolset], Any]) -> tuple[str, Toolset, Any]:
    """A toolset of this split for which `fits` gives something, its server name and that thing."""
    masked = ctx.rng.random() < float(ctx.options.get("masked", 0.0))
    while True:
        seed = ctx.rng.randrange(SEEDS)
        if not in_split(seed, ctx.split):
            continue
        toolset = draw_toolset(seed, masked)
        found = fits(toolset)
        if found is not None:
            return f"universe-{seed}" + ("-masked" if masked else ""), toolset, found


def _value(ctx: Ctx, p: UniverseParam) -> tuple[Any, str]:
    """A value for `p` and how the request says it (dates sometimes relative to the task's clock)."""
    kind = p.spec.field.kind
    if kind.key == "date" and ctx.rng.random() < RELATIVE_DATE_RATE:
        words, day = relative_date(ctx.rng, ctx.now.date())
        return day.isoformat(), words
    value = kind.sample(ctx.rng)
    return value, kind.say(value, ctx.rng)


def _phrase(ctx: Ctx, p: UniverseParam, value: Any, words: str) -> str:
    role, label = p.spec.role, p.spec.label
    if isinstance(value, bool):
        true, false = SAY_BOOL.get(role, SAY_BOOL[""])
        return ctx.choice(true if value else false).format(label=label)
    if p.spec.field.kind.key == "date" and not words[:1].isdigit() and words.split()[0] not in MONTHS:
        return f"{label} {words}"  # a relative date ("due date next Friday") reads wrong after "=" or ":"
    return ctx.choice(SAY.get(role, SAY["field"])).format(label=label, v=words)


def _with(verb: str, pronoun: str) -> str:
    """ "call off" + "it" -> "call it off": separable particles go after the pronoun."""
    head, _, particle = verb.rpartition(" ")
    if head and particle in PARTICLES:
        return f"{head} {pronoun} {particle}"
    return f"{verb} {pronoun}"


def _arguments(ctx: Ctx, tool: UniverseTool, leave_out: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """Arguments of a call and their spoken phrases (the id is said in the object, not here)."""
    optional = [p for p in tool.params if not p.required]
    wanted = {p.name for p in tool.params if p.required} | {
        p.name for p in optional if ctx.rng.random() < OPTIONAL_RATE
    }
    spoken = [p for p in optional if p.spec.role not in ("id", "limit")]
    if tool.action in ("list", "update") and not wanted & {p.name for p in spoken} and spoken:
        wanted.add(ctx.choice(spoken).name)  # a search says a filter, an update says what changes
    wanted.discard(leave_out)
    arguments, phrases = {}, []
    for p in tool.params:
        if p.name not in wanted:
            continue
        value, words = _value(ctx, p)
        arguments[p.name] = value
        if p.spec.role == "id":
            ctx.slots["id"] = words
        else:
            phrases.append(_phrase(ctx, p, value, words))
    ctx.rng.shuffle(phrases)  # slot order varies
    return arguments, phrases


def _join(phrases: list[str]) -> str:
    if len(phrases) < 2:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _request(ctx: Ctx, tool: UniverseTool, phrases: list[str], with_id: bool = True) -> str:
    """The user's words: a frame around verb, object and arguments, from this split's pools."""
    noun = ctx.choice(tool.domain.nouns)
    template = ctx.choice(OBJECTS[tool.action]) if with_id or "{id}" not in OBJECTS[tool.action][0] else None
    obj = (template or ctx.choice(NO_ID)).format(a="a", noun=noun, nouns=plural(noun), id=ctx.slots.get("id", ""))
    bg = ctx.pick(BACKGROUND) if ctx.rng.random() < 0.4 else ""
    text = ctx.request(verb=ctx.pick(VERBS[tool.action]), obj=articled(obj), args=_join(phrases), bg=bg)
    return _tidy(text)


def _tidy(text: str) -> str:
    text = re.sub(r" +([.,?:])", r"\1", re.sub(r"  +", " ", text)).replace(":.", ".").replace(". Details.", ".")
    text = re.sub(r"([.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)  # after a background clause
    return text[:1].upper() + text[1:]


def _expansions(arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """Every concrete call a set of expected arguments allows (top-level `$any` alternatives)."""
    keys = list(arguments)
    options = [v["$any"] if isinstance(v, dict) and set(v) == {"$any"} else [v] for v in arguments.values()]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*options)]


def _expected(arguments: dict[str, Any], tool: UniverseTool) -> dict[str, Any]:
    """Canonical values, with `$any` where more than one form is right (a date-time without seconds)."""
    out = dict(arguments)
    for p in tool.params:
        value = out.get(p.name)
        if p.spec.field.kind.key == "datetime" and isinstance(value, str) and value.endswith(":00"):
            out[p.name] = any_of(value, value[:-3])
    return out


def _code_check(tool: UniverseTool, expected: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    codes = sorted({result_code(tool.name, combo) for combo in _expansions(expected)})
    first = result_code(tool.name, _expansions(expected)[0])
    return first, contains(first) if len(codes) == 1 else regex("(" + "|".join(codes) + ")")


def _call(action: str) -> Callable[[Ctx], Draft]:
    def build(ctx: Ctx) -> Draft:
        server, _, tool = _find(ctx, lambda ts: ts.focus_tool(action))
        arguments, phrases = _arguments(ctx, tool)
        ctx.slots["request"] = _request(ctx, tool, phrases)
        expected = _expected(arguments, tool)
        name = exposed_name(server, tool.name)
        code, check = _code_check(tool, expected)
        answer = ctx.choice(FOUND if tool.read_only else DONE).format(code=code)
        calls, checks = [{"name": name, "arguments": expected}], [called(name, expected), check]
        return Draft("single_tool", [server], calls, answer, checks, messages=_user(ctx.slots["request"]))

    return build


def _irrelevant(ctx: Ctx) -> Draft:
    """A request for a domain no mounted tool serves; a related domain when one is free."""

    def absent(ts: Toolset):
        free = [d for d in split_domains(ctx.split) if d.key not in ts.domains]
        near = [d for d in free if d.group == ts.focus.group]
        return ctx.choice(near or free) if free else None

    server, _, domain = _find(ctx, absent)
    action = ctx.choice(actions_of(domain))
    tool = next(t for t in tools_of(domain.key) if t.action == action)
    _, phrases = _arguments(ctx, tool)
    request = _request(ctx, tool, phrases)
    answer = f"Sorry, I can't do that here: none of the available tools works with {plural(domain.noun)}."
    return Draft("no_tool", [server], [], answer, [no_calls(), regex(CANT)], messages=_user(request))


def _missing(ctx: Ctx) -> Draft:
    """A request that leaves out a required argument: ask for it, don't invent it."""
    action = ctx.choice([a for a in ARCHETYPES if a != "list"])
    server, _, tool = _find(ctx, lambda ts: ts.focus_tool(action))
    gap = ctx.choice([p for p in tool.params if p.required])
    _, phrases = _arguments(ctx, tool, leave_out=gap.name)
    request = _request(ctx, tool, phrases, with_id=gap.spec.role != "id")
    label = gap.spec.label
    answer = f"I can do that, but I need the {label} first. What {label} should I use?"
    asks = "|".join(re.escape(w) for w in dict.fromkeys((label, label.split()[-1], label.split()[0])))
    return Draft("no_tool", [server], [], answer, [no_calls(), regex(f"(?i)({asks})")], messages=_user(request))


def _chain(ctx: Ctx) -> Draft:
    """Look a record up by a filter, then act on the id the lookup returned."""

    def pair(ts: Toolset):
        lookup = ts.focus_tool("list")
        acts = [ts.focus_tool(a) for a in ("update", "delete", "send", "schedule")]
        acts = [t for t in acts if t is not None]
        if lookup is None or not acts or not [p for p in lookup.params if p.spec.role == "filter"]:
            return None
        return lookup, ctx.choice(acts)

    server, _, (lookup, act) = _find(ctx, pair)
    flt = ctx.choice([p for p in lookup.params if p.spec.role == "filter"])
    value, words = _value(ctx, flt)
    first = {flt.name: value}
    found_id = lookup.found_id(result_code(lookup.name, first))
    arguments, phrases = _arguments(ctx, act)
    id_param = next(p for p in act.params if p.spec.role == "id")
    arguments[id_param.name] = found_id
    noun, verb = ctx.choice(act.domain.nouns), ctx.pick(VERBS[act.action])
    slots = {
        "noun": noun,
        "a": "a",
        "filter": _phrase(ctx, flt, value, words),
        "verb_it": _with(verb, "it"),
        "verb_that": _with(verb, "that one"),
        "args": _join(phrases),
        "bg": ctx.pick(BACKGROUND) if ctx.rng.random() < 0.4 else "",
    }
    request = _tidy(articled(ctx.request(**slots)))
    expected = _expected(arguments, act)
    names = exposed_name(server, lookup.name), exposed_name(server, act.name)
    code, check = _code_check(act, expected)
    answer = ctx.choice(DONE).format(code=code)
    calls = [{"name": names[0], "arguments": first}, {"name": names[1], "arguments": expected}]
    return Draft("multi_step", [server], calls, answer, [called(names[1], expected), check], messages=_user(request))


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


INTENTS = (
    *(Intent(f"call.{a}", FRAMES, _call(a)) for a in ARCHETYPES),
    Intent("irrelevant", FRAMES, _irrelevant),
    Intent("missing", FRAMES, _missing),
    Intent("chain", CHAIN_FRAMES, _chain),
)
FAMILY = Family("universe", INTENTS, "thousands of generated tools in mixed toolsets: read the list, ask or decline")
