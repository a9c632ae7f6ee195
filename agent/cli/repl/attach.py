"""`@server:uri` in a message attaches that MCP resource's contents to it.

Only names of connected servers count, so an e-mail address or `@foo:bar`
about something else stays plain text. Knows the hub's resource calls only.
"""

from __future__ import annotations

import re
from typing import Protocol

from agent.cli.repl.commands import CommandError

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.-]+):(\S+)")


class Resources(Protocol):
    def servers(self) -> list[str]: ...

    async def read_resource(self, server: str, uri: str) -> str: ...


def mentions(text: str, servers: list[str]) -> list[tuple[str, str]]:
    """(server, uri) of every `@server:uri` naming a connected server, in order, without repeats."""
    found = [(m.group(1), m.group(2).rstrip(".,;:!?)")) for m in MENTION.finditer(text)]
    return list(dict.fromkeys(pair for pair in found if pair[0] in servers))


async def with_attachments(hub: Resources, text: str) -> tuple[str, int]:
    """The message with each mentioned resource appended; raises CommandError if one cannot be read."""
    pairs = mentions(text, hub.servers())
    blocks = []
    for server, uri in pairs:
        try:
            content = await hub.read_resource(server, uri)
        except Exception as exc:  # noqa: BLE001 - any server failure is reported the same way
            raise CommandError(f"cannot attach @{server}:{uri}: {exc}") from exc
        blocks.append(f'<resource server="{server}" uri="{uri}">\n{content}\n</resource>')
    return "\n\n".join([text, *blocks]), len(blocks)
