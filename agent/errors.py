"""The root of looptune's own exceptions: a one-line message a person can act on, and the exit code it means.

Every error class in agent/, eval/ and training/ derives from `LooptuneError`
(keeping a builtin second base such as ValueError where callers catch that),
so the CLI's `main()` turns any of them into `looptune: MESSAGE` and its exit
code in one place. Problems with what the user gave (flags, files, names)
exit 2, like argparse's usage errors; everything else exits 1.

This module imports nothing, so any layer may use it. It knows nothing of the
CLI; the bundled MCP servers (separate processes, SDK-only) do not use it.
"""

from __future__ import annotations

USAGE = 2  # the exit code of a bad flag, file or name, as argparse uses for usage errors


class LooptuneError(Exception):
    """An error looptune reports as one line; `exit_code` is the class default unless given per instance."""

    exit_code: int = 1

    def __init__(self, *args: object, exit_code: int | None = None) -> None:
        super().__init__(*args)
        if exit_code is not None:
            self.exit_code = exit_code


class BackendError(LooptuneError, RuntimeError):
    """A backend, model or adapter cannot be used, or a backend could not produce a turn; one line a person can act on.

    It lives here rather than in agent/backends so that model and adapter loading (agent/models), which
    sits below the backends and training alike, can raise what their callers already catch.
    """

    exit_code = USAGE  # one that reaches the CLI names a backend, model or adapter that cannot be used


def first_looptune_error(group: BaseExceptionGroup) -> LooptuneError | None:
    """The first LooptuneError inside an exception group, however deeply nested, or None.

    anyio task groups (the hub, the MCP SDK's sessions) wrap what a task raised in an ExceptionGroup,
    so a one-line error would otherwise reach the user as a traceback of groups.
    """
    found: BaseException | None = group.subgroup(lambda exc: isinstance(exc, LooptuneError))
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return found if isinstance(found, LooptuneError) else None
