"""autograd-lite vs micrograd (0.1.0, PyPI) vs PyTorch float64 scalars, side by side.

Every engine builds the *same* scalar graph, op for op, from the builders below, so one
node count serves all three. Engines alternate within each round; the tables show the
median over rounds and the ratios. Run: ``make bench`` (or ``python benchmarks/compare.py``).

    --quick      fewer rounds and sizes (a smoke run, used by the tests)
    --markdown   print the tables as Markdown (for docs/performance.md)
    --plot PATH  write the width plot (PNG)
    --programs   only the programs' tables (trace once, replay a batch) and training
    --against REV  only this tree's scalar engine against the one at git revision REV,
                 side by side in one process (a temporary git worktree, removed after)
    --layers     only the layered program against PyTorch's batched tensors
    --clock cpu  time every table in the process's CPU time (default: wall clock)
"""

from __future__ import annotations

import argparse
import gc
import io
import math
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial

# One thread for BLAS (numpy's matrix products) and PyTorch: set before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from autograd_lite import Value, collector_paused, topological_order  # noqa: E402
from autograd_lite.files import write_atomic  # noqa: E402


@dataclass(frozen=True)
class Engine:
    name: str
    leaf: Callable[[float], object]  # a number -> a leaf node of this engine


def _engines() -> list[Engine]:
    engines = [Engine("autograd-lite", Value)]
    try:
        from micrograd.engine import Value as MicrogradValue

        MicrogradValue.tanh = _micrograd_tanh
        engines.append(Engine("micrograd", MicrogradValue))
    except ImportError:
        print("micrograd not installed (pip install micrograd==0.1.0): left out", file=sys.stderr)
    try:
        import torch

        # Scalar ops gain nothing from intra-op threads; on a small machine idle worker
        # threads would only compete with the engine that runs next.
        torch.set_num_threads(1)

        def tensor(x: float) -> object:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        engines.append(Engine("pytorch", tensor))
    except ImportError:
        print("torch not installed (pip install torch==2.13.0): left out", file=sys.stderr)
    return engines


