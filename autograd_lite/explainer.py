"""The chain rule written out, in the notes' terms: paths, separators, and their numbers.

For a root L and a node v, ∂L/∂v is the sum, over every path from v to L, of the product
of the local derivatives along the path (one factor per edge; ``x * x`` uses x twice, so
two edges, two paths). A node that every path from v to L passes through *separates* v
from L, and the chain rule factors through it: ∂L/∂v = ∂L/∂s · ∂s/∂v. That is how the
notes derive the gradient of the feature-discovery net: r separates W_ij from l, x̂_j
separates W_ij from r, and r̃_j separates W_ij from x̂_j, so

    ∂l/∂W_ij = ∂l/∂r · ∂r/∂x̂_j · ∂x̂_j/∂r̃_j · ∂r̃_j/∂W_ij = ∂l/∂r · w_j · a'(r̃_j) · x_i

``explain(L, v)`` writes this out for any graph: the factorization through the labelled
separators, then every path with its product, and their sum.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> h = x * x
>>> h.label = "h"
>>> y = h + 3 * h
>>> y.label = "y"
>>> print(explain(y, x))  # doctest: +NORMALIZE_WHITESPACE
∂y/∂x = ∂y/∂h · ∂h/∂x = (4)·(4) = 16
h separates x from y: every path from x to y passes through it.
4 paths from x to y; ∂y/∂x is the sum over them of the product of the local derivatives along each:
  x → h → y: (2) = 2
  x → h → y: (2) = 2
  x → h → (*) → y: (2)·(3) = 6
  x → h → (*) → y: (2)·(3) = 6
∂y/∂x = (2) + (2) + (6) + (6) = 16
Additions pass the gradient on unchanged (a factor 1): the 4 such factors on these paths
are left out of the products above.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from operator import attrgetter
from typing import Any, NamedTuple

import graphviz

from .backprop import grad, topological_order
from .checks import check_count, check_value
from .drawing import draw, format_number
from .text import is_off
from .value import Value

__all__ = ["explain", "separators", "Explanation", "Path", "Factor"]


def node_name(node: Value, root: Value, fmt: str = ".4g", wrt: Value | None = None) -> str:
    """How a sentence about the chain rule calls ``node``: its label; else ``L`` for the
    root, ``v`` for the node differentiated against, a constant's value, or the op in
    parentheses, such as ``(+)``. Used by ``explain`` and the step-through page."""
    if node.label:
        return node.label
    if node is root:
        return "L"
    if node is wrt:
        return "v"
    return format_number(node.data, fmt) if node.op is None else f"({node.op.symbol})"


@dataclass(frozen=True)
class Path:
    """One path from v to L: its nodes (v first), and for each edge the local derivative
    and which input of the next node it enters (``x * x`` has two edges from x, two paths)."""

    nodes: tuple[Value, ...]
    local_derivatives: tuple[float, ...]  # ∂nodes[k+1]/∂nodes[k] through this edge
    positions: tuple[int, ...]  # nodes[k] is input positions[k] of nodes[k+1]

    @property
    def product(self) -> float:
        return math.prod(self.local_derivatives)


class Factor(NamedTuple):
    """∂upper/∂lower: the sum over the paths from ``lower`` to ``upper``."""

    upper: Value
    lower: Value
    value: float


@dataclass(frozen=True, repr=False)
class Explanation:
    """∂root/∂wrt written out; ``str()`` gives the text, ``.latex`` the LaTeX.

    Attributes:
        n_paths: how many paths lead from ``wrt`` to ``root``.
        paths: each of them, or none when there are more than ``max_paths``.
        separators: every node that separates ``wrt`` from ``root``, from ``wrt``'s side.
        chain: ∂root/∂wrt factored through the labelled separators, ``root``'s side first
            (a single factor when no labelled node separates them).
        on_paths: every node on some path, ``wrt`` and ``root`` included.
        total: ∂root/∂wrt: the sum over the paths, or the product of the chain.
    """

    root: Value
    wrt: Value
    n_paths: int
    paths: tuple[Path, ...]
    separators: tuple[Value, ...]
    chain: tuple[Factor, ...]
    on_paths: tuple[Value, ...]
    total: float
    max_paths: int
    fmt: str

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<Explanation {self._d(self.root, self.wrt)} = {self._num(self.total)}>"

    def _repr_latex_(self) -> str:
        return self.latex

    @property
    def headline(self) -> list[str]:
        """The formula with its numbers, and why a ReLU that is off makes paths carry 0."""
        L, v, head = self._name(self.root), self._name(self.wrt), self._d(self.root, self.wrt)
        if self.n_paths == 0:
            return [f"{L} does not depend on {v}: no path leads from {v} to {L}, so {head} = 0."]
        if len(self.chain) > 1:
            derivatives = " · ".join(self._d(f.upper, f.lower) for f in self.chain)
            numbers = "·".join(self._paren(f.value) for f in self.chain)
            lines = [f"{head} = {derivatives} = {numbers} = {self._num(self.total)}"]
        else:
            lines = [f"{head} = {self._num(self.total)}"]
        for relu in self.off:
            x = relu.parents[0]
            lines.append(f"{self._name(relu)} is off: {self._name(x)} = {self._num(x.data)} ≤ 0, "
                         "so every path through it carries 0.")
        return lines

    @property
    def off(self) -> tuple[Value, ...]:
        """The ReLUs on the paths that are off (input ≤ 0): every path through one carries 0.
        Not ``wrt`` itself: its own local derivative is no factor of ∂root/∂wrt."""
        return tuple(n for n in self.on_paths if n is not self.wrt and is_off(n))

    @property
    def text(self) -> str:
        """The chain rule for this pair, in words and numbers."""
        L, v, head = self._name(self.root), self._name(self.wrt), self._d(self.root, self.wrt)
        lines = self.headline
        if self.n_paths == 0:
            return lines[0]
        if len(self.chain) > 1:
            names = [self._name(s) for s in self.chain_nodes]
            verb, pronoun = ("separates", "it") if len(names) == 1 else ("separate", "them")
            lines.append(f"{_and(names)} {verb} {v} from {L}: "
                         f"every path from {v} to {L} passes through {pronoun}.")
        if not self.paths:
            lines.append(
                f"There are {_count(self.n_paths)} paths from {v} to {L}, too many to list "
                f"(max_paths={self.max_paths}); "
                + ("the factorization through the separators above sums them all."
                   if len(self.chain) > 1 else
                   f"no labelled node separates {v} from {L}, so there is no shorter product.")
            )
            return "\n".join(lines)
        lines.append(
            f"1 path from {v} to {L}; {head} is the product of the local derivatives along it:"
            if self.n_paths == 1 else
            f"{self.n_paths} paths from {v} to {L}; {head} is the sum over them of the product "
            "of the local derivatives along each:"
        )
        for path in self.paths:
            lines.append(f"  {self._route(path)}: {self._product(path)} = "
                         f"{self._num(path.product)}")
        if self.n_paths > 1:
            terms = " + ".join(self._paren(p.product) for p in self.paths)
            lines.append(f"{head} = {terms} = {self._num(self.total)}")
        folded = sum(map(_count_additions, self.paths))
        if folded:
            lines.append(
                f"Additions pass the gradient on unchanged (a factor 1): the {folded} "
                f"such factor{'s' if folded > 1 else ''} on these paths "
                f"{'are' if folded > 1 else 'is'} left out of the products above."
            )
        return "\n".join(lines)

    @property
    def latex(self) -> str:
        """The same in LaTeX (an ``aligned`` block in ``$$``), as Jupyter displays it."""
        head, total = self._frac(self.root, self.wrt), self._num(self.total, latex=True)
        if self.n_paths == 0:
            lines = [rf"{head} &= 0 \quad \text{{(no path leads from one to the other)}}"]
        else:
            lines = []
            if len(self.chain) > 1:
                derivatives = r" \cdot ".join(self._frac(f.upper, f.lower) for f in self.chain)
                numbers = r" \cdot ".join(self._paren(f.value, latex=True) for f in self.chain)
                lines.append(f"{head} &= {derivatives} = {numbers} = {total}")
            if self.paths:
                terms = " + ".join(self._product(p, latex=True) for p in self.paths)
                folded = r" \quad \text{(additions' factors 1 left out)}" if any(
                    map(_count_additions, self.paths)) else ""
                lines.append(f"{head} &= {terms} = {total}{folded}")
            else:
                note = rf"\text{{({_count(self.n_paths)} paths: too many to list)}}"
                lines.append(rf"{head} &= {total} \quad {note}")
        return "$$\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}$$"

    @property
    def chain_nodes(self) -> tuple[Value, ...]:
        """The labelled separators the chain goes through, from ``wrt``'s side."""
        return tuple(f.lower for f in reversed(self.chain[:-1]))

    def draw(self, **options: Any) -> graphviz.Digraph:
        """The paths from ``wrt`` to the root (blue), their separators (orange), and the
        real gradient ∂root/∂u on every node, computed with ``grad`` (``.grad`` is left
        untouched); the caption is the formula with its numbers.

        ``options`` are passed to ``draw`` and override these defaults:
        ``paths_to=wrt`` (``paths_to=None`` draws the whole graph, the paths highlighted;
        so does a root that does not depend on ``wrt``), ``collapse="sums"``, ``caption``.
        """
        order = topological_order(self.root)
        grads = dict(zip(order, (g.data for g in grad(self.root, order))))
        defaults = {"paths_to": self.wrt if self.n_paths else None,  # no path: the whole graph
                    "collapse": "sums", "caption": "\n".join(self.headline)}
        return draw(self.root, highlight=self.on_paths, separators=self.separators, grads=grads,
                    **(defaults | options))

    # --- names and numbers ------------------------------------------------------------
    def _name(self, node: Value) -> str:
        return node_name(node, self.root, self.fmt, self.wrt)

    def _d(self, upper: Value, lower: Value) -> str:
        return f"∂{self._name(upper)}/∂{self._name(lower)}"

    def _frac(self, upper: Value, lower: Value) -> str:
        return (rf"\frac{{\partial {_latex_name(self._name(upper))}}}"
                rf"{{\partial {_latex_name(self._name(lower))}}}")

    def _num(self, x: float, latex: bool = False) -> str:
        s = format_number(x, self.fmt)
        return s.replace("−", "-") if latex else s

    def _paren(self, x: float, latex: bool = False) -> str:
        return f"({self._num(x, latex)})"

    def _route(self, path: Path) -> str:
        """The path's nodes, v first; a run of unlabelled additions is one (+)."""
        names: list[str] = []
        for node in path.nodes:
            name = self._name(node)
            if not (name == "(+)" and names and names[-1] == "(+)"):
                names.append(name)
        return " → ".join(names)

    def _product(self, path: Path, latex: bool = False) -> str:
        """The local derivatives along the path, the additions' factors 1 left out."""
        if not path.local_derivatives:
            return "1"  # v is L: the empty product
        factors = [d for d, node in zip(path.local_derivatives, path.nodes[1:]) if not _adds(node)]
        if not factors:
            return "1"  # nothing but additions
        dot = r" \cdot " if latex else "·"
        return dot.join(self._paren(d, latex) for d in factors)


