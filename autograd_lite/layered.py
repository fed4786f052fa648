"""The op table run on matrices: neurons recognised in a tape, replayed as layers.

One numpy call per scalar instruction cannot see a matrix product. But a tape of a net
built from scalars is full of *neurons*: a sum ``b + Σ_k w_k·u_k`` of products of a
parameter and a value, optionally followed by ``relu``, ``tanh`` or ``sigmoid``, each
inner node used by nothing else (the structure ``collapse.py`` finds for drawing). Neurons
with the same inputs, in the same order, with the same activation, form a *layer*, and a
layer of n neurons over m inputs is, for a batch of B examples (one column each),

    r̃ = W·U + b          (n × B: W is n × m, U is m × B, b one number per neuron)
    x̂ = act(r̃)           (the activation's row of the op table, on the whole matrix)

and backward, with G = ∂l/∂x̂ (n × B) and D = act'(r̃) from the same row,

    ∂l/∂r̃ = D ∘ G,   ∂l/∂W = (∂l/∂r̃)·Uᵀ (summed over the batch),   ∂l/∂U = Wᵀ·(∂l/∂r̃),

which is the op table's ``mul`` rule (∂(w·u)/∂w = u, ∂(w·u)/∂u = w) and ``add`` rule (1)
summed over each neuron's terms: two matrix products. Every other instruction is replayed
as it is, one numpy call each. ``find_layers`` reads a ``Program``'s instructions (never a
graph); ``run_layered`` replays them on a batch.

``order="scalar"`` computes each r̃ term by term in the order the scalar engine adds them,
``((b + w₀u₀) + w₁u₁) + …``: the values are then the scalar engine's to the last bit (one
numpy call per term instead of one product).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from .ops import OPS

if TYPE_CHECKING:
    from .program import Instruction, Program

__all__ = ["Layer", "find_layers", "run_layered", "describe_layers", "ORDERS"]

Array = NDArray[np.float64]
Index = NDArray[np.intp]
ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid"})
ORDERS = ("matrix", "scalar")


class Layer(NamedTuple):
    """Neurons with the same inputs: row j of each array is neuron j."""

    inputs: tuple[int, ...]  # the slots U reads, in the order of each neuron's terms
    terms: tuple[int | None, ...]  # per term, in order: the row of U it reads, None for b
    weights: Index  # (n, m) parameter slots: W[j, k] multiplies inputs[k]
    biases: Index  # (n,) parameter slots of b (empty when the neurons have none)
    pre: Index  # (n,) slots of r̃ (the last addition of each neuron)
    out: Index  # (n,) slots of x̂ (= pre for a linear layer)
    activation: str | None  # an op's name, or None
    members: frozenset[int]  # every slot the layer computes
    shared: bool  # whether a parameter appears twice among its weights and biases


class Plan(NamedTuple):
    """A program as steps: a ``Layer`` or an ``Instruction`` left scalar, in an order where
    each reads only what earlier steps computed."""

    steps: list[Any]
    layers: list[Layer]
    scalar: list[Instruction]


def find_layers(program: Program) -> Plan:
    """The neurons of ``program`` grouped into layers, and the instructions left scalar."""
    if "layers" in program.cache:
        return cast(Plan, program.cache["layers"])
    by_out = {ins.out: ins for ins in program.instructions}
    uses = Counter(a for ins in program.instructions for a in ins.args)
    uses.update(program.returned)  # a returned slot is used: never absorbed
    is_param = range(program.n_inputs, program.n_leaves).__contains__
    neurons: dict[tuple[Any, ...], list[tuple[int, list[int], int | None, int, int, set[int]]]] = {}
    absorbed: set[int] = set()
    for ins in reversed(program.instructions):  # a neuron's output before its inner nodes
        if ins.out in absorbed:
            continue
        found = _neuron(ins, by_out, uses, is_param)
        if found is None:
            continue
        key, weights, bias, pre, out, members, activation = found
        absorbed |= members
        neurons.setdefault((key, activation), []).append((out, weights, bias, pre, out, members))
    layers = []
    for (key, activation), group in neurons.items():
        group.sort()  # by output slot: the order the neurons were built in
        inputs = tuple(k for k in key if k is not None)  # each once (see _neuron)
        weights = np.array([w for _, w, _, _, _, _ in group], dtype=np.intp).reshape(
            len(group), len(inputs))
        biases = np.array([b for _, _, b, _, _, _ in group if b is not None], dtype=np.intp)
        both = [*weights.ravel().tolist(), *biases.tolist()]
        layers.append(Layer(
            inputs=inputs,
            terms=tuple(None if k is None else inputs.index(k) for k in key),
            weights=weights,
            biases=biases,
            pre=np.array([pre for _, _, _, pre, _, _ in group], dtype=np.intp),
            out=np.array([out for _, _, _, _, out, _ in group], dtype=np.intp),
            activation=activation,
            members=frozenset().union(*(m for *_, m in group)),
            shared=len(set(both)) < len(both),
        ))
    plan = _schedule(program, layers)
    return cast(Plan, program.cache.setdefault("layers", plan))


def _neuron(ins: Instruction, by_out: dict[int, Instruction], uses: Counter[int],
            is_param: Any) -> tuple[Any, ...] | None:
    """The neuron ending at ``ins``: its key (per term, the input slot or None for the
    bias), weight slots, bias slot, r̃'s slot, x̂'s slot, member slots and activation."""
    activation = None
    pre_ins = ins
    if ins.op.name in ACTIVATIONS and ins.args[0] in by_out and uses[ins.args[0]] == 1:
        activation, pre_ins = ins.op.name, by_out[ins.args[0]]
    # A left-deep chain of additions, each inner one used only by the next:
    # ((t0 + t1) + t2) + …, the way sum() and a loop build it.
    terms, members = [], {ins.out, pre_ins.out}
    node: Instruction | None = pre_ins
    while node is not None and node.op.name == "add":
        left, right = node.args
        terms.append(right)
        inner = by_out.get(left)
        if inner is not None and inner.op.name == "add" and uses[left] == 1:
            members.add(left)
            node = inner
        else:
            terms.append(left)
            node = None
    if node is pre_ins and activation is not None and pre_ins.op.name == "mul":
        terms = [pre_ins.out]  # act(w·u): a neuron of one term
    elif node is pre_ins:
        return None
    terms.reverse()
    key: list[int | None] = []
    weights: list[int] = []
    bias = None
    for t in terms:
        if is_param(t) and bias is None:
            key.append(None)
            bias = t
            continue
        product = by_out.get(t)
        if product is None or product.op.name != "mul" or (uses[t] != 1 and t != pre_ins.out):
            return None
        a, b = product.args
        w, u = (a, b) if is_param(a) else (b, a) if is_param(b) else (None, None)
        if w is None:
            return None
        members.add(t)
        weights.append(w)
        key.append(u)
    inputs = [u for u in key if u is not None]
    if not weights or (activation is None and len(terms) < 2) or len(set(inputs)) < len(inputs):
        return None  # (an input twice in one neuron: left to the scalar replay)
    return tuple(key), weights, bias, pre_ins.out, ins.out, members, activation


def _schedule(program: Program, layers: list[Layer]) -> Plan:
    """Steps in an order where each reads only what earlier ones computed: a layer as soon
    as all its inputs are, every other instruction in the tape's order."""
    owner = {slot: layer for layer in layers for slot in layer.members}
    scalar = [ins for ins in program.instructions if ins.out not in owner]
    ready = set(range(program.n_leaves)) | set(range(program.n_named, len(program.need)))
    waiting = {id(layer): set(layer.inputs) - ready for layer in layers}
    steps: list[Any] = []

    def run_ready_layers() -> None:
        done = True
        while done:
            done = False
            for layer in layers:
                if id(layer) in waiting and not (waiting[id(layer)] - ready):
                    del waiting[id(layer)]
                    steps.append(layer)
                    ready.update(layer.members)
                    done = True

    run_ready_layers()
    for ins in scalar:
        while not all(a in ready for a in ins.args):  # an argument made by a layer
            before = len(steps)
            run_ready_layers()
            if len(steps) == before:
                raise RuntimeError(f"layered: no order for {ins}")  # cannot happen: a DAG
        steps.append(ins)
        ready.add(ins.out)
        run_ready_layers()
    return Plan(steps, layers, scalar)


