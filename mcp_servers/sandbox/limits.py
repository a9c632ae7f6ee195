"""The resource limits of one sandboxed run, as numbers and as `setrlimit` pairs.

Wall time is enforced by the runner (it kills the process group); the kernel
enforces the rest per process: CPU seconds, address space, file size, open
files, no core dumps, and the number of tasks of the user the code runs as.
This module knows nothing of processes or users; it only computes limits.
"""

from __future__ import annotations

import math
import resource

MIN_TIMEOUT_S = 1.0
# Below the hub's default 60 s call timeout, so the caller hears our answer rather than its own.
MAX_TIMEOUT_S = 50.0
MEMORY_BYTES = 512 * 1024 * 1024
FILE_BYTES = 10 * 1024 * 1024
OPEN_FILES = 256
TASKS = 64
OUTPUT_BYTES = 64 * 1024
CODE_CHARS = 200_000

Limits = list[tuple[int, tuple[int, int]]]


def clamp_timeout(timeout_s: float) -> float:
    """`timeout_s` kept within [MIN_TIMEOUT_S, MAX_TIMEOUT_S]."""
    return min(max(timeout_s, MIN_TIMEOUT_S), MAX_TIMEOUT_S)


def rlimits(timeout_s: float, tasks: int | None) -> Limits:
    """The (resource, (soft, hard)) pairs for a run; `tasks` None leaves RLIMIT_NPROC alone."""
    cpu = math.ceil(timeout_s) + 1
    pairs = [
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES)),
        (resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES)),
        (resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    if tasks is not None:
        pairs.append((resource.RLIMIT_NPROC, (tasks, tasks)))
    return [(kind, _within_hard(kind, soft, hard)) for kind, (soft, hard) in pairs]


def _within_hard(kind: int, soft: int, hard: int) -> tuple[int, int]:
    # An unprivileged process may lower its hard limits but never raise them.
    current = resource.getrlimit(kind)[1]
    if current == resource.RLIM_INFINITY:
        return soft, hard
    return min(soft, current), min(hard, current)
