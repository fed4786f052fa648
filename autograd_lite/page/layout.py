"""The notes' level laid out to fit a laptop screen or a projector: layers top to bottom, a
wide layer wrapped into rows, and the chain after it (the output unit, the loss) one row
read left to right.

graphviz's ``dot`` puts each layer of a network in one rank: the feature-discovery net's 16
hidden units make a column (or a row) 16 boxes long, which no screen shows with readable
text. Here ``dot`` only ranks the boxes and measures them (``-Tplain``); the positions are
set here, and graphviz's ``neato -n2`` draws the edges between the boxes where they stand:

- each rank of ``dot``'s top-to-bottom layout is a row, in ``dot``'s order (the order with
  the fewest crossings); a rank wider than ``ROW_WIDTH`` is wrapped into as few rows as
  fit, of equal counts (16 hidden units: 8 + 8; 12: 6 + 6);
- a run of thin ranks (at most ``THIN`` boxes each: the output unit, an op, the loss) is
  one row, a rank per column, left to right, as the notes write r → s·r → softplus → l;
  a constant such as s stands in the column of the op it meets, above it.

Sizes are graphviz's points, its text 16 points: at the page's least readable scale, 0.75
CSS pixels a point (12-pixel text), a row of ``ROW_WIDTH`` is 1,200 pixels, the graph's box
in a 1,280-pixel window. The demo's net (3 inputs, 16 hidden units) is then 4 rows, about
1,600 × 650 points: it fits 1,280 × 800 whole. A layer of more than 16 such units takes a
third row, and the page opens at a readable scale with its minimap instead.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import graphviz

from ..drawing import render

__all__ = ["pin_in_rows", "ROW_WIDTH"]

ROW_WIDTH = 1600.0  # points: the widest a row may be
THIN = 2  # a rank of at most this many boxes joins a run of thin ranks
BOX_GAP = 16.0  # points between two boxes of a row (edges pass between them)
COLUMN_GAP = 96.0  # between two ranks of a thin run: an edge with its label
ROW_GAP = 96.0  # between two rows: the edges, their labels, an op


class _Node(NamedTuple):
    name: str
    x: float  # dot's position (its order in the rank), points
    width: float
    height: float


def pin_in_rows(graph: graphviz.Digraph, timeout: float) -> None:
    """Give each node of ``graph`` its position in rows (``pos``, in points), so that
    ``render(graph, ..., pinned=True)`` draws it so; ``dot`` ranks and measures the boxes
    (and may take ``timeout`` seconds)."""
    rows: list[_Row] = []
    for rank in _ranks(graph, timeout):
        if len(rank) <= THIN:
            if rows and rows[-1].gap == COLUMN_GAP and \
                    _Row(COLUMN_GAP, rows[-1].columns + [rank]).width <= ROW_WIDTH:
                rows[-1].columns.append(rank)
            else:
                rows.append(_Row(COLUMN_GAP, [rank]))
        else:
            rows += [_Row(BOX_GAP, [[node] for node in row]) for row in _wrap(rank)]
    top = 0.0
    widest = max(row.width for row in rows)
    for row in rows:
        height = max(_height(column) for column in row.columns)
        x = (widest - row.width) / 2
        for column in row.columns:
            across = max(node.width for node in column)
            y = top + (height - _height(column)) / 2
            for node in column:
                # graphviz's y grows upwards: the first row is the highest
                graph.node(node.name, pos=f"{x + across / 2:.1f},{-(y + node.height / 2):.1f}!")
                y += node.height + BOX_GAP
            x += across + row.gap
        top += height + ROW_GAP
    graph.attr(splines="true")


class _Row(NamedTuple):
    """A row of the layout: columns of boxes (one under another), ``gap`` apart."""

    gap: float
    columns: list[list[_Node]]

    @property
    def width(self) -> float:
        return (sum(max(node.width for node in column) for column in self.columns)
                + self.gap * (len(self.columns) - 1))


def _ranks(graph: graphviz.Digraph, timeout: float) -> list[list[_Node]]:
    """``dot``'s ranks of a top-to-bottom layout, first to last, each in its order; a leaf
    of a thin rank followed by a thin rank (the constant s beside r) goes to that rank,
    first, to stand above the op it meets (s over the · of s·r)."""
    laid = graph.copy()
    laid.attr(rankdir="TB")
    by_y: dict[float, list[_Node]] = {}
    fed = set()  # the nodes with an edge in
    for line in render(laid, "plain", timeout=timeout).decode("utf-8").splitlines():
        word = line.split()
        if word and word[0] == "node":  # node name x y width height label ... (inches)
            x, y, w, h = (float(v) * 72 for v in word[2:6])
            by_y.setdefault(round(y, 1), []).append(_Node(word[1], x, w, h))
        elif word and word[0] == "edge":  # edge tail head ...
            fed.add(word[2])
    ranks = [sorted(by_y[y], key=lambda node: node.x) for y in sorted(by_y, reverse=True)]
    moved: list[_Node] = []  # each leaf moves once, one rank on
    for rank, after in zip(ranks, ranks[1:]):
        leaves = [node for node in rank if node.name not in fed and node not in moved]
        if 0 < len(leaves) < len(rank) <= THIN and len(after) + len(leaves) <= THIN:
            rank[:] = [node for node in rank if node not in leaves]
            after[:0] = leaves
            moved += leaves
    return ranks


def _wrap(rank: list[_Node]) -> list[list[_Node]]:
    """A rank as rows no wider than ``ROW_WIDTH``: as few as can be, of equal counts."""
    for count in range(1, len(rank) + 1):
        per = math.ceil(len(rank) / count)
        rows = [rank[k:k + per] for k in range(0, len(rank), per)]
        if all(_Row(BOX_GAP, [[node] for node in row]).width <= ROW_WIDTH for row in rows):
            return rows
    return [[node] for node in rank]


def _height(column: list[_Node]) -> float:
    return sum(node.height for node in column) + BOX_GAP * (len(column) - 1)
