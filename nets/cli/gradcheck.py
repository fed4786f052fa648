"""``autograd-lite gradcheck``: random nets of several sizes and both losses, their
gradients compared three ways (autodiff, the notes' closed form, finite differences); exit
status 1 on any mismatch."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..compare import compare_gradients
from ..feature_discovery import NET_LOSSES, FeatureDiscoveryNet
from .arguments import bounds, count, seed

__all__ = ["register", "run"]

GRADCHECK_SIZES = ((1, 1), (2, 3), (3, 8), (8, 16))  # (inputs D, hidden units H)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gradcheck`` subcommand to a CLI's subparsers."""
    sub = subparsers.add_parser(
        "gradcheck",
        help="check autodiff against the closed form and finite differences on random nets",
        description="For random nets of several sizes and both losses, compare the gradient "
        "of the mean loss three ways; exit with status 1 on any mismatch.",
    )
    sub.add_argument("--seed", type=seed, default=0,
                     help=f"{bounds('seed', 0)} (default: %(default)s)")
    sub.add_argument("--examples", type=count("examples"), default=8,
                     help=f"random examples per net, {bounds('examples')} (default: %(default)s)")
    sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every net of ``GRADCHECK_SIZES`` with both losses; return the exit status."""
    rng = np.random.default_rng(args.seed)
    failures = 0
    for n_inputs, n_hidden in GRADCHECK_SIZES:
        for loss in NET_LOSSES:
            net = FeatureDiscoveryNet(n_inputs, n_hidden, loss, seed=int(rng.integers(2**31)))
            X = rng.normal(size=(args.examples, n_inputs))
            if loss == "logistic":
                Y = rng.integers(0, 2, size=args.examples)
            else:
                Y = rng.normal(size=args.examples)
            comparison = compare_gradients(net, X, Y)
            failures += not comparison
            print(f"{n_inputs} inputs, {n_hidden} hidden units, {loss} loss:\n{comparison}\n")
    total = len(GRADCHECK_SIZES) * len(NET_LOSSES)
    if failures:
        print(f"MISMATCH in {failures} of {total} nets", file=sys.stderr)
        return 1
    print(f"all {total} nets agree")
    return 0
