"""`${VAR}` and `${VAR:-default}` expansion, done at connect time only.

Expanded values live in memory for the connection; they are never written
back to the registry file or logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from agent.registry.model import RegistryError, ServerConfig

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand(text: str, env: Mapping[str, str], where: str) -> str:
    """Expand variables in one string; `where` names the field for errors."""

    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise RegistryError(
            f"{where}: environment variable {name} is not set (write ${{{name}:-default}} for a default)"
        )

    return _VAR.sub(sub, text)


def expand_server(name: str, config: ServerConfig, env: Mapping[str, str] | None = None) -> ServerConfig:
    """A copy of `config` with every string field expanded."""
    env = os.environ if env is None else env
    where = f"server {name!r}"

    def one(value: str | None, field: str) -> str | None:
        return None if value is None else expand(value, env, f"{where} field {field}")

    return config.model_copy(
        update={
            "command": one(config.command, "command"),
            "args": [expand(a, env, f"{where} field args[{i}]") for i, a in enumerate(config.args)],
            "env": {k: expand(v, env, f"{where} field env.{k}") for k, v in config.env.items()},
            "cwd": one(config.cwd, "cwd"),
            "url": one(config.url, "url"),
            "factory": one(config.factory, "factory"),
            "headers": {k: expand(v, env, f"{where} field headers.{k}") for k, v in config.headers.items()},
            "roots": [expand(r, env, f"{where} field roots[{i}]") for i, r in enumerate(config.roots)],
        }
    )
