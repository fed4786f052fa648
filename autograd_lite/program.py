"""Trace a graph once, replay it over a batch: a ``Program`` (a tape, a Wengert list).

A graph built for one example is a straight line of ops once it is put in topological
order. ``trace`` records that line as numbered instructions, ``v7 = mul(v3, v5)``, over
three kinds of leaves: the *inputs* (one column of ``X`` per input, a row per example),
the *parameters* (one number each, shared by the batch) and constants (every other leaf,
its number written into the program). ``Program.run`` then replays the instructions on a
whole batch at once: each value is a numpy array with one entry per example, and each
instruction is one numpy call, forward and backward. The values and local derivatives
come from the op table (``ops.py``), whose rules run on arrays as they run on floats.

Only the graph's *structure* is recorded, so only a computation whose structure does not
depend on the data can be traced. A ReLU is fine: it is one op, whichever side of 0 its
input falls. A Python ``if`` on a value (``if r.data > 0: ...``) is not: the program
replays the branch the traced example took, for every example. ``trace`` checks the
program against the graph on the traced example, which catches a leaf changed after the
graph was built, but it cannot see a branch that other examples would take differently.

>>> from autograd_lite import Value, trace
>>> x, w, b = Value(2.0, label="x"), Value(0.5, label="w"), Value(1.0, label="b")
>>> program = trace((w * x + b).relu(), inputs=[x], params=[w, b])
>>> print(program)
# 1 input, 2 params, 3 instructions
v0 = input[0]     # x
v1 = param[0]     # w
v2 = param[1]     # b
v3 = mul(v1, v0)  # w·x
v4 = add(v3, v2)  # v3 + b
v5 = relu(v4)     # ReLU(v4)
return v5
>>> values, grads = program.run([[2.0], [-4.0], [6.0]])
>>> values.tolist(), grads.tolist()  # Σ over the batch of ∂root/∂(w, b): x = 2 and 6 count
([2.0, 0.0, 4.0], [8.0, 2.0])
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .backprop import grad, topological_order
from .ops import GENERICS, Code, Op, source
from .value import Value, describe_failure

__all__ = ["trace", "Program", "Instruction"]

Array = NDArray[np.float64]

# How a batch of B examples runs, measured on the MLP step (docs/performance.md): below
# LEVELS_FROM, as generated Python, one example at a time; below EACH_FROM, one numpy call
# per group of independent instructions of one op; from there, one numpy call per
# instruction, on chunks of at most CHUNK examples (bounded memory).
LEVELS_FROM = 16
EACH_FROM = 150
CHUNK = 4096


class Instruction(NamedTuple):
    """``v{out} = op(args)``: ``args`` are slots, either earlier results or constants."""

    out: int
    op: Op
    args: tuple[int, ...]
    label: str


def trace(
    root: Value, inputs: Sequence[Value], params: Sequence[Value], outputs: Sequence[Value] = ()
) -> Program:
    """The program that computes ``root`` from ``inputs`` and ``params`` (leaves of its graph).

    ``inputs`` are the leaves that change from one example to the next, ``params`` the
    ones being trained; every other leaf is a constant. ``outputs`` are further nodes of
    the graph whose values ``run`` returns too (a loss's score, say). The program is
    checked against the graph on the example it was traced from (same value, same
    gradients): ``ValueError`` if it disagrees, as when a leaf's ``data`` was changed after
    the graph was built.
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace: the root is a {type(root).__name__}, not a Value")
    inputs, params = _leaves("inputs", inputs), _leaves("params", params)
    slots: dict[Value, int] = {}
    for k, leaf in enumerate([*inputs, *params]):
        if slots.setdefault(leaf, k) != k:
            which = "appears in both inputs and params" if leaf in inputs and leaf in params \
                else "appears twice"
            raise ValueError(f"trace: the leaf {leaf!r} {which}")
    instructions: list[Instruction] = []
    constants: dict[Value, float] = {}  # nodes that depend on no input or parameter
    for node in topological_order(root):
        if node in slots:
            continue
        parents = node.parents
        if not parents or all(p in constants for p in parents):
            constants[node] = node.data
            continue
        if node.op.name == "pow" and parents[1] not in constants:
            raise ValueError(f"trace: the exponent of {node!r} must be a constant")
        slots[node] = len(slots)
        instructions.append(Instruction(len(slots) - 1, node.op, tuple(parents), node.label))
    if root in constants:
        raise ValueError("trace: the root depends on none of the inputs and params")
    for node in constants:
        slots[node] = len(slots)
    for k, node in enumerate(outputs):
        if node not in slots:
            raise ValueError(f"trace: outputs[{k}] = {node!r} is not a node of the root's graph")
    program = Program(
        [x.label for x in inputs],
        list(params),
        [ins._replace(args=tuple(slots[p] for p in ins.args)) for ins in instructions],
        [constants[node] for node in constants],
        slots[root],
        [slots[node] for node in outputs],
    )
    program._check_against(root, [x.data for x in inputs])
    return program


def comment_text(text: str) -> str:
    """``text`` fit for one comment line: every character that could end the line or change
    how it reads (line breaks, other control and format characters such as bidirectional
    overrides, unpaired surrogates: Unicode's categories C, Zl and Zp) becomes ``?``, so a
    label can never become code.

    >>> comment_text("x\\n    import os")
    'x?    import os'
    """
    return "".join("?" if unicodedata.category(c).startswith(("C", "Zl", "Zp")) else c
                   for c in text)


def _leaves(name: str, leaves: Sequence[Value]) -> list[Value]:
    leaves = list(leaves)
    for k, leaf in enumerate(leaves):
        if not isinstance(leaf, Value):
            raise TypeError(f"trace: {name}[{k}] is a {type(leaf).__name__}, not a Value")
        if leaf.op is not None:
            raise ValueError(
                f"trace: {name}[{k}] = {leaf!r} is not a leaf (it was made by {leaf.op.name})"
            )
    return leaves


class Program:
    """Numbered instructions computing one root from inputs and parameters.

    Slots are numbered: the inputs first, then the parameters, then one per instruction
    (in topological order), then the constants. ``print(program)`` shows the Wengert list.
    """

    def __init__(
        self,
        input_labels: list[str],
        params: list[Value],
        instructions: list[Instruction],
        constants: list[float],
        root: int,
        outputs: list[int] = (),  # type: ignore[assignment]
    ) -> None:
        self.input_labels = input_labels
        self.params = params  # the parameter leaves; ``run`` reads their data by default
        self.instructions = instructions
        self.constants = constants
        self.root = root
        self.outputs = list(outputs)  # further slots whose values run returns
        self._returned = [root, *self.outputs]
        self._n_leaves = len(input_labels) + len(params)
        self._n_named = self._n_leaves + len(instructions)  # slots with a name v{k}
        self._labels = [*input_labels, *(p.label for p in params),
                        *(ins.label for ins in instructions)]
        # Which slots depend on a parameter: only they need a gradient.
        need = [False] * (self._n_named + len(constants))
        need[len(input_labels):self._n_leaves] = [True] * len(params)
        for ins in instructions:
            need[ins.out] = any(need[a] for a in ins.args)
        self._need = need
        self._backward = [ins for ins in reversed(instructions) if need[ins.out]]
        self._functions: dict[bool, Callable[..., Any]] = {}
        self._groups: list[tuple[Op, Any, list[Any], list[Any]]] | None = None

    def __repr__(self) -> str:
        return (f"<Program: {len(self.input_labels)} inputs, {len(self.params)} params, "
                f"{len(self.instructions)} instructions>")

    # --- reading it ---------------------------------------------------------------------------
    def _name(self, slot: int) -> str:
        """``v{slot}``, or a constant's number."""
        return f"v{slot}" if slot < self._n_named else repr(self.constants[slot - self._n_named])

    def _shown(self, slot: int) -> str:
        """What a comment calls a slot: its label if it has one."""
        return (self._labels[slot] or self._name(slot)) if slot < self._n_named \
            else self._name(slot)

    def _formula(self, ins: Instruction) -> str:
        """The instruction in the notes' notation, e.g. ``W[0,1]·x[0]``."""
        args = [self._shown(a) for a in ins.args]
        op = ins.op
        if len(args) == 1:
            return f"-{args[0]}" if op.name == "neg" else f"{op.symbol}({args[0]})"
        return "·".join(args) if op.name == "mul" else f" {op.symbol} ".join(args)

    def lines(self) -> list[tuple[str, str]]:
        """The Wengert list as (code, comment) pairs, one per slot with a name, then ``return``.

        The code holds no user text (slot names and numbers only); the comment holds labels,
        made safe for a comment line by ``comment_text``.
        """
        n_inputs = len(self.input_labels)
        rows = [(f"v{k} = input[{k}]", label) for k, label in enumerate(self.input_labels)]
        rows += [(f"v{n_inputs + k} = param[{k}]", p.label) for k, p in enumerate(self.params)]
        for ins in self.instructions:
            formula = self._formula(ins)
            comment = f"{ins.label} = {formula}" if ins.label else formula
            rows.append((f"v{ins.out} = {ins.op.name}({', '.join(map(self._name, ins.args))})",
                         comment))
        root_label = self._labels[self.root] if self.root < self._n_named else ""
        rows.append((f"return {self._name(self.root)}", root_label))
        return [(code, comment_text(comment)) for code, comment in rows]

    def __str__(self) -> str:
        rows = self.lines()
        width = max(len(code) for code, comment in rows if comment) if any(
            comment for _, comment in rows) else 0
        counts = [f"{len(self.input_labels)} input{'s' * (len(self.input_labels) != 1)}",
                  f"{len(self.params)} param{'s' * (len(self.params) != 1)}",
                  f"{len(self.instructions)} instructions"]
        text = [f"# {', '.join(counts)}"]
        text += [f"{code:<{width}}  # {comment}" if comment else code for code, comment in rows]
        return "\n".join(text)

    # --- running it ---------------------------------------------------------------------------
    def run(
        self, X: ArrayLike, params: Sequence[float] | None = None, how: str | None = None
    ) -> tuple[Array, Array]:
        """The root for each row of ``X`` and the gradient of their sum w.r.t. the params.

        ``X`` has shape ``(B, len(inputs))``, one example per row; ``params`` holds one
        number per parameter (default: the parameters' current ``data``). Returns
        ``values`` of shape ``(B,)`` (``(B, 1 + len(outputs))`` when the program has
        outputs: the root's value, then theirs) and ``grads`` of shape ``(len(params),)``,
        where ``grads[k]`` = Σ over the batch of ∂root/∂params[k].

        ``how`` picks the replay (by default, the fastest measured for B): ``"python"``,
        the generated Python one example at a time; ``"levels"``, one numpy call per group
        of independent instructions of one op; ``"each"``, one numpy call per instruction.
        Each gives the same numbers as the scalar engine, up to rounding.

        An op that fails on some example (overflow, a value outside its domain) raises
        the scalar engine's error, naming the example, the instruction and its labels.
        """
        return self._replay(X, params, how, backward=True)

    def values(
        self, X: ArrayLike, params: Sequence[float] | None = None, how: str | None = None
    ) -> Array:
        """``run``'s values alone: the forward pass, without the gradients."""
        return self._replay(X, params, how, backward=False)[0]

    def _replay(self, X: ArrayLike, params: Sequence[float] | None, how: str | None,
                backward: bool) -> tuple[Array, Array]:
        X, p = self._check_x(X), self._check_params(params)
        B = len(X)
        if how is None:
            how = "python" if B < LEVELS_FROM else "levels" if B < EACH_FROM else "each"
        runs = {"python": self._run_python, "levels": self._run_levels, "each": self._run_numpy}
        if how not in runs:
            raise ValueError(f"Program.run: how must be one of {', '.join(map(repr, runs))}, "
                             f"got {how!r}")
        values, grads = [], np.zeros(len(p))
        for start in range(0, B, CHUNK):
            v, g = self._guarded(runs[how], X[start:start + CHUNK], p, start, backward)
            values.append(v)
            grads += g
        bad = np.flatnonzero(~np.isfinite(grads))
        if len(bad):
            raise OverflowError(f"Program.run: the gradient of params[{bad[0]}] summed over the "
                                f"batch overflowed ({grads[bad[0]]})")
        values = np.concatenate(values)
        return (values if self.outputs else values[:, 0]), grads

    def _check_x(self, X: ArrayLike) -> Array:
        n = len(self.input_labels)
        try:
            X = np.array(X, dtype=float, ndmin=1)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Program.run: X must be an array of numbers ({e})") from None
        if X.ndim != 2 or X.shape[1] != n or len(X) == 0:
            raise ValueError(f"Program.run: X must have shape (B, {n}) with B ≥ 1, one row of "
                             f"{n} input{'s' * (n != 1)} per example; got shape {X.shape}")
        bad = np.argwhere(~np.isfinite(X))
        if len(bad):
            row, col = bad[0]
            label = f" ({self.input_labels[col]})" if self.input_labels[col] else ""
            raise ValueError(f"Program.run: X[{row}, {col}]{label} is {X[row, col]}; "
                             "inputs must be finite numbers")
        return X

    def _check_params(self, params: Sequence[float] | None) -> list[float]:
        if params is None:
            return [p.data for p in self.params]
        try:
            p = np.array(params, dtype=float, ndmin=1)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Program.run: params must be numbers ({e})") from None
        if p.shape != (len(self.params),):
            raise ValueError(f"Program.run: params must hold {len(self.params)} numbers, one "
                             f"per parameter; got shape {p.shape}")
        bad = np.flatnonzero(~np.isfinite(p))
        if len(bad):
            raise ValueError(f"Program.run: params[{bad[0]}] is {p[bad[0]]}; "
                             "parameters must be finite numbers")
        return p.tolist()

    def _guarded(self, run: Callable[..., tuple[Array, Array]], X: Array, p: list[float],
                 first_row: int, backward: bool) -> tuple[Array, Array]:
        """``run``, or, if it fails or meets a non-finite number, the checked replay, which
        raises the error for the first example that fails (or computes the batch if none)."""
        try:
            with np.errstate(all="raise", under="ignore"):
                return run(X, p, backward)
        except (ArithmeticError, ValueError):
            pass  # found again below, with the example, the instruction and the reason
        results = [self._run_checked(x, p, first_row + row, backward)
                   for row, x in enumerate(X.tolist())]
        with np.errstate(over="ignore"):  # an overflowing sum is reported by run
            return np.array([v for v, _ in results]), np.sum([g for _, g in results], axis=0)

    def _run_python(self, X: Array, p: list[float], backward: bool) -> tuple[Array, Array]:
        """One example at a time through the generated Python."""
        f = self.compiled(backward)
        results = [f(x, p) for x in X.tolist()]
        if not all(finite for _, _, finite in results):
            raise FloatingPointError("a value or gradient is not finite")
        values = np.array([value for value, _, _ in results])
        grads = np.sum([g for _, g, _ in results], axis=0, dtype=float) if backward else None
        return values, np.zeros(len(p)) if grads is None else grads

    def _run_numpy(self, X: Array, p: list[float], backward: bool) -> tuple[Array, Array]:
        """The whole batch at once: one numpy call per instruction, forward and backward."""
        B = len(X)
        vals: list[Any] = [*X.T.copy(), *(np.full(B, v) for v in p),
                           *([None] * len(self.instructions)), *self.constants]
        for out, op, args, _ in self.instructions:
            vals[out] = op.value(*[vals[a] for a in args])
        values = np.stack([np.broadcast_to(vals[k], (B,)) for k in self._returned], axis=1)
        if not backward:
            return values, np.zeros(len(p))
        grads: list[Any] = [None] * len(vals)
        grads[self.root] = np.ones(B)
        need = self._need
        for out, op, args, _ in self._backward:
            g = grads[out]
            if g is None:
                continue
            for a, d in zip(args, op.derivatives(*[vals[a] for a in args], vals[out])):
                if need[a] and not (type(d) is float and d == 0.0):
                    c = g if type(d) is float and d == 1.0 else d * g
                    grads[a] = c if grads[a] is None else grads[a] + c
        n_inputs = len(self.input_labels)
        param_grads = [0.0 if g is None else g.sum() for g in grads[n_inputs:self._n_leaves]]
        return values, np.array(param_grads, dtype=float)

    def _levels(self) -> list[tuple[Op, Any, list[Any], list[Any]]]:
        """The instructions grouped by level (1 + the highest level of their arguments; 0 for a
        leaf) and op: one group is one numpy call on a (group size × B) array."""
        if self._groups is None:
            level = [0] * len(self._need)
            groups: dict[tuple[int, str, float], list[Instruction]] = {}
            for ins in self.instructions:
                level[ins.out] = 1 + max(level[a] for a in ins.args)
                # pow's exponent is a constant: a group shares one, so it stays a float.
                k = self.constants[ins.args[1] - self._n_named] if ins.op.name == "pow" else 0.0
                groups.setdefault((level[ins.out], ins.op.name, k), []).append(ins)
            self._groups = []
            # By level: a group may need a lower level's group that began later in the order.
            for (_, _, k), members in sorted(groups.items(), key=lambda item: item[0][0]):
                columns = list(zip(*[ins.args for ins in members]))
                args = [np.array(c) for c in columns]
                if members[0].op.name == "pow":
                    args[1] = k
                # For the backward pass: the arguments that need a gradient, and whether one
                # of them appears twice in the group (np.add.at then adds both terms).
                grads = []
                for c in columns:
                    keep = np.array([self._need[a] for a in c])
                    rows = np.array(c)[keep]
                    grads.append((keep, rows, len(set(rows.tolist())) < len(rows))
                                 if keep.any() else None)
                out = np.array([ins.out for ins in members])
                self._groups.append((members[0].op, out, args, grads))
        return self._groups

    def _run_levels(self, X: Array, p: list[float], backward: bool) -> tuple[Array, Array]:
        """The whole batch, one numpy call per group of independent instructions of one op."""
        groups = self._levels()
        n_inputs, B = len(self.input_labels), len(X)
        V = np.empty((len(self._need), B))
        V[:n_inputs] = X.T
        V[n_inputs:self._n_leaves] = np.array(p)[:, None]
        V[self._n_named:] = np.array(self.constants)[:, None]
        fetch = lambda a: a if isinstance(a, float) else V[a]  # noqa: E731
        for op, out, args, _ in groups:
            V[out] = op.value(*map(fetch, args))
        if not backward:
            return V[self._returned].T.copy(), np.zeros(len(p))
        G = np.zeros_like(V)
        G[self.root] = 1.0
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
        return V[self._returned].T.copy(), G[n_inputs:self._n_leaves].sum(axis=1)

    def _run_checked(
        self, x: list[float], p: list[float], row: int, backward: bool
    ) -> tuple[list[float], list[float]]:
        """One example in floats, every result checked as the scalar engine checks it."""
        vals: list[Any] = [*x, *p, *([None] * len(self.instructions)), *self.constants]
        for ins in self.instructions:
            args = [vals[a] for a in ins.args]
            try:
                y = ins.op.value(*args)
                if not math.isfinite(y):
                    raise OverflowError("the result is not a finite float")
            except (ArithmeticError, ValueError) as e:
                raise self._failure(ins, args, row, e) from None
            vals[ins.out] = y
        grads = [0.0] * len(vals)
        grads[self.root] = 1.0
        for ins in self._backward if backward else ():
            args = [vals[a] for a in ins.args]
            try:
                derivatives = ins.op.derivatives(*args, vals[ins.out])
            except (ArithmeticError, ValueError) as e:
                raise self._failure(ins, args, row, f"derivative: {e}", type(e)) from None
            for a, d in zip(ins.args, derivatives):
                if self._need[a]:
                    grads[a] += d * grads[ins.out]
                    if not math.isfinite(grads[a]):
                        raise self._failure(ins, args, row, OverflowError(
                            f"the gradient reaching {self._name(a)} overflowed"))
        return [vals[k] for k in self._returned], grads[len(x):self._n_leaves]

    def _failure(self, ins: Instruction, args: list[float], row: int, reason: Any,
                 kind: type[Exception] | None = None) -> Exception:
        parents = tuple(Value(v, label=self._shown(a) if a < self._n_named else "")
                        for a, v in zip(ins.args, args))
        where = f"Program.run: example {row}, instruction {self.lines()[ins.out][0]}"
        return (kind or type(reason))(f"{where}: {describe_failure(ins.op, parents, reason)}")

    # --- straight-line Python -----------------------------------------------------------------
    def python_source(self, backward: bool = True) -> str:
        """A Python function ``program(x, p) -> (values, grads, finite)`` for one example.

        ``values`` holds the root's value, then the outputs'; ``grads`` one per parameter
        (none with ``backward=False``: the forward pass alone).

        The op table's rules are run on ``Code`` (see ``ops.py``), so each line is the
        table's rule written out; ``finite`` is False if any value or gradient is not.
        """
        n_inputs = len(self.input_labels)
        code = [Code(self._name(k)) if k < self._n_named else c
                for k, c in enumerate([*range(self._n_named), *self.constants])]
        lines = ["def program(x, p):"]
        if n_inputs:
            lines.append(f"    ({''.join(f'v{k}, ' for k in range(n_inputs))}) = x")
        if self.params:
            lines.append(f"    ({''.join(f'v{k}, ' for k in range(n_inputs, self._n_leaves))}) = p")
        comments = self.lines()
        for ins in self.instructions:
            lines.append(f"    v{ins.out} = {ins.op.value(*[code[a] for a in ins.args])}"
                         f"  # {comments[ins.out][1]}")
        # Each gradient is a sum of terms, added in the scalar engine's order; while it has
        # one term that is another gradient (d = 1), it is that gradient's name: no line.
        grads = {self.root: "1.0"}
        for ins in self._backward if backward else ():
            if ins.out not in grads:
                continue
            g = grads[ins.out]
            derivatives = ins.op.derivatives(*[code[a] for a in ins.args], code[ins.out])
            for a, d in zip(ins.args, derivatives):
                if not self._need[a] or (type(d) is float and d == 0.0):
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
        param_grads = [grads.get(k, "0.0") for k in range(n_inputs, self._n_leaves) if backward]
        lines.append(f"    grads = [{', '.join(param_grads)}]")
        checked = ", ".join([f"v{ins.out}" for ins in self.instructions] + ["*grads"])
        returned = "".join(f"{self._name(k)}, " for k in self._returned)
        lines.append(f"    return ({returned}), grads, isfinite(sum(({checked},)))")
        return "\n".join(lines) + "\n"

    def compiled(
        self, backward: bool = True
    ) -> Callable[[list[float], list[float]], tuple[tuple[float, ...], list[float], bool]]:
        """``python_source(backward)`` compiled (once, then cached)."""
        if backward not in self._functions:
            namespace = {**GENERICS, "isfinite": math.isfinite}
            source = self.python_source(backward)
            exec(compile(source, "<autograd_lite.program>", "exec"), namespace)
            self._functions[backward] = namespace["program"]
        return self._functions[backward]

    def _check_against(self, root: Value, x: list[float]) -> None:
        """The program on the traced example must give the graph's value and gradients."""
        (value, *_), grads, finite = self.compiled()(x, [p.data for p in self.params])
        expected = [g.data for g in grad(root, self.params)] if self.params else []
        if not finite or value != root.data or grads != expected:
            raise ValueError(
                "trace: the program does not reproduce the graph on the traced example "
                f"(value {value!r} vs {root.data!r}); was a leaf's data changed after the "
                "graph was built?"
            )
