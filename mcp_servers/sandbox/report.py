"""A run's outcome as compact text for a model, and as data.

The text leads with exit code, timeout and duration, then a stdout and a
stderr section. Each section is cut to `SECTION_CHARS`: stdout keeps its
start, stderr its end (where a traceback's last line is). The data has the
full captured streams and the same facts as the text: exit code, whether it
timed out or flooded, the timeout used and any notes (e.g. a clamped timeout).
This module does not run anything.
"""

from __future__ import annotations

import signal
from typing import Any

from mcp_servers.sandbox.limits import OUTPUT_BYTES
from mcp_servers.sandbox.runner import Run

SECTION_CHARS = 6000


def _exit(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        try:
            return f"exit code {code} (killed by {signal.Signals(-code).name})"
        except ValueError:
            return f"exit code {code} (killed by signal {-code})"
    return f"exit code {code}"


def _section(name: str, text: str, keep_end: bool) -> str:
    if len(text) <= SECTION_CHARS:
        return f"--- {name} ---\n{text.rstrip()}"
    cut = text[-SECTION_CHARS:] if keep_end else text[:SECTION_CHARS]
    where = "last" if keep_end else "first"
    return f"--- {name} ({where} {SECTION_CHARS:,} of {len(text):,} characters) ---\n{cut.rstrip()}"


def headline(run: Run, timeout_s: float) -> str:
    """Exit code, timeout and duration in one line."""
    timed = f"yes: killed after {timeout_s:g} s with all its processes" if run.timed_out else "no"
    return f"{_exit(run.exit_code)}, timed out: {timed}, {run.duration_s:.2f} s"


def render(run: Run, timeout_s: float, notes: list[str]) -> tuple[str, dict[str, Any]]:
    """The text and data of a run's result; `notes` are extra lines for the model."""
    lines = [headline(run, timeout_s), *notes]
    if run.flooded:
        lines.append(f"{run.flooded} passed the {OUTPUT_BYTES // 1024} KB output limit; the run was killed")
    if run.stdout:
        lines.append(_section("stdout", run.stdout, keep_end=False))
    if run.stderr:
        lines.append(_section("stderr", run.stderr, keep_end=True))
    if not (run.stdout or run.stderr):
        lines.append("(no output; print() what you want to see)")
    data = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "exit_code": run.exit_code,
        "timed_out": run.timed_out,
        "flooded": run.flooded is not None,
        "timeout_s": timeout_s,
        "duration_s": run.duration_s,
        "notes": list(notes),
    }
    return "\n".join(lines), data
