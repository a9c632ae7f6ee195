"""`looptune chat` in a pseudo-terminal, as a person would run it (pexpect), with ANSI stripped for matching.

`seen` is every byte read, escape codes removed: a live region that redraws
shows up there once per redraw. `screen()` replays the raw bytes on a small
terminal model instead, so a test can tell what a person would see.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import pexpect

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHM]|\r")
WAIT_S = 60


class PtyChat:
    """A running chat: `expect` text on the screen, `send` keys, `interrupt` like Ctrl+C."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        terminal = {"TERM": "xterm-256color", "COLUMNS": "140", "LINES": "50", "PYTHONUNBUFFERED": "1"}
        env = {**os.environ, **terminal, **(env or {})}
        env["PROMPT_TOOLKIT_NO_CPR"] = "1"  # a pty has no terminal to answer cursor-position requests
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "agent.cli.main", "chat", *args],
            cwd=str(cwd),
            env=env,
            dimensions=(50, 140),
            encoding="utf-8",
            codec_errors="replace",
        )
        self.raw = ""  # everything read so far, as the terminal received it
        self.seen = ""  # the same without ANSI codes
        self.mark = 0  # `expect` searches from here, so old text never matches a new expectation

    def expect(self, needle: str, timeout: float = WAIT_S) -> str:
        """Wait until `needle` appears after the previous match; returns the text up to it."""
        deadline = time.monotonic() + timeout
        while (found := self.seen.find(needle, self.mark)) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {needle!r}; screen text so far:\n{self.seen[-3000:]}")
            self._read(remaining)
        upto = self.seen[self.mark : found]
        self.mark = found + len(needle)
        return upto

    def expect_re(self, pattern: str, timeout: float = WAIT_S) -> re.Match[str]:
        """Wait until `pattern` matches after the previous match; returns the match."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while (found := regex.search(self.seen, self.mark)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for /{pattern}/; screen text so far:\n{self.seen[-3000:]}")
            self._read(remaining)
        self.mark = found.end()
        return found

    def _read(self, timeout: float) -> None:
        try:
            chunk = self.child.read_nonblocking(65536, timeout=min(timeout, 1.0))
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF as exc:
            raise AssertionError(f"chat exited; screen text so far:\n{self.seen[-3000:]}") from exc
        self.raw += chunk
        self.seen += ANSI.sub("", chunk)

    def screen(self) -> str:
        """What a terminal shows after everything read so far: the scrolled-off lines, then the screen."""
        screen = Screen()
        screen.feed(self.raw)
        return screen.text()

    def send(self, text: str) -> None:
        self.child.send(text)

    def line(self, text: str) -> None:
        """Type a line and press Enter."""
        self.child.send(text + "\r")

    def interrupt(self) -> None:
        self.child.sendintr()

    def wait_exit(self, timeout: float = WAIT_S) -> int:
        """Wait for the process to end; returns its exit status."""
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        return self.child.exitstatus

    def kill(self) -> None:
        if self.child.isalive():
            self.child.kill(9)
        self.child.close(force=True)


def write_script(path: Path, turns: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(turn) + "\n" for turn in turns))
    return path


# One terminal output token: a CSI sequence (parameters, final byte), another escape, a control character, or text.
TOKEN = re.compile(
    r"\x1b\[([0-9;?<=>]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHM]"
    r"|[\r\n\b]|[^\x1b\r\n\b]+|\x1b"
)


class Screen:
    """The few terminal moves rich and prompt-toolkit make: cursor moves, erasing, wrapping and scrolling."""

    def __init__(self, rows: int = 50, cols: int = 140) -> None:
        self.rows, self.cols = rows, cols
        self.lines = [self._blank() for _ in range(rows)]
        self.scrolled: list[str] = []
        self.y = self.x = 0

    def _blank(self) -> list[str]:
        return [" "] * self.cols

    def feed(self, data: str) -> None:
        for token in TOKEN.finditer(data):
            text = token.group(0)
            if token.group(2):
                self._csi(token.group(1), token.group(2))
            elif text == "\r":
                self.x = 0
            elif text == "\n":
                self._line_feed()
            elif text == "\b":
                self.x = max(0, self.x - 1)
            elif not text.startswith("\x1b") and text.isprintable():
                self._put(text)

    def _put(self, text: str) -> None:
        for char in text:
            if self.x >= self.cols:
                self.x = 0
                self._line_feed()
            self.lines[self.y][self.x] = char
            self.x += 1

    def _line_feed(self) -> None:
        if self.y < self.rows - 1:
            self.y += 1
            return
        self.scrolled.append("".join(self.lines.pop(0)).rstrip())
        self.lines.append(self._blank())

    def _csi(self, params: str, final: str) -> None:
        if params.startswith("?"):
            return  # modes (cursor visibility, bracketed paste...): nothing drawn
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        n = numbers[0] if numbers and numbers[0] else 1
        mode = numbers[0] if numbers else 0
        if final == "A":
            self.y = max(0, self.y - n)
        elif final == "B":
            self.y = min(self.rows - 1, self.y + n)
        elif final == "C":
            self.x = min(self.cols - 1, self.x + n)
        elif final == "D":
            self.x = max(0, self.x - n)
        elif final == "G":
            self.x = min(self.cols - 1, n - 1)
        elif final == "H":
            self.y = min(self.rows - 1, n - 1)
            self.x = min(self.cols - 1, (numbers[1] if len(numbers) > 1 and numbers[1] else 1) - 1)
        elif final == "K":
            self._erase_line(mode)
        elif final == "J":
            self._erase_screen(mode)

    def _erase_line(self, mode: int) -> None:
        row = self.lines[self.y]
        start, end = {0: (self.x, self.cols), 1: (0, self.x + 1)}.get(mode, (0, self.cols))
        row[start:end] = [" "] * (end - start)

    def _erase_screen(self, mode: int) -> None:
        if mode == 0:
            self._erase_line(0)
            below = range(self.y + 1, self.rows)
        else:
            below = range(self.rows)
        for y in below:
            self.lines[y] = self._blank()

    def text(self) -> str:
        return "\n".join([*self.scrolled, *("".join(line).rstrip() for line in self.lines)])
