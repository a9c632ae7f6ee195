"""Run `looptune run` as a user would, with the scripted backend and a registry of chosen servers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TIMEOUT_S = 90


def scripted_run(
    tmp_path: Path, servers: dict[str, list[str]], turns: list[dict[str, Any]], prompt: str = "go", *extra: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """Mount only `servers` (name -> python args), play `turns`; returns the process and its JSON events."""
    registry = tmp_path / "mcp.json"
    entries = {name: {"command": sys.executable, "args": args} for name, args in servers.items()}
    registry.write_text(json.dumps({"mcpServers": entries}))
    script = tmp_path / "script.jsonl"
    script.write_text("".join(json.dumps(turn) + "\n" for turn in turns))
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "run", prompt, "--backend", "scripted", "--script", str(script)]
        + ["--yes", "--json", "--mcp-config", str(registry), "--servers", ",".join(servers), *extra],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    events = [json.loads(line) for line in done.stdout.splitlines()] if done.returncode == 0 else []
    return done, events


def tool_texts(events: list[dict[str, Any]]) -> list[str]:
    """The text of every tool result, in order."""
    return [e["outcome"]["text"] for e in events if e["type"] == "tool_call_finished"]