class Step(NamedTuple):
    """One step of the layered replay, on rows of the batch's buffers: a layer (``layer``
    set; ``inputs``/``outputs`` its rows, a slice when they are contiguous) or one scalar
    instruction (``ins``; ``args`` a row or a constant's number per argument)."""

    layer: Layer | None
    ins: Instruction | None
    inputs: Any  # a layer's U rows (slice or index array); wanted input columns for ∂U
    outputs: Any  # a layer's x̂ rows (a slice) or the instruction's row
    args: tuple[Any, ...]  # per argument of an instruction: (row, None) or (None, number)
    wanted: Any  # the layer's input columns that need a gradient (a slice for all), rows
    weights: Any  # the layer's W and b as indices into the parameters
    biases: Any


def _compiled_steps(program: Program) -> tuple[list[Step], dict[int, int]]:
    """The plan's steps on buffer rows, and the row of each slot that has one: the inputs,
    the parameters a scalar step reads, each layer's outputs (contiguous, in order) and
    each scalar result. About 40 rows for the MLP's 985 slots; inner nodes of a neuron
    have none."""
    if "steps" in program.cache:
        return cast(tuple[list[Step], dict[int, int]], program.cache["steps"])
    plan = find_layers(program)
    rows: dict[int, int] = {k: k for k in range(program.n_inputs)}

    def row(slot: int) -> int:
        return rows.setdefault(slot, len(rows))

    def rows_of(slots: list[int]) -> Any:
        found = [row(s) for s in slots]
        contiguous = found == list(range(found[0], found[0] + len(found)))
        return slice(found[0], found[-1] + 1) if contiguous else np.array(found, np.intp)

    steps = []
    for step in plan.steps:
        if isinstance(step, Layer):
            inputs = rows_of(list(step.inputs))
            outputs = rows_of(step.out.tolist())
            wanted = [k for k, slot in enumerate(step.inputs) if program.need[slot]]
            columns = slice(None) if len(wanted) == len(step.inputs) else wanted
            steps.append(Step(step, None, inputs, outputs, (),
                              (columns, rows_of([step.inputs[k] for k in wanted]))
                              if wanted else None,
                              step.weights - program.n_inputs, step.biases - program.n_inputs))
        else:
            args = tuple((row(a), None) if a < program.n_named
                         else (None, program.constants[a - program.n_named])
                         for a in step.args)
            steps.append(Step(None, step, None, row(step.out), args, None, None, None))
    for slot in program.returned:
        row(slot)
    return cast(tuple[list[Step], dict[int, int]],
                program.cache.setdefault("steps", (steps, rows)))


