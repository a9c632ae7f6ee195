"""`looptune eval`'s run: typed EvalSettings in; journals, report.json, report.html and a table out.

It turns settings into run settings, a backend and the user's extra servers,
shows a progress bar with the live pass rate, and on Ctrl+C still writes a
report, marked partial. Several adapters (or a glob) make a checkpoint sweep
(eval.sweep). The work is in eval.suite and eval.report. It knows no flags:
the CLI (agent.cli.eval_cmd) builds the settings from argv.
"""

from __future__ import annotations

import signal
from pathlib import Path

import anyio
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from agent.backends.base import Backend
from agent.backends.settings import BackendSettings, build_backend, effective_adapter
from agent.registry import ServerConfig, load_registry
from agent.settings import SettingsError, save_settings
from eval.oracle import NAME as ORACLE
from eval.oracle import oracle_backend
from eval.records import EpisodeRecord
from eval.report.build import build_report, write_reports
from eval.report.terminal import print_report
from eval.rundir import RunDir, RunSettings, file_sha256
from eval.settings import SETTINGS_FILE, EvalSettings
from eval.suite import BackendFor, run_suite
from eval.sweep import expand_adapters, run_sweep
from eval.tasks import Task, load_tasks

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
# Settings a resumed run must share with the run it continues (jobs and timeouts may change).
SAME_ON_RESUME = (
    "tasks_sha256",
    "backend",
    "model",
    "adapter",
    "base_url",
    "trials",
    "distractors",
    "seed",
    "temperature",
    "max_steps",
    "max_tokens",
    "backend_options",
    "shortlist",
    "shortlist_method",
)


def run_eval(settings: EvalSettings) -> int:
    """Run (or resume) the benchmark; exit 0 when complete, 130 when interrupted (partial report written)."""
    tasks = load_tasks(settings.tasks)
    servers = user_servers(settings.mcp_config, tasks)
    adapters = expand_adapters(settings.adapters)
    if adapters and settings.backend.backend != "local":
        # A served model picks its LoRA by model id (--model NAME), not by a path here.
        name = settings.backend.backend
        raise SettingsError(
            f"--adapter needs --backend local (with --backend {name}, pass the adapter's model id as --model)"
        )

    def one(path: Path, adapter: str | None) -> tuple[int, dict]:
        return evaluate(settings, tasks, servers, path, adapter)

    if len(adapters) > 1:
        save_settings(settings, Path(settings.output) / SETTINGS_FILE)
        return run_sweep(Path(settings.output), adapters, one)
    code, _ = one(Path(settings.output), adapters[0] if adapters else settings.backend.adapter)
    return code


def evaluate(
    settings: EvalSettings, tasks: list[Task], servers: dict[str, ServerConfig], path: Path, adapter: str | None
) -> tuple[int, dict]:
    """One run into `path` with `adapter`: settings, episodes, reports; returns the exit code and the report."""
    run = RunDir(path)
    backend = settings.backend.model_copy(update={"adapter": adapter})
    one = settings.model_copy(update={"output": str(path), "adapters": [], "backend": backend})
    run_settings = _settings(one, tasks, run)
    save_settings(one, path / SETTINGS_FILE)
    try:
        interrupted = anyio.run(_interruptible, one.backend, tasks, servers, run, run_settings)
    except KeyboardInterrupt:  # a second Ctrl+C while the first one's cancellation was winding down
        interrupted = True
    report = build_report(run, interrupted=interrupted)
    write_reports(run, report)
    print_report(report, out)
    err.print(Text(f"report: {run.report_html}  ·  {run.report_json}  ·  traces: {run.traces}"))
    return (130 if interrupted else 0), report


def user_servers(mcp_config: str | None, tasks: list[Task]) -> dict[str, ServerConfig]:
    """Registry entries for task servers that are not bundled; a name found nowhere is an error now."""
    from mcp_servers import BUNDLED
    from mcp_servers.synthetic import episode_args

    # synthetic-<seed> and universe-<seed> toolsets are mounted by the episode itself
    wanted = {n for t in tasks for n in t.servers if n not in BUNDLED and episode_args(n) is None}
    if not wanted:
        return {}
    registry = load_registry(mcp_config, bundled=False)
    found = registry.enabled()
    missing = sorted(wanted - found.keys())
    if missing:
        raise SettingsError(
            f"tasks name servers that are neither bundled nor enabled in {registry.path}: {', '.join(missing)}"
        )
    return {name: found[name] for name in wanted}


