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
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from autograd_lite import Value
from autograd_lite.checks import check_number

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """The parameters and the learning rate; subclasses define the update ``_update``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"{name}: params must be a list of Values, got {type(params).__name__}")
        try:
            self.params = list(params)
        except TypeError:  # an Iterable that cannot be iterated: a 0-d numpy array
            raise TypeError(f"{name}: params must be a list of Values, got "
                            f"{type(params).__name__}") from None
        if not self.params:
            raise ValueError(f"{name}: params is empty: no parameters to optimize")
        for k, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params[{k}] is a {type(p).__name__}, not a Value")
        self.lr = _check(name, "lr", lr, low=0.0, low_open=True)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter by one update.

        All or nothing: if a grad is not a finite number, or a parameter or the optimizer's
        state would become non-finite, it raises and changes nothing (no parameter, no
        state), so the next step runs as if this one had not been tried. Ctrl-C too: before
        the parameters start to move it stops the step with nothing changed; once they do,
        it waits until the step is whole.
        """
        name = type(self).__name__
        try:
            grads = [check_number(name, f"params[{k}].grad", p.grad, low=-math.inf)
                     for k, p in enumerate(self.params)]
        except ValueError as e:
            raise ValueError(f"{e}; nothing was changed") from None
        deltas, state = self._update(grads)
        new = [p.data - d for p, d in zip(self.params, deltas)]
        for k, v in enumerate(new):
            if not math.isfinite(v):
                raise OverflowError(
                    f"{name}: parameter {k} would become {v} (is lr too large?); "
                    "nothing was changed"
                )
        with _ctrl_c_deferred():  # all or nothing, even for Ctrl-C
            for p, v in zip(self.params, new):
                p.data = v
            vars(self).update(state)

    def _update(self, grads: list[float]) -> tuple[list[float], dict[str, object]]:
        """How much to subtract from each parameter, and the optimizer's state after the
        step (attribute name → value), to be kept only if the step is taken."""
        raise NotImplementedError


class SGD(Optimizer):
    """p ← p − lr·v with v ← momentum·v + grad (plain gradient descent when momentum = 0)."""

    def __init__(self, params: Iterable[Value], lr: float = 0.01, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _check("SGD", "momentum", momentum, low=0.0, high=1.0)
        self._velocity = [0.0] * len(self.params)

    def _update(self, grads: list[float]) -> tuple[list[float], dict[str, object]]:
        mu, lr = self.momentum, self.lr
        velocity = [mu * v + g for v, g in zip(self._velocity, grads)]
        return [lr * v for v in velocity], {"_velocity": velocity}


class Adam(Optimizer):
    """Adam (Kingma & Ba): steps of lr·m̂/(√v̂ + eps) from bias-corrected moving averages.

    m ← β₁m + (1 − β₁)·grad,  v ← β₂v + (1 − β₂)·grad²,  m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ).

    A grad above about 1.3e154 in size, whose square is not a finite float, is refused
    (``OverflowError``, nothing changed) rather than making v infinite, which would freeze
    the parameter for good.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if isinstance(betas, str) or not isinstance(betas, Sequence):
            raise TypeError(f"Adam: betas must be a pair (β₁, β₂), got {type(betas).__name__}")
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (β₁, β₂), got {len(betas)} numbers")
        self.betas = (
            _check("Adam", "betas[0]", betas[0], low=0.0, high=1.0),
            _check("Adam", "betas[1]", betas[1], low=0.0, high=1.0),
        )
        self.eps = _check("Adam", "eps", eps, low=0.0, low_open=True)
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)
        self._t = 0

    def _update(self, grads: list[float]) -> tuple[list[float], dict[str, object]]:
        (b1, b2), eps = self.betas, self.eps
        t = self._t + 1
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        for k, g in enumerate(grads):
            if not math.isfinite(g * g):
                raise OverflowError(
                    f"Adam: params[{k}].grad = {g!r} is too large: its square is not a finite "
                    "float (|grad| must stay below about 1.3e154); nothing was changed"
                )
        m = [b1 * mk + (1.0 - b1) * g for mk, g in zip(self._m, grads)]
        v = [b2 * vk + (1.0 - b2) * g * g for vk, g in zip(self._v, grads)]
        # as PyTorch: √v̂ = √v / √(1 − β₂ᵗ), which cannot overflow where v/(1 − β₂ᵗ) could
        step_size, root_c2 = self.lr / c1, math.sqrt(c2)
        deltas = [step_size * mk / (math.sqrt(vk) / root_c2 + eps) for mk, vk in zip(m, v)]
        return deltas, {"_t": t, "_m": m, "_v": v}


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Run the body whole: a Ctrl-C (SIGINT) arriving meanwhile is acted on when it ends.
    Only the main thread receives signals, so elsewhere the body runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[FrameType | None] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):  # e.g. Python's own handler: KeyboardInterrupt
            previous(signal.SIGINT, caught[0])


def _check(
    owner: str, name: str, x: float, low: float, high: float = math.inf, low_open: bool = False
) -> float:
    """x as a float in [low, high) (or (low, high) when ``low_open``).

    TypeError unless x is a real number; ValueError if it is not finite or out of range.
    """
    x = check_number(owner, name, x, low=-math.inf)
    if x < low or (low_open and x == low) or x >= high:
        left = "(" if low_open else "["
        raise ValueError(f"{owner}: {name} must be in {left}{low:g}, {high:g}), got {x!r}")
    return x
