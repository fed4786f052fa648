"""What the step-through page shows, step by step: every number the engine computed, and
every sentence that explains one, written once here so the page's JavaScript only displays.

``script(root, fmt)`` runs ``backward_steps(root)`` and records, for the page:

- each node: its name, how it was computed (``c = a · b = −6, where a = 2, b = −3``), its inputs,
  its local derivatives (their formula and value), and the terms ∂L/∂c · ∂c/∂v that sum to
  its gradient, one per use;
- each step of the walk: the node handled, the chain-rule lines it adds, the label of each
  edge it sends a contribution along, and each gradient it changes (the sum so far, read
  from the engine, with its status: ``pending`` or ``final``);
- for the quiz: each gradient, a tolerance that fits the displayed digits, and the numbers
  a student gets from the usual mistakes, each with the message that names the wrong factor.

Every number is the engine's (``backward_steps``' contributions and sums, ``.data``), formatted
here; the walk is stopped before its end, so the graph's ``.grad``s are left as they were.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from ..backprop import report_overflow, topological_order
from ..drawing import format_number
from ..explainer import node_name
from ..steps import backward_steps, local_derivatives
from ..value import Value

__all__ = ["script", "tolerance", "QUIZ_RELATIVE_TOLERANCE"]

# A quiz answer is right when it is within 0.5 % of the engine's number: three significant
# digits are enough (the page displays four).
QUIZ_RELATIVE_TOLERANCE = 0.005

# How each op's local derivatives read, in terms of its inputs {a}, {b} and its result {c}
# (the values are the op table's; this is only their name, for the page's sentences).
_LOCAL_FORMULAS = {
    "add": ("1", "1"),
    "sub": ("1", "−1"),
    "mul": ("{b}", "{a}"),
    "div": ("1/{b}", "−{c}/{b}"),
    "neg": ("−1",),
    "pow": ("{b}·{a}^({b}−1)", "0"),
    "pow_var": ("{b}·{c}/{a}", "{c}·log {a}"),
    "exp": ("{c}",),
    "log": ("1/{a}",),
    "sqrt": ("1/(2·{c})",),
    "tanh": ("1 − {c}²",),
    "sigmoid": ("{c}·(1 − {c})",),
    "relu": ("1 if {a} > 0, else 0",),
    "softplus": ("σ({a})",),
    "abs": ("sign({a})",),
    "sin": ("cos {a}",),
    "cos": ("−sin {a}",),
}


class _Term(NamedTuple):
    """One use of a node: ``child`` takes it as input ``position``, and sends it
    upstream · local = amount (the engine's numbers)."""

    child: Value
    position: int
    upstream: float
    local: float
    amount: float


def script(root: Value, fmt: str = ".4g") -> dict[str, Any]:
    """The page's data for the graph of ``root`` (JSON-ready); see the module docstring."""
    order = topological_order(root)
    ids = {node: f"n{k}" for k, node in enumerate(order)}
    names = _names(order, root, fmt)
    L = names[root]

    def num(x: float) -> str:
        return format_number(x, fmt)

    entries = {node: _node_entry(node, ids, names, num) for node in order}
    terms: dict[Value, list[_Term]] = {node: [] for node in order}
    steps = []
    walk = backward_steps(root)
    try:
        for step in walk:
            node, g, here = step.node, step.grad, names[step.node]
            lines = [f"∂{L}/∂{L} = 1: the gradient starts at the output"] if node is root else []
            sends = []
            for position, (parent, local, amount) in enumerate(step.contributions):
                d = f"∂{here}/∂{names[parent]}"
                lines.append(f"∂{L}/∂{names[parent]} += ∂{L}/∂{here} · {d} = "
                             f"({num(g)})·({num(local)}) = {num(amount)}")
                sends.append({"parent": ids[parent], "position": position,
                              "label": [f"{d} = {num(local)}",
                                        f"adds {num(amount)}"]})
                terms[parent].append(_Term(node, position, g, local, amount))
            if not step.contributions:
                lines.append(f"∂{L}/∂{here} = {num(g)} is final; "
                             f"{here} is a leaf: it sends nothing further")
            changed = [node] if node is root else []
            changed += dict.fromkeys(c.parent for c in step.contributions)
            for v in changed:  # the engine's sums so far, after this step's additions
                entries[v]["grads"].append([step.index, num(v.grad), step.status(v)])
            entries[node]["quiz"] = _quiz(node, g, terms[node], names, L, num)
            steps.append({"node": ids[node], "caption": lines, "sends": sends})
            if len(steps) == len(order):  # every gradient is in: check them, as backward does
                if not all(math.isfinite(n.grad) for n in order):
                    report_overflow(order)
                break  # stopped before the walk ends: every .grad is left as it was
    finally:
        walk.close()
    step_of = {ids[node]: k for k, node in enumerate(reversed(order))}
    for node, entry in entries.items():
        entry["terms"] = [
            {"child": ids[t.child], "childName": names[t.child], "step": step_of[ids[t.child]],
             "upstream": num(t.upstream), "local": num(t.local), "amount": num(t.amount)}
            for t in terms[node]
        ]
    return {"root": ids[root], "rootName": L, "nodes": list(entries.values()), "steps": steps}


def _names(order: list[Value], root: Value, fmt: str) -> dict[Value, str]:
    """How the page's sentences call each node: as ``explain`` does."""
    return {node: node_name(node, root, fmt) for node in order}


def _node_entry(node: Value, ids: dict, names: dict, num: Callable) -> dict[str, Any]:
    name = names[node]
    entry: dict[str, Any] = {
        "id": ids[node], "name": name, "data": num(node.data),
        "op": node.op.name if node.op else None,
        "parents": [ids[p] for p in node.parents], "grads": [], "quiz": None,
    }
    if node.op is None:
        kind = "an input" if node.label else "a constant"
        entry["formula"] = f"{name} is {kind}"
        entry["forward"] = f"{name} = {num(node.data)}: {kind}"
        entry["locals"] = []
        return entry
    values = ", ".join(f"{names[p]} = {num(p.data)}" for p in node.parents)
    entry["formula"] = f"{name} = {_expression(node, names)}"
    entry["forward"] = f"{entry['formula']} = {num(node.data)}, where {values}"
    entry["locals"] = [
        {"parent": ids[p], "derivative": f"∂{name}/∂{names[p]}",
         "formula": _local_formula(node, k, names), "value": num(d)}
        for k, (p, d) in enumerate(zip(node.parents, local_derivatives(node)))
    ]
    return entry


def _expression(node: Value, names: dict) -> str:
    """``a · b``, ``tanh(a)``: the op applied to its inputs' names."""
    symbol = {"mul": "·", "sub": "−", "pow": "^", "pow_var": "^"}.get(node.op.name,
                                                                     node.op.symbol)
    args = [names[p] for p in node.parents]
    if node.op.name == "neg":
        return f"−{args[0]}"
    if len(args) == 2:
        return f"{args[0]}{symbol}{args[1]}" if symbol == "^" else f"{args[0]} {symbol} {args[1]}"
    return f"{symbol}({args[0]})"


def _local_formula(node: Value, position: int, names: dict) -> str:
    """∂node/∂(its input at ``position``) in terms of the names of its inputs and itself."""
    formulas = _LOCAL_FORMULAS.get(node.op.name)
    if formulas is None:
        return f"∂{names[node]}/∂{names[node.parents[position]]}"
    parents = [names[p] for p in node.parents]
    return formulas[position].format(a=parents[0], b=parents[-1], c=names[node])


def tolerance(x: float) -> float:
    """How far an answer may be from ``x`` and still count as ``x``."""
    return QUIZ_RELATIVE_TOLERANCE * abs(x) + 1e-12


def _quiz(node: Value, g: float, terms: list[_Term], names: dict, L: str,
          num: Callable) -> dict[str, Any]:
    """∂L/∂node with the usual wrong answers, each with the message naming the wrong factor.

    Each wrong answer is the engine's sum with one thing done wrong: one term's local
    derivative taken as 1, its upstream gradient left out, the other input of a product
    used, one term of the sum over the node's uses left out; or the sign.
    """
    v = names[node]
    mistakes: list[tuple[float, str]] = []
    for t in terms:
        c, rest = names[t.child], g - t.amount  # rest: the other terms
        formula = f"{_local_formula(t.child, t.position, names)} = {num(t.local)}"
        if t.local != 1.0:
            mistakes.append((rest + t.upstream,
                             f"you used ∂{c}/∂{v} = 1; for {c} = {_expression(t.child, names)} "
                             f"it is {formula}"))
        if t.upstream != 1.0:
            mistakes.append((rest + t.local,
                             f"you left out the gradient from above, ∂{L}/∂{c} = "
                             f"{num(t.upstream)}: the term through {c} is ∂{L}/∂{c} · ∂{c}/∂{v}"
                             f" = ({num(t.upstream)})·({num(t.local)}) = {num(t.amount)}"))
        if t.child.op.name == "mul":
            mistakes.append((rest + t.upstream * node.data,
                             f"you used ∂{c}/∂{v} = {v} = {num(node.data)}; for {c} = "
                             f"{_expression(t.child, names)} it is the other input: {formula}"))
        if len(terms) > 1:
            mistakes.append((rest,
                             f"you left out the term through {c}: {v} is used {len(terms)} "
                             f"times and ∂{L}/∂{v} adds one term per use; this one is "
                             f"({num(t.upstream)})·({num(t.local)}) = {num(t.amount)}"))
    mistakes.append((-g, f"the sign is wrong: ∂{L}/∂{v} = {num(g)}"))
    kept: list[dict[str, Any]] = []
    for value, message in mistakes:  # the first message for each distinct wrong number
        if all(abs(value - m) > tolerance(m) + tolerance(value)
               for m in [g, *(k["value"] for k in kept)]):
            kept.append({"value": value, "tolerance": tolerance(value), "message": message})
    return {"question": f"∂{L}/∂{v}", "answer": g, "text": num(g), "tolerance": tolerance(g),
            "mistakes": kept}
