"""The op table run on a batch: the ways a ``Program``'s tape is replayed.

A program (``program.py``) is a list of instructions ``v7 = mul(v3, v5)``. Replaying it
means running each instruction's op, forward in order, then its local derivatives,
backward in reverse, adding each gradient into its arguments' (the chain rule). The ops'
rules come from the op table (``ops.py``), which runs them on whatever numbers it is
given; the replays differ only in what those numbers are:

- ``"python"``: the rules run on ``Code`` write the program out as straight-line Python
  for one example, compiled once and called on each example in turn;
- ``"levels"``: numpy arrays of shape (group, B): one call per group of independent
  instructions of the same op;
- ``"each"``: numpy arrays of shape (B,): one call per instruction;
- ``"layers"``: neurons recognised in the tape, each layer as matrix products
  (``layered.py``), every other instruction one numpy call;
- the checked replay: floats, one example, every result checked as the scalar engine
  checks it, so that an error names the example and the instruction.

``replay`` picks one by the batch size B (the thresholds below are measured:
``benchmarks/compare.py --programs``), cuts the batch into chunks (``chunk_rows``: at most
``CHUNK`` examples, and at most ``BATCH_BYTES`` for the values and gradients of a chunk,
16 bytes a slot an example, or for layers 16 bytes a row of the layered pass), and, when
the fast replay fails or meets a non-finite number, runs the checked replay to find and
name the example that failed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

from .layered import ORDERS, find_layers, run_layered
from .layered import rows as layered_rows
from .ops import GENERICS, Code, Op, source
from .value import Value, describe_failure

if TYPE_CHECKING:
    from .program import Instruction, Program

__all__ = ["replay", "python_source", "compiled", "run_checked", "HOWS"]

Array = NDArray[np.float64]

# How a batch of B examples runs, measured on the MLP step (benchmarks/compare.py
# --programs): from LAYERS_FROM, when neurons were found (layered.py), layers as matrix
# products; else below LEVELS_FROM, as generated Python, one example at a time; below
# EACH_FROM, one numpy call per group of independent instructions of one op; from there,
# one numpy call per instruction. Chunks of at most CHUNK examples (bounded memory).
# (Layers and generated Python are level at B = 1, 0.9-1.7x in three runs in CPU time, and
# layers are ahead from B = 2, 1.7-2.2x; layers compile nothing, so they are used from 1.)
LAYERS_FROM = 1
LEVELS_FROM = 16
EACH_FROM = 150
CHUNK = 4096
BATCH_BYTES = 256 * 2**20  # a chunk's values and gradients: 16 bytes × slots × examples
# Compiling generated Python costs about 9 KB an instruction (and 70 µs): beyond PYTHON_MAX
# instructions a program is not compiled, and runs one numpy call per instruction instead.
PYTHON_MAX = 20_000

HOWS = ("python", "levels", "each", "layers")


def replay(program: Program, X: Array, p: list[float], how: str | None,
           backward: bool, order: str = "matrix") -> tuple[Array, Array]:
    """``Program.run`` on checked arguments: values (B, 1 + outputs) or (B,), and grads."""
    B = len(X)
    how = default_how(program, B) if how is None else how
    if not isinstance(how, str) or how not in HOWS:
        raise ValueError(f"Program.run: how must be one of {', '.join(map(repr, HOWS))}, "
                         f"got {how!r}")
    if how == "python":
        compiled(program, backward)  # refused here, before any work, if too large
    if order not in ORDERS:
        raise ValueError(f"Program.run: order must be one of {', '.join(map(repr, ORDERS))}, "
                         f"got {order!r}")
    runs: dict[str, Callable[..., tuple[Array, Array]]] = {
        "python": _run_python, "levels": _run_levels, "each": _run_each,
        "layers": partial(run_layered, order=order)}
    run = runs[how]
    # Chunks of (nearly) equal size: 10,000 examples in chunks of at most 4,096 run as
    # 3,334 + 3,334 + 3,332, not 4,096 + 4,096 + 1,808 (a layered pass is prepared per size).
    rows = -(-B // -(-B // chunk_rows(program, how)))
    values, grads = [], np.zeros(len(p))
    for start in range(0, B, rows):
        v, g = _guarded(program, run, X[start:start + rows], p, start, backward)
        values.append(v)
        grads += g
    bad = np.flatnonzero(~np.isfinite(grads))
    if len(bad):
        raise OverflowError(f"Program.run: the gradient of params[{bad[0]}] summed over the "
                            f"batch overflowed ({grads[bad[0]]})")
    out = np.concatenate(values)
    return (out if program.outputs else out[:, 0]), grads


def default_how(program: Program, B: int) -> str:
    """The replay ``run`` uses for B examples: the fastest measured on the MLP step."""
    if B >= LAYERS_FROM and find_layers(program).layers:
        return "layers"
    if B < LEVELS_FROM and len(program.instructions) <= PYTHON_MAX:
        return "python"
    return "levels" if B < EACH_FROM else "each"


def chunk_rows(program: Program, how: str | None = None) -> int:
    """How many examples a replay runs at once: memory is bounded by slots × examples, or
    for layers by the rows of a layered pass × examples (two passes are kept: for a batch's
    chunks and its last one)."""
    rows = layered_rows(program) if how == "layers" else len(program.need)
    return max(1, min(CHUNK, BATCH_BYTES // (16 * rows)))


def _guarded(program: Program, run: Callable[..., tuple[Array, Array]], X: Array,
             p: list[float], first_row: int, backward: bool) -> tuple[Array, Array]:
    """``run``, or, if it fails or meets a non-finite number, the checked replay, which
    raises the error for the first example that fails (or computes the batch if none)."""
    try:
        with np.errstate(all="raise", under="ignore"):
            return run(program, X, p, backward)
    except (ArithmeticError, ValueError):
        pass  # found again below, with the example, the instruction and the reason
    results = [run_checked(program, x, p, first_row + row, backward)
               for row, x in enumerate(X.tolist())]
    with np.errstate(over="ignore"):  # an overflowing sum is reported by replay
        return np.array([v for v, _ in results]), np.sum([g for _, g in results], axis=0)


# --- floats, one example, checked --------------------------------------------------------------
def run_checked(
    program: Program, x: list[float], p: list[float], row: int, backward: bool
) -> tuple[list[float], list[float]]:
    """One example in floats, every result checked as the scalar engine checks it. The
    gradients are added in the scalar engine's order: the same floats as ``backward()``.

    First unchecked, which is faster; only when that fails or ends with a non-finite
    number, again step by step, to raise the first failure as the scalar engine would."""
    try:
        vals, grads = _run_floats(program, x, p, backward)
        total = sum(vals) + sum(grads)  # (finite unless some number is not, or they are huge)
        if not total - total:
            return [vals[k] for k in program.returned], grads[len(x):program.n_leaves]
    except (ArithmeticError, ValueError):
        pass
    return _run_step_by_step(program, x, p, row, backward)


def _run_floats(program: Program, x: list[float], p: list[float],
                backward: bool) -> tuple[list[float], list[float]]:
    """Every slot's value and gradient for one example, nothing checked."""
    vals: list[Any] = [*x, *p, *([None] * len(program.instructions)), *program.constants]
    for out, op, slots, _ in program.instructions:
        vals[out] = op.value(*[vals[a] for a in slots])
    grads = [0.0] * len(vals)
    grads[program.root] = 1.0
    need = program.need
    for out, op, slots, _ in program.backward_order if backward else ():
        g = grads[out]
        for a, d in zip(slots, op.derivatives(*[vals[a] for a in slots], vals[out])):
            if need[a]:
                grads[a] += d * g
    return vals, grads


