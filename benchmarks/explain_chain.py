"""explain on long chains against backward on the same chains: both should be linear.

Two shapes, each built once and timed ``--runs`` times, the engines interleaved:

- chain: x → sin → ·1.5 → sin → ·1.5 → … (``--nodes`` value nodes, 10⁶ by default), one
  path. explain was quadratic in the depth here (8 s at 40,000 nodes; 10⁶ did not finish in
  14 minutes while backward took 1.6 s); target: explain ≤ 10 × backward.
- diamond: y ← (y + y)·0.5, ``--levels`` times (32,768 by default): 2^levels paths. Exact
  big-integer path counts made explain quadratic (1.9 s against backward's 0.03 s at 32k
  levels); counts are now exact only below 2⁶⁴.

Prints, per shape, backward's and explain's median time and explain ÷ backward's median
and range. Run: ``python benchmarks/explain_chain.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from autograd_lite import Value, collector_paused, explain


def chain(nodes: int) -> tuple[Value, Value]:
    x = y = Value(0.3, label="x")
    for _ in range((nodes - 1) // 3):  # three nodes a link: sin, the constant, the product
        y = y.sin() * 1.5
    return x, y


def diamond(levels: int) -> tuple[Value, Value]:
    x = y = Value(0.3, label="x")
    for _ in range(levels):
        y = (y + y) * 0.5
    return x, y


def timed(x: Value, y: Value) -> tuple[float, float]:
    """Seconds for y.backward() and for explain(y, x)."""
    x.grad = 0.0
    t0 = time.perf_counter()
    y.backward()
    t1 = time.perf_counter()
    explain(y, x)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000, help="value nodes in the chain")
    parser.add_argument("--levels", type=int, default=32_768, help="levels of the diamond")
    parser.add_argument("--runs", type=int, default=3, help="timings of each (default: 3)")
    args = parser.parse_args(argv)
    with collector_paused():
        graphs = {f"chain of {args.nodes:,} nodes": chain(args.nodes),
                  f"diamond of {args.levels:,} levels": diamond(args.levels)}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in graphs}
        for _ in range(args.runs):
            for name, (x, y) in graphs.items():
                times[name].append(timed(x, y))
    for name, runs in times.items():
        ratios = [e / b for b, e in runs]
        print(f"{name}: backward {statistics.median(b for b, _ in runs):.2f} s, explain "
              f"{statistics.median(e for _, e in runs):.2f} s, explain ÷ backward median "
              f"{statistics.median(ratios):.1f} (range {min(ratios):.1f}–{max(ratios):.1f}, "
              f"{args.runs} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
