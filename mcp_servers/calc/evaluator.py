"""A safe calculator: walks the syntax tree of an expression over an allow-list, never `eval`.

`evaluate` rewrites calculator notation (`notation`), parses it with
`ast.parse(mode="eval")`, refuses trees deeper than `MAX_DEPTH`, then computes
node by node: numbers, + - * / // % **, unary +/-, and calls to the fixed
function table (`functions`). Decimal literals are read exactly from their text,
so 0.1 + 0.2 is exactly 0.3 and 1/3*3 is exactly 1; floats appear only from
functions, constants and irrational powers. Every other node (names outside the
table, attributes, subscripts, lambdas, comprehensions, strings...) is refused
with a CalcError saying what is allowed. Sizes are checked before and after each
step (see `numeric`): a literal's exponent from its text before the number is
built, a power's result size before it is computed, factorials by argument, so
no input can make it run for more than milliseconds (tests/faults/test_calc_attacks.py).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from fractions import Fraction

from mcp_servers.calc.functions import ALLOWED, CONSTANTS, FUNCTIONS
from mcp_servers.calc.notation import PERCENT, to_python
from mcp_servers.calc.numeric import CalcError, Value, checked, exact_literal, power

MAX_DEPTH = 200

_BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: lambda a, b: _exact_floor(a // b),
    ast.Mod: operator.mod,
    ast.Pow: power,
}
# Lambdas rather than operator.pos/neg: their generic protocol types do not fit Value -> Value.
_UNARY: dict[type[ast.unaryop], Callable[[Value], Value]] = {ast.UAdd: lambda x: +x, ast.USub: lambda x: -x}
_SYMBOL = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@"}
_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: "assignment",
    ast.Starred: "* unpacking",
    ast.JoinedStr: "strings",
    ast.Tuple: "tuples (use a function call like max(1, 2))",
    ast.List: "lists",
    ast.Set: "sets",
    ast.Dict: "dicts",
}


def evaluate(expression: str) -> Value:
    """The value of a calculator expression, or CalcError saying what was wrong and what is allowed."""
    source = to_python(expression)
    if not source:
        raise CalcError(f"empty expression. {ALLOWED}")
    tree = _parse(source)
    _check_depth(tree)
    return _Walker(source).value(tree.body)


def _parse(source: str) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise CalcError(f"could not parse the expression: {exc.msg}. {ALLOWED}") from None
    except (ValueError, MemoryError, RecursionError):
        raise CalcError(f"could not parse the expression. {ALLOWED}") from None


def _check_depth(tree: ast.AST) -> None:
    # Iterative, so a pathological tree cannot exhaust the stack while being measured.
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise CalcError(f"expression is nested too deeply (more than {MAX_DEPTH} levels)")
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _exact_floor(value: Value) -> Value:
    return value if isinstance(value, float) else Fraction(value)


class _Walker:
    """Computes allowed nodes; `source` is the parsed text, for reading literals exactly."""

    def __init__(self, source: str) -> None:
        self.source = source

    def value(self, node: ast.AST) -> Value:
        """The checked value of one node."""
        handler = getattr(self, f"_{type(node).__name__}", None)
        if handler is None:
            raise CalcError(f"not allowed: {_REFUSED.get(type(node), type(node).__name__)}. {ALLOWED}")
        return checked(handler(node))

    def _Constant(self, node: ast.Constant) -> Value:
        literal = node.value
        if isinstance(literal, bool) or not isinstance(literal, int | float):
            kind = "imaginary numbers" if isinstance(literal, complex) else "strings and other literals"
            raise CalcError(f"not allowed: {kind}. {ALLOWED}")
        if isinstance(literal, int):
            return Fraction(literal)
        text = ast.get_source_segment(self.source, node)
        return exact_literal(text or repr(literal))

    def _Name(self, node: ast.Name) -> Value:
        name = node.id.lower()
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise CalcError(f"{name} is a function: call it like {name}(x). {ALLOWED}")
        raise CalcError(f"unknown name {node.id!r}. {ALLOWED}")

    def _UnaryOp(self, node: ast.UnaryOp) -> Value:
        op = _UNARY.get(type(node.op))
        if op is None:
            raise CalcError(f"not allowed: operator {'~' if isinstance(node.op, ast.Invert) else 'not'}. {ALLOWED}")
        return op(self.value(node.operand))

    def _BinOp(self, node: ast.BinOp) -> Value:
        op = _BINARY.get(type(node.op))
        if op is None:
            raise CalcError(f"not allowed: operator {_SYMBOL.get(type(node.op), '?')}. {ALLOWED}")
        left = self.value(node.left)
        if isinstance(node.op, ast.Add | ast.Sub) and _is_percent(node.right):
            # `X + N%` adds N percent of X, as a calculator does.
            share = self.value(node.right)
            return left * (1 + share if isinstance(node.op, ast.Add) else 1 - share)
        return _arithmetic(op, left, self.value(node.right))

    def _Call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name):
            raise CalcError(f"only calls of named functions are allowed. {ALLOWED}")
        if _is_percent(node):
            return self.value(node.args[0]) / 100
        name = node.func.id.lower()
        function = FUNCTIONS.get(name)
        if function is None:
            raise CalcError(f"unknown function {node.func.id!r}. {ALLOWED}")
        if node.keywords:
            raise CalcError(f"{name} takes no keyword arguments. {ALLOWED}")
        count = len(node.args)
        if count < function.min_args or (function.max_args is not None and count > function.max_args):
            raise CalcError(f"{name} takes {function.arity()} argument(s), got {count}")
        return _call(name, function.fn, [self.value(arg) for arg in node.args])


def _is_percent(node: ast.AST) -> bool:
    # The marker `notation` writes for `N%`: always one number literal, never keywords.
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == PERCENT
        and len(node.args) == 1
        and not node.keywords
    )


def _arithmetic(op: Callable[[Value, Value], Value], left: Value, right: Value) -> Value:
    try:
        return op(left, right)
    except ZeroDivisionError:
        raise CalcError("division by zero") from None
    except OverflowError:
        raise CalcError("result is too large for floating point (overflow)") from None


def _call(name: str, fn: Callable[..., Value], args: list[Value]) -> Value:
    try:
        return fn(*args)
    except ZeroDivisionError:
        raise CalcError(f"division by zero in {name}") from None
    except OverflowError:
        raise CalcError(f"{name}: result too large for floating point") from None
    except ValueError as exc:
        if isinstance(exc, CalcError):
            raise
        raise CalcError(f"{name} is undefined for this argument (math domain error)") from None
