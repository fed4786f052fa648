"""Draw a computation graph with graphviz: every value with its data and grad, every op.

``draw(root)`` returns a ``graphviz.Digraph``. Its ``.source`` is the DOT text, built
without graphviz's ``dot`` program; in Jupyter the graph displays inline as SVG (graphviz's
own display hooks, which run ``dot``). ``save_svg`` writes the SVG to a file.

Each value is a box (label, data, grad) coloured by its kind: a labelled leaf (blue), a
parameter (green, when ``params`` names them), a constant (grey: an unlabelled leaf, such as
the 3 in ``3 * x``), an intermediate node (white) or the root (red, thick border). Each op
is a small circle between its inputs and its result. Node names are ``n0, n1, …`` in
topological order (``n3_op`` for the op that made ``n3``), so the same graph always gives
the same DOT text. The graph is only read: styling is passed in, never stored on nodes.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> dot = draw(x * x, rankdir="TB")
>>> [line.strip() for line in dot.source.splitlines() if "->" in line]
['n0 -> n1_op', 'n0 -> n1_op', 'n1_op -> n1']
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from html import escape
from pathlib import Path

import graphviz

from .backprop import topological_order
from .files import ProgramNotFound, run_program, write_atomic
from .value import Value

__all__ = ["draw", "save_svg", "format_number", "DotNotFound", "DOT_TIMEOUT"]

# Seconds graphviz's `dot` may take to lay out one graph before it is stopped.
DOT_TIMEOUT = 30.0

_KIND_STYLE = {
    "constant": {"fillcolor": "#f3f4f6", "color": "#9ca3af", "fontcolor": "#4b5563"},
    "leaf": {"fillcolor": "#dbeafe"},
    "param": {"fillcolor": "#dcfce7"},
    "intermediate": {"fillcolor": "white"},
    "root": {"fillcolor": "#fee2e2", "penwidth": "2.5"},
}
_HIGHLIGHT = {"color": "#2563eb", "penwidth": "3"}
_HIGHLIGHT_EDGE = {"color": "#2563eb", "penwidth": "2.5"}
_CURRENT = {"color": "#dc2626", "penwidth": "4"}
_CURRENT_EDGE = {"color": "#dc2626", "penwidth": "2.5"}
_GRAD_COLOR = "#b91c1c"
# Binary ops whose inputs can be swapped; the inputs of the others are marked a and b.
_SYMMETRIC = frozenset({"add", "mul"})


class DotNotFound(ProgramNotFound, graphviz.ExecutableNotFound):
    """graphviz's ``dot`` program is not installed; the message says how to install it."""

    def __init__(self) -> None:
        RuntimeError.__init__(  # not graphviz's message: ours says how to install it
            self,
            "rendering a graph needs graphviz's `dot` program, which is not on PATH. "
            "Install graphviz: sudo apt-get install graphviz (Debian/Ubuntu), "
            "brew install graphviz (macOS), or see https://graphviz.org/download/. "
            "The DOT text needs no program: draw(root).source",
        )


