"""What the engine and its readers write about a value: numbers in drawings and sentences
(``format_number``), any object in an error message (``shown``), and whether a ReLU is off
(``is_off``), so that a drawing, an explanation and the step-through page say the same.

This module imports nothing of the package: every other module may use it.

>>> format_number(-0.5), shown("x" * 100)[-5:]
('−0.5', 'xx...')
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["format_number", "shown", "is_off"]


def format_number(x: float, fmt: str = ".4g") -> str:
    """``x`` formatted with ``fmt``, a true minus sign, and no negative zero.

    >>> format_number(-0.5), format_number(-0.0), format_number(2 / 3, ".2f")
    ('−0.5', '0', '0.67')
    """
    if not isinstance(fmt, str):
        raise TypeError(f'fmt must be a number format such as ".4g", got {type(fmt).__name__}')
    try:
        return format(float(x) + 0.0, fmt).replace("-", "−")  # + 0.0 turns -0.0 into 0.0
    except ValueError:
        raise ValueError(f'fmt must be a number format such as ".4g", got {shown(fmt)}') from None


def shown(x: object) -> str:
    """``repr(x)`` for an error message: at most 60 characters, and an int too long for
    Python to print (past 4,300 digits) or to hold as a float given by its number of digits."""
    if isinstance(x, numbers.Integral) and not isinstance(x, bool) and abs(int(x)) > 10**60:
        return f"an int of {int(math.log10(abs(int(x)))) + 1} digits"
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def is_off(node: Any) -> bool:
    """Whether ``node`` (a ``Value``) is a ReLU whose input is ≤ 0: it is 0, and sends 0
    back to its input, which every picture and sentence says ("off")."""
    return node.op is not None and node.op.name == "relu" and node.parents[0].data <= 0
