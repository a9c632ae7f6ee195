"""The prompt-toolkit side of the chat: line editing, history, completion, toolbar, questions.

Enter sends; Alt+Enter (or Esc then Enter) inserts a newline. Ctrl+C clears
the line, Ctrl+D on an empty line ends the chat. Between prompts (while a
turn runs) the terminal does not echo keys: an echoed "^C" after a full-width
line of streamed answer wraps, and the live answer region, one line off,
would draw its text again. The toolbar and completer are given from outside:
this module knows nothing of the hub or backends.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import Completer
from prompt_toolkit.filters import is_searching
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

from agent.cli.repl.io import match_choice

PROMPT = "you> "
CONTINUATION = "...  "


def key_bindings() -> KeyBindings:
    """Enter sends (or picks the highlighted completion); Alt+Enter inserts a newline."""
    bindings = KeyBindings()

    @bindings.add("enter", filter=~is_searching)  # during Ctrl+R, Enter takes the match (prompt-toolkit's own)
    def _send(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
        else:
            buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


@contextmanager
def keys_not_echoed(stream=None) -> Iterator[None]:
    """While inside, keys typed on the terminal (Ctrl+C's "^C" too) are not echoed; restored on exit."""
    try:
        import termios

        fd = (stream or sys.stdin).fileno()
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):  # not a terminal (or no termios): nothing to do
        yield
        return
    quiet = list(saved)
    quiet[3] &= ~(termios.ECHO | termios.ECHOCTL)  # lflag; ISIG stays: Ctrl+C still interrupts the turn
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)


def _history(path: Path | None):
    if path is None:
        return InMemoryHistory()
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileHistory(str(path))


class TerminalIO:
    """`ChatIO` for a person at a terminal."""

    interactive = True

    def __init__(
        self,
        *,
        history: Path | None = None,
        completer: Completer | None = None,
        toolbar: Callable[[], str] | None = None,
        input: Input | None = None,
        output: Output | None = None,
    ) -> None:
        self.session: PromptSession[str] = PromptSession(
            multiline=True,
            key_bindings=key_bindings(),
            history=_history(history),
            completer=completer,
            complete_while_typing=True,
            bottom_toolbar=toolbar,
            prompt_continuation=CONTINUATION,
            input=input,
            output=output,
        )
        self.questions: PromptSession[str] = PromptSession(input=input, output=output)

    async def read(self) -> str | None:
        while True:
            try:
                # handle_sigint=False: prompt-toolkit would otherwise reset SIGINT on exit and
                # remove the chat's own handler (Ctrl+C at the prompt is a key in raw mode anyway).
                return await self.session.prompt_async(PROMPT, handle_sigint=False)
            except KeyboardInterrupt:
                continue  # Ctrl+C at the prompt clears the line, as in a shell
            except EOFError:
                return None

    async def ask(self, question: str, choices: dict[str, str], default: str) -> str:
        menu = " / ".join(f"[{key}] {meaning}" for key, meaning in choices.items())
        while True:
            answer = await self.ask_text(f"{question} {menu}: ")
            if answer is None:
                return default
            key = match_choice(answer, choices, default)
            if key is not None:
                return key

    async def ask_text(self, question: str, default: object = None) -> str | None:
        try:
            return await self.questions.prompt_async(
                question, default="" if default is None else str(default), handle_sigint=False
            )
        except (KeyboardInterrupt, EOFError):
            return None
