"""Reverse-mode differentiation: walk the graph from the root back to the leaves.

For a root ``L`` and any node ``v``, the chain rule says

    ∂L/∂v = Σ over the children c of v:  ∂L/∂c · ∂c/∂v

where ``∂c/∂v`` is the *local derivative* of the op that made ``c`` (its row in the op
table, computed and stored with ``c``). If every child is handled before its parents, each
``∂L/∂c`` is complete when it is used: that is what a topological order gives. The walk
knows nothing about any op.

Two walks apply it. ``gradients`` sums in a table of its own, one entry per node (as
autodidact's ``backward_pass`` does): ``grads[parent] += local · grads[node]``. It writes
nothing on a node, so the walks that only read (``topological_order``, ``grad``, ``draw``,
``explain``, the step-through page) need no lock and may run in any thread at any time.

``backward()``, the walk a training loop runs, sums on the nodes themselves, as micrograd
does: ``parent.grad += local · node.grad``, and it marks the nodes it has placed in its
order with a stamp in a slot (``_walk``) rather than in a table: reading a slot costs less
than half of a table's lookup, which makes it twice as fast. It may, because it holds,
for the whole walk, the lock that every write of ``.grad`` by the engine holds: one
such walk at a time, so walks from several threads, on one graph or on graphs that share
leaves, leave exactly what they would have left run one after another. The grads the
nodes held before are set aside in a list and added back at the end (gradients
accumulate, as in PyTorch); if the walk fails or is interrupted (Ctrl-C), that list is
written back in one piece, and every ``.grad`` is as it was. While it runs, a ``.grad``
read from another thread may hold a sum in progress (``draw`` and the page read them
under the lock). What the engine does not write is yours to order: an optimizer step, or
``v.grad = 0.0``, while another thread runs ``backward()``.
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from operator import add, attrgetter
from typing import cast

from .checks import check_value
from .ops import Op
from .value import Value, derivative_failure, describe_failure, refuse_by_hand, writing_grads

__all__ = ["topological_order", "backward", "grad", "zero_grad"]

_grad_of = attrgetter("grad")
_isfinite = math.isfinite


def topological_order(root: Value) -> list[Value]:
    """Every node the root depends on, each after all of its parents, the root last.

    Iterative (no recursion limit) and deterministic: the same graph gives the same order
    (a depth-first walk, left input first).
    """
    check_value("topological_order", "root", root)
    return list(_table(root))


def _table(root: Value) -> dict[Value, float]:
    """A walk's table: every node of the graph of ``root`` → 0.0, in topological order."""
    placed: dict[Value, float] = {}
    stack = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node in placed:  # reached before, through another child
            continue
        left, right = node._left, node._right
        if left is not None and left not in placed:
            if left._left is not None:  # an op's node: walk it, then come back
                push(node)
                if right is not None and right not in placed:
                    push(right)
                push(left)
                continue
            placed[left] = 0.0  # a leaf: placed at once (it has no inputs)
        if right is not None and right not in placed:
            if right._left is not None:
                push(node)
                push(right)
                continue
            placed[right] = 0.0
        placed[node] = 0.0  # all of its inputs are placed
    return placed


def gradients(root: Value) -> dict[Value, float]:
    """∂root/∂v for every node ``v`` of the graph, parents first: the chain rule's table.

    Every op takes one or two inputs, and its node holds their local derivatives as
    floats, computed with it: one multiply-add per input, no call per node.
    """
    grads = _table(root)
    grads[root] = 1.0
    node = root
    try:
        for node, g in reversed(grads.items()):  # the root first
            a = node._left
            if a is None:  # a leaf
                continue
            grads[a] += node._d_left * g  # type: ignore[operator]  # None: caught below
            b = node._right
            if b is not None:
                grads[b] += node._d_right * g  # type: ignore[operator]
    except TypeError:  # None * g: a local derivative not defined where the node was made
        if node._d_left is None:
            raise derivative_failure(node) from None
        raise
    if not all(map(_isfinite, grads.values())):
        raise overflow_error(grads)
    return grads


