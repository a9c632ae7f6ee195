"""Elicitation: a server's question (`elicitation/create`) asked of the user inline.

The form is the request's flat JSON schema: one line per property, converted
to its declared type and re-asked when it does not fit. Without a terminal
the request is declined. Knows the `ChatIO` seam, not the hub's transport.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from agent.cli.repl.approvals import View
from agent.cli.repl.io import ChatIO
from agent.hub.peer import ElicitAnswer

CHOICES = {"y": "answer", "n": "decline", "c": "cancel"}
TRUE, FALSE = {"y", "yes", "true", "1"}, {"n", "no", "false", "0"}
TRIES = 3


def convert(value: str, spec: dict[str, Any]) -> Any:
    """`value` as the property's type; ValueError says what was expected."""
    kind = spec.get("type", "string")
    if "enum" in spec and value not in spec["enum"]:
        raise ValueError(f"one of {', '.join(map(str, spec['enum']))}")
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        if value.lower() not in TRUE | FALSE:
            raise ValueError("yes or no")
        return value.lower() in TRUE
    return value


class Elicitor:
    """Answers `elicitation/create` by asking the person at the terminal."""

    def __init__(self, io: ChatIO, view: View, console: Console) -> None:
        self.io, self.view, self.console = io, view, console

    async def __call__(self, server: str, message: str, schema: dict[str, Any]) -> ElicitAnswer:
        if not self.io.interactive:
            return ElicitAnswer("decline")
        self.view.pause()
        try:
            return await self._form(server, message, schema)
        finally:
            self.view.resume()

    async def _form(self, server: str, message: str, schema: dict[str, Any]) -> ElicitAnswer:
        self.console.print(Panel(escape(message), title=f"[bold]{escape(server)} asks[/]", expand=False))
        action = await self.io.ask("Answer?", CHOICES, default="n")
        if action != "y":
            return ElicitAnswer("decline" if action == "n" else "cancel")
        content = {}
        required = set(schema.get("required", []))
        for name, spec in (schema.get("properties") or {}).items():
            value = await self._field(name, spec, name in required)
            if value is None and name in required:
                return ElicitAnswer("cancel")
            if value is not None:
                content[name] = value
        return ElicitAnswer("accept", content)

    async def _field(self, name: str, spec: dict[str, Any], required: bool) -> Any:
        hint = spec.get("description") or spec.get("title") or ""
        label = f"{name}" + (f" ({hint})" if hint else "") + ("" if required else " [optional]")
        for _ in range(TRIES):
            text = await self.io.ask_text(f"{label}: ", spec.get("default"))
            if text is None or (text == "" and not required):
                return None
            try:
                return convert(text, spec)
            except ValueError as exc:
                self.console.print(Text(f"expected {exc}", style="red"))  # enum values are the server's text
        return None
