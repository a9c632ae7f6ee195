"""The bottom toolbar: model, adapter, servers up/down, steps and decoding speed at a glance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.cli.agent_setup import model_name
from agent.cli.repl.builtin.model import active_adapter

if TYPE_CHECKING:
    from agent.cli.repl.app import Chat


def toolbar(chat: Chat) -> str:
    """One line of status for the prompt."""
    statuses = chat.hub.status()
    up = sum(s.state == "up" for s in statuses)
    down = len(statuses) - up
    servers = f"servers {up} up" + (f", {down} down" if down else "")
    adapter = active_adapter(chat.backend) or "none"
    speed = f"{chat.last.tokens_per_s:.1f} tok/s" if chat.last.tokens_per_s else "– tok/s"
    model = f"{chat.backend.name}: {model_name(chat.backend)}"
    steps = f"{chat.steps} step{'s' * (chat.steps != 1)}"
    return " " + " │ ".join([model, f"adapter {adapter}", servers, steps, speed])