def separators(L: Value, v: Value) -> list[Value]:
    """The nodes every path from ``v`` to ``L`` passes through, from v's side (v, L excluded).

    Empty when no path leads from v to L.

    >>> x = Value(1.0)
    >>> h = x.tanh()
    >>> separators(h * h + x, x)  # x also reaches the root directly, not through h
    []
    >>> separators(h * h, x) == [h]
    True
    """
    check_value("separators", "L", L)
    check_value("separators", "v", v)
    from_v, _ = _path_counts(topological_order(L), v)
    return _walk_back(L, v, from_v, _no_derivatives)[0]


def explain(L: Value, v: Value, *, max_paths: int = 32, fmt: str = ".4g") -> Explanation:
    """The chain rule for ∂L/∂v: the paths from v to L, the separators, the numbers.

    Lists every path when there are at most ``max_paths`` of them; beyond that (their
    number grows exponentially with depth) only the factorization through the separators.
    ``fmt`` formats the numbers, as in ``format(x, fmt)``.
    """
    check_value("explain", "L", L)
    check_value("explain", "v", v)
    max_paths = check_count("explain", "max_paths", max_paths)
    format_number(1.0, fmt)  # a bad format fails here, not when printed
    from_v, n_paths = _path_counts(topological_order(L), v)
    seps, factors = _walk_back(L, v, from_v, _stored_derivatives)
    chain: tuple[Factor, ...] = ()
    paths: tuple[Path, ...] = ()
    if n_paths:
        stops = [v, *(s for s in seps if s.label), L]
        chain = tuple(Factor(upper, lower, value) for (lower, upper), value
                      in zip(reversed(list(pairwise(stops))), factors))
        if n_paths <= max_paths:
            paths = _enumerate_paths(L, v, from_v)
    if paths:
        total = sum(p.product for p in paths)
    else:
        total = math.prod(f.value for f in chain) if chain else 0.0
    return Explanation(L, v, n_paths, paths, tuple(seps), chain, tuple(from_v), total,
                       max_paths, fmt)


