"""Exact-where-possible numbers for the calculator: size limits, exact powers and roots, display.

A value is a `Fraction` (exact: every integer and decimal literal, and what
+ - * / // % and whole powers make of them) or a `float` (inexact: what math
functions, irrational constants and irrational powers produce). This module
knows nothing of expressions or their syntax.
"""

from __future__ import annotations

import math
from fractions import Fraction

Value = Fraction | float

MAX_DIGITS = 3000
MAX_BITS = int(MAX_DIGITS * math.log2(10))
# A literal's exponent beyond this could only make a number past MAX_DIGITS (its mantissa has at most
# the expression's 1,000 characters), so it is refused from its text, before 10**exponent is built.
MAX_EXPONENT = MAX_DIGITS + 1000
MAX_ROOT = 64
EXACT_DECIMAL_DIGITS = 30
SHOWN_DIGITS = 15


class CalcError(ValueError):
    """An expression or conversion the calculator refuses; the message says why and what is allowed."""


def checked(value: Value) -> Value:
    """Return `value` if it is within the size limits, else raise CalcError."""
    if isinstance(value, float):
        return finite(value)
    if max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_BITS:
        raise CalcError(f"result too large: more than {MAX_DIGITS} digits")
    return value


def finite(value: float) -> float:
    """Return `value` unless it is infinite or NaN (a float overflow), else raise CalcError."""
    if not math.isfinite(value):
        raise CalcError("result is too large for floating point (overflow)")
    return value


def exact_literal(text: str) -> Fraction:
    """A decimal literal's exact value; CalcError, before computing anything, when its exponent is out of range."""
    clean = text.replace("_", "")
    _, e, exponent = clean.lower().partition("e")
    try:
        if e and abs(int(exponent)) > MAX_EXPONENT:
            raise CalcError(f"number {text} is out of range: exact results have at most {MAX_DIGITS} digits")
        return Fraction(clean)
    except ValueError as exc:
        if isinstance(exc, CalcError):
            raise
        raise CalcError(f"cannot read the number {text}") from None


def to_float(value: Value) -> float:
    """`value` as a float, or CalcError when it is beyond floating point range."""
    try:
        return float(value)
    except OverflowError:
        raise CalcError("number too large for floating point functions") from None


def real(value: Value) -> int | float:
    """What to hand a math function: a whole Fraction as int (math accepts any size), else a float."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return to_float(value)


def whole(value: Value, what: str) -> int:
    """`value` as an int, or CalcError naming `what` when it is not a whole number."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    raise CalcError(f"{what} must be a whole number, got {display(value)[0]}")


