"""Exercises that check themselves: each checker runs an answer against the engine and says
exactly what is wrong, naming the node, the expected and the given number, and the factor
of the chain rule that is off.

Four kinds of task, as in notebook 6:

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
4. ``check_op(name, make)``: add an op of your own, ``make(a)``, the lecture's way (a node
   made by hand with an ``_backward`` closure) or with ``autograd_lite.define_op``; the
   gradient ``backward()`` gets through it is compared with finite differences of its
   values. ``check_defined_op(name, value, derivatives)`` defines it with ``define_op``
   first (and takes it out of the table after).

A checker returns a ``Verdict``: true when the answer is right; its text says what was
checked or what is wrong. An answer still holding the placeholder ``...`` is "not answered".
A wrong one is matched against the usual mistakes, where the task allows them: a ``Value``
where a number goes (``b`` for ``b.data``), a local derivative taken at the input where
the output belongs (tanh' as 1 − a²), two factors swapped, the upstream gradient left out,
the sign lost, and ``=`` where ``+=`` belongs; the message names the one it finds.

>>> print(check_local_derivative("mul", lambda a, b, y: (b, a)))
right: mul's local derivatives agree with finite differences at 3 points.
>>> print(check_local_derivative("mul", lambda a, b, y: (a, b)))  # doctest: +NORMALIZE_WHITESPACE
wrong: the mul node at a = 2, b = −3 (y = −6): ∂y/∂a is expected −3 (finite differences),
got 2, which is ∂y/∂b: the two derivatives are swapped.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from autograd_lite import OPS, Value, define_op, explain, grad, gradcheck
from autograd_lite.define import forget_op
from autograd_lite.drawing import format_number

from .feature_discovery import FeatureDiscoveryNet, ForwardPass

__all__ = [
    "Verdict", "check_local_derivative", "check_backward_step", "check_weight_gradient",
    "check_op", "check_defined_op", "LOCAL_DERIVATIVE_OPS", "BACKWARD_STEP_OPS",
    "lecture_expression",
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


def _run(answer: Callable[..., Any], *args: Any, hint: str = "") -> tuple[Any, Verdict | None]:
    """Call the student's code: its result, or what went wrong as a verdict (no traceback).
    ``hint``: where the numbers are, said when the code tripped over a ``Value``."""
    try:
        return answer(*args), None
    except Exception as e:
        if "ellipsis" in str(e):  # arithmetic on a placeholder
            return None, _NOT_ANSWERED
        message = f"your code raised {type(e).__name__}: {e}"
        if "'Value'" in str(e) and hint:
            message += f". A Value has no order and is not a number: use {hint}."
        return None, Verdict(False, message)


def _not_answered(answer: Any) -> Verdict | None:
    """A placeholder (``...`` or ``None`` anywhere in the answer) is not an answer yet;
    neither is anything but numbers and Values (a Value is diagnosed where it was put)."""
    parts = answer if isinstance(answer, tuple | list) else (answer,)
    if any(p is ... or p is None for p in parts):
        return _NOT_ANSWERED
    if not all(_is_number(p) or isinstance(p, Value) for p in parts):
        kinds = ", ".join(type(p).__name__ for p in parts)
        return Verdict(False, f"the answer must be numbers (floats), got {kinds}.")
    return None


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _a_value(where: str, want: float, v: Value, hint: str) -> str:
    """What to say when a Value stands where a number goes."""
    return (f"{where} is expected {_n(want)}, got {_given(v)}: a Value was used where its "
            f"number belongs; use {hint}.")


def _given(x: float | Value) -> str:
    return f"a Value (data {_n(x.data)})" if isinstance(x, Value) else _n(x)


def _mistake(got: float, want: float, candidates: list[tuple[float, str]]) -> str:
    """The first usual mistake whose number is ``got`` (each candidate: the number that
    mistake gives, and what to say); "" when none fits. A candidate that happens to equal
    the right number is no mistake."""
    for value, why in candidates:
        if not _close(value, want) and _close(got, value):
            return why
    return ""


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
        expected = [c.numeric for c in gradcheck(apply, point).inputs]
        at = ", ".join(f"{name} = {_n(x)}" for name, x in zip(names, point))
        node = f"the {op} node at {at} (y = {_n(y)})"
        for k, (name, g, want) in enumerate(zip(names, given, expected)):
            if isinstance(g, Value):
                where = f"{node}: ∂y/∂{name}"
                return Verdict(False, _a_value(where, want, g, "plain floats"))
            if not _close(g, want):
                why = _mistake(g, want, _local_mistakes(op, point, y, expected, k))
                return Verdict(False, f"{node}: ∂y/∂{name} is expected {_n(want)} (finite "
                                      f"differences), got {_n(g)}{why or '.'}")
    return Verdict(True, f"{op}'s local derivatives agree with finite differences at "
                         f"{len(points)} points.")


def _local_mistakes(op: str, point: tuple[float, ...], y: float, expected: list[float],
                    k: int) -> list[tuple[float, str]]:
    """The usual wrong answers for ∂y/∂(input k) of ``op`` at ``point``, and what to say."""
    candidates = [(-expected[k], ": the sign is lost.")]
    if len(point) == 2:
        other = "ab"[1 - k]
        candidates.append((expected[1 - k], f", which is ∂y/∂{other}: the two derivatives "
                                            "are swapped."))
    else:
        (a,) = point
        rule = OPS[op].derivatives
        candidates += [
            (rule(a, a)[0], f", which is the rule taken at the input a = {_n(a)}: {op}'s "
                            f"derivative is written in its output, y = {_n(y)}."),
            (rule(y, y)[0], f", which is the rule taken at the output y = {_n(y)}: {op}'s "
                            f"derivative is written in its input, a = {_n(a)}."),
        ]
    return candidates


# --- 2. one node's backward step ----------------------------------------------------------


def lecture_expression() -> tuple[Value, Value]:
    """micrograd's lecture's first graph, L = (a·b + c)·f with a = 2, b = −3, c = 10,
    f = −2, each node labelled as there; returns (L, the node e = a·b)."""
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


def _tanh_and_skip() -> tuple[Value, Value]:
    """L = tanh(n) + n: n reaches L by two paths, so n.grad holds 1 when o's step runs."""
    n = Value(0.5, label="n")
    o = n.tanh()
    o.label = "o"
    L = o + n
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