def run_layered(program: Program, X: Array, p: list[float], backward: bool,
                order: str = "matrix") -> tuple[Array, Array]:
    """The batch, each layer as matrix products, every other instruction one numpy call."""
    steps, rows = _compiled_steps(program)
    n_inputs, B = program.n_inputs, len(X)
    P = np.array(p, dtype=float)
    V = np.empty((len(rows), B))  # one row per slot of ``rows``: what the steps exchange
    V[:n_inputs] = X.T
    params = [(slot - n_inputs, row) for slot, row in rows.items()
              if n_inputs <= slot < program.n_leaves]
    for k, row in params:
        V[row] = P[k]

    def fetch(arg: tuple[Any, Any]) -> Any:  # a row of V, or a constant's number
        return V[arg[0]] if arg[1] is None else arg[1]

    saved = []  # per layer: U, W and r̃, for the backward pass
    for step in steps:
        if step.layer is not None:
            layer = step.layer
            U = V[step.inputs]
            W = P[step.weights]
            R = _pre(layer, U, W, P[step.biases], order)
            V[step.outputs] = R if layer.activation is None else OPS[layer.activation].value(R)
            saved.append((U, W, R))
        else:
            assert step.ins is not None  # a step is a layer or an instruction
            V[step.outputs] = step.ins.op.value(*map(fetch, step.args))
    values = V[[rows[k] for k in program.returned]].T.copy()
    if not backward:
        return values, np.zeros(len(p))
    need = program.need
    G = np.zeros_like(V)
    G[rows[program.root]] = 1.0
    direct = np.zeros(len(p))  # ∂/∂W and ∂/∂b of the layers, summed over the batch
    for step in reversed(steps):
        if step.layer is not None:
            layer = step.layer
            U, W, R = saved.pop()
            dR = G[step.outputs]
            if layer.activation is not None:
                (d,) = OPS[layer.activation].derivatives(R, V[step.outputs])
                dR = np.multiply(d, dR, out=d) if type(d) is np.ndarray else d * dR
            add = np.add.at if layer.shared else _add_at  # a weight in two places: add both
            add(direct, step.weights, dR @ U.T)  # Σ_batch ∂l/∂r̃ⱼ · uₖ
            if len(layer.biases):
                add(direct, step.biases, dR.sum(axis=1))
            if step.wanted is not None:
                columns, wanted_rows = step.wanted
                G[wanted_rows] += W.T[columns] @ dR  # ∂l/∂U = Wᵀ·∂l/∂r̃
        elif step.ins is not None and need[step.ins.out]:
            ins = step.ins
            g = G[step.outputs]
            args = [fetch(arg) for arg in step.args]
            for a, (row, _), d in zip(ins.args, step.args,
                                      ins.op.derivatives(*args, V[step.outputs])):
                if need[a] and not (type(d) is float and d == 0.0):
                    G[row] += g if type(d) is float and d == 1.0 else d * g
    for k, row in params:
        direct[k] += G[row].sum()
    return values, direct