EXACT_COUNTS = 2**64
"""Path counts below this are exact; a larger count is computed from its base-2 logarithm
in floats, its first 4 digits right even after 10⁶ levels (exact counts grow by a bit with
each level of a diamond, which made explain quadratic in the depth)."""


def _path_counts(order: list[Value], v: Value) -> tuple[dict[Value, int], int]:
    """For each node on a path from v to the root (the last of ``order``), in that order:
    how many paths lead from v to it, stopping at ``EXACT_COUNTS``; and how many lead from v
    to the root, exact below ``EXACT_COUNTS``, else approximate. Linear in the size of the
    graph."""
    from_v: dict[Value, int] = {}
    for node in order:  # a node's inputs are _left and _right (None if it has fewer)
        count = 1 if node is v else from_v.get(node._left, 0) + from_v.get(node._right, 0)  # type: ignore[arg-type]
        if count:
            from_v[node] = count if count < EXACT_COUNTS else EXACT_COUNTS
    n_paths = from_v.get(order[-1], 0)
    return from_v, (n_paths if n_paths < EXACT_COUNTS else _approximate_count(from_v))


def _approximate_count(from_v: dict[Value, int]) -> int:
    """The number of paths from the first node of ``from_v`` (v) to its last (the root),
    from their base-2 logarithms (floats, so each node costs the same however many paths
    reach it), as an int whose first digits are right."""
    nodes = iter(from_v)
    log2 = {next(nodes): 0.0}  # one path from v to itself: 2⁰
    for node in nodes:  # log₂(2ᵃ + 2ᵇ) over its inputs on the paths (2^-inf = 0: none)
        a = log2.get(node._left, -math.inf)  # type: ignore[arg-type]  # None: no input
        b = log2.get(node._right, -math.inf)  # type: ignore[arg-type]
        top = max(a, b)
        log2[node] = top + math.log2(1.0 + 2.0 ** (min(a, b) - top))
    log10 = log2[node] * math.log10(2.0)  # the last node: the root
    exponent = int(log10) - 15
    count: int = round(10.0 ** (log10 - exponent)) * 10**exponent
    return count


