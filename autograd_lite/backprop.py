"""Reverse-mode differentiation: walk the graph from the root back to the leaves.

For a root ``L`` and any node ``v``, the chain rule says

    ∂L/∂v = Σ over the children c of v:  ∂L/∂c · ∂c/∂v

where ``∂c/∂v`` is the *local derivative* of the op that made ``c`` (its row in the op
table). If every child is handled before its parents, each ``∂L/∂c`` is complete when it is
used: that is what a topological order gives. The walk knows nothing about any op.

Threads: the walks (``topological_order``, ``backward``, ``grad``, ``zero_grad``, each step
of ``backward_steps``, ``draw``) run one at a time. A walk started while another thread is
walking waits for it, so walks from several threads, on one graph or on graphs that share
leaves, leave exactly what they would have left run one after another, in some order.
What the engine does not walk is yours to order: an optimizer step, or ``v.grad = 0.0``,
run while another thread walks the same nodes.
"""

from __future__ import annotations

import functools
import math
import numbers
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from .checks import check_value
from .value import Value, derivative_failure, describe_failure

__all__ = ["topological_order", "backward", "grad", "zero_grad"]

F = TypeVar("F", bound=Callable)
_walking = threading.RLock()  # held by every walk: one thread walks at a time
_paused: dict[int, tuple[Value, set[Value]]] = {}  # backward_steps walks not finished


def one_walk_at_a_time(f: F) -> F:
    """``f`` holding the engine's lock: no other thread walks a graph while it runs."""

    @functools.wraps(f)
    def walk(*args, **kwargs):
        with _walking:
            return f(*args, **kwargs)

    return walk  # type: ignore[return-value]


def order_to_write(where: str, name: str, root: Value) -> list[Value]:
    """``topological_order(root)``, for a walk that writes grads: checks first that ``root``
    is a ``Value`` and that no paused ``backward_steps`` walk holds a node of the graph
    (RuntimeError naming that walk's root: its grads are that walk's sums so far, which
    another walk would mix into its own)."""
    check_value(where, name, root)
    order = topological_order(root)
    for walk_root, nodes in _paused.values():
        if not nodes.isdisjoint(order):
            raise RuntimeError(
                f"{where}: the graph is in use by an unfinished backward_steps walk from "
                f"{walk_root!r}; run it to the end or close() it first"
            )
    return order


@one_walk_at_a_time
def topological_order(root: Value) -> list[Value]:
    """Every node the root depends on, each after all of its parents, the root last.

    Iterative (no recursion limit) and deterministic: the same graph gives the same order.
    Each walk stamps the nodes it reaches (a private slot) instead of keeping a set.
    """
    check_value("topological_order", "root", root)
    entered, placed = object(), object()  # this walk's stamps
    order: list[Value] = []
    stack = [root]
    push, pop, place = stack.append, stack.pop, order.append
    while stack:
        node = pop()
        stamp = node._walk
        if stamp is placed:  # reached before, through another child
            continue
        if stamp is not entered:  # first time here: its inputs first, the left one first
            left, right = node._left, node._right
            if left is not None and left._walk is not placed:
                if left._left is not None:  # an op's node: walk it, then come back
                    node._walk = entered
                    push(node)
                    if right is not None and right._walk is not placed:
                        push(right)
                    push(left)
                    continue
                left._walk = placed  # a leaf: placed at once (it has no inputs)
                place(left)
            if right is not None and right._walk is not placed:
                if right._left is not None:
                    node._walk = entered
                    push(node)
                    push(right)
                    continue
                right._walk = placed
                place(right)
        node._walk = placed  # all of its inputs are placed
        place(node)
    return order


@one_walk_at_a_time
def backward(root: Value) -> None:
    """Add ∂root/∂v to ``v.grad`` for every node ``v`` of the graph (see ``Value.backward``)."""
    order = order_to_write("backward", "root", root)
    with fresh_grads(order, keep=True):
        _chain_rule(order, 1.0, create_graph=False)


