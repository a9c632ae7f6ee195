"""The calc server's tools: `evaluate` and `convert_units`, thin wrappers over the evaluator and unit table.

This module turns CalcError into ToolError and values into result text and data;
it knows nothing of how expressions are computed or units defined.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from mcp_servers._common import READ_ONLY, ToolError, result
from mcp_servers.calc import evaluator
from mcp_servers.calc.numeric import CalcError, as_number, display
from mcp_servers.calc.units import convert, find_unit, quantity

EVALUATE = (
    "Evaluate an arithmetic expression exactly (1/3*3 = 1, 0.1+0.2 = 0.3). Supports + - * / // % ** (or ^), "
    "parentheses, 1,000, 15% and 15% of 80, sqrt sin cos tan asin acos atan log(x[, base]) log10 log2 exp abs "
    "round floor ceil factorial min max, pi e tau. Returns 'expression = result'."
)
CONVERT = (
    "Convert a value between units of length, mass, volume, temperature, time or data size "
    "(e.g. km to mi, lb to kg, °F to °C, GiB to MB). Returns 'value unit = result unit'."
)


def register(server: MCPServer) -> None:
    """Add the calculator tools to `server`."""

    @server.tool(name="evaluate", description=EVALUATE, annotations=READ_ONLY)
    def evaluate(
        expression: Annotated[str, Field(description="e.g. '(3 + 4) * 2^10' or '15% of 80'")],
    ) -> CallToolResult:
        try:
            shown, number = display(evaluator.evaluate(expression))
        except CalcError as exc:
            raise ToolError(str(exc)) from None
        joiner = " " if shown.startswith("≈") else " = "
        return result(f"{expression.strip()}{joiner}{shown}", {"expression": expression, "result": number})

    @server.tool(name="convert_units", description=CONVERT, annotations=READ_ONLY)
    def convert_units(
        value: Annotated[float, Field(description="the amount to convert")],
        from_unit: Annotated[str, Field(description="e.g. 'km', 'pounds', '°F', 'GiB'")],
        to_unit: Annotated[str, Field(description="a unit of the same kind")],
    ) -> CallToolResult:
        try:
            amount, source, target = _exact(value), find_unit(from_unit), find_unit(to_unit)
            shown = quantity(convert(amount, source, target))
        except CalcError as exc:
            raise ToolError(str(exc)) from None
        text = f"{quantity(amount)} {source.symbol} = {shown} {target.symbol}"
        data = {"value": value, "from_unit": source.symbol, "to_unit": target.symbol, "result": as_number(shown)}
        return result(text, data)


def _exact(value: float) -> Fraction:
    # The decimal the caller wrote (repr round-trips it), not the binary float's expansion.
    if not math.isfinite(value):
        raise CalcError("value must be a finite number")
    return Fraction(repr(value))
