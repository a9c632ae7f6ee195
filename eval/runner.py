"""One episode: fresh servers, hidden setup, the real agent loop, then the task's checks.

Trace generation and eval both run tasks through here, so a trace kept for
training passed exactly the checks eval scores. A broken episode (a server
that will not start, a setup call that fails, a timeout, a backend error)
becomes a failed Episode with its reason; nothing here raises past one task.
The runner knows backends and toolboxes only through their protocols.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from agent.backends.base import Backend
from agent.environments import fresh_environment
from agent.errors import LooptuneError
from agent.hub import Hub
from agent.hub.arguments import ArgumentError, parse_arguments
from agent.loop import AgentLoop, LoopConfig, RunResult, trace_steps
from agent.loop.events import ToolCallFinished
from agent.messages import Trace
from agent.prompts import SYSTEM_PROMPT, system_prompt
from agent.registry import ServerConfig
from agent.shortlist import DEFAULT_METHOD
from eval.checks import CallRecord, CheckResult, Outcome, run_checks
from eval.tasks import Task


@dataclass
class EpisodeConfig:
    max_steps: int = 10
    timeout_s: float = 300.0
    inproc: bool = True  # bundled servers built in this process: no interpreter start per episode
    prompt: str = SYSTEM_PROMPT
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None  # per model turn (None: the backend's default)
    # Servers a task may name besides the bundled ones (the user's registry entries), by name.
    servers: Mapping[str, ServerConfig] = field(default_factory=dict)
    # Tools the model sees (agent.shortlist; 0 = all mounted): eval and trace generation pass the same k.
    shortlist_k: int = 0
    shortlist_method: str = DEFAULT_METHOD


@dataclass
class Episode:
    """The result of one task run: passed or not, why, and the trace."""

    task: Task
    passed: bool
    reason: str = ""
    answer: str = ""
    calls: list[CallRecord] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    trace: Trace | None = None
    duration_s: float = 0.0
    steps: int = 0


class SetupFailed(LooptuneError, RuntimeError):
    """A hidden setup call failed: the task, not the model, is broken."""


async def run_episode(task: Task, backend: Backend, config: EpisodeConfig | None = None) -> Episode:
    """Run `task` once with `backend`; never raises for a broken episode."""
    config = config or EpisodeConfig()
    began = time.perf_counter()
    try:
        with anyio.fail_after(config.timeout_s):
            episode = await _run(task, backend, config)
    except TimeoutError:
        episode = Episode(task, False, f"timed out after {config.timeout_s:g} s")
    except Exception as exc:  # noqa: BLE001 - one broken episode must not stop a run of thousands
        episode = Episode(task, False, _describe(exc))
    episode.duration_s = round(time.perf_counter() - began, 4)
    _annotate(episode)
    return episode


def _describe(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]  # task groups wrap the one real failure
    if isinstance(exc, SetupFailed):
        return str(exc)
    return f"episode crashed: {type(exc).__name__}: {exc}"


async def _run(task: Task, backend: Backend, config: EpisodeConfig) -> Episode:
    extra = {name: config.servers[name] for name in task.servers if name in config.servers}
    bundled = [name for name in task.servers if name not in extra]
    async with fresh_environment(bundled, inproc=config.inproc, extra=extra, on_notice=_ignore) as hub:
        await _setup(task, hub)
        result = await _loop(task, backend, hub, config).run(list(task.messages))
        return await _score(task, result, hub)


def _ignore(server: str, message: str) -> None:
    """Server notices are not the episode's business; failures surface as tool errors."""


async def _setup(task: Task, hub: Hub) -> None:
    status = {s.name: s for s in hub.status()}
    missing = [name for name in task.servers if name not in status or status[name].state != "up"]
    if missing:
        why = "; ".join(f"{name}: {status[name].error}" for name in missing if name in status and status[name].error)
        raise SetupFailed(f"setup: server(s) not running: {', '.join(missing)}" + (f" ({why})" if why else ""))
    for call in task.setup:
        outcome = await hub.call(call.tool, json.dumps(call.arguments))
        if outcome.is_error:
            raise SetupFailed(f"setup: {call.tool} failed: {outcome.text}")


def _loop(task: Task, backend: Backend, hub: Hub, config: EpisodeConfig) -> AgentLoop:
    loop_config = LoopConfig(
        config.max_steps,
        system_prompt=system_prompt(task.now, config.prompt),
        temperature=config.temperature,
        seed=config.seed,
        max_tokens=config.max_tokens,
        shortlist_k=config.shortlist_k,
        shortlist_method=config.shortlist_method,
    )
    return AgentLoop(backend, hub, loop_config)


async def _score(task: Task, result: RunResult, hub: Hub) -> Episode:
    calls = [_record(e) for e in result.events if isinstance(e, ToolCallFinished)]
    steps = len(trace_steps(result.trace))
    episode = Episode(task, False, answer=result.final.content if result.final else "", calls=calls, steps=steps)
    episode.trace = result.trace
    if result.final is None:
        episode.reason = result.error or "the run ended without a final answer"
        return episode
    schemas = {spec.name: spec.function.parameters for spec in hub.specs()}
    episode.checks = await run_checks(task.checks, Outcome(episode.answer, calls, schemas), hub)
    failed = [c for c in episode.checks if not c.passed]
    episode.passed, episode.reason = not failed, failed[0].describe() if failed else ""
    return episode


def _record(event: ToolCallFinished) -> CallRecord:
    try:
        arguments: dict[str, Any] | None = parse_arguments(event.call.function.arguments)
    except ArgumentError:
        arguments = None
    return CallRecord(event.call.name, arguments, event.outcome.is_error, event.outcome.text)


def _annotate(episode: Episode) -> None:
    """Put the task and its verdict in the trace's meta (dropped on export where unwanted)."""
    if episode.trace is None:
        return
    task = episode.task
    episode.trace.meta.update(
        task_id=task.id,
        category=task.category,
        passed=episode.passed,
        reason=episode.reason,
        checks=[{"type": c.check.type, "passed": c.passed, "detail": c.detail} for c in episode.checks],
        **{k: v for k, v in task.meta.items() if k in ("family", "template", "split")},
    )


__all__ = ["Episode", "EpisodeConfig", "SetupFailed", "run_episode"]
