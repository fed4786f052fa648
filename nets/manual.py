"""The notes' closed-form gradients of the feature-discovery network, in numpy.

For one example x ∈ ℝᴰ, with W of shape (D, H) (W[i, j] joins input i to hidden unit j)
and w ∈ ℝᴴ:

    r_tilde_j = Σ_i W_ij x_i        x_hat_j = a(r_tilde_j), a = ReLU        r = Σ_j w_j x_hat_j

and, for a loss l(r, y), the notes derive

    ∂l/∂W_ij = (∂l/∂r) · w_j · a'(r_tilde_j) · x_i        ∂l/∂w_j = (∂l/∂r) · x_hat_j

with a'(0) = 0 (PyTorch's convention). This module never imports ``autograd_lite``, so a
test comparing the engine with it compares two independent computations.

>>> W = np.array([[1.0, -1.0], [2.0, 0.5]])
>>> w = np.array([2.0, 3.0])
>>> x = np.array([1.0, 2.0])
>>> forward(W, w, x).r_tilde.tolist(), float(forward(W, w, x).r)
([5.0, 0.0], 10.0)
>>> dW, dw = gradients(W, w, x, y=7.0)  # ∂l/∂r = -2 (7 - 10) = 6
>>> dW.tolist(), dw.tolist()
([[12.0, 0.0], [24.0, 0.0]], [30.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "LOSSES",
    "REDUCTIONS",
    "Forward",
    "relu",
    "relu_derivative",
    "forward",
    "loss",
    "dloss_dr",
    "gradients",
    "batch_loss",
    "batch_gradients",
]

Array = NDArray[np.float64]


class Forward(NamedTuple):
    """The network's intermediate values: shapes (H,), (H,), () for one example."""

    r_tilde: Array  # hidden pre-activations r̃_j
    x_hat: Array  # hidden features x̂_j = a(r̃_j)
    r: float | Array  # the score r = Σ_j w_j x̂_j


def relu(z: ArrayLike) -> Array:
    """The activation a(z) = max(z, 0), elementwise."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_derivative(z: ArrayLike) -> Array:
    """a'(z): 1.0 where z > 0, else 0.0 (so a'(0) = 0)."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


# ---- losses: each kind's value and derivative, written once ---------------------------------


def _softplus(z: Array) -> Array:
    """log(1 + e^z), finite for every finite z."""
    return np.logaddexp(0.0, z)


def _sigmoid(z: Array) -> Array:
    """σ(z) = 1 / (1 + e^(-z)), without overflow for large |z|."""
    return np.exp(-_softplus(-z))


def _label_sign(y: Array) -> Array:
    """s = 1 - 2y for labels y ∈ {0, 1}; ValueError naming any other label."""
    bad = y[(y != 0) & (y != 1)]
    if bad.size:
        raise ValueError(f"logistic loss needs labels y in {{0, 1}}, got {bad.flat[0]!r}")
    return 1.0 - 2.0 * y


# The notes' logistic loss (1 - y) r + log(1 + e^(-r)) equals softplus(s r) with s = 1 - 2y,
# and its derivative σ(r) - y equals s σ(s r): one term each, so nothing cancels at large |r|.
def _logistic(r: Array, y: Array) -> Array:
    return _softplus(_label_sign(y) * r)


def _logistic_derivative(r: Array, y: Array) -> Array:
    s = _label_sign(y)
    return s * _sigmoid(s * r)


class _Loss(NamedTuple):
    value: Callable[[Array, Array], Array]  # l(r, y)
    derivative: Callable[[Array, Array], Array]  # ∂l/∂r


_LOSSES: dict[str, _Loss] = {
    "squared": _Loss(lambda r, y: (y - r) ** 2, lambda r, y: -2.0 * (y - r)),
    "logistic": _Loss(_logistic, _logistic_derivative),
}
LOSSES = tuple(_LOSSES)
REDUCTIONS = ("mean", "sum")


def _pick(kind: str) -> _Loss:
    """The loss named ``kind``; ValueError listing the valid kinds otherwise."""
    if kind not in _LOSSES:
        raise ValueError(f"unknown loss {kind!r}; valid kinds: {', '.join(map(repr, LOSSES))}")
    return _LOSSES[kind]


def loss(r: ArrayLike, y: ArrayLike, kind: str = "squared") -> float | Array:
    """The loss l(r, y), elementwise: ``"squared"`` (y - r)², ``"logistic"`` (y ∈ {0, 1})."""
    return _pick(kind).value(np.asarray(r, dtype=float), np.asarray(y, dtype=float))


