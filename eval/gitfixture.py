"""The git repository the unseen-toolset split's mcp-server-git tasks read, built the same way every time.

    python -m eval.gitfixture /tmp/looptune-unseen/shop

A small shopping-list project: four commits with fixed authors and dates (so
the commit ids are the same on every machine), a `recipes` branch, a staged
new file, an unstaged edit and an untracked file. Running it again replaces
the folder with a fresh copy, so a run never reads what an earlier one left.
It refuses to replace a folder it did not build. This module knows nothing of
tasks or servers; docs/results/unseen-thirdparty.md says how it is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from agent.errors import LooptuneError

DEFAULT_PATH = Path("/tmp/looptune-unseen/shop")
MARKER = "looptune-fixture"
_AUTHOR = {"GIT_AUTHOR_NAME": "Sam Rivera", "GIT_AUTHOR_EMAIL": "sam@example.com"}
_COMMITTER = {"GIT_COMMITTER_NAME": "Sam Rivera", "GIT_COMMITTER_EMAIL": "sam@example.com"}
# (date, message, files written before the commit); the third is made on the `recipes` branch.
_HISTORY = (
    (
        "2026-01-05T09:00:00+00:00",
        "Start the shopping list",
        {"README.md": "# Groceries\n\nA shared shopping list.\n", "list.txt": "milk\neggs\n"},
    ),
    ("2026-01-12T18:30:00+00:00", "Add bread and coffee", {"list.txt": "milk\neggs\nbread\ncoffee\n"}),
    (
        "2026-01-14T08:15:00+00:00",
        "Add pancake recipe",
        {"recipes/pancakes.md": "# Pancakes\n\n200 g flour, 2 eggs, 300 ml milk.\n"},
    ),
    (
        "2026-01-20T12:00:00+00:00",
        "Note the budget in the README",
        {"README.md": "# Groceries\n\nA shared shopping list.\n\nBudget: 40 euros a week.\n"},
    ),
)


class FixtureError(LooptuneError, RuntimeError):
    """The fixture cannot be built at the path given."""


def _git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(repo),
        "GIT_CONFIG_GLOBAL": os.devnull,  # the user's signing or hooks settings must not change the ids
        "GIT_CONFIG_NOSYSTEM": "1",
        **_AUTHOR,
        **_COMMITTER,
    }
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)


def _write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _populate(repo: Path) -> None:
    _git(repo, "init", "-q", "-b", "main")
    for index, (date, message, files) in enumerate(_HISTORY):
        if index == 2:
            _git(repo, "checkout", "-q", "-b", "recipes")
        _write(repo, files)
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", message, date=date)
        if index == 2:
            _git(repo, "checkout", "-q", "main")
    _write(repo, {"notes.txt": "The market opens at 8 on Saturdays.\n"})
    _git(repo, "add", "notes.txt")
    _write(repo, {"list.txt": "milk\neggs\nbread\ncoffee\noranges\n", "draft.txt": "ideas for the party\n"})
    (repo / ".git" / MARKER).write_text("built by python -m eval.gitfixture\n", encoding="utf-8")


def build(path: Path = DEFAULT_PATH) -> Path:
    """Build a fresh fixture at `path` (replacing an earlier fixture there); returns the path."""
    path = path.resolve()
    if path.exists() and not (path / ".git" / MARKER).exists():
        raise FixtureError(f"{path} exists and is not a fixture this module built; choose another path")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target, then swapped in, so a reader never sees half a repository.
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    try:
        _populate(staging)
        if path.exists():
            shutil.rmtree(path)
        staging.rename(path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def main(argv: list[str]) -> int:
    """`python -m eval.gitfixture [PATH]`: build the fixture at PATH (default DEFAULT_PATH) and print where.

    A developer's fixture for one results page, not a looptune command, so argv is read here: one optional path.
    """
    usage = f"usage: python -m eval.gitfixture [PATH]  (default {DEFAULT_PATH})"
    if argv in (["-h"], ["--help"]):
        print(usage)
        return 0
    if len(argv) > 1 or any(a.startswith("-") for a in argv):
        print(usage, file=sys.stderr)
        return 2
    try:
        print(build(Path(argv[0]) if argv else DEFAULT_PATH))
    except (FixtureError, subprocess.CalledProcessError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
