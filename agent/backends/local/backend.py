"""The `local` backend: a transformers model (plus optional LoRA adapter) decoding in this process.

Each turn renders the conversation with the model's tool-aware template (or
the project's Hermes template), reuses the KV cache of the longest known
token prefix, decodes under the tool-call grammar, and parses tool calls back
out of the text. A turn is a generator that yields each forward pass it
needs (a prefill chunk or a decode step); the batch driver runs the passes of
every live turn together on the tensor thread, so concurrent requests (serve,
`eval --jobs`) share each read of the weights, and cancelling the caller stops
its turn within one pass. Nothing is held that a consumer must release: a
stream that is cancelled, closed late or never closed leaves the backend
usable. It knows nothing of MCP, the hub or the loop: tools arrive as specs.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import anyio

from agent.backends.base import (
    BackendEvent,
    Capabilities,
    ChatRequest,
    Completion,
    TextDelta,
    UnsupportedRequest,
    Usage,
)
from agent.backends.local.batch import MAX_BATCH, Driver, Turn, TurnSteps
from agent.backends.local.decode import PREFILL_CHUNK, DecodeStats, Generation
from agent.backends.local.engine import Engine
from agent.backends.local.name_prior import NamePrior
from agent.backends.local.options import Quant
from agent.backends.local.prefix_cache import PrefixCache
from agent.backends.local.prompt import PromptBuilder
from agent.backends.local.sampling import Sampler, SamplingParams
from agent.backends.local.turn import TextTracker
from agent.messages import AssistantMessage, FunctionCall, ToolCall
from agent.models.adapters import Adapters
from agent.models.loader import Loaded
from agent.models.shipped import SHIPPED
from agent.shortlist import DEFAULT_METHOD, Shortlister, calls_since_user, conversation_query, get_method
from agent.toolcalls import arguments_json

DEFAULT_MAX_TOKENS = 1024


@dataclass
class LocalSettings:
    """How the local backend decodes; every field has a CLI flag."""

    constrain: bool = True
    prefix_cache: bool = True
    draft_len: int = 8  # prompt-lookup draft tokens per forward; 0 = plain one-token decoding
    # Weights for decode steps: int8/int4 are faster, not bit-identical. The library is exact unless asked;
    # the CLI's default (LocalOptions) is the measured DEFAULT_QUANT.
    quant: Quant = "fp32"
    max_batch: int = MAX_BATCH  # turns decoded together (concurrent requests); 1: one at a time
    max_tokens: int = DEFAULT_MAX_TOKENS
    prefill_chunk: int = PREFILL_CHUNK  # prompt tokens per forward pass: the most a cancel waits for
    # Logits the best-matching listed tool's name gains in a turn's first call (0: off; see name_prior),
    # by the scores of this shortlist method.
    name_prior: float = 0.0
    name_prior_method: str = DEFAULT_METHOD


class LocalBackend:
    """Backend protocol over an in-process transformers model."""

    name = "local"
    capabilities: ClassVar[Capabilities] = Capabilities(describes=True, adapters=True)

    def __init__(self, loaded: Loaded, settings: LocalSettings | None = None) -> None:
        self.loaded, self.settings = loaded, settings or LocalSettings()
        self.engine = Engine(loaded.model, quant=self.settings.quant)
        # Looked up on each round (not bound once), so a wrapper put on the engine later is used.
        self.driver = Driver(lambda passes: self.engine.forward_many(passes), self.settings.max_batch)
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.prompts = PromptBuilder(loaded.tokenizer, loaded.model.config)
        # Room for every concurrent conversation's latest turn: with fewer, turns decoded together evict
        # each other's caches and every step re-reads its whole conversation.
        batch = self.settings.max_batch
        self.cache = PrefixCache(pinned=max(4, batch), recent=batch + 2)
        self.adapters = Adapters(loaded.model, loaded.source.name)
        self.weights = 0  # bumped when an adapter changes the weights: a turn decoding across it keeps no cache
        self.last_stats = DecodeStats()
        self._prior_method: Shortlister | None = None

    @property
    def active_adapter(self) -> str | None:
        """Where the active adapter was loaded from (None: the bare base model)."""
        return str(self.adapters.loaded[self.adapters.active]) if self.adapters.active else None

    def describe(self) -> str:
        """Model and adapter in use, for the start-up banner (the shipped adapter by its name, `bundled`)."""
        adapter = self.active_adapter
        if adapter and Path(adapter) == SHIPPED:
            adapter = "bundled"
        return f"{self.loaded.source.name}" + (f" + adapter {adapter}" if adapter else "")

    # Adapters: the weights change, so every cached prefix is stale. Call these between turns.
    def load_adapter(self, path: str, name: str | None = None) -> str:
        """Load a LoRA adapter and make it active."""
        return self.driver.between_turns(self._changing_weights, self.adapters.load, path, name)

    def use_adapter(self, name: str | None) -> None:
        """Switch to a loaded adapter, or to the bare base model with None."""
        self.driver.between_turns(self._changing_weights, self.adapters.use, name)

    def unload_adapter(self, name: str | None = None) -> None:
        """Remove an adapter (the active one by default)."""
        self.driver.between_turns(self._changing_weights, self.adapters.unload, name)

    def _changing_weights(self, change, *args):
        self.weights += 1
        self.cache.clear()
        try:
            return change(*args)
        finally:
            self.engine.refresh()

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        """Decode one turn in the batch driver, streaming safe text; cancelling stops it within a forward pass."""
        turn = self.driver.submit(self._turn(request))
        try:
            while True:
                # A waiting thread blocks on the turn's queue; a cancelled consumer abandons it (cancel wakes it).
                events, ended = await anyio.to_thread.run_sync(turn.take, abandon_on_cancel=True)
                for event in events:
                    yield event
                    if isinstance(event, Completion):
                        return
                if ended:
                    _raise_turn_error(turn)
                    return
        finally:
            turn.cancel()
            with anyio.CancelScope(shield=True):  # the turn keeps its cache before the next one starts
                await anyio.to_thread.run_sync(turn.wait_ended)

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self.driver.between_turns, self.cache.clear)

    def _turn(self, request: ChatRequest) -> TurnSteps:
        """The turn as the forward passes it needs (`Pass`, sent back their logits) and its events."""
        prompt = self.prompts.build(request, self.settings.max_tokens)
        tracker = TextTracker(self.tokenizer, self.prompts.parser, request.stop)
        limit = min(request.max_tokens or self.settings.max_tokens, prompt.room)  # never past the context window
        (generation, cached), weights = self._start(request, prompt), self.weights  # a loan: ends on every path below
        try:
            yield from self._prefill(prompt, generation, cached)
            produced, pending = 0, [generation.first]
            while pending and produced < limit:
                kept = generation.take(pending, limit - produced)
                produced += len(kept)
                if kept and (text := tracker.add(kept)):
                    yield TextDelta(text)
                if tracker.stopped or generation.stopped or produced >= limit:
                    break
                pending = yield from generation.advance(limit - produced)
        except GeneratorExit:  # cancelled between two forward passes: the cache covers what ran
            self._keep(generation, weights)
            raise
        except BaseException:  # a failed pass may have left the cache half-written: drop it, end its loan
            self.cache.release(generation.cache)
            raise
        self._keep(generation, weights)
        self.last_stats = generation.stats
        rest, parsed = tracker.finish()
        if rest:
            yield TextDelta(rest)
        yield self._completion(prompt, generation, tracker, parsed, limit)

    def _start(self, request: ChatRequest, prompt) -> tuple[Generation, int]:
        """A generation on the best cached prefix, and how many prompt tokens that prefix covers."""
        hit = self.cache.lookup(tuple(prompt.ids)) if self.settings.prefix_cache else None
        cache = hit.cache if hit and hit.cache is not None else self.engine.new_cache()
        generation = Generation(
            cache,
            Sampler(SamplingParams(request.temperature, request.top_p, request.seed)),
            self.prompts.stop_ids,
            constraint=self._constraint(request),
            draft_len=self.settings.draft_len,
            encode=self._encode,
            draft_room=self.driver.draft_room,
        )
        return generation, hit.length if hit else 0

    def _constraint(self, request: ChatRequest):
        if not (self.settings.constrain or request.response_schema):
            if request.requires_call():  # only the grammar can make a turn call a tool
                raise UnsupportedRequest(
                    f"tool_choice {request.choice_text()} needs the constrained decoder: drop --no-constrain",
                    param="tool_choice",
                )
            return None
        return self.prompts.constraint(request, self._name_prior(request))

    def _name_prior(self, request: ChatRequest) -> NamePrior | None:
        """The retrieval prior for the turn's first call; None when off, or once this turn has called."""
        if self.settings.name_prior <= 0 or not request.tools or calls_since_user(request.messages):
            return None
        if self._prior_method is None:
            self._prior_method = get_method(self.settings.name_prior_method)
        scores = self._prior_method.scores(conversation_query(request.messages), request.tools)
        named = {tool.name: score for tool, score in zip(request.tools, scores, strict=True)}
        return NamePrior.from_scores(named, self.settings.name_prior)

    def _prefill(self, prompt, generation: Generation, cached: int) -> TurnSteps:
        pin = self.cache.pin if self.settings.prefix_cache and not self.cache.has_pinned(prompt.pinnable) else None
        chunk = self.settings.prefill_chunk
        yield from generation.prefill_steps(prompt.ids, cached, len(prompt.pinnable), pin, chunk)

    def _encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False)

    def _keep(self, generation: Generation, weights: int) -> None:
        """Hand the turn's cache to the prefix cache, cropped to the tokens it covers (a prefix of `tokens`)."""
        if not self.settings.prefix_cache or weights != self.weights or not generation.cache.get_seq_length():
            self.cache.release(generation.cache)
            return
        covered = min(generation.cache.get_seq_length(), len(generation.tokens))
        extra = generation.cache.get_seq_length() - covered
        if extra:
            generation.cache.crop(-extra)
        self.cache.keep(tuple(generation.tokens[:covered]), generation.cache)

    def _completion(self, prompt, generation: Generation, tracker: TextTracker, parsed, limit: int) -> Completion:
        calls = [self._call(c.name, c.arguments) for c in parsed.calls]
        errors = {}
        for error in parsed.errors:
            call = self._call(error.name or "invalid_tool_call", error.raw)
            calls.append(call)
            errors[call.id] = error.reason
        produced = len(tracker.ids)
        finish = "tool_calls" if calls else ("length" if produced >= limit and not generation.stopped else "stop")
        message = AssistantMessage(content=parsed.content, tool_calls=calls or None)
        usage = Usage(prompt_tokens=len(prompt.ids), completion_tokens=produced)
        return Completion(message, finish, usage, self.describe(), parse_errors=errors, notices=prompt.notices)

    def _call(self, name: str, arguments: dict[str, Any] | str) -> ToolCall:
        # Minified, as the template renders it: the next step's prompt then re-tokenises to the same ids.
        text = arguments if isinstance(arguments, str) else arguments_json(arguments)
        return ToolCall(id=f"call_{uuid.uuid4().hex[:24]}", function=FunctionCall(name=name, arguments=text))


def _raise_turn_error(turn: Turn) -> None:
    if turn.error is not None:
        raise turn.error