def backward(root: Value) -> None:
    """Add ∂root/∂v to ``v.grad`` for every node ``v`` of the graph (see ``Value.backward``)."""
    check_value("backward", "root", root)
    with writing_grads:  # no other walk writes a .grad (or a stamp) until this one ends
        _add_chain_rule(_placed_in_order(root))


def _add_chain_rule(order: list[Value]) -> None:
    """Add the walk's sums to the grads the nodes hold: all of them, or none."""
    carried = [node for node in order if node.grad != 0.0]  # grads from before this walk
    before = list(map(_grad_of, carried))
    check_grads(carried, before)
    try:
        _set_grads(carried, repeat(0.0))  # set aside while the walk sums
        if not _chain_rule(order):
            sums = list(map(_grad_of, order))
            _put_back(order, carried, before)  # first: the message shows the grads as they are
            raise overflow_error(dict(zip(order, sums)))
        walked = list(map(_grad_of, carried))
        _set_grads(carried, before)  # as they were, to add the walk's sums to
        _set_grads(carried, _totals(carried, before, walked))
    except BaseException:  # an error, or Ctrl-C: every grad as it was
        _put_back(order, carried, before)
        raise


def _put_back(order: list[Value], carried: list[Value], before: list[float]) -> None:
    """Every grad as before the walk: 0.0, but the carried ones' (one write, see _set_grads)."""
    _set_grads(chain(order, carried), chain(repeat(0.0, len(order)), before))


def _chain_rule(order: list[Value]) -> bool:
    """Send each node's grad to its inputs, the root first: ``input.grad += local · grad``.
    True if every grad it sums is finite.

    Every op takes one or two inputs, and its node holds their local derivatives as
    floats, computed with it: one multiply-add per input, no call per node.
    """
    node = order[-1]
    node.grad = 1.0  # ∂root/∂root
    # A grad that is not finite reaches the leaves (inf or nan times a local derivative is
    # never finite), and a leaf's grad times 0.0 is 0.0 unless it is ±inf or nan.
    unfinished = 0.0
    try:
        for node in reversed(order):
            a = node._left
            if a is None:  # a leaf
                unfinished += node.grad * 0.0
                continue
            g = node.grad
            a.grad += node._d_left * g  # type: ignore[operator]  # None: caught below
            b = node._right
            if b is not None:
                b.grad += node._d_right * g  # type: ignore[operator]
    except TypeError:  # None * g: a local derivative not defined where the node was made
        if node._d_left is None:
            raise derivative_failure(node) from None
        raise
    return unfinished == 0.0


def _placed_in_order(root: Value) -> list[Value]:
    """``topological_order`` for a walk that holds ``writing_grads``: the nodes it has
    placed carry its stamp in their ``_walk`` slot, in place of ``_table``'s entries."""
    placed = object()  # this walk's stamp
    order: list[Value] = []
    stack = [root]
    push, pop, place = stack.append, stack.pop, order.append
    while stack:
        node = pop()
        if node._walk is placed:  # reached before, through another child
            continue
        left, right = node._left, node._right
        if left is not None and left._walk is not placed:
            if left._left is not None:  # an op's node: walk it, then come back
                push(node)
                if right is not None and right._walk is not placed:
                    push(right)
                push(left)
                continue
            left._walk = placed  # a leaf: placed at once (it has no inputs)
            place(left)
        if right is not None and right._walk is not placed:
            if right._left is not None:
                push(node)
                push(right)
                continue
            right._walk = placed
            place(right)
        node._walk = placed  # all of its inputs are placed
        place(node)
    return order


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
    for i, x in enumerate(inputs):
        check_value("grad", f"inputs[{i}]", x)
    grads = recorded_gradients(output) if create_graph else gradients(output)
    found = (grads.get(x, 0.0) for x in inputs)
    return [g if isinstance(g, Value) else Value(g) for g in found]


def zero_grad(root: Value) -> None:
    """Set ``grad`` to 0.0 on every node of the graph of ``root``."""
    check_value("zero_grad", "root", root)
    with writing_grads:
        _set_grads(_placed_in_order(root), repeat(0.0))


