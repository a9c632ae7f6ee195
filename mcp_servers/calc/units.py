"""Unit conversion for length, mass, volume, temperature, time and data size, with exact factors.

Each unit maps a value to its dimension's base unit as `value * factor + offset`
(the offset only for temperatures), all as Fractions, so 12 in -> ft is exactly 1.
Names are matched exactly first (so `b` is a bit, `B` a byte, `Mb` a megabit, `MB`
a megabyte), then case-insensitively with `°`, `deg`/`degrees` and a plural `s`/`es`
dropped. Fixed choices: `gal`, `qt`, `pt`, `cup`, `fl oz` are US measures (`imp gal`
is the imperial gallon); `ton` is the US short ton, `t`/`tonne` the metric ton; a year
is 365.25 days and a month a twelfth of that; KB/MB/GB/TB are decimal (1000),
KiB/MiB/GiB/TiB binary (1024). This module knows nothing of expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from mcp_servers.calc.numeric import CalcError, approx, exact_decimal

EXACT_DIGITS = 15
ROUNDED_DIGITS = 6


@dataclass(frozen=True)
class Unit:
    """A unit: its display symbol, its dimension, and how to reach the dimension's base unit."""

    symbol: str
    dimension: str
    factor: Fraction
    offset: Fraction = Fraction(0)


_INCH, _POUND, _GALLON, _DAY = Fraction("0.0254"), Fraction("0.45359237"), Fraction("3.785411784"), Fraction(86400)
_YEAR = _DAY * Fraction("365.25")

# (symbol, factor to the base unit, aliases matched case-insensitively | exact-case aliases after "!")
_TABLE: dict[str, list[tuple[str, Fraction | int | str, str]]] = {
    "length": [
        ("m", 1, "meter|metre"),
        ("km", 1000, "kilometer|kilometre"),
        ("cm", "0.01", "centimeter|centimetre"),
        ("mm", "0.001", "millimeter|millimetre"),
        ("µm", "1e-6", "um|micrometer|micrometre|micron"),
        ("nm", "1e-9", "nanometer|nanometre"),
        ("mi", _INCH * 63360, "mile"),
        ("yd", _INCH * 36, "yard"),
        ("ft", _INCH * 12, "foot|feet"),
        ("in", _INCH, "inch"),
        ("nmi", 1852, "nautical mile"),
    ],
    "mass": [
        ("kg", 1, "kilogram|kilogramme|kilo"),
        ("g", "0.001", "gram|gramme"),
        ("mg", "1e-6", "milligram|milligramme"),
        ("µg", "1e-9", "ug|mcg|microgram|microgramme"),
        ("t", 1000, "tonne|metric ton"),
        ("lb", _POUND, "lbs|pound"),
        ("oz", _POUND / 16, "ounce"),
        ("st", _POUND * 14, "stone"),
        ("ton", _POUND * 2000, "short ton|us ton"),
    ],
    "volume": [
        ("l", 1, "liter|litre"),
        ("ml", "0.001", "milliliter|millilitre|cc|cm3"),
        ("cl", "0.01", "centiliter|centilitre"),
        ("dl", "0.1", "deciliter|decilitre"),
        ("m3", 1000, "cubic meter|cubic metre"),
        ("gal", _GALLON, "gallon|us gallon"),
        ("imp gal", Fraction("4.54609"), "imperial gallon|uk gallon"),
        ("qt", _GALLON / 4, "quart"),
        ("pt", _GALLON / 8, "pint"),
        ("cup", _GALLON / 16, "us cup"),
        ("fl oz", _GALLON / 128, "floz|fluid ounce"),
        ("tbsp", _GALLON / 256, "tablespoon"),
        ("tsp", _GALLON / 768, "teaspoon"),
        ("ft3", (_INCH * 12) ** 3 * 1000, "cubic foot|cubic feet"),
        ("in3", _INCH**3 * 1000, "cubic inch"),
    ],
    "time": [
        ("ns", "1e-9", "nanosecond"),
        ("µs", "1e-6", "us|microsecond"),
        ("ms", "0.001", "millisecond"),
        ("s", 1, "sec|second"),
        ("min", 60, "minute"),
        ("h", 3600, "hr|hour"),
        ("day", _DAY, "d"),
        ("week", _DAY * 7, "wk"),
        ("month", _YEAR / 12, "mo"),
        ("year", _YEAR, "yr"),
    ],
    "data size": [
        ("bit", 1, "!b"),
        ("B", 8, "byte"),
        ("KB", 8000, "kilobyte"),
        ("MB", 8 * 10**6, "megabyte"),
        ("GB", 8 * 10**9, "gigabyte"),
        ("TB", 8 * 10**12, "terabyte"),
        ("PB", 8 * 10**15, "petabyte"),
        ("KiB", 8 * 2**10, "kibibyte"),
        ("MiB", 8 * 2**20, "mebibyte"),
        ("GiB", 8 * 2**30, "gibibyte"),
        ("TiB", 8 * 2**40, "tebibyte"),
        ("PiB", 8 * 2**50, "pebibyte"),
        ("kbit", 1000, "kilobit|!Kb"),
        ("Mbit", 10**6, "megabit|!Mb"),
        ("Gbit", 10**9, "gigabit|!Gb"),
        ("Tbit", 10**12, "terabit|!Tb"),
    ],
}
_KELVIN_OF_ZERO_C = Fraction("273.15")
_TEMPERATURES = [
    Unit("K", "temperature", Fraction(1)),
    Unit("°C", "temperature", Fraction(1), _KELVIN_OF_ZERO_C),
    Unit("°F", "temperature", Fraction(5, 9), _KELVIN_OF_ZERO_C - Fraction(32 * 5, 9)),
    Unit("°R", "temperature", Fraction(5, 9)),
]
_TEMPERATURE_ALIASES = {"K": "kelvin", "°C": "c|degc|celsius|centigrade", "°F": "f|degf|fahrenheit", "°R": "r|rankine"}