def _run_step_by_step(
    program: Program, x: list[float], p: list[float], row: int, backward: bool
) -> tuple[list[float], list[float]]:
    """``run_checked``, every result checked as it is made."""
    vals: list[Any] = [*x, *p, *([None] * len(program.instructions)), *program.constants]
    for ins in program.instructions:
        out, op, slots, _ = ins
        args = [vals[a] for a in slots]
        try:
            y = op.value(*args)
            if y - y:  # 0.0 for a finite float, nan (true) for ±inf and nan
                raise OverflowError("the result is not a finite float")
        except (ArithmeticError, ValueError) as e:
            raise _failure(program, ins, args, row, e) from None
        vals[out] = y
    grads = [0.0] * len(vals)
    grads[program.root] = 1.0
    need = program.need
    for ins in program.backward_order if backward else ():
        out, op, slots, _ = ins
        args = [vals[a] for a in slots]
        try:
            derivatives = op.derivatives(*args, vals[out])
        except (ArithmeticError, ValueError) as e:
            raise _failure(program, ins, args, row, f"derivative: {e}", type(e)) from None
        g = grads[out]
        for a, d in zip(slots, derivatives):
            if need[a]:
                total = grads[a] + d * g
                if total - total:
                    raise _failure(program, ins, args, row, OverflowError(
                        f"the gradient reaching {program.name(a)} overflowed"))
                grads[a] = total
    return [vals[k] for k in program.returned], grads[len(x):program.n_leaves]


