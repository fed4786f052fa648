"""The op table: every primitive's value and local derivatives, each written once.

An op is a function of one or two scalars. Its row in the table gives

- ``value(*xs)``: the result;
- ``derivatives(*xs, y)``: the local derivatives ``(∂y/∂x_1, ∂y/∂x_2)`` given the
  inputs and the result ``y``.

Both are written with arithmetic and the generic functions below, so the same line serves
every kind of number the engine runs it on:

- floats: the numbers the forward pass and ``backward()`` compute with;
- ``Value`` nodes: the derivative is *recorded* as a graph, which is how
  ``grad(..., create_graph=True)`` gets gradients of gradients;
- numpy arrays, one number per example: how a traced ``Program`` runs a batch;
- ``Code``: the rule is *written out* as a Python expression, which is how a ``Program``
  generates straight-line source.

Adding an op is adding one row here; ``python tools/value_methods.py`` then writes the
``Value`` method that records it (into value.py, from the row).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import methodcaller
from typing import Any

import numpy as np

__all__ = ["Op", "OPS", "Code", "Symbol", "GENERICS"]


class Op:
    """One primitive: a name, its number of inputs, its value, its local derivatives, its
    domain, and what it is in words (the docstring of the ``Value`` methods that record it)."""

    __slots__ = ("name", "symbol", "arity", "value", "derivatives", "domain", "doc")

    def __init__(
        self,
        name: str,
        symbol: str,
        arity: int,
        value: Callable[..., Any],
        derivatives: Callable[..., tuple[Any, ...]],
        domain: str = "",
        doc: str = "",
    ) -> None:
        self.name = name  # unique key in OPS
        self.symbol = symbol  # what a drawn graph shows
        self.arity = arity  # the number of inputs: 1 or 2
        self.value = value
        self.derivatives = derivatives
        self.domain = domain  # where the op is defined, for error messages
        self.doc = doc

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


class Code:
    """A number written as Python source: a rule run on ``Code`` returns the rule as code.

    >>> a, b = Code("a"), Code("b")
    >>> OPS["div"].derivatives(a, b, Code("y"))[1]
    Code('((-y) / b)')
    >>> OPS["relu"].value(Code("r"))
    Code('relu(r)')

    A generic function ``f`` becomes the call ``f(...)``: the code runs with each name
    bound to the float version (``GENERICS``).
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Code({self.text!r})"

    def __str__(self) -> str:
        return self.text

    @staticmethod
    def call(name: str, *args: Any) -> Code:
        return Code(f"{name}({', '.join(map(source, args))})")

    def __add__(self, other: Any) -> Code:
        return _infix(self, "+", other)

    def __radd__(self, other: Any) -> Code:
        return _infix(other, "+", self)

    def __sub__(self, other: Any) -> Code:
        return _infix(self, "-", other)

    def __rsub__(self, other: Any) -> Code:
        return _infix(other, "-", self)

    def __mul__(self, other: Any) -> Code:
        return _infix(self, "*", other)

    def __rmul__(self, other: Any) -> Code:
        return _infix(other, "*", self)

    def __truediv__(self, other: Any) -> Code:
        return _infix(self, "/", other)

    def __rtruediv__(self, other: Any) -> Code:
        return _infix(other, "/", self)

    def __pow__(self, other: Any) -> Code:
        return _infix(self, "**", other)

    def __rpow__(self, other: Any) -> Code:
        return _infix(other, "**", self)

    def __neg__(self) -> Code:
        return Code(f"(-{self})")


class Symbol(Code):
    """An input written as a name, to show a rule as a formula (the docs' table, the page).
    Where a rule reads an input's number (``num``: pow's exponent), a symbol is its own
    number, one the general formula holds for (pow's k is not 0). A ``Program`` writes
    plain ``Code``, which has no number: such a rule is then called, not written out.

    >>> OPS["pow"].derivatives(Symbol("a"), Symbol("k"), Symbol("y"))[0]
    Code('(k * (a ** (k - (1.0))))')
    """

    __slots__ = ()

    @property
    def data(self) -> Symbol:
        return self


def source(x: Any) -> str:
    """``x`` as Python source: a ``Code``'s text, a float's exact repr (in parentheses)."""
    return x.text if isinstance(x, Code) else f"({float(x)!r})"


def _infix(a: Any, operator: str, b: Any) -> Code:
    return Code(f"({source(a)} {operator} {source(b)})")


