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
as it is, its row of the op table run on rows of the batch. ``find_layers`` reads a
``Program``'s instructions (never a graph); ``run_layered`` replays them on a batch.

A replay is prepared once per chunk size as a ``Pass``: float64 buffers, and the list of
numpy calls that run on them (21 for the MLP 3-16-16-1 with the hinge loss, forward and
backward; ``tests/test_layered.py`` lists them). The bias is folded in as a row of ones
(``r̃ = [W | b]·[U; 1]``, one product), ∂l/∂U is written straight into the gradient of
the layer U came from, and the activation's derivative multiplies ∂l/∂x̂ in place.

``order="scalar"`` computes each r̃ term by term in the order the scalar engine adds them,
``((b + w₀u₀) + w₁u₁) + …``: the values are then the scalar engine's to the last bit (one
numpy call per term instead of one product).
"""

from __future__ import annotations

import threading
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
        layers.append(Layer(
            inputs=inputs,
            terms=tuple(None if k is None else inputs.index(k) for k in key),
            weights=weights,
            biases=biases,
            pre=np.array([pre for _, _, _, pre, _, _ in group], dtype=np.intp),
            out=np.array([out for _, _, _, _, out, _ in group], dtype=np.intp),
            activation=activation,
            members=frozenset().union(*(m for *_, m in group)),
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


class Pass:
    """The layered replay for chunks of B examples, prepared once: float64 buffers, and the
    numpy calls that run on them, as data.

    ``forward`` and ``backward`` are lists of ``(function, *args)``, run in order; each is
    one numpy call on whole buffers (a matrix product, a copy, a gather) or one rule of the
    op table run on rows of them (``_store``, ``_times_derivative``, ``_scalar_backward``).
    Nothing is decided or allocated per pass but the rules' own results. A layer's outputs
    are rows of a buffer whose last row is ones, so that the next layer's ``W·U + b`` is one
    product of ``[W | b]`` and that buffer (the bias folded in); ∂l/∂[W | b] is then one
    product too, and ∂l/∂U is written straight into the gradient of the layer it came from.
    """

    __slots__ = ("B", "rows", "forward", "backward", "X", "P", "returned", "weight_slots",
                 "weight_grads", "param_slots", "param_grads", "lock")

    def __init__(self, n_inputs: int, n_params: int, B: int) -> None:
        self.B = B
        self.rows = 0  # how many rows of B numbers its buffers hold (``rows``)
        self.forward: list[tuple[Any, ...]] = []
        self.backward: list[tuple[Any, ...]] = []
        self.X = self.buffer(n_inputs)  # the batch, one row per input
        self.P = np.empty(n_params)  # the parameters
        self.returned: list[Array] = []  # the rows run returns
        self.weight_slots = np.empty(0, np.intp)  # the layers' [W | b], as parameter indices
        self.weight_grads = np.empty(0)  # ∂l/∂[W | b], summed over the batch, flat
        self.param_slots = np.empty(0, np.intp)  # parameters read as rows of the batch
        self.param_grads = self.buffer(0)  # and their gradients, per example
        self.lock = threading.Lock()  # one pass at a time on the buffers (see run_layered)

    def buffer(self, rows: int) -> Array:
        """A new buffer of ``rows`` rows of B numbers, counted in ``self.rows``."""
        self.rows += rows
        return np.empty((rows, self.B))


class _Rows:
    """Where a pass keeps each slot: its value (a row of a buffer, or a constant's number)
    and its gradient row; for a slot kept in buffers, the buffers and its row in them."""

    def __init__(self) -> None:
        self.value: dict[int, Any] = {}
        self.grad: dict[int, Array] = {}
        self.where: dict[int, tuple[Array, Array, int]] = {}
        self.blocks: set[int] = set()  # the ids of the layers' output blocks (ones last)

    def add(self, slots: list[int], values: Array, grads: Array) -> None:
        for k, slot in enumerate(slots):
            self.value[slot], self.grad[slot] = values[k], grads[k]
            self.where[slot] = (values, grads, k)

    def rows_of(self, slots: tuple[int, ...]) -> tuple[Array, Array, list[int]] | None:
        """The buffers holding all of ``slots``, and their rows, if they are the same."""
        found = [self.where.get(slot) for slot in slots]
        first = found[0]
        if first is None or not all(f is not None and f[0] is first[0] for f in found):
            return None
        return first[0], first[1], [f[2] for f in found if f is not None]


def _compile_pass(program: Program, B: int, order: str) -> Pass:
    """The buffers and calls of a layered pass over B examples (see ``Pass``)."""
    plan = find_layers(program)
    n_inputs, n_named, need = program.n_inputs, program.n_named, program.need
    run = Pass(n_inputs, len(program.params), B)
    rows = _Rows()
    rows.add(list(range(n_inputs)), run.X, run.X)  # (an input never needs a gradient)
    rows.value.update({k: program.constants[k - n_named] for k in range(n_named, len(need))})
    # The parameters read as numbers of the batch (by a scalar step, as a layer's input,
    # or returned): a row each, the parameter repeated.
    read = [*(a for step in plan.steps for a in
              (step.inputs if isinstance(step, Layer) else step.args)), *program.returned]
    params = sorted({a for a in read if n_inputs <= a < program.n_leaves})
    run.param_slots = np.array(params, dtype=np.intp) - n_inputs
    run.param_grads = run.buffer(len(params))
    param_rows, column = run.buffer(len(params)), np.empty((len(params), 1))
    rows.add(params, param_rows, run.param_grads)
    rows.add([ins.out for ins in plan.scalar], run.buffer(len(plan.scalar)),
             run.buffer(len(plan.scalar)))
    # Each layer's [W | b] (b its last column, when the neurons have one) is a view of one
    # vector, gathered from the parameters by one call; its gradient likewise.
    layers = [step for step in plan.steps if isinstance(step, Layer)]
    slots = [np.column_stack([layer.weights, layer.biases]) if len(layer.biases)
             else layer.weights for layer in layers]
    run.weight_slots = np.concatenate([s.ravel() for s in slots] or [run.weight_slots]) \
        - n_inputs
    flat, run.weight_grads = np.empty(len(run.weight_slots)), np.empty(len(run.weight_slots))
    run.forward.append((np.take, run.P, run.weight_slots, 0, flat))
    if params:
        run.forward += [(np.take, run.P, run.param_slots, 0, column),
                        (np.copyto, param_rows, column)]
    # by the layer's id: its buffers [W | b], ∂l/∂[W | b], its inputs U, r̃, x̂ (or r), ∂l/∂x̂
    matrices: dict[int, tuple[Array, Array, Array, Array, Array, Array]] = {}
    offset = 0
    for step in plan.steps:
        if not isinstance(step, Layer):
            run.forward.append((_store, rows.value[step.out], step.op.value,
                                *[rows.value[a] for a in step.args]))
            continue
        size, shape = slots[len(matrices)].size, slots[len(matrices)].shape
        Wb = flat[offset:offset + size].reshape(shape)
        dWb = run.weight_grads[offset:offset + size].reshape(shape)
        offset += size
        U = _input_block(step, rows, run)
        n, m = step.weights.shape
        block = run.buffer(n + 1)  # x̂ (or r), then a row of ones for the next layer
        block[n] = 1.0
        rows.blocks.add(id(block))
        Y, dY = block[:n], run.buffer(n)
        rows.add(step.out.tolist(), block, dY)
        R = run.buffer(n) if step.activation else Y
        matrices[id(step)] = (Wb, dWb, U, R, Y, dY)
        if order == "matrix":
            run.forward.append((np.matmul, Wb, U, R))
        else:
            run.forward.append((_store, R, _pre_scalar, step, U[:m], Wb[:, :m], Wb[:, m:]))
        if step.activation:
            run.forward.append((_store, Y, OPS[step.activation].value, R))
    run.returned = [np.broadcast_to(rows.value[k], (B,)) for k in program.returned]

    # Backward: a gradient row is written by its first term and added to by the others
    # (known here, once); a row no term reaches is set to 0, and a step whose result gets
    # no gradient is left out.
    written = {program.root}
    run.backward.append((np.copyto, rows.grad[program.root], 1.0))
    for step in reversed(plan.steps):
        if isinstance(step, Layer):
            _layer_backward(step, *matrices[id(step)], rows, written, need, run)
        elif need[step.out] and step.out in written:
            targets = []
            for k, a in enumerate(step.args):
                if need[a]:
                    targets.append((k, rows.grad[a], a in written))
                    written.add(a)
            run.backward.append((_scalar_backward, step.op.derivatives,
                                 tuple(rows.value[a] for a in step.args),
                                 rows.value[step.out], rows.grad[step.out], tuple(targets)))
    for k, slot in enumerate(params):
        if slot not in written:
            run.backward.append((np.copyto, run.param_grads[k], 0.0))
    return run


def _input_block(layer: Layer, rows: _Rows, run: Pass) -> Array:
    """U: the rows of the layer's inputs, then a row of ones for b (when the neurons have
    one). When the inputs are the outputs of one earlier layer, in order, U *is* that
    layer's block; else a buffer of its own, filled before each product (``run.forward``)."""
    m, bias = len(layer.inputs), len(layer.biases) > 0
    found = rows.rows_of(layer.inputs)
    if found and id(found[0]) in rows.blocks and found[2] == list(range(len(found[0]) - 1)):
        return found[0] if bias else found[0][:m]
    U = run.buffer(m + bias)
    calls = run.forward
    if bias:
        U[m] = 1.0
    if found:  # rows of one buffer: one gather
        calls.append((np.take, found[0], np.array(found[2], np.intp), 0, U[:m]))
        return U
    for k, slot in enumerate(layer.inputs):
        if isinstance(rows.value[slot], np.ndarray):
            calls.append((np.copyto, U[k], rows.value[slot]))
        else:
            U[k] = rows.value[slot]  # a constant: once
    return U


