"""The import directions between layers, read from the source with `ast` (nothing is imported to check).

The CLI (agent/cli) is the top layer and the only one that knows argv; eval and
training take typed settings and a backend; agent/ below the CLI knows neither
eval nor training. Function-level imports count: they are arrows too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def modules(folder: str, skip: str | None = None) -> dict[str, set[str]]:
    files = sorted((ROOT / folder).rglob("*.py"))
    return {str(f.relative_to(ROOT)): imports_of(f) for f in files if not (skip and f.is_relative_to(ROOT / skip))}


def namespace_parameters(path: Path) -> list[str]:
    """`function(parameter)` for each parameter annotated as an argparse Namespace (quoted or not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                if arg.annotation is not None and "Namespace" in ast.unparse(arg.annotation):
                    found.append(f"{node.name}({arg.arg})")
    return found


def offenders(folder: str, banned: tuple[str, ...], skip: str | None = None) -> dict[str, list[str]]:
    def hit(name: str) -> bool:
        return any(name == b or name.startswith(b + ".") for b in banned)

    found = {path: sorted(n for n in names if hit(n)) for path, names in modules(folder, skip).items()}
    return {path: names for path, names in found.items() if names}


def test_the_import_reader_sees_function_level_and_relative_imports(tmp_path):
    assert "eval.sweep" in imports_of(ROOT / "eval" / "cli_run.py")
    assert {"agent.backends.settings", "eval.settings"} <= imports_of(ROOT / "training" / "sft" / "evaluate.py")
    assert "eval.cli_run" in imports_of(ROOT / "training" / "sft" / "evaluate.py")  # inside a function


def test_eval_and_training_never_import_the_cli():
    assert offenders("eval", ("agent.cli",)) == {}
    assert offenders("training", ("agent.cli",)) == {}


def test_agent_below_the_cli_never_imports_eval_or_training():
    assert offenders("agent", ("eval", "training"), skip="agent/cli") == {}


def test_argv_is_known_only_to_the_cli_in_eval_run_and_trace_generation():
    for path in ("eval/cli_run.py", "eval/sweep.py", "eval/settings.py", "training/traces/settings.py"):
        assert "argparse" not in imports_of(ROOT / path), path
    assert "argparse" not in imports_of(ROOT / "training" / "sft" / "evaluate.py")


def test_only_the_cli_knows_argparse():
    """agent/ below the CLI, eval/ and training/ neither parse argv nor take parsed flags (mcp_servers/ are
    programs of their own, with their own mains; tests/, bench/ and examples/ are scripts)."""
    below_cli = {
        **offenders("agent", ("argparse", "agent.cli"), skip="agent/cli"),
        **offenders("eval", ("argparse",)),
        **offenders("training", ("argparse",)),
    }
    assert below_cli == {}
    files = [f for folder in ("agent", "eval", "training") for f in sorted((ROOT / folder).rglob("*.py"))]
    outside = [f for f in files if not f.is_relative_to(ROOT / "agent" / "cli")]
    takes_flags = {str(f.relative_to(ROOT)): namespace_parameters(f) for f in outside}
    assert {path: found for path, found in takes_flags.items() if found} == {}


def test_the_namespace_reader_sees_parameters_typed_as_parsed_flags(tmp_path):
    assert "compare_command(args)" in namespace_parameters(ROOT / "agent" / "cli" / "eval_cmd.py")
    module = tmp_path / "m.py"
    module.write_text("from argparse import Namespace\nasync def f(a: int, *, flags: 'Namespace | None'): ...\n")
    assert namespace_parameters(module) == ["f(flags)"]


def test_the_sweep_does_not_import_the_runner_back():
    assert not any(n.startswith("eval.cli_run") for n in imports_of(ROOT / "eval" / "sweep.py"))


def test_training_scores_an_adapter_in_process_not_through_a_subprocess():
    names = imports_of(ROOT / "training" / "sft" / "evaluate.py")
    assert "subprocess" not in names and "eval.cli_run.run_eval" in names


def test_training_loads_models_through_the_shared_layer_not_the_local_backend():
    assert offenders("training", ("agent.backends.local",)) == {}


def test_the_model_layer_knows_neither_the_backends_nor_training():
    assert offenders("agent/models", ("agent.backends", "agent.loop", "agent.cli", "training", "eval")) == {}
