"""`multi_step`: two or three chained calls, often across servers, a later one using an earlier result.

Fresh state per episode makes every id and value predictable at generation
time (documents are doc-1.., to-dos 1..), so the reference plan is exact even
where a later call depends on an earlier result. Each workflow module keeps
its own pools and phrasings beside the builders that use them: knowledge
(search/read first), sql (query first), files (files and sandbox), todos
(to-dos named by title); common holds what they share.

This module only assembles the family. The order below is a contract: the
generator shuffles intents seeded by position and picks phrasings by index,
so reordering intents, or phrasings inside a module, changes every generated
task and breaks the byte-for-byte regeneration of the committed held-out file.
"""

from __future__ import annotations

from eval.families.base import Family
from eval.families.grammar import widen
from eval.families.multi_step import files, knowledge, sql, todos
from eval.families.multi_step.common import CATEGORY

# The order the intents had when the held-out set was fixed.
INTENTS = (*knowledge.INTENTS, *sql.INTENTS, *files.INTENTS, *todos.INTENTS)
# Chains written after the held-out set was fixed (training draws them; see Family.added).
ADDED = (*knowledge.ADDED, *files.ADDED)

FAMILY = Family(
    "multi_step",
    widen(INTENTS),
    "chained calls across servers, later calls using earlier results",
    added=widen(ADDED),
)

__all__ = ["ADDED", "CATEGORY", "FAMILY", "INTENTS"]