def _failure(program: Program, ins: Instruction, args: list[float], row: int, reason: Any,
             kind: type[Exception] | None = None) -> Exception:
    parents = tuple(Value(v, label=program.shown(a) if a < program.n_named else "")
                    for a, v in zip(ins.args, args))
    where = f"Program.run: example {row}, instruction {program.code(ins)}"
    return (kind or type(reason))(f"{where}: {describe_failure(ins.op, parents, reason)}")


# --- numpy arrays, one call per instruction ---------------------------------------------------
def _run_each(program: Program, X: Array, p: list[float], backward: bool) -> tuple[Array, Array]:
    """The whole batch at once: one numpy call per instruction, forward and backward."""
    B = len(X)
    vals: list[Any] = [*X.T.copy(), *(np.full(B, v) for v in p),
                       *([None] * len(program.instructions)), *program.constants]
    for out, op, args, _ in program.instructions:
        vals[out] = op.value(*[vals[a] for a in args])
    values = np.stack([np.broadcast_to(vals[k], (B,)) for k in program.returned], axis=1)
    if not backward:
        return values, np.zeros(len(p))
    grads: list[Any] = [None] * len(vals)
    grads[program.root] = np.ones(B)
    need = program.need
    for out, op, args, _ in program.backward_order:
        g = grads[out]
        if g is None:
            continue
        for a, d in zip(args, op.derivatives(*[vals[a] for a in args], vals[out])):
            if need[a] and not (type(d) is float and d == 0.0):
                c = g if type(d) is float and d == 1.0 else d * g
                grads[a] = c if grads[a] is None else grads[a] + c
    param_grads = [0.0 if g is None else g.sum()
                   for g in grads[program.n_inputs:program.n_leaves]]
    return values, np.array(param_grads, dtype=float)


# --- numpy arrays, one call per group of independent instructions ----------------------------
def _levels(program: Program) -> list[tuple[Op, Any, list[Any], list[Any]]]:
    """The instructions grouped by level (1 + the highest level of their arguments; 0 for a
    leaf) and op: one group is one numpy call on a (group size × B) array."""
    if "levels" in program.cache:
        return cast(list[tuple[Op, Any, list[Any], list[Any]]], program.cache["levels"])
    level = [0] * len(program.need)
    groups: dict[tuple[int, str, float], list[Instruction]] = {}
    for ins in program.instructions:
        level[ins.out] = 1 + max(level[a] for a in ins.args)
        # pow's exponent is a constant: a group shares one, so it stays a float.
        k = program.constants[ins.args[1] - program.n_named] if ins.op.name == "pow" else 0.0
        groups.setdefault((level[ins.out], ins.op.name, k), []).append(ins)
    result: list[tuple[Op, Any, list[Any], list[Any]]] = []
    # By level: a group may need a lower level's group that began later in the order.
    for (_, _, k), members in sorted(groups.items(), key=lambda item: item[0][0]):
        columns = list(zip(*[ins.args for ins in members]))
        args: list[Any] = [np.array(c) for c in columns]
        if members[0].op.name == "pow":
            args[1] = k
        # For the backward pass: the arguments that need a gradient, and whether one of
        # them appears twice in the group (np.add.at then adds both terms).
        grads = []
        for c in columns:
            keep = np.array([program.need[a] for a in c])
            rows = np.array(c)[keep]
            grads.append((keep, rows, len(set(rows.tolist())) < len(rows))
                         if keep.any() else None)
        out = np.array([ins.out for ins in members])
        result.append((members[0].op, out, args, grads))
    return cast(list[tuple[Op, Any, list[Any], list[Any]]],
                program.cache.setdefault("levels", result))


