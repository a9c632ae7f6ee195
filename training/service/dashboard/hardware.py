"""What the machine is doing: CPU, memory, and each GPU's memory and utilization where torch sees one.

psutil reads the host; the GPU figures come from torch.cuda (NVML through
`torch.cuda.utilization` when the driver offers it). It knows nothing of
what is running.
"""

from __future__ import annotations

import sys
from typing import Any

import psutil


def hardware() -> dict[str, Any]:
    memory = psutil.virtual_memory()
    return {
        "cpu": {"count": psutil.cpu_count(), "percent": psutil.cpu_percent(interval=None)},
        "memory": {"total": memory.total, "used": memory.total - memory.available, "percent": memory.percent},
        "gpus": gpus(),
    }


def gpus() -> list[dict[str, Any]]:
    """One entry per CUDA device; none when torch is not loaded here or sees no GPU (importing it would cost
    seconds on every poll of a server that never needed it)."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return []
    found = []
    for index in range(torch.cuda.device_count()):
        free, total = torch.cuda.mem_get_info(index)
        entry: dict[str, Any] = {"index": index, "name": torch.cuda.get_device_name(index)}
        entry |= {"memory_total": total, "memory_used": total - free, "utilization": _utilization(torch, index)}
        found.append(entry)
    return found


def _utilization(torch: Any, index: int) -> int | None:
    try:
        return int(torch.cuda.utilization(index))
    except Exception:  # noqa: BLE001 - no NVML (pynvml missing, or a driver without it): the figure is unknown
        return None
