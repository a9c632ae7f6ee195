"""`looptune chat`: a conversation, one user line at a time.

This is the minimal line loop (stdin lines in, answers out); the rich REPL
replaces its interactive side.
"""

from __future__ import annotations

import argparse
import sys

import anyio

from agent.cli.agent_setup import add_agent_flags, open_agent
from agent.cli.printer import PlainPrinter
from agent.loop import AgentLoop, RunResult
from agent.messages import Message, UserMessage

PROMPT = "you> "


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("chat", help="talk to the agent (one message per line)")
    add_agent_flags(parser)
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    return anyio.run(chat, args)


async def _read_line(interactive: bool) -> str | None:
    def read() -> str | None:
        try:
            return input(PROMPT) if interactive else sys.stdin.readline() or None
        except EOFError:
            return None

    return await anyio.to_thread.run_sync(read, abandon_on_cancel=True)


async def _turn(loop: AgentLoop, history: list[Message], text: str, printer: PlainPrinter) -> list[Message]:
    result = RunResult()
    async with loop.stream([*history, UserMessage(content=text)]) as events:
        async for event in events:
            result.events.append(event)
            printer(event)
    # A failed turn keeps what happened too: its tool calls changed real server state.
    trace = result.trace
    return list(trace.messages) if trace is not None else history


async def chat(args: argparse.Namespace) -> int:
    """Read messages until EOF or /exit; each answer keeps the conversation so far."""
    interactive = sys.stdin.isatty()
    printer = PlainPrinter()
    history: list[Message] = []
    async with open_agent(args) as loop:
        while (line := await _read_line(interactive)) is not None:
            text = line.strip()
            if text in {"/exit", "/quit"}:
                break
            if text:
                history = await _turn(loop, history, text, printer)
    return 0
