"""Embed the looptune agent loop in your own Python program.

Mounts an MCP server (here `mcp-server-time`, installed with looptune's dev
extra), drives it with a backend, and prints the streamed events. The
scripted backend stands in for a model so the example runs anywhere; swap in
`create_backend("openai", BackendOptions(base_url=..., model=...))` for a
real one.

Run: `.venv/bin/python examples/embed_loop.py`
"""

from __future__ import annotations

import sys

import anyio

from agent.backends.scripted import ScriptedBackend
from agent.hub import Hub
from agent.loop import AgentLoop, Final, ToolCallFinished, ToolCallStarted
from agent.messages import UserMessage
from agent.registry import ServerConfig

SERVERS = {"time": ServerConfig(command=sys.executable, args=["-m", "mcp_server_time"])}
TURNS = [
    {"tool_calls": [{"name": "time__get_current_time", "arguments": {"timezone": "Asia/Tokyo"}}]},
    {"content": "I looked up the current time in Tokyo for you."},
]


async def main() -> int:
    async with Hub(SERVERS) as hub:
        loop = AgentLoop(ScriptedBackend(TURNS), hub)
        async with loop.stream([UserMessage(content="What time is it in Tokyo?")]) as events:
            async for event in events:
                if isinstance(event, ToolCallStarted):
                    print(f"calling {event.call.name} {event.call.function.arguments}")
                elif isinstance(event, ToolCallFinished):
                    print(f"result: {event.outcome.text}")
                elif isinstance(event, Final):
                    print(f"answer: {event.content}")
                    return 0
    return 1


if __name__ == "__main__":
    sys.exit(anyio.run(main))
