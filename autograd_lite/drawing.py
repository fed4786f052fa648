"""Draw a computation graph with graphviz: every value with its data and grad, every op.

``draw(root)`` returns a ``graphviz.Digraph``. Its ``.source`` is the DOT text, built
without graphviz's ``dot`` program; in Jupyter the graph displays inline as SVG (graphviz's
own display hooks, which run ``dot``), and its ``.render(name)`` writes ``name.svg``, as
micrograd's ``draw_dot`` does. ``autograd_lite.save(root, path)`` writes it in the format
the file's extension names (.svg, .png, .pdf, or .gv/.dot for the DOT text).

Each value is a box (label, data, grad) coloured by its kind: a labelled leaf (blue), a
parameter (green, when ``params`` names them), a constant (grey: an unlabelled leaf, such as
the 3 in ``3 * x``), an intermediate node (white) or the root (red, thick border). Each op
is a small circle between its inputs and its result. A legend under the picture explains
every colour and line style the picture uses, and only those. Node names are
``n0, n1, …`` in topological order (``n3_op`` for the op that made ``n3``), so the same
graph always gives the same DOT text. The graph is only read: styling is passed in, never
stored on nodes.

Big graphs: ``collapse="sums"`` draws a chain of additions as one Σ, ``collapse="neurons"``
each neuron as one box (see ``autograd_lite.collapse``), ``paths_to=v`` only what lies on
a path from v to the root, and ``max_width`` fits the picture to a width without shrinking
its text below 12 pt.

Honest numbers: a ReLU that is off says so; during a walk (``step=``, from
``backward_steps``) a gradient still being summed shows as "grad so far", in amber italics,
and a node no gradient has reached yet shows no number at all.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> dot = draw(x * x, rankdir="TB")
>>> [line.strip() for line in dot.source.splitlines() if "->" in line]
['n0 -> n1_op', 'n0 -> n1_op', 'n1_op -> n1']
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from html import escape
from typing import Any

import graphviz

from .backprop import current_grads, topological_order
from .checks import check_count, check_graph_size, check_styles, check_value, check_values
from .collapse import Box, boxes, on_paths
from .files import ProgramNotFound, run_program
from .text import format_number, is_off, shown
from .value import Value

__all__ = ["draw", "render", "svg_width_px", "format_number", "DotNotFound", "DOT_TIMEOUT",
           "MIN_FONT_PT"]

# Seconds graphviz's `dot` may take to lay out one graph before it is stopped.
DOT_TIMEOUT = 30.0

MIN_FONT_PT = 12.0  # no text of a drawing is shrunk below this to fit a width
_FONT = {"value": 16, "op": 16, "edge": 14, "legend": 14}
_PX_PER_PT = 96 / 72  # CSS pixels per point

_KIND_STYLE = {
    "constant": {"fillcolor": "#f3f4f6", "color": "#9ca3af", "fontcolor": "#4b5563"},
    "leaf": {"fillcolor": "#dbeafe"},
    "param": {"fillcolor": "#dcfce7"},
    "intermediate": {"fillcolor": "white"},
    "root": {"fillcolor": "#fee2e2", "penwidth": "2.5"},
    "context": {"fillcolor": "#f9fafb", "color": "#d1d5db", "fontcolor": "#9ca3af"},
    "neuron": {"fillcolor": "#fef9c3"},
}
_HIGHLIGHT = {"color": "#2563eb", "penwidth": "3"}
_HIGHLIGHT_EDGE = {"color": "#2563eb", "penwidth": "2.5"}
_CURRENT = {"color": "#dc2626", "penwidth": "4"}
_CURRENT_EDGE = {"color": "#dc2626", "penwidth": "2.5"}
_SEPARATOR = {"color": "#ea580c", "penwidth": "4"}
_OFF = {"style": "rounded,filled,dashed"}
_OFF_EDGE = {"style": "dashed"}
_GRAD_COLOR = {"final": "#b91c1c", "pending": "#b45309", "unreached": "#9ca3af"}
_GRAD_STATUSES = tuple(_GRAD_COLOR)


class DotNotFound(ProgramNotFound, graphviz.ExecutableNotFound):  # type: ignore[misc]
    """graphviz's ``dot`` program is not installed; the message says how to install it."""

    def __init__(self) -> None:
        RuntimeError.__init__(  # not graphviz's message: ours says how to install it
            self,
            "rendering a graph needs graphviz's `dot` program, which is not on PATH. "
            "Install graphviz: sudo apt-get install graphviz (Debian/Ubuntu), "
            "brew install graphviz (macOS), or see https://graphviz.org/download/. "
            "The DOT text needs no program: draw(root).source",
        )


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
    collapse: str | None = None,
    paths_to: Value | None = None,
    separators: Collection[Value] = (),
    step: Any = None,
    grads: Mapping[Value, float] | None = None,
    edge_labels: bool = False,
    caption: str | None = None,
    legend: bool = True,
    max_width: float | None = None,
    names: Mapping[Value, str] | None = None,
) -> graphviz.Digraph:
    """The computation graph of ``root`` as a ``graphviz.Digraph`` (no ``dot`` needed,
    except to measure the picture when ``max_width`` is given).

    Args:
        rankdir: "LR" (inputs on the left) or "TB" (inputs at the top).
        fmt: the format spec for data and grad, as in ``format(x, fmt)``.
        params: the parameters (leaves drawn green); other labelled leaves are drawn blue.
        highlight: nodes drawn with a blue border, and the edges between them (e.g. paths).
        current: a node drawn in red with the op that made it and that op's inputs (the
            node ``backward_steps`` has just handled).
        styles: extra graphviz node attributes per value node, applied last.
        max_nodes: refuse (ValueError) a graph with more value nodes than this.
        collapse: None, "sums" (a chain of additions as one Σ) or "neurons" (each neuron
            as one box, and sums as Σ; needs ``params``, see ``autograd_lite.collapse``).
        paths_to: draw only the nodes on a path from this node to the root, highlighted,
            and the other inputs of their ops greyed; everything else is left out.
        separators: nodes drawn with an orange border (every path passes through them).
        step: a ``Step`` of ``backward_steps(root)``: its node is ``current``, and each
            node shows the walk's sum at that step (``step.grad_of``), a grad still being
            summed as "grad so far", a node no gradient has reached yet with no number.
        grads: the gradients to show instead of each node's ``.grad`` (as ``explain``
            does, with the gradients it computed).
        edge_labels: write on each edge the local derivative ∂(result)/∂(input).
        caption: text under the picture (e.g. the expression), one row per line.
        legend: explain, under the picture, every colour and line style it uses.
        max_width: the widest the rendered picture may be, in CSS pixels (96 per inch):
            a wider one is scaled down, but never so far that text falls below 12 pt;
            if that is not enough, ValueError says what to try. Needs graphviz's ``dot``.
        names: a name for nodes that have no label, written before their data on one row
            (the step-through page passes the names its captions use, such as ``s·r``).
    """
    check_value("draw", "root", root)
    max_nodes = check_count("draw", "max_nodes", max_nodes, low=1)
    check_styles("draw", styles)
    if rankdir not in ("LR", "TB"):
        raise ValueError(f'rankdir must be "LR" or "TB", got {shown(rankdir)}')
    format_number(1.0, fmt)  # a bad format fails here, before any work
    if max_width is not None and not max_width > 0:
        raise ValueError(f"max_width must be a positive number of pixels, got {max_width!r}")
    order = topological_order(root)
    check_graph_size("draw", len(order), max_nodes, "too many to read in one picture")
    ids = {node: f"n{k}" for k, node in enumerate(order)}
    for name, node in (("current", current), ("paths_to", paths_to)):
        if node is not None and node not in ids:
            raise ValueError(f"{name}={node!r} is not a node of this graph")
    if step is not None:
        if step.node not in ids:
            raise ValueError(f"step={step!r} is a step of another graph")
        current = step.node if current is None else current
    if grads is None:  # the walk's sums at that step, else every .grad at one moment
        grads = ({node: step.grad_of(node) for node in order} if step is not None
                 else dict(zip(order, current_grads(order))))
    params, highlight, separators = (set(check_values("draw", name, nodes)) for name, nodes in (
        ("params", params), ("highlight", highlight), ("separators", separators)))
    if names is not None and not (isinstance(names, Mapping)
                                  and all(isinstance(n, str) for n in names.values())):
        raise TypeError(f"draw: names must map Values to str, got {shown(names)}")
    picture = _Picture(root, fmt, params, ids, step, grads, edge_labels)
    picture.names = names or {}
    kept = boxes(order, collapse, picture.params)
    if paths_to is not None:
        path = on_paths(order, paths_to)
        kept = [b for b in kept if b.members & path]
        picture.on_path = {b.out for b in kept}
        highlight = set(highlight) | picture.on_path
    picture.highlight, picture.separators = set(highlight), set(separators)
    for box in kept:
        picture.add(box, current in box.members, (styles or {}).get(box.out, {}))
    picture.finish(paths_to, caption, legend, rankdir)
    if max_width is not None:
        _fit(picture.dot, max_width)
    return picture.dot