def _run_levels(program: Program, X: Array, p: list[float],
                backward: bool) -> tuple[Array, Array]:
    """The whole batch, one numpy call per group of independent instructions of one op."""
    groups = _levels(program)
    n_inputs, n_leaves, B = program.n_inputs, program.n_leaves, len(X)
    V = np.empty((len(program.need), B))
    V[:n_inputs] = X.T
    V[n_inputs:n_leaves] = np.array(p)[:, None]
    V[program.n_named:] = np.array(program.constants)[:, None]
    fetch = lambda a: a if isinstance(a, float) else V[a]  # noqa: E731
    for op, out, args, _ in groups:
        V[out] = op.value(*map(fetch, args))
    if not backward:
        return V[program.returned].T.copy(), np.zeros(len(p))
    G = np.zeros_like(V)
    G[program.root] = 1.0
    for op, out, args, grads in reversed(groups):
        if not any(grads):
            continue
        g = G[out]
        for d, target in zip(op.derivatives(*map(fetch, args), V[out]), grads):
            if target is None or (type(d) is float and d == 0.0):
                continue
            keep, rows, repeated = target
            c = (g if type(d) is float and d == 1.0 else d * g)[keep]
            if repeated:
                np.add.at(G, rows, c)
            else:
                G[rows] += c
    return V[program.returned].T.copy(), G[n_inputs:n_leaves].sum(axis=1)


# --- generated Python, one example at a time ----------------------------------------------------
def _run_python(program: Program, X: Array, p: list[float],
                backward: bool) -> tuple[Array, Array]:
    """One example at a time through the generated Python."""
    f = compiled(program, backward)
    results = [f(x, p) for x in X.tolist()]
    if not all(finite for _, _, finite in results):
        raise FloatingPointError("a value or gradient is not finite")
    values = np.array([value for value, _, _ in results])
    grads = np.sum([g for _, g, _ in results], axis=0, dtype=float) if backward else None
    return values, np.zeros(len(p)) if grads is None else grads


def python_source(program: Program, backward: bool = True) -> str:
    """``Program.python_source``: the program for one example as a Python function."""
    n_inputs, n_leaves, n_named = program.n_inputs, program.n_leaves, program.n_named
    code = [Code(program.name(k)) if k < n_named else c
            for k, c in enumerate([*range(n_named), *program.constants])]
    lines = ["def program(x, p):"]
    if n_inputs:
        lines.append(f"    ({''.join(f'v{k}, ' for k in range(n_inputs))}) = x")
    if program.params:
        lines.append(f"    ({''.join(f'v{k}, ' for k in range(n_inputs, n_leaves))}) = p")
    for ins in program.instructions:
        lines.append(f"    v{ins.out} = {ins.op.value(*[code[a] for a in ins.args])}"
                     f"  # {program.comment(ins)}")
    # Each gradient is a sum of terms, added in the scalar engine's order; while it has
    # one term that is another gradient (d = 1), it is that gradient's name: no line.
    grads = {program.root: "1.0"}
    for ins in program.backward_order if backward else ():
        if ins.out not in grads:
            continue
        g = grads[ins.out]
        derivatives = ins.op.derivatives(*[code[a] for a in ins.args], code[ins.out])
        for a, d in zip(ins.args, derivatives):
            if not program.need[a] or (type(d) is float and d == 0.0):
                continue
            term = g if type(d) is float and d == 1.0 else f"{source(d)} * {g}"
            if a in grads:
                lines.append(f"    g{a} = {grads[a]} + {term}")
            elif term == g:
                grads[a] = g
                continue
            else:
                lines.append(f"    g{a} = {term}")
            grads[a] = f"g{a}"
    param_grads = [grads.get(k, "0.0") for k in range(n_inputs, n_leaves) if backward]
    lines.append(f"    grads = [{', '.join(param_grads)}]")
    checked = ", ".join([f"v{ins.out}" for ins in program.instructions] + ["*grads"])
    returned = "".join(f"{program.name(k)}, " for k in program.returned)
    lines.append(f"    return ({returned}), grads, isfinite(sum(({checked},)))")
    return "\n".join(lines) + "\n"


def compiled(
    program: Program, backward: bool = True
) -> Callable[[list[float], list[float]], tuple[tuple[float, ...], list[float], bool]]:
    """``python_source(program, backward)`` compiled (once, then cached)."""
    key = ("python", backward)
    if key not in program.cache:
        n = len(program.instructions)
        if n > PYTHON_MAX:
            raise ValueError(
                f"Program: generated Python is limited to {PYTHON_MAX:,} instructions (compiling "
                f"costs about 9 KB each); this program has {n:,}: use how='each' or 'levels'")
        namespace = {**GENERICS, "isfinite": math.isfinite}
        exec(compile(python_source(program, backward), "<autograd_lite.program>", "exec"),
             namespace)
        program.cache.setdefault(key, namespace["program"])
    return cast(Callable[[list[float], list[float]], tuple[tuple[float, ...], list[float], bool]],
                program.cache[key])
