"""The op table: every primitive's value and local derivatives, each written once.

An op is a function of one or two scalars. Its row in the table gives

- ``value(*xs)``: the result, on plain floats (the fast path of the forward pass);
- ``derivatives(*xs, y)``: the local derivatives ``(∂y/∂x_1, ∂y/∂x_2)`` given the
  inputs and the result ``y``.

``derivatives`` is written with arithmetic and the generic functions below, so the same
line serves two purposes: called with floats it gives the numbers ``backward()`` multiplies;
called with ``Value`` nodes it *records* the derivative as a graph, which is how
``grad(..., create_graph=True)`` gets gradients of gradients.

Adding an op is adding one row here and one method on ``Value``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["Op", "OPS"]


class Op:
    """One primitive: a name, its value on floats, its local derivatives, its domain."""

    __slots__ = ("name", "symbol", "value", "derivatives", "domain")

    def __init__(
        self,
        name: str,
        symbol: str,
        value: Callable[..., float],
        derivatives: Callable[..., tuple[Any, ...]],
        domain: str = "",
    ) -> None:
        self.name = name  # unique key in OPS
        self.symbol = symbol  # what a drawn graph shows
        self.value = value
        self.derivatives = derivatives
        self.domain = domain  # where the op is defined, for error messages

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


# --- generic functions: floats go to math, Values to their own (recorded) method ---------


def num(x: Any) -> float:
    """The float inside ``x`` (a float or a ``Value``)."""
    return x if isinstance(x, float) else x.data


def log(x: Any) -> Any:
    return math.log(x) if isinstance(x, float) else x.log()


def sin(x: Any) -> Any:
    return math.sin(x) if isinstance(x, float) else x.sin()


def cos(x: Any) -> Any:
    return math.cos(x) if isinstance(x, float) else x.cos()


def sigmoid(x: Any) -> Any:
    return _sigmoid(x) if isinstance(x, float) else x.sigmoid()


# --- float implementations that need more than one line -----------------------------------


def _sigmoid(x: float) -> float:
    # 1 / (1 + e^-x), arranged so that exp never sees a large positive argument.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): finite for every finite x.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def _step(x: Any) -> float:
    # relu'(x); relu'(0) = 0 as in PyTorch. A constant: its own derivative is 0.
    return 1.0 if num(x) > 0.0 else 0.0


def _sign(x: Any) -> float:
    # abs'(x); abs'(0) = 0 as in PyTorch.
    v = num(x)
    return (v > 0.0) - (v < 0.0) + 0.0


def _pow_var(a: float, b: float) -> float:
    if a <= 0.0:  # d/db a**b = a**b log(a) needs a > 0
        raise ValueError("math domain error")
    return math.pow(a, b)


def _pow_const_derivatives(a: Any, k: Any, y: Any) -> tuple[Any, float]:
    k = num(k)  # the exponent is a number: d(x**k)/dx = k x**(k-1), and k itself is constant
    return (k * a ** (k - 1.0) if k != 0.0 else 0.0), 0.0


_OP_LIST = [
    # name, symbol, value on floats, local derivatives (inputs..., result y), domain
    Op("add", "+", lambda a, b: a + b, lambda a, b, y: (1.0, 1.0)),
    Op("sub", "-", lambda a, b: a - b, lambda a, b, y: (1.0, -1.0)),
    Op("mul", "*", lambda a, b: a * b, lambda a, b, y: (b, a)),
    Op("div", "/", lambda a, b: a / b, lambda a, b, y: (1.0 / b, -y / b), "b ≠ 0"),
    Op("neg", "-", lambda a: -a, lambda a, y: (-1.0,)),
    Op("pow", "**", math.pow, _pow_const_derivatives,
       "a > 0, or an integer k (and a ≠ 0 when k < 0)"),
    Op("pow_var", "**", _pow_var, lambda a, b, y: (b * y / a, y * log(a)),
       "a > 0 when the exponent is a Value (∂(a**b)/∂b = a**b·log a)"),
    Op("exp", "exp", math.exp, lambda a, y: (y,), "x ≤ 709.78 (beyond it e^x overflows)"),
    Op("log", "log", math.log, lambda a, y: (1.0 / a,), "x > 0"),
    Op("sqrt", "sqrt", math.sqrt, lambda a, y: (0.5 / y,), "x ≥ 0, and x > 0 for its derivative"),
    Op("tanh", "tanh", math.tanh, lambda a, y: (1.0 - y * y,)),
    Op("sigmoid", "σ", _sigmoid, lambda a, y: (y * (1.0 - y),)),
    Op("relu", "ReLU", _relu, lambda a, y: (_step(a),)),
    Op("softplus", "softplus", _softplus, lambda a, y: (sigmoid(a),)),
    Op("abs", "abs", abs, lambda a, y: (_sign(a),)),
    Op("sin", "sin", math.sin, lambda a, y: (cos(a),)),
    Op("cos", "cos", math.cos, lambda a, y: (-sin(a),)),
]

OPS: dict[str, Op] = {op.name: op for op in _OP_LIST}
