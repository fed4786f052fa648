"""The op table of the docs, generated from ``autograd_lite.ops.OPS`` when the site is built.

Each row is read from the op itself: the name, symbol and domain from the ``Op``; the value
and the local derivatives by running its rules on ``ops.Symbol`` (symbolic numbers: a rule
run on them returns itself as Python source), written as math. A generic function of
``ops.py`` (``exp``, ``relu``, ...) is written with its formula in ``FUNCTIONS``, which the
tests check against the function on sample points. A rule that does not run on ``Code`` (a
user's op that calls ``math`` directly), or that calls a function this module does not
know, is shown as code, never guessed.
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd_lite import ops


@dataclass(frozen=True)
class Formula:
    """How a function of ``ops.py`` is written: LaTeX with ``{0}``, ``{1}`` for its
    arguments, a plain-Python reference the tests compare with the function itself, and, when
    it differs, how the value column writes it (with its definition)."""

    latex: str
    reference: Callable[..., object]
    as_value: str = ""


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# The generic functions an op's rules may call, by the name ``Code`` writes, as math. A new
# one appears as code in the table until it is added here.
FUNCTIONS: dict[str, Formula] = {
    "exp": Formula(r"e^{{{0}}}", math.exp),
    "log": Formula(r"\log {0}", math.log),
    "sqrt": Formula(r"\sqrt{{{0}}}", math.sqrt),
    "tanh": Formula(r"\tanh {0}", math.tanh),
    "sin": Formula(r"\sin {0}", math.sin),
    "cos": Formula(r"\cos {0}", math.cos),
    "power": Formula(r"{0}^{{{1}}}", lambda a, b: a**b),
    "power_var": Formula(r"{0}^{{{1}}}", lambda a, b: a**b),
    "abs": Formula(r"\lvert {0} \rvert", abs),
    "sigmoid": Formula(r"\sigma({0})", _sigmoid, r"\sigma({0}) = \frac{{1}}{{1 + e^{{-{0}}}}}"),
    "softplus": Formula(r"\log(1 + e^{{{0}}})", lambda x: math.log(1 + math.exp(x))),
    "relu": Formula(r"\max({0}, 0)", lambda x: max(x, 0.0)),
    "step": Formula(r"1 \text{{ if }} {0} > 0 \text{{ else }} 0", lambda x: float(x > 0)),
    "sign": Formula(r"\operatorname{{sign}}({0})", lambda x: float((x > 0) - (x < 0))),
    "log_or_0": Formula(r"\log {0}", lambda x: math.log(x) if x > 0 else 0.0),  # 0 at 0
}

_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}


class NotMath(Exception):
    """A piece of code this module does not write as math."""


@dataclass(frozen=True)
class Row:
    name: str
    symbol: str
    value: str  # Markdown: math, or the code itself when it cannot be written as math
    derivatives: str
    domain: str


def rows() -> list[Row]:
    """One row per op of ``OPS``, in the table's order."""
    return [_row(op) for op in ops.OPS.values()]


def markdown_table() -> str:
    """The op table as Markdown (math as ``$..$``, for pymdownx.arithmatex)."""
    head = (
        "| name | symbol | value *y* | local derivatives ∂*y*/∂(each input) | domain |\n"
        "|---|---|---|---|---|\n"
    )
    return head + "".join(
        f"| `{r.name}` | `{r.symbol}` | {r.value} | {r.derivatives} | {_cell(r.domain)} |\n"
        for r in rows()
    )


def _cell(text: str) -> str:
    for markdown in "\\|*_`":  # shown as typed, never as Markdown
        text = text.replace(markdown, "\\" + markdown)
    return text or "any finite input"


def _row(op: ops.Op) -> Row:
    names = list(inspect.signature(op.derivatives).parameters)[:-1]  # inputs; last is y
    shown = ["x"] if len(names) == 1 else names  # a unary op's input is x, as in its domain
    args = [ops.Symbol(x) for x in shown]
    try:
        value, derivatives = op.value(*args), op.derivatives(*args, ops.Symbol("y"))
    except (TypeError, AttributeError):  # a rule that does not run on Code: its name
        return Row(op.name, op.symbol, _as_code(op.value), _as_code(op.derivatives), op.domain)
    if len(derivatives) != len(shown):
        raise ValueError(f"{op.name}: {len(derivatives)} local derivatives for {len(shown)} inputs")
    try:
        value_cell = f"${_tex(value, as_value=True)}$"
    except NotMath:
        value_cell = f"`{value}`"
    return Row(op.name, op.symbol, value_cell,
               "<br>".join(_derivative(x, d) for x, d in zip(shown, derivatives)), op.domain)


def _as_code(function: Callable[..., object]) -> str:
    return f"`{getattr(function, '__qualname__', repr(function))}`"


def _derivative(x: str, d: Any) -> str:
    try:
        return f"$\\partial y / \\partial {x} = {_tex(d)}$"
    except NotMath:
        return f"$\\partial y / \\partial {x}$ = `{d}`"


def _tex(expression: Any, as_value: bool = False) -> str:
    """A rule's result (a number, or ``Code``) as LaTeX; a generic function's call as its
    definition where it has one (``as_value``, for the value column)."""
    if not isinstance(expression, ops.Code):
        return _number(float(expression))
    tree = ast.parse(expression.text, mode="eval").body
    if as_value and isinstance(tree, ast.Call) and ast.unparse(tree.func) in FUNCTIONS:
        formula = FUNCTIONS[ast.unparse(tree.func)]
        return (formula.as_value or formula.latex).format(*map(_latex, tree.args))
    return _latex(tree)


def _latex(node: ast.expr) -> str:
    """An expression written by ``Code`` as LaTeX (raises ``NotMath`` for anything else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return _number(node.value)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return "-" + _operand(node.operand, 3)
    if isinstance(node, ast.BinOp) and type(node.op) in _PRECEDENCE:
        level = _PRECEDENCE[type(node.op)]
        if isinstance(node.op, ast.Div):
            return rf"\frac{{{_latex(node.left)}}}{{{_latex(node.right)}}}"
        if isinstance(node.op, ast.Pow):
            return f"{_operand(node.left, 5)}^{{{_latex(node.right)}}}"
        right_level = level + 1 if isinstance(node.op, ast.Sub) else level
        sign = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: r" \cdot "}[type(node.op)]
        left, right = _operand(node.left, level), _operand(node.right, right_level)
        return left + sign + right
    if isinstance(node, ast.Call) and not node.keywords:
        name = ast.unparse(node.func)
        if name in FUNCTIONS:
            return FUNCTIONS[name].latex.format(*(_latex(a) for a in node.args))
    raise NotMath(ast.unparse(node))


def _operand(node: ast.expr, level: int) -> str:
    text = _latex(node)
    inner = node.op if isinstance(node, ast.BinOp | ast.UnaryOp) else None
    inner_level = 3 if isinstance(inner, ast.USub) else _PRECEDENCE.get(type(inner), 9)
    if isinstance(inner, ast.Div):
        inner_level = 9  # a fraction needs no parentheses
    return f"({text})" if inner_level < level else text


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)
