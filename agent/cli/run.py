"""`looptune run "PROMPT"`: one question, answered with tools, then exit."""

from __future__ import annotations

import argparse
from pathlib import Path

import anyio

from agent.cli.agent_setup import add_agent_flags, model_name, open_agent, open_store
from agent.cli.printer import JsonPrinter, PlainPrinter
from agent.fsutil import atomic_write_text
from agent.loop import AgentLoop, RunResult
from agent.loop.loop import visible_tools
from agent.messages import Message, SystemMessage, UserMessage
from agent.sessions.recorder import TurnRecorder


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="answer one prompt with tools, then exit")
    parser.add_argument("prompt", metavar="PROMPT", help="what to ask; the agent answers with tools, then exits")
    add_agent_flags(parser)
    parser.add_argument("--json", action="store_true", help="print the event stream as JSON lines")
    parser.add_argument("--trace", metavar="FILE", help="write the run's trace (one JSON line) to FILE")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    return anyio.run(run_once, args)


def _opening(loop: AgentLoop, prompt: str) -> list[Message]:
    system = loop.config.system_prompt
    opening: list[Message] = [SystemMessage(content=system)] if system else []
    return [*opening, UserMessage(content=prompt)]


async def run_once(args: argparse.Namespace) -> int:
    """Run the prompt; exit code 0 for a final answer, 1 when the run stopped with an error."""
    printer = JsonPrinter() if args.json else PlainPrinter()
    result = RunResult()
    with open_store(args) as store:
        async with open_agent(args) as loop:
            messages = _opening(loop, args.prompt)
            session = store.create(backend=loop.backend.name, model=model_name(loop.backend), source="run")
            recorder = TurnRecorder(store, session, [])
            recorder.begin(messages, visible_tools(loop.config, messages, loop.toolbox.specs()))
            async with loop.stream(messages) as events:
                async for event in events:
                    recorder.on_event(event)
                    result.events.append(event)
                    printer(event)
    if args.trace and result.trace is not None:
        atomic_write_text(Path(args.trace), result.trace.to_json_line() + "\n")
    return 0 if result.final is not None else 1
