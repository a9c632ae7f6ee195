"""Surface variation of a request: politeness, casing, punctuation and typos.

Typos only touch the phrasing's own words, never its `{slots}`, so the
entities a task expects in the call stay exact. This module knows nothing of
tasks or tools.
"""

from __future__ import annotations

import random
import re

_SLOT = re.compile(r"(\{\w+\})")
ASKING = ("could you ", "can you ", "would you ")
COMMAND_PREFIXES = ("", "", "", "please ", "hey, ", "I need you to ", "quick one: ", *ASKING)
NEUTRAL_PREFIXES = ("", "", "", "hey, ", "hi! ", "quick one: ")
QUESTION_PREFIXES = ("", "", "", "hey, ", "hi! ", "quick question: ", "sorry to bother you, ")
# "Could you ..." only reads right before an imperative verb.
VERBS = frozenset(
    (
        "add",
        "back",
        "calculate",
        "change",
        "check",
        "complete",
        "compute",
        "convert",
        "copy",
        "count",
        "create",
        "delete",
        "describe",
        "drop",
        "duplicate",
        "evaluate",
        "execute",
        "find",
        "get",
        "give",
        "grep",
        "list",
        "look",
        "make",
        "mark",
        "name",
        "open",
        "print",
        "pull",
        "put",
        "query",
        "read",
        "remind",
        "remove",
        "run",
        "save",
        "search",
        "show",
        "spell",
        "store",
        "sum",
        "take",
        "tell",
        "tick",
        "track",
        "translate",
        "use",
        "work",
        "write",
    )
)
SUFFIXES = ("", "", "", ", please.", ", thanks!", " - thank you.", " thx", " asap!", " :)")


def styled(template: str, rng: random.Random) -> str:
    """`template` with a random prefix/suffix, maybe lowercased, maybe one typo."""
    text = _typo(template, rng) if rng.random() < 0.2 else template
    body = text.rstrip(".!?")
    end = text[len(body) :]
    prefix = rng.choice(_prefixes(body, end))
    if prefix and not body.startswith("{"):  # "Can you {title} -- add that" reads wrong
        body = prefix + (body if prefix.endswith("! ") else _decap(body))
        end = "?" if prefix in ASKING else end
    suffix = rng.choice(SUFFIXES) if end else ""  # a request ending in a {slot} keeps its last word clean
    text = _cap(body) + (suffix or end)
    return text.lower() if rng.random() < 0.1 and "{" not in text else text


def stated(template: str, rng: random.Random) -> str:
    """A statement (not a request): maybe one typo, maybe a casual opener; no please/thanks."""
    text = _typo(template, rng) if rng.random() < 0.2 else template
    opener = rng.choice(("", "", "", "Oh, ", "FYI: ", "By the way, "))
    if opener and not text.startswith("{"):
        text = opener + _decap(text)
    return text


def _prefixes(body: str, end: str) -> tuple[str, ...]:
    if end.startswith("?"):
        return QUESTION_PREFIXES
    first = body.split(" ", 1)[0].lower()
    return COMMAND_PREFIXES if first in VERBS else NEUTRAL_PREFIXES


def _decap(text: str) -> str:
    """Lower-case the first letter, unless it is the word "I"."""
    return text if re.match(r"I\b", text) else text[:1].lower() + text[1:]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _typo(template: str, rng: random.Random) -> str:
    parts = _SLOT.split(template)
    literal = [i for i, part in enumerate(parts) if not _SLOT.fullmatch(part) and re.search(r"[a-z]{5,}", part)]
    if not literal:
        return template
    i = rng.choice(literal)
    words = list(re.finditer(r"[a-z]{5,}", parts[i]))
    word = rng.choice(words)
    parts[i] = parts[i][: word.start()] + _misspell(word.group(), rng) + parts[i][word.end() :]
    return "".join(parts)


def _misspell(word: str, rng: random.Random) -> str:
    j = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:j] + word[j + 1] + word[j] + word[j + 2 :]  # swap two neighbours
    return word[:j] + word[j + 1 :]  # drop one letter
