"""LoRA adapters on the local backend: load, swap and unload at run time, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from agent.backends import BackendError, ChatRequest, complete
from agent.backends.local.backend import LocalBackend, LocalSettings
from agent.messages import UserMessage
from agent.models.loader import load_model
from agent.models.source import resolve
from tests.tiny import make_adapter

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def adapters(tiny_model_dir, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("adapters")
    return make_adapter(tiny_model_dir, root / "a", 1), make_adapter(tiny_model_dir, root / "b", 2)


def logits(backend: LocalBackend):
    import torch

    ids = torch.tensor([backend.tokenizer("The quick brown fox")["input_ids"]])
    with torch.no_grad():
        return backend.model(ids).logits


async def answer(backend: LocalBackend) -> str:
    with anyio.fail_after(60):
        done = await complete(backend, ChatRequest(messages=[UserMessage(content="Say hi")], max_tokens=12))
    return done.message.text


async def test_swapping_adapters_changes_outputs_and_unloading_restores_the_base_exactly(tiny_model_dir, adapters):
    import torch

    backend = LocalBackend(load_model(resolve(str(tiny_model_dir))), LocalSettings())
    base_logits, base_text = logits(backend), await answer(backend)
    full_prompt = backend.last_stats.prefill_tokens
    await answer(backend)
    assert backend.last_stats.prefill_tokens == 1  # the same prompt again: all but its last token cached
    backend.load_adapter(str(adapters[0]))
    a_logits, a_text = logits(backend), await answer(backend)
    assert backend.last_stats.prefill_tokens == full_prompt  # new weights: nothing cached survives
    backend.load_adapter(str(adapters[1]))
    b_logits = logits(backend)
    assert not torch.equal(a_logits, base_logits) and not torch.equal(b_logits, a_logits)
    assert a_text != base_text
    backend.use_adapter("a")
    assert torch.equal(logits(backend), a_logits)
    backend.use_adapter(None)
    assert torch.equal(logits(backend), base_logits)
    assert await answer(backend) == base_text
    backend.unload_adapter("a")
    backend.unload_adapter("b")
    assert torch.equal(logits(backend), base_logits)
    assert backend.describe() == tiny_model_dir.name


async def test_the_active_adapter_is_named_in_the_description(tiny_model_dir, adapters):
    backend = LocalBackend(load_model(resolve(str(tiny_model_dir))), LocalSettings())
    backend.load_adapter(str(adapters[0]))
    assert backend.describe().endswith(f"+ adapter {adapters[0]}")


def test_an_adapter_trained_on_another_base_names_both_models(tiny_model_dir, tmp_path, bundled_tokenizer):
    from tests.tiny import save_tiny

    other = save_tiny(tmp_path / "other-base", bundled_tokenizer, seed=3, hidden=32)
    adapter = make_adapter(other, tmp_path / "other-adapter", 1)
    backend = LocalBackend(load_model(resolve(str(tiny_model_dir))), LocalSettings())
    with pytest.raises(BackendError, match="trained on .*other-base.*not on the loaded model 'tiny-model"):
        backend.load_adapter(str(adapter))


def test_a_folder_that_is_not_a_peft_adapter_is_refused(tiny_model_dir, tmp_path):
    backend = LocalBackend(load_model(resolve(str(tiny_model_dir))), LocalSettings())
    with pytest.raises(BackendError, match="not a PEFT adapter"):
        backend.load_adapter(str(tmp_path))
    (tmp_path / "adapter_config.json").write_text(json.dumps({"r": 4}))
    with pytest.raises(BackendError, match="no peft_type"):
        backend.load_adapter(str(tmp_path))
    with pytest.raises(BackendError, match="adapter not found"):
        backend.load_adapter(str(tmp_path / "missing"))


def test_switching_to_an_adapter_that_is_not_loaded_lists_the_loaded_ones(tiny_model_dir):
    backend = LocalBackend(load_model(resolve(str(tiny_model_dir))), LocalSettings())
    with pytest.raises(BackendError, match="no adapter named 'x' is loaded"):
        backend.use_adapter("x")
