"""A tiny randomly initialised Llama with the real bundled tokenizer: same architecture, seconds to run."""

from __future__ import annotations

from pathlib import Path


def tiny_llama(seed: int = 0, hidden: int = 64):
    """A 2-layer Llama (SmolLM2's shape, scaled down) with deterministic random weights."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=49152,
        hidden_size=hidden,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )
    return LlamaForCausalLM(config).eval()


def save_tiny(directory: Path, tokenizer, seed: int = 0, hidden: int = 64) -> Path:
    """Write a tiny model plus the bundled tokenizer as a loadable model directory."""
    tiny_llama(seed, hidden).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def make_adapter(base_dir: Path, out: Path, seed: int) -> Path:
    """A random (non-zero) LoRA adapter for the model in `base_dir`."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base_dir)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(out)
    return out


def teach(directory: Path, tokenizer, traces: list[dict], steps: int = 200, seed: int = 0) -> Path:
    """A tiny model trained (all weights) until greedy decoding replays the assistant turns of `traces`.

    Each trace is rendered by training's own encoder, so a server prompting
    with the same messages and tools sees exactly the tokens it learned.
    Training stops once every assistant token is the argmax with room to spare
    (teacher-forced argmax is what greedy decoding replays): a fixed step count
    took a minute here and starved the server tests beside it on a busy CI.
    """
    import torch

    from agent.toolcalls.template import hermes_template
    from training.sft.data import encode

    model = tiny_llama(seed).train()
    examples = [encode(trace, tokenizer, hermes_template()) for trace in traces]
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    with torch.enable_grad():
        for _ in range(steps):
            if all([_step(model, optimizer, example) for example in examples]):
                break
        else:
            raise AssertionError(f"teach: {steps} steps did not make greedy decoding replay the traces")
    model.eval().save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def _step(model, optimizer, example, margin: float = 0.05) -> bool:
    """One update on one example; whether, before it, every assistant token was the argmax and the loss was
    under `margin`."""
    import torch

    ids = torch.tensor([example.input_ids])
    labels = ids.masked_fill(torch.tensor([example.assistant_masks]) == 0, -100)
    out = model(input_ids=ids, labels=labels)
    out.loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    wanted = labels[0, 1:] != -100  # logits at position i predict the token at i + 1
    guessed = out.logits[0, :-1].argmax(-1)
    return bool((guessed[wanted] == labels[0, 1:][wanted]).all()) and out.loss.item() < margin
