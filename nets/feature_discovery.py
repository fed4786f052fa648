"""The notes' feature-discovery network, made of ``Value`` nodes.

For an input x ∈ ℝᴰ, weights W (D × H; ``W[i][j]`` joins input i to hidden unit j) and
w ∈ ℝᴴ, with no separate biases (append a constant feature x_i = 1 for one):

    r̃_j = Σ_i W_ij x_i        x̂_j = ReLU(r̃_j)        r = Σ_j w_j x̂_j        l = L(r, y)

Every node of a pass is labelled as in the notes, for drawing and explaining the graph:
parameters ``W[i,j]`` and ``w[j]``, inputs ``x[i]``, pre-activations ``r̃[j]``, features
``x̂[j]``, the score ``r`` and the loss ``l`` (indices from 0).

>>> net = FeatureDiscoveryNet.from_weights([[1.0, -1.0], [2.0, 0.5]], [2.0, 3.0])
>>> t = net.forward([1.0, 2.0], y=7.0)
>>> [n.data for n in t.r_tilde], [n.data for n in t.x_hat], t.r.data, t.l.data
([5.0, 0.0], [5.0, 0.0], 10.0, 9.0)
>>> t.l.backward()  # ∂l/∂r = −2 (7 − 10) = 6;  ∂l/∂w_j = 6 x̂_j;  ∂l/∂W_ij = 6 w_j a'(r̃_j) x_i
>>> [p.grad for p in net.parameters()]
[12.0, 0.0, 24.0, 0.0, 30.0, 0.0]
"""

from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from autograd_lite import Value
from autograd_lite.checks import Array, as_array, as_examples, check_choice, check_positive_int
from autograd_lite.files import read_limited, write_atomic

from . import losses
from .mlp import Module

__all__ = ["FeatureDiscoveryNet", "ForwardPass", "NET_LOSSES", "FORMAT", "VERSION", "MAX_BYTES",
           "BYTES_PER_NODE"]

NET_LOSSES = ("squared", "logistic")  # the losses nets.manual also differentiates
FORMAT = "autograd-lite/feature-discovery"  # the "format" field of a weights file
VERSION = 1
MAX_FILE_BYTES = 64 * 2**20  # a weights file larger than this is refused before parsing
MAX_BYTES = 2**30
"""The memory a net's parameters and the graph of one example may take: a larger net is
refused before anything is built (``FeatureDiscoveryNet(3, 10**7)`` would take 10 GiB)."""
BYTES_PER_NODE = 256
"""An upper bound on the memory of one node: a parameter (a ``Value``, its label, its place
in a list) measured 200-245 bytes, a node of a pass 125-128 (tests/test_feature_discovery.py
measures it again)."""


@dataclass(frozen=True)
class ForwardPass:
    """The nodes of one forward pass: inputs, r̃, x̂, the score r and (given y) the loss l."""

    x: list[Value]
    r_tilde: list[Value]
    x_hat: list[Value]
    r: Value
    l: Value | None = None  # noqa: E741 (the notes' name for the loss)


