"""Exercises that check themselves: each checker runs an answer against the engine and says
exactly what is wrong, naming the node, the expected and the given number, and the factor
of the chain rule that is off.

Three kinds of task, as in notebook 6:

1. ``check_local_derivative(op, answer)``: write an op's local derivatives, the entry of
   its row in the op table: ``answer(*inputs, y)`` returns ∂y/∂input for each input. The
   expected numbers are central finite differences (``gradcheck``).
2. ``check_backward_step(op, answer)``: write one node's backward step as in micrograd's
   lecture: ``answer(out)`` adds ``out``'s contribution to its inputs' ``grad``. It runs
   on the node of a small graph when the walk reaches it; the expected numbers are the
   engine's gradients, and a wrong one is explained with the chain rule as ``explain``
   writes it.
3. ``check_weight_gradient(answer)``: derive ∂l/∂W_ij of the feature-discovery network by
   hand, as the four factors ``∂l/∂r · ∂r/∂x̂_j · ∂x̂_j/∂r̃_j · ∂r̃_j/∂W_ij``:
   ``answer(t, w, y, i, j)`` gets the trace ``t`` of a forward pass (``t.r.data``,
   ``t.r_tilde[j].data``, ``t.x[i].data``), the output weights ``w`` and the target ``y``.

A checker returns a ``Verdict``: true when the answer is right; its text says what was
checked or what is wrong. An answer still holding the placeholder ``...`` is "not answered".

>>> print(check_local_derivative("mul", lambda a, b, y: (b, a)))
right: mul's local derivatives agree with finite differences at 3 points.
>>> print(check_local_derivative("mul", lambda a, b, y: (a, b)))
wrong: the mul node at a = 2, b = −3 (y = −6): ∂y/∂a is expected −3 (finite differences), got 2.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd_lite import OPS, Value, explain, grad, gradcheck
from autograd_lite.drawing import format_number
from autograd_lite.steps import local_derivatives

from .feature_discovery import FeatureDiscoveryNet, Trace

__all__ = [
    "Verdict", "check_local_derivative", "check_backward_step", "check_weight_gradient",
    "LOCAL_DERIVATIVE_OPS", "BACKWARD_STEP_OPS",
]

TOLERANCE = 1e-6  # relative and absolute, on numbers of order one


@dataclass(frozen=True)
class Verdict:
    """The checker's finding: truthy when the answer is right; ``str()`` says why."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{'right' if self.ok else 'wrong'}: {self.message}"

    __repr__ = __str__


def _n(x: float) -> str:
    return format_number(x, ".4g")


def _close(got: float, expected: float) -> bool:
    return abs(got - expected) <= TOLERANCE * (1.0 + abs(expected))


_NOT_ANSWERED = Verdict(False, "not answered yet: replace each ... with your expression.")


def _run(answer: Callable[..., Any], *args: Any) -> tuple[Any, Verdict | None]:
    """Call the student's code: its result, or what went wrong as a verdict (no traceback)."""
    try:
        return answer(*args), None
    except Exception as e:
        if "ellipsis" in str(e):  # arithmetic on a placeholder
            return None, _NOT_ANSWERED
        return None, Verdict(False, f"your code raised {type(e).__name__}: {e}")


def _not_answered(answer: Any) -> Verdict | None:
    """A placeholder (``...`` or ``None`` anywhere in the answer) is not an answer yet."""
    parts = answer if isinstance(answer, tuple | list) else (answer,)
    if any(p is ... or p is None for p in parts):
        return _NOT_ANSWERED
    if not all(isinstance(p, int | float) and not isinstance(p, bool) for p in parts):
        kinds = ", ".join(type(p).__name__ for p in parts)
        return Verdict(False, f"the answer must be numbers (floats), got {kinds}.")
    return None


# --- 1. an op's local derivatives ---------------------------------------------------------

# Each op the exercise offers: how to apply it to Values, and points inside its domain.
_UNARY_POINTS = [(-1.3,), (0.4,), (2.1,)]
_APPLY: dict[str, tuple[Callable[..., Value], list[tuple[float, ...]]]] = {
    "add": (operator.add, [(2.0, -3.0), (0.5, 1.5), (-1.0, 4.0)]),
    "sub": (operator.sub, [(2.0, -3.0), (0.5, 1.5), (-1.0, 4.0)]),
    "mul": (operator.mul, [(2.0, -3.0), (0.5, 1.5), (-1.0, 4.0)]),
    "div": (operator.truediv, [(2.0, -3.0), (0.5, 1.5), (-1.0, 4.0)]),
    "exp": (Value.exp, _UNARY_POINTS),
    "log": (Value.log, [(0.3,), (1.0,), (2.5,)]),
    "tanh": (Value.tanh, _UNARY_POINTS),
    "sigmoid": (Value.sigmoid, _UNARY_POINTS),
    "sin": (Value.sin, _UNARY_POINTS),
    "cos": (Value.cos, _UNARY_POINTS),
    "relu": (Value.relu, _UNARY_POINTS),
}
LOCAL_DERIVATIVE_OPS = tuple(_APPLY)


