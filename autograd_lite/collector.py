"""Pausing Python's cyclic garbage collector while a large graph is built.

Every object that can hold references is *tracked* by CPython's cyclic collector, which
re-examines the tracked objects as their number grows. A graph node is one such object,
so on graphs of hundreds of thousands of nodes the collector's passes come to cost more
than building the graph (see docs/performance.md). autograd-lite's graphs hold no
reference cycles: reference counting alone frees them the moment their root is dropped.
The collector has nothing to find in them, and pausing it while they are built is safe.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off; restore its state after.

    Cycles made inside the block (by other code) are collected once it is back on.

    >>> from autograd_lite import Value
    >>> with collector_paused():
    ...     x = Value(1.0)
    ...     y = x
    ...     for _ in range(100_000):
    ...         y = y * 1.0
    ...     y.backward()
    >>> x.grad
    1.0
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
