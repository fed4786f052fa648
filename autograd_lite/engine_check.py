"""Grade a student's own engine: ``check_engine(StudentValue)``.

The lecture's real exercise is writing one's own ``Value``. ``check_engine`` builds a
battery of graphs with the student's class and the same graphs with autograd-lite's, runs
``backward()`` on both, and compares every value and every gradient. It names the first
fault as a teacher would: which op's local derivative is wrong and what it should be,
gradients overwritten (``=``) instead of accumulated (``+=``), a walk that handles a node
before all its uses, a missing reflected operator (``2 * v``), a number not turned into a
Value, the root's gradient not seeded. A limit that gives no wrong number (a recursive
topological sort stopped by Python's recursion limit on a deep chain) is said as a note.

The battery, in the order it is run (the first fault stops it): one graph per op the class
defines, at a few points (``a + b``, ``a * b``, ``a ** k``, ``-a``, ``a - b``, ``a / b``,
and the methods ``exp``, ``log``, ``tanh``, ``relu``, ``sigmoid``, ``sin``, ``cos``,
``sqrt``, ``abs``, ``softplus``); numbers on either side (``a + 2``, ``2 + a``, …); nodes
used twice (``a * a``, ``x + x``, ``(x + x) * x``, a node used by two children, two paths
of different lengths); a 5,000-deep chain. It relies only on micrograd's interface:
``Value(x)``, ``data``, ``grad``, ``_prev``, ``_op``, ``backward()`` and the operators and
methods the class has.

Running the student's code: this calls the class's methods in this process, with no time
bound (a walk that never ends never returns). ``autograd-lite check-engine module:Class``
runs the check in a child process that is stopped after a time limit.

>>> from autograd_lite import Value  # a correct engine, so it passes
>>> report = check_engine(Value)
>>> bool(report), report.fault, report.notes, len(report.checked)
(True, None, (), 31)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .value import Value

__all__ = ["check_engine", "EngineReport", "DEPTH"]

DEPTH = 5_000  # the length of the deep chain
RTOL, ATOL = 1e-9, 1e-12  # an engine may compute tanh as (e^2x − 1)/(e^2x + 1)


@dataclass(frozen=True)
class Case:
    """One graph: ``build(*leaves)`` returns its root; run at each of ``points``."""

    name: str  # the expression, as written with the leaves a, b (or x)
    build: Callable[..., Any]
    points: tuple[tuple[float, ...], ...]
    needs: tuple[str, ...]  # the class's attributes the graph uses
    kind: str  # "op", "number", "reuse", "deep"
    op: str = ""  # for "op" and "number": the op under test, as the student's _op shows it
    rule: str = ""  # for "op": its local derivatives, in words
    leaves: str = ""  # the leaves' names; "ab" or "a" when not given


def _op(name: str, build: Callable[..., Any], points: Any, needs: str, op: str,
        rule: str) -> Case:
    return Case(name, build, points, (needs,), "op", op, rule)


_AB = ((2.0, -3.0), (0.5, 1.5))
_A = ((0.5,), (-1.3,))
_POSITIVE = ((0.5,), (2.0,))
OP_CASES = (
    _op("a + b", lambda a, b: a + b, _AB, "__add__", "+",
        "∂(a + b)/∂a = 1 and ∂(a + b)/∂b = 1"),
    _op("a * b", lambda a, b: a * b, _AB, "__mul__", "*",
        "∂(a·b)/∂a = b and ∂(a·b)/∂b = a"),
    _op("a ** 3", lambda a: a**3, _A, "__pow__", "**", "∂(a³)/∂a = 3·a²"),
    _op("a ** -1", lambda a: a**-1, _A, "__pow__", "**", "∂(a⁻¹)/∂a = −1/a²"),
    _op("-a", lambda a: -a, _A, "__neg__", "-", "∂(−a)/∂a = −1"),
    _op("a - b", lambda a, b: a - b, _AB, "__sub__", "-",
        "∂(a − b)/∂a = 1 and ∂(a − b)/∂b = −1"),
    _op("a / b", lambda a, b: a / b, _AB, "__truediv__", "/",
        "∂(a/b)/∂a = 1/b and ∂(a/b)/∂b = −a/b²"),
    _op("a.exp()", lambda a: a.exp(), _A, "exp", "exp", "∂eᵃ/∂a = eᵃ, the output itself"),
    _op("a.log()", lambda a: a.log(), _POSITIVE, "log", "log", "∂(log a)/∂a = 1/a"),
    _op("a.tanh()", lambda a: a.tanh(), _A, "tanh", "tanh",
        "∂(tanh a)/∂a = 1 − t², t = tanh a being the output"),
    _op("a.relu()", lambda a: a.relu(), ((1.5,), (-0.5,)), "relu", "relu",
        "∂(relu a)/∂a = 1 where a > 0, else 0"),
    _op("a.sigmoid()", lambda a: a.sigmoid(), _A, "sigmoid", "sigmoid",
        "∂σ(a)/∂a = s·(1 − s), s = σ(a) being the output"),
    _op("a.sin()", lambda a: a.sin(), _A, "sin", "sin", "∂(sin a)/∂a = cos a"),
    _op("a.cos()", lambda a: a.cos(), _A, "cos", "cos", "∂(cos a)/∂a = −sin a"),
    _op("a.sqrt()", lambda a: a.sqrt(), _POSITIVE, "sqrt", "sqrt",
        "∂√a/∂a = 1/(2√a), one over twice the output"),
    _op("a.abs()", lambda a: a.abs(), _A, "abs", "abs", "∂|a|/∂a = 1 where a > 0, −1 where a < 0"),
    _op("a.softplus()", lambda a: a.softplus(), _A, "softplus", "softplus",
        "∂ log(1 + eᵃ)/∂a = σ(a) = 1/(1 + e⁻ᵃ)"),
)


def _number(name: str, build: Callable[..., Any], needs: tuple[str, ...], op: str) -> Case:
    return Case(name, build, ((0.5,), (-1.5,)), needs, "number", op)


NUMBER_CASES = (  # each needs the op (else it is skipped), then its reflected form
    _number("a + 2", lambda a: a + 2, ("__add__",), "+"),
    _number("2 + a", lambda a: 2 + a, ("__add__", "__radd__"), "+"),
    _number("a * 2", lambda a: a * 2, ("__mul__",), "*"),
    _number("2 * a", lambda a: 2 * a, ("__mul__", "__rmul__"), "*"),
    _number("a - 2", lambda a: a - 2, ("__sub__",), "-"),
    _number("2 - a", lambda a: 2 - a, ("__sub__", "__rsub__"), "-"),
    _number("a / 2", lambda a: a / 2, ("__truediv__",), "/"),
    _number("2 / a", lambda a: 2 / a, ("__truediv__", "__rtruediv__"), "/"),
)


def _two_children(a: Any, b: Any) -> Any:
    z = a * b  # z is used by both children below
    return (z + a) * (z * b)


def _two_paths(x: Any) -> Any:
    w = x * 3.0  # w reaches the root directly and through y: a short and a long path
    y = w * 2.0
    return (y * y) * w


REUSE_CASES = (
    Case("a * a", lambda a: a * a, ((1.5,), (-2.0,)), ("__mul__",), "reuse", "*"),
    Case("x + x", lambda x: x + x, ((1.5,),), ("__add__",), "reuse", "+", leaves="x"),
    Case("(x + x) * x", lambda x: (x + x) * x, ((1.5,), (-0.5,)), ("__add__", "__mul__"),
         "reuse", leaves="x"),
    Case("z = a * b; (z + a) * (z * b)", _two_children, ((2.0, -3.0),),
         ("__add__", "__mul__"), "reuse"),
    Case("w = x * 3; y = w * 2; (y * y) * w", _two_paths, ((0.5,),), ("__mul__",), "reuse",
         leaves="x"),
)


def _chain(x: Any) -> Any:
    y = x
    for _ in range(DEPTH):
        y = y * 1.0
    return y


DEEP_CASE = Case(f"a chain of {DEPTH:,} products y = y * 1.0", _chain, ((0.5,),),
                 ("__mul__",), "deep")
BATTERY = (*OP_CASES, *NUMBER_CASES, *REUSE_CASES, DEEP_CASE)


@dataclass(frozen=True)
class EngineReport:
    """What ``check_engine`` found: truthy when no graph gave a wrong number.

    ``fault``: the first fault, said as a teacher would (``None`` if there is none);
    ``notes``: limits that gave no wrong number (a recursion limit), and what was not
    checked; ``checked``: the graphs that agreed.
    """

    engine: str
    fault: str | None
    notes: tuple[str, ...]
    checked: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.fault is None

    def __str__(self) -> str:
        if self.fault is None:
            lines = [f"right: {self.engine} agrees with autograd-lite on every value and "
                     f"gradient of {len(self.checked)} graphs: {', '.join(self.checked)}."]
        else:
            lines = [f"wrong: {self.engine}: {self.fault}"]
        return "\n".join(lines + [f"note: {note}" for note in self.notes])


class _Fault(Exception):
    """The first fault found; its message is the report's."""


