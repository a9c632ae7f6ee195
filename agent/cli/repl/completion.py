"""Completion for the chat prompt: slash commands and their arguments, tool names, `@server:uri`.

Resources are listed from the servers once and cached (per server) until
`forget()` — typing `@` must not cost a round trip per key.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

WORD = re.compile(r"[@\w:/.\-]+$")


class ChatCompleter(Completer):
    """Completes what the chat understands, from sources handed in as callables."""

    def __init__(
        self,
        commands: Callable[[], dict[str, str]],
        arguments: Callable[[str], list[str]],
        tools: Callable[[], list[str]],
        hub: Any = None,
    ) -> None:
        self.commands, self.arguments, self.tools, self.hub = commands, arguments, tools, hub
        self._resources: dict[str, list[str]] = {}

    def forget(self) -> None:
        """Drop cached resource lists (after servers change)."""
        self._resources.clear()

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if text.startswith("/"):
            yield from self._command(text)
            return
        word = _word(text)
        if len(word) >= 2 and not word.startswith("@"):
            yield from _matches(word, self.tools())

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        word = _word(document.text_before_cursor)
        if word.startswith("@") and self.hub is not None and not document.text_before_cursor.startswith("/"):
            for item in _matches(word, await self._mentions()):
                yield item
            return
        for item in self.get_completions(document, complete_event):
            yield item

    def _command(self, text: str) -> Iterator[Completion]:
        if " " not in text:
            for name, help_text in self.commands().items():
                if name.startswith(text[1:]):
                    yield Completion(name, -len(text) + 1, display=f"/{name}", display_meta=help_text)
            return
        name, _, rest = text[1:].partition(" ")
        if " " not in rest:
            yield from _matches(rest, self.arguments(name))

    async def _mentions(self) -> list[str]:
        out: list[str] = []
        for server in self.hub.servers():
            if server not in self._resources:
                self._resources[server] = await self._list(server)
            out.extend(f"@{server}:{uri}" for uri in self._resources[server])
        return out

    async def _list(self, server: str) -> list[str]:
        try:
            return [str(r.uri) for r in await self.hub.list_resources(server)]
        except Exception:  # noqa: BLE001 - a server without resources simply offers none
            return []


def _word(text: str) -> str:
    match = WORD.search(text)
    return match.group(0) if match else ""


def _matches(prefix: str, candidates: Iterable[str]) -> Iterator[Completion]:
    for candidate in candidates:
        if candidate.startswith(prefix) and candidate != prefix:
            yield Completion(candidate, -len(prefix))