def _layer_backward(layer: Layer, Wb: Array, dWb: Array, U: Array, R: Array, Y: Array,
                    dY: Array, rows: _Rows, written: set[int], need: list[bool],
                    run: Pass) -> None:
    """The calls of a layer's backward step: ∂l/∂r̃ = act'(r̃) ∘ ∂l/∂x̂ in place,
    ∂l/∂[W | b] = ∂l/∂r̃ · [U; 1]ᵀ, ∂l/∂U = Wᵀ · ∂l/∂r̃ (into the rows of the inputs)."""
    calls = run.backward
    out = layer.out.tolist()
    if not written.intersection(out):
        calls.append((np.copyto, dWb, 0.0))  # no gradient reaches the layer
        return
    for j, slot in enumerate(out):
        if slot not in written:
            calls.append((np.copyto, dY[j], 0.0))
            written.add(slot)
    if layer.activation:
        calls.append((_times_derivative, dY, OPS[layer.activation].derivatives, R, Y))
    calls.append((np.matmul, dY, U.T, dWb))  # Σ_batch ∂l/∂r̃ⱼ · uₖ, and ∂l/∂bⱼ
    m = len(layer.inputs)
    wanted = [k for k, slot in enumerate(layer.inputs) if need[slot]]
    WT = Wb[:, :m].T
    found = rows.rows_of(layer.inputs)
    # (With one neuron Wᵀ·∂l/∂r is an outer product: np.multiply broadcasts it, in a
    # fraction of the time BLAS takes for a product of inner dimension 1.)
    product = np.multiply if len(dY) == 1 else np.matmul
    if (found and len(wanted) == m == len(found[1]) and found[2] == list(range(m))
            and not written.intersection(layer.inputs)):
        calls.append((product, WT, dY, found[1]))  # the earlier layer's ∂l/∂x̂, whole
    elif wanted:
        dU = run.buffer(m)
        calls.append((product, WT, dY, dU))
        for k in wanted:
            target = rows.grad[layer.inputs[k]]
            calls.append((np.add, target, dU[k], target) if layer.inputs[k] in written
                         else (np.copyto, target, dU[k]))
    written.update(layer.inputs[k] for k in wanted)


