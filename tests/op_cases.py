"""Every op of the table, written twice: once for autograd-lite and once as a reference.

Each case is a function of one or two arguments that works on ``Value``s and on PyTorch
tensors alike (both have ``.exp()``, ``.relu()``, …), the plain-``math`` formula for its
value, and points away from kinks and domain edges. ``covers`` names the table rows a case
exercises, so a test can check that no op is left without a case.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    f: Callable  # on Values, and on torch tensors unless `torch_f` is given
    ref: Callable[..., float]  # the value, from the math module
    points: list[tuple[float, ...]]
    covers: tuple[str, ...]
    torch_f: Callable | None = None


def _softplus_torch(x):
    import torch.nn.functional as F

    return F.softplus(x)


def _sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


BINARY = [(2.0, 3.0), (-1.5, 0.25), (0.7, -4.0), (-3.0, -0.5)]
UNARY = [(-2.5,), (-0.3,), (0.4,), (1.7,)]
POSITIVE = [(0.1,), (0.9,), (2.5,), (40.0,)]

CASES = [
    Case("add", lambda a, b: a + b, lambda a, b: a + b, BINARY, ("add",)),
    Case("sub", lambda a, b: a - b, lambda a, b: a - b, BINARY, ("sub",)),
    Case("mul", lambda a, b: a * b, lambda a, b: a * b, BINARY, ("mul",)),
    Case("div", lambda a, b: a / b, lambda a, b: a / b, BINARY, ("div",)),
    Case("neg", lambda a: -a, lambda a: -a, UNARY, ("neg",)),
    Case("const+x", lambda a: 2.5 + a, lambda a: 2.5 + a, UNARY, ("add",)),
    Case("x+const", lambda a: a + 2.5, lambda a: a + 2.5, UNARY, ("add",)),
    Case("const-x", lambda a: 2.5 - a, lambda a: 2.5 - a, UNARY, ("sub",)),
    Case("x-const", lambda a: a - 2.5, lambda a: a - 2.5, UNARY, ("sub",)),
    Case("const*x", lambda a: -3 * a, lambda a: -3 * a, UNARY, ("mul",)),
    Case("x*const", lambda a: a * -3, lambda a: a * -3, UNARY, ("mul",)),
    Case("const/x", lambda a: 2.0 / a, lambda a: 2.0 / a, UNARY, ("div",)),
    Case("x/const", lambda a: a / 4, lambda a: a / 4, UNARY, ("div",)),
    Case("x**2", lambda a: a**2, lambda a: a**2, UNARY, ("pow",)),
    Case("x**3", lambda a: a**3, lambda a: a**3, UNARY, ("pow",)),
    Case("x**-2", lambda a: a**-2, lambda a: a**-2, UNARY, ("pow",)),
    Case("x**0.5", lambda a: a**0.5, lambda a: a**0.5, POSITIVE, ("pow",)),
    Case("x**-1.5", lambda a: a**-1.5, lambda a: a**-1.5, POSITIVE, ("pow",)),
    Case("a**b", lambda a, b: a**b, lambda a, b: a**b,
         [(0.5, 2.0), (2.0, -1.5), (3.0, 0.3), (1.5, 2.5)], ("pow_var",)),
    Case("2**x", lambda a: 2.0**a, lambda a: 2.0**a, UNARY, ("rpow",)),
    Case("0.5**x", lambda a: 0.5**a, lambda a: 0.5**a, UNARY, ("rpow",)),
    Case("exp", lambda a: a.exp(), math.exp, UNARY + [(7.0,)], ("exp",)),
    Case("log", lambda a: a.log(), math.log, POSITIVE, ("log",)),
    Case("sqrt", lambda a: a.sqrt(), math.sqrt, POSITIVE, ("sqrt",)),
    Case("tanh", lambda a: a.tanh(), math.tanh, UNARY, ("tanh",)),
    Case("sigmoid", lambda a: a.sigmoid(), _sig, UNARY + [(30.0,), (-30.0,)], ("sigmoid",)),
    Case("relu", lambda a: a.relu(), lambda a: max(a, 0.0), UNARY, ("relu",)),
    Case("softplus", lambda a: a.softplus(), lambda a: math.log1p(math.exp(a)),
         UNARY + [(30.0,), (-30.0,)], ("softplus",), torch_f=_softplus_torch),
    Case("abs", lambda a: a.abs(), abs, UNARY, ("abs",)),
    Case("abs()", lambda a: abs(a), abs, UNARY, ("abs",)),
    Case("sin", lambda a: a.sin(), math.sin, UNARY, ("sin",)),
    Case("cos", lambda a: a.cos(), math.cos, UNARY, ("cos",)),
]

# The kinks, where the derivative is a convention (PyTorch's): relu'(0) = 0, abs'(0) = 0.
KINKS = [
    ("relu", lambda a: a.relu(), 0.0),
    ("abs", lambda a: a.abs(), 0.0),
]


def torch_version_of(case: Case) -> Callable:
    return case.torch_f or case.f
