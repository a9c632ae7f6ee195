"""One-line descriptions of why a server could not serve a request."""

from __future__ import annotations

from typing import IO

from mcp.shared.exceptions import MCPError

from agent.errors import LooptuneError


class ServerError(LooptuneError):
    """A server could not be started or reached; the message is one line a person can act on."""


def leaf(exc: BaseException) -> BaseException:
    """The first non-group exception inside (possibly nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def describe(exc: BaseException, command: str | None = None) -> str:
    """A short human reason for a startup or transport failure."""
    exc = leaf(exc)
    if isinstance(exc, FileNotFoundError) and command:
        return f"command not found: {command}"
    if isinstance(exc, MCPError):
        return exc.error.message
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def stderr_tail(handle: IO[str] | None, lines: int = 5, chars: int = 800) -> str:
    """The last lines a server wrote to stderr, or ''."""
    if handle is None or handle.closed:
        return ""
    handle.flush()
    handle.seek(0)
    text = handle.read()[-chars:]
    return "\n".join(line for line in text.strip().splitlines()[-lines:])
