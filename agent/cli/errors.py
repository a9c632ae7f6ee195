"""The CLI's own error: a problem with the command line itself (a flag, a file, a name), one line and an exit code.

Errors from the layers below are `LooptuneError`s too, and `main()` reports
them the same way, so a command lets them through instead of re-wrapping them.
"""

from agent.errors import LooptuneError


class CliError(LooptuneError):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message, exit_code=code)

    @property
    def code(self) -> int:
        """The exit code (the name callers used before `exit_code`)."""
        return self.exit_code