def _settings(settings: EvalSettings, tasks: list[Task], run: RunDir) -> RunSettings:
    backend = settings.backend
    asked = RunSettings(
        tasks=str(Path(settings.tasks).resolve()),
        tasks_sha256=file_sha256(Path(settings.tasks)),
        task_count=len(tasks),
        backend=backend.backend,
        model=backend.model,
        adapter=effective_adapter(backend),
        base_url=backend.base_url,
        trials=settings.trials,
        jobs=settings.jobs,
        distractors=settings.distractors,
        max_steps=settings.max_steps,
        timeout_s=settings.timeout,
        seed=settings.seed,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        inproc=not settings.stdio,
        backend_options=backend.extra(),
        shortlist=settings.shortlist,
        shortlist_method=settings.shortlist_method,
    )
    if run.exists():
        asked = _resumed(settings.resume, run, asked)
    elif settings.resume:
        raise SettingsError(f"--resume: {run.path} holds no run to continue")
    run.save_settings(asked)
    return asked


def _resumed(resume: bool, run: RunDir, asked: RunSettings) -> RunSettings:
    if not resume:
        raise SettingsError(f"{run.path} already holds a run: pass --resume to continue it, or choose another -o")
    saved = run.load_settings()
    changed = [key for key in SAME_ON_RESUME if getattr(saved, key) != getattr(asked, key)]
    if changed:
        detail = "; ".join(f"{k}: run has {getattr(saved, k)!r}, flags give {getattr(asked, k)!r}" for k in changed)
        raise SettingsError(f"--resume: {run.path} was started with other settings ({detail})")
    return asked


async def _interruptible(
    backend: BackendSettings, tasks: list[Task], servers: dict[str, ServerConfig], run: RunDir, settings: RunSettings
) -> bool:
    """Run the suite until done or Ctrl+C; True when interrupted (finished episodes are already journaled)."""
    interrupted = False
    async with anyio.create_task_group() as tg:

        async def on_ctrl_c() -> None:
            nonlocal interrupted
            with anyio.open_signal_receiver(signal.SIGINT) as signals:
                async for _ in signals:
                    interrupted = True
                    err.print("[yellow]interrupted: stopping the episodes in flight, then writing a partial report[/]")
                    tg.cancel_scope.cancel()

        tg.start_soon(on_ctrl_c)
        await _run(backend, tasks, servers, run, settings)
        tg.cancel_scope.cancel()
    return interrupted


async def _run(
    chosen: BackendSettings, tasks: list[Task], servers: dict[str, ServerConfig], run: RunDir, settings: RunSettings
) -> None:
    from mcp_servers import BUNDLED

    backend_for, backend = _backend(chosen, settings)
    earlier = run.records()
    counts = {"passed": sum(r.passed for r in earlier), "failed": sum(not r.passed for r in earlier)}
    try:
        with _progress() as progress:
            done = len(earlier)
            bar = progress.add_task(
                "eval",
                total=settings.planned,
                completed=done,
                rate="",
                passed=counts["passed"],
                failed=counts["failed"],
            )

            def advance(record: EpisodeRecord) -> None:
                counts["passed" if record.passed else "failed"] += 1
                rate = f"{100 * counts['passed'] / (counts['passed'] + counts['failed']):.0f}%"
                progress.update(bar, advance=1, rate=rate, passed=counts["passed"], failed=counts["failed"])

            result = await run_suite(
                tasks, backend_for, run, settings, pool=BUNDLED, servers=servers, on_record=advance
            )
    finally:
        if backend is not None:
            with anyio.CancelScope(shield=True):
                await backend.aclose()
    if result.skipped:
        err.print(f"resumed: {result.skipped} episodes were already done, ran {result.ran}")
    if result.torn:
        err.print(f"[yellow]cut a torn last journal line ({result.torn} bytes) left by a killed run[/]")


def _backend(chosen: BackendSettings, settings: RunSettings) -> tuple[BackendFor, Backend | None]:
    if settings.backend == ORACLE:
        return oracle_backend, None
    backend = build_backend(chosen, settings.adapter)  # the adapter the run records, resolved once
    return (lambda task: backend), backend


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "[green]passed {task.fields[passed]}[/] · [red]failed {task.fields[failed]}[/] · {task.fields[rate]}"
        ),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err,
    )