MAX_LABEL = 60  # a longer label is drawn cut, ending in "…"
MAX_CAPTION = 200  # and so is a longer line of a caption


def _text(text: str, limit: int = MAX_LABEL) -> str:
    """User text (a label, a line of a caption) as it goes into a graphviz label: cut to
    ``limit`` characters; each unprintable character (a control character such as NUL, a
    line break, a bidirectional override, a lone surrogate) written as its escape, e.g.
    ``\\x00``; HTML-escaped; and each backslash doubled, so that graphviz shows it instead
    of expanding ``\\N`` (the node's name), ``\\G`` (the graph's) or ``\\L``."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return escape(text).replace("\\", "\\\\")


def render(graph: graphviz.Digraph, format: str, *, timeout: float = DOT_TIMEOUT,
           pinned: bool = False) -> bytes:
    """The picture as bytes in ``format`` ("svg", "png", "pdf"); needs graphviz's ``dot``.

    ``pinned``: every node has its position (``pos``, in points), which graphviz keeps,
    drawing only the edges (its ``neato -n2``), instead of laying the graph out with ``dot``.

    Without ``dot``, raises ``DotNotFound``; if ``dot`` runs longer than ``timeout`` seconds
    or fails (graphviz 2.43 crashes on some large graphs), ``ProgramError`` with a one-line
    message.
    """
    program = ["neato", "-n2"] if pinned else ["dot"]
    try:
        return run_program(
            [*program, f"-T{format}"], graph.source.encode("utf-8"), timeout=timeout,
            timeout_hint='draw fewer nodes (collapse="sums", paths_to=..., or a smaller graph)',
        )
    except ProgramNotFound:
        raise DotNotFound() from None


def _fit(dot: graphviz.Digraph, max_width: float) -> None:
    """Scale the picture down to ``max_width`` pixels, if it is wider, and text allows."""
    width = svg_width_px(render(dot, "svg"))
    if width <= max_width:
        return
    pad = 2 * 4 * _PX_PER_PT  # dot adds a 4 pt margin on each side after scaling
    scale = (max_width - pad) / (width - pad)
    smallest = min(_FONT.values())
    if scale * smallest < MIN_FONT_PT:
        raise ValueError(
            f"draw: the picture is {width:.0f} px wide; fitting it in max_width={max_width:g} px "
            f"would shrink its text to {scale * smallest:.1f} pt, below {MIN_FONT_PT:g} pt. "
            'Try collapse="neurons" (with params) or collapse="sums", paths_to=a node, '
            "the other rankdir, or a larger max_width"
        )
    dot.attr(size=f"{(max_width - pad) / 96:.4f},1000")


def svg_width_px(svg: bytes | str) -> float:
    """The ``width`` of an SVG that ``dot`` wrote (in pt), in CSS pixels."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    m = re.search(r'<svg[^>]*\swidth="([0-9.]+)(pt|px)?"', text)
    if not m:
        raise ValueError("not an SVG with a width")
    return float(m[1]) * (_PX_PER_PT if m[2] in (None, "pt") else 1.0)


