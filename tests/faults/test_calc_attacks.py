"""Attacks on the calc server: expressions built to run for minutes, crash the evaluator or hold up the server.

Every evaluation must be cheap: operand sizes are capped before anything grows
(literals, powers, factorials), so the worst expressions below finish in
milliseconds and a call can never outlive its caller.
"""

from __future__ import annotations

import random
import time

import anyio
import pytest

from agent.hub import Hub
from mcp_servers.calc.evaluator import evaluate
from mcp_servers.calc.numeric import CalcError, display
from tests.faults.bundled import CALL_LIMIT_S, calc_config

# Far above the milliseconds these take, far below the minutes they took before sizes were capped first.
WORST_CASE_S = 0.5
HUGE_LITERALS = ["1e99999999", "1e-99999999", "9.75E+99999999", "1_000e99999999", "0.5e-88888888"]
# The largest operands each operation accepts, and operations whose cost grows with them.
EXTREMES = [
    "10**2999",
    "-(10**2999)",
    "1/3**6000",
    "2**-9964",
    "1e2999",
    "1e-2999",
    "factorial(1000)",
    "9**9**9**9",
    "(-1)**(10**2999)",
    "1**(10**2999)",
    "(10**2999)**(1/63)",
    "(10**2999+1)/(7**3500)",
    "1e99999999",
    "0.1",
    "-7",
    "pi",
]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**"]
TEN_THOUSAND_CHARS = "1" + "+11" * 3333


def timed(expression: str) -> tuple[float, str]:
    """Seconds to evaluate and display `expression`, and what came of it (a value or the CalcError)."""
    started = time.perf_counter()
    try:
        outcome = display(evaluate(expression))[0]
    except CalcError as exc:
        outcome = f"CalcError: {exc}"
    return time.perf_counter() - started, outcome


def _combination(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(EXTREMES)
    left, right = _combination(rng, depth - 1), _combination(rng, depth - 1)
    if rng.random() < 0.2:
        return f"{rng.choice(['sqrt', 'floor', 'round', 'log', 'sin', 'abs'])}({left})"
    return f"({left}) {rng.choice(OPERATORS)} ({right})"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("().__class__", "not allowed: attribute access"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("os", "unknown name 'os'"),
        ("x[0]", "not allowed: subscripts"),
        ("lambda: 1", "not allowed: lambdas"),
        ("[i for i in (1, 2)]", "not allowed: comprehensions"),
        ("9**9**9**9", "result too large"),
        ("2 ** 10 ** 100", "result too large"),
        ("10 ** 3000 * 10", "more than 3000 digits"),
        ("factorial(100000)", "factorial needs a whole number from 0 to 1000"),
        (TEN_THOUSAND_CHARS, "expression too long: 10,000 characters"),
        ("-" * 500 + "1", "nested too deeply"),
    ],
)
def test_code_injection_and_oversized_expressions_are_refused_with_a_clear_message(expression, message):
    with pytest.raises(CalcError) as caught:
        evaluate(expression)
    assert message in str(caught.value)


@pytest.mark.parametrize("literal", HUGE_LITERALS)
def test_a_literal_with_a_huge_exponent_is_refused_before_it_is_built(literal):
    seconds, outcome = timed(literal)
    assert seconds < WORST_CASE_S, f"{literal} took {seconds:.2f} s"
    assert outcome.startswith("CalcError: number ") and "out of range" in outcome


@pytest.mark.parametrize(
    "expression",
    [
        "1/2**9000",  # its exact decimal has ~6,300 digits: more than int->str converts
        "1/5**4290",
        "3/2**9964",
        "(10**2999)**(1/2)",
        "(10**2999)**(1/63)",
        "factorial(1000) / factorial(999)",
        "round(1/3**6000, 100)",
        "10**2999 % 7 + 10**2999 // 3",
    ],
)
def test_the_largest_operands_of_each_operation_finish_in_milliseconds_with_a_value_or_a_calc_error(expression):
    seconds, outcome = timed(expression)
    assert seconds < WORST_CASE_S, f"{expression} took {seconds:.2f} s"
    assert outcome


def test_random_combinations_of_extreme_operands_each_finish_in_milliseconds():
    rng = random.Random(1021)
    slowest = (0.0, "")
    for _ in range(300):
        expression = _combination(rng, depth=3)
        seconds, _ = timed(expression)  # anything but a CalcError propagates and fails the test
        slowest = max(slowest, (seconds, expression))
    assert slowest[0] < WORST_CASE_S, f"slowest: {slowest[1]} took {slowest[0]:.2f} s"


@pytest.mark.anyio
async def test_a_huge_literal_over_stdio_fails_fast_and_the_server_answers_the_next_call_at_once():
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"calc": calc_config()}) as hub:
            abusive = await hub.call("calc__evaluate", {"expression": "1e99999999"})
            after = await hub.call("calc__evaluate", {"expression": "6 * 7"})
    assert abusive.is_error and "out of range" in abusive.text and abusive.duration_s < 5
    assert after.text == "6 * 7 = 42" and after.duration_s < 5


@pytest.mark.anyio
async def test_abusive_expressions_fail_fast_over_stdio_and_the_server_answers_the_next_call():
    abuse = {
        "__import__('os')": "unknown function '__import__'",
        "().__class__": "attribute access",
        "open('/etc/passwd')": "unknown function 'open'",
        "9**9**9**9": "result too large",
        "factorial(100000)": "factorial needs a whole number",
        TEN_THOUSAND_CHARS: "expression too long",
    }
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"calc": calc_config()}) as hub:
            outcomes = {expr: await hub.call("calc__evaluate", {"expression": expr}) for expr in abuse}
            after = await hub.call("calc__evaluate", {"expression": "6 * 7"})
    for expression, message in abuse.items():
        outcome = outcomes[expression]
        assert outcome.is_error and "Error executing tool evaluate" in outcome.text
        assert message in outcome.text, expression
        assert "Traceback" not in outcome.text
    assert after.text == "6 * 7 = 42"