def check_engine(cls: type) -> EngineReport:
    """Check a micrograd-style ``Value`` class against autograd-lite on a battery of graphs.

    ``cls(x)`` must make a leaf holding the float ``x``; each node needs ``data``,
    ``grad``, ``_prev``, ``_op`` and ``backward()``. See the module's doc for the battery.
    Runs the class's code in this process, with no time bound.
    """
    if not isinstance(cls, type):
        raise TypeError(f"check_engine: give it the class (such as Value), got "
                        f"{type(cls).__name__}: {cls!r}")
    name = f"{cls.__module__}.{cls.__name__}"
    checked: list[str] = []
    notes = [f"not checked: {', '.join(sorted(extra))} (the battery has no graph for it)"
             for extra in [_unknown_methods(cls)] if extra]
    try:
        _check_leaf(cls)
        for case in BATTERY:
            missing = [n for n in case.needs if not hasattr(cls, n)]
            if missing and case.kind in ("op", "number") and missing[0] == case.needs[0]:
                continue  # an op the class does not define
            if missing:
                raise _Fault(_missing(case, missing[0]))
            note = _run_case(cls, case)
            if note:
                notes.append(note)
            else:
                checked.append(case.name)
    except _Fault as fault:
        return EngineReport(name, str(fault), tuple(notes), tuple(checked))
    return EngineReport(name, None, tuple(notes), tuple(checked))


