"""The scalar forward pass's cost per node from 10³ to 10⁶ nodes, as the nets' loops run it.

The graph: the MLP step's per-example loss (2-16-16-1 ReLU, hinge; 649 nodes an example
beyond the shared parameters) summed over 1, 10, 100 and 1,540 examples: 10³ to 10⁶
nodes. A small graph is built again and again (each freed before the next, as in a
training loop) until 10⁵ nodes were built, so that every sample is long enough to time.
The nets' training and evaluation loops build their graphs with the cyclic collector
paused (``collector_paused``), so each size is built that way (and, for comparison, with
the collector on, as a user's own loop would). The sizes alternate within each round; a
round's ratio is the 10⁶-node cost per node ÷ the 10³-node one. Both the wall-clock time
and the process's CPU time are shown: on a shared machine the CPU time is the steadier
measure of the code's own cost.

    python benchmarks/forward_scaling.py --rounds 5
    python benchmarks/forward_scaling.py --quick   # 10³ and 10⁴ nodes, one round (a smoke run)
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import count_nodes, mlp_example  # noqa: E402
from trace_cost import build, spread  # noqa: E402

from autograd_lite import Value, collector_paused  # noqa: E402

EXAMPLES = (1, 10, 100, 1_540)  # 985, 6,826, 65,236 and 999,796 nodes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10³ and 10⁴ nodes, one round")
    args = parser.parse_args(argv)
    examples = EXAMPLES[:2] if args.quick else EXAMPLES
    rounds = 1 if args.quick else args.rounds
    loss, _, _, rows = mlp_example(Value)
    data = (rows.tolist() * 2)[:max(examples)]
    sizes = {n: count_nodes(lambda n=n: build(loss, data[:n])[0]) for n in examples}
    print(f"# load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores; "
          f"{rounds} rounds; nodes: {', '.join(f'{v:,}' for v in sizes.values())}")
    samples: dict[tuple[str, bool, int], list[float]] = {}
    for _ in range(rounds):
        for paused in (True, False):
            for n, nodes in sizes.items():
                repeat = max(1, 100_000 // nodes)
                wall = cpu = 0.0
                gc.collect()
                for _ in range(repeat):
                    with collector_paused() if paused else nullcontext():
                        w0, c0 = time.perf_counter(), time.process_time()
                        graph = build(loss, data[:n])
                        w1, c1 = time.perf_counter(), time.process_time()
                    del graph  # freed by reference counting, untimed
                    wall, cpu = wall + w1 - w0, cpu + c1 - c0
                samples.setdefault(("wall", paused, n), []).append(wall / repeat / nodes * 1e9)
                samples.setdefault(("cpu", paused, n), []).append(cpu / repeat / nodes * 1e9)
    small, large = min(examples), max(examples)
    for clock in ("cpu", "wall"):
        for paused in (True, False):
            name = f"{clock}, collector {'paused' if paused else 'on'}"
            per_node = "  ".join(f"{sizes[n]:,}: {spread(samples[(clock, paused, n)], '{:,.0f}')}"
                                 for n in examples)
            ratios = [b / a for a, b in zip(samples[(clock, paused, small)],
                                            samples[(clock, paused, large)])]
            print(f"{name:22s} ns/node  {per_node}")
            print(f"{'':22s} {sizes[large]:,} ÷ {sizes[small]:,} nodes: "
                  f"{spread(ratios, '{:.2f}')}×" + ("  (target ≤ 1.5×)" if paused else ""))
    print(f"# load average {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
