"""The first start's GGUF conversion interrupted: Ctrl+C mid-write, or a kill that left a staging directory.

The cache directory is whole or absent: a conversion writes to a staging
directory renamed into place at the end, removes it on Ctrl+C, and a later
conversion sweeps the staging directory of a killed one.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.models.source import ModelSource, converted_dir, save_converted


@pytest.fixture
def gguf_source(tmp_path, monkeypatch) -> ModelSource:
    """A source still to be converted: the file only has to exist (the cache key is its path, size and mtime)."""
    monkeypatch.setenv("LOOPTUNE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    return ModelSource("m", tmp_path, gguf_file="m.gguf")


def test_ctrl_c_while_the_converted_model_is_written_leaves_no_half_cache(gguf_source, tmp_path, bundled_tokenizer):
    from tests.tiny import tiny_llama

    model = tiny_llama()
    write = model.save_pretrained

    def interrupted(directory, **kwargs):
        write(directory, **kwargs)  # the weights are on disk...
        raise KeyboardInterrupt  # ...and Ctrl+C comes before the tokenizer is

    model.save_pretrained = interrupted
    with pytest.raises(KeyboardInterrupt):
        save_converted(gguf_source, model, bundled_tokenizer)
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_a_conversion_sweeps_the_staging_directory_a_killed_one_left(gguf_source, tmp_path, bundled_tokenizer):
    from tests.tiny import tiny_llama

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    models = tmp_path / "cache" / "models"
    models.mkdir(parents=True)
    left = models / f".convert-{dead.stdout.strip()}-x1y2"
    left.mkdir()
    (left / "model.safetensors").write_bytes(b"half")
    target = save_converted(gguf_source, tiny_llama(), bundled_tokenizer)
    assert target == converted_dir(tmp_path / "m.gguf") and (target / "config.json").is_file()
    assert sorted(p.name for p in models.iterdir()) == [target.name]
