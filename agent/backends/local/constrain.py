"""Schema-constrained tool calls for the in-process decode loop, with xgrammar.

The model writes free text and Hermes-style calls,
`<tool_call>\\n{"name": "calc__evaluate", "arguments": {...}}\\n</tool_call>`,
several separated by "\\n", then end-of-turn (the tokenizer's eos). Free text
is not constrained and costs nothing per token: the only check is a tiny
automaton that spots the `<tool_call>` opener across token boundaries (plus,
while a partial opener is pending, a ban on the few tokens that would complete
it with text no call can continue with). From the opener to the end of the
turn an xgrammar matcher rules: the name is one of the mounted tools, the
arguments are minified JSON valid for that tool's input schema (exactly what
the template renders, so the next step's prompt re-tokenises to the same ids),
and after `</tool_call>` only another `\\n<tool_call>` or end-of-turn may follow. A schema xgrammar
cannot compile falls back to "any JSON object" for that tool, and if the tools'
grammars still do not compile together every tool does (logged once per tool).
The call text itself is spelled by agent.toolcalls.parsers.hermes.
`ReplyGrammar` applies the same machinery to a whole reply that must be
JSON matching a schema (OpenAI's response_format).

It does not know prompts, templates, sampling or the model; it does not parse
calls out of text (agent/toolcalls does), nor validate semantics a grammar
cannot express (e.g. regex lookaheads, which xgrammar ignores): arguments are
still validated against the schema before dispatch.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import torch
import xgrammar as xgr
from xgrammar import structural_tag as st

from agent.backends.local.name_prior import NamePrior
from agent.errors import LooptuneError
from agent.messages import ToolSpec
from agent.toolcalls.parsers import hermes

log = logging.getLogger(__name__)

OPEN = hermes.OPEN.encode()
SEPARATORS = (",", ":")
ANY_OBJECT: dict[str, Any] = {"type": "object"}
GRAMMARS_PER_TOKENIZER = 32
STEERED_TOKENS = 4096  # inside a tool's name the grammar allows a few hundred tokens at most
_BITS = (torch.ones(32, dtype=torch.int64) << torch.arange(32)).to(torch.int32)  # bit 31 wraps to int32 min
_BOUNDED_CHARS, _JSON_CHARS = r"[^\"\\\r\n]", r"[^\0-\x1f\"\\\r\n]"


class ConstraintError(LooptuneError, ValueError):
    """A token the constraint forbids was accepted (the mask was skipped), or the turn had ended."""


# ---------- grammars ----------


def object_schema(schema: Any) -> dict[str, Any]:
    """The schema as an object schema; a schema of another type is a ValueError."""
    if not isinstance(schema, dict):
        raise ValueError("the input schema is not a JSON object")
    if "type" not in schema:
        return {"type": "object", **schema}
    if schema["type"] != "object":
        raise ValueError(f"the input schema's type is {schema['type']!r}, not 'object'")
    return schema


def schema_grammar(schema: dict[str, Any], *, strict: bool = True) -> xgr.Grammar:
    """Compact-JSON grammar (json.dumps separators) for one schema."""
    return xgr.Grammar.from_json_schema(schema, any_whitespace=False, separators=SEPARATORS, strict_mode=strict)


def grammar_text(grammar: xgr.Grammar) -> str:
    """The grammar as EBNF, with raw control characters kept out of length-bounded strings."""
    # xgrammar 0.2.8 writes a min/maxLength string's characters as [^"\\\r\n], which lets
    # \x00-\x1f through: invalid JSON (json.loads rejects it). Unbounded strings exclude them.
    # It also writes ", " between the items of free-form ("any JSON") arrays and objects
    # whatever the separators asked for; the template renders them minified.
    return str(grammar).replace(_BOUNDED_CHARS, _JSON_CHARS).replace('(", " basic_', '("," basic_')


def arguments_grammar(schema: Any) -> tuple[xgr.Grammar, str | None]:
    """The grammar of one tool's arguments, and why it fell back to any object (None if it did not)."""
    try:
        return schema_grammar(object_schema(schema)), None
    except (RuntimeError, ValueError, TypeError) as exc:
        return schema_grammar(ANY_OBJECT, strict=False), _first_line(exc)


