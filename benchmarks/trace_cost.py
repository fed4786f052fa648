"""What ``trace`` costs next to the forward pass that built the graph, and its peak memory.

The graph: the MLP step's per-example loss (2-16-16-1 ReLU, hinge) summed over enough
examples for about ``--nodes`` nodes, each example's x and y inputs of the program. Each
round builds the graph (timed: the forward pass), traces it (timed), then, untimed by the
clock, traces it again under tracemalloc: the peak above what the graph itself holds,
per node. Prints median [min–max] over the rounds, and the machine's load. The ratio to
the paused forward pass is also given in the process's CPU time, the steadier measure of
the code's own cost on a shared machine.

    python benchmarks/trace_cost.py --nodes 100000 --rounds 5
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import count_nodes, mlp_example  # noqa: E402

from autograd_lite import Value, collector_paused, trace  # noqa: E402
from autograd_lite.program import UncheckedProgramWarning  # noqa: E402


def build(loss, rows):
    """The summed loss over ``rows``, and its input leaves."""
    inputs, total = [], None
    for x0, x1, t in rows:
        xs, y = [Value(x0), Value(x1)], Value(t)
        inputs += [*xs, y]
        term = loss(xs, y)
        total = term if total is None else total + term
    return total, inputs


def spread(samples: list[float], fmt: str = "{:,.1f}") -> str:
    return (f"{fmt.format(statistics.median(samples))} "
            f"[{fmt.format(min(samples))}–{fmt.format(max(samples))}]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    # What is measured is tracing a graph already built: it cannot check, and says so.
    warnings.simplefilter("ignore", UncheckedProgramWarning)
    loss, _, params, rows = mlp_example(Value)
    per_example = count_nodes(lambda: build(loss, rows[:2])[0]) - \
        count_nodes(lambda: build(loss, rows[:1])[0])  # the parameters are shared
    n_examples = max(1, args.nodes // per_example)
    data = rows[:n_examples].tolist() if n_examples <= len(rows) else \
        (rows.tolist() * (n_examples // len(rows) + 1))[:n_examples]
    nodes = count_nodes(lambda: build(loss, data)[0])
    print(f"# load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores; graph: "
          f"{nodes:,} nodes ({n_examples} examples of {per_example}); {args.rounds} rounds")
    ratios, paused_ratios, forward_ns, paused_ns, trace_ns, peak = [], [], [], [], [], []
    cpu_ratios = []
    for _ in range(args.rounds):
        gc.collect()
        with collector_paused():
            t0, c0 = time.perf_counter(), time.process_time()
            build(loss, data)
            paused, paused_cpu = time.perf_counter() - t0, time.process_time() - c0
        gc.collect()
        t0 = time.perf_counter()
        root, inputs = build(loss, data)  # as a user builds it: the collector on
        t1 = time.perf_counter()
        c1 = time.process_time()
        trace(root, inputs, params)
        t2, c2 = time.perf_counter(), time.process_time()
        cpu_ratios.append((c2 - c1) / paused_cpu)
        forward_ns.append((t1 - t0) / nodes * 1e9)
        paused_ns.append(paused / nodes * 1e9)
        trace_ns.append((t2 - t1) / nodes * 1e9)
        ratios.append((t2 - t1) / (t1 - t0))
        paused_ratios.append((t2 - t1) / paused)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        program = trace(root, inputs, params)
        peak.append((tracemalloc.get_traced_memory()[1] - before) / nodes)
        tracemalloc.stop()
        del program, root, inputs
    print(f"forward pass                    {spread(forward_ns)} ns/node")
    print(f"forward pass, collector paused  {spread(paused_ns)} ns/node")
    print(f"trace                           {spread(trace_ns)} ns/node")
    print(f"trace ÷ forward                 {spread(ratios, '{:.2f}')}×  (target ≤ 10×)")
    print(f"trace ÷ forward, paused         {spread(paused_ratios, '{:.2f}')}×")
    print(f"the same in CPU time            {spread(cpu_ratios, '{:.2f}')}×")
    print(f"trace peak                      {spread(peak, '{:,.0f}')} bytes/node above the graph "
          "(target ≤ 1,000)")
    print(f"# load average {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
