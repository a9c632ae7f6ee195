"""Who may use `looptune serve`: where its API key comes from, and which addresses may go without one.

The key is read from `--api-key-file` or `$LOOPTUNE_API_KEY` in preference to
`--api-key`, whose value any user of the machine can read in the process
list. Only loopback addresses (this machine) are served without a key unless
the operator says `--insecure`. It knows nothing of HTTP or the model.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
from pathlib import Path

from agent.errors import USAGE, LooptuneError

KEY_VARIABLE = "LOOPTUNE_API_KEY"


class AccessError(LooptuneError, ValueError):
    """A key that cannot be read, or an address that may not be served without one; one line."""

    exit_code = USAGE


def api_key(flag: str | None, key_file: str | None) -> str | None:
    """The key: `--api-key`, else the first line of `--api-key-file`, else $LOOPTUNE_API_KEY (None: no key)."""
    if flag:
        return flag
    if key_file:
        return _read_key(Path(key_file).expanduser())
    return os.environ.get(KEY_VARIABLE) or None


def _read_key(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AccessError(f"--api-key-file {path}: cannot read it: {reason}") from exc
    lines = text.splitlines()
    key = lines[0].strip() if lines else ""
    if not key:
        raise AccessError(f"--api-key-file {path}: the file is empty; put the key on its first line")
    return key


def key_reference(flag: str | None, key_file: str | None) -> str | None:
    """How a shell names the key without showing it, for the printed `looptune chat` line (None: no key)."""
    if flag:
        return "KEY"  # typed on the command line: not echoed to a log
    if key_file:
        return f'"$(cat {shlex.quote(str(Path(key_file).expanduser()))})"'
    return f'"${KEY_VARIABLE}"' if os.environ.get(KEY_VARIABLE) else None


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only: localhost, 127.0.0.0/8 or ::1 (another name may resolve anywhere)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, key: str | None, insecure: bool) -> str | None:
    """AccessError for a non-loopback host without a key or --insecure; the warning to print when --insecure."""
    if key is not None or is_loopback(host):
        return None
    if not insecure:
        raise AccessError(
            f"--host {host} reaches beyond this machine, and without an API key anyone who can reach it may use "
            f"the model and load adapters from this disk: set {KEY_VARIABLE} or --api-key-file, or pass --insecure"
        )
    return f"warning: serving {host} without an API key (--insecure): anyone who can reach the port may use it"