def calls_grammar(arguments: dict[str, xgr.Grammar]) -> xgr.Grammar:
    """One or more calls separated by "\\n", each naming a tool and carrying its arguments."""
    tags = [
        st.TagFormat(
            begin=hermes.call_prefix(name),
            content=st.GrammarFormat(grammar=grammar_text(grammar)),
            end=hermes.CALL_SUFFIX,
        )
        for name, grammar in arguments.items()
    ]
    calls = st.TagsWithSeparatorFormat(tags=tags, separator="\n", at_least_one=True)
    return xgr.Grammar.from_structural_tag(st.StructuralTag(format=calls))


def compile_calls(
    compiler: xgr.GrammarCompiler, arguments: dict[str, xgr.Grammar], fallbacks: dict[str, str]
) -> xgr.CompiledGrammar:
    """Compile the calls grammar; if that fails, the tools whose arguments fail alone fall back.

    If it still fails, every tool falls back to any JSON object (`fallbacks` says why).
    """
    try:
        return compiler.compile_grammar(calls_grammar(arguments))
    except RuntimeError:
        pass
    for name, grammar in arguments.items():
        try:
            compiler.compile_grammar(grammar)
        except RuntimeError as exc:
            arguments[name] = schema_grammar(ANY_OBJECT, strict=False)
            fallbacks[name] = _first_line(exc)
    try:
        return compiler.compile_grammar(calls_grammar(arguments))
    except RuntimeError as exc:
        reason = f"the tools' grammars cannot be compiled together: {_first_line(exc)}"
    for name in arguments:
        arguments[name] = schema_grammar(ANY_OBJECT, strict=False)
        fallbacks.setdefault(name, reason)
    return compiler.compile_grammar(calls_grammar(arguments))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


# ---------- the opener across token boundaries ----------


class Trigger:
    """Finds a fixed byte string in a token stream, one token at a time (Knuth-Morris-Pratt)."""

    def __init__(self, pattern: bytes) -> None:
        self.pattern = pattern
        self.fail = _failure(pattern)

    def advance(self, state: int, data: bytes) -> tuple[int, int | None]:
        """The state after `data`, and the index in `data` just past the first full match (None: none)."""
        pattern, fail = self.pattern, self.fail
        for index, byte in enumerate(data):
            while state and byte != pattern[state]:
                state = fail[state - 1]
            if byte == pattern[state]:
                state += 1
            if state == len(pattern):
                return 0, index + 1
        return state, None


def _failure(pattern: bytes) -> list[int]:
    fail, k = [0] * len(pattern), 0
    for i in range(1, len(pattern)):
        while k and pattern[i] != pattern[k]:
            k = fail[k - 1]
        if pattern[i] == pattern[k]:
            k += 1
        fail[i] = k
    return fail


def opener_bans(
    trigger: Trigger, vocab: Sequence[bytes], valid_rest: Callable[[bytes], bool]
) -> list[torch.Tensor | None]:
    """Per trigger state: the tokens that would complete the opener with text no call continues with."""
    candidates = [(i, data) for i, data in enumerate(vocab) if trigger.pattern[-1:] in data]
    bans: list[torch.Tensor | None] = []
    for state in range(len(trigger.pattern)):
        bad = []
        for token_id, data in candidates:
            end = trigger.advance(state, data)[1]
            if end is not None and not valid_rest(data[end:]):
                bad.append(token_id)
        bans.append(torch.tensor(bad, dtype=torch.long) if bad else None)
    return bans


# ---------- per tokenizer, per tool set ----------


