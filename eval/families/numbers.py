"""Whole numbers under a hundred in words ("three", "twenty-seven"), for train forms that spell a number slot out.

This module knows nothing of tasks or phrasings.
"""

from __future__ import annotations

ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(value: object) -> str | None:
    """`value` in words when it is a whole number from 0 to 99, else None."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 100:
        return None
    if value < 20:
        return ONES[value]
    tens, ones = divmod(value, 10)
    return TENS[tens - 2] + (f"-{ONES[ones]}" if ones else "")
