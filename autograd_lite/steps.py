"""Backward, one node at a time: watch the chain rule fill in the gradients.

``backward_steps(root)`` does what ``root.backward()`` does, but pauses after each node:
root first, each node is reached once its gradient is complete, and it sends each parent
the *contribution* (local derivative × its own gradient) that the parent adds to its grad.

>>> from autograd_lite import Value
>>> x = Value(3.0, label="x")
>>> y = x * x
>>> for step in backward_steps(y):
...     print(step.node.label or step.node.op.name, step.grad,
...           [(c.local_derivative, c.contribution) for c in step.contributions])
mul 1.0 [(3.0, 3.0), (3.0, 3.0)]
x 6.0 []

Between steps, ``draw(root, current=step.node)`` shows the gradients filled in so far.
``step.status(v)`` says how far ``v.grad`` is at that step: ``"unreached"`` (no child has
sent it anything yet), ``"pending"`` (some children have: a partial sum) or ``"final"``
(all have: ∂root/∂v):

>>> a = Value(2.0, label="a")
>>> c = a * 3.0
>>> L = c + a
>>> [(s.index, s.status(a)) for s in backward_steps(L)]
[(0, 'pending'), (1, 'final'), (2, 'final'), (3, 'final')]
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from .backprop import (
    _paused,
    _walking,
    add_back,
    order_to_write,
    report_overflow,
    set_aside,
)
from .checks import check_value
from .value import Value, derivative_failure

__all__ = ["backward_steps", "Step", "Contribution", "GradStatus", "local_derivatives"]

GradStatus = Literal["unreached", "pending", "final"]


class Contribution(NamedTuple):
    """What one step sends one parent: ``parent.grad += local_derivative × grad``."""

    parent: Value
    local_derivative: float
    contribution: float


class _Schedule:
    """When each node hears from its children: the step of the first and of the last child
    to send it its share (step k handles the k-th node of the walk, the root at step 0)."""

    __slots__ = ("root", "first", "last")

    def __init__(self, walk: list[Value]) -> None:  # walk: root first
        self.root = walk[0]
        self.first: dict[Value, int] = {}
        self.last: dict[Value, int] = {}
        for k, node in enumerate(walk):
            for parent in node.parents:
                self.first.setdefault(parent, k)
                self.last[parent] = k

    def status(self, node: Value, k: int) -> GradStatus:
        if node is self.root:
            return "final"
        if node not in self.first:
            raise ValueError(f"{node!r} is not a node of this graph")
        if k < self.first[node]:
            return "unreached"
        return "pending" if k < self.last[node] else "final"


@dataclass(frozen=True)
class Step:
    """One node handled: its (complete) gradient and what it sent each of its parents.

    A leaf sends nothing: ``contributions`` is empty. A parent used twice (``a * a``)
    appears twice, once per use. ``index`` counts the steps from 0 (the root).
    """

    node: Value
    grad: float
    contributions: tuple[Contribution, ...]
    index: int
    _schedule: _Schedule = field(repr=False, compare=False)

    def status(self, node: Value) -> GradStatus:
        """How far ``node``'s gradient is once this step has sent its contributions:
        ``"unreached"`` (no child has sent it anything: it holds no number yet, not 0),
        ``"pending"`` (some children have: a partial sum) or ``"final"`` (every child has:
        its grad is ∂root/∂node for this walk). The root is final from step 0. O(1).
        """
        return self._schedule.status(node, self.index)


def local_derivatives(node: Value) -> tuple[float, ...]:
    """∂node/∂parent for each parent of ``node``, in order (empty for a leaf).

    >>> a, b = Value(2.0), Value(5.0)
    >>> local_derivatives(a * b)
    (5.0, 2.0)
    """
    if node.op is None:
        return ()
    if node._d_left is None:
        raise derivative_failure(node)
    return (node._d_left,) if node._right is None else (node._d_left, node._d_right)


def backward_steps(root: Value) -> Iterator[Step]:
    """``root.backward()``, yielding a ``Step`` after each node, root first, leaves last.

    When the generator is exhausted every ``.grad`` is exactly what ``backward()`` would
    have left: ∂root/∂v is *added* to what ``v.grad`` held before. While it runs, the
    grads show this walk's sums so far (what they held before is set aside), so until it
    ends the graph is its own: ``backward``, ``zero_grad`` or another ``backward_steps``
    on a graph sharing a node raises ``RuntimeError`` (reading, as ``draw`` and ``explain``
    do, is fine, and so is ``grad``, which puts every grad back). A walk that stops early
    (``break``, an error, ``close()``, the generator dropped) puts back, as they were
    before it started, the grads it still holds; a grad set since it paused is kept.
    """
    check_value("backward_steps", "root", root)
    return _walk(root)


def _walk(root: Value) -> Iterator[Step]:
    with _walking:  # each piece of the walk between two steps runs as one walk
        order = order_to_write("backward_steps", "root", root)
        walk = order[::-1]
        schedule = _Schedule(walk)
        holders, held = set_aside(order)
        root.grad = 1.0
        ours = {node: node.grad for node in [*holders, root]}  # the grads this walk wrote
        _paused[id(ours)] = (root, set(order))
    finished = False
    try:
        for k, node in enumerate(walk):
            with _walking:
                step = Step(node, node.grad, _send(node, ours), k, schedule)
            yield step
        with _walking:
            if not all(math.isfinite(node.grad) for node in order if node.op is None):
                report_overflow(order)
            finished = True
            add_back(order, holders, held)  # on failure it puts every grad back itself
    finally:
        with _walking:
            del _paused[id(ours)]
            if not finished:
                before = dict(zip(holders, held))
                for node, g in ours.items():
                    if node.grad is g:  # still this walk's: nobody has set it since
                        node.grad = before.get(node, 0.0)


def _send(node: Value, ours: dict[Value, float]) -> tuple[Contribution, ...]:
    """Add local derivative × node.grad to each parent's grad, as ``backward()`` does."""
    g = node.grad
    sent = []
    for parent, local in zip(node.parents, local_derivatives(node)):
        amount = local * g
        parent.grad += amount
        ours[parent] = parent.grad
        sent.append(Contribution(parent, local, amount))
    return tuple(sent)
