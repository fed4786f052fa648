"""autograd-lite: a tiny, fast, correct scalar reverse-mode autodiff engine.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0
"""

from .backprop import backward, grad, topological_order
from .gradcheck import GradcheckResult, gradcheck
from .ops import OPS, Op
from .value import Value

__all__ = [
    "Value",
    "backward",
    "grad",
    "topological_order",
    "gradcheck",
    "GradcheckResult",
    "Op",
    "OPS",
]
