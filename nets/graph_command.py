"""``autograd-lite graph``: draw a computation graph, after backward, to SVG, PNG or PDF.

By default the graph of the feature-discovery net's loss for one example of a dataset;
or, given an expression, the graph of that expression (parsed safely, without ``eval``):

    autograd-lite graph --hidden 2 --example 3 --explain "W[0,1]" -o fdn.svg
    autograd-lite graph --hidden 16 --collapse neurons --max-width 1600 -o net.png
    autograd-lite graph "x * x + 3 * x" --values x=2 --explain x -o expr.pdf

``--explain NAME`` prints the chain rule for ∂(root)/∂(the node labelled NAME) and draws
its paths and separators. The output's format follows its extension: .svg, .png, .pdf, or
.gv/.dot for the DOT text (which needs no graphviz program); any other extension is refused
before any work. A bad argument (expression, label, example, output path, a graph over
--max-nodes or wider than --max-width) exits with status 2; a failed computation or a
missing or failing ``dot`` program with status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograd_lite import Value, topological_order
from autograd_lite.drawing import FORMATS, draw, output_format, save
from autograd_lite.explainer import explain
from autograd_lite.files import ProgramError
from autograd_lite.parse import FUNCTIONS, parse_expression

from . import losses
from .data import DATASETS
from .feature_discovery import NET_LOSSES, FeatureDiscoveryNet

__all__ = ["register", "run"]

def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``graph`` subcommand to a CLI's subparsers."""
    p = subparsers.add_parser(
        "graph",
        help="draw a computation graph (the feature-discovery net, or an expression)",
        description="Draw the graph of the feature-discovery net's loss for one example, or of "
        "an expression, after backward, to SVG, PNG or PDF; --explain writes out the chain rule "
        "for one node.",
    )
    p.add_argument("expression", nargs="?",
                   help="an expression such as 'x * x + 3 * x', with + - * / ** and "
                        f"{', '.join(FUNCTIONS)} (default: the feature-discovery net)")
    p.add_argument("--values", type=_values, default={}, metavar="NAME=NUMBER,...",
                   help="the values of the expression's names, e.g. x=2,y=-1")
    net = p.add_argument_group("the feature-discovery net (without an expression)")
    net.add_argument("--data", choices=list(DATASETS), default="moons",
                     help="the built-in dataset, as in train (default: moons)")
    net.add_argument("--example", type=int, default=0, help="which example (default: 0)")
    net.add_argument("--hidden", type=int, default=2, help="hidden units (default: 2)")
    net.add_argument("--loss", choices=NET_LOSSES, default="logistic",
                     help="(default: logistic)")
    net.add_argument("--seed", type=int, default=0,
                     help="for the data and the weights, as in train (default: 0)")
    net.add_argument("--weights", type=Path, metavar="FILE",
                     help="the weights.json written by train (instead of random weights)")
    p.add_argument("--explain", metavar="NAME",
                   help="write out the chain rule for the node labelled NAME, e.g. 'W[0,1]'")
    p.add_argument("--collapse", choices=("sums", "neurons"),
                   help="draw a chain of additions as one Σ (sums), and each neuron of the "
                        "net as one box (neurons)")
    p.add_argument("--paths-to", metavar="NAME",
                   help="draw only the paths from the node labelled NAME to the root")
    p.add_argument("--edge-labels", action="store_true",
                   help="write each edge's local derivative on it")
    p.add_argument("--max-width", type=float, metavar="PX",
                   help="scale the picture down to this width in pixels, never below 12 pt text")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                   help="LR: inputs on the left (default); TB: inputs at the top")
    p.add_argument("--fmt", default=".4g", help="number format (default: .4g)")
    p.add_argument("--max-nodes", type=int, default=500,
                   help="refuse larger graphs (default: 500)")
    p.add_argument("-o", "--output", type=Path, default=Path("graph.svg"),
                   help=f"the file to write, in the format its extension names: "
                        f"{', '.join(FORMATS)} (default: graph.svg)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the graph, run backward, draw it (and explain it); return the exit status."""
    try:
        output_format(args.output)  # an unknown extension is refused before any work
        if args.output.exists() and not args.force:
            raise ValueError(f"{args.output} exists; use --force to overwrite it")
        if args.expression:
            root, params = parse_expression(args.expression, args.values), []
            caption = args.expression
        else:
            root, params = _net_graph(args)
            caption = (f"l: the {args.loss} loss of the feature-discovery net "
                       f"({args.hidden} hidden units) on example {args.example} of {args.data}")
        root.backward()
        options = {"rankdir": args.rankdir, "fmt": args.fmt, "params": params,
                   "max_nodes": args.max_nodes, "collapse": args.collapse,
                   "edge_labels": args.edge_labels, "max_width": args.max_width}
        if args.paths_to is not None:
            options["paths_to"] = _find(root, args.paths_to, "--paths-to")
        if args.explain is None:
            graph = draw(root, caption=caption, **options)
        else:
            explanation = explain(root, _find(root, args.explain, "--explain"), fmt=args.fmt)
            print(explanation)
            graph = explanation.draw(**options)
        save(graph, args.output)
    except (ValueError, OSError) as e:
        return _error(e, 2)
    except (ArithmeticError, ProgramError) as e:  # DotNotFound is a ProgramError
        return _error(e, 1)
    print(f"wrote {args.output}")
    return 0


def _error(e: Exception, status: int) -> int:
    print(f"autograd-lite graph: error: {e}", file=sys.stderr)
    return status


def _net_graph(args: argparse.Namespace) -> tuple[Value, list[Value]]:
    """The loss of the feature-discovery net on one example; and the net's parameters."""
    X, labels = DATASETS[args.data](seed=args.seed, constant_feature=True)
    if not 0 <= args.example < len(X):
        raise ValueError(f"--example must be in 0..{len(X) - 1}, got {args.example}")
    if args.weights is not None:
        net = FeatureDiscoveryNet.load(args.weights)
    else:
        net = FeatureDiscoveryNet(X.shape[1], args.hidden, loss=args.loss, seed=args.seed)
    y = losses.class_targets(labels, net.loss_name)[args.example]
    return net.forward(X[args.example], y=float(y)).l, net.parameters()


def _find(root: Value, label: str, option: str) -> Value:
    """The one node of the graph labelled ``label`` (the argument of ``option``)."""
    nodes = topological_order(root)
    found = [n for n in nodes if n.label == label]
    if len(found) != 1:
        labels = ", ".join(sorted({n.label for n in nodes if n.label}))
        problem = "no node is" if not found else f"{len(found)} nodes are"
        raise ValueError(f"{option}: {problem} labelled {label!r}; the labels are: {labels}")
    return found[0]


def _values(text: str) -> dict[str, float]:
    """``x=2,y=-1`` as {"x": 2.0, "y": -1.0}."""
    values = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, equals, number = (s.strip() for s in item.partition("="))
        if not equals or not name.isidentifier():
            raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {item!r}")
        try:
            values[name] = float(number)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{number!r} is not a number (in {item!r})") from None
    return values
