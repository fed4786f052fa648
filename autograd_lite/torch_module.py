"""The op table run on PyTorch tensors: a ``Program`` as a ``torch.nn.Module``.

``to_torch(program)`` builds a module whose ``forward(X)`` computes the program's values
for a batch ``X`` (one row per example) with PyTorch: each layer the layered replay found
(``layered.py``) as one matrix product, every other instruction through its row of the op
table, run on tensors (the generic functions, such as ``relu`` or ``softplus``, get a
tensor implementation here, as floats and numpy arrays get theirs in ``ops.py``). The
parameters are one ``torch.nn.Parameter`` vector, in the program's order; gradients come
from ``torch.autograd``. So a net written in scalars runs wherever PyTorch runs (a GPU,
several processes). PyTorch is imported here only: it stays an optional extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .layered import Layer, find_layers
from .ops import OPS

if TYPE_CHECKING:
    from .program import Program

__all__ = ["to_torch"]


def to_torch(program: Program, device: Any = None) -> Any:
    """A ``torch.nn.Module`` computing ``program`` on a batch; see the module's docstring."""
    try:
        import torch
    except ImportError:
        raise ImportError("Program.to_torch needs PyTorch (pip install torch)") from None

    class Tensor:
        """A tensor as the op table sees a number: arithmetic, comparisons, and each generic
        function (``ops.py``) as a method of its name (set below)."""

        __slots__ = ("t",)

        def __init__(self, t: Any) -> None:
            self.t = t

        def __add__(self, o: Any) -> Tensor:
            return Tensor(self.t + _t(o))

        def __radd__(self, o: Any) -> Tensor:
            return Tensor(_t(o) + self.t)

        def __sub__(self, o: Any) -> Tensor:
            return Tensor(self.t - _t(o))

        def __rsub__(self, o: Any) -> Tensor:
            return Tensor(_t(o) - self.t)

        def __mul__(self, o: Any) -> Tensor:
            return Tensor(self.t * _t(o))

        def __rmul__(self, o: Any) -> Tensor:
            return Tensor(_t(o) * self.t)

        def __truediv__(self, o: Any) -> Tensor:
            return Tensor(self.t / _t(o))

        def __rtruediv__(self, o: Any) -> Tensor:
            return Tensor(_t(o) / self.t)

        def __pow__(self, o: Any) -> Tensor:
            return Tensor(self.t ** _t(o))

        def __rpow__(self, o: Any) -> Tensor:
            return Tensor(_t(o) ** self.t)

        def __neg__(self) -> Tensor:
            return Tensor(-self.t)

        # pow_var's domain check (ops.py) compares, combines and asks np.any
        def __lt__(self, o: Any) -> Tensor:
            return Tensor(self.t < _t(o))

        def __gt__(self, o: Any) -> Tensor:
            return Tensor(self.t > _t(o))

        def __eq__(self, o: Any) -> Tensor:  # type: ignore[override]
            return Tensor(self.t == _t(o))

        def __or__(self, o: Any) -> Tensor:
            return Tensor(self.t | _t(o))

        def __and__(self, o: Any) -> Tensor:
            return Tensor(self.t & _t(o))

        def __bool__(self) -> bool:
            return bool(self.t.any())

    # Each generic function of the op table (ops.py), as a method of its name.
    functions = {"exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "tanh": torch.tanh,
                 "sin": torch.sin, "cos": torch.cos, "sigmoid": torch.sigmoid,
                 "softplus": torch.nn.functional.softplus, "relu": torch.relu, "abs": torch.abs}
    for name, f in functions.items():
        setattr(Tensor, name, lambda self, f=f: Tensor(f(self.t)))

    def _t(x: Any) -> Any:
        return x.t if isinstance(x, Tensor) else x

    class ProgramModule(torch.nn.Module):
        """``forward(X)``: the program's values for each row of ``X`` (shape (B,), or
        (B, 1 + outputs)); ``params`` holds the parameters in the program's order."""

        def __init__(self) -> None:
            super().__init__()
            self.params = torch.nn.Parameter(torch.tensor(
                [p.data for p in program.params], dtype=torch.float64, device=device))
            self.plan = find_layers(program)

        def forward(self, X: Any) -> Any:
            X = torch.as_tensor(X, dtype=torch.float64, device=self.params.device)
            P = self.params
            n_inputs, n_named = program.n_inputs, program.n_named
            vals: dict[int, Any] = {k: X[:, k] for k in range(n_inputs)}
            vals.update({n_inputs + k: P[k] for k in range(len(program.params))})

            def fetch(a: int) -> Any:
                return vals[a] if a < n_named else program.constants[a - n_named]

            for step in self.plan.steps:
                if isinstance(step, Layer):
                    U = torch.stack([vals[a] * torch.ones_like(X[:, 0]) for a in step.inputs])
                    R = P[torch.as_tensor(step.weights - n_inputs)] @ U
                    if len(step.biases):
                        R = R + P[torch.as_tensor(step.biases - n_inputs)][:, None]
                    out = R if step.activation is None else \
                        _t(OPS[step.activation].value(Tensor(R)))
                    vals.update(zip(step.out.tolist(), out))
                else:
                    args = [Tensor(x) if torch.is_tensor(x) else x
                            for x in map(fetch, step.args)]
                    vals[step.out] = _t(step.op.value(*args)) * torch.ones_like(X[:, 0])
            values = torch.stack([vals[k] for k in program.returned], dim=1)
            return values if program.outputs else values[:, 0]

    return ProgramModule().to(device) if device is not None else ProgramModule()

