"""The gradient of a feature-discovery net's total loss, three ways, side by side.

1. autodiff: ``autograd_lite.grad`` through the net's ``Value`` graph;
2. the notes' closed form: ``nets.manual.batch_gradients`` (numpy, no engine);
3. central finite differences (L(θ + ε) − L(θ − ε)) / 2ε of ``nets.manual.batch_loss``,
   in float64, one parameter at a time.

Per parameter group (W and w) the table gives the largest absolute difference of autodiff
from each of the other two, and that difference relative to the group's largest reference
gradient. Finite differences are wrong within ε of a ReLU kink (an example whose
pre-activation r̃_j is about 0), so the result also reports how close the data comes to one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from autograd_lite import grad
from autograd_lite.checks import Array, as_examples

from . import manual
from .feature_discovery import FeatureDiscoveryNet

__all__ = ["GroupComparison", "GradientComparison", "compare_gradients", "finite_differences"]


@dataclass(frozen=True)
class GroupComparison:
    """How far autodiff is from the closed form and from finite differences, for one group."""

    group: str  # "W" or "w"
    size: int  # how many parameters
    manual_abs: float  # max |autodiff − closed form|
    manual_rel: float  # manual_abs / max |closed form|
    numeric_abs: float  # max |autodiff − finite differences|
    numeric_rel: float  # numeric_abs / max |finite differences|
    ok: bool  # both relative differences within tolerance


@dataclass(frozen=True)
class GradientComparison:
    """The per-group rows, the loss, and the data's distance to the nearest ReLU kink."""

    rows: tuple[GroupComparison, ...]
    loss: float
    n_examples: int
    reduction: str
    kink_distance: float  # min over examples and hidden units of |r̃_j|
    manual_rtol: float
    numeric_rtol: float

    def __bool__(self) -> bool:
        return all(row.ok for row in self.rows)

    def __str__(self) -> str:
        lines = [
            f"{'':12}{'autodiff vs closed form':>26}{'autodiff vs finite diff':>26}",
            f"{'group':<6}{'size':>6}" + f"{'max abs':>13}{'max rel':>13}" * 2 + "  ok",
        ]
        for row in self.rows:
            lines.append(
                f"{row.group:<6}{row.size:>6}{row.manual_abs:>13.2e}{row.manual_rel:>13.2e}"
                f"{row.numeric_abs:>13.2e}{row.numeric_rel:>13.2e}  {'yes' if row.ok else 'NO'}"
            )
        verdict = "all agree" if self else "MISMATCH"
        lines += [
            f"{verdict} (max rel = max abs / largest |gradient| in the group; "
            f"tolerances {self.manual_rtol:g} and {self.numeric_rtol:g})",
            f"loss {self.loss:.6g} ({self.reduction} over {self.n_examples} examples); "
            f"closest pre-activation to the ReLU kink: |r̃| = {self.kink_distance:.2e}",
        ]
        return "\n".join(lines)


def compare_gradients(
    net: FeatureDiscoveryNet,
    X: ArrayLike,
    Y: ArrayLike,
    reduction: str = "mean",
    eps: float = 1e-6,
    manual_rtol: float = 1e-9,
    numeric_rtol: float = 1e-6,
) -> GradientComparison:
    """Compare the three gradients of ``net.total_loss(X, Y, reduction)`` at the net's weights.

    A group is ok when autodiff is within ``manual_rtol`` of the closed form and within
    ``numeric_rtol`` of finite differences (relative to the group's largest gradient).
    The net's ``.grad`` fields are left as they were.
    """
    X, Y = as_examples(X, Y, net.n_inputs)
    W, w = net.weights()
    total = net.total_loss(X, Y, reduction)
    autodiff = np.array([g.data for g in grad(total, net.parameters())])
    closed = manual.batch_gradients(W, w, X, Y, net.loss_name, reduction)
    numeric = finite_differences(W, w, X, Y, net.loss_name, reduction, eps)
    split = W.size  # parameters() lists W row by row, then w
    rows = tuple(
        _row(name, autodiff[part], c.ravel(), n.ravel(), manual_rtol, numeric_rtol)
        for name, part, c, n in zip(
            ("W", "w"), (slice(0, split), slice(split, None)), closed, numeric
        )
    )
    return GradientComparison(
        rows=rows,
        loss=total.data,
        n_examples=len(X),
        reduction=reduction,
        kink_distance=float(np.abs(X @ W).min()),
        manual_rtol=manual_rtol,
        numeric_rtol=numeric_rtol,
    )


def finite_differences(
    W: Array, w: Array, X: Array, Y: Array, loss: str, reduction: str, eps: float = 1e-6
) -> tuple[Array, Array]:
    """Central differences of ``nets.manual.batch_loss`` in each weight: (dW, dw)."""
    theta = np.concatenate([W.ravel(), w])

    def total(t: Array) -> float:
        return manual.batch_loss(t[: W.size].reshape(W.shape), t[W.size :], X, Y, loss, reduction)

    g = np.empty_like(theta)
    for k in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[k] += eps
        down[k] -= eps
        g[k] = (total(up) - total(down)) / (up[k] - down[k])  # the step as represented
    return g[: W.size].reshape(W.shape), g[W.size :]


def _row(
    group: str, auto: Array, closed: Array, numeric: Array, manual_rtol: float, numeric_rtol: float
) -> GroupComparison:
    manual_abs, manual_rel = _difference(auto, closed)
    numeric_abs, numeric_rel = _difference(auto, numeric)
    ok = manual_rel <= manual_rtol and numeric_rel <= numeric_rtol
    return GroupComparison(group, auto.size, manual_abs, manual_rel, numeric_abs, numeric_rel, ok)


def _difference(a: Array, reference: Array) -> tuple[float, float]:
    """max |a − reference|, and that over max |reference| (0 when both are all zeros)."""
    err = float(np.abs(a - reference).max())
    scale = float(np.abs(reference).max())
    return err, (err / scale if scale else (0.0 if err == 0.0 else float("inf")))
