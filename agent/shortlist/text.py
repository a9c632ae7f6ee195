"""Words of requests and of tool specs, normalized the same way for matching.

Identifiers split on snake, camel, kebab and dots; a light suffix stemmer folds
plurals and verb forms; numbers and percent signs become cue words. This module
knows strings and JSON schemas, nothing of scoring.
"""

from __future__ import annotations

import re
from typing import Any

from agent.messages import ToolSpec

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z0-9]+(?:(?:[_\-./:@]|://)[A-Za-z0-9]+)*/?|%|[°$€£¥]")
_EXT_TEXT = "txt md csv json py yaml yml toml log html xml pdf png jpg sql db ini cfg sh js ts"
_EXTENSIONS = frozenset(_EXT_TEXT.split())
_WORD = re.compile(r"[A-Za-z]+")
_CUES = {"%": "percent", "°": "degree", "$": "money", "€": "money", "£": "money", "¥": "money"}

# Function words carry no tool choice; kept short so that request verbs ("add", "show") still count.
_STOP_TEXT = """a an the and or but if of to in on at by for with from into onto as is are was were be been
    being am it its
    this that these those i me my we our you your he she they them their his her do does did done can could would
    should will shall may might must please thanks thank hey hi hello quick just some any all there here what which
    who whom whose when where why how not no yes so too very also than then up out about over again e g eg ie etc
    one s t let lets i'm im want need like get got"""
STOPWORDS = frozenset(_STOP_TEXT.split())


def split_identifier(text: str) -> str:
    """`getUserName`, `get_user-name.v2` -> `get User Name`, `get user name v2` (words the request may use)."""
    return _CAMEL.sub(" ", re.sub(r"[_\-./:]+", " ", text))


def stem(word: str) -> str:
    """A light suffix stemmer: plural, -ing, -ed and a final e fold together (delete/deleted/deleting)."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + keep
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """Normalized, stemmed content words of free text or identifiers, in order."""
    out: list[str] = []
    for token in _TOKEN.findall(text):
        if token in _CUES:
            out.append(_CUES[token])
        elif cue := _shape(token):
            out.append(cue)
        elif token[0].isdigit() and not token.isalnum() or token.isdigit():
            out.append("number")
        else:
            for raw in _WORD.findall(split_identifier(token)):
                low = raw.lower()
                if low not in STOPWORDS and len(low) > 1:
                    out.append(stem(low))
    return out


def _shape(token: str) -> str | None:
    """A URL, an e-mail address or a file path stands for its kind, not for the words spelling it."""
    if "://" in token:
        return "url"
    if "@" in token and "." in token.rpartition("@")[2]:
        return "email"
    if "/" in token or token.rpartition(".")[2].lower() in _EXTENSIONS and "." in token:
        return "path"
    return None


def tool_fields(spec: ToolSpec) -> dict[str, list[str]]:
    """A tool's words by field: its name (server prefix apart), description, and parameters."""
    function = spec.function
    server, _, bare = function.name.rpartition("__")
    params: list[str] = []
    _schema_words(function.parameters, params)
    return {"name": words(bare), "server": words(server), "description": words(function.description), "params": params}


def _schema_words(schema: Any, out: list[str], depth: int = 0) -> None:
    """Parameter names, descriptions and enum values, through nested objects, arrays and anyOf."""
    if not isinstance(schema, dict) or depth > 6:
        return
    for name, sub in (schema.get("properties") or {}).items():
        out.extend(words(name))
        if isinstance(sub, dict):
            out.extend(words(str(sub.get("description") or "")))
            out.extend(w for value in sub.get("enum") or [] for w in words(str(value)))
        _schema_words(sub, out, depth + 1)
    for key in ("items", "additionalProperties"):
        _schema_words(schema.get(key), out, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key) or []:
            _schema_words(sub, out, depth + 1)
