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
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from .backprop import fresh_grads, report_overflow, topological_order
from .value import Value, describe_failure

__all__ = ["backward_steps", "Step", "Contribution", "local_derivatives"]


class Contribution(NamedTuple):
    """What one step sends one parent: ``parent.grad += local_derivative × grad``."""

    parent: Value
    local_derivative: float
    contribution: float


@dataclass(frozen=True)
class Step:
    """One node handled: its (complete) gradient and what it sent each of its parents.

    A leaf sends nothing: ``contributions`` is empty. A parent used twice (``a * a``)
    appears twice, once per use.
    """

    node: Value
    grad: float
    contributions: tuple[Contribution, ...]


def local_derivatives(node: Value) -> tuple[float, ...]:
    """∂node/∂parent for each parent of ``node``, in order (empty for a leaf).

    >>> a, b = Value(2.0), Value(5.0)
    >>> local_derivatives(a * b)
    (5.0, 2.0)
    """
    if node.op is None:
        return ()
    try:
        return tuple(node.op.derivatives(*[p.data for p in node.parents], node.data))
    except (ArithmeticError, ValueError) as e:
        raise type(e)(describe_failure(node.op, node.parents, f"derivative: {e}")) from None


def backward_steps(root: Value) -> Iterator[Step]:
    """``root.backward()``, yielding a ``Step`` after each node, root first, leaves last.

    When the generator is exhausted every ``.grad`` is exactly what ``backward()`` would
    have left: ∂root/∂v is *added* to what ``v.grad`` held before. While it runs, the
    grads show this walk's sums so far (what they held before is set aside); a walk that
    stops early (``break``, an error) leaves every grad as it was before it started.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps needs a Value, got {type(root).__name__}")
    order = topological_order(root)
    with fresh_grads(order, keep=True):
        root.grad = 1.0
        for node in reversed(order):
            yield Step(node, node.grad, _send(node))
        if not all(math.isfinite(node.grad) for node in order if node.op is None):
            report_overflow(order)


def _send(node: Value) -> tuple[Contribution, ...]:
    """Add local derivative × node.grad to each parent's grad, as ``backward()`` does."""
    g = node.grad
    sent = []
    for parent, local in zip(node.parents, local_derivatives(node)):
        amount = local * g
        parent.grad += amount
        sent.append(Contribution(parent, local, amount))
    return tuple(sent)
