"""An eval run: every task, k trials each, through the real loop, journaled episode by episode.

Each finished episode is scored (eval.records) and appended to the run's
journals at once, so a kill or Ctrl+C loses only episodes in flight and
`resume` runs just the missing (task, trial) pairs. A broken episode is a
failed record with its reason, never a stopped run. It knows backends only
as a function from task to backend, and nothing of reports.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import anyio

from agent.backends.base import Backend
from agent.registry import ServerConfig
from eval.journal import open_journal
from eval.records import EpisodeRecord, record_episode, record_key
from eval.rundir import RunDir, RunSettings
from eval.runner import EpisodeConfig, run_episode
from eval.tasks import Task

BackendFor = Callable[[Task], Backend]
OnRecord = Callable[[EpisodeRecord], None]


@dataclass
class SuiteResult:
    planned: int
    skipped: int  # already journaled by an earlier run of this directory
    ran: int
    torn: int  # bytes of a torn journal line cut off (left by a killed run)


def with_distractors(task: Task, distractors: str | int, pool: tuple[str, ...]) -> Task:
    """`task` with extra servers from `pool`: all of them, none, or N picked by a seed from the task id."""
    others = [name for name in pool if name not in task.servers]
    if distractors == "none" or distractors == 0:
        return task
    if distractors == "all":
        extra = others
    else:
        extra = random.Random(task.id).sample(others, min(int(distractors), len(others)))
    return task.model_copy(update={"servers": [*task.servers, *extra]})


def episode_config(settings: RunSettings, trial: int, servers: Mapping[str, ServerConfig]) -> EpisodeConfig:
    """One trial's episode settings (trial t samples with seed + t)."""
    return EpisodeConfig(
        max_steps=settings.max_steps,
        timeout_s=settings.timeout_s,
        inproc=settings.inproc,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        seed=settings.seed + trial,
        servers=servers,
        shortlist_k=settings.shortlist,
        shortlist_method=settings.shortlist_method,
    )


async def run_suite(
    tasks: list[Task],
    backend_for: BackendFor,
    run: RunDir,
    settings: RunSettings,
    *,
    pool: tuple[str, ...] = (),
    servers: Mapping[str, ServerConfig] | None = None,
    on_record: OnRecord | None = None,
) -> SuiteResult:
    """Run every (task, trial) not yet in the journal, at most `settings.jobs` at once."""
    episodes = open_journal(run.episodes, key=lambda r: str(r["key"]))
    traces = open_journal(run.traces, key=lambda r: str(r.get("meta", {}).get("key")))
    todo = [
        (task, trial)
        for trial in range(settings.trials)
        for task in tasks
        if record_key(task.id, trial) not in episodes.done
    ]
    result = SuiteResult(settings.planned, settings.planned - len(todo), 0, episodes.torn + traces.torn)
    limit = anyio.Semaphore(settings.jobs)

    async def one(task: Task, trial: int) -> None:
        async with limit:
            shown = with_distractors(task, settings.distractors, pool)
            config = episode_config(settings, trial, servers or {})
            episode = await run_episode(shown, backend_for(task), config)
        record = record_episode(episode, trial)
        if episode.trace is not None:
            episode.trace.meta.update(key=record.key, trial=trial)
            traces.append(episode.trace.model_dump(mode="json", exclude_none=True))
        episodes.append(record.to_json())  # last: a journaled record always has its trace
        result.ran += 1
        if on_record is not None:
            on_record(record)

    try:
        async with anyio.create_task_group() as tg:
            for task, trial in todo:
                tg.start_soon(one, task, trial)
    finally:
        episodes.close()
        traces.close()
    return result
