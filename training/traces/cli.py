"""`looptune traces generate|validate|stats|export`: typed settings (generate) or typed arguments in, files and
tables out.

Imported by the agent CLI (agent/cli/traces_cmd.py, which knows the flags)
only inside the subcommand. `run_generate` turns `GenerateSettings` into a
teacher and a config and prints; the work is in `training.traces.generate`,
`validate`, `stats` and `export`. This module knows no flags and no argv.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from agent.backends.settings import build_backend
from agent.fsutil import atomic_write_text
from agent.registry import ServerConfig
from agent.settings import SettingsError
from eval.oracle import NAME as ORACLE
from eval.oracle import oracle_backend
from eval.runner import Episode, EpisodeConfig
from eval.tasks import Task, TaskError, load_tasks
from training.traces.generate import Summary, TeacherFor, generate_traces, rejected_path
from training.traces.settings import GenerateSettings

if TYPE_CHECKING:
    from training.traces.tokens import Counter as TokenCounter

err = Console(stderr=True, highlight=False, soft_wrap=True)


def run_generate(settings: GenerateSettings) -> int:
    """Run the tasks with the teacher; exit 1 when nothing at all was kept."""
    try:
        tasks = load_tasks(settings.tasks)
    except TaskError as exc:
        raise SettingsError(str(exc)) from exc
    output = Path(settings.output)
    if settings.retry_rejected:
        rejected_path(output).unlink(missing_ok=True)
    config = EpisodeConfig(
        max_steps=settings.max_steps,
        timeout_s=settings.timeout,
        seed=settings.seed,
        shortlist_k=settings.shortlist,
        shortlist_method=settings.shortlist_method,
        servers=_registry_servers(settings.mcp_config, tasks),
    )
    summary = anyio.run(_run, settings, tasks, output, config)
    _save_config(settings, output, summary)
    _report(summary, output)
    return 0 if summary.kept or summary.skipped or not tasks else 1


def _registry_servers(mcp_config: str | None, tasks: list[Task]) -> dict[str, ServerConfig]:
    """Registry entries of task servers that are not bundled (`tasks synthesize` output), found as eval finds them."""
    from eval.cli_run import user_servers

    return user_servers(mcp_config, tasks)


def config_path(output: Path) -> Path:
    """Where the resolved generation settings are saved next to the traces."""
    return output.with_name(output.name + ".config.json")


def _save_config(settings: GenerateSettings, output: Path, summary: Summary) -> None:
    # Later stages (training, eval) read which tasks and teacher made these traces from here.
    teacher = settings.teacher
    saved = {
        "tasks": str(Path(settings.tasks).resolve()),
        "teacher": teacher.backend,
        "model": teacher.model,
        "adapter": teacher.adapter,
        "base_url": teacher.base_url,
        "jobs": settings.jobs,
        "max_steps": settings.max_steps,
        "timeout": settings.timeout,
        "seed": settings.seed,
        "distractors": settings.distractors,
        "shortlist": settings.shortlist,  # what the model was shown: training must show the same
        "shortlist_method": settings.shortlist_method,
    }
    counts = {"kept": summary.kept, "rejected": dict(summary.rejected), "skipped": summary.skipped}
    atomic_write_text(config_path(output), json.dumps({"settings": saved, "last_run": counts}, indent=2) + "\n")


async def _run(settings: GenerateSettings, tasks: list[Task], output: Path, config: EpisodeConfig) -> Summary:
    teacher_for, close = _teacher(settings)
    try:
        with _progress() as progress:
            bar = progress.add_task("traces", total=len(tasks), kept=0, rejected=0)
            counts = {"kept": 0, "rejected": 0}

            def advance(episode: Episode) -> None:
                counts["kept" if episode.passed else "rejected"] += 1
                progress.update(bar, advance=1, kept=counts["kept"], rejected=counts["rejected"])

            summary = await generate_traces(
                tasks,
                teacher_for,
                output,
                teacher=settings.teacher.backend,
                jobs=settings.jobs,
                config=config,
                on_episode=advance,
                distractors=settings.distractors,
            )
    except ValueError as exc:  # an output file that is not ours to append to
        raise SettingsError(str(exc)) from exc
    finally:
        await close()
    return summary


def _teacher(settings: GenerateSettings) -> tuple[TeacherFor, Callable[[], Awaitable[None]]]:
    if settings.teacher.backend == ORACLE:

        async def nothing() -> None:
            return None

        return oracle_backend, nothing
    backend = build_backend(settings.teacher)
    return (lambda task: backend), backend.aclose


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[green]kept {task.fields[kept]}[/] · [red]rejected {task.fields[rejected]}[/]"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def _report(summary: Summary, output: Path) -> None:
    table = Table("outcome", "tasks", box=None)
    table.add_row("kept", str(summary.kept))
    for kind, n in summary.rejected.most_common():
        table.add_row(f"rejected: {kind}", str(n))
    if summary.skipped:
        table.add_row("already decided (skipped)", str(summary.skipped))
    err.print(table)
    if summary.torn:
        err.print(f"[yellow]cut a torn last line ({summary.torn} bytes) left by an interrupted run[/]")
    err.print(Text(f"traces: {output}  ·  rejected (ids, reasons): {rejected_path(output)}"))
    err.print(Text(f"settings: {config_path(output)}"))
    print(json.dumps({"kept": summary.kept, "rejected": sum(summary.rejected.values()), "skipped": summary.skipped}))


def _counter(tokenizer: str) -> TokenCounter | None:
    from training.traces.tokens import TokenizerError, token_counter

    try:
        return token_counter(tokenizer)
    except TokenizerError as exc:
        raise SettingsError(str(exc)) from exc


def _existing(path: str) -> Path:
    file = Path(path)
    if not file.is_file():
        raise SettingsError(f"{file}: no such trace file")
    return file


def run_validate(file: str, *, max_tokens: int = 4096, fix_out: str | None = None, tokenizer: str = "bundled") -> int:
    """Print every problem as file:line: reason; exit 1 if any line is invalid. `fix_out` gets the valid lines;
    `tokenizer` (bundled, none or a directory) measures the length checked against `max_tokens`."""
    from training.traces.validate import validate_file, write_valid

    report = validate_file(_existing(file), _counter(tokenizer), max_tokens)
    for line in report.messages():
        print(line)
    kinds = ", ".join(f"{kind} {n}" for kind, n in report.kinds().most_common())
    summary = f"{report.lines} lines: {len(report.valid)} valid, {report.invalid} invalid"
    err.print(summary + (f" ({kinds})" if kinds else ""))
    if fix_out:
        kept = write_valid(report, Path(fix_out))
        err.print(f"wrote {kept} valid lines to {fix_out} (dropped {report.invalid})")
    return 1 if report.invalid else 0


def run_stats(file: str, *, as_json: bool = False, tokenizer: str = "bundled") -> int:
    """Print counts by category, outcome and tool; steps, calls and lengths as min/p50/p95/max."""
    from training.traces.stats import trace_stats

    stats = trace_stats(_existing(file), _counter(tokenizer))
    if as_json:
        print(json.dumps(stats, indent=2))
        return 0
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"{stats['traces']} traces ({stats['invalid_lines']} invalid lines not counted)")
    for title in ("by_category", "by_outcome", "calls_by_tool"):
        table = Table(title.replace("_", " "), "traces" if title != "calls_by_tool" else "calls", box=None)
        for key, n in stats[title].items():
            table.add_row(escape(str(key)), str(n))
        out.print(table)
    table = Table("per trace", "min", "p50", "p95", "max", "mean", box=None)
    for key, label in (
        ("steps", "assistant turns"),
        ("calls_per_trace", "tool calls"),
        ("length", stats["length_unit"]),
    ):
        spread = stats[key]
        table.add_row(label, *(str(spread.get(k, "-")) for k in ("min", "p50", "p95", "max", "mean")))
    out.print(table)
    return 0


def run_export(file: str, output: str, *, keep_failed: bool = False, categories: list[str] | None = None) -> int:
    """Write bare messages+tools lines (passed episodes only unless `keep_failed`, only `categories` if given);
    exit 1 when nothing was written."""
    from training.traces.export import export_traces

    report = export_traces(_existing(file), Path(output), passed_only=not keep_failed, categories=categories)
    skipped = ", ".join(f"{n} {why}" for why, n in report.skipped.most_common())
    err.print(f"wrote {report.written} traces to {output}" + (f" (skipped {skipped})" if skipped else ""))
    return 0 if report.written else 1
