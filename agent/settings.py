"""Typed settings on disk: any pydantic model to and from YAML, with errors that name the file and the field.

The CLI builds settings from flags; eval and training take them typed and save
them next to their outputs, so a run can be repeated from its folder. This
module knows no particular settings class, no flags and no argv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from agent.errors import USAGE, LooptuneError
from agent.fsutil import atomic_write_text

M = TypeVar("M", bound=BaseModel)


class SettingsError(LooptuneError, ValueError):
    """Settings that cannot be used; the message names the file (or source) and the field."""

    exit_code = USAGE


def validated(cls: type[M], data: Any, source: str) -> M:
    """`data` as a `cls`; a bad or unknown field is a SettingsError naming `source` and the field's path."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "(root)"
        raise SettingsError(f"{source}: {where}: {error['msg']}") from exc


def load_settings(cls: type[M], path: str | Path) -> M:
    """Read `cls` from a YAML file (a mapping of its fields)."""
    return validated(cls, read_mapping(Path(path)), str(path))


def read_mapping(file: Path, what: str = "settings are a mapping of fields to values") -> dict[str, Any]:
    """A YAML file's top-level mapping; a SettingsError naming the file (and line) otherwise."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SettingsError(f"{file}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise SettingsError(f"{file}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{file}: {what}")
    return data


def dump_settings(settings: BaseModel) -> str:
    """The YAML text `load_settings` reads back to an equal object."""
    return yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False)


def save_settings(settings: BaseModel, path: str | Path) -> Path:
    """Write `settings` as YAML at `path` (atomically); returns the path."""
    file = Path(path)
    atomic_write_text(file, dump_settings(settings))
    return file