def _iroot(n: int, k: int) -> int:
    # Newton's method on integers: the largest r with r**k <= n.
    if n < 2:
        return n
    x = 1 << -(-n.bit_length() // k)
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def exact_root(value: Fraction, k: int) -> Fraction | None:
    """The exact real k-th root of `value` when it is rational (odd roots of negatives too), else None."""
    if k > MAX_ROOT or (value < 0 and k % 2 == 0):
        return None
    sign, value = (-1, -value) if value < 0 else (1, value)
    num, den = _iroot(value.numerator, k), _iroot(value.denominator, k)
    if num**k != value.numerator or den**k != value.denominator:
        return None
    return sign * Fraction(num, den)


def int_power(base: Fraction, k: int) -> Fraction:
    """`base ** k` for a whole `k`, refused before computing when the result would be too large."""
    if base == 0 and k < 0:
        raise CalcError("division by zero (0 to a negative power)")
    bits = max(base.numerator.bit_length(), base.denominator.bit_length())
    # |base| is 0 or 1 exactly when bits == 1; any other base grows by >= 1 bit per factor.
    if bits > 1 and (bits - 1) * abs(k) > MAX_BITS:
        shown = f"{display(base)[0]} ** {k}" if abs(k) < 10**20 else "that power"
        raise CalcError(f"result too large: {shown} has more than {MAX_DIGITS} digits")
    return base**k


def float_power(base: float, exponent: float) -> float:
    """`base ** exponent` in floating point, with overflow and domain errors as CalcError."""
    try:
        return finite(math.pow(base, exponent))
    except OverflowError:
        raise CalcError("result is too large for floating point (overflow)") from None
    except ValueError:
        raise CalcError("a negative number to a fractional power is not a real number") from None


def power(base: Value, exponent: Value) -> Value:
    """`base ** exponent`: exact for whole exponents and rational roots, float otherwise."""
    if not (isinstance(base, Fraction) and isinstance(exponent, Fraction)):
        return float_power(to_float(base), to_float(exponent))
    if exponent.denominator == 1:
        return int_power(base, exponent.numerator)
    root = exact_root(base, exponent.denominator)
    if root is not None:
        return int_power(root, exponent.numerator)
    if base < 0 and exponent.denominator % 2 == 1:
        # The real odd root, as a calculator gives it (Python would answer a complex number).
        return -float_power(to_float(-base), to_float(exponent))
    return float_power(to_float(base), to_float(exponent))


def round_half_away(value: Value, ndigits: int) -> Value:
    """Round to `ndigits` decimals, halves away from zero (2.5 -> 3, 2.675 -> 2.68 for exact input)."""
    if abs(ndigits) > 100:
        raise CalcError("round's number of digits must be between -100 and 100")
    exact = Fraction(value) if isinstance(value, float) else value
    scale = Fraction(10) ** ndigits
    magnitude = math.floor(abs(exact) * scale + Fraction(1, 2))
    rounded = Fraction(magnitude) / scale * (1 if exact >= 0 else -1)
    return float(rounded) if isinstance(value, float) else rounded


def exact_decimal(value: Fraction, max_digits: int) -> str | None:
    """`value` written exactly in decimal when that takes at most `max_digits` significant digits, else None."""
    # Terminating exactly when the denominator is 2**twos * 5**fives; found without a loop per factor,
    # which takes thousands of big divisions on a 3,000-digit denominator.
    twos = (value.denominator & -value.denominator).bit_length() - 1
    odd = value.denominator >> twos
    fives = round(math.log(odd, 5))
    if 5**fives != odd:
        return None
    places = max(twos, fives)
    scaled = abs(value.numerator) * 10**places // value.denominator
    # `scaled` ends in no zero (numerator and denominator share no factor), so its length is its
    # significant digits: judged by bits first, since str() of a huge int is slow or refused outright.
    if scaled.bit_length() > (max_digits + 1) * math.log2(10):
        return None
    digits = str(scaled)
    if len(digits.strip("0")) > max_digits:
        return None
    sign = "-" if value < 0 else ""
    if places == 0:
        return sign + digits
    digits = digits.rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")


def approx(value: Value, digits: int) -> str:
    """`value` rounded to `digits` significant digits (scientific notation only when very large or small)."""
    number = value
    if isinstance(value, Fraction):
        try:
            number = float(value)
        except OverflowError:
            return _approx_huge(value, digits)
    text = format(number, f".{digits}g")
    return "0" if text == "-0" else text


def _approx_huge(value: Fraction, digits: int) -> str:
    # Beyond float range: scale by a power of ten, then format the mantissa.
    exponent = len(str(abs(value.numerator) // value.denominator)) - 1
    mantissa = float(value / Fraction(10) ** exponent)
    return f"{mantissa:.{digits}g}e+{exponent}"


def as_number(text: str) -> int | float | str:
    """The JSON number a displayed value stands for (the text itself when it is not one)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def display(value: Value) -> tuple[str, int | float | str]:
    """How a result reads and its JSON number: integers in full, short decimals exactly, else approximated."""
    if isinstance(value, float):
        shown = approx(value, SHOWN_DIGITS)
        return shown, as_number(shown)
    exact = exact_decimal(value, EXACT_DECIMAL_DIGITS) if value.denominator != 1 else str(value.numerator)
    if exact is not None:
        return exact, as_number(exact)
    shown = approx(value, SHOWN_DIGITS)
    fraction = f"{value.numerator}/{value.denominator}"
    text = f"{fraction} ≈ {shown}" if len(fraction) <= 40 else f"≈ {shown}"
    return text, as_number(shown)