_stored_derivatives = attrgetter("_d_left", "_d_right")
"""∂node/∂(first input) and ∂node/∂(second input), as computed with the node (None where
it has no such input, or the derivative was not defined there)."""


def _no_derivatives(node: Value) -> tuple[float, float]:
    """0 for every local derivative: for a walk that asks only which sums are pending."""
    return 0.0, 0.0


def _walk_back(
    L: Value, v: Value, from_v: dict[Value, int],
    derivatives: Callable[[Value], tuple[float | None, float | None]],
) -> tuple[list[Value], list[float]]:
    """The separators of v from L (from v's side), and ∂upper/∂lower for each two stops in
    a row (v, the labelled separators, L), L's side first.

    One walk back from L over the nodes on the paths (the keys of ``from_v``, in order), as
    ``backward()`` does: a node's sum, once complete, is sent to its inputs on the paths
    through its local ``derivatives``. A node u separates v from L when, as the walk
    reaches it, its sum is the only one pending. A path that avoids u has an edge a → b
    with a before u and b after u in the order (v to a and b to L each stay on one side of
    u), and that edge leaves a's sum pending when the walk reaches u; a sum pending at a ≠ u
    comes from such an edge. At a stop, the sum is the factor below the stop before it; it
    then starts again from 1 (every path from below passes through the stop).
    """
    sums: dict[Value, float] = {}
    separators, factors = [], []
    try:
        for node in reversed(from_v):
            g = sums.pop(node, 1.0)  # only L has no sum: it starts the walk at 1
            if not sums and node is not L:
                if node is not v:
                    separators.append(node)
                if node is v or node.label:
                    factors.append(g)
                    g = 1.0
            d_left, d_right = derivatives(node)
            left, right = node._left, node._right
            if left in from_v:
                sums[left] = sums.get(left, 0.0) + d_left * g  # type: ignore[operator]
            if right in from_v:
                sums[right] = sums.get(right, 0.0) + d_right * g  # type: ignore[operator]
    except TypeError:  # None · g: a local derivative not defined where the node was computed
        node.local_derivatives()  # raises the error that names the node
        raise
    if not all(map(math.isfinite, factors)):
        raise OverflowError(f"explain: a factor of the chain overflowed: {factors}")
    separators.reverse()
    return separators, factors


