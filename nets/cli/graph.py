"""``autograd-lite graph``: draw a computation graph, after backward, to SVG, PNG or PDF.

By default the graph of the feature-discovery net's loss for one example of a dataset;
or, given an expression, the graph of that expression (parsed safely, without ``eval``):

    autograd-lite graph --hidden 2 --example 5 --explain "W[0,1]" -o fdn.svg
    autograd-lite graph --hidden 16 --collapse neurons --max-width 1600 -o net.png
    autograd-lite graph "x * x + 3 * x" --values x=2 --explain x -o expr.pdf
    autograd-lite graph "tanh(a * b + a)" --values a=2,b=-3 --html backprop.html

``--html PAGE.html`` (or ``-o PAGE.html``) writes the step-through page instead (or as
well, with ``-o``): the forward pass, then the backward pass one node per step, in one
self-contained HTML file.

``--explain NAME`` prints the chain rule for ∂(root)/∂(the node labelled NAME) and draws
its paths and separators. The output's format follows its extension: .svg, .png, .pdf,
.gv/.dot for the DOT text (which needs no graphviz program), or .html for the page; any
other extension is refused before any work. A bad argument (expression, label, example,
output path, a graph over --max-nodes or wider than --max-width) exits with status 2; a
failed computation or a missing or failing ``dot`` program with status 1.

Bounded work: the graph's size is checked before it is built (``--max-nodes``, at most
5,000); ``dot`` is stopped after ``DOT_TIMEOUT`` seconds; and a graph in which one value is
used more than ``MAX_USES`` times is not laid out, since graphviz 2.43 slows down steeply
with such a fan (a sum of n copies of x, laid out TB, took 0.9 s at n = 50, 24 s at 75 and
over 90 s at 101; LR took 2.1 s at 150 and 9 s at 200 and crashed at 300).
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np

from autograd_lite import Value, topological_order
from autograd_lite.drawing import DOT_TIMEOUT, draw
from autograd_lite.explainer import explain
from autograd_lite.files import ProgramError, describe_os_error
from autograd_lite.page import save_html
from autograd_lite.parse import FUNCTIONS, parse_expression
from autograd_lite.saving import FORMATS, output_format, save

from .. import losses
from ..data import DATASETS
from ..feature_discovery import NET_LOSSES, FeatureDiscoveryNet
from .arguments import LIMITS, bounds, count, integer, one_line, seed
from .outputs import check_output, write_output

__all__ = ["register", "run", "MAX_NODES", "MAX_USES"]

MAX_NODES = 5_000  # the largest --max-nodes
MAX_USES = 50  # a value used more often than this makes graphviz's layout too slow
# Options of the feature-discovery net, which an expression does not use.
NET_OPTIONS = {"data": "moons", "example": 0, "hidden": 2, "loss": "logistic", "seed": 0,
               "weights": None}


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
                   help="the values of the expression's names, e.g. x=2,y=-1 (each name "
                        "given must be in the expression; no empty items)")
    net = p.add_argument_group("the feature-discovery net (without an expression; with one, "
                               "these options are an error)")
    net.add_argument("--data", choices=list(DATASETS),
                     help="the built-in dataset, as in train (default: moons)")
    net.add_argument("--example", type=integer(0, LIMITS["points"] - 1),
                     help="which example (default: 0)")
    net.add_argument("--hidden", type=count("hidden"),
                     help=f"hidden units, {bounds('hidden')} and within --max-nodes (default: 2)")
    net.add_argument("--loss", choices=NET_LOSSES, help="(default: logistic)")
    net.add_argument("--seed", type=seed,
                     help=f"for the data and the weights, as in train, {bounds('seed', 0)} "
                          "(default: 0)")
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
    p.add_argument("--fmt", type=_fmt, default=".4g",
                   help="number format, widths and precisions up to 30 (default: .4g)")
    p.add_argument("--max-nodes", type=integer(1, MAX_NODES), default=500,
                   help=f"refuse larger graphs, checked before building, 1 to {MAX_NODES:,} "
                        "(default: 500)")
    p.add_argument("-o", "--output", type=_output,
                   help=f"the file to write, in the format its extension names: "
                        f"{', '.join(FORMATS)} (default: graph.svg, unless --html is given); "
                        f"dot gets {DOT_TIMEOUT:g} s and no value may be used more than "
                        f"{MAX_USES} times")
    p.add_argument("--html", type=_output, metavar="PAGE.html",
                   help="write the step-through page: the forward pass, then the backward pass "
                        "one node per step, one self-contained HTML file (no --collapse, "
                        "--edge-labels or --max-width)")
    p.add_argument("--level", choices=("units", "scalars"),
                   help="the page's level: units (the notes': a step per unit of a layer) or "
                        "scalars (a step per node); default: units for a net of over 40 nodes")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the graph, run backward, draw it (and explain it); return the exit status."""
    try:
        if args.output is None and args.html is None:
            args.output = Path("graph.svg")
        if args.output is not None and output_format(args.output) == "html":
            if args.html is not None:
                raise ValueError(f"-o {args.output} and --html {args.html}: two pages; "
                                 "give one")
            args.output, args.html = None, args.output  # -o page.html is --html page.html
        if args.output is not None:
            output_format(args.output)  # an unknown extension is refused before any work
            _check_output(args.output, args.force)
        if args.html is not None:
            _check_page(args)
        if args.expression is not None:
            _check_no_net_options(args)
            root, params = parse_expression(args.expression, args.values), []
            _check_all_used(args.values, root)
            caption = args.expression
        else:
            _fill_net_defaults(args)
            root, params = _net_graph(args)
            caption = (f"l: the {args.loss} loss of the feature-discovery net "
                       f"({args.hidden} hidden units) on example {args.example} of {args.data}")
        if args.html is not None or output_format(args.output) != "dot":
            _check_layout(root)
        root.backward()
        options = {"rankdir": args.rankdir, "fmt": args.fmt, "params": params,
                   "max_nodes": args.max_nodes, "edge_labels": args.edge_labels}
        for option, value in (("collapse", args.collapse), ("max_width", args.max_width)):
            if value is not None:  # else draw's default, or explain's
                options[option] = value
        if args.paths_to is not None:
            options["paths_to"] = _find(root, args.paths_to, "--paths-to")
        explanation = None
        if args.explain is not None:
            explanation = explain(root, _find(root, args.explain, "--explain"), fmt=args.fmt)
            print(explanation)
        written = []
        if args.output is not None:
            graph = (draw(root, caption=caption, **options) if explanation is None
                     else explanation.draw(**options))
            written.append(write_output(args.output, lambda path: save(graph, path)))
        if args.html is not None:
            written.append(write_output(args.html, lambda path: save_html(
                root, path, title=caption, fmt=args.fmt, rankdir=args.rankdir, params=params,
                level=args.level, paths_to=options.get("paths_to"),
                max_nodes=args.max_nodes)))
    except ValueError as e:
        return _error(e, 2)
    except OSError as e:
        return _error(describe_os_error(e), 2)
    except (ArithmeticError, ProgramError) as e:  # DotNotFound is a ProgramError
        return _error(e, 1)
    print("wrote " + ", ".join(str(path) for path in written))
    return 0


