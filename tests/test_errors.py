"""One root for looptune's errors, and one place that reports them: `looptune: MESSAGE` and the class's exit code."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from agent.cli.errors import CliError
from agent.errors import USAGE, LooptuneError, first_looptune_error

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "eval", "training")
TIMEOUT_S = 90


def _module_names() -> list[str]:
    # Walk the files rather than pkgutil.walk_packages: folders without an __init__.py (agent/cli/repl) are
    # namespace packages, which pkgutil does not descend into.
    names = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@cache
def exception_classes() -> tuple[list[type[BaseException]], list[str]]:
    """Every exception class defined in agent/, eval/ and training/, and the modules an optional dependency kept out."""
    found, skipped = [], []
    for name in _module_names():
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional heavy dependency that is not installed here
            skipped.append(name)
            continue
        found += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__
        ]
    return found, skipped


def test_every_exception_class_in_agent_eval_and_training_derives_from_looptune_error() -> None:
    found, skipped = exception_classes()
    assert len(found) >= 30, f"the walk found only {[c.__name__ for c in found]} (skipped {skipped})"
    outside = [f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, LooptuneError)]
    assert outside == []


def test_exception_class_names_are_unique_and_none_is_also_a_loop_event() -> None:
    import agent.loop

    names = [c.__name__ for c in exception_classes()[0]]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    assert sorted(set(names) & set(vars(agent.loop))) == []


def test_user_input_errors_exit_2_and_the_others_exit_1_keeping_their_builtin_base() -> None:
    from agent.hub.errors import ServerError
    from agent.registry import RegistryError
    from eval.rundir import EvalRunError
    from eval.tasks import TaskError

    assert (TaskError.exit_code, RegistryError.exit_code, EvalRunError.exit_code, USAGE) == (2, 2, 2, 2)
    assert ServerError.exit_code == 1 and LooptuneError.exit_code == 1
    assert isinstance(TaskError("tasks.jsonl:3: id: Field required"), ValueError)


def test_an_exit_code_given_to_one_error_leaves_its_class_default_alone() -> None:
    one = LooptuneError("disk full", exit_code=3)
    assert (one.exit_code, LooptuneError("other").exit_code, str(one)) == (3, 1, "disk full")
    cli = CliError("--n must be at least 1", code=2)
    assert (cli.exit_code, cli.code, CliError("x").exit_code) == (2, 2, 1)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "missing.jsonl", "-o", "run"], "missing.jsonl: cannot read tasks: No such file or directory"),
        (["eval", "compare", "nowhere", "other"], "nowhere: no report here (run `looptune eval ... -o DIR` first)"),
    ],
)
def test_the_cli_reports_an_error_from_a_lower_layer_as_one_line_and_its_exit_code(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *argv],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},  # run from an empty folder
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert (done.returncode, done.stderr, done.stdout) == (2, f"looptune: {message}\n", "")


def test_the_first_looptune_error_is_found_inside_nested_task_group_errors() -> None:
    from agent.hub.errors import ServerError

    inner = ServerError("calc: server exited during start")
    group = BaseExceptionGroup("outer", [ValueError("noise"), ExceptionGroup("inner", [OSError("io"), inner])])
    assert first_looptune_error(group) is inner


def test_a_group_without_a_looptune_error_is_left_for_the_traceback() -> None:
    assert first_looptune_error(ExceptionGroup("g", [ValueError("a bug"), KeyError("k")])) is None
