"""micrograd's ``Module``, ``Neuron``, ``Layer`` and ``MLP``, with input checks.

The same classes and call conventions as micrograd's ``nn.py``, so its examples run: a
neuron computes ``relu(Σ_i w_i x_i + b)`` (``nonlin="tanh"``: tanh, as in the lecture;
``nonlin=False``: the plain sum), a layer is a list of neurons on the same inputs, an MLP a
chain of layers whose last is linear. The weights are drawn as micrograd draws them, from
Python's ``random`` module, so ``random.seed(1337)`` gives micrograd's numbers; or from
``random.Random(seed)`` when a ``seed`` is given, leaving the global state alone.

The lecture's own MLP (the video, not ``nn.py``) differs in two ways, each an option:
its biases are drawn from U(−1, 1) too (``random_bias=True``: each neuron draws its
weights, then its bias) and its last layer has the activation as well
(``last_linear=False``). So the lecture's network is
``MLP(3, [4, 4, 1], nonlin="tanh", random_bias=True, last_linear=False)``.

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
from autograd_lite.checks import check_positive_int
from autograd_lite.value import shown

__all__ = ["Module", "Neuron", "Layer", "MLP"]

# nonlin: the activation's name, or micrograd's True (ReLU) and False (none).
_NONLIN = {True: "relu", False: "linear", "relu": "relu", "tanh": "tanh", "linear": "linear"}
_NAMES = {"relu": "ReLU", "tanh": "Tanh", "linear": "Linear"}
Nonlin = bool | str
Seed = int | random.Random | None


class Module:
    """Anything with ``parameters()``; ``zero_grad()`` resets their gradients."""

    def parameters(self) -> list[Value]:
        """The trainable ``Value`` leaves, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (``backward()`` adds to it)."""
        for p in self.parameters():
            p.grad = 0.0


def _rng(seed: Seed) -> random.Random | None:
    """The generator to draw from; ``None`` for the global ``random`` module (micrograd's)."""
    if seed is None or isinstance(seed, random.Random):
        return seed
    return random.Random(seed)


def _activation(nonlin: Nonlin) -> str:
    if isinstance(nonlin, (bool, str)) and nonlin in _NONLIN:
        return _NONLIN[nonlin]
    raise ValueError(
        f"nonlin must be True, False, 'relu', 'tanh' or 'linear', got {nonlin!r}"
    )


def _flag(name: str, value: bool) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}: "
                        f"{shown(value)}")
    return value


class Neuron(Module):
    """act(w·x + b) with act ReLU (``nonlin=True``, the default), tanh or none (``False``).

    w ~ U(−1, 1), b = 0, as in micrograd's ``nn.py``; ``random_bias=True``: b ~ U(−1, 1),
    drawn after the weights, as in the lecture. ``seed``: ``None`` draws from Python's
    ``random`` module, as micrograd does; an int or a ``random.Random`` draws from that
    generator instead (a layer passes one generator to all its neurons, so they differ).
    """

    def __init__(self, nin: int, nonlin: Nonlin = True, seed: Seed = None, *,
                 random_bias: bool = False) -> None:
        check_positive_int("nin", nin)
        self.activation = _activation(nonlin)
        rng = _rng(seed)
        uniform = random.uniform if rng is None else rng.uniform
        self.w = [Value(uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(uniform(-1, 1) if _flag("random_bias", random_bias) else 0.0)

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: whether an activation follows the affine sum."""
        return self.activation != "linear"

    def __call__(self, x: Sequence[Value | float]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(x)}")
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        if self.activation == "linear":
            return act
        return act.relu() if self.activation == "relu" else act.tanh()

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{_NAMES[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons on the same ``nin`` inputs; one output comes back as a bare Value."""

    def __init__(self, nin: int, nout: int, nonlin: Nonlin = True, seed: Seed = None, *,
                 random_bias: bool = False) -> None:
        check_positive_int("nout", nout)
        rng = _rng(seed)
        self.neurons = [Neuron(nin, nonlin, rng, random_bias=random_bias) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs: hidden layers with the activation
    ``nonlin`` (ReLU by default, or ``"tanh"``), a linear last one, as in micrograd.

    ``last_linear=False`` gives the last layer the activation too, and ``random_bias=True``
    draws every bias from U(−1, 1): both together make the lecture's network,
    ``MLP(3, [4, 4, 1], nonlin="tanh", random_bias=True, last_linear=False)``.
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], nonlin: Nonlin = True, seed: Seed = None, *,
        random_bias: bool = False, last_linear: bool = True,
    ) -> None:
        if isinstance(nouts, str) or not isinstance(nouts, Sequence):
            raise TypeError(f"MLP: nouts must be a list of layer sizes (such as [16, 1]), got "
                            f"{type(nouts).__name__}: {shown(nouts)}")
        if not nouts:
            raise ValueError("nouts must list at least one layer size, got an empty list")
        _activation(nonlin)  # checked here, even when every layer is the last
        last = False if _flag("last_linear", last_linear) else nonlin
        rng = _rng(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin if i != len(nouts) - 1 else last, seed=rng,
                  random_bias=random_bias)
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