# --- generic functions: one name, an implementation for each kind of number --------------

GENERICS: dict[str, Callable[..., Any]] = {}
"""The float implementation of each generic function, by name (what ``Code`` calls)."""


def _generic(
    name: str,
    on_float: Callable[[float], Any],
    on_array: Callable[[np.ndarray], np.ndarray],
    on_value: Callable[[Any], Any] | None = None,
) -> Callable[[Any], Any]:
    """A function of one number: floats and arrays each get their own implementation, a
    ``Code`` becomes a call, a ``Value`` its recorded method ``name`` (or ``on_value``)."""
    node = on_value or methodcaller(name)

    def generic(x: Any) -> Any:
        if isinstance(x, float):
            return on_float(x)
        if type(x) is np.ndarray:
            return on_array(x)
        if isinstance(x, Code):
            return Code.call(name, x)
        return node(x)

    generic.__name__ = generic.__qualname__ = name
    GENERICS[name] = on_float
    return generic


def _generic2(
    name: str, on_float: Callable[[float, float], float], on_array: Callable[..., np.ndarray]
) -> Callable[[Any, Any], Any]:
    """A function of two numbers (an op's value; never called on Values): floats, arrays
    (either argument may be a float), or ``Code``."""

    def generic(a: Any, b: Any) -> Any:
        if isinstance(a, float) and isinstance(b, float):
            return on_float(a, b)
        if isinstance(a, Code) or isinstance(b, Code):
            return Code.call(name, a, b)
        return on_array(a, b)

    generic.__name__ = generic.__qualname__ = name
    GENERICS[name] = on_float
    return generic


def num(x: Any) -> Any:
    """The number inside ``x``: a float or an array as it is, a ``Value``'s ``data``."""
    return x if isinstance(x, (float, np.ndarray)) else x.data


# --- implementations that need more than one call ------------------------------------------


def _sigmoid(x: float) -> float:
    # 1 / (1 + e^-x), arranged so that exp never sees a large positive argument.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))  # the same two branches, both from e^-|x|
    y: np.ndarray = np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    return y


def _softplus(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): finite for every finite x.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_array(x: np.ndarray) -> np.ndarray:
    y: np.ndarray = np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    return y


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def _relu_array(x: np.ndarray) -> np.ndarray:
    # One pass; 0.0 (not -0.0) for x ≤ 0, as the float rule gives. (A replay never
    # meets a nan here: it stops at the first non-finite number.)
    y: np.ndarray = np.maximum(x, 0.0)
    return y


def _step(x: float) -> float:
    # relu'(x); relu'(0) = 0 as in PyTorch.
    return 1.0 if x > 0.0 else 0.0


def _sign(x: float) -> float:
    # abs'(x); abs'(0) = 0 as in PyTorch.
    return (x > 0.0) - (x < 0.0) + 0.0


def _constant(on_float: Callable[[float], float]) -> Callable[[Any], float]:
    # A step function's derivative is 0: on a Value it is a plain number, never recorded.
    return lambda x: on_float(x.data)


# a**b with b a Value is defined for a > 0, and at a = 0 for b ≥ 0 (0**b = 0, 0**0 = 1).
def _pow_var(a: float, b: float) -> float:
    if a < 0.0 or (a == 0.0 and b < 0.0):
        raise ValueError("math domain error")
    return math.pow(a, b)


def _pow_var_array(a: Any, b: Any) -> np.ndarray:
    if np.any(np.less(a, 0.0) | (np.equal(a, 0.0) & np.less(b, 0.0))):
        raise ValueError("math domain error")
    y: np.ndarray = np.power(a, b)
    return y


# log a, taken as 0 at a = 0: the factor of ∂(a**b)/∂b = a**b·log a, which is 0 there
# (a**b is 0 for every b > 0), as in PyTorch.
def _log_or_0(x: float) -> float:
    return math.log(x) if x > 0.0 else 0.0


def _log_or_0_value(x: Any) -> Any:
    return x.log() if x.data > 0.0 else 0.0