# every op of the battery, and the methods an engine has beside its ops (as this one has)
_KNOWN = {case.needs[0] for case in OP_CASES} | {n for n in dir(Value) if not n.startswith("_")}


def _unknown_methods(cls: type) -> set[str]:
    """Public methods of the class that the battery has no graph for."""
    return {n for n, v in vars(cls).items()
            if callable(v) and not n.startswith("_") and n not in _KNOWN}


def _check_leaf(cls: type) -> None:
    try:
        leaf = cls(2.0)
        data, grad, prev, op = leaf.data, leaf.grad, leaf._prev, leaf._op
    except Exception as e:
        raise _Fault(f"a leaf, {cls.__name__}(2.0), could not be made and read (data, grad, "
                     f"_prev, _op): {type(e).__name__}: {e}") from None
    if data != 2.0 or grad != 0.0 or len(prev) != 0 or op not in ("", None):
        raise _Fault(f"{cls.__name__}(2.0) should hold data 2.0, grad 0, no _prev and no "
                     f"_op; it holds data {data!r}, grad {grad!r}, _prev {prev!r}, _op {op!r}.")


def _missing(case: Case, attribute: str) -> str:
    if case.kind == "number" and attribute.startswith("__r"):
        forward = "__" + attribute[3:]
        return (f"{case.name} raises TypeError: the class has {forward} but no {attribute} "
                f"(Python calls {attribute} when the number is on the left). Define it: "
                f"def {attribute}(self, other): return {_reflected(case.op)}.")
    return f"{case.name} needs {attribute}, which the class does not define."


def _reflected(op: str) -> str:
    """How a reflected operator is written from the forward one (other is a number)."""
    return {"+": "self + other", "*": "self * other", "-": "(-self) + other",
            "/": "self ** -1 * other"}[op]


def _run_case(cls: type, case: Case) -> str:
    """Run one graph at each of its points on both engines; raise the fault, or return a
    note (a limit that gave no wrong number), or ""."""
    for point in case.points:
        names = case.leaves or ("ab" if len(point) == 2 else "a")
        ours = [Value(v) for v in point]
        root = case.build(*ours)
        root.backward()
        leaves = [cls(v) for v in point]
        at = ", ".join(f"{n} = {_n(v)}" for n, v in zip(names, point))
        try:
            theirs = case.build(*leaves)
        except Exception as e:
            raise _Fault(_forward_failed(case, at, e)) from None
        _compare_value(case, at, theirs, root)
        try:
            theirs.backward()
        except RecursionError:
            return (f"backward() on {case.name} stopped at Python's recursion limit "
                    f"({sys.getrecursionlimit():,} frames): the topological sort recurses once per "
                    "node. The numbers are right where it finishes; build the order with a "
                    "loop and a stack of your own to walk deep graphs.")
        except Exception as e:
            raise _Fault(f"backward() on {case.name} at {at} raised {type(e).__name__}: "
                         f"{e}") from None
        _compare_grads(case, at, names, leaves, theirs, ours, root)
    return ""


