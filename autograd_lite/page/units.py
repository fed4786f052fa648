"""The notes' level of the step-through page: one step per unit of a layer.

A *unit* is a box of ``collapse="neurons"`` (see ``autograd_lite.collapse``), found by the
graph's structure, so any MLP-shaped graph has them: a neuron (a sum of weight × input
terms, then an activation or not), or a single value (an input, a weight used twice, a node
of the loss). At this level the walk takes a unit at a time, root first, and its caption is
the notes' chain rule for it, with the engine's numbers; for the feature-discovery net:

    ∂l/∂x̂ⱼ = wⱼ·∂l/∂r        ∂l/∂wⱼ = x̂ⱼ·∂l/∂r                       (the unit r)
    ∂l/∂r̃ⱼ = ∂l/∂x̂ⱼ·[r̃ⱼ > 0]        ∂l/∂Wᵢⱼ = ∂l/∂r̃ⱼ·xᵢ             (the unit x̂ⱼ)

A neuron's first term is written as the notes write it, the others with their numbers only,
so that a caption is a line a term; past ``CAPTION_TERMS`` terms (r has 16) the caption
says how each term goes, and the page folds the list of them away until asked.

Each unit step lists the scalar steps it is made of, so the page can expand a unit into
them and collapse it again. Every number is the engine's: a gradient as ``backward_steps``
left it, a contribution as it was sent, or the sum of the contributions one unit's steps
sent one value (the same additions ``backward`` does, one unit at a time).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any, cast

from ..collapse import Box, boxes
from ..value import Value
from .notation import factor, local_formula, wrt

__all__ = ["find_units", "units"]


def find_units(order: list[Value], params: Collection[Value]) -> list[Box] | None:
    """The units of a graph (the boxes of ``collapse="neurons"``), or None when it has no
    neuron (no ``params``, or no sum of weight × input terms)."""
    if not params:
        return None
    found = boxes(order, "neurons", set(params))
    return found if any(box.kind == "neuron" for box in found) else None


def units(order: list[Value], found: list[Box], records: list[Any], page_order: list[int],
          ids: dict[Any, Any], names: dict[Any, Any], num: Callable[..., Any], fmt: str,
          scalar_nodes: dict[Value, dict[Any, Any]],
          scalar_steps: list[dict[Any, Any]]) -> dict[str, Any]:
    """The walk over the units ``found`` (JSON-ready).

    ``records``: the engine's steps (``script._Record``), ``page_order`` the page's order
    of them; ``scalar_nodes`` and ``scalar_steps``: the scalar level's entries, whose
    sentences a single value's unit reuses.
    """
    root = order[-1]
    unit_of = {member: box for box in found for member in box.members}
    page_step = {records[k].node: i for i, k in enumerate(page_order)}
    record_of = {r.node: r for r in records}
    # how many units send each value a contribution (a unit using it twice sends once)
    consumers = Counter(v for box in found for v in {e.source for e in box.edges})

    nodes = []
    for box in found:
        out = box.out
        nodes.append({
            "id": ids[out], "name": names[out], "kind": box.kind,
            "members": [ids[m] for m in order if m in box.members],
            "inputs": [ids[unit_of[e.source].out] for e in box.edges],
            "data": num(out.data), "value": out.data,
            "forward": (scalar_nodes[out]["forward"] if box.kind == "value"
                        else _forward(box, names, num)),
            "grads": [], "quiz": scalar_nodes[out]["quiz"],  # a unit asks for its output's
        })
    entry = {ids[box.out]: n for box, n in zip(found, nodes)}
    entry[ids[root]]["grads"].append([0, num(1.0), "final"])

    sums: dict[Value, float] = {}
    heard: Counter[Any] = Counter()
    steps = []
    for k, box in enumerate(_backward_order(found, consumers)):
        members = box.members
        sent: dict[Value, float] = {}  # what this unit sends each value outside it
        for m in members:
            for parent, _, amount in record_of[m].contributions:
                if parent not in members:
                    sent[parent] = sent.get(parent, 0.0) + amount
        for v, amount in sent.items():
            sums[v] = sums.get(v, 0.0) + amount
            heard[v] += 1
            final = heard[v] == consumers[v]
            g = record_of[v].grad if final else sums[v]  # the engine's, once complete
            entry[ids[v]]["grads"].append([k, num(g), "final" if final else "pending"])
        parts, gradients, shown = _caption(
            box, root, record_of, sent, consumers, ids, names, num, fmt,
            [scalar_steps[page_step[m]]["parts"] for m in order if m in members])
        steps.append({
            "unit": ids[box.out],
            "scalarSteps": sorted(page_step[m] for m in members),
            "parts": parts, "shown": shown, "gradients": gradients,
            "sends": _sends(box, sent, unit_of, ids, names, num, fmt),
            "foldedInto": None, "folds": [],
        })
    _fold(steps, found, ids)
    return {"nodes": nodes, "steps": steps}


def _backward_order(found: list[Box], consumers: Counter[Any]) -> list[Box]:
    """The units root first, each once every unit using it is done (as the engine walks),
    and of those ready the first in the forward order: x̂[0] before x̂[1]."""
    index = {box.out: k for k, box in enumerate(found)}
    waiting = consumers.copy()
    ready, order = [len(found) - 1], []  # the root's unit is the last in the forward order
    while ready:
        box = found[heapq.heappop(ready)]
        order.append(box)
        for v in {e.source for e in box.edges}:
            waiting[v] -= 1
            if waiting[v] == 0:
                heapq.heappush(ready, index[v])
    return order


def _hides(x: float, node: Value, ids: dict[Any, Any], num: Callable[..., Any]) -> dict[str, str]:
    return {"text": num(x), "hides": ids[node]}


def _caption(box: Box, root: Value, record_of: dict[Any, Any], sent: dict[Any, Any],
             consumers: Counter[Any], ids: dict[Any, Any], names: dict[Any, Any],
             num: Callable[..., Any], fmt: str, member_parts: list[list[Any]]
             ) -> tuple[list[list[Any]], dict[str, float], int]:
    """The unit's chain rule with its numbers (a neuron in the notes' form, anything else
    as its scalar steps say it), every gradient it states, by node id, and how many of its
    lines the caption shows before the list it folds away. ``consumers``: how many units
    send each value a term (an input of 16 units gets ``+=`` from each, not ``=``)."""
    if box.kind != "neuron":
        lines: list[list[Any]] = [line for parts in member_parts for line in parts]
        return lines, {ids[box.out]: record_of[box.out].grad}, len(lines)

    def h(x: float, node: Value) -> dict[str, str]:
        return _hides(x, node, ids, num)

    out, pre, L = box.out, cast(Value, box.pre), names[root]  # a neuron has its sum
    D = {v: wrt(names[v]) for v in box.members | {e.source for e in box.edges}}
    g_out, g_pre = record_of[out].grad, record_of[pre].grad
    lines = []
    gradients = {ids[out]: g_out, ids[pre]: g_pre}
    if pre is out:  # a linear unit such as r: the gradient arriving is the headline
        lines.append([f"∂{L}/∂{D[out]} = ", h(g_out, out)])
    else:
        slope = out.local_derivatives()[0]
        lines.append([f"∂{L}/∂{D[pre]} = ∂{L}/∂{D[out]}·{factor(local_formula(out, 0, names, fmt))}"
                      f" = (", h(g_out, out), f")·({num(slope)}) = ", h(g_pre, pre)])
    P = D[pre]
    pairs = _pairs(box)
    for k, (w, u, term) in enumerate(pairs):
        if k == 1 and len(pairs) > CAPTION_TERMS:  # the first term, then how each goes
            lines.append([f"and so for each of its {len(pairs)} terms w·u: ∂{L}/∂w = ∂{L}/∂{P}·u"
                          f", ∂{L}/∂u = w·∂{L}/∂{P}"])
        # the first term as the notes write it; the others, with the same factors, as
        # numbers only (a line each fits a 1,280-pixel caption)
        said = k == 0
        to_w = _sent_by(record_of[term], w)
        line = [f"∂{L}/∂{D[w]} = " + (f"∂{L}/∂{P}·{names[u]} = " if said else "") + "(",
                h(g_pre, pre), f")·({num(u.data)}) = ", h(to_w, w)]
        if w in box.members:  # used by this term only: what it sent is the whole gradient
            gradients[ids[w]] = to_w
        if u in sent and not _is_constant(u):
            to_u = _sent_by(record_of[term], u)
            whole = sent[u] == to_u and consumers[u] == 1  # its only term
            line += [f";  ∂{L}/∂{D[u]} {'=' if whole else '+='} "
                     + (f"{names[w]}·∂{L}/∂{P} = " if said else "") + f"({num(w.data)})·(",
                     h(g_pre, pre), ") = ", h(to_u, u)]
        lines.append(line)
    if box.bias is not None:
        lines.append([f"∂{L}/∂{D[box.bias]} = ∂{L}/∂{P} = ", h(g_pre, box.bias)])
        gradients[ids[box.bias]] = g_pre
    return lines, gradients, 2 if len(pairs) > CAPTION_TERMS else len(lines)


CAPTION_TERMS = 3
"""A unit of more terms than this (r, of 16) shows its first term's equation with numbers,
then how each term goes, which opens the list of every term's numbers: its step's
``shown`` first lines, then that line, then the list."""


def _sent_by(record: Any, v: Value) -> float:
    """What one scalar step sent ``v`` (both inputs, for v·v)."""
    return sum(c.contribution for c in record.contributions if c.parent is v)  # type: ignore[no-any-return]


def _sends(box: Box, sent: dict[Any, Any], unit_of: dict[Any, Any], ids: dict[Any, Any],
           names: dict[Any, Any], num: Callable[..., Any],
           fmt: str) -> list[dict[Any, Any]]:
    """The label of each edge of the unit's box that carries a contribution."""
    sends = []
    for position, edge in enumerate(box.edges):
        source = edge.source
        if source not in sent:
            continue
        local = num(edge.local_derivative)
        formula = _edge_formula(box, source, names, fmt)
        first = f"local {formula} = {local}" if formula != local else f"local {local}"
        parts = [[first], ["adds ", _hides(sent[source], source, ids, num)]]
        sends.append({"parent": ids[unit_of[source].out], "position": position,
                      "labelParts": parts})
    return sends


