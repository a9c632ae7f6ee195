"""Trace generation: run tasks through the real loop with a teacher, keep the verified episodes.

APIGen's recipe with our runtime as the executor: the format is checked by
the loop (arguments parsed and schema-validated before dispatch), execution is
real (fresh real servers per episode), and the task's checks are the semantic
verification. Kept traces go to the output file, rejected task ids (with
their reasons) to `<output>.rejected.jsonl`; both are append-only journals,
so a re-run skips every task already decided. It knows teachers only as a
function from task to backend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from agent.backends.base import Backend
from eval.journal import Journal, open_journal
from eval.metrics import reason_kind
from eval.runner import Episode, EpisodeConfig, run_episode
from eval.suite import with_distractors
from eval.tasks import Task
from mcp_servers import BUNDLED
from training.traces.checks import record_problems

TeacherFor = Callable[[Task], Backend]  # a fresh backend per task (oracle) or the same one (a model)
Progress = Callable[[Episode], None]


@dataclass
class Summary:
    total: int = 0
    skipped: int = 0  # already decided by an earlier run
    kept: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # by reason kind
    torn: int = 0  # bytes of a torn last line cut from a killed run's output

    def add(self, episode: Episode) -> None:
        if episode.passed:
            self.kept += 1
        else:
            self.rejected[reason_kind(episode.reason)] += 1


def rejected_path(output: Path) -> Path:
    """Where rejected task ids and reasons are journaled next to `output`."""
    return output.with_name(output.name + ".rejected.jsonl")


@dataclass
class Outputs:
    kept: Journal
    rejected: Journal

    def record(self, episode: Episode, teacher: str) -> None:
        """Journal the episode: its trace when it passed and is a valid training record, else why not."""
        if episode.passed and episode.trace is not None:
            episode.trace.meta["teacher"] = teacher
            trace = episode.trace.model_dump(mode="json", exclude_none=True)
            problems = record_problems(trace)
            if not problems:
                self.kept.append(trace)
                return
            episode.passed, episode.reason = False, f"format: {problems[0]}"
        self.rejected.append({"task_id": episode.task.id, "reason": episode.reason, "teacher": teacher})

    def close(self) -> None:
        self.kept.close()
        self.rejected.close()


async def generate_traces(
    tasks: list[Task],
    teacher_for: TeacherFor,
    output: Path,
    *,
    teacher: str,
    jobs: int = 4,
    config: EpisodeConfig | None = None,
    on_episode: Progress | None = None,
    distractors: str | int = "none",
) -> Summary:
    """Run every undecided task (at most `jobs` at once) and journal each verdict as it lands.

    `distractors` mounts bundled servers besides each task's own (eval.suite.with_distractors), so the
    bundled servers' tasks can be traced as the chat runs them: with every bundled server mounted.
    """
    outputs = Outputs(open_journal(output), open_journal(rejected_path(output)))
    decided = outputs.kept.done | outputs.rejected.done
    todo = [t for t in tasks if t.id not in decided]
    summary = Summary(total=len(tasks), skipped=len(tasks) - len(todo), torn=outputs.kept.torn)
    limit = anyio.Semaphore(max(1, jobs))

    async def one(task: Task) -> None:
        async with limit:
            episode = await run_episode(with_distractors(task, distractors, BUNDLED), teacher_for(task), config)
        outputs.record(episode, teacher)  # may turn a pass into a format rejection
        summary.add(episode)
        if on_episode is not None:
            on_episode(episode)

    try:
        async with anyio.create_task_group() as tg:
            for task in todo:
                tg.start_soon(one, task)
    finally:
        outputs.close()
    return summary