def _enumerate_paths(L: Value, v: Value, from_v: dict[Value, int]) -> tuple[Path, ...]:
    """Every path from v to L, the first input's paths first; ``from_v`` holds the nodes on
    them, in order, and how many paths lead from v to each.

    One path is every node on the paths, in order. Several are found walking back from L,
    iteratively (a long chain needs no recursion): the edges walked so far are a linked
    list ``(child, input position, rest)`` shared by the paths that branch from it, so a
    path of n edges costs O(n), not O(n²).
    """
    if from_v[L] == 1:
        nodes = tuple(from_v)
        return (_path(nodes, tuple(map(_position, nodes, nodes[1:]))),)
    paths = []
    stack: list[tuple[Value, tuple[Any, ...] | None]] = [(L, None)]
    while stack:
        node, trail = stack.pop()  # trail: the edges up to L, the nearest first
        if node is v:
            walked, positions = [v], []
            while trail is not None:
                child, k, trail = trail
                walked.append(child)
                positions.append(k)
            paths.append(_path(tuple(walked), tuple(positions)))
            continue
        parents = node.parents
        for k in range(len(parents) - 1, -1, -1):
            if parents[k] in from_v:
                stack.append((parents[k], (node, k, trail)))
    return tuple(paths)


def _position(parent: Value, child: Value) -> int:
    """Which input of ``child`` ``parent`` is (the first, if it is both)."""
    return 0 if child._left is parent else 1


def _path(nodes: tuple[Value, ...], positions: tuple[int, ...]) -> Path:
    """The path through ``nodes``, each the input ``positions[k]`` of the next."""
    return Path(nodes, tuple(child.local_derivatives()[k]
                             for child, k in zip(nodes[1:], positions)), positions)


def _adds(node: Value) -> bool:
    return node.op is not None and node.op.name == "add"


def _count_additions(path: Path) -> int:
    return sum(1 for node in path.nodes[1:] if _adds(node))


def _count(n: int) -> str:
    """``n`` in digits when it is exact (below ``EXACT_COUNTS``), else as about d.ddd×10^k."""
    if n < EXACT_COUNTS:
        return str(n)
    k = int(math.log10(n)) - 3  # math.log10 takes ints of any size; may be 1 off
    lead = n // 10**k
    while lead >= 10_000:
        k, lead = k + 1, lead // 10
    return f"about {lead / 1000:.3f}×10^{k + 3}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


_ACCENTS = {"\u0302": "hat", "\u0303": "tilde", "\u0304": "bar", "\u0307": "dot"}
_LATEX_ESCAPES = {c: "\\" + c for c in "#$%&_{}"} | {"\\": r"\backslash{}"}


def _latex_name(name: str) -> str:
    r"""A label as LaTeX: x̂[1] → \hat{x}_{1}, W[0,1] → W_{0,1}, loss → \mathrm{loss}."""
    m = re.fullmatch(r"([^\[]+)\[([^\]]*)\]", name)
    base, sub = (m[1], m[2]) if m else (name, None)
    symbols: list[str] = []
    for ch in base:
        if ch in _ACCENTS and symbols:
            symbols[-1] = rf"\{_ACCENTS[ch]}{{{symbols[-1]}}}"
        else:
            symbols.append(_LATEX_ESCAPES.get(ch, ch))
    out = symbols[0] if len(symbols) == 1 else rf"\mathrm{{{''.join(symbols)}}}"
    if sub is not None:
        out += "_{" + "".join(_LATEX_ESCAPES.get(ch, ch) for ch in sub) + "}"
    return out