class _Vocab:
    """What one (tokenizer, vocab size) pair needs: xgrammar's view of it and a compiler."""

    def __init__(self, tokenizer: Any, vocab_size: int, eos: int) -> None:
        self.eos = eos
        self.size = vocab_size
        self.info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=vocab_size, stop_token_ids=[self.eos])
        self.decoded: list[bytes] = self.info.decoded_vocab
        self.compiler = xgr.GrammarCompiler(self.info, max_threads=2, cache_enabled=False)
        self.grammars: OrderedDict[str, ToolGrammar | ReplyGrammar] = OrderedDict()


class _Tokenizer:
    """What is known of one tokenizer: its eos token (None: it has none) and its vocabularies by size."""

    def __init__(self, tokenizer: Any) -> None:
        eos = tokenizer.eos_token_id
        self.eos = None if eos is None else int(eos)
        self.vocabs: dict[int, _Vocab] = {}


_TOKENIZERS: weakref.WeakKeyDictionary[Any, _Tokenizer] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_LOGGED: set[tuple[str, str]] = set()


def _vocab(tokenizer: Any, vocab_size: int) -> _Vocab:
    known = _TOKENIZERS.get(tokenizer)
    if known is None:
        known = _TOKENIZERS[tokenizer] = _Tokenizer(tokenizer)
    if known.eos is None:
        raise ValueError("the tokenizer has no eos token, so a turn with constrained tool calls cannot end")
    if vocab_size not in known.vocabs:
        known.vocabs[vocab_size] = _Vocab(tokenizer, vocab_size, known.eos)
    return known.vocabs[vocab_size]


def tool_set_key(tools: Sequence[ToolSpec]) -> str:
    """What the grammar depends on: names and input schemas, order-free."""
    return json.dumps(sorted([tool.name, tool.function.parameters] for tool in tools), sort_keys=True)


class ToolGrammar:
    """The compiled call grammar for one tool set and tokenizer; hands out per-turn constraints."""

    def __init__(self, vocab: _Vocab, tools: Sequence[ToolSpec]) -> None:
        self.vocab = vocab
        self.trigger = Trigger(OPEN)
        self.fallbacks: dict[str, str] = {}
        arguments = {}
        for tool in tools:
            arguments[tool.name], reason = arguments_grammar(tool.function.parameters)
            if reason is not None:
                self.fallbacks[tool.name] = reason
        self.compiled = compile_calls(vocab.compiler, arguments, self.fallbacks)
        self.bans = opener_bans(self.trigger, vocab.decoded, self._valid_rest)
        _log_fallbacks(tools, self.fallbacks)

    @classmethod
    def for_tools(cls, tokenizer: Any, tools: Sequence[ToolSpec], *, vocab_size: int | None = None) -> ToolGrammar:
        """The grammar for these tools, compiled once per (tokenizer, vocab size, tool set).

        An empty tool set, or a tokenizer without an eos token, is a ValueError.
        """
        if not tools:
            raise ValueError("no tools to constrain tool calls to")
        size = len(tokenizer) if vocab_size is None else vocab_size
        key = tool_set_key(tools)
        with _LOCK:
            vocab = _vocab(tokenizer, size)
            known = vocab.grammars.get(key)  # the cache holds reply grammars too (under "reply:" keys)
            grammar = known if isinstance(known, ToolGrammar) else cls(vocab, tools)
            vocab.grammars[key] = grammar
            vocab.grammars.move_to_end(key)
            while len(vocab.grammars) > GRAMMARS_PER_TOKENIZER:
                vocab.grammars.popitem(last=False)
        return grammar

    def constraint(self, *, required: bool = False, prior: NamePrior | None = None) -> CallConstraint:
        """A fresh constraint for one generated turn; `required`: the turn must open with a call.

        `prior` steers which tool the turn's first call names (see name_prior).
        """
        return CallConstraint(self, required=required, prior=prior)

    def matcher(self, opened_with: bytes | None = None) -> xgr.GrammarMatcher:
        """A matcher at the start of the calls, or after `opened_with` (a ConstraintError if invalid)."""
        matcher = xgr.GrammarMatcher(self.compiled)
        if opened_with is not None and not matcher.accept_string(opened_with):
            raise ConstraintError(f"{opened_with!r} cannot start a call to a mounted tool")
        return matcher

    def _valid_rest(self, rest: bytes) -> bool:
        return xgr.GrammarMatcher(self.compiled).accept_string(OPEN + rest)