exp = _generic("exp", math.exp, np.exp)
log = _generic("log", math.log, np.log)
sqrt = _generic("sqrt", math.sqrt, np.sqrt)
tanh = _generic("tanh", math.tanh, np.tanh)
sin = _generic("sin", math.sin, np.sin)
cos = _generic("cos", math.cos, np.cos)
sigmoid = _generic("sigmoid", _sigmoid, _sigmoid_array)
softplus = _generic("softplus", _softplus, _softplus_array)
relu = _generic("relu", _relu, _relu_array)
absolute = _generic("abs", abs, np.abs)
step = _generic("step", _step, lambda x: np.greater(x, 0.0).astype(float), _constant(_step))
sign = _generic("sign", _sign, np.sign, _constant(_sign))
power = _generic2("power", math.pow, np.power)
power_var = _generic2("power_var", _pow_var, _pow_var_array)
log_or_0 = _generic("log_or_0", _log_or_0, lambda x: np.log(np.where(x > 0.0, x, 1.0)),
                    _log_or_0_value)


def _pow_const_derivatives(a: Any, k: Any, y: Any) -> tuple[Any, float]:
    k = num(k)  # the exponent is a number: d(x**k)/dx = k x**(k-1), and k itself is constant
    return (k * a ** (k - 1.0) if k != 0.0 else 0.0), 0.0


_OP_LIST = [
    # name, symbol, number of inputs, value, local derivatives (inputs..., result y), domain
    Op("add", "+", 2, lambda a, b: a + b, lambda a, b, y: (1.0, 1.0), doc="the sum"),
    Op("sub", "-", 2, lambda a, b: a - b, lambda a, b, y: (1.0, -1.0), doc="the difference"),
    Op("mul", "*", 2, lambda a, b: a * b, lambda a, b, y: (b, a), doc="the product"),
    Op("div", "/", 2, lambda a, b: a / b, lambda a, b, y: (1.0 / b, -y / b), "b ≠ 0",
       doc="the quotient"),
    Op("neg", "-", 1, lambda a: -a, lambda a, y: (-1.0,), doc="the negation"),
    Op("pow", "**", 2, power, _pow_const_derivatives,
       "a > 0, or an integer k (and a ≠ 0 when k < 0)", doc="a ** k for a number k"),
    # ∂/∂a = b·a**(b-1) also at a = 0 (0 for b > 1, 1 for b = 1; infinite, so an error,
    # for b < 1); a number raised to a Value (rpow) is a constant, as pow's exponent is.
    Op("pow_var", "**", 2, power_var, lambda a, b, y: (b * a ** (b - 1.0), y * log_or_0(a)),
       "a > 0 when the exponent is a Value, or a = 0 and b ≥ 0 (b ≥ 1 for ∂/∂a)",
       doc="a ** b for a Value b"),
    Op("rpow", "**", 2, power_var, lambda c, b, y: (0.0, y * log_or_0(c)),
       "c > 0 for a number c raised to a Value, or c = 0 and an exponent ≥ 0",
       doc="c ** b for a number c (a constant)"),
    Op("exp", "exp", 1, exp, lambda a, y: (y,), "x ≤ 709.78 (beyond it e^x overflows)",
       doc="e^x"),
    Op("log", "log", 1, log, lambda a, y: (1.0 / a,), "x > 0", doc="Natural logarithm"),
    Op("sqrt", "sqrt", 1, sqrt, lambda a, y: (0.5 / y,), "x ≥ 0, and x > 0 for its derivative",
       doc="√x"),
    Op("tanh", "tanh", 1, tanh, lambda a, y: (1.0 - y * y,),
       doc="Hyperbolic tangent, (e^x − e^-x) / (e^x + e^-x)"),
    Op("sigmoid", "σ", 1, sigmoid, lambda a, y: (y * (1.0 - y),),
       doc="1 / (1 + e^-x), stable for any finite x"),
    Op("relu", "ReLU", 1, relu, lambda a, y: (step(a),),
       doc="max(x, 0); its derivative at 0 is taken as 0, as in PyTorch"),
    Op("softplus", "softplus", 1, softplus, lambda a, y: (sigmoid(a),),
       doc="log(1 + e^x), stable for any finite x"),
    Op("abs", "abs", 1, absolute, lambda a, y: (sign(a),),
       doc="|x|; its derivative at 0 is taken as 0, as in PyTorch"),
    Op("sin", "sin", 1, sin, lambda a, y: (cos(a),), doc="Sine (x in radians)"),
    Op("cos", "cos", 1, cos, lambda a, y: (-sin(a),), doc="Cosine (x in radians)"),
]

OPS: dict[str, Op] = {op.name: op for op in _OP_LIST}
