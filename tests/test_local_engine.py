"""The pieces under the local backend: lean runner, KV cache, drafts, prefix cache, tensor thread."""

from __future__ import annotations

import copy
import threading

import anyio
import pytest
import torch
from transformers import DynamicCache

from agent.backends.local import worker
from agent.backends.local.backend import LocalBackend, LocalSettings
from agent.backends.local.drafts import propose
from agent.backends.local.engine import Engine
from agent.backends.local.kv import growing_cache
from agent.backends.local.prefix_cache import PrefixCache
from agent.backends.local.runner import LlamaRunner, supported
from agent.backends.local.sampling import Sampler, SamplingParams
from agent.backends.local.weights import QUANT_ROWS
from agent.models.loader import load_model
from tests.tiny import tiny_llama

IDS = [1, 9690, 198, 2683, 359, 1733, 313, 30, 198, 198, 2683, 654, 946, 623, 2549, 42]


def hf_logits(model, ids: list[int]) -> torch.Tensor:
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0]


def test_the_lean_runner_computes_the_same_logits_as_transformers():
    model = tiny_llama(seed=1)
    runner = LlamaRunner(model)
    assert supported(model)
    assert torch.allclose(runner.forward(IDS, growing_cache()), hf_logits(model, IDS), atol=1e-5)


def test_prefilling_in_chunks_then_decoding_matches_one_full_pass():
    runner = LlamaRunner(tiny_llama(seed=2))
    whole = runner.forward(IDS, growing_cache())
    cache = growing_cache()
    runner.forward(IDS[:5], cache)
    middle = runner.forward(IDS[5:12], cache)
    steps = [runner.forward([token], cache) for token in IDS[12:]]
    assert torch.allclose(middle, whole[5:12], atol=1e-5)
    assert torch.allclose(torch.cat(steps), whole[12:], atol=1e-5)
    assert cache.get_seq_length() == len(IDS)


def test_a_copied_cache_is_independent_and_cropping_forgets_the_tail():
    runner = LlamaRunner(tiny_llama(seed=3))
    cache = growing_cache()
    runner.forward(IDS[:10], cache)
    twin = copy.deepcopy(cache)
    runner.forward(IDS[10:], cache)
    cache.crop(-(len(IDS) - 10))
    assert cache.get_seq_length() == twin.get_seq_length() == 10
    assert torch.equal(runner.forward(IDS[10:], cache), runner.forward(IDS[10:], twin))


@pytest.mark.parametrize("quant", ["int8", "int4"])
def test_quantized_decoding_stays_close_to_fp32_and_prefill_stays_exact(quant):
    model = tiny_llama(seed=4)
    exact, fast = LlamaRunner(model), LlamaRunner(model, quant=quant)
    long = IDS * 2  # more rows than QUANT_ROWS: a prefill, which keeps the fp32 weights
    assert torch.equal(fast.forward(long, growing_cache()), exact.forward(long, growing_cache()))
    cache_a, cache_b = growing_cache(), growing_cache()
    exact.forward(IDS[:-1], cache_a)
    fast.forward(IDS[:-1], cache_b)
    a, b = exact.forward(IDS[-1:], cache_a), fast.forward(IDS[-1:], cache_b)
    assert not torch.equal(a, b)
    assert (a - b).abs().max() < 0.2 * a.abs().max()  # random weights: the full cost of 4 bits


def as_q4_1(model) -> None:
    """Round every linear weight as a Q4_1 GGUF stores it: groups of 32, an fp16 scale and minimum each."""
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and module is not model.get_output_embeddings():
            out, inp = module.weight.shape
            groups = module.weight.detach().reshape(out, inp // 32, 32)
            low = groups.amin(-1, keepdim=True).half().float()
            scale = ((groups.amax(-1, keepdim=True) - low) / 15).half().float()
            q = ((groups - low) / scale).round().clamp(0, 15)
            module.weight.data = (q * scale + low).reshape(out, inp)


def test_int4_gives_back_the_weights_of_a_q4_1_gguf_almost_exactly():
    model = tiny_llama(seed=4)
    as_q4_1(model)
    exact, fast = LlamaRunner(model), LlamaRunner(model, quant="int4")
    for layer, quantized in zip(exact.layers, fast.layers, strict=True):
        eye = torch.eye(layer.gate_up.weight.shape[1]).split(QUANT_ROWS)  # few rows: the int4 path
        read = torch.cat([quantized.gate_up(rows) for rows in eye]).t()
        assert torch.allclose(read, layer.gate_up.weight, rtol=0.01, atol=1e-3)
    cache_a, cache_b = growing_cache(), growing_cache()
    exact.forward(IDS[:-1], cache_a)
    fast.forward(IDS[:-1], cache_b)
    a, b = exact.forward(IDS[-1:], cache_a), fast.forward(IDS[-1:], cache_b)
    assert (a - b).abs().max() < 0.02 * a.abs().max()


def test_models_the_runner_does_not_cover_decode_through_transformers(tmp_path, bundled_tokenizer):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=True, eos_token_id=2,
    )  # fmt: skip
    Qwen2ForCausalLM(config).save_pretrained(tmp_path)
    bundled_tokenizer.save_pretrained(tmp_path)
    from agent.models.source import resolve

    loaded = load_model(resolve(str(tmp_path)))
    assert Engine(loaded.model).kind == "transformers"
    cached, fresh = LocalBackend(loaded, LocalSettings()), LocalBackend(loaded, LocalSettings(prefix_cache=False))
    from tests.test_local_backend import conversation, turn

    async def both(step: int):
        return await turn(cached, conversation(step), max_tokens=12), await turn(
            fresh, conversation(step), max_tokens=12
        )

    for step in range(2):
        a, b = anyio.run(both, step)
        assert a.message == b.message


