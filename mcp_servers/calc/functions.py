"""The calculator's fixed table of functions and constants, exact where the answer is rational.

Each function takes and returns calculator values (`Fraction` or `float`, see
`numeric`). This is the whole vocabulary of names an expression may use; the
evaluator refuses every other name. This module knows nothing of parsing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from mcp_servers.calc.numeric import CalcError, Value, exact_root, real, round_half_away, whole

MAX_FACTORIAL = 1000

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}


@dataclass(frozen=True)
class Function:
    """A callable name: its implementation and how many arguments it takes."""

    fn: Callable[..., Value]
    min_args: int
    max_args: int | None

    def arity(self) -> str:
        """The accepted argument count, as words for an error message."""
        if self.max_args == self.min_args:
            return f"exactly {self.min_args}"
        if self.max_args is None:
            return f"at least {self.min_args}"
        return f"{self.min_args} to {self.max_args}"


def _sqrt(x: Value) -> Value:
    if x < 0:
        raise CalcError("sqrt is undefined for negative numbers")
    root = exact_root(x, 2) if isinstance(x, Fraction) else None
    return root if root is not None else math.sqrt(real(x))


def _log(x: Value, base: Value | None = None) -> float:
    return math.log(real(x)) if base is None else math.log(real(x), real(base))


def _round(x: Value, ndigits: Value = Fraction(0)) -> Value:
    return round_half_away(x, whole(ndigits, "round's number of digits"))


def _whole_result(fn: Callable[[Value], int]) -> Callable[[Value], Fraction]:
    return lambda x: Fraction(fn(x))


def _factorial(x: Value) -> Fraction:
    n = whole(x, "factorial's argument")
    if not 0 <= n <= MAX_FACTORIAL:
        raise CalcError(f"factorial needs a whole number from 0 to {MAX_FACTORIAL}, got {n}")
    return Fraction(math.factorial(n))


def _float_fn(fn: Callable[[int | float], float]) -> Callable[[Value], float]:
    return lambda x: fn(real(x))


def _abs(x: Value) -> Value:
    # One branch per type: abs() of the union is typed as object.
    return abs(x) if isinstance(x, Fraction) else math.fabs(x)


FUNCTIONS: dict[str, Function] = {
    "sqrt": Function(_sqrt, 1, 1),
    **{name: Function(_float_fn(getattr(math, name)), 1, 1) for name in ("sin", "cos", "tan", "asin", "acos", "atan")},
    "log": Function(_log, 1, 2),
    "ln": Function(_log, 1, 1),
    "log10": Function(_float_fn(math.log10), 1, 1),
    "log2": Function(_float_fn(math.log2), 1, 1),
    "exp": Function(_float_fn(math.exp), 1, 1),
    "abs": Function(_abs, 1, 1),
    "round": Function(_round, 1, 2),
    "floor": Function(_whole_result(math.floor), 1, 1),
    "ceil": Function(_whole_result(math.ceil), 1, 1),
    "factorial": Function(_factorial, 1, 1),
    "min": Function(min, 1, None),
    "max": Function(max, 1, None),
}

ALLOWED = (
    "Allowed: numbers (1,000 and 2.5e3 too), + - * / // % ** (or ^, ×, ÷), parentheses, "
    "N% and N% of X, the words plus minus times 'divided by' mod, "
    f"functions {', '.join(FUNCTIONS)}, constants {', '.join(CONSTANTS)}."
)