def dloss_dr(r: ArrayLike, y: ArrayLike, kind: str = "squared") -> float | Array:
    """∂l/∂r, elementwise: -2 (y - r) for ``"squared"``, σ(r) - y for ``"logistic"``."""
    return _pick(kind).derivative(np.asarray(r, dtype=float), np.asarray(y, dtype=float))


def _reduction_scale(reduction: str, n: int) -> float:
    """The weight of each example's loss in the total: 1/N for "mean", 1 for "sum"."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"unknown reduction {reduction!r}; valid reductions: {', '.join(map(repr, REDUCTIONS))}"
        )
    return 1.0 / n if reduction == "mean" else 1.0


# ---- shapes ---------------------------------------------------------------------------------


def _check_shape(name: str, array: Array, dims: str, expected: tuple[int | None, ...]) -> None:
    """ValueError naming expected and actual shapes unless they match (None: any length)."""
    if array.ndim != len(expected) or any(
        e is not None and e != got for e, got in zip(expected, array.shape)
    ):
        want = ", ".join(d if e is None else f"{d}={e}" for d, e in zip(dims.split(), expected))
        raise ValueError(f"{name} must have shape ({want}), got {array.shape}")


def _as_network(W: ArrayLike, w: ArrayLike) -> tuple[Array, Array]:
    """W and w as float arrays of shapes (D, H) and (H,)."""
    W, w = np.asarray(W, dtype=float), np.asarray(w, dtype=float)
    _check_shape("W", W, "D H", (None, None))
    _check_shape("w", w, "H", (W.shape[1],))
    return W, w


def _as_example(W: Array, x: ArrayLike) -> Array:
    """x as a float array of shape (D,)."""
    x = np.asarray(x, dtype=float)
    _check_shape("x", x, "D", (W.shape[0],))
    return x


def _as_batch(W: Array, X: ArrayLike, Y: ArrayLike) -> tuple[Array, Array]:
    """X and Y as float arrays of shapes (N, D) and (N,), with N >= 1."""
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    _check_shape("X", X, "N D", (None, W.shape[0]))
    if len(X) == 0:
        raise ValueError(f"X must hold at least one example, got shape {X.shape}")
    _check_shape("Y", Y, "N", (len(X),))
    return X, Y


# ---- the network ----------------------------------------------------------------------------


def _forward(W: Array, w: Array, X: Array) -> Forward:
    """Forward pass for x of shape (D,) or a batch X of shape (N, D)."""
    r_tilde = X @ W
    x_hat = relu(r_tilde)
    return Forward(r_tilde, x_hat, x_hat @ w)


def forward(W: ArrayLike, w: ArrayLike, x: ArrayLike) -> Forward:
    """r_tilde, x_hat and r for one example x of shape (D,)."""
    W, w = _as_network(W, w)
    return _forward(W, w, _as_example(W, x))


def gradients(
    W: ArrayLike, w: ArrayLike, x: ArrayLike, y: float, loss: str = "squared"
) -> tuple[Array, Array]:
    """(∂l/∂W, ∂l/∂w) for one example, shapes (D, H) and (H,)."""
    W, w = _as_network(W, w)
    x = _as_example(W, x)
    r_tilde, x_hat, r = _forward(W, w, x)
    dl_dr = dloss_dr(r, y, loss)
    dW = dl_dr * np.outer(x, w * relu_derivative(r_tilde))  # [i, j]: dl/dr · w_j · a'(r̃_j) · x_i
    dw = dl_dr * x_hat  # [j]: dl/dr · x̂_j
    return dW, dw


def batch_loss(
    W: ArrayLike,
    w: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str = "squared",
    reduction: str = "mean",
) -> float:
    """The total loss over the N rows of X (shape (N, D)) and targets Y (shape (N,))."""
    W, w = _as_network(W, w)
    X, Y = _as_batch(W, X, Y)
    scale = _reduction_scale(reduction, len(X))
    return float(scale * np.sum(_pick(loss).value(_forward(W, w, X).r, Y)))


def batch_gradients(
    W: ArrayLike,
    w: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str = "squared",
    reduction: str = "mean",
) -> tuple[Array, Array]:
    """(∂L/∂W, ∂L/∂w) of ``batch_loss``, shapes (D, H) and (H,)."""
    W, w = _as_network(W, w)
    X, Y = _as_batch(W, X, Y)
    r_tilde, x_hat, r = _forward(W, w, X)
    dl_dr = _reduction_scale(reduction, len(X)) * _pick(loss).derivative(r, Y)  # (N,)
    dW = np.einsum("n,j,nj,ni->ij", dl_dr, w, relu_derivative(r_tilde), X)
    dw = dl_dr @ x_hat
    return dW, dw