def _sum_and_reuse() -> tuple[Value, Value]:
    """L = (a + b)·a: a reaches L by two paths, so a.grad holds s = 1 when s's step runs."""
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    s = a + b
    s.label = "s"
    L = s * a
    L.label = "L"
    return L, s


_SCENES: dict[str, list[Callable[[], tuple[Value, Value]]]] = {
    "mul": [lecture_expression, _square],
    "tanh": [_lecture_neuron, _tanh_and_skip],
    "add": [_sum_node, _sum_and_reuse],
}
BACKWARD_STEP_OPS = tuple(_SCENES)


def check_backward_step(op: str, answer: Callable[[Value], None]) -> Verdict:
    """Check ``answer(out)``, the backward step of a node ``out`` made by the op ``op``.

    The step must *add* ``∂out/∂input · out.grad`` to each input's ``grad`` (``+=``: an
    input used twice, as in ``a * a``, gets both contributions). It is run on a node of a
    small graph at the moment the walk reaches it: ``out.grad`` holds ∂L/∂out and each
    input's grad holds what reached it by the other paths (in some graphs, something).
    """
    if op not in _SCENES:
        raise ValueError(f"no exercise for the op {op!r}; choose one of {BACKWARD_STEP_OPS}")
    for scene in _SCENES[op]:
        L, out = scene()
        inputs = list(dict.fromkeys(out.parents))  # each input once, in order
        expected = [v.data for v in grad(L, inputs)]  # ∂L/∂input, by every path
        upstream = grad(L, [out])[0].data
        through_out = [upstream * _local(out, x) for x in inputs]
        for x, want, via in zip(inputs, expected, through_out):
            x.grad = want - via  # what reached x by the other paths
        out.grad = upstream
        _, problem = _run(answer, out, hint=_number_hint(out))
        if problem is not None:
            return problem
        for x, want, via in zip(inputs, expected, through_out):
            problem = _not_answered(x.grad)
            if problem is not None:
                return problem
            if isinstance(x.grad, Value) or not _close(x.grad, want):
                return Verdict(False, _diagnose_step(L, out, x, want, want - via, upstream))
    return Verdict(True, f"the {op} step sends ∂L/∂out · ∂out/∂input to every input, "
                         "adding to what is there.")


