"""The `local` backend: a transformers model (plus optional LoRA adapter) decoding in this process.

Each turn renders the conversation with the model's tool-aware template (or
the project's Hermes template), reuses the KV cache of the longest known
token prefix, decodes under the tool-call grammar, and parses tool calls back
out of the text. Decoding runs in a worker thread, one turn at a time. It
knows nothing of MCP, the hub or the loop: tools arrive as specs.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from agent.backends.base import BackendError, BackendEvent, ChatRequest, Completion, TextDelta, Usage
from agent.backends.local import worker
from agent.backends.local.adapters import Adapters
from agent.backends.local.decode import DecodeStats, Generation
from agent.backends.local.engine import Engine
from agent.backends.local.loader import Loaded
from agent.backends.local.prefix_cache import PrefixCache
from agent.backends.local.prompt import PromptBuilder
from agent.backends.local.sampling import Sampler, SamplingParams
from agent.backends.local.shipped import SHIPPED
from agent.backends.local.turn import TextTracker
from agent.messages import AssistantMessage, FunctionCall, ToolCall
from agent.toolcalls import arguments_json

DEFAULT_MAX_TOKENS = 1024


@dataclass
class LocalSettings:
    """How the local backend decodes; every field has a CLI flag."""

    constrain: bool = True
    prefix_cache: bool = True
    draft_len: int = 8  # prompt-lookup draft tokens per forward; 0 = plain one-token decoding
    int8: bool = False  # int8 weight-only decoding: faster, not bit-identical to fp32 (see bench/)
    max_tokens: int = DEFAULT_MAX_TOKENS


class LocalBackend:
    """Backend protocol over an in-process transformers model."""

    name = "local"

    def __init__(self, loaded: Loaded, settings: LocalSettings | None = None) -> None:
        self.loaded, self.settings = loaded, settings or LocalSettings()
        self.engine = Engine(loaded.model, int8=self.settings.int8)
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.prompts = PromptBuilder(loaded.tokenizer, loaded.model.config)
        self.cache = PrefixCache()
        self.adapters = Adapters(loaded.model, loaded.source.name)
        self.lock = anyio.Lock()
        self.last_stats = DecodeStats()

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
        return worker.run(self._changing_weights, self.adapters.load, path, name)

    def use_adapter(self, name: str | None) -> None:
        """Switch to a loaded adapter, or to the bare base model with None."""
        worker.run(self._changing_weights, self.adapters.use, name)

    def unload_adapter(self, name: str | None = None) -> None:
        """Remove an adapter (the active one by default)."""
        worker.run(self._changing_weights, self.adapters.unload, name)

    def _changing_weights(self, change, *args):
        self.cache.clear()
        try:
            return change(*args)
        finally:
            self.engine.refresh()

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        """Decode one turn in a worker thread, streaming safe text."""
        completion = None
        async with self.lock:
            turn = self._turn(request)  # a generator; each step runs in a worker thread
            try:
                while (event := await worker.arun(next, turn, None)) is not None:
                    if isinstance(event, Completion):
                        completion = event
                        break
                    yield event
            finally:
                turn.close()
        if completion is None:
            raise BackendError("local backend: the turn ended without a completion")
        yield completion

    async def aclose(self) -> None:
        self.cache.clear()

    def _turn(self, request: ChatRequest) -> Iterator[BackendEvent]:
        prompt = self.prompts.build(request, self.settings.max_tokens)
        generation, first = self._start(request, prompt)
        tracker = TextTracker(self.tokenizer, self.prompts.parser.stream(), request.stop)
        limit = min(request.max_tokens or self.settings.max_tokens, prompt.room)  # never past the context window
        for ids in generation.steps(first, limit):
            if text := tracker.add(ids):
                yield TextDelta(text)
            if tracker.stopped:
                break
        self._keep(generation)
        self.last_stats = generation.stats
        yield self._completion(prompt, generation, tracker, limit)

    def _start(self, request: ChatRequest, prompt) -> tuple[Generation, int]:
        hit = self.cache.lookup(tuple(prompt.ids)) if self.settings.prefix_cache else None
        cache = hit.cache if hit and hit.cache is not None else self.engine.new_cache()
        generation = Generation(
            self.engine.forward,
            cache,
            Sampler(SamplingParams(request.temperature, request.top_p, request.seed)),
            self.prompts.stop_ids,
            constraint=self.prompts.constraint(request) if self.settings.constrain or request.response_schema else None,
            draft_len=self.settings.draft_len,
            encode=self._encode,
        )
        pin = self.cache.pin if self.settings.prefix_cache and not self.cache.has_pinned(prompt.pinnable) else None
        first = generation.prefill(prompt.ids, hit.length if hit else 0, len(prompt.pinnable), pin)
        return generation, first

    def _encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False)

    def _keep(self, generation: Generation) -> None:
        if not self.settings.prefix_cache:
            return
        covered = min(generation.cache.get_seq_length(), len(generation.tokens))
        extra = generation.cache.get_seq_length() - covered
        if extra:
            generation.cache.crop(-extra)
        self.cache.keep(tuple(generation.tokens[:covered]), generation.cache)

    def _completion(self, prompt, generation: Generation, tracker: TextTracker, limit: int) -> Completion:
        parsed = tracker.parser.finish()
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
