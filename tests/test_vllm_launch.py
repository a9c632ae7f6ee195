"""`looptune vllm --dry-run`: the exact `vllm serve` lines, and adapters that do not fit refused before launch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agent.toolcalls.template import TEMPLATE_PATH

TIMEOUT_S = 120
HERMES = f"--enable-auto-tool-choice --tool-call-parser hermes --chat-template {TEMPLATE_PATH}"


def vllm(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "agent.cli.main", "vllm", "--dry-run", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)


def adapter(base: Path, out: Path, rank: int, modules: list[str] | None = None) -> Path:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    config = LoraConfig(r=rank, lora_alpha=rank, target_modules=modules or ["q_proj", "v_proj"])
    get_peft_model(AutoModelForCausalLM.from_pretrained(base), config).save_pretrained(out)
    return out


def test_the_base_alone_is_served_with_our_template_and_the_hermes_parser(tiny_model_dir):
    done = vllm("--model", str(tiny_model_dir), "--port", "8011", "--", "--max-model-len", "2048")
    assert done.returncode == 0, done.stderr
    expected = f"vllm serve {tiny_model_dir} --host 127.0.0.1 --port 8011 {HERMES} --max-model-len 2048"
    assert done.stdout.strip() == expected


def test_one_adapter_becomes_a_lora_module_with_a_rank_vllm_accepts(tmp_path, tiny_model_dir):
    one = adapter(tiny_model_dir, tmp_path / "one", rank=4)
    done = vllm("--model", str(tiny_model_dir), "--adapter", f"one={one}")
    assert done.returncode == 0, done.stderr
    lora = f"--enable-lora --lora-modules one={one} --max-lora-rank 8"
    assert done.stdout.strip() == f"vllm serve {tiny_model_dir} --host 127.0.0.1 --port 8000 {lora} {HERMES}"


def test_two_adapters_of_different_ranks_share_the_larger_rank_rounded_up(tmp_path, tiny_model_dir):
    small = adapter(tiny_model_dir, tmp_path / "small", rank=4)
    large = adapter(tiny_model_dir, tmp_path / "large", rank=20)
    done = vllm("--model", str(tiny_model_dir), "--adapter", f"small={small}", "--adapter", f"large={large}")
    assert done.returncode == 0, done.stderr
    lora = f"--enable-lora --lora-modules small={small} large={large} --max-lora-rank 32"
    assert done.stdout.strip() == f"vllm serve {tiny_model_dir} --host 127.0.0.1 --port 8000 {lora} {HERMES}"


def test_an_adapter_trained_on_another_base_is_refused_naming_both(tmp_path, tiny_model_dir):
    from tests.tiny import save_tiny

    other = save_tiny(tmp_path / "other", _tokenizer(tiny_model_dir), seed=1)
    stranger = adapter(other, tmp_path / "stranger", rank=8)
    done = vllm("--model", str(tiny_model_dir), "--adapter", f"stranger={stranger}")
    assert done.returncode == 2
    assert f"adapter stranger ({stranger}) was trained on '{other}', not on '{tiny_model_dir}'" in done.stderr
    assert not done.stdout


def test_an_adapter_whose_target_modules_the_model_lacks_is_refused(tmp_path, tiny_model_dir):
    odd = adapter(tiny_model_dir, tmp_path / "odd", rank=8)
    config = (odd / "adapter_config.json").read_text().replace('"q_proj"', '"qkv_proj"')
    (odd / "adapter_config.json").write_text(config)
    done = vllm("--model", str(tiny_model_dir), "--adapter", f"odd={odd}")
    assert done.returncode == 2
    assert f"adapter odd targets modules '{tiny_model_dir}' does not have: qkv_proj" in done.stderr


def test_an_adapter_whose_target_modules_are_not_names_is_a_one_line_error(tmp_path, tiny_model_dir):
    odd = adapter(tiny_model_dir, tmp_path / "odd", rank=8)
    config = json.loads((odd / "adapter_config.json").read_text())
    (odd / "adapter_config.json").write_text(json.dumps({**config, "target_modules": 7}))
    done = vllm("--model", str(tiny_model_dir), "--adapter", f"odd={odd}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "target_modules must be a name or a list of names, not 7" in done.stderr


def _tokenizer(model_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir)
