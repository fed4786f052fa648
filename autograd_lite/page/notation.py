"""How the step-through page writes a graph: a unique name for every node, and each local
derivative as a formula, both in the lecture notes' notation.

``node_names(order, root, fmt)`` names every node of a graph, each name different:

- a labelled node keeps its label (``W[0,1]``, ``x̂[3]``, ``r``, ``l``);
- an unlabelled node is named by its structure when its inputs are named and the name
  stays short: ``W[0,1]·x[0]``, a partial sum ``W[0,1]·x[0] + W[1,1]·x[1]`` or
  ``w[0]·x̂[0] + … + w[5]·x̂[5]``, ``y − r``, ``tanh(d)``; in the logistic loss
  ``softplus(s·r)`` the constant ±1 is ``s`` (s = 1 − 2y) and the product ``s·r``;
- an unlabelled root is ``L``; a constant is its number (``2``), or ``c1``, ``c2``, … when
  two constants have the same number; anything else is ``t1``, ``t2``, … .

``local_formula(node, position, names)`` writes ∂node/∂(input ``position``) by running the
op table's own rule (``ops.OPS``) on ``ops.Symbol``s, symbolic numbers that return the
rule as Python source, and reading that expression in the notes' notation: for ``d · f``
the rule ``(b, a)`` gives ``f``. ``rulebook()`` does the same for every op.

>>> from autograd_lite import Value
>>> from autograd_lite.backprop import topological_order
>>> d, f = Value(3.0, label="d"), Value(-2.0, label="f")
>>> L = d * f * 2
>>> names = node_names(topological_order(L), L)
>>> [names[n] for n in topological_order(L)]
['d', 'f', 'd·f', '2', 'L']
>>> local_formula(L.parents[0], 0, names)  # ∂(d·f)/∂d, from mul's rule (b, a)
'f'
>>> local_expression(L.parents[0], names)
'd·f'
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..collapse import Box
from ..ops import OPS, Code, Symbol
from ..text import format_number
from ..value import ByHand, Value

__all__ = ["node_names", "local_formula", "local_expression", "rulebook", "wrt", "factor",
           "MAX_NAME"]

# The longest name made from a node's structure; a longer one would crowd the captions.
MAX_NAME = 32

# How an op reads in a name or a formula: infix operators, and functions.
_INFIX = {"add": " + ", "sub": " − ", "mul": "·", "div": "/", "pow": "^", "pow_var": "^",
          "rpow": "^"}
_FUNCTIONS = {"relu": "ReLU", "sigmoid": "σ", "neg": "−"}
_ARITY = {name: 2 if name in _INFIX else 1 for name in OPS}


def node_names(order: list[Value], root: Value, fmt: str = ".4g",
               params: Sequence[Value] = (), units: Sequence[Box] = ()) -> dict[Value, str]:
    """A name for every node of ``order`` (topological, root last), no two the same; an
    unlabelled parameter is θ[k], k its place in ``params``; an unlabelled neuron of
    ``units`` (``collapse.boxes``) is h[l,j] (unit j of layer l), its sum z[l,j]."""
    theta = {p: k for k, p in enumerate(params)}
    layered = _layer_names(units)
    uses = Counter(p for node in order for p in node.parents)
    constants = Counter(format_number(n.data, fmt) for n in order
                        if _is_constant(n) and n not in params)
    names: dict[Value, str] = {}
    taken: set[str] = {n.label for n in order if n.label}
    counters = Counter[str]()

    def fresh(prefix: str) -> str:
        while True:
            counters[prefix] += 1
            name = f"{prefix}{counters[prefix]}"
            if name not in taken:
                return name

    used: set[str] = set()
    loss_constants = _loss_constants(root)
    name: str | None
    for node in order:
        if node.label:  # a label used twice: the later node gets a name of its own
            name = node.label if node.label not in used else fresh("t")
        else:
            if node is root:
                name = "L"
            elif node in layered:
                name = layered[node]
            elif node in theta:
                name = f"θ[{theta[node]}]"
            elif node in loss_constants:
                name = loss_constants[node]
            elif _is_constant(node):
                number = format_number(node.data, fmt)
                name = number if constants[number] == 1 else fresh("c")
            else:
                name = _structural_name(node, names, uses)
            if name is None or name in taken:
                name = fresh("t")
        taken.add(name)
        used.add(name)
        names[node] = _isolated(name)
    return names


# Characters that change the direction of the text around them: the explicit marks, and
# the letters of right-to-left scripts.
_BIDI_MARKS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                        "\u2066\u2067\u2068\u2069")


def _isolated(name: str) -> str:
    """A name that could reorder the text around it, between FSI and PDI (an isolate, as
    HTML's <bdi>), so that a caption's numbers stay where they are."""
    if any(ch in _BIDI_MARKS or unicodedata.bidirectional(ch) in ("R", "AL") for ch in name):
        return f"\u2068{name}\u2069"
    return name


def factor(text: str) -> str:
    """``text`` as a factor of a product: ``(1 − y·y)``, ``[a > 0]``, ``w[3]``."""
    return _wrap(text, 2)


def wrt(name: str) -> str:
    """A name as it follows ∂: ``∂l/∂(s·r)``, not ``∂l/∂s·r`` (a product, a power, a sum or
    a negation is wrapped; a label such as ``a/b`` is left as it is)."""
    return f"({name})" if _strength(name.replace("/", "")) < 3 else name


def _is_constant(node: Value) -> bool:
    return node.op is None and not node.label


def _layer_names(units: Sequence[Box]) -> dict[Value, str]:
    """h[l,j] for the output of unit j of layer l (a neuron's layer: one more than the
    deepest neuron among its inputs), z[l,j] for its sum; from 1, as layers are counted."""
    layer: dict[Value, int] = {}
    count: Counter[Any] = Counter()
    named: dict[Value, str] = {}
    for box in units:  # topological: a unit's inputs come before it
        if box.kind != "neuron":
            continue
        l = 1 + max((layer.get(e.source, 0) for e in box.edges), default=0)  # noqa: E741
        layer[box.out], j = l, count[l]
        count[l] += 1
        named[box.pre] = f"z[{l},{j}]"  # type: ignore[index]
        if box.pre is not box.out:
            named[box.out] = f"h[{l},{j}]"
    return named


def _loss_constants(root: Value) -> dict[Value, str]:
    """The notes' constants in a loss built by ``nets.losses``: the target y of the
    squared loss (y − r)² (or (r − y)²), the factor s = 1 − 2y = ±1 of the logistic loss
    softplus(s·r)."""
    op = root.op.name if root.op is not None else None
    inner = root.parents[0] if op in ("softplus", "pow") else None
    if inner is None or inner.op is None or inner.label:
        return {}
    if op == "softplus" and inner.op.name == "mul":
        s = inner.parents[0]
        return {s: "s"} if _is_constant(s) and s.data in (1.0, -1.0) else {}
    if op == "pow" and inner.op.name == "sub" and root.parents[1].data == 2.0:
        targets = [p for p in inner.parents if _is_constant(p)]  # (y − r)² or (r − y)²
        return {targets[0]: "y"} if len(targets) == 1 else {}
    return {}


def _is_number(node: Value, names: dict[Value, str], fmt: str) -> bool:
    """A constant named by its number (not ``s``, ``y`` or ``c1``): formulas write the number."""
    return _is_constant(node) and names[node] == format_number(node.data, fmt)


def _structural_name(node: Value, names: dict[Value, str], uses: Counter[Any]) -> str | None:
    """``W[0,1]·x[0]``, ``A + … + Z``, ``tanh(d)``: the node's op on its inputs' names, if
    that is short enough."""
    if node.op.name == "add":  # type: ignore[union-attr]
        terms = _sum_terms(node, uses)
        if len(terms) > 2:
            name = f"{names[terms[0]]} + … + {names[terms[-1]]}"
            return name if len(name) <= MAX_NAME else None
    name = local_expression(node, names)
    return name if len(name) <= MAX_NAME else None


def _sum_terms(node: Value, uses: Counter[Any]) -> list[Value]:
    """The terms of a chain of unlabelled additions ending at ``node``, left to right."""
    terms, stack = [], [node]
    while stack:
        n = stack.pop()
        inner = n is node or (not n.label and uses[n] == 1)
        if inner and n.op is not None and n.op.name == "add":
            stack.extend(reversed(n.parents))
        else:
            terms.append(n)
    return terms


def local_expression(node: Value, names: dict[Value, str]) -> str:
    """The op of ``node`` written on its inputs' names: ``d·f``, ``ReLU(r̃[3])``, ``−a``."""
    return _expression(node.op.name, [names[p] for p in node.parents])  # type: ignore[union-attr]


def _expression(op: str, args: list[str]) -> str:
    if op == "add":
        return f"{args[0]} + {args[1]}"
    if op == "sub":
        return f"{args[0]} − {_wrap(args[1], 2)}"
    if op == "mul":
        return f"{_wrap(args[0], 2)}·{_wrap(args[1], 2)}"
    if op == "div":
        return f"{_wrap(args[0], 2)}/{_wrap(args[1], 3)}"
    if op in _INFIX:  # the powers
        return f"{_wrap(args[0], 3)}^{_wrap(args[1], 3)}"
    if op == "neg":
        return f"−{_wrap(args[0], 2)}"
    return f"{_FUNCTIONS.get(op, op)}({args[0]})"


def _strength(text: str) -> int:
    """How tightly an expression holds together: 1 a sum, 2 a product, 3 an atom."""
    outside = text
    while outside != (inner := re.sub(r"\([^()]*\)|\[[^\[\]]*\]", "", outside)):
        outside = inner  # what is outside every bracket
    if " + " in outside or " − " in outside or (outside.startswith("−") and len(outside) > 1):
        return 1
    return 2 if any(op in outside for op in "·/^") else 3


def _wrap(text: str, strength: int) -> str:
    """``text`` in parentheses if it holds together less tightly than ``strength``."""
    return f"({text})" if _strength(text) < strength else text


# --- local derivatives, from the op table -------------------------------------------------------

# The op table's names for the inputs and the result, as Python names for ``Code``.
_SLOTS = ("_a", "_b")
_RESULT = "_y"


def local_formula(node: Value, position: int, names: dict[Value, str],
                  fmt: str = ".4g") -> str:
    """∂node/∂(its input at ``position``), in terms of the names of its inputs and of node
    itself (a constant input as its number), as the op table's rule computes it."""
    if isinstance(node.op, ByHand):  # no rule to write out: the number its _backward adds
        return _math(node.local_derivatives()[position], {}, fmt)
    args: list[Any] = [p.data if _is_number(p, names, fmt) else Symbol(slot)
                       for p, slot in zip(node.parents, _SLOTS)]
    derivative = node.op.derivatives(*args, Symbol(_RESULT))[position]  # type: ignore[union-attr]
    slots = {slot: names[p] for p, slot in zip(node.parents, _SLOTS)}
    slots[_RESULT] = names[node]
    return _math(derivative, slots, fmt)


def rulebook() -> list[dict[str, Any]]:
    """Every op of the op table with its local derivatives, written from its own rule: for
    ``mul``, ``{"op": "mul", "expression": "a·b", "locals": ["∂(a·b)/∂a = b", "∂(a·b)/∂b =
    a"]}``. The result y is written as the expression itself."""
    rules = []
    for op in OPS.values():
        inputs = ["a", "b"][:_ARITY[op.name]]
        if op.name == "rpow":
            inputs = ["c", "b"]  # a number c raised to a Value b
        args: list[Any] = [Symbol(slot) for slot in _SLOTS[:len(inputs)]]
        if op.name == "pow":
            inputs = ["a", "k"]  # a Value raised to a number k
        expression = _expression(op.name, inputs)
        slots = dict(zip(_SLOTS, inputs)) | {_RESULT: expression}
        derivatives = op.derivatives(*args, Symbol(_RESULT))
        head = _wrap(expression, 3)
        rules.append({
            "op": op.name, "expression": expression,
            "locals": [f"∂{head}/∂{x} = {_math(d, slots)}" for x, d in zip(inputs, derivatives)
                       if not (op.name in ("pow", "rpow") and x in ("k", "c"))],
        })
    return rules


# How the op table's generic functions read in the notes.
_CALLS = {"step": "[{0} > 0]", "sigmoid": "σ({0})", "log_or_0": "log {0}", "log": "log {0}",
          "power": "{0}^{1}", "power_var": "{0}^{1}", "relu": "ReLU({0})"}


def _math(expression: Any, slots: dict[str, str], fmt: str = ".4g") -> str:
    """A rule's result (a number, or ``Code``) in the notes' notation, the slots named."""
    if not isinstance(expression, Code):
        return format_number(float(expression), fmt)
    return _write(ast.parse(expression.text, mode="eval").body, slots, fmt)


def _write(tree: ast.expr, slots: dict[str, str], fmt: str) -> str:
    """The expression tree as the notes write it, with the fewest parentheses, and the
    factors 1 and exponents 1 left out."""
    if isinstance(tree, ast.Name):
        return slots[tree.id]
    if isinstance(tree, ast.Constant):
        return format_number(float(tree.value), fmt)  # type: ignore[arg-type]
    if isinstance(tree, ast.UnaryOp):  # only -x
        return f"−{_wrap(_write(tree.operand, slots, fmt), 2)}"
    if isinstance(tree, ast.Call):
        args = [_write(a, slots, fmt) for a in tree.args]
        name = tree.func.id  # type: ignore[attr-defined]
        if name in _CALLS:
            if name.startswith("power"):
                return _expression("pow", args)
            return _CALLS[name].format(*args)
        return f"{name}({', '.join(args)})"
    assert isinstance(tree, ast.BinOp)
    a, b = _write(tree.left, slots, fmt), _write(tree.right, slots, fmt)
    op = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
          ast.Pow: "pow"}[type(tree.op)]
    if op == "mul" and "1" in (a, b):
        return b if a == "1" else a
    if op == "pow" and b == "1":
        return a
    return _expression(op, [a, b])
