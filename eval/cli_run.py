"""`looptune eval TASKS -o RUN_DIR`: flags in; journals, report.json, report.html and a table out.

It turns flags into run settings, a backend and the user's extra servers,
shows a progress bar with the live pass rate, and on Ctrl+C still writes a
report, marked partial. Several `--adapter`s (or a glob) make a checkpoint
sweep (eval.sweep). The work is in eval.suite and eval.report.
"""

from __future__ import annotations

import argparse
import glob
import signal
from pathlib import Path

import anyio
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from agent.backends.base import Backend
from agent.cli.agent_setup import local_options
from agent.cli.errors import CliError
from agent.registry import ServerConfig, load_registry
from eval.oracle import NAME as ORACLE
from eval.oracle import oracle_backend
from eval.records import EpisodeRecord
from eval.report.build import build_report, write_reports
from eval.report.terminal import print_report
from eval.rundir import RunDir, RunSettings, file_sha256
from eval.suite import BackendFor, run_suite
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


def eval_command(args: argparse.Namespace) -> int:
    """Run (or resume) the benchmark; exit 0 when complete, 130 when interrupted (partial report written)."""
    tasks = load_tasks(args.tasks)
    servers = user_servers(args.mcp_config, tasks)
    adapters = expand_adapters(args.adapter)
    if adapters and args.backend != "local":
        # A served model picks its LoRA by model id (--model NAME), not by a path here.
        raise CliError(
            f"--adapter needs --backend local (with --backend {args.backend}, pass the adapter's model id as --model)",
            code=2,
        )
    if len(adapters) > 1:
        from eval.sweep import run_sweep

        return run_sweep(args, tasks, servers, adapters)
    code, _ = evaluate(args, tasks, servers, Path(args.output), adapters[0] if adapters else None)
    return code


def evaluate(
    args: argparse.Namespace, tasks: list[Task], servers: dict[str, ServerConfig], path: Path, adapter: str | None
) -> tuple[int, dict]:
    """One run into `path`: settings, episodes, reports; returns the exit code and the report."""
    run = RunDir(path)
    settings = _settings(args, tasks, run, adapter)
    try:
        interrupted = anyio.run(_interruptible, args, tasks, servers, run, settings)
    except KeyboardInterrupt:  # a second Ctrl+C while the first one's cancellation was winding down
        interrupted = True
    report = build_report(run, interrupted=interrupted)
    write_reports(run, report)
    print_report(report, out)
    err.print(Text(f"report: {run.report_html}  ·  {run.report_json}  ·  traces: {run.traces}"))
    return (130 if interrupted else 0), report


def expand_adapters(values: list[str] | None) -> list[str]:
    """Adapter paths with globs expanded (checkpoints sorted by step); a glob matching nothing is an error."""
    found: list[str] = []
    for value in values or []:
        if glob.has_magic(value):
            matches = glob.glob(value)
            if not matches:
                raise CliError(f"--adapter {value}: matches nothing", code=2)
            found += sorted(matches, key=step_of)
        else:
            found.append(value)
    return found


def step_of(path: str) -> tuple[int, str]:
    """The training step in a `checkpoint-N` path (for ordering and plotting); -1 when there is none."""
    name = Path(path.rstrip("/")).name
    digits = name.rsplit("-", 1)[-1]
    return (int(digits) if digits.isdigit() else -1, name)


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
        raise CliError(
            f"tasks name servers that are neither bundled nor enabled in {registry.path}: {', '.join(missing)}", code=2
        )
    return {name: found[name] for name in wanted}


def _effective_adapter(args: argparse.Namespace, adapter: str | None) -> str | None:
    """The adapter the run really uses (the local backend puts the shipped one on the bundled model by default)."""
    if args.backend != "local":
        return adapter
    from agent.backends.local.shipped import resolve_adapter

    return resolve_adapter(adapter, args.model)


def _settings(args: argparse.Namespace, tasks: list[Task], run: RunDir, adapter: str | None) -> RunSettings:
    asked = RunSettings(
        tasks=str(Path(args.tasks).resolve()),
        tasks_sha256=file_sha256(Path(args.tasks)),
        task_count=len(tasks),
        backend=args.backend,
        model=args.model,
        adapter=_effective_adapter(args, adapter),
        base_url=args.base_url,
        trials=args.trials,
        jobs=args.jobs,
        distractors=args.distractors,
        max_steps=args.max_steps,
        timeout_s=args.timeout,
        seed=args.seed,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        inproc=not args.stdio,
        backend_options=local_options(args) if args.backend == "local" else {},
        shortlist=args.shortlist,
        shortlist_method=args.shortlist_method,
    )
    if run.exists():
        asked = _resumed(args, run, asked)
    elif args.resume:
        raise CliError(f"--resume: {run.path} holds no run to continue", code=2)
    run.save_settings(asked)
    return asked


def _resumed(args: argparse.Namespace, run: RunDir, asked: RunSettings) -> RunSettings:
    if not args.resume:
        raise CliError(f"{run.path} already holds a run: pass --resume to continue it, or choose another -o", code=2)
    saved = run.load_settings()
    changed = [key for key in SAME_ON_RESUME if getattr(saved, key) != getattr(asked, key)]
    if changed:
        detail = "; ".join(f"{k}: run has {getattr(saved, k)!r}, flags give {getattr(asked, k)!r}" for k in changed)
        raise CliError(f"--resume: {run.path} was started with other settings ({detail})", code=2)
    return asked


async def _interruptible(
    args: argparse.Namespace, tasks: list[Task], servers: dict[str, ServerConfig], run: RunDir, settings: RunSettings
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
        await _run(args, tasks, servers, run, settings)
        tg.cancel_scope.cancel()
    return interrupted


async def _run(
    args: argparse.Namespace, tasks: list[Task], servers: dict[str, ServerConfig], run: RunDir, settings: RunSettings
) -> None:
    from mcp_servers import BUNDLED

    backend_for, backend = _backend(args, settings)
    earlier = run.records()
    counts = {"passed": sum(r.passed for r in earlier), "failed": sum(not r.passed for r in earlier)}
    try:
        with _progress() as progress:
            done = len(earlier)
            bar = progress.add_task("eval", total=settings.planned, completed=done, rate="", **counts)

            def advance(record: EpisodeRecord) -> None:
                counts["passed" if record.passed else "failed"] += 1
                rate = f"{100 * counts['passed'] / (counts['passed'] + counts['failed']):.0f}%"
                progress.update(bar, advance=1, rate=rate, **counts)

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


def _backend(args: argparse.Namespace, settings: RunSettings) -> tuple[BackendFor, Backend | None]:
    if settings.backend == ORACLE:
        return oracle_backend, None
    from agent.cli.agent_setup import make_backend

    # "none" keeps the local backend from putting the shipped adapter back on the bundled model.
    adapter = settings.adapter or ("none" if settings.backend == "local" else None)
    backend = make_backend(argparse.Namespace(**{**vars(args), "adapter": adapter}))
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
