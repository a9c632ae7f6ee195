"""Tiny local models and helpers for the interrupt and timeout cases (imported by the test modules that use them).

The endless model is the tiny random Llama of tests/tiny.py with a 32k
context: greedy decoding falls into a loop that never picks a stop token, so
a turn only ends at max_tokens, which is what a runaway real model does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from pathlib import Path

import pytest

from agent.backends.base import Backend, BackendEvent, ChatRequest

LONG_CONTEXT = 32768


@pytest.fixture(scope="session")
def endless_model_dir(tmp_path_factory: pytest.TempPathFactory, bundled_tokenizer) -> Path:
    """The tiny random Llama with a 32k-token context window (RoPE has no weights, so only the config changes)."""
    from tests.tiny import save_tiny

    directory = save_tiny(tmp_path_factory.mktemp("endless-model"), bundled_tokenizer)
    config = json.loads((directory / "config.json").read_text())
    config["max_position_embeddings"] = LONG_CONTEXT
    (directory / "config.json").write_text(json.dumps(config))
    return directory


class ForcedCall:
    """A backend that asks the one it wraps for a tool call every turn (`tool_choice="required"`).

    Under the grammar a random model then writes a string argument without
    end: every token is inside `<tool_call>`, so no text is ever shown, as when
    a model decodes a sandbox program that never stops.
    """

    def __init__(self, inner: Backend) -> None:
        self.inner, self.name = inner, inner.name

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        async with aclosing(self.inner.stream(replace(request, tool_choice="required"))) as events:
            async for event in events:
                yield event

    async def aclose(self) -> None:
        await self.inner.aclose()
