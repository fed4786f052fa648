"""What a drawing draws: the values of a graph grouped into boxes, and which boxes to keep.

A big graph stays readable when many nodes are drawn as one box. ``boxes(order, collapse,
params)`` groups the nodes of a graph (in topological order, root last) into ``Box``es:

- ``collapse=None``: one box per value, its op drawn with one edge per input.
- ``collapse="sums"``: a chain of additions (``a + b + c + …``, each inner sum used only by
  the next) is one Σ box with one edge per term. A lone ``a + b`` stays a ``+``.
- ``collapse="neurons"``: sums as above, and each *neuron* is one box. A neuron is
  recognised by its structure, not by labels: a sum of terms ``w * u`` and at most one bias
  ``b``, where every ``w`` and ``b`` is one of ``params`` (the weights), optionally followed
  by ``relu``, ``tanh`` or ``sigmoid``. That is how ``nets`` builds its units: the
  feature-discovery net's r̃[j] and x̂[j], its score r, and each ``Neuron`` of an MLP. The
  weights go inside the box (an edge comes in only from a weight used elsewhere too); the
  inputs ``u`` come in as edges. Inner nodes are absorbed only when nothing else uses them.

``on_paths(order, v)`` is the set of values on some path from ``v`` to the root, which
``draw(paths_to=v)`` keeps (with the other inputs of those boxes, greyed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from .value import Value

__all__ = ["Box", "Edge", "boxes", "on_paths", "COLLAPSE", "ACTIVATIONS"]

COLLAPSE = (None, "sums", "neurons")
ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid"})


class Edge(NamedTuple):
    """One input of a box: the value it comes from and ∂(box's value)/∂(that value) through it."""

    source: Value
    local_derivative: float
    position: str | None  # "a" or "b" for the inputs of an op whose order matters


@dataclass(frozen=True)
class Box:
    """One drawn node: ``out``'s data and grad, standing for ``members`` (``out`` included).

    ``kind`` is "value" (a value and the op that made it), "sum" (Σ of ``len(edges)``
    terms) or "neuron". For a neuron, ``pre`` is the sum before the activation (``out``
    itself for a linear neuron), ``weights`` the weight of each of its terms w·x and
    ``bias`` its bias b, if it has one.
    """

    out: Value
    kind: str
    edges: tuple[Edge, ...]
    members: frozenset[Value]
    pre: Value | None = None
    weights: tuple[Value, ...] = ()
    bias: Value | None = None

    @property
    def symbol(self) -> str | None:
        """What the op circle shows (None: no circle, a leaf or a neuron)."""
        if self.kind == "sum":
            return "Σ"
        if self.kind == "neuron" or self.out.op is None:
            return None
        ordered = any(edge.position for edge in self.edges)
        return f"a {self.out.op.symbol} b" if ordered else self.out.op.symbol


# Binary ops whose inputs can be swapped; the inputs of the others are marked a and b.
_SYMMETRIC = frozenset({"add", "mul"})


def boxes(order: list[Value], collapse: str | None, params: Collection[Value]) -> list[Box]:
    """The boxes of a graph given parents-first (``order``), in the same order."""
    if collapse not in COLLAPSE:
        raise ValueError(f'collapse must be None, "sums" or "neurons", got {collapse!r}')
    if collapse == "neurons" and not params:
        raise ValueError(
            'collapse="neurons" needs params=... (the weights): a neuron is a sum of '
            "weight × input terms, and the weights are what tells it from any other sum"
        )
    uses = Counter(p for node in order for p in node.parents)
    absorbed: set[Value] = set()
    found: dict[Value, Box] = {}
    for node in reversed(order):  # a chain's last node comes before its inner nodes
        if node in absorbed:
            continue
        box = None
        if collapse == "neurons":
            box = _neuron(node, uses, params)
        if box is None and collapse is not None:
            box = _sum(node, uses)
        if box is None:
            box = _single(node)
        absorbed |= box.members
        found[node] = box
    return [found[node] for node in order if node in found]


def on_paths(order: list[Value], v: Value) -> set[Value]:
    """The values on some path from ``v`` to the root (the last of ``order``), both ends
    included; empty when the root does not depend on ``v``."""
    reached: set[Value] = set()
    for node in order:
        if node is v or any(p in reached for p in node.parents):
            reached.add(node)
    root = order[-1]
    if root not in reached:
        return set()
    kept, stack = {root}, [root]
    while stack:  # back from the root, through the nodes v reaches
        for p in stack.pop().parents:
            if p in reached and p not in kept:
                kept.add(p)
                stack.append(p)
    return kept


def _single(node: Value) -> Box:
    ordered = len(node.parents) == 2 and node.op is not None and node.op.name not in _SYMMETRIC
    edges = tuple(
        Edge(parent, local, "ab"[k] if ordered else None)
        for k, (parent, local) in enumerate(zip(node.parents, node.local_derivatives()))
    )
    return Box(node, "value", edges, frozenset({node}))


def _terms(node: Value, uses: Counter[Value]) -> tuple[list[Value], set[Value]]:
    """The terms of the chain of additions ending at ``node``, left to right, and the
    additions it is made of (an inner addition belongs to it only if nothing else uses it)."""
    terms, adds, stack = [], set(), [node]
    while stack:
        n = stack.pop()
        if n.op is not None and n.op.name == "add" and (n is node or uses[n] == 1):
            adds.add(n)
            stack.extend(reversed(n.parents))
        else:
            terms.append(n)
    return terms, adds


def _sum(node: Value, uses: Counter[Value]) -> Box | None:
    terms, adds = _terms(node, uses)
    if len(terms) < 3:
        return None
    return Box(node, "sum", tuple(Edge(t, 1.0, None) for t in terms), frozenset(adds))


def _neuron(node: Value, uses: Counter[Value], params: Collection[Value]) -> Box | None:
    """The neuron whose output is ``node``, or None if ``node`` does not end one."""
    if node.op is not None and node.op.name in ACTIVATIONS and uses[node.parents[0]] == 1:
        pre, (slope,) = node.parents[0], node.local_derivatives()
    else:
        pre, slope = node, 1.0
    terms, adds = _terms(pre, uses)
    if len(terms) < 2 and pre is node:
        return None  # a lone product is a neuron only with an activation after it
    members, weights, biases = {node, pre} | adds, [], []
    edges: list[Edge] = []
    w: Value | None
    for term in terms:
        if term in params:  # the bias: ∂(sum)/∂b = 1
            w, inputs = term, []
            biases.append(term)
        else:
            w, u = _weight_and_input(term, params, uses)
            if w is None:
                return None
            members.add(term)
            inputs = [(u, slope * w.data)]
            weights.append(w)
        if uses[w] == 1:
            members.add(w)
        else:  # the weight is used elsewhere too: draw it, with an edge in
            inputs.append((w, slope * (1.0 if w is term else u.data)))
        edges.extend(Edge(source, local, None) for source, local in inputs)
    if not weights or len(biases) > 1:
        return None
    bias = biases[0] if biases else None
    return Box(node, "neuron", tuple(edges), frozenset(members), pre, tuple(weights), bias)


def _weight_and_input(
    term: Value, params: Collection[Value], uses: Counter[Value]
) -> tuple[Value | None, Value]:
    """For a term ``w * u`` (either order) with ``w`` a parameter: w and u."""
    if term.op is None or term.op.name != "mul" or uses[term] != 1:
        return None, term
    a, b = term.parents
    if a in params:
        return a, b
    if b in params:
        return b, a
    return None, term
