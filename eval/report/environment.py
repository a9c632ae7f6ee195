"""Where a run ran: package versions and hardware, recorded in every report.

It never imports torch itself (that costs seconds); the GPU is described only
when torch is already loaded, i.e. when a local model ran.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

PACKAGES = ("looptune", "mcp", "torch", "transformers", "peft", "trl", "xgrammar", "vllm")


def versions() -> dict[str, str | None]:
    """Python and the installed versions of the packages a figure depends on (None when absent)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        loaded = getattr(sys.modules.get(name), "__version__", None)  # what ran, even if pip changed it since
        try:
            found[name] = loaded or version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def hardware() -> dict[str, Any]:
    """CPU model and count, memory, and the GPU when torch is loaded."""
    return {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "gpu": _gpu(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def _gpu() -> str | None:
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_name(0)
