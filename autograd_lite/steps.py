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

The walk keeps its sums to itself until it ends: ``step.grad_of(v)`` is its sum for ``v``
after that step, and ``draw(root, step=step)`` shows them all. ``step.status(v)`` says how
far that sum is: ``"unreached"`` (no child has sent it anything yet), ``"pending"`` (some
children have: a partial sum) or ``"final"`` (all have: ∂root/∂v):

>>> a = Value(2.0, label="a")
>>> c = a * 3.0
>>> L = c + a
>>> [(s.index, s.status(a)) for s in backward_steps(L)]
[(0, 'pending'), (1, 'final'), (2, 'final'), (3, 'final')]
>>> a.grad  # the walks ran to the end: each added its gradients, as backward() does
4.0
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from .backprop import _table, add_to_grads, overflow_error
from .checks import check_value
from .value import Value

__all__ = ["backward_steps", "Step", "Contribution", "GradStatus"]

GradStatus = Literal["unreached", "pending", "final"]


class Contribution(NamedTuple):
    """What one step sends one parent: ``parent.grad += local_derivative × grad``."""

    parent: Value
    local_derivative: float
    contribution: float


class _Schedule:
    """When each node hears from its children: the step of the first and of the last child
    to send it its share (step k handles the k-th node of the walk, the root at step 0),
    and the walk's sum for it after each step that sent it something."""

    __slots__ = ("root", "first", "last", "sums")

    def __init__(self, walk: list[Value]) -> None:  # walk: root first
        self.root = walk[0]
        self.first: dict[Value, int] = {}
        self.last: dict[Value, int] = {}
        for k, node in enumerate(walk):
            for parent in node.parents:
                self.first.setdefault(parent, k)
                self.last[parent] = k
        self.sums: dict[Value, list[tuple[int, float]]] = {node: [] for node in self.first}

    def status(self, node: Value, k: int) -> GradStatus:
        if node is self.root:
            return "final"
        if node not in self.first:
            raise ValueError(f"{node!r} is not a node of this graph")
        if k < self.first[node]:
            return "unreached"
        return "pending" if k < self.last[node] else "final"

    def sum(self, node: Value, k: int) -> float:
        if node is self.root:
            return 1.0
        if node not in self.sums:
            raise ValueError(f"{node!r} is not a node of this graph")
        sums = self.sums[node]
        i = bisect_right(sums, k, key=lambda row: row[0])
        return sums[i - 1][1] if i else 0.0


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

    def grad_of(self, node: Value) -> float:
        """The walk's sum for ``node`` once this step has sent its contributions: 0.0 while
        it is unreached, the sum so far while pending, ∂root/∂node once final. It stays
        that step's number when the walk goes on (what ``draw(root, step=step)`` shows)."""
        return self._schedule.sum(node, self.index)


def backward_steps(root: Value) -> Generator[Step, None, None]:
    """``root.backward()``, yielding a ``Step`` after each node, root first, leaves last.

    The walk sums the gradients in a table of its own, as ``grad`` does: while it is
    paused, ``step.grad_of(v)`` gives its sums and every ``.grad`` is left alone, so other
    walks (``backward``, ``zero_grad``, other ``backward_steps``, from any thread) run as
    usual. When the generator is exhausted, the walk adds ∂root/∂v to every ``v.grad``, as
    ``backward()`` would at that moment, all in one piece. A walk that stops early
    (``break``, an error, ``close()``, the generator dropped) writes nothing. An overflow
    raises ``OverflowError``, as in ``backward()``, before the last step is yielded.
    """
    check_value("backward_steps", "root", root)
    return _walk(root)


def _walk(root: Value) -> Generator[Step, None, None]:
    grads = _table(root)  # this walk's sums
    walk = list(grads)[::-1]
    schedule = _Schedule(walk)
    grads[root] = 1.0
    for k, node in enumerate(walk):
        g = grads[node]
        sent = []
        for parent, local in zip(node.parents, node.local_derivatives()):
            amount = local * g
            grads[parent] += amount
            schedule.sums[parent].append((k, grads[parent]))
            sent.append(Contribution(parent, local, amount))
        if k == len(walk) - 1 and not all(map(math.isfinite, grads.values())):
            raise overflow_error(grads)
        yield Step(node, g, tuple(sent), k, schedule)
    add_to_grads(list(grads), list(grads.values()))