def _edge_formula(box: Box, source: Value, names: dict[Any, Any], fmt: str) -> str:
    """∂(the unit's output)/∂source through one edge, in names."""
    if box.kind == "value":
        k = box.out.parents.index(source)
        return local_formula(box.out, k, names, fmt)
    if box.kind == "sum":
        return "1"
    slope = "" if box.pre is box.out else "·" + factor(local_formula(box.out, 0, names, fmt))
    for w, u, _ in _pairs(box):
        if source in (w, u):
            return f"{names[u if source is w else w]}{slope}"
    return f"1{slope}" if slope else "1"  # the bias


def _forward(box: Box, names: dict[Any, Any], num: Callable[..., Any]) -> str:
    """What a sum or a neuron computes, with its value: the notes' x̂ⱼ = ReLU(r̃ⱼ), where
    r̃ⱼ = Σᵢ Wᵢⱼ·xᵢ."""
    out = box.out
    if box.kind == "sum":
        return f"{names[out]} = Σ of {len(box.edges)} terms = {num(out.data)}"
    products = [names[w] + "·" + names[u] for w, u, _ in _pairs(box)]
    if box.bias is not None:
        products.append(names[box.bias])
    terms = " + ".join(products) if len(products) <= 3 else \
        f"{products[0]} + … + {products[-1]} ({len(products)} terms)"
    if box.pre is out:
        return f"{names[out]} = {terms} = {num(out.data)}"
    return (f"{names[out]} = {_activation(box, names)} = {num(out.data)}, where "
            f"{names[box.pre]} = {terms} = {num(box.pre.data)}")  # type: ignore[union-attr]