@one_walk_at_a_time
def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Value]:
    """The gradients ∂output/∂x for each ``x`` in ``inputs``; every ``.grad`` is left as it was.

    With ``create_graph=True`` the gradients are ``Value`` nodes recorded as a graph of
    their own, so they can be differentiated again (second derivatives, Hessian-vector
    products). Otherwise they are new leaves. An input ``output`` does not depend on gets 0.

    >>> x = Value(3.0)
    >>> (dy,) = grad(x ** 3, [x], create_graph=True)
    >>> (d2y,) = grad(dy, [x])
    >>> dy.data, d2y.data
    (27.0, 18.0)
    """
    check_value("grad", "output", output)
    if isinstance(inputs, Value) or not isinstance(inputs, Sequence):
        raise TypeError(f"grad: inputs must be a sequence of Values, got {type(inputs).__name__}")
    if not isinstance(create_graph, bool):
        raise TypeError(f"grad: create_graph must be a bool, got {type(create_graph).__name__}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        check_value("grad", f"inputs[{i}]", x)
    order = topological_order(output)  # allowed on a paused walk's graph: puts every grad back
    with fresh_grads(order + inputs, keep=False):  # an input outside the graph reads 0
        _chain_rule(order, Value(1.0) if create_graph else 1.0, create_graph)
        return [x.grad if isinstance(x.grad, Value) else Value(x.grad) for x in inputs]


@one_walk_at_a_time
def zero_grad(root: Value) -> None:
    """Set ``grad`` to 0.0 on every node of the graph of ``root``."""
    order = order_to_write("zero_grad", "root", root)
    for node in order:
        node.grad = 0.0


@contextmanager
def fresh_grads(nodes: list[Value], keep: bool) -> Iterator[None]:
    """Run a walk on the nodes with their grads set to zero, so it computes this walk alone.

    Afterwards, what the nodes held before is added back (``keep=True``: gradients
    accumulate, as in PyTorch) or put back in place of the walk's results (``keep=False``).
    If the walk fails, or is stopped, every grad is put back as it was.
    """
    holders, held = set_aside(nodes)
    try:
        yield
    except BaseException:
        put_back(nodes, holders, held)
        raise
    if keep:
        add_back(nodes, holders, held)
    else:
        put_back(nodes, holders, held)


def set_aside(nodes: list[Value]) -> tuple[list[Value], list[float]]:
    """Set every grad of ``nodes`` to 0.0; return the nodes that held another number, and it.

    TypeError naming the node if a grad is not a real number (a walk adds to it).
    """
    holders = [node for node in nodes if node.grad != 0.0]  # two lists, not a tuple per
    held = [node.grad for node in holders]  # node: no work for the cyclic garbage collector
    for node, g in zip(holders, held):
        if type(g) is not float and (isinstance(g, bool) or not isinstance(g, numbers.Real)):
            raise TypeError(
                f"{node!r}: its grad is a {type(g).__name__}, not a number; set .grad to "
                "a float (0.0 to start afresh) before backward()"
            )
    for node in holders:
        node.grad = 0.0
    return holders, held


def add_back(nodes: list[Value], holders: list[Value], held: list[float]) -> None:
    """Add what the holders held to this walk's grads; if a sum is not finite, change nothing.

    OverflowError naming the node otherwise (every grad is then put back as it was).
    """
    sums = [node.grad + g for node, g in zip(holders, held)]
    for node, g, total in zip(holders, held, sums):
        if not math.isfinite(total):
            walked = node.grad
            put_back(nodes, holders, held)
            raise OverflowError(
                f"backward: {node!r} already held grad {g!r}; adding this walk's {walked!r} "
                f"gives {total}, not a finite float (call zero_grad() between steps)"
            )
    for node, total in zip(holders, sums):
        node.grad = total


def put_back(nodes: list[Value], holders: list[Value], held: list[float]) -> None:
    """Every grad of ``nodes`` as before ``set_aside``."""
    for node in nodes:
        node.grad = 0.0
    for node, g in zip(holders, held):
        node.grad = g


def _chain_rule(order: list[Value], seed: float | Value, create_graph: bool) -> None:
    """Send each node's grad to its parents, root first: parent.grad += local · grad."""
    if create_graph:
        _record_chain_rule(order, seed)
        return
    order[-1].grad = seed
    # Every op takes one or two inputs, and its node holds their local derivatives as
    # floats, computed with it: one multiply-add per input, no call. A leaf's grad times
    # 0.0 is 0.0 unless it is ±inf or nan, so `unfinished` stays 0.0 while all are finite.
    unfinished = 0.0
    node = order[-1]
    try:
        for node in reversed(order):
            a = node._left
            if a is None:  # a leaf
                unfinished += node.grad * 0.0
                continue
            g = node.grad
            a.grad += node._d_left * g
            b = node._right
            if b is not None:
                b.grad += node._d_right * g
    except TypeError:  # None * g: a local derivative not defined where the node was made
        if node._d_left is None:
            raise derivative_failure(node) from None
        raise
    if unfinished != 0.0:
        report_overflow(order)


def _record_chain_rule(order: list[Value], seed: Value) -> None:
    """The chain rule with the local derivatives computed on the nodes themselves, so the
    arithmetic is recorded (``grad(..., create_graph=True)``); ValueError naming the node
    if they no longer equal the ones stored with it (its inputs' ``data`` has changed)."""
    order[-1].grad = seed
    for node in reversed(order):
        parents, g = node.parents, node.grad
        if not parents:
            continue
        if node._d_left is None:
            raise derivative_failure(node)
        try:
            derivatives = node.op.derivatives(*parents, node)
        except (ArithmeticError, ValueError) as e:
            raise type(e)(describe_failure(node.op, parents, f"derivative: {e}")) from None
        stored = (node._d_left, node._d_right)[: len(parents)]
        now = tuple(d.data if isinstance(d, Value) else d for d in derivatives)
        if now != stored:
            raise ValueError(
                f"grad: {node!r}, the {node.op.name} node, was computed from inputs whose "
                f"data has changed since (local derivatives {stored} then, {now} now); "
                "build the graph again from the new values"
            )
        for parent, d in zip(parents, derivatives):
            parent.grad += d * g


def report_overflow(order: list[Value]) -> None:
    # An overflow anywhere reaches every leaf below it as ±inf or nan, so checking the
    # leaves is enough to know; then name the first node, from the root, where it happened.
    bad = next(n for n in reversed(order) if not math.isfinite(float(n.grad)))
    where = f"the {bad.op.name} node" if bad.op else "the leaf"
    sender = next(n for n in reversed(order) if any(p is bad for p in n.parents))
    raise OverflowError(f"backward: the gradient reaching {where} {bad!r} overflowed; "
                        f"the {sender.op.name} node {sender!r} sent it")