def _micrograd_tanh(self):
    """tanh as micrograd's lecture writes it (the PyPI release 0.1.0 has no tanh)."""
    from micrograd.engine import Value as MicrogradValue

    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = MicrogradValue(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


# --- the workloads: each returns a function that builds the graph and gives its root -----
def mlp_step(leaf: Callable, sizes=(2, 16, 16, 1), n_points: int = 100) -> Callable:
    """micrograd's demo: ReLU MLP, hinge loss over two-moons points, L2 regularization."""
    from nets.data import two_moons

    rng = random.Random(1)
    layers = [
        [([leaf(rng.uniform(-1, 1)) for _ in range(n_in)], leaf(0.0)) for _ in range(n_out)]
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    X, y = two_moons(n_points, seed=0, noise=0.1)
    data = [([float(v) for v in x], 2.0 * float(t) - 1.0) for x, t in zip(X, y)]

    def forward():
        losses = []
        for x, target in data:
            h = [leaf(v) for v in x]
            for k, layer in enumerate(layers):
                acts = [sum((wi * hi for wi, hi in zip(w, h)), b) for w, b in layer]
                h = [a.relu() for a in acts] if k < len(layers) - 1 else acts
            losses.append((1 + -target * h[0]).relu())
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + 1e-4 * sum(p * p for p in params)

    return forward


def tanh_mlp(leaf: Callable, width: int) -> Callable:
    """One pass of a tanh MLP(3, [width, width, 1]) on one input (the Rust ports' workload)."""
    rng = random.Random(2)
    sizes = (3, width, width, 1)
    layers = [
        [([leaf(rng.uniform(-1, 1)) for _ in range(n_in)], leaf(0.0)) for _ in range(n_out)]
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    x = [leaf(v) for v in (0.5, -1.0, 2.0)]

    def forward():
        h = x
        for layer in layers:
            h = [sum((wi * hi for wi, hi in zip(w, h)), b).tanh() for w, b in layer]
        return h[0]

    return forward


def chain(leaf: Callable, n: int) -> Callable:
    """y = ((x·c)·c)·…: n multiplications in a row, the deepest graph for its size."""
    x = leaf(1.0)

    def forward():
        y = x
        for _ in range(n):
            y = y * 1.0000001
        return y

    return forward


def wide_sum(leaf: Callable, n: int) -> Callable:
    """Σ_i x_i·x_i over n leaves: the widest graph for its size."""
    xs = [leaf(random.Random(i).uniform(-1, 1)) for i in range(n)]

    def forward():
        return sum(x * x for x in xs)

    return forward


# --- measurement -----------------------------------------------------------------------------
def count_nodes(forward: Callable) -> int:
    """Nodes of the graph, counted on autograd-lite's (every engine builds the same one)."""
    return len(topological_order(forward()))


@dataclass
class Timing:
    forward: float  # seconds, median over rounds
    backward: float
    error: str = ""


# The clock of every table: wall-clock time, or the process's CPU time
# (``--clock cpu``), which leaves out the time the process waits for a core: on a machine
# shared with other work, the steadier measure of the code's own cost.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


def time_engines(
    make: Callable[[Callable], Callable],
    engines: list[Engine],
    rounds: int,
    collector: bool = True,
    repeat: int = 1,
):
    """Median forward and backward seconds per pass, the engines alternating each round.

    Each sample is the mean of ``repeat`` passes in a row (for small graphs, so that one
    sample is long enough to time and runs warm, as in a training loop).

    Between runs (untimed) ``gc.collect()`` clears what the last run left, so no engine pays
    for collecting another's garbage; micrograd's graphs are reference cycles, so this also
    leaves out the cost of freeing them. ``collector=False`` times with the cyclic collector
    off, which shows the engines' own cost per node."""
    builders = {e.name: make(e.leaf) for e in engines}
    samples: dict[str, list[tuple[float, float]]] = {e.name: [] for e in engines}
    errors: dict[str, str] = {}
    for _ in range(rounds):
        for e in engines:
            if e.name in errors:
                continue
            gc.collect()
            forward = backward = 0.0
            try:
                with collector_paused() if not collector else nullcontext():
                    for _ in range(repeat):
                        t0 = clock()
                        root = builders[e.name]()
                        t1 = clock()
                        root.backward()
                        t2 = clock()
                        forward, backward = forward + t1 - t0, backward + t2 - t1
                        del root
            except RecursionError:
                errors[e.name] = "RecursionError"
                continue
            samples[e.name].append((forward / repeat, backward / repeat))
    result = {}
    for e in engines:
        if e.name in errors:
            result[e.name] = Timing(float("nan"), float("nan"), errors[e.name])
        else:
            fw, bw = zip(*samples[e.name])
            result[e.name] = Timing(statistics.median(fw), statistics.median(bw))
    return result


def bytes_per_node(forward: Callable, nodes: int) -> float:
    """Peak traced memory of one forward+backward, per node."""
    gc.collect()
    tracemalloc.start()
    root = forward()
    root.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del root
    return peak / nodes


# --- reports -------------------------------------------------------------------------------
def table(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [headers, *rows])


def ns(seconds: float, nodes: int) -> str:
    if seconds != seconds:
        return "—"
    per_node = seconds / nodes * 1e9
    return f"{per_node:,.0f}" if abs(per_node) >= 10 else f"{per_node:.1f}"


def report_mlp(engines, rounds, markdown):
    forward = mlp_step(Value)
    nodes = count_nodes(forward)
    timings = time_engines(mlp_step, engines, rounds)
    ours = timings["autograd-lite"]
    rows = []
    for e in engines:
        t = timings[e.name]
        # tracemalloc sees Python's allocations only, not PyTorch's C++ tensor storage.
        memory = "n/a" if e.name == "pytorch" else f"{bytes_per_node(mlp_step(e.leaf), nodes):,.0f}"
        total = t.forward + t.backward
        rows.append([
            e.name, ns(t.forward, nodes), ns(t.backward, nodes), ns(total, nodes),
            memory, f"{total / (ours.forward + ours.backward):.1f}×",
            f"{t.backward / ours.backward:.1f}×",
        ])
    headers = ["engine", "fwd ns/node", "bwd ns/node", "fwd+bwd ns/node", "bytes/node",
               "time ÷ ours", "bwd ÷ ours"]
    return f"MLP step: 2-16-16-1 ReLU, 100 points, hinge loss ({nodes:,} nodes)\n" + table(
        headers, rows, markdown)


def report_scaling(engines, sizes, rounds, markdown):
    rows = []
    for name, make in (("chain", chain), ("wide sum", wide_sum)):
        for n in sizes:
            builder = partial(make, n=n)
            nodes = count_nodes(builder(Value))
            timings = time_engines(builder, engines, rounds)
            quiet = time_engines(builder, engines, rounds, collector=False)
            for e in engines:
                t, q = timings[e.name], quiet[e.name]
                rows.append([name, f"{nodes:,}", e.name, ns(t.forward, nodes),
                             ns(t.backward, nodes), ns(q.forward, nodes), ns(q.backward, nodes),
                             t.error or "ok"])
    headers = ["graph", "nodes", "engine", "fwd ns/node", "bwd ns/node", "fwd, gc paused",
               "bwd, gc paused", "result"]
    return "Scaling: time per node from 10⁴ to 10⁶ nodes\n" + table(headers, rows, markdown)


def report_width(engines, widths, rounds, markdown, skip_over):
    rows, points = [], {}
    for width in widths:
        builder = partial(tanh_mlp, width=width)
        nodes = count_nodes(builder(Value))
        runnable = [e for e in engines if width <= skip_over[e.name]]
        repeat = max(1, 50_000 // nodes)
        timings = time_engines(builder, runnable, rounds, repeat=repeat)
        quiet = time_engines(builder, runnable, rounds, collector=False, repeat=repeat)
        for e in engines:
            t = timings.get(e.name)
            if t is None:
                rows.append([str(width), f"{nodes:,}", e.name, "—", "—", "—", "not run (slow)"])
                continue
            total = t.forward + t.backward
            ms = "—" if t.error else f"{total * 1e3:,.2f}"
            paused = quiet[e.name].forward + quiet[e.name].backward
            rows.append([str(width), f"{nodes:,}", e.name, ms, ns(total, nodes),
                         ns(paused, nodes), t.error or "ok"])
            if not t.error:
                points.setdefault(e.name, []).append((nodes, total / nodes * 1e9))
                points.setdefault(f"{e.name}, gc paused", []).append((nodes, paused / nodes * 1e9))
    headers = ["N", "nodes", "engine", "ms/pass", "ns/node", "ns/node, gc paused", "result"]
    text = "Width: one forward+backward of a tanh MLP(3, [N, N, 1])\n" + table(
        headers, rows, markdown)
    return text, points


def report_feature_discovery(rounds, markdown):
    import numpy as np

    from nets import FeatureDiscoveryNet, manual
    from nets.data import two_moons

    X, y = two_moons(200, seed=0, noise=0.1, constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], 16, loss="logistic", seed=0)
    W, w = net.weights()
    rows = []
    auto, closed = [], []
    for _ in range(rounds):
        t0 = clock()
        net.zero_grad()
        net.total_loss(X, y, reduction="mean").backward()
        t1 = clock()
        manual.batch_gradients(W, w, X, y, loss="logistic", reduction="mean")
        t2 = clock()
        auto.append(t1 - t0)
        closed.append(t2 - t1)
    a, m = statistics.median(auto), statistics.median(closed)
    rows.append(["autodiff (Value graph, per example)", f"{a * 1e3:.2f}", "1.0×"])
    rows.append(["closed form (numpy, vectorized)", f"{m * 1e3:.3f}", f"{a / m:,.0f}× faster"])
    assert np.isfinite(m)
    headers = ["gradient of the mean logistic loss, 200 points, D=3, H=16", "ms", "ratio"]
    return "Feature-discovery net: what scalar autodiff costs\n" + table(headers, rows, markdown)


# --- programs: trace once, replay a batch ---------------------------------------------------
def mlp_example(leaf: Callable, sizes=(2, 16, 16, 1)):
    """The MLP step's network and per-example loss on one engine: returns the loss
    ``f(x, y)`` (x two features, y = ±1), the layers ``[(w, b), …]`` per layer and the
    parameters, and 1,000 two-moons examples as rows (x₀, x₁, y)."""
    import numpy as np

    from nets.data import two_moons

    rng = random.Random(1)
    layers = [
        [([leaf(rng.uniform(-1, 1)) for _ in range(n_in)], leaf(0.0)) for _ in range(n_out)]
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]

    def loss(x, y):
        h = x
        for k, layer in enumerate(layers):
            acts = [sum((wi * hi for wi, hi in zip(w, h)), b) for w, b in layer]
            h = [a.relu() for a in acts] if k < len(layers) - 1 else acts
        return (1 + -y * h[0]).relu()

    X, labels = two_moons(1000, seed=0, noise=0.1)
    return loss, layers, params, np.column_stack([X, 2.0 * labels - 1.0])


def seconds_per_call(f: Callable, rounds: int, min_time: float = 0.05) -> float:
    """The best over rounds of the mean time of a call (calls repeated for ``min_time``).

    The best, not the median: on a shared machine the least disturbed round is the closest
    to the code's own cost, and every engine of a table is timed the same way."""
    f()  # warm: caches filled, generated code compiled
    samples = []
    for _ in range(rounds):
        gc.collect()
        calls, t0 = 0, clock()
        while True:
            f()
            calls += 1
            elapsed = clock() - t0
            if elapsed >= min_time:
                break
        samples.append(elapsed / calls)
    return min(samples)


def report_program(rounds, markdown, batches=(1, 10, 100, 1000)):
    """The MLP step's per-example loss traced once, replayed on B examples by each of the
    three replays, against the scalar engine on the same per-example graph."""

    loss, _, params, rows = mlp_example(Value)
    xs, y = [Value(v) for v in rows[0, :2]], Value(rows[0, 2])
    root = loss(xs, y)
    nodes = count_nodes(lambda: root)
    program = traced(loss, xs, y, params)

    examples = rows[:100].tolist()

    # One example's graph at a time, freed before the next: the scalar engine at its best
    # (a batch's graphs all alive at once would cost it the cyclic collector's passes too).
    def scalar_forward():
        for a, b, t in examples:
            loss([Value(a), Value(b)], Value(t))

    def scalar_both():
        for a, b, t in examples:
            loss([Value(a), Value(b)], Value(t)).backward()

    fw = seconds_per_call(scalar_forward, rounds) / len(examples)
    scalar_total = seconds_per_call(scalar_both, rounds) / len(examples)
    rows_out = [["scalar autograd-lite", "1", "—", ns(fw, nodes), ns(scalar_total - fw, nodes),
                 ns(scalar_total, nodes), "1.0×"]]
    for B in batches:
        X = rows[:B]
        default = program_default(program, B)
        for how in ("python", "levels", "each", "layers"):
            fw = seconds_per_call(partial(program.values, X, how=how), rounds) / B
            both = seconds_per_call(partial(program.run, X, how=how), rounds) / B
            rows_out.append(["program", f"{B:,}", how + (" (default)" if how == default else ""),
                             ns(fw, nodes), ns(both - fw, nodes), ns(both, nodes),
                             f"{scalar_total / both:,.1f}×"])
    torch_rows = report_torch_batched(rows, batches, rounds, nodes, scalar_total)
    rows_out += torch_rows
    headers = ["engine", "B", "replay", "fwd ns/example-node", "bwd ns/example-node",
               "fwd+bwd ns/example-node", "faster than scalar"]
    title = (f"Programs: the MLP step's per-example loss ({nodes:,} nodes, "
             f"{len(program.instructions)} instructions), B examples per call")
    return f"{title}\n" + table(headers, rows_out, markdown)


def report_layers(rounds, markdown, batches=(1, 100, 1_000, 10_000)):
    """The layered program against PyTorch's batched float64 tensors (one thread each) on
    the MLP step, B examples a call, the engines interleaved in every round: ns per
    example-node, median [min–max] over the rounds, and PyTorch's time ÷ the program's
    (above 1: the program is faster) per round."""
    import numpy as np

    from nets.data import two_moons

    try:
        import torch
    except ImportError:
        return "PyTorch is not installed: no layered-program table"
    torch.set_num_threads(1)
    loss, layers, params, _ = mlp_example(Value)
    X, labels = two_moons(max(batches), seed=0, noise=0.1)
    rows = np.column_stack([X, 2.0 * labels - 1.0])
    xs, y = [Value(v) for v in rows[0, :2]], Value(rows[0, 2])
    program = traced(loss, xs, y, params)
    nodes = count_nodes(lambda: loss(xs, y))
    mats = [(torch.tensor([[w.data for w in ws] for ws, _ in layer], dtype=torch.float64).T
             .contiguous().requires_grad_(),
             torch.tensor([b.data for _, b in layer], dtype=torch.float64).requires_grad_())
            for layer in layers]

    def scalar_step():
        loss([Value(rows[0, 0]), Value(rows[0, 1])], Value(rows[0, 2])).backward()

    out = []
    for B in batches:
        data = rows[:B]
        forward = partial(torch_mlp_loss, mats, torch.tensor(data[:, :2]),
                          torch.tensor(data[:, 2]))
        engines = {"layers": partial(program.run, data, how="layers"),
                   "layers, scalar order": partial(program.run, data, how="layers",
                                                   order="scalar"),
                   "default": partial(program.run, data),
                   "pytorch": partial(torch_mlp_step, mats, forward),
                   "scalar": scalar_step}
        torch_mlp_step(mats, forward)  # the same gradients as the program's
        grads = np.concatenate([np.concatenate([W.grad.numpy().T, b.grad.numpy()[:, None]], 1)
                                .ravel() for W, b in mats])
        assert np.allclose(grads, program.run(data, how="layers")[1], rtol=1e-12, atol=1e-12)
        samples = {name: [] for name in engines}
        for _ in range(rounds):
            for name, f in engines.items():
                per_example = 1 if name == "scalar" else B
                samples[name].append(seconds_per_call(f, 1, min_time=0.02) / per_example)
        ratio = [t / p for t, p in zip(samples["pytorch"], samples["layers"])]
        versus_scalar = [s / p for s, p in zip(samples["scalar"], samples["layers"])]
        out.append([f"{B:,}", spread_ns(samples["layers"], nodes),
                    spread_ns(samples["layers, scalar order"], nodes),
                    spread_ns(samples["default"], nodes) + f" ({program_default(program, B)})",
                    spread_ns(samples["pytorch"], nodes), spread(ratio, "{:.2f}×"),
                    spread(versus_scalar, "{:,.0f}×")])
    headers = ["B", "layers ns/example-node", "layers, scalar order", "run() default",
               "pytorch batched", "pytorch ÷ layers", "layers vs scalar engine"]
    title = (f"The layered program vs PyTorch batched float64 (MLP step, {nodes:,} nodes an "
             f"example, one thread each; {rounds} rounds, engines interleaved; "
             "median [min–max])")
    return f"{title}\n" + table(headers, out, markdown)


def spread(samples, fmt):
    return (f"{fmt.format(statistics.median(samples))} "
            f"[{fmt.format(min(samples))}–{fmt.format(max(samples))}]")


def spread_ns(samples, nodes):
    return spread([s / nodes * 1e9 for s in samples], "{:,.2f}")


def report_crossover(rounds, markdown, batches=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)):
    """Where each replay is fastest: µs per example of run() on the MLP step's program.
    ``autograd_lite.replays.LEVELS_FROM``, ``EACH_FROM`` and ``LAYERS_FROM`` are set from
    this table."""

    loss, _, params, rows = mlp_example(Value)
    xs, y = [Value(v) for v in rows[0, :2]], Value(rows[0, 2])
    program = traced(loss, xs, y, params)
    hows = ("python", "levels", "each", "layers")
    out = []
    for B in batches:
        t = {how: seconds_per_call(partial(program.run, rows[:B], how=how), rounds) / B
             for how in hows}
        fastest = min(t, key=t.get)
        out.append([f"{B:,}", *(f"{t[h] * 1e6:,.0f}" for h in hows), fastest,
                    program_default(program, B)])
    headers = ["B", *(f"{how} µs/example" for how in hows), "fastest", "default"]
    return "Which replay is fastest, by batch size\n" + table(headers, out, markdown)


def traced(loss, xs, y, params):
    """The program of ``loss(xs, y)``, traced from the function; the MLP has no branch to
    check, so its runs check nothing (``check=0``): the replays alone are timed."""
    from autograd_lite import trace

    return trace(lambda *leaves: loss(list(leaves[:-1]), leaves[-1]), [*xs, y], params,
                 check=0)


def program_default(program, B: int) -> str:
    from autograd_lite import replays

    return replays.default_how(program, B)


def report_torch_batched(rows, batches, rounds, nodes, scalar_total):
    """The same MLP as matrices in PyTorch (float64, one thread), its gradients checked
    against the program's: the honest peer for batched training."""
    try:
        import torch
    except ImportError:
        return []
    import numpy as np


    torch.set_num_threads(1)
    loss, layers, params, _ = mlp_example(Value)
    xs, y = [Value(v) for v in rows[0, :2]], Value(rows[0, 2])
    program = traced(loss, xs, y, params)
    mats = [(torch.tensor([[w.data for w in ws] for ws, _ in layer], dtype=torch.float64).T
             .contiguous().requires_grad_(),
             torch.tensor([b.data for _, b in layer], dtype=torch.float64).requires_grad_())
            for layer in layers]
    out = []
    for B in batches:
        forward = partial(torch_mlp_loss, mats, torch.tensor(rows[:B, :2]),
                          torch.tensor(rows[:B, 2]))
        both = partial(torch_mlp_step, mats, forward)
        both()  # the same numbers as the program: values and gradients
        grads = np.concatenate([np.concatenate([W.grad.numpy().T, b.grad.numpy()[:, None]], 1)
                                .ravel() for W, b in mats])
        assert np.allclose(grads, program.run(rows[:B])[1], rtol=1e-9, atol=1e-12)
        fw = seconds_per_call(forward, rounds) / B
        total = seconds_per_call(both, rounds) / B
        out.append(["pytorch, batched tensors", f"{B:,}", "matrices", ns(fw, nodes),
                    ns(total - fw, nodes), ns(total, nodes), f"{scalar_total / total:,.1f}×"])
    return out


def torch_mlp_loss(mats, X, Y):
    """The MLP's summed hinge loss on a batch, as matrices."""
    import torch

    h = X
    for k, (W, b) in enumerate(mats):
        h = h @ W + b
        if k < len(mats) - 1:
            h = torch.relu(h)
    return torch.relu(1 - Y * h[:, 0]).sum()


def torch_mlp_step(mats, forward):
    for W, b in mats:
        W.grad = b.grad = None
    forward().backward()


def train_once(make, X, Y, loss, batch_size, compiled, finals):
    """Five epochs of Adam on a new model; its last loss goes into ``finals[compiled]``."""
    from nets import Adam, train

    model = make()
    history = train(model, X, Y, Adam(model.parameters(), lr=0.05), 5, loss=loss,
                    batch_size=batch_size, progress=False, compiled=compiled)
    finals[compiled] = history.loss[-1]


def report_training(rounds, markdown):
    """Training time, scalar engine vs program (train(..., compiled=True)), same results."""
    from nets import MLP, FeatureDiscoveryNet
    from nets.data import two_moons
    from nets.losses import class_targets

    X, labels = two_moons(200, seed=0, constant_feature=True)
    Xm, labels_m = two_moons(100, seed=0, noise=0.1)
    cases = [
        ("the demo: feature-discovery net, 200 points, H=16, Adam, batches of 20, 5 epochs",
         lambda: FeatureDiscoveryNet(3, 16, loss="logistic", seed=0), X,
         class_targets(labels, "logistic"), None, 20),
        ("MLP 2-16-16-1, hinge loss, 100 points, Adam, whole batch, 5 epochs",
         lambda: MLP(2, [16, 16, 1], seed=0), Xm, class_targets(labels_m, "hinge"), "hinge",
         None),
    ]
    out = []
    for title, make, data, targets, loss, batch_size in cases:
        times, finals = {}, {}
        for compiled in (False, True):
            run = partial(train_once, make, data, targets, loss, batch_size, compiled, finals)
            times[compiled] = seconds_per_call(run, max(1, rounds // 2), min_time=0.0)
        assert math.isclose(finals[True], finals[False], rel_tol=1e-12)
        out.append([title, f"{times[False]:.2f}", f"{times[True]:.2f}",
                    f"{times[False] / times[True]:.1f}×"])
    headers = ["training", "scalar engine, s", "compiled, s", "speed-up"]
    return "Training through programs (same losses to 1e-12)\n" + table(headers, out, markdown)


# --- --against REV: the engine at a git revision, in the same process ---------------------------
@contextmanager
def engine_at(rev: str):
    """autograd_lite as it is at git revision ``rev``, imported under another name from a
    temporary worktree (removed afterwards)."""
    import importlib.util
    import subprocess
    import tempfile
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix="autograd-lite-at-"))
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "worktree", "add", "--detach", str(tmp), rev], check=True,
                   capture_output=True, timeout=120)
    try:
        name = "autograd_lite_at_" + "".join(c if c.isalnum() else "_" for c in rev)
        spec = importlib.util.spec_from_file_location(
            name, tmp / "autograd_lite" / "__init__.py",
            submodule_search_locations=[str(tmp / "autograd_lite")])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        yield module
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(tmp)], capture_output=True,
                       timeout=120)