def check_local_derivative(op: str, answer: Callable[..., Any]) -> Verdict:
    """Check ``answer(*inputs, y)``, the local derivatives of the op named ``op``.

    ``answer`` gets the op's inputs and its result ``y`` as floats and returns ∂y/∂input:
    one number for a unary op, a pair for a binary one (``(∂y/∂a, ∂y/∂b)``).
    """
    if op not in _APPLY:
        raise ValueError(f"no exercise for the op {op!r}; choose one of {LOCAL_DERIVATIVE_OPS}")
    apply, points = _APPLY[op]
    names = "ab"[: len(points[0])]
    for point in points:
        y = OPS[op].value(*point)
        given, problem = _run(answer, *point, y)
        problem = _not_answered(given) if problem is None else problem
        if problem is not None:
            return problem
        given = given if isinstance(given, tuple | list) else (given,)
        if len(given) != len(point):
            return Verdict(False, f"{op} has {len(point)} input(s): return {len(point)} "
                                  f"number(s), one ∂y/∂input each; got {len(given)}.")
        check = gradcheck(apply, point)
        at = ", ".join(f"{name} = {_n(x)}" for name, x in zip(names, point))
        for name, g, c in zip(names, given, check.inputs):
            if not _close(g, c.numeric):
                return Verdict(False, f"the {op} node at {at} (y = {_n(y)}): ∂y/∂{name} is "
                                      f"expected {_n(c.numeric)} (finite differences), "
                                      f"got {_n(g)}.")
    return Verdict(True, f"{op}'s local derivatives agree with finite differences at "
                         f"{len(points)} points.")


# --- 2. one node's backward step ----------------------------------------------------------


def _lecture_expression() -> tuple[Value, Value]:
    """micrograd's lecture: L = (a·b + c)·f; returns (L, the node e = a·b)."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, e


def _square() -> tuple[Value, Value]:
    """L = 3·(a·a): the node e = a·a has the same input twice."""
    a = Value(1.5, label="a")
    e = a * a
    e.label = "e"
    L = 3.0 * e
    L.label = "L"
    return L, e


def _lecture_neuron() -> tuple[Value, Value]:
    """The lecture's neuron o = tanh(x1·w1 + x2·w2 + b), then L = 2·o; returns (L, o)."""
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    n = x1 * w1 + x2 * w2 + Value(6.8813735870195432, label="b")
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    L = 2.0 * o
    L.label = "L"
    return L, o


def _sum_node() -> tuple[Value, Value]:
    """L = (a + b)·c: the node s = a + b."""
    a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(4.0, label="c")
    s = a + b
    s.label = "s"
    L = s * c
    L.label = "L"
    return L, s


_SCENES: dict[str, list[Callable[[], tuple[Value, Value]]]] = {
    "mul": [_lecture_expression, _square],
    "tanh": [_lecture_neuron],
    "add": [_sum_node],
}
BACKWARD_STEP_OPS = tuple(_SCENES)


def check_backward_step(op: str, answer: Callable[[Value], None]) -> Verdict:
    """Check ``answer(out)``, the backward step of a node ``out`` made by the op ``op``.

    The step must *add* ``∂out/∂input · out.grad`` to each input's ``grad`` (``+=``: an
    input used twice, as in ``a * a``, gets both contributions). It is run on a node of a
    small graph at the moment the walk reaches it: ``out.grad`` holds ∂L/∂out and the
    inputs' grads hold what reached them by other paths (nothing, here).
    """
    if op not in _SCENES:
        raise ValueError(f"no exercise for the op {op!r}; choose one of {BACKWARD_STEP_OPS}")
    for scene in _SCENES[op]:
        L, out = scene()
        inputs = list(dict.fromkeys(out.parents))  # each input once, in order
        expected = grad(L, inputs)  # ∂L/∂input: every path to L goes through out
        upstream = grad(L, [out])[0].data
        out.grad = upstream
        _, problem = _run(answer, out)
        if problem is not None:
            return problem
        for x, want in zip(inputs, expected):
            problem = _not_answered(x.grad)
            if problem is not None:
                return problem
            if not _close(x.grad, want.data):
                return Verdict(False, _diagnose_step(L, out, x, x.grad, want.data, upstream))
    return Verdict(True, f"the {op} step sends ∂L/∂out · ∂out/∂input to every input, "
                         "adding to what is there.")


