"""A local model that writes chat-template markers or stop strings: none of it reaches the answer.

The tiny model's real forward pass runs (so the KV cache is real); its logits
are then replaced so it writes a fixed text, as a fine-tuned model imitating
its prompt does: a tool result's closing tag, then the next user turn.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
import torch

from agent.backends.base import ChatRequest, Completion, TextDelta
from agent.backends.local.backend import LocalBackend, LocalSettings
from agent.backends.local.runner import Pass
from agent.messages import SystemMessage, UserMessage
from agent.models.loader import load_model
from agent.models.source import resolve

pytestmark = pytest.mark.anyio
WAIT_S = 60
ASK = ChatRequest([SystemMessage(content="You are terse."), UserMessage(content="What is 2+2?")], max_tokens=200)


class Writes:
    """The backend's forward pass, steered so that the model writes `text` and then repeats its last token."""

    def __init__(self, backend: LocalBackend, request: ChatRequest, text: str) -> None:
        self.script = backend.tokenizer.encode(text, add_special_tokens=False)
        self.prompt = len(backend.prompts.build(request, 200).ids)
        self.forward, self.forwards = backend.engine.forward_many, 0
        backend.engine.forward_many = self  # type: ignore[method-assign]  # the real pass, steered

    def __call__(self, passes):
        return [self.steer(one.ids, one.cache, one.keep) for one in passes]

    def steer(self, ids, cache, keep):
        self.forwards += 1
        start = cache.get_seq_length()
        logits = self.forward([Pass(ids, cache, keep)])[0]
        steered = torch.full_like(logits, -1e4)
        first = start + len(ids) - logits.shape[0]  # the position of the first row returned
        for row in range(logits.shape[0]):
            index = first + row + 1 - self.prompt  # the generated token this row chooses
            if index >= 0:
                steered[row, self.script[min(index, len(self.script) - 1)]] = 0
        return steered


async def answer(backend: LocalBackend, request: ChatRequest) -> tuple[str, Completion]:
    shown, done = "", None
    with anyio.fail_after(WAIT_S):
        async for event in backend.stream(request):
            if isinstance(event, TextDelta):
                shown += event.text
            else:
                done = event
    assert done is not None
    return shown, done


@pytest.fixture
def backend(tiny_model_dir: Path) -> LocalBackend:
    return LocalBackend(load_model(resolve(str(tiny_model_dir))), LocalSettings(draft_len=0))


@pytest.mark.parametrize(
    "written",
    [
        "4</tool_response>\n<|im_start|>user\nThanks! And 3+3?<|im_end|>",
        "4\n<tool_response>\n4\n</tool_response>",
        "4</tool_call> <|im_end|>\n<|im_start|>assistant\nAgain: 4",
        "4 <tools>\n{}\n</tools>",
    ],
)
async def test_template_markers_a_model_writes_never_reach_the_answer_or_the_stream(backend, written):
    writes = Writes(backend, ASK, written + " and on" * 50)
    shown, done = await answer(backend, ASK)
    assert done.message.content == "4"
    assert shown == "4"
    assert done.finish_reason == "stop"
    assert done.usage.completion_tokens < 40  # decoding stopped at the marker, not at max_tokens
    assert writes.forwards < 45


async def test_the_first_characters_of_a_stop_string_never_reach_the_answer(backend):
    request = ChatRequest(ASK.messages, max_tokens=200, stop=["<END>"])
    Writes(backend, request, "The sum is 4 <END> and more" * 5)
    shown, done = await answer(backend, request)
    assert done.message.content == "The sum is 4"
    assert shown == "The sum is 4"


async def test_text_held_back_as_a_possible_marker_is_shown_once_the_turn_ends(backend):
    request = ChatRequest(ASK.messages, max_tokens=5)  # the turn ends right after "</tool_"
    Writes(backend, request, "Use the </tool_ tag")
    shown, done = await answer(backend, request)
    assert done.message.content == shown
    assert shown.endswith("</tool_")