def test_drafts_continue_the_latest_earlier_occurrence_of_the_trailing_ngram():
    tokens = [5, 6, 7, 8, 9, 1, 2, 5, 6, 7, 3, 4, 5, 6, 7]
    assert propose(tokens, 3) == [3, 4, 5]
    assert propose([1, 2, 3], 4) == []
    assert propose(tokens, 0) == []


def test_the_prefix_cache_prefers_the_longest_match_and_never_consumes_pinned_entries():
    cache = PrefixCache()
    runner = LlamaRunner(tiny_llama(seed=5))
    system = growing_cache()
    runner.forward(IDS[:6], system)
    cache.pin(tuple(IDS[:6]), system)
    for _ in range(2):
        hit = cache.lookup(tuple(IDS[:6] + [7, 7]))
        assert hit.length == 6 and hit.cache.get_seq_length() == 6
    convo = growing_cache()
    runner.forward(IDS, convo)
    cache.keep(tuple(IDS), convo)
    hit = cache.lookup(tuple(IDS + [3]))
    assert hit.length == len(IDS) and hit.cache is convo
    cache.release(convo)  # the borrower ended without keeping it
    assert cache.lookup(tuple(IDS + [3])).length == 6  # the conversation was handed over; the pin remains
    assert cache.lookup((99, 98, 97)).cache is None
    cache.clear()
    assert cache.lookup(tuple(IDS)).cache is None


def test_a_conversation_on_loan_is_copied_for_a_concurrent_turn_up_to_the_prefix_it_was_lent_for():
    cache, runner = PrefixCache(), LlamaRunner(tiny_llama(seed=5))
    convo = growing_cache()
    runner.forward(IDS, convo)
    cache.keep(tuple(IDS), convo)
    first = cache.lookup(tuple(IDS + [3]))
    assert first.cache is convo and first.length == len(IDS)
    runner.forward([3, 4, 5], convo)  # the borrower writes past the prefix it was lent
    second = cache.lookup(tuple(IDS + [9]))
    assert second.cache is not convo and second.length == len(IDS) == second.cache.get_seq_length()
    for own, lent in zip(second.cache.layers, convo.layers, strict=True):
        assert torch.equal(own.keys, lent.keys[..., : len(IDS), :])
        assert own.kbuf.shape[-2] == len(IDS)  # only the prefix was copied, not what the borrower wrote after it
    cache.keep(tuple(IDS + [3, 4, 5]), convo)  # the turn ended: the loan with it
    assert cache.lent == []
    cache.release(second.cache)  # a turn that kept nothing (a failed pass) ends its loan the same way
    assert cache.lookup(tuple(IDS + [3, 4, 5, 6])).cache is convo


def test_a_pinned_transformers_cache_comes_back_whole_when_the_prompt_extends_all_of_it():
    cache, model = PrefixCache(), tiny_llama(seed=5)
    system = DynamicCache()
    with torch.no_grad():
        model(torch.tensor([IDS[:6]]), past_key_values=system, use_cache=True)
    cache.pin(tuple(IDS[:6]), system)
    hit = cache.lookup(tuple(IDS[:6] + [7]))  # transformers' crop(0) would have emptied the copy
    assert hit.length == 6 == hit.cache.get_seq_length()


def test_top_p_sampling_only_draws_from_the_nucleus():
    logits = torch.tensor([5.0, 4.9, 0.0, -1.0, -2.0])
    sampler = Sampler(SamplingParams(temperature=1.0, top_p=0.9, seed=0))
    assert {sampler.pick(logits) for _ in range(200)} == {0, 1}
    assert Sampler(SamplingParams()).pick(logits) == 0


def test_tensor_work_runs_on_one_thread_even_when_nested():
    seen = set()

    def inner():
        seen.add(threading.get_ident())
        return "inner"

    def outer():
        seen.add(threading.get_ident())
        return worker.run(inner)

    assert worker.run(outer) == "inner"
    assert anyio.run(worker.arun, outer) == "inner"
    assert len(seen) == 1 and threading.get_ident() not in seen


def test_a_lora_adapter_stays_whole_over_int4_base_weights():
    from peft import LoraConfig, get_peft_model

    model = tiny_llama(seed=7)
    as_q4_1(model)
    bare = LlamaRunner(model)
    torch.manual_seed(7)
    # k_proj has no LoRA: the fused qkv factors leave its block empty.
    targets = ["q_proj", "v_proj", "gate_proj", "down_proj"]
    config = LoraConfig(r=4, lora_alpha=8, target_modules=targets, init_lora_weights=False)
    tuned = get_peft_model(model, config)
    exact, fast = LlamaRunner(tuned), LlamaRunner(tuned, quant="int4")

    def decode(runner: LlamaRunner) -> torch.Tensor:
        cache = growing_cache()
        runner.forward(IDS[:-1], cache)
        return runner.forward(IDS[-1:], cache)

    base, folded, unmerged = decode(bare), decode(exact), decode(fast)
    moved = (folded - base).abs().max()
    assert moved > 0.1 * folded.abs().max()  # the adapter matters
    assert (unmerged - folded).abs().max() < 0.05 * moved  # and the int4 path keeps it