def _error(e: Exception | str, status: int) -> int:
    print(f"autograd-lite graph: error: {one_line(e)}", file=sys.stderr)
    return status


def _check_output(path: Path, force: bool) -> None:
    """Before any work: the output may be overwritten, and it can be written."""
    if (path.exists() or path.is_symlink()) and not path.is_dir() and not force:
        raise ValueError(f"{path} exists; use --force to overwrite it")
    check_output(path)


def _check_page(args: argparse.Namespace) -> None:
    """Before any work: --html names an .html file that may be written, and no option asks
    for a drawing the page does not make."""
    if args.html.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--html {args.html}: the page is HTML; name it with .html")
    drawing_only = {"--collapse": args.collapse,
                    "--edge-labels": args.edge_labels, "--max-width": args.max_width}
    given = [name for name, value in drawing_only.items() if value]
    if given:
        raise ValueError(f"{', '.join(given)}: only for a drawing (-o), not for the page "
                         "(--html), which steps through every node")
    _check_output(args.html, args.force)


def _check_no_net_options(args: argparse.Namespace) -> None:
    given = [f"--{name}" for name in NET_OPTIONS if getattr(args, name) is not None]
    if given:
        raise ValueError(f"{', '.join(given)} only apply to the feature-discovery net, "
                         "not to an expression")


def _check_all_used(values: dict[str, float], root: Value) -> None:
    """Refuse a name given a value that the expression does not use (a typo, most likely)."""
    names = {node.label for node in topological_order(root) if not node.parents}
    unused = [name for name in values if name not in names]
    if unused:
        raise ValueError(f"--values: {', '.join(map(repr, unused))} not in the expression "
                         f"(its names: {', '.join(sorted(names & set(values))) or 'none'})")


