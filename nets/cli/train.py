"""``autograd-lite demo`` and ``autograd-lite train``: train the feature-discovery net, compare
its gradients three ways at the trained weights, and write the weights and plots to --out.
"""

from __future__ import annotations

import argparse
import os
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np

from autograd_lite.files import describe_os_error

from .. import data
from ..compare import compare_gradients
from ..feature_discovery import BYTES_PER_NODE, MAX_BYTES, NET_LOSSES, FeatureDiscoveryNet
from ..losses import class_targets
from ..optim import SGD, Adam, Optimizer
from ..page import save_demo_page
from ..training import History, train
from .arguments import LIMITS, UsageError, bounds, count, number, seed
from .outputs import check_output, reserved, write_output

__all__ = ["register", "DEFAULTS", "OUTPUT_FILES"]

# The demo's settings, and the train subcommand's defaults: two-moons, 200 points plus the
# constant feature, 16 hidden units, logistic loss, Adam on mini-batches of 20.
DEFAULTS = dict(
    data="moons", points=200, noise=None, hidden=16, loss="logistic", optimizer="adam",
    lr=0.05, momentum=0.9, epochs=100, batch_size=20, seed=0,
)
OPTIMIZERS = ("adam", "sgd")
OUTPUT_FILES = ("weights.json", "loss.png", "decision_boundary.png", "backprop.html")
INTERRUPTED_WEIGHTS = "weights.interrupted.json"  # Ctrl-C while training: never over weights.json
CHECK_NODES = 200_000
"""The after-training gradient check builds one graph over at most this many nodes (about
50 MB and a second), on a sample of the examples when all of them would be more."""
PLOT_BYTES = 720 * 600 * 4  # a plot's RGBA pixels (6 × 5 inches at 120 dpi): its largest PNG
PAGE_BYTES = 4 * 2**20  # the demo's step-through page: 0.6 MB


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` and ``train`` subcommands to a CLI's subparsers."""
    _add_demo(subparsers)
    _add_train(subparsers)


def _dataset(text: str) -> str:
    if text in data.DATASETS or text.lower().endswith(".csv"):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is neither a built-in dataset ({', '.join(data.DATASETS)}) nor a PATH.csv"
    )


def _add_output_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--out", default="out", metavar="DIR",
                     help="directory for the plots and the weights, created, checked for "
                          "writing and its disk space reserved before training; Ctrl-C while "
                          f"training leaves its files as they were and writes the weights so "
                          f"far to {INTERRUPTED_WEIGHTS} (default: %(default)s)")
    sub.add_argument("--force", action="store_true",
                     help="write into --out even if it is not empty (a symbolic link there is "
                          "replaced, not written through)")
    sub.add_argument("--no-progress", dest="progress", action="store_false",
                     help="no progress bar")


def _add_compiled_option(sub: argparse.ArgumentParser, default: bool) -> None:
    sub.add_argument("--compiled", action=argparse.BooleanOptionalAction, default=default,
                     help="train through a program traced from one example, a batch at a "
                          "time in numpy: the same results, faster (default: %(default)s)")


def _add_demo(subparsers: argparse._SubParsersAction) -> None:
    sub = subparsers.add_parser(
        "demo",
        help="train on two-moons with the defaults, compare gradients three ways, plot",
        description="Train the feature-discovery net (16 hidden units, logistic loss, Adam) on "
        "200 two-moons points with a constant feature; print autodiff vs closed form vs finite "
        "differences at the trained weights; write the decision boundary, the loss curve, "
        "the weights and backprop.html, the step-through page of the backward pass for one "
        "example at the notes' level (the largest loss under the untrained weights), to --out.",
    )
    _add_output_options(sub)
    _add_compiled_option(sub, default=True)  # measured faster: docs/performance.md
    sub.set_defaults(func=_run_training, page=True, **DEFAULTS)


def _add_train(subparsers: argparse._SubParsersAction) -> None:
    d = DEFAULTS
    sub = subparsers.add_parser(
        "train",
        help="train the feature-discovery net on your choice of data and settings",
        description="Train the feature-discovery net, compare its gradients three ways at the "
        "trained weights and write plots and weights to --out. A constant feature x = 1 is "
        "appended to every example (the net has no separate biases). A CSV file holds rows "
        "'features..., label' with labels 0 or 1 (a regular file of at most 16 MiB and 10⁶ "
        f"numbers). A run over {LIMITS['work']:,} weight uses (epochs × examples × inputs × "
        "hidden units) is refused before it starts, and so is a net or (without --compiled) "
        f"a batch whose graph would take more than {MAX_BYTES / 2**30:g} GiB. The gradients "
        f"are compared on at most {CHECK_NODES:,} nodes' worth of examples.",
    )
    sub.add_argument("--data", type=_dataset, default=d["data"],
                     metavar="|".join([*data.DATASETS, "PATH.csv"]),
                     help="built-in dataset or CSV file (default: %(default)s)")
    sub.add_argument("--points", type=count("points"), default=d["points"],
                     help=f"points in a built-in dataset, {bounds('points')} "
                          "(default: %(default)s)")
    sub.add_argument("--noise", type=number(float, 0), default=d["noise"],
                     help="jitter of a built-in dataset (default: the dataset's own)")
    sub.add_argument("--hidden", type=count("hidden"), default=d["hidden"],
                     help=f"hidden units H, {bounds('hidden')} (default: %(default)s)")
    sub.add_argument("--loss", choices=NET_LOSSES, default=d["loss"],
                     help="logistic on 0/1 targets, squared on -1/+1 (default: %(default)s)")
    sub.add_argument("--optimizer", choices=OPTIMIZERS, default=d["optimizer"],
                     help="(default: %(default)s)")
    sub.add_argument("--lr", type=number(float, 0, low_open=True), default=d["lr"],
                     help="learning rate (default: %(default)s)")
    sub.add_argument("--momentum", type=number(float, 0, 1), default=d["momentum"],
                     help="SGD's momentum (default: %(default)s)")
    sub.add_argument("--epochs", type=count("epochs"), default=d["epochs"],
                     help=f"passes over the data, {bounds('epochs')} (default: %(default)s)")
    sub.add_argument("--batch-size", type=count("batch_size"), default=d["batch_size"],
                     help=f"examples per step, {bounds('batch_size')} (default: %(default)s)")
    sub.add_argument("--seed", type=seed, default=d["seed"],
                     help=f"seed for the data, the weights and the batches, {bounds('seed', 0)} "
                          "(default: %(default)s)")
    _add_compiled_option(sub, default=False)
    _add_output_options(sub)
    sub.set_defaults(func=_run_training, page=False)


# --- demo and train ----------------------------------------------------------------------
def _run_training(args: argparse.Namespace) -> int:
    X, labels = _load_data(args)
    _check_work(args.epochs, *X.shape, args.hidden)
    _check_batch_graph(args.batch_size, len(X), X.shape[1], args.hidden, args.compiled)
    out = _output_directory(args.out, args.force)  # before training: no work lost to it
    Y = class_targets(labels, args.loss)
    net = FeatureDiscoveryNet(X.shape[1], args.hidden, args.loss, seed=args.seed)
    with _room_for_outputs(out, net, args.page):
        print(f"training {net} on {len(X)} examples of {args.data!r} ({args.optimizer}, "
              f"lr {args.lr:g}, {args.epochs} epochs, batches of {args.batch_size}"
              f"{', compiled' if args.compiled else ''})")
        history = train(net, X, Y, _optimizer(args, net), args.epochs,
                        batch_size=args.batch_size, seed=args.seed, progress=args.progress,
                        compiled=args.compiled)
    if history.interrupted:  # the complete outputs of an earlier run stay as they were
        kept = write_output(out / INTERRUPTED_WEIGHTS, net.save)
        raise KeyboardInterrupt(
            f"interrupted after {len(history.loss)} of {args.epochs} epochs: the weights so "
            f"far are in {kept}; the other outputs were left as they were")
    written: list[Path] = []
    try:
        written.append(write_output(out / OUTPUT_FILES[0], net.save))  # first of all
        sample = _check_sample(len(X), X.shape[1], net.n_hidden)
        comparison = compare_gradients(net, X[sample], Y[sample])
        some = f" on {len(sample):,} of the {len(X):,} examples" if len(sample) < len(X) else ""
        print(f"\ngradients at the trained weights, three ways{some}:\n{comparison}\n")
        print(f"final loss {history.loss[-1]:.4f}, accuracy {history.accuracy[-1]:.1%}")
        _write_plots(out, net, history, X, labels, args.page, written)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(
            f"interrupted after training; wrote {', '.join(map(os.fspath, written))}, "
            "left the other outputs as they were") from None
    print("wrote " + ", ".join(os.fspath(p) for p in written))
    return 0 if comparison else 1


def _check_sample(examples: int, inputs: int, hidden: int) -> np.ndarray:
    """The examples the after-training gradient check uses: all of them, or, where their
    graph would have more than ``CHECK_NODES`` nodes, as many as fit, evenly spread."""
    nodes = FeatureDiscoveryNet.nodes
    per_example = nodes(inputs, hidden, examples=2) - nodes(inputs, hidden, examples=1)
    fit = max(1, (CHECK_NODES - nodes(inputs, hidden, examples=0)) // per_example)
    return np.linspace(0, examples - 1, min(examples, fit)).round().astype(int)


def _check_batch_graph(batch_size: int, examples: int, inputs: int, hidden: int,
                       compiled: bool) -> None:
    """Refuse, before building anything, a batch whose graph (held whole until backward)
    would need more than ``MAX_BYTES`` of memory; a program runs batches in bounded chunks."""
    batch = min(batch_size, examples)
    nodes = FeatureDiscoveryNet.nodes(inputs, hidden, examples=batch)
    if not compiled and nodes * BYTES_PER_NODE > MAX_BYTES:
        raise UsageError(
            f"a batch of {batch:,} examples with {hidden:,} hidden units is a graph of "
            f"{nodes:,} nodes, about {nodes * BYTES_PER_NODE / 2**30:.1f} GiB, more than the "
            f"limit of {MAX_BYTES / 2**30:g} GiB; use a smaller --batch-size or --compiled"
        )


def _room_for_outputs(
    out: Path, net: FeatureDiscoveryNet, page: bool
) -> AbstractContextManager[None]:
    """The disk space the outputs need, reserved in ``out`` while training runs (then freed
    for them): a full disk is an error at once, before any training."""
    # JSON numbers take at most 24 characters, plus indentation, comma and newline; a PNG
    # at most its RGBA pixels, plus PNG's and zlib's overhead; the page (demo only) 4 MiB.
    size = 32 * len(net.parameters()) + 16 * net.n_inputs + 2**10
    return reserved(out, size + 2 * (PLOT_BYTES + 2**16) + (PAGE_BYTES if page else 0))


def _check_work(epochs: int, examples: int, inputs: int, hidden: int) -> None:
    """Refuse, before building the net, a run longer than ``LIMITS["work"]`` allows."""
    work = epochs * examples * inputs * hidden
    if work > LIMITS["work"]:
        raise UsageError(
            f"{epochs:,} epochs × {examples:,} examples × {inputs} inputs × {hidden:,} hidden "
            f"units is {work:,} weight uses, more than {LIMITS['work']:,} (minutes of "
            "training); use fewer epochs, examples or hidden units"
        )


def _output_directory(out: str, force: bool) -> Path:
    """The output directory, created, with room to write each of ``OUTPUT_FILES``."""
    path = Path(out)
    if not out:
        raise UsageError("--out: the directory name is empty")
    if path.is_symlink() and not path.exists():
        raise UsageError(f"--out {out} is a symbolic link to {os.readlink(path)}, which is missing")
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {out} is a file, not a directory")
    try:
        if path.is_dir() and any(path.iterdir()) and not force:
            raise UsageError(f"output directory {out} is not empty; use --force to write into it")
        path.mkdir(parents=True, exist_ok=True)
        for name in OUTPUT_FILES:
            check_output(path / name)
    except OSError as e:
        raise UsageError(f"--out {out}: cannot write there ({describe_os_error(e)})") from None
    return path


def _load_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """X with the constant feature appended, and 0/1 labels."""
    try:
        if args.data in data.DATASETS:
            noise = {} if args.noise is None else {"noise": args.noise}
            return data.DATASETS[args.data](
                args.points, seed=args.seed, constant_feature=True, **noise
            )
        X, labels = data.load_csv(args.data)
        class_targets(labels, "logistic")  # only checks that the labels are 0 or 1
    except ValueError as e:
        raise UsageError(f"--data {args.data}: {e}") from None
    return data.add_constant_feature(X), labels


def _optimizer(args: argparse.Namespace, net: FeatureDiscoveryNet) -> Optimizer:
    if args.optimizer == "sgd":
        return SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
    return Adam(net.parameters(), lr=args.lr)


def _write_plots(
    out: Path, net: FeatureDiscoveryNet, history: History, X: np.ndarray, labels: np.ndarray,
    page: bool, written: list[Path],
) -> None:
    """The loss curve, the decision boundary (of a net on points of the plane) and the page
    (``page``), each added to ``written`` once it is written."""
    from .. import manual, plots  # matplotlib is slow to import: only when plotting

    title = f"{net.n_hidden} hidden units, {net.loss_name} loss"
    written.append(write_output(out / OUTPUT_FILES[1],
                                lambda path: plots.loss_curve(history, path, title=title)))
    if X.shape[1] == 3:  # two coordinates and the constant feature: the plane can be drawn
        W, w = net.weights()

        def score(points: np.ndarray) -> np.ndarray:
            return np.array([manual.forward(W, w, x).r for x in data.add_constant_feature(points)])

        written.append(write_output(out / OUTPUT_FILES[2], lambda path: plots.decision_boundary(
            score, X[:, :2], labels, path, title=f"{title}: r > 0 is class 1")))
    if page:
        written.append(write_output(out / OUTPUT_FILES[3], lambda path: save_demo_page(
            path, net, X, labels, DEFAULTS["seed"])))