def _build() -> tuple[dict[str, Unit], dict[str, Unit]]:
    exact: dict[str, Unit] = {}
    folded: dict[str, Unit] = {}
    rows = [(Unit(s, d, Fraction(f)), aliases) for d, units in _TABLE.items() for s, f, aliases in units]
    rows += [(unit, _TEMPERATURE_ALIASES[unit.symbol]) for unit in _TEMPERATURES]
    for unit, aliases in rows:
        exact[unit.symbol] = unit
        for alias in aliases.split("|"):
            if alias.startswith("!"):
                exact[alias[1:]] = unit
            else:
                _add_folded(folded, alias, unit)
        _add_folded(folded, unit.symbol, unit)
    return exact, folded


def _add_folded(folded: dict[str, Unit], name: str, unit: Unit) -> None:
    key = _fold(name)
    if folded.setdefault(key, unit) != unit:
        raise RuntimeError(f"unit name {name!r} is ambiguous: {folded[key].symbol} or {unit.symbol}")


def _fold(name: str) -> str:
    text = " ".join(name.replace("μ", "µ").replace("°", " ").lower().split())
    for prefix in ("degrees ", "degree ", "deg "):
        text = text.removeprefix(prefix)
    return text


def _dimensions(units: list[Unit]) -> dict[str, list[str]]:
    symbols: dict[str, list[str]] = {}
    for unit in units:
        if unit.symbol not in symbols.setdefault(unit.dimension, []):
            symbols[unit.dimension].append(unit.symbol)
    return symbols


EXACT, FOLDED = _build()
DIMENSIONS = _dimensions(list(EXACT.values()))


def find_unit(name: str) -> Unit:
    """The unit a name stands for (symbol, alias or plural), or CalcError listing the known units."""
    stripped = name.strip()
    if stripped in EXACT:
        return EXACT[stripped]
    key = _fold(stripped)
    for candidate in (key, key.removesuffix("es"), key.removesuffix("s")):
        if candidate in FOLDED:
            return FOLDED[candidate]
    known = "; ".join(f"{dim}: {', '.join(symbols)}" for dim, symbols in DIMENSIONS.items())
    raise CalcError(f"unknown unit {name!r}. Known units: {known}")


def convert(value: Fraction, source: Unit, target: Unit) -> Fraction:
    """`value` in `source` units expressed in `target` units (same dimension, else CalcError)."""
    if source.dimension != target.dimension:
        raise CalcError(
            f"cannot convert {source.symbol} ({source.dimension}) to {target.symbol} ({target.dimension}); "
            f"{source.dimension} units: {', '.join(DIMENSIONS[source.dimension])}"
        )
    base = value * source.factor + source.offset
    if source.dimension == "temperature" and base < 0:
        raise CalcError(f"{quantity(value)} {source.symbol} is below absolute zero (0 K)")
    return (base - target.offset) / target.factor


def quantity(value: Fraction) -> str:
    """A converted amount as text: exact when it is a decimal of at most 15 digits, else 6 significant digits."""
    return exact_decimal(value, EXACT_DIGITS) or approx(value, ROUNDED_DIGITS)
