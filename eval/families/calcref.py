"""What the calc server will answer, computed with its own code at generation time.

Reference answers must quote the tool's real output; importing the server's
evaluator (not re-implementing it) keeps them in step. No MCP involved.
"""

from __future__ import annotations

from fractions import Fraction

from mcp_servers.calc import evaluator
from mcp_servers.calc.numeric import display
from mcp_servers.calc.units import convert, find_unit, quantity


def evaluated(expression: str) -> str:
    """The result calc__evaluate shows for `expression`."""
    return display(evaluator.evaluate(expression))[0]


def converted(value: float, from_unit: str, to_unit: str) -> tuple[str, str]:
    """(result, target symbol) as calc__convert_units shows them."""
    target = find_unit(to_unit)
    return quantity(convert(Fraction(repr(value)), find_unit(from_unit), target)), target.symbol


def number_key(shown: str) -> str:
    """The part of a shown number any faithful answer contains (2 decimals at most, not rounded)."""
    whole, _, frac = shown.partition(".")
    return f"{whole}.{frac[:1]}" if frac and frac[:1] != "0" else whole