def _activation(box: Box, names: dict[Any, Any]) -> str:
    symbol = {"relu": "ReLU", "sigmoid": "σ"}.get(box.out.op.name, box.out.op.name)  # type: ignore[union-attr]
    return f"{symbol}({names[box.pre]})"


def _pairs(box: Box) -> list[tuple[Value, Value, Value]]:
    """Each term w·u of a neuron, in the order of its weights: (w, u, the product)."""
    products = [m for m in box.members if m.op is not None and m.op.name == "mul"]
    pairs: list[tuple[Value, Value, Value]] = []
    for w in box.weights:
        term = next(t for t in products if w in t.parents and all(t is not p[2] for p in pairs))
        pairs.append((w, term.parents[1] if term.parents[0] is w else term.parents[0], term))
    return pairs


def _is_constant(node: Value) -> bool:
    return node.op is None and not node.label


def _fold(steps: list[dict[Any, Any]], found: list[Box], ids: dict[Any, Any]) -> None:
    """A leaf unit's step folds into the unit step that sent it its last contribution."""
    leaves = {ids[box.out] for box in found if box.out.op is None}
    last: dict[str, int] = {}
    for k, step in enumerate(steps):
        for send in step["sends"]:
            last[send["parent"]] = k
    for k, step in enumerate(steps):
        if step["unit"] in leaves and step["unit"] in last:
            step["foldedInto"] = last[step["unit"]]
            steps[last[step["unit"]]]["folds"].append(k)
