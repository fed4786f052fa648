"""Small seeded 2-D classification datasets, and a CSV loader.

Every generator takes ``n`` (the number of points), ``seed`` (for
``numpy.random.default_rng``; no global random state is used), ``noise`` (the standard
deviation of the Gaussian jitter added to each coordinate) and ``constant_feature``, and
returns ``(X, y)``: X a float64 array of shape (n, 2), or (n, 3) when ``constant_feature``
appends the notes' constant feature x0 = 1 as the **last** column (so the first-layer weights
on it act as biases); y a float64 array of 0/1 labels (use ``2 * y - 1`` for ±1 labels). The
points come shuffled; class 0 gets n // 2 of them, class 1 the rest (xor: see ``xor``).

>>> X, y = two_moons(6, seed=0, constant_feature=True)
>>> X.shape, y.shape, X[:, -1].tolist()
((6, 3), (6,), [1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd_lite.checks import check_count, check_number, check_positive_int
from autograd_lite.files import read_limited

__all__ = [
    "DATASETS",
    "add_constant_feature",
    "two_moons",
    "xor",
    "circles",
    "blobs",
    "load_csv",
]

Array = NDArray[np.float64]
MAX_CSV_BYTES = 16 * 2**20  # a larger CSV file is refused before it is parsed
MAX_CSV_NUMBERS = 10**6  # and one holding more numbers (rows × columns) as soon as it is seen


def add_constant_feature(X: ArrayLike) -> Array:
    """X with a last column of ones (the constant feature x0 = 1) appended."""
    X = np.asarray(X, dtype=float)
    return np.hstack([X, np.ones((len(X), 1))])


def _rng(where: str, n: int, seed: int, noise: float) -> np.random.Generator:
    """The generator for ``seed``, once ``n`` and ``noise`` are checked."""
    check_positive_int("n", n)
    check_count(where, "seed", seed)
    check_number(where, "noise", noise)  # NaN would make every point NaN
    return np.random.default_rng(seed)


def _class_sizes(n: int) -> tuple[int, int]:
    """How many of n points go to class 0 and to class 1."""
    return n // 2, n - n // 2


def _labels(n: int) -> Array:
    """n // 2 zeros, then ones."""
    return np.repeat([0.0, 1.0], _class_sizes(n))


def _ring(angles: Array, centre: tuple[float, float], radius: float) -> Array:
    """The points at ``angles`` on a circle, shape (len(angles), 2)."""
    return np.asarray(centre) + radius * np.column_stack([np.cos(angles), np.sin(angles)])


def _finish(
    rng: np.random.Generator, points: Array, y: Array, noise: float, constant_feature: bool
) -> tuple[Array, Array]:
    """The dataset: points jittered by ``noise``, shuffled, optionally with x0 = 1 appended."""
    X = points + rng.normal(scale=abs(noise), size=points.shape)  # numpy refuses -0.0
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    return (add_constant_feature(X) if constant_feature else X), y


def two_moons(
    n: int = 200, *, seed: int = 0, noise: float = 0.1, constant_feature: bool = False
) -> tuple[Array, Array]:
    """Two interleaved half circles, like scikit-learn's ``make_moons``.

    Class 0: (cos t, sin t) for t in [0, π]; class 1: (1 - cos t, 1 - sin t - 0.5).
    """
    rng = _rng("two_moons", n, seed, noise)
    n0, n1 = _class_sizes(n)
    # (1 - cos t, 0.5 - sin t) = (1, 0.5) + (cos(t + π), sin(t + π))
    points = np.vstack(
        [
            _ring(np.linspace(0, np.pi, n0), (0.0, 0.0), 1.0),
            _ring(np.linspace(np.pi, 2 * np.pi, n1), (1.0, 0.5), 1.0),
        ]
    )
    return _finish(rng, points, _labels(n), noise, constant_feature)


def xor(
    n: int = 200, *, seed: int = 0, noise: float = 0.1, constant_feature: bool = False
) -> tuple[Array, Array]:
    """Points uniform in the square [-1, 1]², labelled 1 where the coordinates' signs differ.

    Labels come from the points before the jitter; the class sizes are random.
    """
    rng = _rng("xor", n, seed, noise)
    points = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (points[:, 0] * points[:, 1] < 0).astype(float)
    return _finish(rng, points, y, noise, constant_feature)


