"""explain on a long chain against backward on the same chain: both should be linear.

Builds x → sin → ·1.5 → sin → ·1.5 → … (``--nodes`` value nodes, 10⁶ by default), then
times ``y.backward()`` and ``explain(y, x)`` on it and prints both and their ratio. The
issue this answers: explain was quadratic in the depth (8 s at 40,000 nodes; 10⁶ did not
finish in 14 minutes while backward took 1.6 s). Run: ``python benchmarks/explain_chain.py``.
"""

from __future__ import annotations

import argparse
import time

from autograd_lite import Value, collector_paused, explain


def chain(nodes: int) -> tuple[Value, Value]:
    x = y = Value(0.3, label="x")
    for _ in range((nodes - 1) // 3):  # three nodes a link: sin, the constant, the product
        y = y.sin() * 1.5
    return x, y


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000, help="value nodes in the chain")
    args = parser.parse_args(argv)
    with collector_paused():
        x, y = chain(args.nodes)
        t0 = time.perf_counter()
        y.backward()
        t1 = time.perf_counter()
        e = explain(y, x)
        t2 = time.perf_counter()
    assert e.n_paths == 1
    backward, explained = t1 - t0, t2 - t1
    print(f"chain of {args.nodes:,} nodes: backward {backward:.2f} s, explain {explained:.2f} s, "
          f"explain ÷ backward = {explained / backward:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
