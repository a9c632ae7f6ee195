"""Compositional train wording: many surface forms of an intent from its few hand-written train phrasings.

A form is composed from a core (one of the intent's train phrasings) by
swapping a verb or object phrase for a synonym, moving a trailing clause to
the front, writing a small number slot in words, wrapping the request in a
politeness / indirect / "can you" frame, or opening with a background clause.
`widen` appends the composed forms to each intent's `train_only`, so the test
split (which never draws `train_only`) and every held-out task stay as they
were. Forms that come as close to one of the intent's held-out phrasings as
the leakage threshold allows are dropped; so are forms close to the texts a
caller asks it to avoid. Typos and casing stay with `style`, which applies
them when a task is rendered. This module knows nothing of servers or tools.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from eval.families.base import Ctx, Intent
from eval.families.dates import MONTHS, relative_date
from eval.families.leakage import ratio
from eval.families.style import VERBS

THRESHOLD = 0.75  # the leakage check's bar: no train form may score this close to a held-out phrasing
MAX_FORMS = 72  # per intent: enough variety, while the hand-written phrasings keep a visible share
NUMBER_SLOTS = ("id", "task_id")  # int slots that `Ctx.request` also offers as `{<name>_words}`

# Imperative verbs beyond style's list that the cores here start with.
EXTRA_VERBS = frozenset(
    [
        "dig",
        "display",
        "enumerate",
        "erase",
        "expand",
        "fetch",
        "flag",
        "go",
        "hunt",
        "jot",
        "keep",
        "let",
        "locate",
        "log",
        "note",
        "pull",
        "scrap",
        "set",
        "share",
        "suggest",
        "try",
        "wipe",
        "record",
        "render",
        "decode",
        "explain",
        "solve",
        "express",
        "file",
        "generate",
    ]
)
DOUBLED = frozenset(["put", "run", "get", "set", "jot", "log", "scrap", "drop", "dig", "cut"])

# Swaps of the opening verb phrase; only where the core starts with it ("list" is a noun elsewhere).
VERB_SYNONYMS: dict[str, tuple[str, ...]] = {
    "show me": ("let me see", "display"),
    "tell me": ("let me know",),
    "give me": ("get me", "send me"),
    "find": ("locate", "track down"),
    "search for": ("look for", "hunt for"),
    "search": ("look through",),
    "look up": ("check",),
    "calculate": ("work out", "figure out"),
    "compute": ("work out", "figure out"),
    "work out": ("calculate", "compute"),
    "delete": ("remove", "erase"),
    "remove": ("delete",),
    "create": ("make", "set up"),
    "make": ("create",),
    "run": ("execute",),
    "execute": ("run",),
    "save": ("store",),
    "store": ("save",),
    "list": ("enumerate",),
}
VERB_KEEPS = ("make sure", "find out", "run a ", "list of")  # idioms where the swap breaks the sentence
# Object phrases, swapped wherever they occur (word-bounded).
PHRASE_SYNONYMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tick it off", ("check it off", "cross it off")),
    ("check off", ("tick off", "cross off")),
    ("to-do list", ("todo list", "task list", "list of to-dos")),
    ("task list", ("list of tasks", "todo list")),
    ("my to-dos", ("my todos", "my to-do items")),
    ("knowledge base", ("knowledge store", "notes database")),
    ("the documents", ("my documents", "the docs")),
    ("my notes", ("my saved notes",)),
    ("the database", ("the db", "our database")),
    ("my files", ("the files I have", "my workspace")),
    ("folder", ("directory",)),
    ("directory", ("folder",)),
    ("for me", ("for me real quick",)),
)
FRONTABLE = frozenset(
    ["due", "priority", "with", "in", "from", "for", "by", "on", "using", "as", "into", "to", "deadline"]
)
IMPERATIVE_FRAMES = (
    "Please {core}.",
    "Can you {core}?",
    "Could you please {core}?",
    "Would you {core}?",
    "Would you mind {gerund}?",
    "I'd like you to {core}.",
    "I want you to {core}.",
    "Go ahead and {core}.",
    "Do me a favour and {core}.",
    "Help me out and {core}.",
    "{Core} when you get a chance.",
    "{Core}, if you don't mind.",
    "Is it possible to {core}?",
    "Mind if I ask you to {core}?",
)
QUESTION_FRAMES = (
    "Quick question: {core}",
    "I was wondering: {core}",
    "Tell me this: {core}",
    "So, {core}",
    "Out of curiosity, {core}",
)
STATEMENT_FRAMES = (
    "One more thing. {Core}",
    "Okay, {core}",
    "So, {core}",
    "Right, next thing. {Core}",
)
BACKGROUNDS = (
    "I'm planning my week.",
    "I'm getting organised today.",
    "Busy day here.",
    "I'm catching up on admin.",
    "Before I forget:",
    "Got a second?",
    "Working from home today.",
    "Sorting out a few things this morning.",
    "Small favour.",
    "I'm in a hurry.",
    "Hope you're well.",
    "Me again.",
)


def widen(intents: Iterable[Intent], avoid: Sequence[str] = ()) -> tuple[Intent, ...]:
    """`intents` with composed forms appended to `train_only` (phrasings and test split untouched)."""
    return tuple(_widened(intent, avoid) for intent in intents)


def _widened(intent: Intent, avoid: Sequence[str]) -> Intent:
    train = [intent.phrasing(k) for k in intent.phrasing_ids("train")]
    held_out = [intent.phrasing(k) for k in intent.phrasing_ids("test")]
    fresh = [f for f in compose(train) if f not in train and _far(f, held_out) and _far(f, avoid)]
    random.Random(f"grammar/{intent.name}").shuffle(fresh)  # seeded: the same forms on every import
    return replace(intent, train_only=intent.train_only + tuple(fresh[:MAX_FORMS]))


def _far(form: str, others: Sequence[str]) -> bool:
    return all(ratio(form, other) < THRESHOLD for other in others)


def compose(cores: Sequence[str]) -> list[str]:
    """Every composed form of `cores`, distinct, in a stable order."""
    forms: dict[str, None] = {}
    for core in cores:
        for variant in _variants(core):
            for form in _framed(variant):
                forms.setdefault(form, None)
    return list(forms)


def _variants(core: str) -> list[str]:
    """The core, its synonym swaps, its fronted trailing clause and its number-in-words form."""
    out = [core, *_swapped(core)]
    fronted = _fronted(core)
    if fronted:
        out.append(fronted)
    out += [w for w in (_in_words(v) for v in list(out)) if w]
    return list(dict.fromkeys(out))


def _swapped(core: str) -> list[str]:
    out = []
    lowered = core.lower()
    for verb, alternatives in sorted(VERB_SYNONYMS.items(), key=lambda item: -len(item[0])):
        if lowered.startswith(verb + " ") and not lowered.startswith(VERB_KEEPS):
            out += [_cap(alt) + core[len(verb) :] for alt in alternatives]
            break  # the longest opening verb phrase only
    for phrase, alternatives in PHRASE_SYNONYMS:
        found = re.search(rf"(?<![\w{{-]){re.escape(phrase)}(?![\w}}-])", core, re.IGNORECASE)
        if found:
            out += [
                core[: found.start()] + (alt if found.group()[:1].islower() else _cap(alt)) + core[found.end() :]
                for alt in alternatives
            ]
    return out


def _fronted(core: str) -> str | None:
    """ "Add {title} to the list, due {when}." -> "Due {when}: add {title} to the list." (slot order)."""
    body, end = _split_end(core)
    head, sep, tail = body.rpartition(", ")
    if not sep or "{" not in tail or "{" not in head or end == "?" or re.search(r"[.:;?]|--", head):
        return None
    if tail.split(" ", 1)[0].lower() not in FRONTABLE:
        return None
    return f"{_cap(tail)}: {_decap(head)}{end}"


def _in_words(core: str) -> str | None:
    for name in NUMBER_SLOTS:
        slot = "{" + name + "}"
        if re.search(rf"(?<=[ ]){re.escape(slot)}", core):
            return re.sub(rf"(?<=[ ]){re.escape(slot)}", "{" + name + "_words}", core)
    return None


def _framed(core: str) -> list[str]:
    body, end = _split_end(core)
    out = [core]
    if not body.startswith("{"):
        if end != "?" and _first_word(body) in VERBS | EXTRA_VERBS:
            one_sentence = not re.search(r"[.:;?]\s", body)  # "Can you X. Y?" reads wrong
            out += [_frame(f, body) for f in IMPERATIVE_FRAMES if one_sentence or not f.endswith("?")]
        else:
            frames = QUESTION_FRAMES if end == "?" else STATEMENT_FRAMES
            out += [_frame(f, body) + (end or ".") for f in frames]
    out += [f"{bg} {_decap(body) if bg.endswith(':') else _cap(body)}{end or '.'}" for bg in BACKGROUNDS]
    return out


def _frame(frame: str, body: str) -> str:
    core = _decap(body)
    return frame.format(core=core, Core=_cap(body), gerund=_gerund(core))


def _gerund(core: str) -> str:
    verb, _, rest = core.partition(" ")
    word = verb.lower()
    if word in DOUBLED:
        ing = word + word[-1] + "ing"
    elif word.endswith("e") and not word.endswith("ee"):
        ing = word[:-1] + "ing"
    else:
        ing = word + "ing"
    return f"{ing} {rest}".rstrip()


def _split_end(core: str) -> tuple[str, str]:
    body = core.rstrip(".!?")
    return body, core[len(body) :][:1]


def _first_word(body: str) -> str:
    return body.split(" ", 1)[0].lower().strip("'\"")


def _decap(text: str) -> str:
    """Lower-case the first letter, unless it starts the word "I" or a proper slot."""
    return text if re.match(r"(I\b|I'|\{)", text) else text[:1].lower() + text[1:]


def _cap(text: str) -> str:
    if text.startswith("ls "):  # a shell command keeps its case
        return text
    return text[:1].upper() + text[1:]


def written_date(rng: random.Random, today: date) -> tuple[str, date]:
    """A future day written as people write dates (ISO, "December 10", "12/10", "the 10th"), and that day."""
    day = today + timedelta(days=rng.randrange(2, 45))
    month = MONTHS[day.month - 1]
    suffix = "th" if 10 <= day.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    forms: tuple[str, ...] = (
        f"on {day.isoformat()}",
        f"by {day.isoformat()}",
        f"on {month} {day.day}",
        f"by {month} {day.day}{suffix}",
        f"on {month[:3]} {day.day}",
        f"on {day.month}/{day.day}",
        f"on the {day.day}{suffix} of {month}",
        f"on {day.day} {month}",
    )
    if day.month == today.month:  # "the 10th" names this month's day only
        forms += (f"on the {day.day}{suffix}",)
    return rng.choice(forms), day


def spoken_date(ctx: Ctx) -> tuple[str, date]:
    """A due day as the request words it: relative ("next Friday") in both splits, written dates in train too.

    The extra draw happens in the train split only, so every test task stays as it was.
    """
    when, day = relative_date(ctx.rng, ctx.now.date())
    if ctx.split == "train" and ctx.rng.random() < 0.4:
        when, day = written_date(ctx.rng, ctx.now.date())
    return when, day
