"""What every multi_step workflow shares: the category, the draft, how a calc result is checked and said.

The result-file pool lives here because three workflows (sql, files, sandbox)
write their results into it. This module knows no server's tools, no intent
and no phrasing; each workflow module owns those beside its builders.
"""

from __future__ import annotations

import re

from eval.families.base import Draft
from eval.families.build import regex
from eval.families.calcref import number_key

CATEGORY = "multi_step"

RESULT_FILES = (
    "results/answer.txt",
    "out/result.txt",
    "calc/value.txt",
    "notes/number.txt",
    "tmp/output.txt",
    "answers/latest.txt",
    "data/result.txt",
    "scratch/answer.txt",
)


def draft(servers: list[str], calls: list[dict], answer: str, checks: list[dict], **extra) -> Draft:
    return Draft(CATEGORY, sorted(servers), calls, answer, checks, **extra)


def shows(shown: str) -> dict:
    """A check that the answer shows calc's `shown` (thousands separators, 1-decimal rounding allowed)."""
    text = shown.split("≈")[-1].strip()
    forms = {number_key(text)} | ({f"{float(text):.1f}"} if "." in text else set())
    pieces = [
        re.sub(r"\B(?=(\d{3})+$)", ",?", f.partition(".")[0]) + re.escape(f[len(f.partition(".")[0]) :])
        for f in sorted(forms)
    ]
    end = "" if "." in text else r"(?!,?\d)"
    return regex(r"(?<![\d.])(?:" + "|".join(pieces) + ")" + end)


def as_said(shown: str) -> str:
    """calc's result as an answer says it: inexact ones as 'about' and 2 decimals."""
    return f"about {float(shown.split('≈')[-1]):.2f}" if "≈" in shown else shown


def orderings(expression: str) -> list[str]:
    """`expression` and, for `a * b`, `b * a`."""
    match = re.fullmatch(r"(\S+) \* (\S+)", expression)
    return [expression, f"{match[2]} * {match[1]}"] if match else [expression]
