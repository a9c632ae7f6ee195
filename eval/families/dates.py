"""Relative dates ("next Friday", "in 3 days") resolved against a task's fixed clock.

"next <weekday>" and "on <weekday>" mean the first such day strictly after
today, which the system prompt's weekday makes unambiguous. This module
knows nothing of tasks.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def next_weekday(today: date, weekday: int) -> date:
    """The first `weekday` (0 = Monday) strictly after `today`."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def relative_date(rng: random.Random, today: date) -> tuple[str, date]:
    """A phrase naming a day and the day it names."""
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice(("tomorrow", "by tomorrow")), today + timedelta(days=1)
    if kind == 1:
        days = rng.randrange(2, 11)
        return f"in {days} days", today + timedelta(days=days)
    if kind == 2:
        return "the day after tomorrow", today + timedelta(days=2)
    if kind == 3:
        return "a week from today", today + timedelta(days=7)
    if kind in (4, 5):
        weekday = rng.randrange(7)
        word = rng.choice(("next", "on", "this coming", "by"))
        return f"{word} {WEEKDAYS[weekday]}", next_weekday(today, weekday)
    day = today + timedelta(days=rng.randrange(3, 60))
    return f"on {MONTHS[day.month - 1]} {day.day}", day
