"""Networks on autograd-lite: the notes' feature-discovery net, micrograd's MLP, training.

- ``FeatureDiscoveryNet``: r = Σ_j w_j ReLU(Σ_i W_ij x_i), made of labelled ``Value`` nodes;
- ``Module``, ``Neuron``, ``Layer``, ``MLP``: micrograd's classes, seeded;
- ``losses``: squared, logistic (stable) and hinge losses; ``SGD`` and ``Adam``; ``train``;
- ``nets.manual``: the notes' closed-form gradients in numpy (independent of the engine);
- ``nets.data``: small seeded datasets and a CSV loader.

Each name is imported on first use (PEP 562), so ``import nets.manual`` does not load the
engine, and matplotlib and tqdm wait until something plots or shows a progress bar.
"""

from __future__ import annotations

from importlib import import_module

_SUBMODULES = ("losses", "manual", "data")
_DEFINED_IN = {  # each exported name -> the submodule that defines it
    "FeatureDiscoveryNet": "feature_discovery",
    "ForwardPass": "feature_discovery",
    "Module": "mlp",
    "Neuron": "mlp",
    "Layer": "mlp",
    "MLP": "mlp",
    "SGD": "optim",
    "Adam": "optim",
    "train": "training",
    "accuracy": "training",
    "History": "training",
}
__all__ = [*_DEFINED_IN, *_SUBMODULES]


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")  # which also sets it as an attribute here
    if name in _DEFINED_IN:
        value = getattr(import_module(f"{__name__}.{_DEFINED_IN[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