def _forward_failed(case: Case, at: str, e: Exception) -> str:
    message = f"{case.name} at {at} raised {type(e).__name__}: {e}"
    if case.kind == "number" and isinstance(e, AttributeError | TypeError):
        return (message + ". The number 2 is not turned into a Value: start the op with "
                "other = other if isinstance(other, Value) else Value(other).")
    return message + "."


def _compare_value(case: Case, at: str, theirs: Any, root: Value) -> None:
    data = getattr(theirs, "data", None)
    if not isinstance(data, int | float) or not _close(data, root.data):
        raise _Fault(f"{case.name} at {at} gives data {data!r}; it should be "
                     f"{_n(root.data)}: the forward value of {case.op or case.name} is wrong.")
    if case.kind == "op" and not theirs._prev:
        raise _Fault(f"{case.name} at {at} records no inputs: its _prev is empty, so "
                     "backward() cannot reach a or b. Pass the inputs as _children when the "
                     "op makes its node.")


def _compare_grads(case: Case, at: str, names: str, leaves: list[Any], theirs: Any,
                   ours: list[Value], root: Value) -> None:
    if not _close(theirs.grad, 1.0):
        raise _Fault(f"after backward() on {case.name} at {at}, the root's grad is "
                     f"{theirs.grad!r}; it should be 1 (∂root/∂root). backward() must seed "
                     "it: self.grad = 1.0 before the walk. Without it every gradient is 0.")
    wrong = [(n, leaf.grad, mine.grad) for n, leaf, mine in zip(names, leaves, ours)
             if not _close(leaf.grad, mine.grad)]
    if not wrong:
        return
    leaf, got, want = wrong[0]
    told = f"{case.name} at {at}: backward() gives {leaf}.grad = {_n(got)}; it should be {_n(want)}"
    one_node = {id(p) for p in theirs._prev} == {id(v) for v in leaves}
    if case.kind == "op" and one_node:  # one node: the order of the walk cannot matter
        raise _Fault(told + f". The local derivative of {case.op} is wrong: {case.rule}.")
    if all(_close(g, 0.0) and not _close(w, 0.0) for _, g, w in wrong):
        raise _Fault(told + ". A gradient of 0 where it should not be: a node passed its "
                     "gradient on before it had received any, so backward() walks the nodes "
                     "in the wrong order. Walk the topological order backwards, root first "
                     "(for node in reversed(topo)), so each node is handled after every "
                     "node that uses it.")
    if case.kind == "op":
        raise _Fault(told + f". The local derivative of {case.op} is wrong: {case.rule}.")
    if case.kind == "number":
        raise _Fault(told + f". With a number on the {_side(case)} side, {case.op} sends a "
                     "wrong gradient; with Values on both sides it is right.")
    if case.kind == "reuse":
        raise _Fault(told + ". " + _reuse_fault(case, got, want))
    raise _Fault(told + ".")


def _side(case: Case) -> str:
    return "left" if case.name[0].isdigit() else "right"


def _reuse_fault(case: Case, got: float, want: float) -> str:
    """A graph with a node used twice went wrong, though every op alone is right."""
    if abs(got) > abs(want):
        return ("Too much: a node's gradient was sent on twice. The topological sort "
                "must list each node once (keep a visited set), and each node is "
                "handled once.")
    if case.name in ("a * a", "x + x"):  # one op, one node used twice: nothing else to miss
        return (f"Only one use counted: {case.op or 'the op'}'s backward sets the input's "
                "grad (=) where it must add to it (+=), so the second use overwrites the "
                "first.")
    return ("A node was handled before all its uses had sent it their gradient: the "
            "order of the walk is not topological. Sort the nodes so each comes after every "
            "node it feeds (a depth-first sort, appending a node after its inputs), and walk "
            "that list backwards.")


def _close(a: Any, b: float) -> bool:
    return isinstance(a, int | float) and math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


def _n(x: float) -> str:
    return f"{x:.6g}".replace("-", "−")
