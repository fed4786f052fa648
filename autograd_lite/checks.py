"""Argument checks for the public functions: each error names the function and the argument.

A wrong type is a ``TypeError``, a value of the right type out of range a ``ValueError``.
numpy's integers and floats count as ints and floats; a bool is not a number here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

from .value import Value, shown

__all__ = ["check_value", "check_count", "check_number", "check_styles", "check_graph_size"]


def check_value(where: str, name: str, x: object) -> None:
    """TypeError unless ``x`` is a ``Value``."""
    if not isinstance(x, Value):
        raise TypeError(f"{where}: {name} must be a Value, got {type(x).__name__}")


def check_count(where: str, name: str, x: object, low: int = 0) -> int:
    """``x`` as an int ≥ ``low``: TypeError unless an integer, ValueError if below ``low``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an int, got {type(x).__name__}: {shown(x)}")
    if x < low:
        raise ValueError(f"{where}: {name} must be at least {low}, got {shown(x)}")
    return int(x)


def check_number(where: str, name: str, x: object, low: float = 0.0, strict: bool = False) -> float:
    """``x`` as a finite float ≥ ``low`` (> ``low`` when ``strict``): TypeError unless a real
    number, ValueError if not finite or out of range."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{where}: {name} must be a real number, got {type(x).__name__}: {shown(x)}"
        )
    try:
        x = float(x)
    except OverflowError:
        raise ValueError(f"{where}: {name} must be a finite number, got {shown(x)}") from None
    if not math.isfinite(x) or x < low or (strict and x == low):
        bound = "" if low == -math.inf else f" {'>' if strict else '≥'} {low:g}"
        raise ValueError(f"{where}: {name} must be a finite number{bound}, got {x!r}")
    return x


def check_styles(where: str, styles: object) -> None:
    """TypeError unless ``styles`` is None or maps Values to {attribute: value} of strings."""
    if styles is None:
        return
    if not isinstance(styles, Mapping):
        raise TypeError(f"{where}: styles must map Values to attributes, got "
                        f"{type(styles).__name__}")
    for node, attrs in styles.items():
        if not isinstance(node, Value):
            raise TypeError(f"{where}: styles' keys must be Values, got {type(node).__name__}")
        if not isinstance(attrs, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in attrs.items()
        ):
            raise TypeError(
                f"{where}: styles[{node!r}] must be a dict of graphviz attributes "
                f"(str → str, such as {{'color': 'red'}}), got {shown(attrs)}"
            )


def check_graph_size(where: str, n_nodes: int, max_nodes: int, why: str) -> None:
    """ValueError when a graph of ``n_nodes`` value nodes is over ``max_nodes``; the message
    says ``why`` that is too many and how to go ahead anyway."""
    if n_nodes > max_nodes:
        raise ValueError(
            f"{where}: the graph has {n_nodes} value nodes, more than max_nodes={max_nodes}, "
            f"{why}; pass max_nodes={n_nodes} to go ahead anyway"
        )
