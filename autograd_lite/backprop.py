"""Reverse-mode differentiation: walk the graph from the root back to the leaves.

For a root ``L`` and any node ``v``, the chain rule says

    ∂L/∂v = Σ over the children c of v:  ∂L/∂c · ∂c/∂v

where ``∂c/∂v`` is the *local derivative* of the op that made ``c`` (its row in the op
table). If every child is handled before its parents, each ``∂L/∂c`` is complete when it is
used: that is what a topological order gives. The walk knows nothing about any op.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .value import Value, describe_failure

__all__ = ["topological_order", "backward", "grad"]


def topological_order(root: Value) -> list[Value]:
    """Every node the root depends on, each after all of its parents, the root last.

    Iterative (no recursion limit) and deterministic: the same graph gives the same order.
    Each walk stamps the nodes it reaches (a private slot) instead of keeping a set.
    """
    entered, placed = object(), object()  # this walk's stamps
    order: list[Value] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node._walk is placed:  # reached before, through another child
            continue
        if node._walk is entered:  # back again: all of its parents are placed
            node._walk = placed
            order.append(node)
            continue
        node._walk = entered
        stack.append(node)
        if node._right is not None:  # pushed first, so the left input is placed first
            stack.append(node._right)
        if node._left is not None:
            stack.append(node._left)
    return order


def backward(root: Value) -> None:
    """Add ∂root/∂v to ``v.grad`` for every node ``v`` of the graph (see ``Value.backward``)."""
    order = topological_order(root)
    with fresh_grads(order, keep=True):
        _chain_rule(order, 1.0, create_graph=False)


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
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] is a {type(x).__name__}, not a Value")
    order = topological_order(output)
    with fresh_grads(order + inputs, keep=False):  # an input outside the graph reads 0
        _chain_rule(order, Value(1.0) if create_graph else 1.0, create_graph)
        return [x.grad if isinstance(x.grad, Value) else Value(x.grad) for x in inputs]


@contextmanager
def fresh_grads(nodes: list[Value], keep: bool) -> Iterator[None]:
    """Run a walk on the nodes with their grads set to zero, so it computes this walk alone.

    Afterwards, what the nodes held before is added back (``keep=True``: gradients
    accumulate, as in PyTorch) or put back in place of the walk's results (``keep=False``).
    If the walk fails, or is stopped, every grad is put back as it was.
    """
    holders = [node for node in nodes if node.grad]  # two lists, not a tuple per node:
    held = [node.grad for node in holders]  # no work for the cyclic garbage collector
    for node in holders:
        node.grad = 0.0
    try:
        yield
    except BaseException:
        _put_back(nodes, holders, held)
        raise
    if keep:
        for node, g in zip(holders, held):
            node.grad += g
    else:
        _put_back(nodes, holders, held)


def _put_back(nodes: list[Value], holders: list[Value], held: list[float]) -> None:
    for node in nodes:
        node.grad = 0.0
    for node, g in zip(holders, held):
        node.grad = g


def _chain_rule(order: list[Value], seed: float | Value, create_graph: bool) -> None:
    """Send each node's grad to its parents, root first: parent.grad += local · grad.

    Every op takes one or two inputs. With ``create_graph`` the local derivatives are
    computed on the nodes themselves, so the arithmetic is recorded; otherwise on floats.
    """
    order[-1].grad = seed
    leaves_finite = True
    for node in reversed(order):
        a, b, g = node._left, node._right, node.grad
        if a is None:  # a leaf
            leaves_finite = leaves_finite and math.isfinite(float(g))
            continue
        derivatives = node.op.derivatives
        try:
            if b is not None:
                da, db = (derivatives(a, b, node) if create_graph
                          else derivatives(a.data, b.data, node.data))
                a.grad += da * g
                b.grad += db * g
            else:
                (da,) = derivatives(a, node) if create_graph else derivatives(a.data, node.data)
                a.grad += da * g
        except (ArithmeticError, ValueError) as e:
            raise type(e)(describe_failure(node.op, node.parents, f"derivative: {e}")) from None
    if not leaves_finite:
        report_overflow(order)


def report_overflow(order: list[Value]) -> None:
    # An overflow anywhere reaches every leaf below it as ±inf or nan, so checking the
    # leaves is enough to know; then name the first node, from the root, where it happened.
    bad = next(n for n in reversed(order) if not math.isfinite(float(n.grad)))
    where = f"the {bad.op.name} node" if bad.op else "the leaf"
    raise OverflowError(f"backward: the gradient reaching {where} {bad!r} overflowed")