def _store(out: Array, rule: Any, *args: Any) -> None:
    """A rule of the op table (or ``_pre_scalar``) on rows of the buffers, into ``out``."""
    np.copyto(out, rule(*args))


def _times_derivative(g: Array, derivatives: Any, x: Array, y: Array) -> None:
    """g ∘= act'(x): an activation's derivative (its row of the op table) times its
    gradient, in place."""
    np.multiply(g, derivatives(x, y)[0], out=g)


def _scalar_backward(derivatives: Any, args: tuple[Any, ...], y: Array, g: Array,
                     targets: tuple[tuple[int, Array, bool], ...]) -> None:
    """An instruction's local derivatives (its row of the op table) times its gradient
    ``g``, into each argument's gradient row: written, or added to when ``add``."""
    ds = derivatives(*args, y)
    for k, row, add in targets:
        d = ds[k]
        if type(d) is float and d == 0.0:
            if not add:
                row.fill(0.0)
        elif type(d) is float and d == 1.0:
            if add:
                np.add(row, g, out=row)
            else:
                np.copyto(row, g)
        elif add:
            np.add(row, np.multiply(d, g), out=row)
        else:
            np.multiply(d, g, out=row)


def _pass(program: Program, B: int, order: str) -> Pass:
    """The pass for B examples, prepared once and kept (for the last two sizes: a batch's
    chunks and its remainder), locked while it runs; when another thread runs it, a new
    one, so that two threads never share buffers."""
    passes = program.cache.setdefault("passes", {})
    found = passes.get((B, order))
    if found is not None and found.lock.acquire(blocking=False):
        return cast(Pass, found)
    made = _compile_pass(program, B, order)
    made.lock.acquire()
    if found is None:
        if len(passes) >= 2:
            passes.clear()
        passes[(B, order)] = made
    return made


