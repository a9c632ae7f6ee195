"""Registry files for tests, and the `looptune` CLI run in a fresh interpreter against one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TIMEOUT_S = 90


def write_registry(path: Path, doc: Any) -> Path:
    """Write `doc` (a JSON value, or raw text) to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`looptune ARGS` as a user runs it (the autouse fixture's XDG dirs are inherited)."""
    return subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
