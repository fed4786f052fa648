"""The step-through page for the feature-discovery net: the example that teaches most.

A trained net classifies most examples confidently, so their gradients are tiny (~1e−5) and
the page shows little. Under the initial (untrained) weights the example with the largest
loss is one the net gets wrong, or nearly, and every gradient on its page is large enough
to read. ``teaching_example`` finds it; ``save_demo_page`` writes its page at the notes'
level, and says in the title which example it is and why.

>>> import numpy as np
>>> net = FeatureDiscoveryNet.from_weights([[1.0, -1.0]], [1.0, 1.0], loss="logistic")
>>> choice = teaching_example(net, np.array([[1.0], [-2.0]]), np.array([1, 1]))
>>> choice.index, choice.misclassified  # r = 1 for x = 1 (right), r = 2 for x = −2 (right)
(0, False)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .feature_discovery import FeatureDiscoveryNet
from .losses import class_targets

__all__ = ["Example", "teaching_example", "save_demo_page"]


class Example(NamedTuple):
    """One example chosen for the page: its index, its loss, whether the net's score puts it
    in the wrong class (r > 0 says class 1), and that in one phrase."""

    index: int
    loss: float
    misclassified: bool
    why: str


def teaching_example(net: FeatureDiscoveryNet, X: ArrayLike, labels: ArrayLike) -> Example:
    """The example with the largest loss under ``net``'s weights (the first on a tie), for
    rows X (with the constant feature, if the net has one) and 0/1 class labels."""
    X, labels = np.asarray(X, dtype=float), np.asarray(labels)
    Y = class_targets(labels, net.loss_name)
    traces = [net.forward(x, y=float(y)) for x, y in zip(X, Y)]
    k = int(np.argmax([t.l.data for t in traces]))
    r, label = traces[k].r.data, int(labels[k])
    wrong = (r > 0) != (label == 1)
    said = f"r = {r:.3g} {'>' if r > 0 else '≤'} 0 says class {int(r > 0)}"
    why = (f"the largest loss, l = {traces[k].l.data:.3g}: "
           + (f"misclassified ({said}, it is class {label})" if wrong else f"{said}, right"))
    return Example(k, traces[k].l.data, wrong, why)


def save_demo_page(path: str | os.PathLike[str], trained: FeatureDiscoveryNet, X: ArrayLike,
                   labels: ArrayLike, seed: int = 0, **options) -> Path:
    """Write the step-through page, at the notes' level, of the net ``trained`` was before
    training (the same shape, loss and ``seed``) on its ``teaching_example``; the title
    says which example and why. ``options`` go to ``autograd_lite.page.save_html``."""
    from autograd_lite.page import save_html

    net = FeatureDiscoveryNet(trained.n_inputs, trained.n_hidden, trained.loss_name, seed=seed)
    X = np.asarray(X, dtype=float)
    choice = teaching_example(net, X, labels)
    y = class_targets(np.asarray(labels), net.loss_name)[choice.index]
    trace = net.forward(X[choice.index], y=float(y))
    title = f"Example {choice.index} under the untrained weights: {choice.why}"
    return save_html(trace.l, path, **({"params": net.parameters(), "title": title} | options))