def rows(program: Program) -> int:
    """How many rows of B numbers a layered pass of ``program`` holds (its memory is
    8 bytes × rows × B), from a pass prepared for one example."""
    if "pass rows" not in program.cache:
        program.cache["pass rows"] = _compile_pass(program, 1, "matrix").rows
    return cast(int, program.cache["pass rows"])


def run_layered(program: Program, X: Array, p: list[float], backward: bool,
                order: str = "matrix") -> tuple[Array, Array]:
    """The batch, each layer as matrix products, every other instruction one numpy call."""
    run = _pass(program, len(X), order)
    try:
        run.P[:] = p
        np.copyto(run.X, X.T)
        for f, *args in run.forward:
            f(*args)
        values = np.stack(run.returned, axis=1)
        if not backward:
            return values, np.zeros(len(p))
        for f, *args in run.backward:
            f(*args)
        grads = cast(Array, np.bincount(run.weight_slots, run.weight_grads, minlength=len(p)))
        grads = grads.astype(float, copy=False)  # no weights at all: bincount gives ints
        grads[run.param_slots] += run.param_grads.sum(axis=1)
        return values, grads
    finally:
        run.lock.release()


def _pre_scalar(layer: Layer, U: Array, W: Array, b: Array) -> Array:
    """r̃ = W·U + b term by term, in the order the scalar engine adds them (``b`` is
    n × 1, or n × 0 for neurons without one)."""
    total: Any = None
    k = 0
    for column in layer.terms:
        term = b if column is None else W[:, k, None] * U[column]
        k += column is not None
        total = term if total is None else total + term
    return cast(Array, total)


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
