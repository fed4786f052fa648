"""Input checks shared by the nets: sizes, and arrays of real numbers with the right shapes."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd_lite.value import shown

Array = NDArray[np.float64]


MAX_SIZE = 10_000_000
"""The largest size (points, units, inputs, epochs) a net or a dataset accepts."""


def check_positive_int(name: str, n: object) -> int:
    """``n`` as an int in [1, MAX_SIZE]: TypeError unless an integer (numpy's too; a bool is
    not), ValueError if below 1 or above ``MAX_SIZE``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(n).__name__}: {shown(n)}")
    if n < 1:
        raise ValueError(f"{name} must be a positive integer, got {shown(n)}")
    if n > MAX_SIZE:
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