def _local(out: Value, x: Value) -> float:
    """∂out/∂x, both uses of x counted (a * a)."""
    return sum(d for p, d in zip(out.parents, out.local_derivatives()) if p is x)


def _number_hint(out: Value, used: Collection[Value] = ()) -> str:
    """Where the step's numbers are: for each node in ``used`` (else every node the step
    sees), its ``.data``; for ``out``, its ``.grad`` too."""
    nodes = list(used) or [*dict.fromkeys(out.parents), out]
    return ", ".join(f"`{v.label}.data`" + (f" (or `{v.label}.grad`)" if v is out else "")
                     for v in nodes)


def _used(v: Value, nodes: Collection[Value]) -> list[Value]:
    """The nodes of ``nodes`` that ``v`` was computed from directly: the Values a student's
    code used where their ``.data`` belonged (the walk stops at each one it finds)."""
    found: list[Value] = []
    seen: set[int] = set()
    stack = [v]
    while stack:
        u = stack.pop()
        if id(u) in seen:
            continue
        seen.add(id(u))
        if any(u is n for n in nodes):
            found.append(u)
        else:
            stack.extend(reversed(u.parents))
    return found


def _diagnose_step(L: Value, out: Value, x: Value, want: float, before: float,
                   upstream: float) -> str:
    """What the step did to ``x.grad``, set to ``before`` when the walk reached ``out``:
    which factor of ∂L/∂x = ∂L/∂out · ∂out/∂x it got wrong, or how it added."""
    got = x.grad
    xl, ol = x.label, out.label
    head = (f"node {xl}, the input of {ol} = {_describe(out)}: {xl}.grad is expected "
            f"{_n(want)}, got {_given(got)}. The chain rule: {explain(L, x).headline[0]}.")
    if isinstance(got, Value):
        hint = _number_hint(out, _used(got, [*out.parents, out]))
        return head + f" A Value was used where its number belongs: use {hint}."
    local = _local(out, x)
    uses = sum(p is x for p in out.parents)
    others = [p for p in dict.fromkeys(out.parents) if p is not x]
    added = got - before  # what the step added to x.grad
    candidates = [
        (want - before, f" {xl}.grad held {_n(before)} from the other paths when the walk "
                        f"reached {ol}, and the step replaced it: use += to add to it."),
        (want / uses, f" {xl} is {uses} inputs of {ol}: each use adds its contribution; use "
                      "+= so the second does not overwrite the first."),
    ]
    steps = [
        (-(want - before), f" The sign is lost: the step added {_n(added)}, "
                           f"∂L/∂{ol} · ∂{ol}/∂{xl} is ({_n(upstream)})·({_n(local)}) = "
                           f"{_n(upstream * local)}."),
        (local, f" The factor ∂L/∂{ol} = {_n(upstream)} is missing: multiply the local "
                f"derivative by {ol}.grad."),
        (upstream, f" The local derivative ∂{ol}/∂{xl} = {_n(local)} is missing: "
                   f"{ol}.grad alone was sent."),
    ]
    for other in others:
        steps.append((upstream * _local(out, other),
                      f" The step used ∂{ol}/∂{other.label} = {_n(_local(out, other))}, the "
                      f"other input's factor: the inputs are swapped; ∂{ol}/∂{xl} is "
                      f"{_n(local)}."))
    if len(out.parents) == 1:  # a rule in the output taken at the input, or the reverse
        rule = out.op.derivatives
        for at, where, belongs in ((x.data, f"the input {xl}", f"the output {ol}"),
                                   (out.data, f"the output {ol}", f"the input {xl}")):
            steps.append((upstream * rule(at, at)[0],
                          f" The factor ∂{ol}/∂{xl} is off: the step took the rule at "
                          f"{where} = {_n(at)}, giving {_n(rule(at, at)[0])}; it is written "
                          f"in {belongs}: {_n(local)}."))
    candidates += [(before + value, why) for value, why in steps]
    why = _mistake(got, want, candidates)
    if not why and upstream:
        why = (f" The factor ∂{ol}/∂{xl} is off: the step used {_n(added / upstream)}, the "
               f"local derivative is {_n(local)} (∂L/∂{ol} = {_n(upstream)} is right).")
    return head + why


