"""Paired significance of a completion-rate change between two runs over their shared tasks.

McNemar's exact test on the discordant tasks (passed in one run only) and a
seeded paired bootstrap CI of the difference, so a 2-point change on 60
tasks is reported as the noise it is. Per task, a run's outcome is its pass
rate over its trials (McNemar reads it as passed when at least half passed).
Pure arithmetic: no files, no runs.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass
class Paired:
    tasks: int
    a_rate: float
    b_rate: float
    only_a: int  # tasks A passed and B failed
    only_b: int
    p_value: float
    ci_low: float
    ci_high: float

    @property
    def delta(self) -> float:
        return self.b_rate - self.a_rate

    @property
    def significant(self) -> bool:
        """p < 0.05 and the 95 % CI of the difference excludes zero."""
        return self.p_value < 0.05 and (self.ci_low > 0 or self.ci_high < 0)


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value (a binomial test of the discordant pairs at 1/2)."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1)) / 2**n
    return min(1.0, 2 * tail)


def bootstrap_ci(diffs: list[float], resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """95 % percentile CI of the mean of per-task differences."""
    if not diffs:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(rng.choices(diffs, k=n)) / n for _ in range(resamples))
    return (means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1])


def paired(a: dict[str, float], b: dict[str, float], seed: int = 0) -> Paired:
    """Compare per-task pass rates of runs A and B over the tasks both ran."""
    shared = sorted(a.keys() & b.keys())
    only_a = sum(a[t] >= 0.5 > b[t] for t in shared)
    only_b = sum(b[t] >= 0.5 > a[t] for t in shared)
    low, high = bootstrap_ci([b[t] - a[t] for t in shared], seed=seed)
    n = len(shared) or 1
    return Paired(
        tasks=len(shared),
        a_rate=sum(a[t] for t in shared) / n,
        b_rate=sum(b[t] for t in shared) / n,
        only_a=only_a,
        only_b=only_b,
        p_value=mcnemar_exact(only_a, only_b),
        ci_low=low,
        ci_high=high,
    )
