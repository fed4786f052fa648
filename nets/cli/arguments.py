"""The command line's argument types, each saying in one line what is wrong; the upper
bound of every size flag (checked while parsing, before anything is built); the parser,
whose usage errors are one line; ``UsageError``;
and ``one_line``, which keeps an error message on one line whatever file name or value it
quotes."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn

# The largest value of each size flag: enough for any lesson, small enough to finish. "work"
# bounds a training run as a whole: epochs × examples × inputs × hidden units, the number of
# times a first-layer weight is used; the demo's is 960,000 (about 4 s), so 10⁸ is minutes.
LIMITS = dict(points=100_000, hidden=1_000, epochs=100_000, batch_size=100_000,
              examples=10_000, seed=2**32 - 1, work=10**8)


class Parser(argparse.ArgumentParser):
    """argparse's parser, but a usage error is one line (argparse prints the usage too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


class UsageError(Exception):
    """A bad input found after parsing (a data file, the output directory): exit status 2."""


def number(
    kind: type[int] | type[float], low: float, high: float = math.inf, low_open: bool = False
) -> Callable[[str], int | float]:
    """An argparse type: ``kind`` in [low, high), or (low, high) when ``low_open``."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if not ((low < value if low_open else low <= value) and value < high):  # NaN fails too
            left = "(" if low_open else "["
            raise argparse.ArgumentTypeError(f"{text!r} must be in {left}{low:g}, {high:g})")
        return value

    return parse


def integer(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an int from ``low`` to ``high``, both included."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid int") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be from {low:,} to {high:,}")
        return value

    return parse


def count(name: str) -> Callable[[str], int]:
    """An argparse type: an int from 1 to ``LIMITS[name]``."""
    return integer(1, LIMITS[name])


def bounds(name: str, low: int = 1) -> str:
    return f"{low:,} to {LIMITS[name]:,}"


def seed(text: str) -> int:
    """An argparse type: a seed for numpy's generator, from 0 to ``LIMITS["seed"]``."""
    return integer(0, LIMITS["seed"])(text)


def one_line(message: object) -> str:
    """``message`` as text with each unprintable character (a newline or carriage return in
    a file name, say) written as its escape, so that it prints as one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))