def circles(
    n: int = 200, *, seed: int = 0, noise: float = 0.05, constant_feature: bool = False
) -> tuple[Array, Array]:
    """Two concentric circles about the origin: class 0 radius 1, class 1 radius 0.5."""
    rng = _rng("circles", n, seed, noise)
    n0, n1 = _class_sizes(n)
    points = np.vstack(
        [
            _ring(np.linspace(0, 2 * np.pi, n0, endpoint=False), (0.0, 0.0), 1.0),
            _ring(np.linspace(0, 2 * np.pi, n1, endpoint=False), (0.0, 0.0), 0.5),
        ]
    )
    return _finish(rng, points, _labels(n), noise, constant_feature)


def blobs(
    n: int = 200, *, seed: int = 0, noise: float = 0.5, constant_feature: bool = False
) -> tuple[Array, Array]:
    """Two Gaussian blobs of std ``noise``: class 0 about (-1, -1), class 1 about (1, 1)."""
    rng = _rng("blobs", n, seed, noise)
    points = np.repeat([[-1.0, -1.0], [1.0, 1.0]], _class_sizes(n), axis=0)
    return _finish(rng, points, _labels(n), noise, constant_feature)


DATASETS: dict[str, Callable[..., tuple[Array, Array]]] = {
    "moons": two_moons,
    "xor": xor,
    "circles": circles,
    "blobs": blobs,
}


# ---- CSV ------------------------------------------------------------------------------------


def _error(path: str | os.PathLike[str], line: int, message: str) -> ValueError:
    return ValueError(f"{os.fspath(path)}, line {line}: {message}")


def _number(cell: str) -> float | None:
    """The cell's value, or None unless it is a finite number."""
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _rows(path: str | os.PathLike[str], reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The reader's rows; its errors (such as a cell over the csv module's size limit) as
    ValueErrors naming the file and line."""
    try:
        yield from reader
    except csv.Error as e:
        raise _error(path, reader.line_num, str(e)) from None


def load_csv(path: str | os.PathLike[str]) -> tuple[Array, Array]:
    """Read a CSV file of rows ``features..., label`` into ``(X, y)`` (float64, N×D and N).

    An optional first line of non-numeric names is skipped, and so are blank lines. Labels
    are read as they are: any finite number is accepted (0/1, ±1, or a regression target),
    so check them against the loss you use (the logistic loss wants 0/1). Every problem
    (unreadable file, not UTF-8 text (UTF-16, say), non-numeric or non-finite cell, ragged
    row, fewer than two columns, no data rows, a file over ``MAX_CSV_BYTES``, more than
    ``MAX_CSV_NUMBERS`` numbers, a cell over 131,072 characters) raises a ValueError naming
    the file and, for a problem in its contents, the 1-based line number.
    A byte-order mark at the start is ignored.
    """
    try:
        raw = read_limited(path, MAX_CSV_BYTES)
    except OSError as err:
        raise ValueError(f"{os.fspath(path)}: cannot read the file ({err.strerror})") from err
    try:
        nul = raw.find(0)
        if nul >= 0:  # UTF-16 or binary: not text a CSV reader should see
            raise UnicodeError(f"a NUL byte at offset {nul}")
        text = raw.decode("utf-8-sig")
    except UnicodeError as err:
        raise ValueError(f"{os.fspath(path)}: not UTF-8 text ({err}); save it as UTF-8") \
            from None
    reader = csv.reader(io.StringIO(text))
    rows: list[list[float]] = []
    width: int | None = None
    for row in _rows(path, reader):
        if not "".join(row).strip():
            continue
        values = [_number(cell) for cell in row]
        if width is None:
            width = len(row)
            if width < 2:
                raise _error(path, reader.line_num, "need at least two columns (features, label)")
            if all(value is None for value in values):
                continue  # the header
        if len(row) != width:
            raise _error(path, reader.line_num, f"expected {width} cells, got {len(row)}")
        if None in values:
            column = values.index(None)
            raise _error(
                path,
                reader.line_num,
                f"column {column + 1}: {row[column]!r} is not a finite number",
            )
        rows.append(values)
        if len(rows) * width > MAX_CSV_NUMBERS:
            raise _error(path, reader.line_num, f"more than {MAX_CSV_NUMBERS:,} numbers, the limit")
    if not rows:
        raise _error(path, reader.line_num + 1, "no data rows (expected 'features..., label')")
    data = np.array(rows)
    return data[:, :-1], data[:, -1]