def _add_at(a: Array, index: Index, values: Array) -> None:
    a[index] += values  # (np.add.at, for indices that are all different: faster)


def _pre(layer: Layer, U: Array, W: Array, b: Array, order: str) -> Array:
    """r̃ = W·U + b: one product, or term by term in the scalar engine's order."""
    if order == "matrix":
        product: Array = W @ U
        if len(b):
            product += b[:, None]
        return product
    total: Any = None
    k = 0
    for column in layer.terms:
        term = b[:, None] if column is None else W[:, k, None] * U[column]
        k += column is not None
        total = term if total is None else total + term
    return np.broadcast_to(total, (len(layer.out), U.shape[1]))


def describe_layers(program: Program) -> str:
    """What ``find_layers`` recognised, in the notes' notation (``Program.layers``)."""
    plan = find_layers(program)
    hidden = [step for step in plan.steps if isinstance(step, Layer) and step.activation]
    names: dict[int, str] = {}  # a layer's output slots → its name, for the next layer
    lines = [f"# {len(plan.layers)} layer{'s' * (len(plan.layers) != 1)} "
             f"({sum(len(layer.out) for layer in plan.layers)} neurons, "
             f"{sum(len(layer.members) for layer in plan.layers)} instructions); "
             f"{len(plan.scalar)} instruction{'s' * (len(plan.scalar) != 1)} stayed scalar"]
    for step in plan.steps:
        if not isinstance(step, Layer):
            lines.append(f"{program.code(step)}  # {program.comment(step)}")
            continue
        n, m = step.weights.shape
        k = hidden.index(step) + 1 if step in hidden else 0
        sub = _subscript(k) if len(hidden) > 1 and k else ""
        source = _input_name(program, step, names)
        if step.activation is None:
            weight, pre = ("w" if n == 1 else "W"), ("r" if n == 1 else "r" + sub)
        else:
            weight, pre = "W" + sub, "r̃" + sub
        bias = f" + b{sub}" if len(step.biases) else ""
        text = f"{pre} = {weight}·{source}{bias}"
        if step.activation is not None:
            out = "x̂" + sub
            text += f", {out} = {OPS[step.activation].symbol}({pre})"
            names.update(dict.fromkeys(step.out.tolist(), out))
        else:
            names.update(dict.fromkeys(step.out.tolist(), pre))
        slots = f"v{step.out[0]}" + (f"…v{step.out[-1]}" if n > 1 else "")
        lines.append(f"{text}    # {n} neuron{'s' * (n != 1)} × {m} input{'s' * (m != 1)}: "
                     f"{slots}, {len(step.members)} instructions")
    return "\n".join(lines)


def _input_name(program: Program, layer: Layer, names: dict[int, str]) -> str:
    """``x`` when a layer reads the program's inputs, ``x̂`` when a layer's outputs, in
    order; else the slots it reads."""
    inputs = list(layer.inputs)
    if all(slot < program.n_inputs for slot in inputs):
        return "x"
    found = {names.get(slot) for slot in inputs}
    if len(found) == 1 and None not in found:
        return str(found.pop())
    return "(" + ", ".join(program.name(slot) for slot in inputs) + ")"


def _subscript(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
