"""A step-through page for backpropagation: one self-contained HTML file, or a Jupyter cell.

``save_html(root, path)`` writes one HTML file that needs nothing else: the graph is inline
SVG (drawn by ``draw`` and laid out by graphviz when the file is written), the
styling and the script are inline (``player.css`` and ``player.js``, shipped with this
package), and it loads nothing from the network, so it opens from ``file://`` on a
projector with no internet. ``player(root)`` shows the same page in a Jupyter cell.

The page steps through the forward pass (the nodes appear with their values, in
topological order), then through the backward pass one node per step, as
``backward_steps``: at each step the node handled is highlighted, each edge into it says
the local derivative and the contribution it carries, a partial sum looks different from a
final gradient, and a node not reached yet shows no number. Clicking a node shows how its
gradient is made, term by term; quiz mode asks the student for each gradient first.

On a network (``params=`` its weights) the page also has the notes' level, one step per
unit of a layer (``level="units"``, see ``autograd_lite.page.units``), where a unit
expands into its scalar steps and collapses again.

Every number on the page is the engine's, computed here and written into the page (see
``autograd_lite.page.script``); the page's script only displays them.

>>> from autograd_lite import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> page = player(a * b)  # needs graphviz's dot, to lay out the graph
>>> page.html.startswith("<!doctype html>"), a.grad  # the graph's .grad are untouched
(True, 0.0)
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
from collections.abc import Collection
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..backprop import grad, topological_order
from ..checks import check_count, check_graph_size, check_value, check_values
from ..drawing import DOT_TIMEOUT, draw, render
from ..files import write_atomic
from ..text import is_off as _is_off
from ..text import shown
from ..value import Value
from .layout import pin_in_rows
from .script import script

__all__ = ["player", "save_html", "Player", "MAX_NODES"]

# The most value nodes a page steps through by default: beyond it, one step at a time is
# too many steps to follow, and the picture too big to read.
MAX_NODES = 250

# Longer edges, more space between nodes and a margin all round than in a plain drawing:
# each step writes the local derivative and the contribution beside the edges it uses.
_ROOM_FOR_EDGE_LABELS = {"ranksep": "1.2", "nodesep": "0.45", "pad": "0.6"}

_OFF_LEGEND = """<dt><span class="agl-swatch agl-sw-off"></span></dt>
  <dd>a ReLU that is off (its input ≤ 0, written in the box): it is 0 and sends 0 back</dd>
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';
      style-src 'unsafe-inline'; script-src {script}; img-src data:">
<title>{title}</title>
</head>
<body class="agl-page">
{fragment}
</body>
</html>
"""


class Player:
    """The step-through page for one graph: ``html`` (a whole page), ``fragment`` (what a
    Jupyter cell shows, through ``_repr_html_``) and ``save(path)``.

    Each of them is made afresh, with ids of its own: a page shown twice in a notebook is
    two players that work, not one working and one dead copy of the same ids.
    """

    def __init__(self, parts: dict[str, Any], title: str) -> None:
        self._parts = parts  # the SVGs (ids not yet prefixed), the data, the options
        self.title = title

    @property
    def fragment(self) -> str:
        """The player as an HTML fragment, with new ids each time it is asked for."""
        return _fragment(f"agl-{secrets.token_hex(4)}", self.title, **self._parts)

    @property
    def html(self) -> str:
        """The whole page, as ``save`` writes it."""
        fragment = self.fragment
        return _PAGE.format(title=escape(self.title), fragment=fragment,
                            script=_script_hash(fragment))

    def _repr_html_(self) -> str:
        return self.fragment

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (atomically: the old file stays whole on a failure)."""
        return write_atomic(path, self.html)


