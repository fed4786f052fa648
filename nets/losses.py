"""Per-example losses l(r, y) on a ``Value`` score r and a number y, and class targets.

- ``squared_loss``:  (y − r)², any finite target y (the notes' first loss);
- ``logistic_loss``: (1 − y)·r + log(1 + e^(−r)) with y ∈ {0, 1}: the negative
  log-likelihood of y when P(y = 1) = σ(r); ∂l/∂r = σ(r) − y;
- ``hinge_loss``:    max(0, 1 − y·r) with y ∈ {−1, +1}, as in micrograd's demo.

A classifier's score r predicts class 1 when r > 0, for every loss. So each loss trains on
the class targets that put that boundary in the middle: 0/1 for the logistic loss, −1/+1
for the squared and hinge losses (``class_targets`` converts 0/1 labels).

>>> from autograd_lite import Value
>>> r = Value(1000.0)
>>> l = logistic_loss(r, 0)  # (1 − 0)·1000 + log(1 + e^(−1000)): no overflow
>>> l.backward()
>>> l.data, r.grad  # ∂l/∂r = σ(1000) − 0
(1000.0, 1.0)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd_lite import Value
from autograd_lite.checks import check_choice
from autograd_lite.value import shown

__all__ = [
    "LOSSES",
    "REDUCTIONS",
    "squared_loss",
    "logistic_loss",
    "hinge_loss",
    "get_loss",
    "class_targets",
    "reduce",
]

LossFn = Callable[[Value, float], Value]  # y may also be a Value leaf, to trace a program


def squared_loss(r: Value, y: float | Value) -> Value:
    """(y − r)²; ∂l/∂r = −2 (y − r)."""
    return (y - r) ** 2


def logistic_loss(r: Value, y: float | Value) -> Value:
    """(1 − y)·r + log(1 + e^(−r)) for y ∈ {0, 1}; ∂l/∂r = σ(r) − y; finite for any finite r.

    Computed as softplus(s·r) with s = 1 − 2y, the same function rearranged: for y = 1 it
    is softplus(−r) = log(1 + e^(−r)), for y = 0 it is softplus(r) = r + log(1 + e^(−r)).
    Unlike the notes' sum of two terms, it never subtracts near-equal numbers, so even a
    tiny loss (r ≪ 0 with y = 0) is exact to the last bits.
    """
    _check_target("logistic", y, (0, 1))
    return ((1 - 2 * y) * r).softplus()


def hinge_loss(score: Value, y: float | Value) -> Value:
    """max(0, 1 − y·score) for y ∈ {−1, +1}."""
    _check_target("hinge", y, (-1, 1))
    return (1 - y * score).relu()


def _check_target(loss: str, y: float | Value, allowed: tuple[int, int]) -> None:
    # A target may be a Value leaf (an input of a traced program): its number is checked.
    lo, hi = allowed
    number = y.data if isinstance(y, Value) else y
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"the {loss} loss needs a target y in {{{lo}, {hi}}}, got "
                        f"{type(y).__name__}: {shown(y)}")
    if number not in allowed:
        raise ValueError(f"the {loss} loss needs a target y in {{{lo}, {hi}}}, got {shown(y)}")


LOSSES: dict[str, LossFn] = {
    "squared": squared_loss,
    "logistic": logistic_loss,
    "hinge": hinge_loss,
}

# The targets standing for class 0 and class 1 under each loss (r > 0 predicts class 1).
_CLASS_TARGETS = {"squared": (-1.0, 1.0), "logistic": (0.0, 1.0), "hinge": (-1.0, 1.0)}

REDUCTIONS = ("mean", "sum")


def get_loss(name: str) -> LossFn:
    """The loss function called ``name``; ValueError listing the names otherwise."""
    check_choice("loss", name, LOSSES)
    return LOSSES[name]


def class_targets(labels: ArrayLike, loss: str) -> NDArray[np.float64]:
    """0/1 class labels as the targets ``loss`` trains on (−1/+1 for squared and hinge).

    >>> class_targets([0, 1, 1], "squared").tolist()
    [-1.0, 1.0, 1.0]
    """
    get_loss(loss)
    labels = np.asarray(labels, dtype=float)
    bad = np.flatnonzero((labels != 0) & (labels != 1))
    if bad.size:
        k = bad[0]
        raise ValueError(f"class labels must be 0 or 1, got {float(labels.flat[k])!r} at index {k}")
    lo, hi = _CLASS_TARGETS[loss]
    return np.where(labels == 1, hi, lo)


def reduce(terms: Sequence[Value], reduction: str = "mean") -> Value:
    """The sum (``"sum"``) or the mean (``"mean"``) of one or more per-example losses."""
    check_choice("reduction", reduction, REDUCTIONS)
    if not terms:
        raise ValueError("no losses to reduce: the batch is empty")
    total = sum(terms[1:], terms[0])
    return total / len(terms) if reduction == "mean" else total