def _fill_net_defaults(args: argparse.Namespace) -> None:
    if args.values:
        raise ValueError("--values only applies to an expression")
    for name, default in NET_OPTIONS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)


def _net_graph(args: argparse.Namespace) -> tuple[Value, list[Value]]:
    """The loss of the feature-discovery net on one example; and the net's parameters."""
    X, labels = DATASETS[args.data](seed=args.seed, constant_feature=True)
    if not 0 <= args.example < len(X):
        raise ValueError(f"--example must be in 0..{len(X) - 1}, got {args.example}")
    if args.weights is not None:
        net = FeatureDiscoveryNet.load(args.weights)
        n_inputs, hidden, loss = net.n_inputs, net.n_hidden, net.loss_name
        if n_inputs != X.shape[1]:
            raise ValueError(
                f"--weights {args.weights}: the net takes {n_inputs} inputs, but the examples "
                f"of --data {args.data} have {X.shape[1]} (2 coordinates and the constant "
                "feature); give the weights of a net trained on 2-D data"
            )
    else:
        n_inputs, hidden, loss = X.shape[1], args.hidden, args.loss
    x, y = X[args.example], float(losses.class_targets(labels, loss)[args.example])
    _check_net_size(n_inputs, hidden, loss, x, y, args.max_nodes)
    if args.weights is None:
        net = FeatureDiscoveryNet(n_inputs, hidden, loss=loss, seed=args.seed)
    return net.forward(x, y=y).l, net.parameters()


def _check_net_size(
    n_inputs: int, hidden: int, loss: str, x: np.ndarray, y: float, max_nodes: int
) -> None:
    """Refuse, before building it, a net whose graph would have more than ``max_nodes`` value
    nodes: each hidden unit adds the same number, so two small nets give the count."""
    one, two = (len(topological_order(FeatureDiscoveryNet(n_inputs, h, loss).loss(x, y)))
                for h in (1, 2))
    nodes = one + (hidden - 1) * (two - one)
    if nodes > max_nodes:
        raise ValueError(
            f"the net's graph with {hidden} hidden units has {nodes} value nodes, more than "
            f"--max-nodes {max_nodes}; use fewer hidden units or raise --max-nodes "
            f"(up to {MAX_NODES:,})"
        )


def _check_layout(root: Value) -> None:
    """Refuse a graph that graphviz's ``dot`` would take too long to lay out."""
    uses = Counter(parent for node in topological_order(root) for parent in node.parents)
    if uses and max(uses.values()) > MAX_USES:
        value, n = uses.most_common(1)[0]
        name = f"{value.label!r}" if value.label else f"a value ({value.data:g})"
        raise ValueError(
            f"{name} is used {n} times, more than {MAX_USES}: graphviz cannot lay that out in "
            "reasonable time; draw a smaller graph, or to .gv for the DOT text"
        )


def _find(root: Value, label: str, option: str) -> Value:
    """The one node of the graph labelled ``label`` (the argument of ``option``)."""
    nodes = topological_order(root)
    found = [n for n in nodes if n.label and n.label == label]  # '' names no node
    if len(found) != 1:
        labels = ", ".join(sorted({n.label for n in nodes if n.label}))
        problem = "no node is" if not found else f"{len(found)} nodes are"
        raise ValueError(f"{option}: {problem} labelled {label!r}; the labels are: {labels}")
    return found[0]


def _output(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("the file name is empty")
    return Path(text)


def _fmt(text: str) -> str:
    """A number format whose widths and precisions are at most 30 (each number stays short)."""
    if any(len(digits) > 2 or int(digits) > 30 for digits in re.findall(r"\d+", text)):
        raise argparse.ArgumentTypeError(f"{text!r}: widths and precisions must be at most 30")
    return text


def _values(text: str) -> dict[str, float]:
    """``x=2,y=-1`` as {"x": 2.0, "y": -1.0}; names are NFKC-normalised, as Python (and so
    the expression parser) does with the names in an expression."""
    values: dict[str, float] = {}
    for item in (s.strip() for s in text.split(",")):
        if not item:
            raise argparse.ArgumentTypeError(f"an empty item in {text!r}: expected NAME=NUMBER, "
                                             "separated by single commas")
        name, equals, number = (s.strip() for s in item.partition("="))
        name = unicodedata.normalize("NFKC", name)
        if not equals or not name.isidentifier():
            raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {item!r}")
        if name in values:
            raise argparse.ArgumentTypeError(f"{name!r} is given twice")
        try:
            values[name] = float(number)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{number!r} is not a number (in {item!r})") from None
    return values
