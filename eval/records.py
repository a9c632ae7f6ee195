"""The scored record of one eval episode: one line of a run's `episodes.jsonl`.

A record holds everything the metrics need (verdict, scores, timings), so a
report can be rebuilt from the run directory alone, without the task file,
the model or the servers. It knows nothing of how figures are aggregated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from agent.loop import trace_steps
from eval.runner import Episode
from eval.scoring import CallScore, score_episode


@dataclass
class EpisodeRecord:
    task_id: str
    trial: int
    category: str
    passed: bool
    reason: str = ""
    answer: str = ""
    expected: list[str] | None = field(default_factory=list)  # the plan's tool names in order; None: not stated
    selection_ok: bool | None = False  # None: not scored (the task states no plan)
    params_checked: int = 0
    params_ok: int = 0
    param_problems: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    calls: list[CallScore] = field(default_factory=list)
    steps: int = 0
    duration_s: float = 0.0
    step_s: list[float] = field(default_factory=list)  # wall time of each step (model turn + its calls)
    model_s: float = 0.0  # time spent in the backend, all steps
    completion_tokens: int = 0
    family: str = ""

    @property
    def key(self) -> str:
        return record_key(self.task_id, self.trial)

    def to_json(self) -> dict[str, Any]:
        """A JSON object (the journal line)."""
        return {"key": self.key, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EpisodeRecord:
        """Rebuild a record from its journal line."""
        fields = {k: v for k, v in data.items() if k != "key"}
        fields["pairs"] = [tuple(p) for p in fields.get("pairs", [])]
        fields["calls"] = [CallScore(**c) for c in fields.get("calls", [])]
        return cls(**fields)


def record_key(task_id: str, trial: int) -> str:
    """The journal key of one trial of one task."""
    return f"{task_id}#{trial}"


def record_episode(episode: Episode, trial: int) -> EpisodeRecord:
    """Score `episode` against its task and keep the figures the metrics read."""
    task = episode.task
    schemas = {spec.name: spec.function.parameters for spec in episode.trace.tools} if episode.trace else {}
    plan = task.plan
    score = score_episode(plan, episode.calls, schemas)
    steps = trace_steps(episode.trace)
    return EpisodeRecord(
        task_id=task.id,
        trial=trial,
        category=task.category,
        passed=episode.passed,
        reason=episode.reason,
        answer=episode.answer,
        expected=None if plan is None else [e.name for e in plan],
        selection_ok=score.selection_ok,
        params_checked=score.params_checked,
        params_ok=score.params_ok,
        param_problems=score.param_problems,
        pairs=score.pairs,
        calls=score.calls,
        steps=episode.steps,
        duration_s=episode.duration_s,
        step_s=[s.duration_s for s in steps],
        model_s=round(sum(s.model_s for s in steps), 4),
        completion_tokens=sum(s.completion_tokens for s in steps),
        family=str(task.meta.get("family", "")),
    )