def _describe(node: Value) -> str:
    names = [p.label or _n(p.data) for p in node.parents]
    if len(names) == 1:
        return f"{node.op.symbol}({names[0]})"
    return f" {node.op.symbol} ".join(names)


# --- 4. an op of your own -----------------------------------------------------------------


def check_op(name: str, make: Callable[[Value], Value],
             points: tuple[float, ...] = (-1.3, 0.4, 2.1)) -> Verdict:
    """Check ``make(a)``, a unary op added by the student: the lecture's way (a node made
    by hand, ``Value(t, (a,), name)``, with an ``_backward`` closure) or with
    ``autograd_lite.define_op``. At each of ``points`` the gradient ``backward()`` gets
    through the op is compared with central finite differences of the op's own values.
    """
    for x in points:
        a = Value(x, label="a")
        y, problem = _run(make, a)
        if problem is not None:
            return problem
        node = f"the {name} node at a = {_n(x)}"
        if not isinstance(y, Value):
            return Verdict(False, f"{node}: {name}(a) must return a Value, got "
                                  f"{type(y).__name__}.")
        if not any(p is a for p in y.parents):
            return Verdict(False, f"{node}: {name}(a) returned a node that does not record a "
                                  "as its input, so no gradient can reach a: make it with "
                                  f"Value(t, (self,), {name!r}).")
        result, problem = _run(gradcheck, make, [x])
        if problem is not None:
            return problem
        (check,) = result.inputs
        got, want = check.analytic, check.numeric
        if not _close(got, want):
            why = _mistake(got, want, [
                (-want, ": the sign is lost."),
                (1.0, ": that is out.grad alone; the local derivative is missing."),
                (0.0, ": nothing reached a; the _backward adds nothing to self.grad."),
                (y.data, f": that is y, the {name} itself, where its derivative belongs."),
            ])
            return Verdict(False, f"{node} (y = {_n(y.data)}): ∂y/∂a is expected {_n(want)} "
                                  f"(finite differences of your {name}), backward() gives "
                                  f"{_n(got)}{why or '.'}")
    return Verdict(True, f"{name}'s gradient agrees with finite differences at "
                         f"{len(points)} points.")


def check_defined_op(name: str, value: Callable[[float], float],
                     derivatives: Callable[[float, float], tuple[float]]) -> Verdict:
    """Check an op added the table's way: ``define_op(name, value, derivatives)`` (which
    checks the derivatives itself, and says where they are wrong), then ``check_op`` on the
    function it returns. The op is taken out of the table again after."""
    made, problem = _run(define_op, name, value, derivatives)
    if problem is not None:
        return problem
    try:
        return check_op(name, made)
    finally:
        forget_op(name)


# --- 3. ∂l/∂W_ij of the feature-discovery network, by hand ---------------------------------

_NET_W = [[0.8, -0.6], [-0.4, 1.1], [0.3, 0.2]]  # 3 inputs (the last the constant 1), 2 units
_NET_w = [1.2, -0.7]
_EXAMPLE = ([1.5, 0.5, 1.0], 2.0)  # unit 0 is on (r̃[0] = 1.3), unit 1 is off (r̃[1] = −0.15)