class ReplyGrammar:
    """A whole reply that must be one JSON value matching a schema (OpenAI's response_format), compiled once.

    Its constraint is a `CallConstraint` that starts constrained: from the first token the grammar rules,
    and once the value is complete only end-of-turn may follow. A schema xgrammar cannot compile falls
    back to any JSON object, as a tool's does (with a warning in the log).
    """

    def __init__(self, vocab: _Vocab, schema: dict[str, Any]) -> None:
        self.vocab = vocab
        grammar, reason = arguments_grammar(schema)
        try:
            self.compiled = vocab.compiler.compile_grammar(xgr.Grammar.from_ebnf(grammar_text(grammar)))
        except RuntimeError as exc:
            grammar, reason = schema_grammar(ANY_OBJECT, strict=False), _first_line(exc)
            self.compiled = vocab.compiler.compile_grammar(xgr.Grammar.from_ebnf(grammar_text(grammar)))
        if reason is not None:
            log.warning("response_format: the schema cannot be compiled (%s); any JSON object is allowed", reason)

    @classmethod
    def for_schema(cls, tokenizer: Any, schema: dict[str, Any], *, vocab_size: int | None = None) -> ReplyGrammar:
        """The grammar for this schema, compiled once per (tokenizer, vocab size, schema)."""
        size = len(tokenizer) if vocab_size is None else vocab_size
        key = "reply:" + json.dumps(schema, sort_keys=True)  # tool-set keys are JSON lists: no clash
        with _LOCK:
            vocab = _vocab(tokenizer, size)
            known = vocab.grammars.get(key)
            grammar = known if isinstance(known, ReplyGrammar) else cls(vocab, schema)
            vocab.grammars[key] = grammar
            vocab.grammars.move_to_end(key)
            while len(vocab.grammars) > GRAMMARS_PER_TOKENIZER:
                vocab.grammars.popitem(last=False)
        return grammar

    def constraint(self) -> CallConstraint:
        # Constrained from the first token, so CallConstraint never reaches its free-text state (trigger, bans).
        return CallConstraint(self, required=True)  # type: ignore[arg-type]

    def matcher(self, opened_with: bytes | None = None) -> xgr.GrammarMatcher:
        return xgr.GrammarMatcher(self.compiled)


def _log_fallbacks(tools: Sequence[ToolSpec], fallbacks: dict[str, str]) -> None:
    schemas = {tool.name: tool.function.parameters for tool in tools}
    for name, reason in fallbacks.items():
        key = (name, json.dumps(schemas[name], sort_keys=True))
        if key not in _LOGGED:
            _LOGGED.add(key)
            log.warning("tool %s: its input schema cannot be compiled (%s); any JSON object is allowed", name, reason)


# ---------- per turn ----------


