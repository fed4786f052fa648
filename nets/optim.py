"""Gradient-descent optimizers for any list of ``Value`` parameters (``model.parameters()``).

Each ``step()`` reads every parameter's ``grad`` (set by ``backward()``) and moves its
``data``; ``zero_grad()`` clears the grads for the next step. The update rules are
PyTorch's, so the same settings behave the same way.

>>> from autograd_lite import Value
>>> p = Value(3.0)
>>> opt = SGD([p], lr=0.1)
>>> (p * p).backward()  # ∂(p²)/∂p = 6
>>> opt.step()
>>> round(p.data, 12)
2.4
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from autograd_lite import Value

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """The parameters and the learning rate; subclasses define the update ``_deltas``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        name = type(self).__name__
        if not self.params:
            raise ValueError(f"{name}: no parameters to optimize")
        for k, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params[{k}] is a {type(p).__name__}, not a Value")
        self.lr = _check(name, "lr", lr, low=0.0, low_open=True)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter by one update; none moves if any would become non-finite."""
        new = [p.data - d for p, d in zip(self.params, self._deltas())]
        for k, v in enumerate(new):
            if not math.isfinite(v):
                raise OverflowError(
                    f"{type(self).__name__}: parameter {k} would become {v} (is lr too large?); "
                    "no parameter was changed"
                )
        for p, v in zip(self.params, new):
            p.data = v

    def _deltas(self) -> list[float]:
        """How much to subtract from each parameter; updates the optimizer's state."""
        raise NotImplementedError


class SGD(Optimizer):
    """p ← p − lr·v with v ← momentum·v + grad (plain gradient descent when momentum = 0)."""

    def __init__(self, params: Iterable[Value], lr: float = 0.01, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _check("SGD", "momentum", momentum, low=0.0, high=1.0)
        self._velocity = [0.0] * len(self.params)

    def _deltas(self) -> list[float]:
        mu, lr = self.momentum, self.lr
        self._velocity = [mu * v + p.grad for v, p in zip(self._velocity, self.params)]
        return [lr * v for v in self._velocity]


class Adam(Optimizer):
    """Adam (Kingma & Ba): steps of lr·m̂/(√v̂ + eps) from bias-corrected moving averages.

    m ← β₁m + (1 − β₁)·grad,  v ← β₂v + (1 − β₂)·grad²,  m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        self.betas = (
            _check("Adam", "betas[0]", betas[0], low=0.0, high=1.0),
            _check("Adam", "betas[1]", betas[1], low=0.0, high=1.0),
        )
        self.eps = _check("Adam", "eps", eps, low=0.0, low_open=True)
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)
        self._t = 0

    def _deltas(self) -> list[float]:
        (b1, b2), eps = self.betas, self.eps
        self._t += 1
        c1, c2 = 1.0 - b1**self._t, 1.0 - b2**self._t
        grads = [p.grad for p in self.params]
        self._m = [b1 * m + (1.0 - b1) * g for m, g in zip(self._m, grads)]
        self._v = [b2 * v + (1.0 - b2) * g * g for v, g in zip(self._v, grads)]
        return [self.lr * (m / c1) / (math.sqrt(v / c2) + eps) for m, v in zip(self._m, self._v)]


def _check(
    owner: str, name: str, x: float, low: float, high: float = math.inf, low_open: bool = False
) -> float:
    """x as a float in [low, high) (or (low, high) when ``low_open``); ValueError otherwise."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"{owner}: {name} must be a finite number, got {x!r}")
    if x < low or (low_open and x == low) or x >= high:
        left = "(" if low_open else "["
        raise ValueError(f"{owner}: {name} must be in {left}{low:g}, {high:g}), got {x!r}")
    return float(x)
