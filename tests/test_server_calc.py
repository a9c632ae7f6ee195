"""The bundled calc server: the safe evaluator and unit table directly, then the server through the real hub.

Hostile expressions (code injection, huge sizes) are in tests/faults/test_calc_attacks.py.
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import anyio
import pytest

from agent.hub import Hub
from agent.registry import ServerConfig
from mcp_servers.calc.evaluator import evaluate
from mcp_servers.calc.numeric import CalcError, display
from mcp_servers.calc.units import DIMENSIONS, convert, find_unit, quantity
from tests.clirun import scripted_run, tool_texts
from tests.faults.bundled import CALL_LIMIT_S, calc_config


def shown(expression: str) -> str:
    return display(evaluate(expression))[0]


# --- the evaluator -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 2", "4"),
        ("(3 + 4) * 2", "14"),
        ("7 // 2", "3"),
        ("-7 // 2", "-4"),
        ("7 % 3", "1"),
        ("2 ** 100", "1267650600228229401496703205376"),
        ("2 ** -3", "0.125"),
        ("factorial(20)", "2432902008176640000"),
        ("abs(-3) + floor(-2.5) + ceil(2.1)", "3"),
        ("min(3, 1.5) + max(1, 2, 3)", "4.5"),
        ("round(2.5)", "3"),
        ("round(2.675, 2)", "2.68"),
        ("round(-2.5)", "-3"),
        ("log(8, 2)", "3"),
        ("log10(1000)", "3"),
        ("ln(e)", "1"),
        ("sqrt(2)", "1.4142135623731"),
        ("cos(0) + sin(0)", "1"),
        ("pi", "3.14159265358979"),
        ("tau / 2 - pi", "0"),
    ],
)
def test_expressions_evaluate_to_the_expected_text(expression, expected):
    assert shown(expression) == expected


def test_decimal_literals_are_exact_so_point_one_plus_point_two_is_point_three():
    assert evaluate("0.1 + 0.2") == Fraction(3, 10)
    assert shown("0.1 + 0.2") == "0.3"
    assert evaluate("0.1 * 3 - 0.3") == 0


def test_division_stays_exact_and_prints_as_a_decimal_when_it_terminates():
    assert evaluate("1/3*3") == 1
    assert shown("10/4") == "2.5"
    assert display(evaluate("10/4")) == ("2.5", 2.5)


def test_a_repeating_fraction_shows_the_exact_fraction_and_an_approximation():
    assert shown("1/3") == "1/3 ≈ 0.333333333333333"
    assert display(evaluate("1/3"))[1] == pytest.approx(1 / 3)


def test_whole_results_stay_integers_and_functions_give_floats():
    assert isinstance(evaluate("6 * 7"), Fraction) and display(evaluate("6 * 7"))[1] == 42
    assert isinstance(evaluate("sin(1)"), float)


def test_rational_roots_are_exact_and_irrational_ones_are_floats():
    assert evaluate("sqrt(16)") == 4 and isinstance(evaluate("sqrt(16)"), Fraction)
    assert evaluate("4 ** 0.5") == 2
    assert evaluate("(-8) ** (1/3)") == -2
    assert evaluate("(9/4) ** 0.5") == Fraction(3, 2)
    assert isinstance(evaluate("2 ** 0.5"), float)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("15% of 80", "12"),
        ("20%", "0.2"),
        ("(10%)", "0.1"),
        ("50% * 8", "4"),
        ("80 + 15%", "92"),
        ("100 - 20%", "80"),
        ("80 + 15% of 40", "86"),
        ("10 % 3", "1"),
        ("10%3", "1"),
        ("10 % -3", "-2"),
        ("50% - 3", "-2.5"),
        ("100 - 20% - 10%", "72"),
    ],
)
def test_percent_means_hundredths_and_modulo_only_before_an_operand(expression, expected):
    assert shown(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2^10", "1024"),
        ("6 × 7", "42"),
        ("9 ÷ 4", "2.25"),
        ("5 − 7", "-2"),
        ("1,000 + 1", "1001"),
        ("1,234,567.5 * 2", "2469135"),
        ("(1,000) / 8", "125"),
        ("log(8,2)", "3"),
        ("3 times 4 plus 1", "13"),
        ("12 divided by 4 minus 1", "2"),
        ("10 mod 3", "1"),
        ("5 squared", "25"),
        ("2 to the power of 10", "1024"),
        ("2 + 2 =", "4"),
        ("PI / pi", "1"),
    ],
)
def test_calculator_notation_is_accepted(expression, expected):
    assert shown(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("'text'", "not allowed: strings"),
        ("1 < 2", "not allowed: comparisons"),
        ("1 << 2", "not allowed: operator <<"),
        ("1j", "imaginary numbers"),
        ("factorial(2.5)", "must be a whole number"),
        ("1/0", "division by zero"),
        ("0 ** -1", "division by zero"),
        ("sqrt(-1)", "undefined for negative numbers"),
        ("log(0)", "log is undefined for this argument"),
        ("asin(2)", "asin is undefined for this argument"),
        ("(-1) ** 0.5", "not a real number"),
        ("exp(1000)", "too large for floating point"),
        ("sqrt", "sqrt is a function"),
        ("sqrt(1, 2)", "takes exactly 1 argument"),
        ("abs(x=1)", "no keyword arguments"),
        ("2 +", "could not parse"),
        ("", "empty expression"),
    ],
)
def test_mistakes_fail_fast_with_a_clear_message(expression, message):
    with pytest.raises(CalcError) as caught:
        evaluate(expression)
    assert message in str(caught.value)


def test_refusals_of_names_and_syntax_say_what_is_allowed():
    with pytest.raises(CalcError, match="Allowed: numbers") as caught:
        evaluate("__import__('os').system('true')")
    assert "sqrt" in str(caught.value) and "pi" in str(caught.value)


def _random_expression(rng: random.Random, depth: int) -> tuple[str, Fraction]:
    """An arithmetic expression and its value computed with Fraction directly."""
    if depth == 0 or rng.random() < 0.25:
        text = str(rng.randint(0, 999)) if rng.random() < 0.5 else f"{rng.randint(0, 99)}.{rng.randint(0, 999):03d}"
        return text, Fraction(text)
    if rng.random() < 0.1:
        text, value = _random_expression(rng, depth - 1)
        return f"-{text}", -value
    left, a = _random_expression(rng, depth - 1)
    if rng.random() < 0.1 and a != 0:
        k = rng.randint(-3, 3)
        return f"({left}) ** {k}", a**k
    right, b = _random_expression(rng, depth - 1)
    op = rng.choice(["+", "-", "*", "/", "//", "%"] if b != 0 else ["+", "-", "*"])
    value = {
        "+": a + b,
        "-": a - b,
        "*": a * b,
        "/": a / b if b else 0,
        "//": a // b if b else 0,
        "%": a % b if b else 0,
    }
    return f"({left} {op} {right})", Fraction(value[op])


def test_random_arithmetic_matches_fraction_arithmetic_exactly():
    rng = random.Random(20240611)
    for _ in range(500):
        text, expected = _random_expression(rng, depth=4)
        assert evaluate(text) == expected, text


def test_shown_exact_decimals_read_back_as_the_same_value():
    rng = random.Random(7)
    for _ in range(300):
        value = Fraction(rng.randint(-(10**9), 10**9), 2 ** rng.randint(0, 20) * 5 ** rng.randint(0, 8))
        text = display(value)[0]
        assert Fraction(text) == value, text


# --- the unit table ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (5, "km", "mi", "3.10686"),
        (1, "mile", "kilometers", "1.609344"),
        (12, "inches", "feet", "1"),
        (2, "lbs", "kg", "0.90718474"),
        (1, "kg", "pounds", "2.20462"),
        (16, "oz", "lb", "1"),
        (1, "gal", "liters", "3.785411784"),
        (1, "cup", "ml", "236.5882365"),
        (1, "Litre", "mL", "1000"),
        (100, "°F", "celsius", "37.7778"),
        (0, "C", "K", "273.15"),
        (-40, "degrees Celsius", "fahrenheit", "-40"),
        (90, "minutes", "hours", "1.5"),
        (1, "year", "days", "365.25"),
        (1, "KB", "B", "1000"),
        (1, "KiB", "bytes", "1024"),
        (1, "GiB", "MB", "1073.741824"),
        (1, "TiB", "B", "1099511627776"),
        (8, "bits", "B", "1"),
        (1, "b", "B", "0.125"),
        (1, "Mb", "MB", "0.125"),
        (1, "mb", "KB", "1000"),
        (1, "μs", "ns", "1000"),
    ],
)
def test_units_convert_with_aliases_plurals_and_any_case(value, source, target, expected):
    assert quantity(convert(Fraction(value), find_unit(source), find_unit(target))) == expected


def test_converting_to_and_from_every_unit_returns_the_exact_value():
    value = Fraction("12.34")
    for symbols in DIMENSIONS.values():
        base = find_unit(symbols[0])
        for symbol in symbols:
            unit = find_unit(symbol)
            assert convert(convert(value, base, unit), unit, base) == value, symbol


def test_converting_across_dimensions_lists_the_from_units_dimension():
    with pytest.raises(CalcError) as caught:
        convert(Fraction(1), find_unit("kg"), find_unit("m"))
    assert "cannot convert kg (mass) to m (length)" in str(caught.value)
    assert "mass units: kg, g, mg" in str(caught.value)


def test_an_unknown_unit_lists_the_known_ones():
    with pytest.raises(CalcError, match="unknown unit 'parsec'. Known units: length: m, km"):
        find_unit("parsec")


def test_temperatures_below_absolute_zero_are_refused():
    with pytest.raises(CalcError, match="below absolute zero"):
        convert(Fraction(-300), find_unit("C"), find_unit("F"))


# --- the server through the hub -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_evaluate_and_convert_units_over_stdio_return_text_and_data():
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"calc": calc_config()}) as hub:
            hints = {t.tool.name: t.tool.annotations for t in hub.tools()}
            total = await hub.call("calc__evaluate", {"expression": "2 + 2"})
            exact = await hub.call("calc__evaluate", {"expression": "0.1 + 0.2"})
            miles = await hub.call("calc__convert_units", {"value": 5, "from_unit": "km", "to_unit": "miles"})
    assert all(h.read_only_hint and not h.destructive_hint for h in hints.values()) and len(hints) == 2
    assert total.text == "2 + 2 = 4" and total.structured == {"expression": "2 + 2", "result": 4}
    assert exact.text == "0.1 + 0.2 = 0.3"
    assert miles.text == "5 km = 3.10686 mi"
    assert miles.structured == {"value": 5, "from_unit": "km", "to_unit": "mi", "result": 3.10686}


@pytest.mark.anyio
async def test_cross_dimension_conversion_over_stdio_is_a_tool_error_listing_units():
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"calc": calc_config()}) as hub:
            outcome = await hub.call("calc__convert_units", {"value": 1, "from_unit": "kg", "to_unit": "m"})
    assert outcome.is_error and "mass units: kg, g" in outcome.text


@pytest.mark.anyio
async def test_in_process_calc_accepts_and_ignores_state_dir(tmp_path):
    config = ServerConfig(factory="mcp_servers.calc:build", args=["--state-dir", str(tmp_path / "state")])
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"calc": config}) as hub:
            outcome = await hub.call("calc__evaluate", {"expression": "15% of 80"})
    assert outcome.text == "15% of 80 = 12"
    assert not (tmp_path / "state").exists()


def test_looptune_run_with_a_scripted_model_uses_calc_end_to_end(tmp_path: Path):
    turns = [
        {"tool_calls": [{"name": "calc__evaluate", "arguments": {"expression": "1,250 * 12% "}}]},
        {"content": "The tip is 150."},
    ]
    done, events = scripted_run(tmp_path, {"calc": ["-m", "mcp_servers.calc"]}, turns, "12% of 1250?")
    assert done.returncode == 0, done.stderr
    assert tool_texts(events) == ["1,250 * 12% = 150"]