class CallConstraint:
    """Masks logits and follows sampled tokens for one turn: free text, then constrained calls."""

    def __init__(self, grammar: ToolGrammar, *, required: bool = False, prior: NamePrior | None = None) -> None:
        self.grammar = grammar
        self._prior = prior
        self._written = b""  # the first call's text so far, while its name is still being written
        self._eos = grammar.vocab.eos
        self._state = 0  # trigger state while in free text
        self._matcher: xgr.GrammarMatcher | None = None
        self._bitmask: torch.Tensor | None = None
        self._ended = False
        if required:
            self._start(None)

    def forced_text(self) -> str:
        """Text the grammar allows as the only continuation from here ("" in free text or at a choice)."""
        if self._matcher is None or self._ended:
            return ""
        return self._matcher.find_jump_forward_string()

    def mask(self, logits: torch.Tensor) -> torch.Tensor:
        """Set disallowed tokens to -inf, in place, and return `logits` ([vocab] or [1, vocab])."""
        if self._ended:
            return _only(logits, self._eos)
        if self._matcher is None:
            ban = self.grammar.bans[self._state]
            return logits if ban is None else logits.index_fill_(-1, ban, float("-inf"))
        if logits.shape[-1] != self.grammar.vocab.size:
            raise ValueError(f"logits have {logits.shape[-1]} entries, the grammar {self.grammar.vocab.size}")
        if self._bitmask is None:
            self._bitmask = xgr.allocate_token_bitmask(1, self.grammar.vocab.size).view(-1)
        if self._matcher.fill_next_token_bitmask(self._bitmask):
            apply_bitmask(logits, self._bitmask)
        if self._prior is not None:
            self._steer(logits.view(-1))
        return logits

    def _steer(self, logits: torch.Tensor) -> None:
        """Add the prior's bonus to every allowed token (few: inside a name only name pieces fit)."""
        assert self._prior is not None
        allowed = torch.isfinite(logits).nonzero().view(-1).tolist()
        if len(allowed) > STEERED_TOKENS:  # the grammar left the choice open: not inside a name
            return
        decoded = self.grammar.vocab.decoded
        for token_id in allowed:
            logits[token_id] += self._prior.bonus(self._written, decoded[token_id])

    def accept(self, token_id: int) -> None:
        """Follow one sampled token; a token the mask forbids is a ConstraintError."""
        if self._ended:
            raise ConstraintError("the turn has already ended")
        if self._matcher is not None:
            self._accept_constrained(token_id)
        elif token_id == self._eos:
            self._ended = True
        else:
            data = self.grammar.vocab.decoded[token_id]
            self._state, end = self.grammar.trigger.advance(self._state, data)
            if end is not None:
                self._start(OPEN + data[end:])

    def _start(self, opened_with: bytes | None) -> None:
        self._matcher = self.grammar.matcher(opened_with)
        self._follow(opened_with or b"")

    def _accept_constrained(self, token_id: int) -> None:
        assert self._matcher is not None
        if not self._matcher.accept_token(token_id):
            data = self.grammar.vocab.decoded[token_id] if 0 <= token_id < self.grammar.vocab.size else b"?"
            raise ConstraintError(f"token {token_id} ({data!r}) is not allowed here by the tool-call grammar")
        if self._prior is not None:
            self._follow(self.grammar.vocab.decoded[token_id])
        if self._matcher.is_terminated():
            self._ended = True

    def _follow(self, data: bytes) -> None:
        """Track the first call's text until its name is written; then the prior is done for the turn."""
        if self._prior is None:
            return
        self._written += data
        if not self._prior.naming(self._written):
            self._prior = None


def apply_bitmask(logits: torch.Tensor, bitmask: torch.Tensor) -> None:
    """Set the logits of tokens whose bit is 0 to -inf, in place, by the cheaper of two ways."""
    vocab_size = logits.shape[-1]
    if int((bitmask == 0).sum()) * 2 < bitmask.numel():  # mostly allowed: xgrammar's kernel skips full words
        xgr.apply_token_bitmask_inplace(logits, bitmask, vocab_size=vocab_size)
        return
    allowed = (bitmask.view(-1, 1) & _BITS).view(-1)[:vocab_size]
    logits.masked_fill_(allowed == 0, float("-inf"))


def _only(logits: torch.Tensor, token_id: int) -> torch.Tensor:
    kept = logits[..., token_id].clone()
    logits.fill_(float("-inf"))
    logits[..., token_id] = kept
    return logits
