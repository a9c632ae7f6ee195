"""The built-in slash commands; importing this package registers them with `@command`."""

from agent.cli.repl.builtin import conversation, mcp, model  # noqa: F401
