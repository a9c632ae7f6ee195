"""`looptune chat` in a pseudo-terminal, as a person would run it (pexpect), with ANSI stripped for matching."""

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

    def __init__(self, *args: str, cwd: Path) -> None:
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "140", "LINES": "50", "PYTHONUNBUFFERED": "1"}
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
        self.seen = ""  # everything read so far, without ANSI codes
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

    def _read(self, timeout: float) -> None:
        try:
            chunk = self.child.read_nonblocking(65536, timeout=min(timeout, 1.0))
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF as exc:
            raise AssertionError(f"chat exited; screen text so far:\n{self.seen[-3000:]}") from exc
        self.seen += ANSI.sub("", chunk)

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