def _diagnose_step(L: Value, out: Value, x: Value, got: float, want: float,
                   upstream: float) -> str:
    """Which factor of ∂L/∂x = ∂L/∂out · ∂out/∂x the step got wrong."""
    local = sum(d for p, d in zip(out.parents, local_derivatives(out)) if p is x)  # both uses of x
    line = explain(L, x).headline[0]
    head = (f"node {x.label}, the input of {out.label} = {_describe(out)}: {x.label}.grad "
            f"is expected {_n(want)}, got {_n(got)}. The chain rule: {line}.")
    uses = sum(p is x for p in out.parents)
    if uses > 1 and _close(got, want / uses):
        return head + (f" {x.label} is {uses} inputs of {out.label}: each use adds its "
                       "contribution; use += so the second does not overwrite the first.")
    if _close(got, local):
        return head + (f" The factor ∂L/∂{out.label} = {_n(upstream)} is missing: multiply "
                       f"the local derivative by {out.label}.grad.")
    if _close(got, upstream):
        return head + (f" The local derivative ∂{out.label}/∂{x.label} = {_n(local)} is "
                       f"missing: {out.label}.grad alone was sent.")
    if upstream:
        return head + (f" The factor ∂{out.label}/∂{x.label} is off: the step used "
                       f"{_n(got / upstream)}, the local derivative is {_n(local)} "
                       f"(∂L/∂{out.label} = {_n(upstream)} is right).")
    return head


def _describe(node: Value) -> str:
    names = [p.label or _n(p.data) for p in node.parents]
    if len(names) == 1:
        return f"{node.op.symbol}({names[0]})"
    return f" {node.op.symbol} ".join(names)


# --- 3. ∂l/∂W_ij of the feature-discovery network, by hand ---------------------------------

_NET_W = [[0.8, -0.6], [-0.4, 1.1], [0.3, 0.2]]  # 3 inputs (the last the constant 1), 2 units
_NET_w = [1.2, -0.7]
_EXAMPLE = ([1.5, 0.5, 1.0], 2.0)  # unit 0 is on (r̃[0] = 1.3), unit 1 is off (r̃[1] = −0.15)


def check_weight_gradient(answer: Callable[[Trace, list[float], float, int, int], Any]) -> Verdict:
    """Check ``answer(t, w, y, i, j)``: the four factors of ∂l/∂W[i,j] for the squared loss
    l = (y − r)², root's side first: (∂l/∂r, ∂r/∂x̂[j], ∂x̂[j]/∂r̃[j], ∂r̃[j]/∂W[i,j]).

    It is run for every weight of a small net on one example (one hidden unit on, one off)
    and compared, factor by factor, with ``explain(t.l, W[i][j])``.
    """
    net = FeatureDiscoveryNet.from_weights(_NET_W, _NET_w, loss="squared")
    x, y = _EXAMPLE
    t = net.forward(x, y=y)
    w = [p.data for p in net.w]
    for i, row in enumerate(net.W):
        for j, W_ij in enumerate(row):
            given, problem = _run(answer, t, w, y, i, j)
            problem = _not_answered(given) if problem is None else problem
            if problem is not None:
                return problem
            if not isinstance(given, tuple | list) or len(given) != 4:
                return Verdict(False, f"return the 4 factors of ∂l/∂W[{i},{j}], l's side "
                                      f"first, got {given!r}.")
            e = explain(t.l, W_ij)
            total = gradcheck(_loss_as_a_function_of(i, j), [W_ij.data]).inputs[0].numeric
            for factor, g in zip(e.chain, given):
                if not _close(g, factor.value):
                    return Verdict(False, _diagnose_factor(e, factor, g, math.prod(given), total))
            product = math.prod(given)
            if not _close(product, total):  # the factors are explain's: never expected
                return Verdict(False, f"∂l/∂W[{i},{j}]: the factors multiply to {_n(product)}, "
                                      f"finite differences give {_n(total)}.")
    return Verdict(True, "all four factors of ∂l/∂W[i,j] are right for every weight, and "
                         "their product agrees with finite differences.")


def _loss_as_a_function_of(i: int, j: int) -> Callable[[Value], Value]:
    """l on the exercise's example as a function of W[i,j] alone, for finite differences."""

    def loss(W_ij: Value) -> Value:
        net = FeatureDiscoveryNet.from_weights(_NET_W, _NET_w, loss="squared")
        net.W[i][j] = W_ij
        return net.forward(_EXAMPLE[0], y=_EXAMPLE[1]).l

    return loss


def _diagnose_factor(e: Any, factor: Any, got: float, product: float, total: float) -> str:
    upper, lower = factor.upper.label, factor.lower.label
    message = (f"node {upper}: the factor ∂{upper}/∂{lower} of ∂l/∂{e.wrt.label} is expected "
               f"{_n(factor.value)}, got {_n(got)}; so ∂l/∂{e.wrt.label} comes out "
               f"{_n(product)} instead of {_n(total)} (finite differences).")
    if factor.upper.op is not None and factor.upper.op.name == "relu":
        state = "on" if factor.lower.data > 0 else "off"
        message += (f" {upper} = ReLU({lower}) and {lower} = {_n(factor.lower.data)}: the "
                    f"unit is {state}, so its derivative is {_n(factor.value)}.")
    return message
