"""The oracle teacher: the scripted backend fed from a task's reference plan.

It plays each expected call as its own assistant turn, in order, then the
reference answer; the loop dispatches the calls to the real servers, so the
tool results in its traces are real. It knows nothing of checks: an oracle
episode that fails them exposes a bug in a generator, a verifier or a server.
"""

from __future__ import annotations

from agent.backends.scripted import ScriptedBackend, ScriptedCall, ScriptedTurn
from eval.matching import plain
from eval.tasks import Task

NAME = "oracle"


def oracle_turns(task: Task) -> list[ScriptedTurn]:
    """One turn per expected call (markers resolved to concrete values), then the answer.

    An outcome-only task states no calls, so the oracle has only its answer to play.
    """
    turns = [
        ScriptedTurn(tool_calls=[ScriptedCall(name=c.name, arguments=plain(c.arguments))]) for c in task.plan or []
    ]
    return [*turns, ScriptedTurn(content=task.reference_answer)]


def oracle_backend(task: Task) -> ScriptedBackend:
    """A scripted backend that plays `task`'s reference plan."""
    return ScriptedBackend(oracle_turns(task), name=NAME)