class _Picture:
    """The DOT statements of one drawing, and what its legend has to explain."""

    def __init__(self, root: Value, fmt: str, params: set[Value], ids: dict[Value, str],
                 step: Any, grads: Mapping[Value, float], edge_labels: bool) -> None:
        self.root, self.fmt, self.params, self.ids = root, fmt, params, ids
        self.step, self.grads, self.edge_labels = step, grads, edge_labels
        self.on_path: set[Value] | None = None
        self.highlight: set[Value] = set()
        self.separators: set[Value] = set()
        self.used: dict[str, None] = {}  # the legend's entries, in the order first used
        self.drawn: set[Value] = set()
        self.names: Mapping[Value, str] = {}  # for the nodes with no label
        self.dot = graphviz.Digraph(
            format="svg",  # .render(name) writes name.svg, as micrograd's draw_dot
            # ordering: a node's inputs keep the graph's order (units 0, 1, 2, … top down)
            graph_attr={"bgcolor": "white", "nodesep": "0.3", "ranksep": "0.45",
                        "ordering": "out"},
            node_attr={"fontname": "Helvetica", "fontsize": str(_FONT["value"]), "shape": "box",
                       "style": "rounded,filled", "margin": "0.12,0.06"},
            edge_attr={"color": "#6b7280", "arrowsize": "0.8", "fontname": "Helvetica",
                       "fontcolor": "#4b5563", "fontsize": str(_FONT["edge"])},
        )

    def use(self, entry: str) -> None:
        self.used[entry] = None

    # --- boxes --------------------------------------------------------------------------
    def add(self, box: Box, is_current: bool, extra: Mapping[str, str]) -> None:
        node = box.out
        kind = self._kind(node)
        if box.kind == "neuron" and kind != "root":  # the root keeps its colour
            kind = "neuron"
        attrs = dict(_KIND_STYLE[kind])
        self.use(kind)
        rows = self._rows(box)
        if is_off(node):
            attrs.update(_OFF)
            self.use("off")
        for marks, style, entry in ((self.highlight, _HIGHLIGHT, "highlight"),
                                    (self.separators, _SEPARATOR, "separator")):
            if node in marks:
                attrs.update(style)
                self.use(entry)
        if is_current:
            attrs.update(_CURRENT)
            self.use("current")
        attrs.update(extra)
        self.dot.node(self.ids[node], _table(rows), **attrs)
        self.drawn.add(node)
        for edge in box.edges:  # an input not drawn otherwise is drawn greyed, for context
            if edge.source not in self.drawn and self.on_path is not None \
                    and edge.source not in self.on_path:
                self.dot.node(self.ids[edge.source], _table(self._rows(None, edge.source)),
                              **_KIND_STYLE["context"])
                self.drawn.add(edge.source)
                self.use("context")
        self._edges(box, is_current)

    def _kind(self, node: Value) -> str:
        if node is self.root:
            return "root"
        if node.op is not None:
            return "intermediate"
        if node in self.params:
            return "param"
        return "leaf" if node.label else "constant"

    def _rows(self, box: Box | None, node: Value | None = None) -> list[str]:
        """The label's rows: name, data, grad, and what else the box stands for."""
        node = box.out if box is not None else node
        assert node is not None, "a label is drawn for a box or a node"
        rows = []
        if box is not None and box.kind == "neuron":
            name = _text(node.label) if node.label else "neuron"
            rows.append(f"<b>{name}</b> = {_neuron_formula(box)}")
            assert box.pre is not None, "a neuron's box holds its sum"
            if box.pre is not node:  # the sum, on a row of its own (an off unit says so)
                pre = _text(box.pre.label) if box.pre.label else "Σ"
                rows.append(f"{pre} {self._num(box.pre.data)}{': off' if is_off(node) else ''}")
            rows.append(f"data {self._num(node.data)}")
        else:
            named = "" if node.label or node not in self.names else \
                f"<b>{_text(self.names[node])}</b>  "  # on the data's row: no taller
            if node.label:
                rows.append(f"<b>{_text(node.label)}</b>")
            rows.append(f"{named}data {self._num(node.data)}")
        if box is not None:  # a greyed input, drawn for context, shows no gradient
            rows.append(self._grad_row(node))
        if is_off(node) and (box is None or box.kind != "neuron"):
            x = node.parents[0]
            rows.append(f'<font color="#6b7280">off: {_text(x.label or "input")} = '
                        f"{self._num(x.data)} ≤ 0</font>")
        return rows

    def _grad_row(self, node: Value) -> str:
        status = "final" if self.step is None else self.step.status(node)
        if status not in _GRAD_STATUSES:
            raise ValueError(f"step.status gave {status!r}, not one of {_GRAD_STATUSES}")
        self.use(f"grad {status}")
        color = _GRAD_COLOR[status]
        if status == "unreached":
            return f'<font color="{color}">grad not reached</font>'
        if node in self.grads:
            g = self.grads[node]
        else:  # never a made-up 0
            raise ValueError(f"grads has no gradient for {node!r}, a node of the drawing")
        if status == "pending":
            return f'<font color="{color}"><i>grad so far {self._num(g)}</i></font>'
        return f'<font color="{color}">grad {self._num(g)}</font>'

    def _num(self, x: float) -> str:
        """The number for a label; escaped, since a format such as "<>12g" pads with "<"."""
        return _text(format_number(x, self.fmt))

    # --- ops and edges ------------------------------------------------------------------
    def _edges(self, box: Box, is_current: bool) -> None:
        """The op circle (if the box has one), an edge from each input, one to the box."""
        node = box.out
        # Both ends of an edge highlighted: it lies on a path between highlighted nodes.
        lit = node in self.highlight and any(e.source in self.highlight for e in box.edges)
        head = self.ids[node]
        symbol = box.symbol
        if symbol is not None:
            head = f"{self.ids[node]}_op"
            emphasis = _CURRENT if is_current else _HIGHLIGHT if lit else {}
            self.dot.node(head, _text(symbol), shape="circle", style="filled",
                          fillcolor="#f9fafb", fontsize=str(_FONT["op"]), width="0.45",
                          margin="0.02", **emphasis)
            self.use("op")
            if box.kind == "sum":
                self.use("sum")
        for edge in box.edges:
            attrs: dict[str, str] = {}
            label = [edge.position] if edge.position else []
            if edge.position:
                self.use("ab")
            if self.edge_labels:
                label.append(self._num(edge.local_derivative))
                self.use("edge label")
            if label:
                attrs["label"] = " ".join(label)
            if is_off(edge.source):
                attrs.update(_OFF_EDGE)
                self.use("off")
            if is_current:
                attrs.update(_CURRENT_EDGE)
            elif lit and edge.source in self.highlight:
                attrs.update(_HIGHLIGHT_EDGE)
            self.dot.edge(self.ids[edge.source], head, **attrs)
        if symbol is not None:
            out_attrs = _CURRENT_EDGE if is_current else _HIGHLIGHT_EDGE if lit else {}
            self.dot.edge(head, self.ids[node], **out_attrs)

    # --- caption and legend -------------------------------------------------------------
    def finish(self, paths_to: Value | None, caption: str | None, legend: bool,
               rankdir: str) -> None:
        self.dot.attr(rankdir=rankdir)
        rows = []
        for line in filter(None, (caption or "").splitlines()):  # graphviz refuses <b></b>
            rows.append(f'<tr><td align="left" colspan="4"><b>{_text(line, MAX_CAPTION)}</b>'
                        '</td></tr>')
        if legend:
            entries = [self._legend_entry(name, paths_to) for name in _LEGEND_ORDER
                       if name in self.used]
            for k in range(0, len(entries), _LEGEND_COLUMNS):
                rows.append("<tr>" + "".join(entries[k:k + _LEGEND_COLUMNS]) + "</tr>")
        if rows:
            self.dot.attr(label="<" + _TABLE_OPEN.replace('cellpadding="1"', 'cellpadding="2"')
                          + "".join(rows) + "</table>>", labelloc="b", labeljust="l",
                          fontname="Helvetica", fontsize=str(_FONT["legend"]))

    def _legend_entry(self, name: str, paths_to: Value | None) -> str:
        swatch, meaning = _LEGEND[name]
        if name == "highlight" and paths_to is not None:
            meaning = (f"on a path from {_text(paths_to.label or 'v')} to "
                       f"{_text(self.root.label or 'the root')}")
        if name in _KIND_STYLE:
            style = _KIND_STYLE[name]
            swatch = (f'<td bgcolor="{style["fillcolor"]}" border="1" '
                      f'color="{style.get("color", "#111827")}">   </td>')
        return swatch + f'<td align="left">{meaning}   </td>'


