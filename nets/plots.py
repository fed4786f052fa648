"""PNG plots of a training run: the decision boundary and the loss curve (matplotlib).

Figures are drawn with matplotlib's Agg canvas directly (no pyplot, no display, no global
figure state), so this works on a machine without a screen. Files are written atomically.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograd_lite.checks import Array
from autograd_lite.files import write_atomic

from .training import History

__all__ = ["decision_boundary", "loss_curve"]


def decision_boundary(
    score: Callable[[Array], Array],
    X: Array,
    labels: Array,
    path: str | os.PathLike[str],
    title: str = "decision boundary",
    resolution: int = 120,
) -> None:
    """Shade the plane by ``score`` (r > 0: class 1), draw r = 0 and the points of X (N × 2).

    ``score`` maps an (M, 2) array of points to their M scores.
    """
    (x0, y0), (x1, y1) = X.min(axis=0), X.max(axis=0)
    pad_x, pad_y = 0.1 * (x1 - x0) + 0.1, 0.1 * (y1 - y0) + 0.1
    gx, gy = np.meshgrid(
        np.linspace(x0 - pad_x, x1 + pad_x, resolution),
        np.linspace(y0 - pad_y, y1 + pad_y, resolution),
    )
    r = score(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    fig = Figure(figsize=(6, 5))
    ax = fig.add_subplot()
    ax.contourf(gx, gy, r > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"])
    if r.min() < 0 < r.max():
        ax.contour(gx, gy, r, levels=[0.0], colors="k", linewidths=1)
    for label, colour, marker in ((0, "#d62728", "o"), (1, "#1f77b4", "s")):
        points = X[labels == label]
        ax.scatter(points[:, 0], points[:, 1], c=colour, marker=marker, s=14,
                   edgecolors="k", linewidths=0.3, label=f"class {label}")
    ax.set(title=title, xlabel="x[0]", ylabel="x[1]")
    ax.legend(loc="best")
    _save(fig, path)


def loss_curve(history: History, path: str | os.PathLike[str], title: str = "training") -> None:
    """The training loss (log scale) and accuracy per epoch, one above the other."""
    epochs = np.arange(1, len(history.loss) + 1)
    fig = Figure(figsize=(6, 5))
    loss_ax, acc_ax = fig.subplots(2, 1, sharex=True)
    loss_ax.plot(epochs, history.loss, color="#1f77b4")
    loss_ax.set(title=title, ylabel="mean loss", yscale="log")
    acc_ax.plot(epochs, 100 * np.asarray(history.accuracy), color="#2ca02c")
    acc_ax.set(xlabel="epoch", ylabel="accuracy (%)", ylim=(0, 101))
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
    _save(fig, path)


def _save(fig: Figure, path: str | os.PathLike[str]) -> None:
    """Render in memory in the format of the file's suffix (PNG without one), then write the
    file atomically: a failed write leaves an existing plot whole."""
    FigureCanvasAgg(fig)
    fig.tight_layout()
    image = io.BytesIO()
    fig.savefig(image, format=Path(path).suffix[1:].lower() or "png", dpi=120)
    write_atomic(path, image.getvalue())
