"""The op table of the docs, generated from ``autograd_lite.ops.OPS`` when the site is built.

Each row is read from the code itself: the name, symbol and domain from the ``Op``; the value
and the local derivatives from the source of the functions in its row of ``ops.py``, written
as math. A lambda's body is translated node by node; a helper function of ``ops.py`` is
written with the formula in ``FUNCTIONS``, which the tests check against the helper on sample
points. Anything this module cannot translate is shown as the code itself, never guessed.
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

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


# The functions an op's row may call, by their name in ops.py, as math. A new function in
# ops.py appears as code in the table until it is added here.
FUNCTIONS: dict[str, Formula] = {
    "exp": Formula(r"e^{{{0}}}", math.exp),
    "log": Formula(r"\log {0}", math.log),
    "sqrt": Formula(r"\sqrt{{{0}}}", math.sqrt),
    "tanh": Formula(r"\tanh {0}", math.tanh),
    "sin": Formula(r"\sin {0}", math.sin),
    "cos": Formula(r"\cos {0}", math.cos),
    "power": Formula(r"{0}^{{{1}}}", lambda a, b: a**b),
    "power_var": Formula(r"{0}^{{{1}}}", lambda a, b: a**b),
    "absolute": Formula(r"\lvert {0} \rvert", abs),
    "sigmoid": Formula(r"\sigma({0})", _sigmoid, r"\sigma({0}) = \frac{{1}}{{1 + e^{{-{0}}}}}"),
    "softplus": Formula(r"\log(1 + e^{{{0}}})", lambda x: math.log(1 + math.exp(x))),
    "relu": Formula(r"\max({0}, 0)", lambda x: max(x, 0.0)),
    "step": Formula(r"1 \text{{ if }} {0} > 0 \text{{ else }} 0", lambda x: float(x > 0)),
    "sign": Formula(r"\operatorname{{sign}}({0})", lambda x: float((x > 0) - (x < 0))),
    "log_or_0": Formula(r"\log {0}", lambda x: math.log(x) if x > 0 else 0.0),  # 0 at 0
    "_pow_const_derivatives": Formula(
        r"{1}\,{0}^{{{1} - 1}},\ \ 0", lambda a, k, y: (k * a ** (k - 1) if k else 0.0, 0.0)
    ),
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
    calls = _op_calls()
    return [_row(op, calls.get(op.name)) for op in ops.OPS.values()]


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


def _op_calls() -> dict[str, ast.Call]:
    """Each ``Op("name", ...)`` call in the source of ops.py, by name."""
    tree = ast.parse(inspect.getsource(ops))
    return {
        node.args[0].value: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id == "Op" and node.args and isinstance(node.args[0], ast.Constant)
    }


def _row(op: ops.Op, call: ast.Call | None) -> Row:
    names = list(inspect.signature(op.derivatives).parameters)[:-1]  # inputs; last is y
    shown = ["x"] if len(names) == 1 else names  # a unary op's input is x, as in its domain
    if call is None or len(call.args) < 5:
        value, derivs = _as_code(op.value), _as_code(op.derivatives)
    else:  # Op(name, symbol, arity, value, derivatives, ...)
        value = _math_or_code(call.args[3], names, shown, is_value=True)
        derivs = _math_or_code(call.args[4], names, shown, is_value=False)
    return Row(op.name, op.symbol, value, derivs, op.domain)


def _as_code(function: Callable[..., object]) -> str:
    return f"`{getattr(function, '__qualname__', repr(function))}`"


def _math_or_code(node: ast.expr, names: list[str], shown: list[str], is_value: bool) -> str:
    try:
        return _function_math(node, names, shown, is_value)
    except NotMath:
        return f"`{ast.unparse(node)}`"


def _function_math(node: ast.expr, names: list[str], shown: list[str], is_value: bool) -> str:
    """A function of the op's row (a lambda or a named function) written as math."""
    if isinstance(node, ast.Lambda):
        params = [a.arg for a in node.args.args]
        rename = dict(zip(params, [*shown, "y"]))
        body = node.body
        if is_value:
            return f"${_latex(body, rename)}$"
        parts = body.elts if isinstance(body, ast.Tuple) else [body]
        return _derivatives(parts, shown, rename)
    name = ast.unparse(node)
    if name not in FUNCTIONS:
        raise NotMath(name)
    formula = FUNCTIONS[name]
    args = shown if is_value else [*shown, "y"]
    text = ((is_value and formula.as_value) or formula.latex).format(*args)
    if is_value:
        return f"${text}$"
    return _derivatives_text([t.strip() for t in text.split(r",\ \ ")], shown)


def _derivatives(parts: list[ast.expr], shown: list[str], rename: dict[str, str]) -> str:
    return _derivatives_text([_latex(p, rename) for p in parts], shown)


def _derivatives_text(parts: list[str], shown: list[str]) -> str:
    if len(parts) != len(shown):
        raise NotMath("one derivative per input")
    return "<br>".join(
        f"$\\partial y / \\partial {x} = {d}$" for x, d in zip(shown, parts)
    )


def _latex(node: ast.expr, rename: dict[str, str]) -> str:
    """An expression of a lambda's body as LaTeX (raises ``NotMath`` for anything else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return _number(node.value)
    if isinstance(node, ast.Name) and node.id in rename:
        return rename[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return "-" + _operand(node.operand, rename, 3)
    if isinstance(node, ast.BinOp) and type(node.op) in _PRECEDENCE:
        level = _PRECEDENCE[type(node.op)]
        if isinstance(node.op, ast.Div):
            return rf"\frac{{{_latex(node.left, rename)}}}{{{_latex(node.right, rename)}}}"
        if isinstance(node.op, ast.Pow):
            return f"{_operand(node.left, rename, 5)}^{{{_latex(node.right, rename)}}}"
        right_level = level + 1 if isinstance(node.op, ast.Sub) else level
        sign = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: r" \cdot "}[type(node.op)]
        left, right = _operand(node.left, rename, level), _operand(node.right, rename, right_level)
        return left + sign + right
    if isinstance(node, ast.Call) and not node.keywords:
        name = ast.unparse(node.func)
        if name in FUNCTIONS:
            return FUNCTIONS[name].latex.format(*(_latex(a, rename) for a in node.args))
    raise NotMath(ast.unparse(node))


def _operand(node: ast.expr, rename: dict[str, str], level: int) -> str:
    text = _latex(node, rename)
    inner = node.op if isinstance(node, ast.BinOp | ast.UnaryOp) else None
    inner_level = 3 if isinstance(inner, ast.USub) else _PRECEDENCE.get(type(inner), 9)
    if isinstance(inner, ast.Div):
        inner_level = 9  # a fraction needs no parentheses
    return f"({text})" if inner_level < level else text


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)
