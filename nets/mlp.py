"""micrograd's ``Module``, ``Neuron``, ``Layer`` and ``MLP``, seeded and with input checks.

The same classes and call conventions as micrograd's ``nn.py``, so its examples run: a
neuron computes ``relu(Σ_i w_i x_i + b)`` (or the plain sum when ``nonlin=False``), a layer
is a list of neurons on the same inputs, an MLP a chain of layers whose last is linear.
Unlike micrograd, the weights come from a ``random.Random`` seeded by the caller, never
from the global random state.

>>> model = MLP(2, [4, 1], seed=0)
>>> len(model.parameters())  # (2 + 1)·4 + (4 + 1)·1
17
>>> score = model([1.0, -2.0])  # a single output comes back as a Value, not a list
>>> score.backward()
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from autograd_lite import Value

from ._checks import check_positive_int

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """Anything with ``parameters()``; ``zero_grad()`` resets their gradients."""

    def parameters(self) -> list[Value]:
        """The trainable ``Value`` leaves, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (``backward()`` adds to it)."""
        for p in self.parameters():
            p.grad = 0.0


def _rng(seed: int | random.Random) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


class Neuron(Module):
    """relu(w·x + b), or w·x + b when ``nonlin=False``; w ~ U(−1, 1), b = 0 as in micrograd.

    ``seed`` is an int or a ``random.Random`` to draw from (a layer shares one among its
    neurons, so they differ).
    """

    def __init__(self, nin: int, nonlin: bool = True, seed: int | random.Random = 0) -> None:
        check_positive_int("nin", nin)
        rng = _rng(seed)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | float]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(x)}")
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons on the same ``nin`` inputs; one output comes back as a bare Value."""

    def __init__(
        self, nin: int, nout: int, nonlin: bool = True, seed: int | random.Random = 0
    ) -> None:
        check_positive_int("nout", nout)
        rng = _rng(seed)
        self.neurons = [Neuron(nin, nonlin, rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs: ReLU hidden layers, a linear last one."""

    def __init__(self, nin: int, nouts: Sequence[int], seed: int | random.Random = 0) -> None:
        if isinstance(nouts, str) or not isinstance(nouts, Sequence):
            raise TypeError(f"MLP: nouts must be a list of layer sizes (such as [16, 1]), got "
                            f"{type(nouts).__name__}: {nouts!r}")
        if not nouts:
            raise ValueError("nouts must list at least one layer size, got an empty list")
        rng = _rng(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, seed=rng)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:  # lists throughout, so a 1-unit hidden layer works too
            x = [n(x) for n in layer.neurons]
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