_TABLE_OPEN = '<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'


def _table(rows: list[str]) -> str:
    cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
    return f"<{_TABLE_OPEN}{cells}</table>>"


def _neuron_formula(box: Box) -> str:
    """Σ 3 w·x (+ b) for a linear unit; with an activation, of the sum's name if it has
    one, as the notes write x̂[j] = ReLU(r̃[j]) (the sum's row says what it is)."""
    terms = f"Σ {len(box.weights)} w·x" + (" + b" if box.bias is not None else "")
    op, pre = box.out.op, box.pre
    if pre is box.out or op is None or pre is None:
        return terms
    return f"{op.symbol}({_text(pre.label) if pre.label else terms})"


def _swatch(text: str, color: str = "#111827") -> str:
    return f'<td><font color="{color}">{text}</font></td>'


def _border(color: str, width: int = 3) -> str:
    return f'<td border="{width}" color="{color}" bgcolor="white">   </td>'


# Each entry of the legend: its swatch (a kind's is drawn from its style) and its meaning.
_LEGEND: dict[str, tuple[str, str]] = {
    "param": ("", "parameter"),
    "leaf": ("", "input (a labelled leaf)"),
    "constant": ("", "constant"),
    "intermediate": ("", "computed value"),
    "root": ("", "the output (root)"),
    "context": ("", "an input off the paths, for context"),
    "neuron": ("", "neuron: Σ w·x (+ b), activation; weights inside"),
    "op": (_swatch("○"), "op: from its inputs to its result"),
    "sum": (_swatch("Σ"), "a chain of additions drawn as one sum"),
    "ab": (_swatch("a b"), "which input of a − b, a / b, a ** b"),
    "edge label": (_swatch("0.5", "#4b5563"), "on an edge: the local derivative ∂result/∂input"),
    "grad final": (_swatch("grad", _GRAD_COLOR["final"]), "∂root/∂(this value), final"),
    "grad pending": (_swatch("<i>grad so far</i>", _GRAD_COLOR["pending"]),
                     "a partial sum: more terms still to come"),
    "grad unreached": (_swatch("grad not reached", _GRAD_COLOR["unreached"]),
                       "no term of its gradient has arrived yet"),
    "highlight": (_border("#2563eb"), "highlighted"),
    "separator": (_border("#ea580c", 4), "separator: every path passes through it"),
    "current": (_border("#dc2626", 4), "the node this step handles"),
    "off": (_swatch("┄┄", "#374151"), "ReLU off (input ≤ 0): passes back 0"),
}
_LEGEND_ORDER = tuple(_LEGEND)
_LEGEND_COLUMNS = 2
