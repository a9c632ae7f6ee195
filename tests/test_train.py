"""`looptune train` on a tiny model: configs, the assistant-only mask, loss going down, reload, merge and export.

Kills and torn checkpoints are in tests/faults/test_training_kills.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.trainrun import TIMEOUT_S, TRACE, looptune_train, write_config
from training.sft.config import ConfigError, load_config
from training.sft.data import DataError, Example, check_mask, encode


def test_flags_override_the_yaml_and_bad_values_name_their_source(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("data: a.jsonl\nlora_r: 8\nlearning_rate: 1e-4\n")
    config = load_config(str(path), {"lora-r": "4", "target-modules": "[q_proj, v_proj]"})
    assert (config.lora_r, config.learning_rate, config.data) == (4, 1e-4, ["a.jsonl"])
    assert config.target_modules == ["q_proj", "v_proj"]
    with pytest.raises(ConfigError, match=r"flag --lora-r: lora_r: Input should be greater than or equal to 1"):
        load_config(str(path), {"lora-r": "0"})
    path.write_text("data: a.jsonl\nlora_rank: 8\n")
    with pytest.raises(ConfigError, match=r"c.yaml: lora_rank: Extra inputs are not permitted"):
        load_config(str(path), {})
    path.write_text("data: [a.jsonl\n")
    with pytest.raises(ConfigError, match=r"c.yaml:2: not valid YAML"):
        load_config(str(path), {})


def test_the_mask_covers_exactly_the_assistant_turns_with_their_end_of_turn(bundled_tokenizer):
    from agent.toolcalls.template import hermes_template

    example = encode(TRACE, bundled_tokenizer, hermes_template())
    pairs = list(zip(example.input_ids, example.assistant_masks, strict=True))
    trained = bundled_tokenizer.decode([t for t, m in pairs if m])
    assert trained == (
        '<tool_call>\n{"name": "tasks__add_task", "arguments": {"title":"buy milk","due":"2026-11-27"}}\n'
        "</tool_call><|im_end|>Added 'buy milk', due Friday.<|im_end|>"
    )
    untrained = bundled_tokenizer.decode([t for t, m in pairs if not m])
    assert "Add 'buy milk' for Friday" in untrained and "Added task id 1" in untrained and "<tools>" in untrained


def test_a_mask_that_trains_nothing_or_never_the_end_of_turn_is_an_error(bundled_tokenizer):
    with pytest.raises(DataError, match=r"t.jsonl:3: the assistant-only mask is all zeros"):
        check_mask(Example([5, 6, 7], [0, 0, 0], "t.jsonl:3"), bundled_tokenizer, 1)
    end = bundled_tokenizer.convert_tokens_to_ids("<|im_end|>")
    with pytest.raises(DataError, match=r"1 of 2 assistant turns train their <\|im_end\|>"):
        check_mask(Example([5, end, 6, end], [1, 1, 1, 0], "t.jsonl:4"), bundled_tokenizer, 2)


def test_training_lowers_the_loss_and_writes_an_adapter_that_reloads_with_the_same_logits(tmp_path, tiny_model_dir):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    done = looptune_train(str(write_config(tmp_path, tiny_model_dir)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "skipped 1 invalid trace" in done.stderr
    out = tmp_path / "out"
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    losses = [e["loss"] for e in log if "loss" in e]
    assert len(losses) == 8 and losses[-1] < losses[0] - 0.1  # a random tiny model: from ln(vocab) down
    assert {"adapter_model.safetensors", "adapter_config.json", "README.md", "loss.png", "train_config.yaml"} <= {
        p.name for p in out.iterdir()
    }
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")
    assert "chat_template" in (out / "tokenizer_config.json").read_text() or (out / "chat_template.jinja").exists()
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-4", "checkpoint-8"]

    from agent.backends.local.backend import LocalBackend, LocalSettings
    from agent.models.loader import load_model
    from agent.models.source import resolve

    backend = LocalBackend(load_model(resolve(str(tiny_model_dir))), LocalSettings())
    backend.load_adapter(str(out))
    ids = torch.tensor([backend.tokenizer("Add 'buy milk' for Friday")["input_ids"]])
    with torch.no_grad():
        served = backend.model(ids).logits
        reference = (
            PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), out).eval()(ids).logits
        )
        base = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()(ids).logits
    assert torch.allclose(served, reference, atol=1e-5) and not torch.allclose(served, base, atol=1e-3)


def test_qlora_on_a_cpu_machine_is_a_clear_error(tmp_path, tiny_model_dir):
    done = looptune_train(str(write_config(tmp_path, tiny_model_dir)), "--qlora", "true", cwd=tmp_path)
    assert done.returncode == 2 and "qlora: true needs a CUDA GPU" in done.stderr


def test_merging_gives_plain_weights_with_the_adapters_logits_and_prints_vllm_lines(tmp_path, tiny_model_dir):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from tests.tiny import make_adapter

    adapter = make_adapter(tiny_model_dir, tmp_path / "adapter", seed=3)
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(adapter)
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "train", "merge", str(adapter), "-o", str(tmp_path / "merged")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr
    assert f"vllm serve {tmp_path / 'merged'} --chat-template" in done.stdout
    assert "--enable-lora --lora-modules adapter=" in done.stdout and "--max-lora-rank 8" in done.stdout
    ids = torch.tensor([[1, 400, 500, 600]])
    with torch.no_grad():
        merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged").eval()(ids).logits
        on_base = (
            PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), adapter).eval()(ids).logits
        )
    assert torch.allclose(merged, on_base, atol=1e-5)


def test_merging_a_folder_that_is_not_an_adapter_is_a_clear_error(tmp_path):
    done = looptune_train("merge", str(tmp_path), "-o", str(tmp_path / "m"), cwd=tmp_path)
    assert done.returncode == 2 and "not a PEFT adapter (no adapter_config.json)" in done.stderr


def test_the_memory_estimate_adds_up_its_parts(tiny_model_dir):
    from training.sft.memory import GIB, estimate, from_config, from_params

    shape = from_config(tiny_model_dir)
    assert shape.layers == 2 and shape.hidden == 64 and shape.vocab == 49152
    small, large = estimate(shape, seq=128), estimate(shape, seq=1024)
    assert large.activations > 7 * small.activations and large.weights == small.weights
    seven = estimate(from_params(7e9), quant="4bit", device="cuda", seq=2048, checkpointing=True)
    assert 4 * GIB < seven.total < 9 * GIB  # QLoRA on a 7B fits a 12 GB card, as the seeds say
    assert estimate(from_params(7e9), device="cuda").total > 14 * GIB  # bf16 7B weights alone are ~13 GiB


def test_two_cpu_processes_under_accelerate_both_finish_and_rank_zero_writes_a_loadable_adapter(
    tmp_path, tiny_model_dir
):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from tests.conftest import free_port

    examples = Path(__file__).resolve().parent.parent / "examples" / "accelerate"
    config = write_config(tmp_path, tiny_model_dir, max_steps=4, save_steps=100)
    launcher = Path(sys.executable).with_name("accelerate")
    done = subprocess.run(
        [
            str(launcher),
            "launch",
            "--config_file",
            str(examples / "cpu-2proc.yaml"),
            "--main_process_port",
            str(free_port()),
            "-m",
            "agent.cli.main",
            "train",
            str(config),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count('"steps": 4') == 1  # rank 0 reports; rank 1 finished quietly
    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), tmp_path / "out")


def test_the_shipped_recipe_is_a_valid_config():
    recipe = Path(__file__).resolve().parent.parent / "examples" / "recipes" / "bundled-cpu.yaml"
    config = load_config(str(recipe), {})
    assert config.base_model == "bundled" and config.lora_layers == 16


# ~20-25 s end to end: run with `pytest -m slow` (make test keeps CI under its 25-minute budget)
@pytest.mark.slow
def test_eval_tasks_score_the_new_adapter_and_the_card_shows_the_figures(tmp_path, tiny_model_dir):
    from eval.families import generate_tasks
    from eval.tasks import write_tasks

    tasks = tmp_path / "test.jsonl"
    write_tasks(tasks, generate_tasks(["no_tool"], "test", 2, seed=1))
    config = write_config(tmp_path, tiny_model_dir, max_steps=2, save_steps=100, eval_tasks=str(tasks))
    done = looptune_train(str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    card = (tmp_path / "out" / "README.md").read_text()
    assert "## Eval" in card and "| task completion |" in card and "| no_tool |" in card
    report = json.loads((tmp_path / "out" / "eval" / "report.json").read_text())
    assert report["settings"]["adapter"] == str(tmp_path / "out") and report["episodes_done"] == 2


def test_a_gguf_export_loads_back_in_transformers_with_the_merged_logits(tmp_path, tiny_model_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tests.tiny import make_adapter

    adapter = make_adapter(tiny_model_dir, tmp_path / "adapter", seed=4)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(adapter)
    merged = tmp_path / "merged"
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "train", "merge", str(adapter), "-o", str(merged), "--format", "gguf"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    ids = torch.tensor([[1, 400, 500, 600, 700]])
    with torch.no_grad():
        reference = AutoModelForCausalLM.from_pretrained(merged).eval()(ids).logits
        loaded = AutoModelForCausalLM.from_pretrained(merged, gguf_file="model-f32.gguf").eval()(ids).logits
    assert torch.allclose(loaded, reference, atol=1e-4)
    tokenizer = AutoTokenizer.from_pretrained(merged, gguf_file="model-f32.gguf")
    assert (
        tokenizer("Add 'buy milk'")["input_ids"] == AutoTokenizer.from_pretrained(merged)("Add 'buy milk'")["input_ids"]
    )


def test_the_local_backend_prompts_with_exactly_the_tokens_training_put_before_each_assistant_turn(bundled_tokenizer):
    from types import SimpleNamespace

    from agent.backends.base import ChatRequest
    from agent.backends.local.prompt import PromptBuilder
    from agent.messages import ToolSpec, parse_messages
    from agent.toolcalls.template import hermes_template

    example = encode(TRACE, bundled_tokenizer, hermes_template())
    builder = PromptBuilder(bundled_tokenizer, SimpleNamespace(max_position_embeddings=8192, vocab_size=49152))
    messages, tools = parse_messages(TRACE["messages"]), [ToolSpec.model_validate(t) for t in TRACE["tools"]]
    turns = [i for i, m in enumerate(messages) if m.role == "assistant"]
    for turn in turns:
        ids = builder.build(ChatRequest(messages=messages[:turn], tools=tools), 512).ids
        assert ids == example.input_ids[: len(ids)]  # what the model saw in training is what it is prompted with
        assert example.assistant_masks[len(ids) - 1 : len(ids) + 1] == [0, 1]  # and the turn it learned starts here


def test_scoring_only_trained_positions_gives_the_full_losss_value_and_gradients(tiny_model_dir):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from training.sft.compact import compact_loss

    torch.manual_seed(0)
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(tiny_model_dir),
        LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False),
    )
    ids = torch.randint(0, model.config.vocab_size, (2, 24))
    labels = ids.clone()
    labels[0, :15] = -100  # a prompt, then a trained turn
    labels[1, :5] = -100
    labels[1, 9:20] = -100  # two turns with a tool result between them
    mask = torch.ones_like(ids)
    mask[1, 22:] = 0  # padding
    labels[1, 22:] = -100
    inputs = {"input_ids": ids, "attention_mask": mask, "labels": labels}

    full = model(**inputs).loss
    full.backward()
    expected = [p.grad.clone() for p in model.parameters() if p.requires_grad]
    model.zero_grad()
    loss, correct, count = compact_loss(model, inputs)
    loss.backward()
    got = [p.grad for p in model.parameters() if p.requires_grad]

    assert int(count) == int((labels[:, 1:] != -100).sum())
    assert 0 <= int(correct) <= int(count)
    assert torch.allclose(loss, full, atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(got, expected, strict=True))


def test_packing_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("data: a.jsonl\npacking: true\n")
    with pytest.raises(ConfigError, match=r"c.yaml: packing: .*packing is not supported: each example trains alone"):
        load_config(str(path), {})


def test_an_exported_bf16_adapter_is_half_the_size_and_serves_the_same_logits(tmp_path, tiny_model_dir):
    import torch

    from agent.backends.local.backend import LocalBackend, LocalSettings
    from agent.models.loader import load_model
    from agent.models.source import resolve
    from tests.tiny import make_adapter

    trained = make_adapter(tiny_model_dir, tmp_path / "trained", seed=5)
    (trained / "checkpoint-4").mkdir()
    (trained / "README.md").write_text("# card\n")
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "stale.txt").write_text("from an older export")
    done = looptune_train("export", str(trained), "-o", str(shipped), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "bf16 weights" in done.stdout
    names = sorted(p.name for p in shipped.iterdir())
    assert names == ["README.md", "adapter_config.json", "adapter_model.safetensors"]
    full, half = (d / "adapter_model.safetensors" for d in (trained, shipped))
    assert half.stat().st_size < 0.6 * full.stat().st_size

    backend = LocalBackend(load_model(resolve(str(tiny_model_dir))), LocalSettings())
    ids = torch.tensor([backend.tokenizer("Add 'buy milk' for Friday")["input_ids"]])
    logits = {}
    for name, folder in (("fp32", trained), ("bf16", shipped)):
        backend.load_adapter(str(folder), name)
        with torch.no_grad():
            logits[name] = backend.model(ids).logits
    lora = [p for n, p in backend.model.named_parameters() if "lora_A.bf16" in n]
    assert lora and all(p.dtype == torch.float32 for p in lora)  # PEFT upcasts to the base's dtype
    assert torch.allclose(logits["bf16"], logits["fp32"], atol=1e-2)


def test_exporting_a_folder_that_is_not_an_adapter_names_it(tmp_path):
    done = looptune_train("export", str(tmp_path), "-o", str(tmp_path / "x"), cwd=tmp_path)
    assert done.returncode == 2
    assert f"{tmp_path}: not an adapter folder" in done.stderr
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def first_adapter(tmp_path_factory, tiny_model_dir) -> Path:
    """An adapter trained for 8 steps (loss well below a random model's), to start others from."""
    first = tmp_path_factory.mktemp("first")
    done = looptune_train(str(write_config(first, tiny_model_dir)), cwd=first)
    assert done.returncode == 0, done.stderr
    return first / "out"


def test_a_warm_start_begins_where_the_adapter_it_loads_left_off(tmp_path, tiny_model_dir, first_adapter):
    config = write_config(tmp_path, tiny_model_dir, init_adapter=str(first_adapter), max_steps=1, learning_rate=1e-9)
    done = looptune_train(str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"LoRA starts from {first_adapter}" in done.stderr

    def losses(out: Path) -> list[float]:
        log = (out / "train_log.jsonl").read_text().splitlines()
        return [entry["loss"] for entry in map(json.loads, log) if "loss" in entry]

    cold, warm = losses(first_adapter), losses(tmp_path / "out")
    assert warm[0] < cold[0] - 0.1 and abs(warm[0] - cold[-1]) < 0.5  # it starts trained, not from zeros


def test_a_warm_start_from_an_adapter_of_another_shape_names_the_field(tmp_path, tiny_model_dir, first_adapter):
    config = write_config(tmp_path, tiny_model_dir, init_adapter=str(first_adapter), lora_r=8)
    done = looptune_train(str(config), cwd=tmp_path)
    assert done.returncode == 2
    assert "its lora_r is 4 but this config builds 8" in done.stderr
