"""What the step-through page shows, step by step: every number the engine computed, and
every sentence that explains one, written once here so the page's JavaScript only displays.

``script(root, fmt, params=...)`` runs ``backward_steps(root)`` and records, for the page:

- each node: its name (unique on the page, in the notes' notation: see ``notation``), how
  it was computed (``c = a·b = −6, where a = 2, b = −3``), its local derivatives written as
  such, with the formula the op table gives them (``∂(a·b)/∂a = b = −3``), the terms
  ∂L/∂c · ∂c/∂v that sum to its gradient, and every path from it to the root;
- each step of the walk: the node handled, the chain-rule lines it adds, the label of each
  edge it sends a contribution along (``local b = −3``, ``adds 0.5``), and each gradient
  it changes (the sum so far, read from the engine, with its status: ``pending`` or
  ``final``). A leaf's step comes right after the step that completes its gradient, and
  says so (``foldedInto``), so the page can fold it there;
- in every caption and label, each number that shows a gradient (or a contribution to one)
  is marked with that node, so that quiz mode can hide it until it is answered;
- for the quiz: each gradient (never a constant's), a tolerance that fits the displayed
  digits, and the numbers a student gets from the usual mistakes, each with the message
  that names the wrong factor;
- the notes' level (``units``), one step per unit of a layer; the rulebook of local
  derivatives of every op.

Every number is the engine's (``backward_steps``' contributions and sums, ``.data``), formatted
here; the walk is stopped before its end, so the graph's ``.grad``s are left as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, NamedTuple

from ..backprop import topological_order
from ..collapse import on_paths
from ..explainer import explain
from ..steps import Contribution, backward_steps
from ..text import format_number
from ..text import is_off as _is_off
from ..value import Value
from .notation import local_expression, local_formula, node_names, rulebook, wrt
from .units import find_units, units
from .whatif import whatif_notes

__all__ = ["script", "tolerance", "QUIZ_RELATIVE_TOLERANCE", "BIG_GRAPH", "LEVELS"]

LEVELS = (None, "units", "scalars")

# A quiz answer is right when it is within 0.5 % of the engine's number: three significant
# digits are enough (the page displays four).
QUIZ_RELATIVE_TOLERANCE = 0.005

# The most wrong answers the quiz recognises for one gradient (a node used 16 times has
# dozens): the first ones, the terms nearest the root.
MAX_MISTAKES = 6

# The most paths from a node to the root the page lists, for the chain rule over all paths.
MAX_PATHS = 16

# A graph of more nodes than this is "big": its page folds the leaves' steps into the step
# that completes their gradient, and opens at the notes' level when it has units.
BIG_GRAPH = 40

# A segment of a caption line: plain text, or a number that shows (part of) a node's
# gradient, which quiz mode hides until that gradient is answered.
Segment = str | dict[str, str]


class _Term(NamedTuple):
    """One use of a node: ``child`` takes it as input ``position``, and sends it
    upstream · local = amount (the engine's numbers)."""

    child: Value
    position: int
    upstream: float
    local: float
    amount: float


class _Record(NamedTuple):
    """One step of the engine's walk: the node, its gradient, what it sent, and each
    gradient it changed with the engine's sum after the step and its status."""

    node: Value
    grad: float
    contributions: tuple[Contribution, ...]
    changes: list[tuple[Value, float, str]]


def script(root: Value, fmt: str = ".4g", *, params: Collection[Value] = (),
           fold_leaves: bool | None = None, level: str | None = None,
           paths_to: Value | None = None) -> dict[str, Any]:
    """The page's data for the graph of ``root`` (JSON-ready); see the module docstring.

    ``params``: the weights, which tell a unit (neuron) from any other sum (see
    ``autograd_lite.collapse``). ``fold_leaves``: fold each leaf's step into the step
    that completes its gradient (default: on a graph of more than ``BIG_GRAPH`` nodes).
    ``level``: the level the page opens at, "units" (the notes' level: needs units, see
    ``autograd_lite.page.units``) or "scalars"; default "units" on a big graph with units.
    ``paths_to``: keep only the nodes on a path from this node to the root, and the other
    inputs of their ops as context (``"context": true``: no gradient, no step), as
    ``draw(paths_to=...)`` draws them.
    """
    if level not in LEVELS:
        raise ValueError(f'level must be "units", "scalars" or None, got {level!r}')
    if fold_leaves is not None and not isinstance(fold_leaves, bool):
        raise TypeError(f"fold_leaves must be True, False or None, got {fold_leaves!r}")
    order = topological_order(root)
    ids = {node: f"n{k}" for k, node in enumerate(order)}
    if paths_to is not None and paths_to not in ids:
        raise ValueError(f"paths_to={paths_to!r} is not a node of this graph")
    found = find_units(order, params)
    names = node_names(order, root, fmt, list(params), found or ())
    L = names[root]

    def num(x: float) -> str:
        return format_number(x, fmt)

    records = _walk(root, order)
    page_order, folded_into = _page_order(records, order, set(params))
    step_of = {records[k].node: i for i, k in enumerate(page_order)}
    entries = {node: _node_entry(node, root, ids, names, set(params), num, fmt)
               for node in order}
    terms: dict[Value, list[_Term]] = {node: [] for node in order}
    for record in records:
        for position, (parent, local, amount) in enumerate(record.contributions):
            terms[parent].append(_Term(record.node, position, record.grad, local, amount))
    steps = []
    for i, k in enumerate(page_order):
        record = records[k]
        node = record.node
        for v, g, status in record.changes:  # the engine's sums, after this step's additions
            entries[v]["grads"].append([i, num(g), status])
        if entries[node]["kind"] != "constant":
            entries[node]["quiz"] = _quiz(node, record.grad, terms[node], names, L, num, fmt)
        parts = _step_parts(record, root, ids, names, entries[node]["kind"], num, fmt)
        into = folded_into.get(k)
        steps.append({
            "node": ids[node], "parts": parts,
            "sends": _sends(record, ids, names, num, fmt),
            "foldedInto": None if into is None else step_of[records[into].node], "folds": [],
        })
    for i, step in enumerate(steps):
        if step["foldedInto"] is not None:
            steps[step["foldedInto"]]["folds"].append(i)  # type: ignore[arg-type, index, union-attr]
    for node, entry in entries.items():
        entry["terms"] = [
            {"child": ids[t.child], "childName": names[t.child], "step": step_of[t.child],
             "position": t.position, "upstream": num(t.upstream), "local": num(t.local),
             "amount": num(t.amount)}
            for t in terms[node]
        ]
    for record in records:  # a node's step comes once its gradient is complete
        entries[record.node]["gradValue"] = record.grad
    for node in order:
        if entries[node]["kind"] != "constant":
            entries[node] |= _paths(root, node, ids, num, fmt)
    walk_units = None if found is None else units(
        order, found, records, page_order, ids, names, num, fmt, entries, steps)
    if level == "units" and walk_units is None:
        raise ValueError('level="units" needs units: a graph with a sum of weight × input '
                         "terms, and its weights given as params=...")
    big = len(order) > BIG_GRAPH
    if level is None:
        level = "units" if big and walk_units is not None else "scalars"
    data = {"root": ids[root], "rootName": L, "fmt": fmt, "nodes": list(entries.values()),
            "steps": steps,
            "foldLeaves": big if fold_leaves is None else fold_leaves,
            "rules": rulebook(), "level": level, "units": walk_units,
            "whatif": {"missing": whatif_notes(order)}}  # page-arith's: ops.js lacks these
    if paths_to is not None:
        _restrict(data, {ids[v] for v in on_paths(order, paths_to)})
    return data


def _restrict(data: dict[str, Any], kept: set[str]) -> None:
    """Keep the steps of the nodes in ``kept`` (and of the units holding one), and the
    nodes they use; the other inputs of their ops stay as context, with no step and no
    gradient (part of it comes from the steps left out)."""
    scalar_steps = _keep(data, kept, "node", "parents")
    units = data["units"]
    if units is not None:
        _keep(units, {u["id"] for u in units["nodes"] if kept & set(u["members"])}, "unit",
              "inputs")
        for step in units["steps"]:
            step["scalarSteps"] = [scalar_steps[k] for k in step["scalarSteps"]
                                   if k in scalar_steps]
        shown = {n["id"] for n in data["nodes"]}
        drawn = {u["id"] for u in units["nodes"]}
        for unit in units["nodes"]:  # only what is left on the page
            unit["members"] = [m for m in unit["members"] if m in shown]
            unit["inputs"] = [i for i in unit["inputs"] if i in drawn]


def _keep(level: dict[str, Any], here: set[str], key: str, inputs: str) -> dict[int, int]:
    """Keep the steps of ``here`` at one level, and its nodes and their inputs; the new
    index of each step kept."""
    index: dict[int, int] = {}
    for k, step in enumerate(level["steps"]):
        if step[key] in here:
            index[k] = len(index)
    level["steps"] = [step for k, step in enumerate(level["steps"]) if k in index]
    for step in level["steps"]:
        into = step["foldedInto"]
        step["foldedInto"] = None if into is None else index.get(into)
        step["folds"] = [index[k] for k in step["folds"] if k in index]
    used = {p for n in level["nodes"] if n["id"] in here for p in n[inputs]}
    nodes = []
    for n in level["nodes"]:
        if n["id"] in here:
            n["grads"] = [[index[k], *rest] for k, *rest in n["grads"]]
            for t in n.get("terms", ()):
                t["step"] = index[t["step"]]
        elif n["id"] in used:
            n.update(context=True, grads=[], quiz=None, terms=[])
        else:
            continue
        nodes.append(n)
    level["nodes"] = nodes
    return index


def _paths(root: Value, node: Value, ids: dict[Any, Any], num: Callable[..., Any],
           fmt: str) -> dict[str, Any]:
    """The chain rule over every path from ``node`` to the root, as ``explain`` writes it:
    each path's nodes (node first) and the input of the next node each one is (so that the
    page can recompute the path after a what-if edit), the product of its local derivatives
    (the additions' factors 1 left out) and whether a ReLU that is off makes it carry 0 (a
    ReLU after ``node`` on the path: ``node``'s own ReLU is not a factor). None beyond
    ``MAX_PATHS`` paths (``nPaths`` says how many)."""
    e = explain(root, node, max_paths=MAX_PATHS, fmt=fmt)
    paths = [{"nodes": [ids[n] for n in p.nodes], "positions": list(p.positions),
              "product": e._product(p), "value": num(p.product),
              "off": any(map(_is_off, p.nodes[1:]))} for p in e.paths]
    return {"nPaths": e.n_paths, "paths": paths if paths else None}


def _walk(root: Value, order: list[Value]) -> list[_Record]:
    """The engine's walk, step by step; stopped before its end, so that every ``.grad``
    is left as it was."""
    records = []
    walk = backward_steps(root)
    try:
        for step in walk:
            node = step.node
            changed = [node] if node is root else []
            changed += dict.fromkeys(c.parent for c in step.contributions)
            records.append(_Record(node, step.grad, step.contributions,
                                   [(v, step.grad_of(v), step.status(v)) for v in changed]))
            if len(records) == len(order):  # every gradient is in (and checked, as in backward)
                break  # stopped before the walk ends: every .grad is left as it was
    finally:
        walk.close()
    return records


# The order of the leaves folded into one step: constants, inputs, then the weights, so
# that a walk ends on a weight.
_LEAF_ORDER = {"constant": 0, "input": 1, "param": 2}


def _page_order(records: list[_Record], order: list[Value], params: set[Value]
                ) -> tuple[list[int], dict[int, int]]:
    """The page's order of the engine's steps, and for each leaf's step the step that sent
    its last contribution. A leaf sends nothing, so its step can come right after that one
    (its gradient is final from then on), the constants first and the weights last."""
    last_sender: dict[Value, int] = {}
    for k, record in enumerate(records):
        for c in record.contributions:
            last_sender[c.parent] = k
    after: dict[int, list[int]] = {}
    folded_into = {}
    for k, record in enumerate(records):
        if record.node.op is None and record.node in last_sender:
            folded_into[k] = last_sender[record.node]
            after.setdefault(last_sender[record.node], []).append(k)
    page_order = []
    for k in range(len(records)):
        if k in folded_into:
            continue
        page_order.append(k)
        page_order += sorted(after.get(k, ()),
                             key=lambda j: _LEAF_ORDER[_kind(records[j].node, None, params)])
    return page_order, folded_into


def _kind(node: Value, root: Value | None, params: set[Value]) -> str:
    if node is root:
        return "root"
    if node.op is not None:
        return "computed"
    if node in params:
        return "param"
    return "input" if node.label else "constant"


def _hides(text: str, node_id: str) -> dict[str, str]:
    """A number that shows the gradient of ``node_id`` or a contribution to it."""
    return {"text": text, "hides": node_id}


def _step_parts(record: _Record, root: Value, ids: dict[Any, Any], names: dict[Any, Any], kind: str,
                num: Callable[..., Any], fmt: str) -> list[list[Segment]]:
    """The chain-rule lines of one step, their numbers marked with the gradient they show."""
    node, g = record.node, record.grad
    L, here = names[root], names[node]
    lines: list[list[Segment]] = []
    if node is root:
        lines.append([f"∂{L}/∂{L} = ", _hides("1", ids[node]),
                      ": the gradient starts at the output"])
    for position, (parent, local, amount) in enumerate(record.contributions):
        formula = local_formula(node, position, names, fmt)
        value = num(local)
        by = f"{formula} = " if formula != value else ""
        local_name = _local_name(node, position, names)
        lines.append([f"∂{L}/∂{wrt(names[parent])} += ∂{L}/∂{wrt(here)} · {local_name} = (",
                      _hides(num(g), ids[node]), f")·({by}{value}) = ",
                      _hides(num(amount), ids[parent])])
    if not record.contributions:
        what = {"constant": "a constant", "input": "an input", "param": "a weight",
                "root": "the output"}.get(kind, "a leaf")
        lines.append([f"∂{L}/∂{wrt(here)} = ", _hides(num(g), ids[node]),
                      f" is final; {here} is {what}: it sends nothing further"])
    return lines


def _local_name(node: Value, position: int, names: dict[Any, Any]) -> str:
    """The local derivative, written as such: ∂(d·f)/∂d, never ∂L/∂d."""
    expression = local_expression(node, names)
    if node.op.name in ("add", "sub", "mul", "div", "pow", "pow_var", "rpow", "neg"):  # type: ignore[union-attr]
        expression = f"({expression})"
    return f"∂{expression}/∂{wrt(names[node.parents[position]])}"


def _sends(record: _Record, ids: dict[Any, Any], names: dict[Any, Any],
           num: Callable[..., Any], fmt: str) -> list[dict[Any, Any]]:
    """The label of each edge this step sends a contribution along: the local derivative
    with its formula, and what it adds to the input's gradient."""
    sends = []
    for position, (parent, local, amount) in enumerate(record.contributions):
        formula, value = local_formula(record.node, position, names, fmt), num(local)
        first = f"local {formula} = {value}" if formula != value else f"local {value}"
        parts = [[first], ["adds ", _hides(num(amount), ids[parent])]]
        sends.append({"parent": ids[parent], "position": position, "labelParts": parts})
    return sends


def _node_entry(node: Value, root: Value, ids: dict[Any, Any], names: dict[Any, Any],
                params: set[Value],
                num: Callable[..., Any], fmt: str) -> dict[str, Any]:
    name = names[node]
    kind = _kind(node, root, params)
    entry: dict[str, Any] = {
        "id": ids[node], "name": name, "data": num(node.data), "value": node.data,
        "kind": kind, "op": node.op.name if node.op else None,
        "parents": [ids[p] for p in node.parents], "grads": [], "quiz": None,
    }
    if node.op is None:
        what = {"param": "a weight", "input": "an input"}.get(kind, "a constant")
        entry["formula"] = f"{name} is {what}"
        definition, aside = _notes_meaning(node, names)
        entry["forward"] = f"{name}{definition} = {num(node.data)}: {what}{aside}"
        entry["locals"] = []
        return entry
    values = ", ".join(f"{names[p]} = {num(p.data)}" for p in node.parents)
    expression = local_expression(node, names)
    entry["formula"] = name if expression == name else f"{name} = {expression}"
    definition, aside = _notes_meaning(node, names)
    entry["forward"] = (f"{entry['formula']}{definition} = {num(node.data)}, where {values}"
                        f"{aside}")
    entry["locals"] = [
        {"parent": ids[p], "derivative": _local_name(node, k, names),
         "formula": local_formula(node, k, names, fmt), "value": num(d), "local": d}
        for k, (p, d) in enumerate(zip(node.parents, node.local_derivatives()))
    ]
    return entry


def _notes_meaning(node: Value, names: dict[Any, Any]) -> tuple[str, str]:
    """What the notes call ``node`` in a loss built by ``nets.losses``, as a definition and
    an aside: the logistic loss softplus(s·r) is (1 − y)·r + log(1 + e^(−r)), s = 1 − 2y."""
    name = names[node]
    if name == "s" and node.op is None:
        return " = 1 − 2y", f" (y = {format_number((1 - node.data) / 2)})"
    if name == "y" and node.op is None:
        return "", ", the target"
    if node.op is not None and node.op.name == "softplus" and names[node.parents[0]] \
            .startswith("s·"):
        r = names[node.parents[0].parents[1]]
        return f" = (1 − y)·{r} + log(1 + e^(−{r}))", " (the notes' logistic loss)"
    return "", ""


def tolerance(x: float) -> float:
    """How far an answer may be from ``x`` and still count as ``x`` (to 3 digits)."""
    return float(f"{QUIZ_RELATIVE_TOLERANCE * abs(x) + 1e-12:.3g}")


def _quiz(node: Value, g: float, terms: list[_Term], names: dict[Any, Any], L: str,
          num: Callable[..., Any], fmt: str) -> dict[str, Any]:
    """∂L/∂node with the usual wrong answers, each with the message naming the wrong factor.

    Each wrong answer is the engine's sum with one thing done wrong: one term's local
    derivative taken as 1, its upstream gradient left out, the other input of a product
    used, one term of the sum over the node's uses left out; or the sign.
    """
    v = names[node]
    mistakes: list[tuple[float, str]] = []
    for t in terms:
        c, rest = names[t.child], g - t.amount  # rest: the other terms
        local = _local_name(t.child, t.position, names)
        formula = local_formula(t.child, t.position, names, fmt)
        formula = f"{local} = {formula} = {num(t.local)}" if formula != num(t.local) \
            else f"{local} = {num(t.local)}"
        if t.local != 1.0:
            mistakes.append((rest + t.upstream, f"you used {local} = 1; it is {formula}"))
        if t.upstream != 1.0:
            mistakes.append((rest + t.local,
                             f"you left out the gradient from above, ∂{L}/∂{wrt(c)} = "
                             f"{num(t.upstream)}: the term through {c} is ∂{L}/∂{wrt(c)} · {local}"
                             f" = ({num(t.upstream)})·({num(t.local)}) = {num(t.amount)}"))
        if t.child.op.name == "mul":  # type: ignore[union-attr]
            mistakes.append((rest + t.upstream * node.data,
                             f"you used {local} = {v} = {num(node.data)}; it is the other "
                             f"input: {formula}"))
        if len(terms) > 1:
            mistakes.append((rest,
                             f"you left out the term through {c}: {v} is used {len(terms)} "
                             f"times and ∂{L}/∂{wrt(v)} adds one term per use; this one is "
                             f"({num(t.upstream)})·({num(t.local)}) = {num(t.amount)}"))
    mistakes.append((-g, f"the sign is wrong: ∂{L}/∂{wrt(v)} = {num(g)}"))
    kept: list[dict[str, Any]] = []
    for value, message in mistakes:  # the first message for each distinct wrong number
        if len(kept) < MAX_MISTAKES and all(abs(value - m) > tolerance(m) + tolerance(value)
                                            for m in [g, *(k["value"] for k in kept)]):
            kept.append({"value": value, "tolerance": tolerance(value), "message": message})
    return {"question": f"∂{L}/∂{wrt(v)}", "answer": g, "text": num(g), "tolerance": tolerance(g),
            "mistakes": kept}
