"""Check autodiff against central finite differences.

>>> result = gradcheck(lambda x, y: x * y.sin(), [2.0, 0.5])
>>> bool(result)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .backprop import grad
from .checks import check_number
from .value import Value

__all__ = ["gradcheck", "GradcheckResult", "InputCheck"]


@dataclass(frozen=True)
class InputCheck:
    """The two derivatives of the output with respect to one input, and how far apart."""

    index: int
    x: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool


@dataclass(frozen=True)
class GradcheckResult:
    """Per-input comparisons; truthy when every input agrees within tolerance."""

    inputs: tuple[InputCheck, ...]
    eps: float
    rtol: float
    atol: float

    def __bool__(self) -> bool:
        return all(c.ok for c in self.inputs)

    @property
    def max_abs_error(self) -> float:
        return max((c.abs_error for c in self.inputs), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((c.rel_error for c in self.inputs), default=0.0)

    def __str__(self) -> str:
        header = f"{'input':>5} {'x':>12} {'autodiff':>14} {'finite diff':>14} {'abs err':>9} "
        header += f"{'rel err':>9}  ok"
        rows = [header]
        for c in self.inputs:
            rows.append(
                f"{c.index:>5} {c.x:>12.6g} {c.analytic:>14.8g} {c.numeric:>14.8g} "
                f"{c.abs_error:>9.2e} {c.rel_error:>9.2e}  {'yes' if c.ok else 'NO'}"
            )
        verdict = "all agree" if self else "MISMATCH"
        rows.append(f"{verdict} (eps={self.eps:g}, rtol={self.rtol:g}, atol={self.atol:g})")
        return "\n".join(rows)


def gradcheck(
    f: Callable[..., Value],
    xs: Sequence[float],
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> GradcheckResult:
    """Compare ∂f/∂x_i from autodiff with (f(x+eps·e_i) − f(x−eps·e_i)) / 2eps, for each i.

    ``f`` takes ``len(xs)`` ``Value`` arguments and returns a ``Value``. Input i agrees when
    ``|analytic − numeric| ≤ atol + rtol·|numeric|``. Keep points away from kinks
    (relu and abs at 0), where a finite difference sees both sides.

    TypeError or ValueError, naming the argument, for an ``f`` that is not callable, ``xs``
    that are not finite real numbers, ``eps`` ≤ 0 or a negative ``rtol`` or ``atol``.
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be a function of Values, got {type(f).__name__}")
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"gradcheck: xs must be a sequence of numbers, got {type(xs).__name__}")
    xs = [check_number("gradcheck", f"xs[{i}]", x, low=-math.inf) for i, x in enumerate(xs)]
    if not xs:
        raise ValueError("gradcheck: xs is empty; give f's inputs, one number each")
    eps = check_number("gradcheck", "eps", eps, strict=True)
    rtol = check_number("gradcheck", "rtol", rtol)
    atol = check_number("gradcheck", "atol", atol)

    def at(point: Sequence[float]) -> float:
        out = f(*[Value(x) for x in point])
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
        return out.data

    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    analytic = [g.data for g in grad(out, leaves)]
    checks = []
    for i, x in enumerate(xs):
        up, down = list(xs), list(xs)
        up[i], down[i] = x + eps, x - eps
        numeric = (at(up) - at(down)) / (2 * eps)
        err = abs(analytic[i] - numeric)
        rel = err / max(abs(numeric), abs(analytic[i]), 1e-300)
        ok = err <= atol + rtol * abs(numeric)
        checks.append(InputCheck(i, x, analytic[i], numeric, err, rel, ok))
    return GradcheckResult(tuple(checks), eps, rtol, atol)
