"""Loading a causal LM and its tokenizer with transformers, on the right device and dtype.

fp32 on CPU (several times faster than bf16 without AMX), bf16 on CUDA, NF4
through bitsandbytes only on CUDA. A GGUF is converted once (see `source`),
showing on stderr where the copy goes, the real work as it happens (metadata
read, tensors dequantised, bytes written) and the copy's final size. This
module knows nothing of adapters, prompts or decoding.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agent.errors import BackendError
from agent.models.source import ModelSource, converted_dir, resolve, save_converted, tree_size

MIB = 2**20


@dataclass
class Loaded:
    """A model ready for inference, with where it came from."""

    model: Any
    tokenizer: Any
    source: ModelSource
    device: str


def pick_device(requested: str | None = None) -> str:
    import torch

    if requested:
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_tokenizer(source: ModelSource):
    """The tokenizer of a source; a bundled/GGUF source is converted first."""
    if source.gguf_file is not None:
        source = load_model(source).source
    from transformers import AutoTokenizer

    with quiet_transformers():
        return AutoTokenizer.from_pretrained(source.directory)


def bundled_tokenizer():
    """The bundled SmolLM2 tokenizer (converting the GGUF on first use)."""
    return load_tokenizer(resolve("bundled"))


def load_model(source: ModelSource, *, device: str | None = None, load_in_4bit: bool = False) -> Loaded:
    """Load weights and tokenizer; unusable files raise one-line BackendErrors."""
    if source.gguf_file:
        with Conversion(source) as conversion:
            model, tokenizer = _load(source, device, load_in_4bit, conversion)
            with quiet_transformers(conversion):
                converted = save_converted(source, model, tokenizer, conversion.writing(model))
        if converted is not None:
            conversion.report(converted)
            source = ModelSource(source.name, converted)
    else:
        model, tokenizer = _load(source, device, load_in_4bit, None)
    device = pick_device(device)
    if not load_in_4bit:
        model.to(device)
    model.eval()
    model.requires_grad_(False)  # inference only: no autograd graph, without switching grad off for the caller's thread
    return Loaded(model, tokenizer, source, device)


def _load(source: ModelSource, device: str | None, load_in_4bit: bool, conversion: Conversion | None):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = _dtype_kwargs(pick_device(device), load_in_4bit)
    if source.gguf_file:
        kwargs["gguf_file"] = source.gguf_file
    where = source.directory / (source.gguf_file or "")
    try:
        with quiet_transformers(conversion):
            tokenizer = AutoTokenizer.from_pretrained(source.directory, **_gguf(source))
            model = AutoModelForCausalLM.from_pretrained(source.directory, **kwargs)
    except (ValueError, KeyError, OSError, RuntimeError) as exc:
        raise BackendError(f"{where}: cannot load model: {_first_line(exc)}") from exc
    return model, tokenizer


class Conversion:
    """The one-time GGUF conversion on stderr: where the copy goes, then its real work, then its size.

    Three stages, each measured: reading the GGUF's metadata (transformers
    reads it for the tokenizer, the config and the weights; shown with its
    elapsed time), dequantising the tensors (counted as the converter goes),
    writing the copy (bytes on disk against the model's size).
    """

    def __init__(self, source: ModelSource) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        assert source.gguf_file is not None
        self.gguf, self.name = source.gguf_file, source.name
        self.target = converted_dir(source.directory / source.gguf_file)
        self.console = Console(stderr=True, highlight=False, soft_wrap=True)
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[amount]}"))
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            *columns,
            TimeElapsedColumn(),
            console=self.console,
            redirect_stdout=False,  # the chat's own output handling stays in charge of stdout/stderr
            redirect_stderr=False,
        )
        self.reading: Any = None
        self.readers: dict[tuple[str, str], Any] = {}
        self.name_maps: dict[tuple[Any, int], Any] = {}
        # The real ones, taken before quiet_transformers stands `reader` and `name_map` in for them.
        from gguf import GGUFReader, get_tensor_name_map

        self.reader_class, self.name_map_function = GGUFReader, get_tensor_name_map

    def __enter__(self) -> Conversion:
        self.console.print(
            f"looptune: first use of {self.gguf}: converting it once to an fp32 copy in {self.target} "
            "(set LOOPTUNE_CACHE_DIR to put it elsewhere)",
            markup=False,
        )
        self.progress.start()
        self.reading = self.progress.add_task("reading GGUF metadata", total=None, amount="")
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _stage(self, description: str, total: int, amount: str) -> Any:
        if not self.progress.tasks[self.reading].finished:
            self.progress.update(self.reading, total=1, completed=1)
        return self.progress.add_task(description, total=total, amount=amount)

    def reader(self, path: Any, mode: Literal["r", "r+", "c"] = "r") -> Any:
        """Stands in for gguf.GGUFReader: transformers parses the file for the tokenizer, the config and the
        weights; parsing its 49k-token vocabulary is most of a first start, so it is parsed once (read-only)."""
        key = (str(path), mode)
        if key not in self.readers:
            self.readers[key] = self.reader_class(path, mode)
        return self.readers[key]

    def name_map(self, arch: Any, n_blocks: int) -> Any:
        """Stands in for gguf.get_tensor_name_map: transformers asks for it once per module of the model (397
        times for SmolLM2), and each builds the same table (~13 ms): a third of a first start, now built once."""
        key = (arch, n_blocks)
        if key not in self.name_maps:
            self.name_maps[key] = self.name_map_function(arch, n_blocks)
        return self.name_maps[key]

    def tensors(self, iterable: Iterable[Any], *_args: Any, **_kwargs: Any) -> Iterator[Any]:
        """Stands in for the GGUF converter's tqdm: counts tensors as they are dequantised."""
        items = list(iterable)
        task = self._stage("dequantising tensors", len(items), f"0/{len(items)} tensors")
        for n, item in enumerate(items, 1):
            yield item
            self.progress.update(task, completed=n, amount=f"{n}/{len(items)} tensors")

    def writing(self, model: Any):
        """`save_converted`'s hook: bytes written to the staging directory, polled while it fills."""
        expected = _model_bytes(model)

        @contextmanager
        def watch(staging: Path) -> Iterator[None]:
            task = self._stage("writing the fp32 copy", expected, f"0/{expected / MIB:.0f} MiB")
            stop = threading.Event()

            def poll() -> None:
                while not stop.wait(0.2):
                    done = tree_size(staging)
                    amount = f"{done / MIB:.0f}/{expected / MIB:.0f} MiB"
                    self.progress.update(task, completed=min(done, expected), amount=amount)

            poller = threading.Thread(target=poll, name="looptune-convert-progress", daemon=True)
            poller.start()
            try:
                yield
            finally:
                stop.set()
                poller.join()
                done = tree_size(staging)
                self.progress.update(task, total=done, completed=done, amount=f"{done / MIB:.0f} MiB")

        return watch

    def report(self, converted: Path) -> None:
        size = tree_size(converted)
        self.console.print(
            f"looptune: cached {self.name} ({size / MIB:.0f} MiB) at {converted}; later starts load it from there",
            markup=False,
        )


def _model_bytes(model: Any) -> int:
    # Tied weights (embeddings and LM head) share storage and are written once.
    storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in model.state_dict().values()}
    return sum(storages.values())