def check_weight_gradient(
    answer: Callable[[ForwardPass, list[float], float, int, int], Any],
) -> Verdict:
    """Check ``answer(t, w, y, i, j)``: the four factors of ∂l/∂W[i,j] for the squared loss
    l = (y − r)², root's side first: (∂l/∂r, ∂r/∂x̂[j], ∂x̂[j]/∂r̃[j], ∂r̃[j]/∂W[i,j]).

    It is run for every weight of a small net on one example (one hidden unit on, one off)
    and compared, factor by factor, with ``explain(t.l, W[i][j])``.
    """
    net = FeatureDiscoveryNet.from_weights(_NET_W, _NET_w, loss="squared")
    x, y = _EXAMPLE
    t = net.forward(x, y=y)
    w = [p.data for p in net.w]
    names = _code_names(t)
    hint = "`t.r.data`, `t.r_tilde[j].data`, `t.x[i].data` (numbers; t.r is a Value)"
    for i, row in enumerate(net.W):
        for j, W_ij in enumerate(row):
            given, problem = _run(answer, t, w, y, i, j, hint=hint)
            problem = _not_answered(given) if problem is None else problem
            if problem is not None:
                return problem
            if not isinstance(given, tuple | list) or len(given) != 4:
                return Verdict(False, f"return the 4 factors of ∂l/∂W[{i},{j}], l's side "
                                      f"first, got {given!r}.")
            e = explain(t.l, W_ij)
            wrt = e.wrt.label
            for factor, g in zip(e.chain, given):
                if isinstance(g, Value):
                    used = _used(g, list(names)) or [g]
                    where = (f"node {factor.upper.label}: the factor ∂{factor.upper.label}/"
                             f"∂{factor.lower.label} of ∂l/∂{wrt}")
                    use = ", ".join(f"`{names.get(v, 'it')}.data`" for v in used)
                    return Verdict(False, _a_value(where, factor.value, g, use))
            total = gradcheck(_loss_as_a_function_of(i, j), [W_ij.data]).inputs[0].numeric
            product = math.prod(given)
            for k, (factor, g) in enumerate(zip(e.chain, given)):
                if not _close(g, factor.value):
                    return Verdict(False, _diagnose_factor(e, k, given, product, total))
            if not _close(product, total):  # the factors are explain's: never expected
                return Verdict(False, f"∂l/∂W[{i},{j}]: the factors multiply to {_n(product)}, "
                                      f"finite differences give {_n(total)}.")
    return Verdict(True, "all four factors of ∂l/∂W[i,j] are right for every weight, and "
                         "their product agrees with finite differences.")


def _code_names(t: ForwardPass) -> dict[Value, str]:
    """How the student's code reaches each node of the trace (``t.r_tilde[0]``)."""
    names = {t.r: "t.r", t.l: "t.l"}
    for field in ("x", "r_tilde", "x_hat"):
        names.update({v: f"t.{field}[{k}]" for k, v in enumerate(getattr(t, field))})
    return names


def _loss_as_a_function_of(i: int, j: int) -> Callable[[Value], Value]:
    """l on the exercise's example as a function of W[i,j] alone, for finite differences."""

    def loss(W_ij: Value) -> Value:
        net = FeatureDiscoveryNet.from_weights(_NET_W, _NET_w, loss="squared")
        net.W[i][j] = W_ij
        return net.forward(_EXAMPLE[0], y=_EXAMPLE[1]).l

    return loss


def _diagnose_factor(e: Any, k: int, given: list[float], product: float,
                     total: float) -> str:
    """Which factor of ∂l/∂W[i,j] is wrong (the k-th, the first that is), and how."""
    factor, got = e.chain[k], given[k]
    upper, lower, wrt = factor.upper.label, factor.lower.label, e.wrt.label
    name = f"∂{upper}/∂{lower}"
    message = (f"node {upper}: the factor {name} of ∂l/∂{wrt} is expected "
               f"{_n(factor.value)}, got {_n(got)}")
    outcome = (f"so ∂l/∂{wrt} comes out {_n(product)} instead of {_n(total)} (finite "
               "differences).")
    is_relu = factor.upper.op is not None and factor.upper.op.name == "relu"
    candidates = [(-factor.value, "the sign is lost")]
    if not is_relu:  # a ReLU's 1 is said below: the unit's state
        candidates.append((1.0, f"the factor {name} is left out (taken as 1)"))
    candidates += [(f.value, f"that is ∂{f.upper.label}/∂{f.lower.label}, the factor in "
                             f"place {m + 1}: two factors are swapped")
                   for m, f in enumerate(e.chain) if m != k]
    why = _mistake(got, factor.value, candidates)
    if why.endswith("swapped") and _close(product, total):
        outcome = (f"their product, {_n(product)}, is right, but each factor has its place, "
                   "l's side first.")
    message += (f": {why}; " if why else "; ") + outcome
    if is_relu:
        state = "on" if factor.lower.data > 0 else "off"
        message += (f" {upper} = ReLU({lower}) and {lower} = {_n(factor.lower.data)}: the "
                    f"unit is {state}, so its derivative is {_n(factor.value)}.")
    return message
