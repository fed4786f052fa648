"""Build a graph from a small arithmetic expression, safely (no ``eval``).

The text is parsed with Python's ``ast`` module and only these forms are accepted:
numbers, names (leaves labelled by their name), ``+ - * / **``, unary ``-`` and ``+``,
and calls of one argument to the functions in ``FUNCTIONS``. Anything else (attributes,
subscripts, keywords, other calls, …) is refused with a ValueError naming it.

>>> y = parse_expression("tanh(x) * x + 3 * x", {"x": 0.0})
>>> y.data
0.0
>>> parse_expression("__import__('os')", {})  # doctest: +ELLIPSIS
Traceback (most recent call last):
ValueError: only one-argument calls of exp, log, ..., cos are allowed, not "__import__('os')"
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from .ops import OPS
from .value import Value

__all__ = ["parse_expression", "FUNCTIONS"]

# The functions: every op of one input that is a method of its own name (not -x).
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    op.name: getattr(Value, op.name)
    for op in OPS.values() if op.arity == 1 and hasattr(Value, op.name)
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Value]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Value]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos}
MAX_LENGTH = 1000


def parse_expression(text: str, values: Mapping[str, float] | None = None) -> Value:
    """The graph of ``text``: each name is one leaf labelled by it, valued from ``values``.

    A name used twice is the same leaf (``x * x`` has one x, used twice). TypeError unless
    ``text`` is a str and ``values`` a mapping (or None: no names).
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_expression: text must be a str, got {type(text).__name__}")
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise TypeError("parse_expression: values must map names to numbers, got "
                        f"{type(values).__name__}")
    if not text.strip():
        raise ValueError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the expression has {len(text)} characters, more than {MAX_LENGTH}")
    leaves: dict[str, Value] = {}

    def build(node: ast.AST) -> Value | float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and (
                not isinstance(node.value, bool)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                given = ", ".join(sorted(values)) or "none"
                raise ValueError(f"no value for {node.id!r} (values given: {given})")
            if node.id not in leaves:
                leaves[node.id] = Value(values[node.id], label=node.id)
            return leaves[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = build(node.left), build(node.right)
            if isinstance(node.op, ast.Pow) and isinstance(right, Value) and _constant(node.right):
                right = right.data  # a number exponent, as in x ** 2: defined for x < 0 too
            if not isinstance(left, Value) and not isinstance(right, Value):
                left = Value(left)  # a number op a number: still a node of the graph
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            operand = build(node.operand)
            return _UNARY[type(node.op)](operand)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in FUNCTIONS and len(node.args) == 1 and not node.keywords):
            arg = build(node.args[0])
            return FUNCTIONS[node.func.id](arg if isinstance(arg, Value) else Value(arg))
        if isinstance(node, ast.Call):
            raise ValueError(
                f"only one-argument calls of {', '.join(FUNCTIONS)} are allowed, "
                f"not {ast.unparse(node)!r}"
            )
        raise ValueError(f"{ast.unparse(node)!r} is not allowed in an expression "
                         "(numbers, names, + - * / **, and function calls only)")

    try:
        result = build(ast.parse(text.strip(), mode="eval").body)
    except SyntaxError as e:
        raise ValueError(f"cannot parse {text!r}: {e.msg}") from None
    except RecursionError:
        raise ValueError("the expression is nested too deeply") from None
    return result if isinstance(result, Value) else Value(result)


def _constant(node: ast.AST) -> bool:
    """Whether the subexpression has no names: a number, however it is written."""
    return not any(isinstance(n, ast.Name) for n in ast.walk(node))
