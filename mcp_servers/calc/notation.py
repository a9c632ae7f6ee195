"""Calculator notation rewritten into a Python expression the evaluator can parse.

What it accepts beyond Python syntax, each a fixed textual rule:
- `^` is power; `×` `·` `∗` multiply; `÷` divides; `−` `–` are minus; `π` is pi.
- Operator words, whole words and case-insensitive: `plus`, `minus`, `times`,
  `multiplied by`, `divided by`, `to the power of`, `squared`, `cubed`, `mod`/`modulo`.
- Thousands separators: `1,000` or `1,234,567.5` (groups of exactly three digits) is one
  number everywhere except directly inside a function call's parentheses, where commas
  separate arguments (`log(8,100)` is log of 8 to base 100).
- Percentages on a number literal: `N% of X` is N/100 * X; `N%` followed by nothing,
  `)`, `,`, `*`, `/`, or a `+`/`-` with a space after it is N/100, and `X + N%` / `X - N%`
  add or take N percent of X (`80 + 15%` = 92, as on a calculator). A `%` followed by an
  operand, or by a sign written against its operand, is modulo (`10 % 3` = 1, `10 % -3` = -2).
- A trailing `=` is ignored.
It does not know what names mean or whether the result is valid Python; the evaluator decides.
"""

from __future__ import annotations

import re

from mcp_servers.calc.numeric import CalcError

MAX_LENGTH = 1000
PERCENT = "_percent"

_SYMBOLS = str.maketrans({"×": "*", "·": "*", "∗": "*", "÷": "/", "−": "-", "–": "-", "π": " pi "})
_WORDS = [
    (r"to\s+the\s+power\s+of", "**"),
    (r"multiplied\s+by", "*"),
    (r"divided\s+by", "/"),
    (r"times", "*"),
    (r"plus", "+"),
    (r"minus", "-"),
    (r"squared", "**2"),
    (r"cubed", "**3"),
]
_WORD_PATTERNS = [(re.compile(rf"\b{words}\b", re.IGNORECASE), symbol) for words, symbol in _WORDS]
_MOD = re.compile(r"\bmod(?:ulo)?\b", re.IGNORECASE)
_NUMBER = r"(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_THOUSANDS = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w.])")
_PERCENT_OF = re.compile(rf"(?<![\w.])({_NUMBER})\s*%\s*of\b", re.IGNORECASE)
_PERCENT = re.compile(rf"(?<![\w.])({_NUMBER})\s*%(?=\s*(?:$|[*/),]|[-+]\s))")


def to_python(expression: str) -> str:
    """Rewrite calculator notation (see the module docstring) as a Python expression."""
    if len(expression) > MAX_LENGTH:
        raise CalcError(f"expression too long: {len(expression):,} characters (at most {MAX_LENGTH:,})")
    text = expression.translate(_SYMBOLS).replace("^", "**").strip().removesuffix("=")
    for pattern, symbol in _WORD_PATTERNS:
        text = pattern.sub(f" {symbol} ", text)
    text = _drop_thousands_separators(text)
    text = _PERCENT_OF.sub(rf"{PERCENT}(\1)*", text)
    text = _PERCENT.sub(rf"{PERCENT}(\1)", text)
    return _MOD.sub(" % ", text).strip()


def _drop_thousands_separators(text: str) -> str:
    if "," not in text:
        return text
    in_call = _call_context(text)
    return _THOUSANDS.sub(lambda m: m[0] if in_call[m.start()] else m[0].replace(",", ""), text)


def _call_context(text: str) -> list[bool]:
    # For each position: is its innermost enclosing parenthesis a function call's?
    stack: list[bool] = []
    inside = []
    for i, char in enumerate(text):
        if char == "(":
            stack.append(_follows_name(text, i))
        elif char == ")" and stack:
            stack.pop()
        inside.append(bool(stack) and stack[-1])
    return inside


def _follows_name(text: str, i: int) -> bool:
    # Scan back over spaces, then over a word: a call when that word is a name, not a number.
    end = i
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start < end and not text[start].isdigit()