def player(
    root: Value,
    *,
    title: str | None = None,
    fmt: str = ".4g",
    rankdir: str = "LR",
    params: Collection[Value] = (),
    quiz: bool = False,
    level: str | None = None,
    fold_leaves: bool | None = None,
    paths_to: Value | None = None,
    max_nodes: int = MAX_NODES,
    timeout: float = DOT_TIMEOUT,
) -> Player:
    """The step-through page for the graph of ``root``; in Jupyter it shows inline.

    Args:
        title: the page's heading (default: "Backpropagation through L", with the root's
            name).
        fmt: the format of every number, as in ``format(x, fmt)``.
        rankdir: "LR" (inputs on the left) or "TB" (inputs at the top), as in ``draw``,
            for the scalars' level; the notes' level is laid out in rows, layers top to
            bottom, to fit a screen (see ``autograd_lite.page.layout``).
        params: the parameters (the weights), drawn green, as in ``draw``; they are also
            what tells a unit (neuron) of a layer from any other sum.
        quiz: start in quiz mode (the student types each gradient before seeing it).
        level: "units", the notes' level: one step per unit of a layer (a neuron, found by
            its structure as ``draw(collapse="neurons")`` finds it), its caption the notes'
            equation with numbers, a unit expanding into its scalar steps on request; or
            "scalars": one step per value node. Default: "units" when the graph has units
            (given ``params``) and more than ``BIG_GRAPH`` (40) nodes, else "scalars".
        fold_leaves: fold each leaf's step (which sends nothing) into the step that sends
            it its last contribution. Default: on for a graph of more than 40 nodes.
        paths_to: step through only the nodes on a path from this node to the root (and
            show the other inputs of their ops, greyed), as ``draw(paths_to=...)``.
        max_nodes: refuse (ValueError) a graph with more value nodes than this.
        timeout: seconds graphviz's ``dot`` may take to lay out the graph.

    Needs graphviz's ``dot`` (``DotNotFound`` without it; ``ProgramError`` if it fails or
    runs past ``timeout``). The graph's ``.grad``s are left as they were.
    """
    check_value("player", "root", root)
    max_nodes = check_count("player", "max_nodes", max_nodes, low=1)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"player: title must be a str, got {type(title).__name__}: "
                        f"{shown(title)}")
    params = check_values("player", "params", params)
    if paths_to is not None:
        check_value("player", "paths_to", paths_to)
    order = topological_order(root)
    check_graph_size("player", len(order), max_nodes, "too many to step through one at a "
                     "time (step through one example, or fewer hidden units)")
    data = script(root, fmt, params=params, fold_leaves=fold_leaves, level=level,
                  paths_to=paths_to)
    final = {node: g.data for node, g in zip(order, grad(root, order))}
    by_id = {entry["id"]: entry["name"] for entry in data["nodes"]}  # ids: n{k}, as draw's
    names = {node: by_id[f"n{k}"] for k, node in enumerate(order) if f"n{k}" in by_id}
    # drawn with the final gradients, so each box is wide enough for its number
    svgs = {}
    for name, collapse in (("svg", None), ("units_svg", "neurons")):
        if collapse is not None and data["units"] is None:
            svgs[name] = ""
            continue
        graph = draw(root, rankdir=rankdir, fmt=fmt, params=params, max_nodes=max_nodes,
                     grads=final, legend=False, collapse=collapse, paths_to=paths_to,
                     names=names)  # every box named as the captions name it
        graph.graph_attr.update(_ROOM_FOR_EDGE_LABELS)
        if collapse is not None:  # the notes' level: layers in rows, to fit a screen
            pin_in_rows(graph, timeout)
        svgs[name] = render(graph, "svg", timeout=timeout,
                            pinned=collapse is not None).decode("utf-8")
    title = title if title is not None else f"Backpropagation through {data['rootName']}"
    off = any(_is_off(node) for node in order)
    return Player(dict(svgs, data=data, quiz=bool(quiz), off=off), title)


def save_html(root: Value, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write the step-through page for ``root`` to ``path``, one self-contained HTML file.

    ``options`` are ``player``'s (``level``, ``paths_to``, ``params``, ``quiz``, …). The
    file is written atomically: on any failure (no ``dot``, a graph over ``max_nodes``, a
    full disk) an existing file is left whole.
    """
    return player(root, **options).save(path)


def _inline(svg: str, prefix: str) -> str:
    """``dot``'s SVG as an inline ``<svg>`` element, every id prefixed so that several
    players on one page (a notebook) do not clash."""
    if not svg:
        return ""
    svg = svg[svg.index("<svg"):]  # no XML prolog or doctype inside HTML
    svg = _smaller(svg)
    return re.sub(r'\bid="([^"]*)"', rf'id="{prefix}-\1"', svg)


def _smaller(svg: str) -> str:
    """The same picture in fewer bytes (the demo's page is 197 boxes): without dot's
    comments, each outline to the nearest point (1/72 inch) and the font named once."""
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r'\b(?:d|points)="[^"]*"', _outline, svg)
    font = ' font-family="Helvetica,sans-Serif"'
    return svg.replace(font, "").replace("<svg ", f"<svg{font} ", 1)


def _outline(attribute: re.Match[str]) -> str:
    return re.sub(r"-?\d+\.\d+", lambda x: str(round(float(x[0]))), attribute[0])


def _asset(name: str) -> str:
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def _fragment(prefix: str, title: str, svg: str, units_svg: str, data: dict[Any, Any], quiz: bool,
              off: bool) -> str:
    """The player: controls, caption, graph, inspector, legend, its data and its script.
    ``off``: the graph has a ReLU that is off, which the legend then explains."""
    # no "<" at all inside the script element, so no label can end it or open a comment
    payload = json.dumps(data, ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")
    markup = _asset("player.html").format(
        prefix=prefix, title=escape(title), svg=_inline(svg, prefix),
        units_svg=_inline(units_svg, f"{prefix}-u"), last=2 * len(data["nodes"]) - 1,
        quiz="checked" if quiz else "", off_legend=_OFF_LEGEND if off else "",
    )
    return (
        f"{markup}<style>{_asset('player.css')}</style>\n"
        f'<script type="application/json" id="{prefix}-data">{payload}</script>\n'
        f"<script>{_code(prefix)}</script>\n"
    )


def _code(prefix: str) -> str:
    """The page's script: the op table's arithmetic (ops.js, generated) and the what-if
    walk (whatif.js), the view (view.js), the edge labels and tags (labels.js), the
    recomputed texts (live.js) and the player
    (player.js), started on this fragment's player."""
    return (
        f"(function () {{\n{_asset('ops.js')}\n{_asset('whatif.js')}\n{_asset('view.js')}\n"
        f"{_asset('labels.js')}\n{_asset('live.js')}\n{_asset('player.js')}\n"
        f'autogradLitePlayer(document.getElementById("{prefix}"), JSON.parse('
        f'document.getElementById("{prefix}-data").textContent));\n}})();'
    )


def _script_hash(fragment: str) -> str:
    """The CSP source that lets exactly the fragment's script run: its SHA-256."""
    code = re.search(r"<script>(.*?)</script>", fragment, re.DOTALL)[1]  # type: ignore[index]
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