def add_to_grads(nodes: Sequence[Value], sums: Sequence[float]) -> None:
    """Add a walk's sums to the nodes' ``.grad`` (gradients accumulate, as in PyTorch):
    every one, or none if one fails. TypeError naming the node whose grad is not a number,
    OverflowError naming the node whose total is not finite."""
    with writing_grads:
        held = list(map(_grad_of, nodes))
        check_grads(nodes, held)
        _set_grads(nodes, _totals(nodes, held, sums))


def _totals(nodes: Sequence[Value], held: Sequence[float], sums: Sequence[float]) -> list[float]:
    """What each node held plus this walk's sum; OverflowError naming the first node whose
    total is not finite."""
    totals = list(map(add, held, sums))
    if not all(map(_isfinite, totals)):
        node, g, walked, total = next(
            row for row in zip(nodes, held, sums, totals) if not _isfinite(row[3]))
        raise OverflowError(
            f"backward: {node!r} already held grad {g!r}; adding this walk's {walked!r} "
            f"gives {total}, not a finite float (call zero_grad() between steps)")
    return totals


def check_grads(nodes: Sequence[Value], grads: Sequence[object]) -> None:
    """TypeError naming the first node whose grad is not a real number (a walk adds to it)."""
    if set(map(type, grads)) != {float}:
        for node, g in zip(nodes, grads):
            if type(g) is not float and (isinstance(g, bool) or not isinstance(g, numbers.Real)):
                raise TypeError(
                    f"{node!r}: its grad is a {type(g).__name__}, not a number; set .grad "
                    "to a float (0.0 to start afresh) before backward()")


def current_grads(nodes: list[Value]) -> list[float]:
    """Each node's ``.grad``, read while the engine writes none (one moment's picture)."""
    with writing_grads:
        return list(map(_grad_of, nodes))


def _set_grads(nodes: Iterable[Value], values: Iterable[float]) -> None:
    # One loop in C (map over setattr): no Python line runs between two writes, so a
    # Ctrl-C (KeyboardInterrupt) lands before the first write or after the last.
    deque(map(setattr, nodes, repeat("grad"), values), maxlen=0)


def recorded_gradients(root: Value) -> dict[Value, float | Value]:
    """The chain rule with the local derivatives computed on the nodes themselves, so the
    arithmetic is recorded (``grad(..., create_graph=True)``); ValueError naming the node
    if they no longer equal the ones stored with it (its inputs' ``data`` has changed)."""
    grads = cast(dict[Value, "float | Value"], _table(root))
    grads[root] = Value(1.0)
    for node, g in reversed(grads.items()):
        parents = node.parents
        if not parents:
            continue
        refuse_by_hand("grad(..., create_graph=True)", node)
        if node._d_left is None:
            raise derivative_failure(node)
        op = cast(Op, node.op)  # a node with parents was made by an op
        try:
            derivatives = op.derivatives(*parents, node)
        except (ArithmeticError, ValueError) as e:
            raise type(e)(describe_failure(op, parents, f"derivative: {e}")) from None
        stored = (node._d_left, node._d_right)[: len(parents)]
        now = tuple(d.data if isinstance(d, Value) else d for d in derivatives)
        if now != stored:
            raise ValueError(
                f"grad: {node!r}, the {op.name} node, was computed from inputs whose "
                f"data has changed since (local derivatives {stored} then, {now} now); "
                "build the graph again from the new values"
            )
        for parent, d in zip(parents, derivatives):
            grads[parent] += d * g
    return grads


def overflow_error(grads: dict[Value, float]) -> OverflowError:
    """The error for a walk whose table holds a sum that is not finite: it names the first
    node, from the root, that the overflow reached, and the node that sent it."""
    bad = next(n for n, g in reversed(grads.items()) if not _isfinite(g))
    where = f"the {bad.op.name} node" if bad.op else "the leaf"
    sender = next(n for n in reversed(grads) if any(p is bad for p in n.parents))
    return OverflowError(f"backward: the gradient reaching {where} {bad!r} overflowed; "
                         f"the {cast(Op, sender.op).name} node {sender!r} sent it")