def _gguf(source: ModelSource) -> dict[str, str]:
    return {"gguf_file": source.gguf_file} if source.gguf_file else {}


def _dtype_kwargs(device: str, load_in_4bit: bool) -> dict[str, Any]:
    import torch

    if load_in_4bit:
        if not device.startswith("cuda"):
            raise BackendError("--load-in-4bit needs a CUDA GPU (bitsandbytes NF4); this machine has none")
        from transformers import BitsAndBytesConfig

        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
        return {"quantization_config": quant, "dtype": torch.bfloat16, "device_map": {"": device}}
    return {"dtype": torch.bfloat16 if device.startswith("cuda") else torch.float32}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


class quiet_transformers:
    """Silence transformers' progress bars and info logs while loading; a conversion counts the GGUF tensors."""

    def __init__(self, conversion: Conversion | None = None) -> None:
        self.conversion = conversion

    def __enter__(self) -> None:
        from transformers.utils import logging as hf_logging

        self.level = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        logging.getLogger("transformers").setLevel(logging.ERROR)
        # The GGUF converter uses tqdm directly, ignoring the switch above; the conversion's own progress replaces it.
        from transformers import modeling_gguf_pytorch_utils as gguf_utils

        self.gguf_utils, self.tqdm = gguf_utils, gguf_utils.tqdm
        gguf_utils.tqdm = self.conversion.tensors if self.conversion is not None else _no_bar
        if self.conversion is not None:  # load_gguf_checkpoint imports the reader class on each call
            import gguf

            self.gguf, self.reader_class, self.name_map = gguf, gguf.GGUFReader, gguf.get_tensor_name_map
            # A function standing in for gguf's class while transformers loads (it offers no way to pass a
            # reader): mypy rightly sees a class replaced, which is the point here.
            gguf.GGUFReader = self.conversion.reader  # type: ignore[misc, assignment]
            gguf.get_tensor_name_map = self.conversion.name_map

    def __exit__(self, *exc: object) -> None:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity(self.level)
        hf_logging.enable_progress_bar()
        self.gguf_utils.tqdm = self.tqdm
        if self.conversion is not None:
            self.gguf.GGUFReader = self.reader_class  # type: ignore[misc]  # the class put back (see __enter__)
            self.gguf.get_tensor_name_map = self.name_map


def _no_bar(iterable, *args, **kwargs):
    return iterable
