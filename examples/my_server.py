"""Write your own MCP server and register it with looptune.

    .venv/bin/looptune mcp add notes -- .venv/bin/python examples/my_server.py
    .venv/bin/looptune mcp tools notes
    .venv/bin/looptune mcp call notes__add_note '{"text": "buy milk"}'

Running this file with `--demo` does exactly that against a throwaway
registry file, so you can see the whole round trip in one command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

server = MCPServer("notes")
NOTES: list[str] = []


@server.tool(description="Add a note.", annotations=ToolAnnotations(destructive_hint=False))
def add_note(text: str) -> str:
    NOTES.append(text)
    return f"note {len(NOTES)} added: {text}"


@server.tool(description="List all notes, one per line.", annotations=ToolAnnotations(read_only_hint=True))
def list_notes() -> str:
    return "\n".join(f"{i}. {t}" for i, t in enumerate(NOTES, 1)) or "no notes"


def demo() -> int:
    """Register this server in a temporary registry and call it through the looptune CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LOOPTUNE_MCP_CONFIG": str(Path(tmp) / "mcp.json")}
        cli = [sys.executable, "-m", "agent.cli.main", "mcp"]
        steps = [
            ["add", "notes", "--", sys.executable, str(Path(__file__).resolve())],
            ["tools", "notes"],
            ["call", "notes__add_note", json.dumps({"text": "buy milk"})],
        ]
        for step in steps:
            done = subprocess.run(cli + step, env=env, capture_output=True, text=True, timeout=60)
            print(done.stdout, end="")
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return done.returncode
    return 0


if __name__ == "__main__":
    if "--demo" in sys.argv:
        sys.exit(demo())
    server.run()