def report_against(rev: str, rounds: int, markdown: bool) -> str:
    """Forward and backward per node, this tree against ``rev``, engines alternating."""
    with engine_at(rev) as before:
        engines = [Engine("autograd-lite", Value), Engine(f"autograd-lite@{rev}", before.Value)]
        workloads = [("MLP step", mlp_step), ("tanh MLP N=16", partial(tanh_mlp, width=16)),
                     ("chain 10⁴", partial(chain, n=10_000)),
                     ("wide sum 10⁴", partial(wide_sum, n=10_000))]
        rows = []
        for name, make in workloads:
            nodes = count_nodes(make(Value))
            repeat = max(1, 50_000 // nodes)
            for collector in (True, False):
                t = time_engines(make, engines, rounds, collector=collector, repeat=repeat)
                now, then = t["autograd-lite"], t[engines[1].name]
                rows.append([name, "on" if collector else "paused",
                             ns(now.forward, nodes), ns(then.forward, nodes),
                             f"{then.forward / now.forward:.2f}×",
                             ns(now.backward, nodes), ns(then.backward, nodes),
                             f"{then.backward / now.backward:.2f}×"])
    headers = ["workload", "collector", "fwd ns/node", f"fwd @{rev}", "fwd speed-up",
               "bwd ns/node", f"bwd @{rev}", "bwd speed-up"]
    return f"This tree against {rev} (same process, alternating)\n" + table(headers, rows,
                                                                            markdown)


def plot_width(points: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.6))
    for k, (name, pts) in enumerate(points.items()):
        xs, ys = zip(*pts)
        style = "--" if name.endswith("gc paused") else "-"
        ax.plot(xs, ys, style, marker="o", color=f"C{k // 2}", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("nodes in the graph")
    ax.set_ylabel("ns per node (forward + backward)")
    ax.set_title("tanh MLP(3, [N, N, 1]), one pass")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    image = io.BytesIO()
    fig.savefig(image, format="png", dpi=120)
    write_atomic(path, image.getvalue())  # a failed write leaves the old plot whole


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--markdown", action="store_true", help="Markdown tables")
    parser.add_argument("--plot", metavar="PATH", help="write the width plot (PNG)")
    parser.add_argument("--programs", action="store_true", help="only the programs' tables")
    parser.add_argument("--against", metavar="REV", help="this tree vs the engine at REV")
    parser.add_argument("--layers", action="store_true",
                        help="only the layered program vs PyTorch batched")
    parser.add_argument("--rounds", type=int, help="rounds (default 5, 2 with --quick)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="the tables' clock: wall (default) or the process's CPU time")
    args = parser.parse_args(argv)
    global clock
    clock = CLOCKS[args.clock]

    engines = _engines()
    rounds = args.rounds or (2 if args.quick else 5)
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {platform.processor() or 'cpu'}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; {rounds} rounds: the median, but the best "
          f"for the programs' tables; {args.clock} clock)\n")
    if args.against:
        print(report_against(args.against, rounds, args.markdown))
        return 0
    if args.layers:
        print(report_layers(rounds, args.markdown))
        print(f"# load average {os.getloadavg()[0]:.1f} after")
        return 0
    if args.programs or not args.quick:
        print(report_layers(rounds, args.markdown), end="\n\n")
        print(report_program(rounds, args.markdown), end="\n\n")
        print(report_crossover(rounds, args.markdown), end="\n\n")
        print(report_training(rounds, args.markdown), end="\n\n")
    if args.programs:
        return 0
    print(report_mlp(engines, rounds, args.markdown), end="\n\n")
    scaling_sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
    # PyTorch takes ~10 µs a node; a million-node graph would take minutes per round.
    scaling_engines = [e for e in engines if e.name != "pytorch"]
    print(report_scaling(scaling_engines, scaling_sizes, rounds, args.markdown), end="\n\n")
    widths = [4, 16] if args.quick else [4, 16, 64, 128, 256, 512, 1024]
    skip_over = {"autograd-lite": 1024, "micrograd": 1024, "pytorch": 64}
    text, points = report_width(engines, widths, 3 if not args.quick else 1, args.markdown,
                                skip_over)
    print(text, end="\n\n")
    print(report_feature_discovery(rounds, args.markdown))
    if args.plot:
        plot_width(points, args.plot)
        print(f"\nwrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
