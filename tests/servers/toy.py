"""A small MCP server for the tests and benches, built with the SDK.

Run: `python tests/servers/toy.py [--http HOST:PORT] [--garbage] [--prefix P]`.
Its tools cover what the hub must handle: plain results, errors, progress,
sampling, elicitation, roots, a growing tool list, a crash, a hang and a
huge result.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import anyio
import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPDeprecationWarning
from pydantic import BaseModel

# Sampling and roots are deprecated in the 2026 protocol but are what
# handshake-era clients (and looptune) speak; this server exercises them.
warnings.filterwarnings("ignore", category=MCPDeprecationWarning)

server = MCPServer("toy", instructions="A toy server for looptune's tests.")
# Tools that change nothing say so (the MCP default is "may change things", which asks before running);
# delete_thing, grow and crash are left unannotated or destructive on purpose.
READ_ONLY = types.ToolAnnotations(read_only_hint=True)


@server.tool(description="Echo the given text back.", annotations=READ_ONLY)
def echo(text: str) -> str:
    return text


@server.tool(description="Add two numbers.", annotations=READ_ONLY)
def add(a: float, b: float) -> float:
    return a + b


@server.tool(description="Always fails with a tool error.", annotations=READ_ONLY)
def fail(reason: str = "broken on purpose") -> str:
    raise ValueError(reason)


@server.tool(description="Return n characters of text.", annotations=READ_ONLY)
def big(n: int) -> str:
    return "x" * n


@server.tool(description="Delete a thing by name.", annotations=types.ToolAnnotations(destructive_hint=True))
def delete_thing(name: str) -> str:
    return f"deleted {name}"


@server.tool(description="Report progress in steps, then answer.", annotations=READ_ONLY)
async def progress(steps: int, ctx: Context) -> str:
    for i in range(steps):
        await ctx.report_progress(i + 1, steps, f"step {i + 1} of {steps}")
    return f"done after {steps} steps"


@server.tool(description="Ask the client's model to complete a prompt.", annotations=READ_ONLY)
async def sample(prompt: str, ctx: Context) -> str:
    message = types.SamplingMessage(role="user", content=types.TextContent(type="text", text=prompt))
    result = await ctx.session.create_message([message], max_tokens=32)
    return f"model said: {result.content.text}"


class Answer(BaseModel):
    answer: str


@server.tool(description="Ask the user a question.", annotations=READ_ONLY)
async def ask(question: str, ctx: Context) -> str:
    result = await ctx.elicit(question, Answer)
    data = result.data.answer if result.action == "accept" else None
    return f"{result.action}: {data}"


@server.tool(description="List the roots the client offers.", annotations=READ_ONLY)
async def roots(ctx: Context) -> str:
    result = await ctx.session.list_roots()
    return "\n".join(str(root.uri) for root in result.roots) or "no roots"


@server.tool(description="Add a tool named `extra` and announce the change.")
async def grow(ctx: Context) -> str:
    if "extra" not in [t.name for t in await server.list_tools()]:
        server.add_tool(lambda: "extra tool", name="extra", description="Added at run time.")
    await ctx.session.send_tool_list_changed()
    return "grown"


@server.tool(description="Sleep for the given seconds.", annotations=READ_ONLY)
async def slow(seconds: float) -> str:
    await anyio.sleep(seconds)
    return f"slept {seconds}"


@server.tool(description="Never answer.", annotations=READ_ONLY)
async def hang() -> str:
    await anyio.sleep_forever()
    return "unreachable"


@server.tool(description="Kill this server process at once.")
def crash() -> str:
    os._exit(17)


@server.tool(description="The server's process id.", annotations=READ_ONLY)
def pid() -> int:
    return os.getpid()


@server.tool(description="Print a non-JSON line to stdout, then answer.", annotations=READ_ONLY)
def noisy() -> str:
    print("this is not JSON-RPC", flush=True)
    return "still here"


@server.tool(description="Read an environment variable.", annotations=READ_ONLY)
def getenv(name: str) -> str:
    return os.environ.get(name, "<unset>")


@server.resource("info://about", description="What this server is.")
def about() -> str:
    return "toy server for tests"


@server.resource("note://{name}", description="A note by name.")
def note(name: str) -> str:
    return f"note {name}"


@server.prompt(description="Greet someone.")
def greet(name: str) -> str:
    return f"Please greet {name} warmly."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", metavar="HOST:PORT")
    parser.add_argument("--garbage", action="store_true", help="print a non-JSON line before serving")
    args = parser.parse_args()
    if args.garbage:
        print("garbage before the handshake", flush=True)
    if args.http:
        host, port = args.http.rsplit(":", 1)
        server.run("streamable-http", host=host, port=int(port))
    else:
        server.run()


if __name__ == "__main__":
    sys.exit(main())


def build(argv: list[str]) -> MCPServer:
    """In-process factory for tests: `--fail` makes it refuse to build, as a broken server would."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail", action="store_true")
    if parser.parse_args(argv).fail:
        raise RuntimeError("toy refuses to build")
    return server
