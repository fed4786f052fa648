"""Argument checks for the library's public functions (the engine's and the nets'): each
error names the function or the argument, and what was wrong.

A wrong type is a ``TypeError``, a value of the right type out of range a ``ValueError``.
numpy's integers and floats count as ints and floats; a bool is not a number here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .text import shown
from .value import Value

__all__ = ["check_value", "check_count", "check_number", "check_styles", "check_graph_size",
           "check_positive_int", "check_choice", "as_array", "as_examples", "Array", "MAX_SIZE"]

Array = NDArray[np.float64]

MAX_SIZE = 10_000_000
"""The largest size (points, units, inputs, epochs) a net or a dataset accepts."""


def check_value(where: str, name: str, x: object) -> None:
    """TypeError unless ``x`` is a ``Value``."""
    if not isinstance(x, Value):
        raise TypeError(f"{where}: {name} must be a Value, got {type(x).__name__}")


def check_values(where: str, name: str, values: object) -> list[Value]:
    """``values`` (a collection of Values: params, nodes to highlight) as a list; TypeError
    naming the argument, or the first item that is not a Value, otherwise."""
    if isinstance(values, Value):
        raise TypeError(f"{where}: {name} must be a collection of Values, got one Value: "
                        f"{shown(values)}; write {name}=[v]")
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{where}: {name} must be a collection of Values, got "
                        f"{type(values).__name__}: {shown(values)}")
    found = list(values)
    for k, x in enumerate(found):
        if not isinstance(x, Value):
            raise TypeError(f"{where}: {name}[{k}] must be a Value, got {type(x).__name__}: "
                            f"{shown(x)}")
    return found


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


# --- sizes, choices and arrays of examples (the nets) --------------------------------------


def check_positive_int(name: str, n: object) -> int:
    """``n`` as an int in [1, MAX_SIZE]: TypeError unless an integer (numpy's too; a bool is
    not), ValueError if below 1 or above ``MAX_SIZE``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(n).__name__}: {shown(n)}")
    if int(n) < 1:
        raise ValueError(f"{name} must be a positive integer, got {shown(n)}")
    if int(n) > MAX_SIZE:
        raise ValueError(f"{name} must be at most {MAX_SIZE:,}, got {shown(n)}")
    return int(n)


def check_choice(what: str, value: object, choices: Iterable[str]) -> None:
    """ValueError naming ``value`` and listing the valid ``choices`` unless it is one
    (TypeError unless it is a str)."""
    choices = tuple(choices)
    listed = ", ".join(map(repr, choices))
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, one of {listed}; got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"unknown {what} {shown(value)}; choose one of {listed}")


def as_array(name: str, a: ArrayLike) -> Array:
    """``a`` as a float array; ValueError unless it is a rectangular array of real numbers."""
    try:
        raw = np.asarray(a)
    except ValueError:  # ragged nested lists
        raise ValueError(
            f"{name} must be a rectangular array of numbers (rows of equal length)"
        ) from None
    if raw.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers, got {raw.dtype} values")
    return raw.astype(float)


def as_examples(X: ArrayLike, Y: ArrayLike, n_inputs: int | None = None) -> tuple[Array, Array]:
    """X of shape (N, n_inputs) with N ≥ 1 and Y of shape (N,), as float arrays."""
    X, Y = as_array("X", X), as_array("Y", Y)
    width = "D" if n_inputs is None else n_inputs
    if X.ndim != 2 or len(X) == 0 or (n_inputs is not None and X.shape[1] != n_inputs):
        raise ValueError(
            f"X must have shape (N, {width}) with N ≥ 1, one row per example, got shape {X.shape}"
        )
    if Y.shape != (len(X),):
        raise ValueError(
            f"Y must have shape ({len(X)},), one target per row of X, got shape {Y.shape}"
        )
    return X, Y
