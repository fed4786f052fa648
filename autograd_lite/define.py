"""Add an op of your own: ``define_op(name, value, derivatives)``, a row of the op table.

The row is checked when it is defined: its local derivatives must agree with central
finite differences of its value at a few points, else ``ValueError`` says where and by how
much. The op then works like a built-in one: a ``Value`` method and a function, in
``backward()``, in ``grad(..., create_graph=True)`` (when its rules are written with
arithmetic and the functions of ``ops.py``, so that they run on ``Value``s too), in a traced
``Program`` (when they also run on numpy arrays), in ``gradcheck``, drawings and the docs'
op table (``OPS`` holds it).

>>> from autograd_lite import Value
>>> cube = define_op("cube", lambda a: a * a * a, lambda a, y: (3.0 * a * a,))
>>> x = Value(2.0)
>>> y = x.cube()
>>> y.backward()
>>> y.data, x.grad
(8.0, 12.0)
>>> forget_op("cube")
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

from .ops import OPS, Op
from .text import shown
from .value import Value, record

__all__ = ["define_op", "forget_op", "POINTS"]

# Where a new op's derivatives are checked when none are given: inside most domains,
# away from 0 (a kink of relu or abs), one tuple of inputs each.
POINTS = {1: ((0.3,), (0.7,), (1.3,), (2.1,)),
          2: ((0.3, 0.7), (1.3, 0.4), (2.1, 1.7))}
_EPS, _RTOL, _ATOL = 1e-6, 1e-5, 1e-6
_defining = threading.Lock()  # one op added to OPS at a time
_defined: set[str] = set()  # the ops added here (only these can be forgotten)


def define_op(
    name: str,
    value: Callable[..., Any],
    derivatives: Callable[..., tuple[Any, ...]],
    *,
    arity: int = 1,
    symbol: str = "",
    domain: str = "",
    doc: str = "",
    points: Sequence[Sequence[float]] | None = None,
) -> Callable[..., Value]:
    """Add the op ``name`` to the op table and return the function that applies it.

    ``value(*xs)`` computes the result from ``arity`` (1 or 2) inputs;
    ``derivatives(*xs, y)`` returns the local derivatives ∂y/∂x, one per input, given the
    inputs and the result ``y``. ``Value`` gains the method ``name`` (``x.cube()``, or
    ``a.name(b)`` for two inputs). ``symbol`` is what a drawing shows (``name`` if empty),
    ``domain`` where the op is defined (for error messages). The derivatives are checked at
    ``points`` (tuples of inputs; ``POINTS[arity]`` by default) against central finite
    differences; ``ValueError`` if they disagree anywhere, or if no point is in the domain.
    """
    where = f"define_op({shown(name)})"
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"{where}: the name must be a Python identifier not starting "
                         "with _, such as 'cube'")
    if not callable(value) or not callable(derivatives):
        raise TypeError(f"{where}: value and derivatives must be functions")
    if arity not in (1, 2) or isinstance(arity, bool):
        raise ValueError(f"{where}: arity must be 1 or 2, got {shown(arity)}")
    op = Op(name, symbol or name, arity, value, derivatives, domain,
            doc or f"{name}, an op added with define_op")
    _check_derivatives(where, op, POINTS[arity] if points is None else points)

    def apply(*inputs: Any) -> Value:
        if len(inputs) != arity:
            raise TypeError(f"{name} takes {arity} input{'s' * (arity > 1)}, got {len(inputs)}")
        return record(op, *inputs)

    def method(self: Value, *others: Any) -> Value:
        return apply(self, *others)

    apply.__name__ = method.__name__ = name
    apply.__doc__ = method.__doc__ = op.doc
    method.__qualname__ = f"Value.{name}"
    with _defining:
        if name in OPS or hasattr(Value, name):
            raise ValueError(f"{where}: the name is taken (an op of the table or a Value "
                             "attribute)")
        OPS[name] = op
        setattr(Value, name, method)
        _defined.add(name)
    return apply


def forget_op(name: str) -> None:
    """Remove an op added with ``define_op`` from the op table and from ``Value``."""
    with _defining:
        if name not in _defined:
            raise ValueError(f"forget_op: {shown(name)} was not added with define_op")
        _defined.discard(name)
        del OPS[name]
        delattr(Value, name)


def _check_derivatives(where: str, op: Op, points: Sequence[Sequence[float]]) -> None:
    """ValueError unless each local derivative agrees with a central finite difference of
    the value at every point of the domain among ``points`` (and there is one)."""
    checked = 0
    for point in points:
        xs = [float(x) for x in point]
        if len(xs) != op.arity:
            raise ValueError(f"{where}: each point must hold {op.arity} input(s), got {point}")
        try:
            y = float(op.value(*xs))
            ds = [float(d) for d in op.derivatives(*xs, y)]
            numeric = [_difference(op, xs, i) for i in range(op.arity)]
        except (ArithmeticError, ValueError):
            continue  # outside the domain
        if len(ds) != op.arity:
            raise ValueError(f"{where}: derivatives must return {op.arity} value(s), one per "
                             f"input, got {len(ds)}")
        for i, (d, n) in enumerate(zip(ds, numeric)):
            if not (math.isfinite(d) and abs(d - n) <= _ATOL + _RTOL * abs(n)):
                at = ", ".join(map(repr, xs))
                raise ValueError(f"{where}: at ({at}) its derivative ∂y/∂x{i} is {d!r}, but "
                                 f"a finite difference of its value gives {n:.6g}")
        checked += 1
    if not checked:
        raise ValueError(f"{where}: none of the points {list(points)} is in the op's domain; "
                         "give points=[...] where it is defined")


def _difference(op: Op, xs: list[float], i: int) -> float:
    up, down = list(xs), list(xs)
    up[i] += _EPS
    down[i] -= _EPS
    return (float(op.value(*up)) - float(op.value(*down))) / (2 * _EPS)