class FeatureDiscoveryNet(Module):
    """r = Σ_j w_j ReLU(Σ_i W_ij x_i), trained with the squared or the logistic loss.

    ``W`` is a list of ``n_inputs`` lists of ``n_hidden`` parameters, ``w`` a list of
    ``n_hidden``. The initial weights are drawn from ``random.Random(seed)``: W_ij from
    N(0, 2/D) (He's scale for ReLU), w_j from N(0, 1/H).

    The score r predicts class 1 when r > 0. The logistic loss trains on 0/1 targets and
    the squared loss on −1/+1 (see ``nets.losses.class_targets``); the squared loss also
    takes any real target y.
    """

    def __init__(self, n_inputs: int, n_hidden: int, loss: str = "squared", seed: int = 0):
        n_inputs = check_positive_int("n_inputs", n_inputs)
        n_hidden = check_positive_int("n_hidden", n_hidden)
        check_choice("loss", loss, NET_LOSSES)
        _check_memory(n_inputs, n_hidden)
        self.n_inputs, self.n_hidden, self.loss_name = n_inputs, n_hidden, loss
        self._loss = losses.LOSSES[loss]
        rng = random.Random(seed)
        w_scale, v_scale = math.sqrt(2.0 / n_inputs), math.sqrt(1.0 / n_hidden)
        self.W = [
            [Value(rng.gauss(0.0, w_scale), label=f"W[{i},{j}]") for j in range(n_hidden)]
            for i in range(n_inputs)
        ]
        self.w = [Value(rng.gauss(0.0, v_scale), label=f"w[{j}]") for j in range(n_hidden)]
        # Labels for the nodes of every pass, made once.
        self._x_labels = [f"x[{i}]" for i in range(n_inputs)]
        self._r_tilde_labels = [f"r̃[{j}]" for j in range(n_hidden)]
        self._x_hat_labels = [f"x̂[{j}]" for j in range(n_hidden)]

    @staticmethod
    def nodes(n_inputs: int, n_hidden: int, examples: int = 1) -> int:
        """An upper bound on the number of nodes of the net's parameters and the graphs of
        the loss on ``examples`` examples: D·H + H parameters, and per example D inputs,
        2·D·H nodes of the sums r̃, 2·H of the features and the score, and the loss's few."""
        return n_inputs * n_hidden + n_hidden + examples * (
            n_inputs + 2 * n_inputs * n_hidden + 2 * n_hidden + 16)

    @classmethod
    def from_weights(cls, W: ArrayLike, w: ArrayLike, loss: str = "squared") -> FeatureDiscoveryNet:
        """A net with the given weights: W of shape (n_inputs, n_hidden), w of shape (n_hidden,)."""
        W, w = _as_weights(W, w)
        net = cls(W.shape[0], W.shape[1], loss)
        net._assign(W, w)
        return net

    def __repr__(self) -> str:
        return (
            f"FeatureDiscoveryNet(n_inputs={self.n_inputs}, n_hidden={self.n_hidden}, "
            f"loss={self.loss_name!r})"
        )

    # --- the forward pass -----------------------------------------------------------------
    def forward(self, x: ArrayLike, y: float | Value | None = None) -> ForwardPass:
        """Build the graph for one example x (``n_inputs`` numbers); with a target y, its loss.

        x may also be a list of ``n_inputs`` Value leaves and y a Value leaf: the graph is
        then built on them, as ``autograd_lite.trace`` needs for a program's inputs.
        """
        return self._trace(self._as_input(x), y)

    def __call__(self, x: ArrayLike) -> Value:
        """The score r for one example x."""
        return self.forward(x).r

    def loss(self, x: ArrayLike, y: float) -> Value:
        """The loss l(r, y) for one example x with target y."""
        return self.forward(x, y).l

    def total_loss(self, X: ArrayLike, Y: ArrayLike, reduction: str = "mean") -> Value:
        """The mean (or sum) of the loss over the rows of X (N × n_inputs) and targets Y (N)."""
        X, Y = as_examples(X, Y, self.n_inputs)
        terms = []
        for n, (x, y) in enumerate(zip(X.tolist(), Y.tolist())):
            try:
                terms.append(self._trace(x, y).l)
            except ValueError as e:
                raise ValueError(f"total_loss: example {n}: {e}") from None
        return losses.reduce(terms, reduction)

    def _trace(self, x: list[float] | list[Value], y: float | Value | None) -> ForwardPass:
        W = self.W
        xs = [v if isinstance(v, Value) else Value(v, label=label)
              for v, label in zip(x, self._x_labels)]
        r_tilde, x_hat = [], []
        for j in range(self.n_hidden):  # sums start from their first term: no "0 +" node
            r_j = sum((W[i][j] * xs[i] for i in range(1, self.n_inputs)), W[0][j] * xs[0])
            r_j.label = self._r_tilde_labels[j]
            h_j = r_j.relu()
            h_j.label = self._x_hat_labels[j]
            r_tilde.append(r_j)
            x_hat.append(h_j)
        r = sum((w_j * h_j for w_j, h_j in zip(self.w[1:], x_hat[1:])), self.w[0] * x_hat[0])
        r.label = "r"
        if y is None:
            return ForwardPass(xs, r_tilde, x_hat, r)
        loss = self._loss(r, y)
        loss.label = "l"
        return ForwardPass(xs, r_tilde, x_hat, r, loss)

    def _as_input(self, x: ArrayLike | list[Value]) -> list[float] | list[Value]:
        if isinstance(x, list) and len(x) == self.n_inputs and all(
            isinstance(v, Value) for v in x
        ):
            return x  # the inputs of a graph to be traced (see nets.training)
        a = as_array("x", x)
        if a.shape != (self.n_inputs,):
            raise ValueError(
                f"x must have shape ({self.n_inputs},), one number per input, got shape {a.shape}"
            )
        return a.tolist()

    # --- parameters -----------------------------------------------------------------------
    def parameters(self) -> list[Value]:
        """W row by row (``W[0][0]``, ``W[0][1]``, …), then w."""
        return [p for row in self.W for p in row] + self.w

    def weights(self) -> tuple[Array, Array]:
        """Copies of the weights as numpy arrays: W of shape (D, H), w of shape (H,)."""
        W = np.array([[p.data for p in row] for row in self.W])
        return W, np.array([p.data for p in self.w])

    def _assign(self, W: Array, w: Array) -> None:
        """Set the weights in place (optimizers keep working) and clear their gradients."""
        for row, values in zip(self.W, W.tolist()):
            for p, v in zip(row, values):
                p.data, p.grad = v, 0.0
        for p, v in zip(self.w, w.tolist()):
            p.data, p.grad = v, 0.0

    # --- files ----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the loss and the weights to ``path`` as JSON (see ``FORMAT``), atomically:
        if the write fails, an existing file at ``path`` is left as it was."""
        W, w = self.weights()
        doc = {"format": FORMAT, "version": VERSION, "loss": self.loss_name,
               "W": W.tolist(), "w": w.tolist()}
        write_atomic(path, json.dumps(doc, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FeatureDiscoveryNet:
        """A new net from a file written by ``save``; ValueError naming the file if it is bad."""
        loss, W, w = _read(path)
        try:
            net = cls(W.shape[0], W.shape[1], loss)
        except ValueError as e:  # too large
            raise ValueError(f"{os.fspath(path)}: {e}") from None
        net._assign(W, w)
        return net

    def load_weights(self, path: str | os.PathLike[str]) -> None:
        """Set this net's W and w from a file written by ``save`` (the net keeps its loss).

        On any problem (unreadable, not JSON, wrong format, wrong shapes) raises ValueError
        naming the file, and the net is left unchanged.
        """
        _, W, w = _read(path)
        if W.shape != (self.n_inputs, self.n_hidden):
            raise ValueError(
                f"{os.fspath(path)}: W has shape {W.shape}, this net needs "
                f"({self.n_inputs}, {self.n_hidden})"
            )
        self._assign(W, w)


def _check_memory(n_inputs: int, n_hidden: int) -> None:
    """ValueError, before anything is built, if the parameters and one example's graph of a
    net of this size would take more than ``MAX_BYTES``."""
    nodes = FeatureDiscoveryNet.nodes(n_inputs, n_hidden)
    if nodes * BYTES_PER_NODE > MAX_BYTES:
        raise ValueError(
            f"a net of {n_inputs:,} inputs and {n_hidden:,} hidden units is {nodes:,} nodes "
            f"with one example's graph, about {nodes * BYTES_PER_NODE / 2**30:.1f} GiB at "
            f"{BYTES_PER_NODE} bytes a node, more than the limit of {MAX_BYTES / 2**30:g} GiB"
        )


def _as_weights(W: ArrayLike, w: ArrayLike) -> tuple[Array, Array]:
    """W and w as float arrays of shapes (D, H) and (H,), finite, D and H ≥ 1."""
    W, w = as_array("W", W), as_array("w", w)
    if W.ndim != 2 or 0 in W.shape:
        raise ValueError(f"W must have shape (n_inputs, n_hidden), both ≥ 1, got shape {W.shape}")
    if w.shape != (W.shape[1],):
        raise ValueError(
            f"w must have shape (n_hidden,) = ({W.shape[1]},) to match W's {W.shape}, "
            f"got shape {w.shape}"
        )
    for name, a in (("W", W), ("w", w)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} must hold finite numbers, got {a[~np.isfinite(a)][0]}")
    return W, w


def _read(path: str | os.PathLike[str]) -> tuple[str, Array, Array]:
    """The loss name, W and w in a weights file; ValueError naming the file otherwise."""
    where = os.fspath(path)
    try:
        text = read_limited(path, MAX_FILE_BYTES).decode("utf-8")  # ValueError over the limit
    except OSError as e:
        raise ValueError(f"{where}: cannot read the file ({e.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not a text file (not UTF-8)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(
            f"{where}: not valid JSON, the file may be truncated "
            f"({e.msg} at line {e.lineno}, column {e.colno})"
        ) from None
    except RecursionError:
        raise ValueError(f"{where}: JSON nested too deeply (a weights file has depth 2)") from None
    except ValueError as e:  # an integer of more than 4,300 digits
        raise ValueError(f"{where}: {str(e).split(';')[0]}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f'{where}: not a weights file (expected "format": "{FORMAT}")')
    if doc.get("version") != VERSION:
        raise ValueError(f"{where}: unsupported version {doc.get('version')!r}, expected {VERSION}")
    missing = [key for key in ("loss", "W", "w") if key not in doc]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(map(repr, missing))}")
    try:
        check_choice("loss", doc["loss"], NET_LOSSES)
        W, w = _as_weights(doc["W"], doc["w"])
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None
    return doc["loss"], W, w
