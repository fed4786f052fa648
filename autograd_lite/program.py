"""Trace a graph once, replay it over a batch: a ``Program`` (a tape, a Wengert list).

A graph built for one example is a straight line of ops once it is put in topological
order. ``trace`` records that line as numbered instructions, ``v7 = mul(v3, v5)``, over
three kinds of leaves: the *inputs* (one column of ``X`` per input, a row per example),
the *parameters* (one number each, shared by the batch) and constants (every other leaf,
its number written into the program). ``Program.run`` then replays the instructions on a
whole batch at once (``replays.py``: the op table run on numpy arrays, or written out as
Python). The values and local derivatives come from the op table (``ops.py``).

Only the graph's *structure* is recorded, so only a computation whose structure does not
depend on the data can be traced. A ReLU is fine: it is one op, whichever side of 0 its
input falls. A Python ``if`` on a value (``if r.data > 0: ...``) is not: the program
replays the branch the traced example took, for every example. A graph cannot show the
branches that built it, but the function that built it can be run again: traced as
``trace(fn, inputs, params)``, a program builds a few examples of each batch again with
``fn`` and stops (``DifferentGraphError``) when one builds a different graph. Traced from
a bare graph, it can only check the example it was traced from, and warns so.

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

import pickle
import random
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import replays
from .backprop import grad, topological_order
from .checks import check_values
from .collector import collector_paused
from .layered import describe_layers
from .ops import OPS, Op
from .text import shown
from .value import Value, refuse_by_hand

__all__ = ["trace", "Program", "Instruction", "DifferentGraphError", "UncheckedProgramWarning"]

Array = NDArray[np.float64]


class Instruction(NamedTuple):
    """``v{out} = op(args)``: ``args`` are slots, either earlier results or constants."""

    out: int
    op: Op
    args: tuple[int, ...]
    label: str


class DifferentGraphError(ValueError):
    """An example of the batch builds a different graph from the traced one: ``row`` is its
    row in ``X``, ``difference`` the first difference found."""

    def __init__(self, row: int, difference: str) -> None:
        super().__init__(
            f"Program.run: example {row} builds a different graph from the traced one "
            f"({difference}); the function branches on the data (an if on .data, max of "
            "floats, float() of a Value), which a program cannot replay; "
            "trace(..., fallback='scalar') computes such examples by the scalar engine")
        self.row, self.difference = row, difference


class UncheckedProgramWarning(UserWarning):
    """A program traced from a bare graph: it cannot check that other examples build the
    same graph (``trace(fn, ...)`` can)."""


def trace(
    root: Value | Callable[..., Value | Sequence[Value]],
    inputs: Sequence[Value],
    params: Sequence[Value],
    outputs: Sequence[Value] = (),
    *,
    check: int = 3,
    fallback: str = "error",
) -> Program:
    """The program that computes ``root`` from ``inputs`` and ``params`` (leaves of its graph).

    ``inputs`` are the leaves that change from one example to the next, ``params`` the
    ones being trained; every other leaf is a constant. ``outputs`` are further nodes of
    the graph whose values ``run`` returns too (a loss's score, say). The program is
    checked against the graph on the example it was traced from (same value, same
    gradients, by the float replay: nothing is compiled): ``ValueError`` if it disagrees,
    as when a leaf's ``data`` was changed after the graph was built.

    ``root`` may be a function instead: ``root(*inputs)`` builds the graph and returns its
    root (or a tuple: the root, then the outputs). A program traced from a function checks
    that the examples it runs build the same graph: on every ``run``, ``check`` examples of
    the batch (the first, the last, others at random) are built again with the function
    and their instructions compared with the program's; an example that differs (a model
    that branches on the data: an ``if`` on ``.data``, ``max`` of floats, ``float(x.data)``)
    raises ``DifferentGraphError`` (a ``ValueError``) naming it and the first instruction
    that differs, or, with
    ``fallback="scalar"``, is computed by the scalar engine (a warning says how many).
    A program traced from a graph cannot check, and warns so.
    """
    if not isinstance(check, int) or isinstance(check, bool) or check < 0:
        raise TypeError(f"trace: check must be an int ≥ 0, got {check!r}")
    if fallback not in FALLBACKS:
        raise ValueError(f"trace: fallback must be one of {', '.join(map(repr, FALLBACKS))}, "
                         f"got {fallback!r}")
    inputs, params = _leaves("inputs", inputs), _leaves("params", params)
    seen: dict[Value, int] = {}
    for k, leaf in enumerate([*inputs, *params]):
        if seen.setdefault(leaf, k) != k:
            which = "appears in both inputs and params" if leaf in inputs and leaf in params \
                else "appears twice"
            raise ValueError(f"trace: the leaf {leaf!r} {which}")
    fn = None
    if callable(root) and not isinstance(root, Value):
        if outputs:
            raise ValueError("trace: with a function, its result gives the outputs "
                             "(return root, *outputs), not outputs=")
        with collector_paused():
            fn, (root, *outputs) = root, _built(root, inputs)
    elif not isinstance(root, Value):
        raise TypeError(f"trace: the root is a {type(root).__name__}, not a Value or a function")
    else:
        warnings.warn("trace: a program traced from a graph cannot check that other examples "
                      "build the same graph (a branch on the data would be replayed wrong); "
                      "trace(fn, inputs, params) checks it", UncheckedProgramWarning,
                      stacklevel=2)
    with collector_paused():  # a traced graph is large, and holds no reference cycles
        program = Program([x.label for x in inputs], params,
                          *_record(root, seen, list(outputs)))
        program._check_against(root, [x.data for x in inputs])
    program.fn, program.check, program.fallback = fn, check, fallback
    return program


FALLBACKS = ("error", "scalar")


def _built(fn: Callable[..., Any], inputs: list[Value]) -> tuple[Value, ...]:
    """``fn(*inputs)`` as (root, *outputs), every one a Value."""
    result = fn(*inputs)
    nodes = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if not nodes or not all(isinstance(node, Value) for node in nodes):
        raise TypeError("trace: the function must return the root Value (or a tuple of the "
                        f"root and output Values), got {shown(result)}")
    return nodes


def _record(
    root: Value, leaves: dict[Value, int], outputs: list[Value]
) -> tuple[list[Instruction], list[float], int, list[int]]:
    """The instructions computing ``root`` from the numbered ``leaves``, the constants, and
    the slots of the root and of ``outputs``."""
    # One pass over the graph in topological order: each node is a constant (it depends on
    # no input or parameter) or an instruction. Constants are numbered after the
    # instructions, so an instruction reading one is made once all are numbered.
    slots: dict[Value, int] = dict(leaves)
    slot = slots.get
    constants: dict[Value, float] = {}
    instructions: list[Any] = []
    later: list[tuple[int, Value]] = []  # (index, node) of instructions reading a constant
    make, pow_op = Instruction._make, OPS["pow"]  # _make: the fastest way to a NamedTuple
    for node in topological_order(root):
        if node in slots:
            continue
        left, right = node._left, node._right
        if left is None or (left in constants and (right is None or right in constants)):
            constants[node] = node.data  # a leaf, or an op on constants
            continue
        op = node.op
        if type(op) is not Op:
            refuse_by_hand("trace", node)
        if op is pow_op and right not in constants:
            raise ValueError(f"trace: the exponent of {node!r} must be a constant")
        slots[node] = out = len(slots)
        a, b = slot(left), slot(right) if right is not None else -1
        if a is None or b is None:
            later.append((len(instructions), node))
        instructions.append(make((out, op, (a,) if right is None else (a, b), node.label)))
    if root in constants:
        raise ValueError("trace: the root depends on none of the inputs and params")
    for node in constants:
        slots[node] = len(slots)
    for k, node in later:
        args = node.parents
        instructions[k] = instructions[k]._replace(args=tuple(slots[a] for a in args))
    for k, node in enumerate(outputs):
        if node not in slots:
            raise ValueError(f"trace: outputs[{k}] = {node!r} is not a node of the root's graph")
    return instructions, list(constants.values()), slots[root], [slots[n] for n in outputs]


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
    leaves = check_values("trace", name, leaves)
    for k, leaf in enumerate(leaves):
        if leaf.op is not None:
            raise ValueError(
                f"trace: {name}[{k}] = {leaf!r} is not a leaf (it was made by {leaf.op.name})"
            )
    return leaves


def _numbers(name: str, a: ArrayLike) -> Array:
    """``a`` as a float array (at least 1-d); TypeError unless it holds numbers (not bools),
    ValueError for one too large for a float."""
    try:
        raw = np.asarray(a)
        if raw.dtype == bool:
            raise TypeError("got bools")
        return np.array(raw, dtype=float, ndmin=1)
    except (TypeError, ValueError) as e:
        what = "an array of numbers" if name == "X" else "numbers"
        raise TypeError(f"Program.run: {name} must be {what} ({e})") from None
    except OverflowError as e:
        raise ValueError(f"Program.run: {name} holds a number too large for a float "
                         f"({e})") from None


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
        self.returned = [root, *self.outputs]  # the slots ``run`` returns, in its order
        self.n_inputs = len(input_labels)
        self.n_leaves = self.n_inputs + len(params)
        self.n_named = self.n_leaves + len(instructions)  # slots with a name v{k}
        # Which slots depend on a parameter: only they need a gradient.
        need = [False] * (self.n_named + len(constants))
        need[self.n_inputs:self.n_leaves] = [True] * len(params)
        for out, _, args, _ in instructions:  # (args[-1] is args[0] for one argument)
            need[out] = need[args[0]] or need[args[-1]]
        self.need = need
        self.backward_order = [ins for ins in reversed(instructions) if need[ins.out]]
        self.cache: dict[Any, Any] = {}  # what a replay prepares once (replays.py)
        # Set by trace(fn, ...): the function that builds the graph, how many examples of
        # each batch to build again with it, and what to do with one that differs.
        self.fn: Callable[..., Any] | None = None
        self.check = 0
        self.fallback = "error"
        self._rng = random.Random(0)  # which examples are checked

    def __repr__(self) -> str:
        return (f"<Program: {self.n_inputs} inputs, {len(self.params)} params, "
                f"{len(self.instructions)} instructions>")

    # --- reading it ---------------------------------------------------------------------------
    def name(self, slot: int) -> str:
        """``v{slot}``, or a constant's number."""
        return f"v{slot}" if slot < self.n_named else repr(self.constants[slot - self.n_named])

    def label(self, slot: int) -> str:
        """A named slot's label (its input's, parameter's or instruction's), else ``""``."""
        if slot < self.n_inputs:
            return self.input_labels[slot]
        if slot < self.n_leaves:
            return self.params[slot - self.n_inputs].label
        return self.instructions[slot - self.n_leaves].label if slot < self.n_named else ""

    def shown(self, slot: int) -> str:
        """What a comment calls a slot: its label if it has one."""
        return self.label(slot) or self.name(slot)

    def _formula(self, ins: Instruction) -> str:
        """The instruction in the notes' notation, e.g. ``W[0,1]·x[0]``."""
        args = [self.shown(a) for a in ins.args]
        op = ins.op
        if len(args) == 1:
            return f"-{args[0]}" if op.name == "neg" else f"{op.symbol}({args[0]})"
        return "·".join(args) if op.name == "mul" else f" {op.symbol} ".join(args)

    def code(self, ins: Instruction) -> str:
        """The instruction as the listing writes it, ``v7 = mul(v3, v5)``."""
        return f"v{ins.out} = {ins.op.name}({', '.join(map(self.name, ins.args))})"

    def comment(self, ins: Instruction) -> str:
        """The instruction's comment: its label and formula, safe for a comment line."""
        formula = self._formula(ins)
        return comment_text(f"{ins.label} = {formula}" if ins.label else formula)

    def lines(self) -> list[tuple[str, str]]:
        """The Wengert list as (code, comment) pairs, one per slot with a name, then ``return``.

        The code holds no user text (slot names and numbers only); the comment holds labels,
        made safe for a comment line by ``comment_text``.
        """
        rows = [(f"v{k} = input[{k}]", comment_text(label))
                for k, label in enumerate(self.input_labels)]
        rows += [(f"v{self.n_inputs + k} = param[{k}]", comment_text(p.label))
                 for k, p in enumerate(self.params)]
        rows += [(self.code(ins), self.comment(ins)) for ins in self.instructions]
        rows.append((f"return {self.name(self.root)}", comment_text(self.label(self.root))))
        return rows

    def __str__(self) -> str:
        rows = self.lines()
        width = max(len(code) for code, comment in rows if comment) if any(
            comment for _, comment in rows) else 0
        counts = [f"{self.n_inputs} input{'s' * (self.n_inputs != 1)}",
                  f"{len(self.params)} param{'s' * (len(self.params) != 1)}",
                  f"{len(self.instructions)} instructions"]
        text = [f"# {', '.join(counts)}"]
        text += [f"{code:<{width}}  # {comment}" if comment else code for code, comment in rows]
        return "\n".join(text)

    # --- running it ---------------------------------------------------------------------------
    def run(
        self, X: ArrayLike, params: Sequence[float] | None = None, how: str | None = None,
        check: int | None = None, order: str = "matrix",
    ) -> tuple[Array, Array]:
        """The root for each row of ``X`` and the gradient of their sum w.r.t. the params.

        ``X`` has shape ``(B, len(inputs))``, one example per row; ``params`` holds one
        number per parameter (default: the parameters' current ``data``). Returns
        ``values`` of shape ``(B,)`` (``(B, 1 + len(outputs))`` when the program has
        outputs: the root's value, then theirs) and ``grads`` of shape ``(len(params),)``,
        where ``grads[k]`` = Σ over the batch of ∂root/∂params[k].

        ``how`` picks the replay (by default, the fastest measured for B; see
        ``replays.py``): ``"python"``, the generated Python one example at a time (for
        programs of at most ``replays.PYTHON_MAX`` instructions); ``"levels"``, one numpy
        call per group of independent instructions of one op; ``"each"``, one numpy call
        per instruction; ``"layers"``, the neurons found in the program (see ``layers()``)
        as matrix products, with ``order="scalar"`` summed in the scalar engine's order
        (the same floats, where numpy's functions give math's). Each gives the same numbers
        as the scalar engine, up to rounding.
        The batch runs in chunks of nearly equal size, so that its memory stays under
        ``replays.BATCH_BYTES`` (256 MiB: 16 bytes × slots × examples of a chunk; for
        layers, 16 bytes × the rows of the layered pass, ``layered.rows(program)``).

        An op that fails on some example (overflow, a value outside its domain) raises
        the scalar engine's error, naming the example, the instruction and its labels.

        A program traced from a function first builds ``check`` examples of the batch
        again (default: ``trace``'s ``check``; 0 skips it) and compares their graphs with
        the program (see ``trace``).
        """
        return self._run(X, params, how, check, order, backward=True)

    def values(
        self, X: ArrayLike, params: Sequence[float] | None = None, how: str | None = None,
        check: int | None = None, order: str = "matrix",
    ) -> Array:
        """``run``'s values alone: the forward pass, without the gradients."""
        return self._run(X, params, how, check, order, backward=False)[0]

    def layers(self) -> str:
        """The neurons recognised in the program, grouped into layers (what ``how="layers"``
        replays as matrix products), in the notes' notation, and the instructions that
        stayed scalar; see ``layered.py``."""
        return describe_layers(self)

    def to_torch(self, device: Any = None) -> Any:
        """A ``torch.nn.Module`` computing the program on a batch: layers as matrix
        products, parameters as one ``torch.nn.Parameter`` vector (``torch_module.py``;
        PyTorch is an optional extra)."""
        from .torch_module import to_torch

        return to_torch(self, device)

    def _run(self, X: ArrayLike, params: Sequence[float] | None, how: str | None,
             check: int | None, order: str, backward: bool) -> tuple[Array, Array]:
        X, p = self._check_x(X), self._check_params(params)
        n = self.check if check is None else check
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise TypeError(f"Program.run: check must be an int ≥ 0, got {n!r}")
        differ = self._differing(X, p, n) if self.fn is not None and n else {}
        if not differ:
            return replays.replay(self, X, p, how, backward, order)
        # fallback="scalar": those examples by the scalar engine, the others by the program
        keep = np.setdiff1d(np.arange(len(X)), list(differ))
        values = np.empty((len(X), len(self.returned)))
        grads = np.zeros(len(p))
        if len(keep):
            v, grads = replays.replay(self, X[keep], p, how, backward, order)
            values[keep] = v.reshape(len(keep), -1)
        for row, nodes in differ.items():
            values[row] = [node.data for node in nodes]
            if backward:
                grads += [g.data for g in grad(nodes[0], self.params)]
        warnings.warn(f"Program.run: {len(differ)} of the checked examples (rows "
                      f"{', '.join(map(str, sorted(differ)))}) build a different graph: computed "
                      "by the scalar engine; unchecked examples may differ too", stacklevel=3)
        return (values if self.outputs else values[:, 0]), grads

    def _differing(self, X: Array, p: list[float], n: int) -> dict[int, tuple[Value, ...]]:
        """Build ``n`` examples of ``X`` again with ``fn`` (the first, the last, others at
        random) and compare their instructions with the program's: the graphs (root, then
        outputs) of those that differ, by row (``fallback="scalar"``); else the error."""
        if p != [param.data for param in self.params]:
            raise ValueError("Program.run: a program traced from a function checks examples by "
                             "building them, with the parameters' own data: pass params=None "
                             "(or check=0)")
        fn, B = self.fn, len(X)
        assert fn is not None  # only a program traced from a function checks
        rows = [0, B - 1][:min(n, B)]
        rows += sorted(self._rng.sample(range(1, B - 1), min(n, B) - len(rows))) if B > 2 else []
        differ = {}
        for row in dict.fromkeys(rows):
            leaves = [Value(v, label=label) for v, label in zip(X[row].tolist(),
                                                                  self.input_labels)]
            with collector_paused():
                nodes = _built(fn, leaves)
                difference = self._difference(nodes, [*leaves, *self.params])
            if difference and self.fallback == "error":
                raise DifferentGraphError(row, difference)
            if difference:
                differ[row] = nodes
        return differ

    def _difference(self, nodes: tuple[Value, ...], leaves: list[Value]) -> str:
        """The first difference between the graph of ``nodes`` (the root, then the outputs)
        on the program's ``leaves`` and the program's instructions, or ``""``."""
        if "expected" not in self.cache:  # each instruction's op and arguments, constants
            self.cache["expected"] = [  # as their numbers
                (ins.op, [a if a < self.n_named else ("c", self.constants[a - self.n_named])
                          for a in ins.args]) for ins in self.instructions]
        expected = self.cache["expected"]
        slots = {leaf: k for k, leaf in enumerate(leaves)}
        constants: set[Value] = set()
        k = 0
        for node in topological_order(nodes[0]):
            if node in slots:
                continue
            parents = node.parents
            if all(map(constants.__contains__, parents)):
                constants.add(node)
                continue
            args = [slots.get(p, ("c", p.data)) for p in parents]
            if k == len(expected) or (node.op, args) != expected[k]:
                other = f"v{self.n_leaves + k} = {getattr(node.op, 'name', '')}(" + ", ".join(
                    f"v{a}" if isinstance(a, int) else repr(a[1]) for a in args) + ")"
                mine = self.code(self.instructions[k]) if k < len(expected) else "no more"
                return f"the traced graph has {mine}, this one {other}"
            slots[node] = self.n_leaves + k
            k += 1
        if k < len(expected):
            return f"the traced graph has {len(expected)} instructions, this one {k}"
        if [slots.get(node) for node in nodes] != self.returned:
            return "it returns other nodes"
        return ""

    def _check_x(self, X: ArrayLike) -> Array:
        n = self.n_inputs
        X = _numbers("X", X)
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
        p = _numbers("params", params)
        if p.shape != (len(self.params),):
            raise ValueError(f"Program.run: params must hold {len(self.params)} numbers, one "
                             f"per parameter; got shape {p.shape}")
        bad = np.flatnonzero(~np.isfinite(p))
        if len(bad):
            raise ValueError(f"Program.run: params[{bad[0]}] is {p[bad[0]]}; "
                             "parameters must be finite numbers")
        return [float(v) for v in p]

    # --- pickling: the ops by name (the table's rules are functions), nothing prepared ------
    def __getstate__(self) -> dict[str, Any]:
        """A program traced from a function pickles with it: the function must reach the
        parameters through what is pickled (a method or a ``functools.partial`` of the
        model), not through a global, or the copy's check finds other leaves."""
        if self.fn is not None:
            try:
                pickle.dumps(self.fn)
            except (pickle.PicklingError, AttributeError, TypeError) as e:
                raise TypeError(f"Program: cannot pickle a program traced from {self.fn!r} "
                                f"({e}); trace from a function defined at the top level of "
                                "a module") from None
        return {**vars(self), "cache": {},
                "instructions": [(ins.out, ins.op.name, ins.args, ins.label)
                                 for ins in self.instructions],
                "backward_order": [ins.out for ins in self.backward_order]}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self.instructions = [Instruction(out, OPS[name], args, label)
                             for out, name, args, label in state["instructions"]]
        self.backward_order = [self.instructions[out - self.n_leaves]
                               for out in state["backward_order"]]

    # --- straight-line Python -----------------------------------------------------------------
    def python_source(self, backward: bool = True) -> str:
        """A Python function ``program(x, p) -> (values, grads, finite)`` for one example.

        ``values`` holds the root's value, then the outputs'; ``grads`` one per parameter
        (none with ``backward=False``: the forward pass alone).

        The op table's rules are run on ``Code`` (see ``ops.py``), so each line is the
        table's rule written out; ``finite`` is False if any value or gradient is not.
        """
        return replays.python_source(self, backward)

    def compiled(
        self, backward: bool = True
    ) -> Callable[[list[float], list[float]], tuple[tuple[float, ...], list[float], bool]]:
        """``python_source(backward)`` compiled (once, then cached); ``ValueError`` for a
        program of more than ``replays.PYTHON_MAX`` instructions (compiling costs memory)."""
        return replays.compiled(self, backward)

    def _check_against(self, root: Value, x: list[float]) -> None:
        """The program on the traced example must give the graph's value and gradients."""
        p = [p.data for p in self.params]
        try:
            (value, *_), grads = replays.run_checked(self, x, p, 0, backward=True)
        except (ArithmeticError, ValueError):
            value, grads = None, []
        expected = [g.data for g in grad(root, self.params)] if self.params else []
        if value != root.data or grads != expected:
            raise ValueError(
                "trace: the program does not reproduce the graph on the traced example "
                f"(value {value!r} vs {root.data!r}); was a leaf's data changed after the "
                "graph was built?"
            )