def format_number(x: float, fmt: str = ".4g") -> str:
    """``x`` formatted with ``fmt``, a true minus sign, and no negative zero.

    >>> format_number(-0.5), format_number(-0.0), format_number(2 / 3, ".2f")
    ('−0.5', '0', '0.67')
    """
    try:
        return format(float(x) + 0.0, fmt).replace("-", "−")  # + 0.0 turns -0.0 into 0.0
    except ValueError:
        raise ValueError(f'fmt must be a number format such as ".4g", got {fmt!r}') from None


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    fmt: str = ".4g",
    params: Collection[Value] = (),
    highlight: Collection[Value] = (),
    current: Value | None = None,
    styles: Mapping[Value, Mapping[str, str]] | None = None,
    max_nodes: int = 500,
) -> graphviz.Digraph:
    """The computation graph of ``root`` as a ``graphviz.Digraph`` (no ``dot`` needed).

    Args:
        rankdir: "LR" (inputs on the left) or "TB" (inputs at the top).
        fmt: the format spec for data and grad, as in ``format(x, fmt)``.
        params: the parameters (leaves drawn green); other labelled leaves are drawn blue.
        highlight: nodes drawn with a blue border, and the edges between them (e.g. paths).
        current: a node drawn in red with the op that made it and that op's inputs (the
            node ``backward_steps`` has just handled).
        styles: extra graphviz node attributes per value node, applied last.
        max_nodes: refuse (ValueError) a graph with more value nodes than this.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw needs a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB"):
        raise ValueError(f'rankdir must be "LR" or "TB", got {rankdir!r}')
    format_number(1.0, fmt)  # a bad format fails here, before any work
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw: the graph has {len(order)} value nodes, more than max_nodes={max_nodes}, "
            f"too many to read in one picture; pass max_nodes={len(order)} to draw it anyway"
        )
    ids = {node: f"n{k}" for k, node in enumerate(order)}
    if current is not None and current not in ids:
        raise ValueError(f"current={current!r} is not a node of this graph")
    params, highlight, styles = set(params), set(highlight), styles or {}

    dot = graphviz.Digraph(
        graph_attr={"rankdir": rankdir, "bgcolor": "white", "nodesep": "0.3", "ranksep": "0.45"},
        node_attr={"fontname": "Helvetica", "fontsize": "16", "shape": "box",
                   "style": "rounded,filled", "margin": "0.12,0.06"},
        edge_attr={"color": "#6b7280", "arrowsize": "0.8", "fontname": "Helvetica",
                   "fontcolor": "#4b5563"},
    )
    for node in order:
        kind = _kind(node, root, params)
        attrs = dict(_KIND_STYLE[kind])
        if node in highlight:
            attrs.update(_HIGHLIGHT)
        if node is current:
            attrs.update(_CURRENT)
        attrs.update(styles.get(node, {}))
        dot.node(ids[node], _value_label(node, fmt), **attrs)
        if node.op is not None:
            _draw_op(dot, node, ids, highlight, node is current)
    return dot


def save_svg(
    root: Value | graphviz.Digraph,
    path: str | os.PathLike[str],
    *,
    timeout: float = DOT_TIMEOUT,
    **options,
) -> Path:
    """Write the graph as SVG to ``path`` (atomically) and return the path; needs ``dot``.

    ``root`` is a ``Value`` (drawn with ``draw(root, **options)``) or a graph already drawn,
    such as ``explain(L, v).draw()``. Without ``dot``, raises ``DotNotFound``; if ``dot``
    runs longer than ``timeout`` seconds or fails (graphviz 2.43 crashes on some large
    graphs), raises ``ProgramError`` with a one-line message; the file is then not touched.
    """
    if isinstance(root, graphviz.Digraph):
        if options:
            raise TypeError(f"save_svg: options {sorted(options)} apply to a Value, not a graph")
        graph = root
    else:
        graph = draw(root, **options)
    try:
        svg = run_program(
            ["dot", "-Tsvg"], graph.source.encode("utf-8"), timeout=timeout,
            timeout_hint="draw fewer nodes (a smaller graph, or rankdir LR)",
        )
    except ProgramNotFound:
        raise DotNotFound() from None
    return write_atomic(path, svg)


def _kind(node: Value, root: Value, params: Collection[Value]) -> str:
    if node is root:
        return "root"
    if node.op is not None:
        return "intermediate"
    if node in params:
        return "param"
    return "leaf" if node.label else "constant"


def _value_label(node: Value, fmt: str) -> str:
    """An HTML-like label: the node's label in bold (if any), its data, its grad."""
    rows = [f"<b>{escape(node.label)}</b>"] if node.label else []
    rows.append(f"data {format_number(node.data, fmt)}")
    rows.append(f'<font color="{_GRAD_COLOR}">grad {format_number(node.grad, fmt)}</font>')
    cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>>'


def _draw_op(
    dot: graphviz.Digraph, node: Value, ids: Mapping[Value, str],
    highlight: Collection[Value], is_current: bool,
) -> None:
    """The op node that made ``node``, an edge from each input (repeats kept), one to it."""
    op_id = f"{ids[node]}_op"
    symbol = node.op.symbol
    ordered = len(node.parents) == 2 and node.op.name not in _SYMMETRIC
    # Both ends of an edge highlighted: it lies on a path between highlighted nodes.
    lit = node in highlight and any(parent in highlight for parent in node.parents)
    emphasis = _CURRENT if is_current else _HIGHLIGHT if lit else {}
    dot.node(
        op_id, f"a {symbol} b" if ordered else symbol, shape="circle", style="filled",
        fillcolor="#f9fafb", fontsize="14", width="0.45", margin="0.02", **emphasis,
    )
    for position, parent in enumerate(node.parents):
        attrs = {"label": "ab"[position], "fontsize": "12"} if ordered else {}
        if is_current:
            attrs.update(_CURRENT_EDGE)
        elif lit and parent in highlight:
            attrs.update(_HIGHLIGHT_EDGE)
        dot.edge(ids[parent], op_id, **attrs)
    edge_emphasis = _CURRENT_EDGE if is_current else _HIGHLIGHT_EDGE if lit else {}
    dot.edge(op_id, ids[node], **edge_emphasis)
