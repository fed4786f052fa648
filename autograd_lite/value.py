"""``Value``: a scalar that remembers how it was computed.

Every arithmetic operation on ``Value`` objects returns a new ``Value`` holding the result
(``data``), the op that made it, and the tuple of its inputs (``parents``). Together they
form the computation graph that ``backward()`` walks to apply the chain rule. A node holds
no closure and no reference to its children, so a graph is freed the moment its root is.

>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> y = a * b + a
>>> y.backward()
>>> y.data, a.grad, b.grad
(-4.0, -2.0, 2.0)
"""

from __future__ import annotations

import inspect
import math
import numbers
import threading
from collections.abc import Callable
from typing import Any

from .ops import GENERICS, OPS, Code, Op, source

__all__ = ["Value"]

_isfinite = math.isfinite
writing_grads = threading.RLock()  # held while the engine writes .grad (or reads all of them)
_SCOPE: dict[str, Any] = dict(GENERICS)  # what the written-out methods see (completed below)


def _recorder(name: str, doc: str, reflected: bool = False) -> Callable[..., Value]:
    """The method that runs the op ``OPS[name]`` and records its node: written out as
    Python from the op's row, so the hot path is plain float arithmetic in one frame.

    The row's value and local-derivative rules, run on ``Code``, give the lines that
    compute them (the rules stay written once, in ``ops.py``); a rule that cannot be
    written out (pow's exponent must be a number) is called instead. A binary method
    turns a number on the other side into a constant leaf (``reflected``: the number is
    the left input), or returns ``NotImplemented`` for anything else, so that Python asks
    it (a numpy array then applies the op to each element, as it does on its own side).
    The local derivatives are stored on the node as floats, so ``backward()`` differentiates
    the graph as it was computed, whatever happens to ``.data`` afterwards; where they are
    not defined (√x at 0) they are ``None``, and the walk that needs them raises.
    """
    op = OPS[name]
    xs = ["x0", "x1"][: len(inspect.signature(op.derivatives).parameters) - 1]
    value = _written_out(lambda: op.value(*map(Code, xs)), f"value({', '.join(xs)})")
    derivatives = _written_out(lambda: op.derivatives(*map(Code, xs), Code("y")),
                               f"derivatives({', '.join(xs)}, y)")
    inputs = "(a, b)" if len(xs) == 2 else "(a,)"
    if len(xs) == 2:
        lines = ["def method(self, other):",
                 "    if type(other) is not Value:",
                 "        other = constant(op, other)",
                 "        if other is NotImplemented:",
                 "            return other",
                 f"    a, b = {'other, self' if reflected else 'self, other'}"]
    else:
        lines = ["def method(self):", "    a = self"]
    lines += [*(f"    {x} = {v}.data" for x, v in zip(xs, "ab")),
              "    try:",
              f"        y = {value}",
              "    except (ArithmeticError, ValueError) as e:",
              f"        raise type(e)(describe_failure(op, {inputs}, e)) from None",
              "    if y - y:  # 0.0 for a finite y, nan (true) for ±inf",
              f"        raise OverflowError(describe_failure(op, {inputs}, 'the result is not "
              "a finite float'))",
              "    try:",
              f"        d0, d1 = {derivatives}" if len(xs) == 2 else
              f"        d0, = {derivatives}",
              "    except (ArithmeticError, ValueError):",
              "        d0 = d1 = None",
              "    node = new(Value)",
              "    node.data = y",
              "    node.grad = 0.0",
              "    node.label = ''",
              "    node.op = op",
              "    node._left = a",
              f"    node._right = {'b' if len(xs) == 2 else 'None'}",
              "    node._d_left = d0",
              f"    node._d_right = {'d1' if len(xs) == 2 else 'None'}",
              "    return node"]
    # op, value and derivatives reach the method as closure cells; all else from _SCOPE.
    factory = ["def make(op, value, derivatives):", *("    " + line for line in lines),
               "    return method"]
    scope: dict[str, Any] = {}
    exec("\n".join(factory), _SCOPE, scope)  # noqa: S102 - code written from the op table
    method = scope["make"](op, op.value, op.derivatives)
    method.__module__, method.__doc__ = __name__, doc  # its name is set with the class's
    return method


def _written_out(rule: Callable[[], Any], call: str) -> str:
    """The rule run on ``Code``, as source; ``call`` if it cannot be written out."""
    try:
        result = rule()
    except (AttributeError, TypeError):
        return call
    if isinstance(result, tuple):
        return ", ".join(map(source, result)) + ("," if len(result) == 1 else "")
    return source(result)


class Value:
    """A scalar node of a computation graph.

    Attributes:
        data: the value, a finite float.
        grad: ∂(root)/∂(this node), accumulated by ``backward()``; starts at 0.0.
        label: an optional name, shown when the graph is drawn.
        op: the ``Op`` that produced this node; ``None`` for a leaf.
        parents: the inputs of that op, in order, duplicates kept (``a*a`` has two).

    Every ``Value`` holds a finite float. A leaf made from NaN or ±inf raises
    ``ValueError``; an op whose result would overflow or leave its domain raises
    (``OverflowError``, ``ValueError``, ``ZeroDivisionError``) naming the op and inputs.

    A node stores its local derivatives (∂data/∂input, floats) when it is computed, so
    ``backward()``, ``grad()`` and ``backward_steps()`` differentiate the graph as it was
    computed: setting an input's ``.data`` afterwards recomputes nothing (build the graph
    again for new numbers). ``grad(..., create_graph=True)``, which records the derivatives
    from the nodes' ``data``, raises ``ValueError`` naming the node whose inputs changed.

    The constructor takes micrograd's arguments, ``Value(data, _children=(), _op='',
    label='')``, so its lecture code runs; ``_prev``, ``_op`` and ``_backward`` read the
    graph as micrograd names them. An op records its own node with its inputs (``a * b``);
    a node can also be made by hand, the lecture's way, from one or two inputs::

        out = Value(math.tanh(x.data), (x,), 'tanh')
        def _backward():
            x.grad += (1 - out.data**2) * out.grad
        out._backward = _backward

    When ``_backward`` is set, the engine calls it once to learn the node's local
    derivatives (see ``_backward``); from then on the node works with ``backward()``,
    ``grad()``, ``backward_steps``, ``draw``, ``explain`` and the page. Walking a node made
    by hand whose ``_backward`` was never set raises, naming it (its inputs would otherwise
    silently get no gradient); ``trace`` and ``grad(..., create_graph=True)``, which need
    the op's rule and not only a function that applies it, refuse it: add such an op with
    ``define_op`` instead. The same input given twice (``(a, a)``) counts once, as in
    micrograd's ``_prev``: its local derivative is then the sum of both uses.
    """

    # Every op takes one or two inputs: they are held in two slots rather than a tuple,
    # which keeps a node at one allocation the garbage collector tracks instead of two.
    # The local derivatives ∂data/∂input are two more, computed when the node is.
    __slots__ = ("data", "grad", "label", "op", "_left", "_right", "_d_left", "_d_right")

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = "") -> None:
        # data - data is 0.0 for a finite float, nan (true) for ±inf and nan
        self.data = data if type(data) is float and not data - data else _as_float(data)
        self.grad = 0.0
        if type(label) is not str:
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}: "
                            f"{shown(label)}")
        self.label = label
        self.op: Op | None = None
        self._left: Value | None = None  # the op's first input
        self._right: Value | None = None  # its second input, for a binary op
        self._d_left: float | None = None  # ∂data/∂(first input), for a node made by an op
        self._d_right: float | None = None  # ∂data/∂(second input)
        if _children or _op:
            self._made_by_hand(_children, _op)

    def _made_by_hand(self, children: Any, symbol: Any) -> None:
        """Inputs and an op given to the constructor: a node made the lecture's way."""
        where = f"Value({shown(self.data)}, _children={shown(children)}, _op={shown(symbol)})"
        if type(symbol) is not str:
            raise TypeError(f"{where}: _op must be a str, got {type(symbol).__name__}")
        try:
            inputs = list(dict.fromkeys(children))  # (a, a) counts once, as in micrograd
        except TypeError:
            raise TypeError(f"{where}: _children must be a tuple of Values") from None
        if not all(isinstance(x, Value) for x in inputs):
            raise TypeError(f"{where}: _children must be a tuple of Values")
        if not 1 <= len(inputs) <= 2:
            raise ValueError(
                f"{where}: a node made by hand takes one or two inputs, got {len(inputs)}; "
                "build it from ops of one or two inputs, or add the op with define_op")
        self.op = ByHand(symbol)
        self._left = inputs[0]
        self._right = inputs[1] if len(inputs) == 2 else None

    def __repr__(self) -> str:
        """``Value(data=..., grad=..., label=...)``: what the node holds now."""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        """``float(v)``: the plain number ``data``."""
        return self.data

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of ``op``, in order, duplicates kept; ``()`` for a leaf."""
        if self._right is not None:
            return (self._left, self._right)
        return () if self._left is None else (self._left,)

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name: the set of this node's inputs (``a*a`` gives one)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name: the symbol of the op that made this node; ``''`` for a leaf."""
        return "" if self.op is None else self.op.symbol

    # --- arithmetic; numbers on either side become constant leaves ----------------------
    # Each op method is written out from its row of the op table (``_recorder`` below).
    __add__ = _recorder("add", "``self + other``: the sum; a number ``other`` becomes a "
                        "constant leaf.")
    __radd__ = _recorder("add", "``other + self`` for a number ``other``: the sum.",
                         reflected=True)
    __sub__ = _recorder("sub", "``self - other``: the difference; a number ``other`` becomes "
                        "a constant leaf.")
    __rsub__ = _recorder("sub", "``other - self`` for a number ``other``: the difference.",
                         reflected=True)
    __mul__ = _recorder("mul", "``self * other``: the product; a number ``other`` becomes a "
                        "constant leaf.")
    __rmul__ = _recorder("mul", "``other * self`` for a number ``other``: the product.",
                         reflected=True)
    __truediv__ = _recorder("div", "``self / other``: the quotient; needs ``other ≠ 0``.")
    __rtruediv__ = _recorder("div", "``other / self`` for a number ``other``: the quotient; "
                             "needs ``self ≠ 0``.", reflected=True)
    __neg__ = _recorder("neg", "``-self``: the negation.")

    def __pos__(self) -> Value:
        """``+self``: this same node (no new node is recorded)."""
        return self

    def __pow__(self, exponent: Value | float) -> Value:
        """``x ** k`` for a number ``k``; ``x ** e`` for a ``Value`` ``e`` needs ``x > 0``
        (or ``x = 0`` and ``e ≥ 0``)."""
        return (_pow_var if isinstance(exponent, Value) else _pow)(self, exponent)

    __rpow__ = _recorder("rpow", "``base ** self`` for a number ``base`` (a constant): needs "
                         "``base > 0``, or ``base = 0`` and ``self ≥ 0``.", reflected=True)
    __abs__ = _recorder("abs", "``abs(self)``: |x|, the same as ``self.abs()``.")

    # --- functions ------------------------------------------------------------------------
    exp = _recorder("exp", "e^x; overflows (``OverflowError``) beyond x ≈ 709.78.")
    log = _recorder("log", "Natural logarithm; needs ``data > 0``.")
    sqrt = _recorder("sqrt", "√x; needs ``data ≥ 0`` (and ``data > 0`` for its derivative).")
    tanh = _recorder("tanh", "Hyperbolic tangent, (e^x − e^-x) / (e^x + e^-x).")
    sigmoid = _recorder("sigmoid", "1 / (1 + e^-x), stable for any finite x.")
    relu = _recorder("relu", "max(x, 0); its derivative at 0 is taken as 0, as in PyTorch.")
    softplus = _recorder("softplus", "log(1 + e^x), stable for any finite x.")
    abs = _recorder("abs", "|x|; its derivative at 0 is taken as 0, as in PyTorch.")
    sin = _recorder("sin", "Sine (x in radians).")
    cos = _recorder("cos", "Cosine (x in radians).")

    # --- gradients ------------------------------------------------------------------------
    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's name: this node's own chain-rule step, which adds
        ``∂self/∂input · self.grad`` to each input's ``.grad`` (a leaf's does nothing).

        Called node by node from the root, with ``root.grad = 1.0`` first, it is the
        backward pass by hand, as in the lecture. For a node made by hand it is the function
        you set. Setting it calls that function twice, at once, to learn the node's local
        derivatives: with ``self.grad = 1`` and each input's grad 0, what it adds to an
        input is ∂self/∂input; with ``self.grad = 2`` and each input's grad 1, it must leave
        1 + 2·∂self/∂input (it adds, ``+=``, an amount proportional to ``self.grad``, as
        micrograd's do), else ``ValueError`` says what it did. Every grad is put back after.
        That is sound for any function of micrograd's form, ``x.grad += d * out.grad``
        with ``d`` fixed when the node is made; the engine then uses ``d``, as it uses the
        local derivatives an op stores.
        """
        if isinstance(self.op, ByHand) and self.op.closure is not None:
            return self.op.closure
        return self._chain_rule_step

    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None:
        if not isinstance(self.op, ByHand):
            made = "a leaf" if self.op is None else f"made by the {self.op.name} op"
            raise AttributeError(f"{self!r} is {made}: only a node made by hand, "
                                 "Value(data, _children, _op), takes a _backward")
        if not callable(closure):
            raise TypeError(f"{self!r}: _backward must be a function, got "
                            f"{type(closure).__name__}")
        self._d_left, self._d_right = (*_probe(self, closure), None)[:2]
        self.op.closure = closure

    def _chain_rule_step(self) -> None:
        g = self.grad
        for x, d in zip(self.parents, self.local_derivatives()):
            x.grad += d * g

    def local_derivatives(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, in order, as stored when this node was computed
        (empty for a leaf). An error names the node if they were not defined there (√x at 0).

        >>> a, b = Value(2.0), Value(5.0)
        >>> (a * b).local_derivatives()
        (5.0, 2.0)
        """
        if self._left is None:
            return ()
        if self._d_left is None:
            raise derivative_failure(self)
        return (self._d_left,) if self._right is None else (self._d_left, self._d_right)

    def backward(self) -> None:
        """Add ∂self/∂v to ``v.grad`` for every node ``v`` of the graph, ``self`` included.

        Gradients *accumulate*, as in PyTorch: a second call adds the same amounts again.
        Call ``zero_grad()`` (or set ``.grad = 0.0``) between steps.
        """
        from .backprop import backward

        backward(self)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on every node of this graph."""
        from .backprop import zero_grad

        zero_grad(self)


def _as_float(x: Any) -> float:
    if type(x) is not float and (isinstance(x, bool) or not isinstance(x, numbers.Real)):
        raise TypeError(
            f"Value: data must be a real number (int or float), got {type(x).__name__}: "
            f"{shown(x)}"
        )
    try:
        x = float(x)
    except OverflowError:  # an int (or Fraction) beyond the largest float
        raise OverflowError(
            f"Value: data must be a number a float can hold (|x| < 1.8e308), got {shown(x)}"
        ) from None
    if not _isfinite(x):
        raise ValueError(f"Value: data must be a finite number, got {x}; NaN and ±inf are "
                         "not allowed")
    return x


def shown(x: object) -> str:
    """``repr(x)`` for an error message: at most 60 characters, and an int too long for
    Python to print (past 4,300 digits) or to hold as a float given by its number of digits."""
    if isinstance(x, numbers.Integral) and not isinstance(x, bool) and abs(x) > 10**60:
        return f"an int of {int(math.log10(abs(x))) + 1} digits"
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def constant(op: Op, x: Any) -> Value | Any:
    """``x``, the other input of ``op``, as a ``Value``: itself if it is one (a subclass),
    else a constant leaf; ``NotImplemented`` if it is not a real number."""
    if isinstance(x, Value):
        return x
    try:
        return Value(x)
    except TypeError:
        return NotImplemented
    except (OverflowError, ValueError) as e:
        raise type(e)(f"{op.name}: {e}") from None


_pow = _recorder("pow", "``x ** k`` for a number ``k``.")
_pow_var = _recorder("pow_var", "``x ** e`` for a ``Value`` ``e``.")


class ByHand(Op):
    """The op of a node made by hand, the lecture's way (``Value(data, _children, _op)``):
    the engine knows only what its ``_backward`` function adds (``closure``), not a rule
    it could record (``grad(..., create_graph=True)``) or replay (``trace``)."""

    __slots__ = ("closure",)

    def __init__(self, symbol: str) -> None:
        super().__init__(symbol or "by hand", symbol, _no_rule, _no_rule)
        self.closure: Callable[[], None] | None = None


def _no_rule(*args: Any) -> Any:
    raise TypeError("an op made by hand has no rule, only a _backward function; "
                    "add it with define_op to record or replay it")


def refuse_by_hand(where: str, node: Value) -> None:
    """TypeError naming ``node`` if it was made by hand: ``where`` needs the op's rule."""
    if isinstance(node.op, ByHand):
        raise TypeError(
            f"{where}: {node!r} was made by hand (Value(data, _children, _op) with a "
            "_backward function), which the engine can call but not record or replay; "
            "add the op with autograd_lite.define_op(...) to use it here")


def _probe(node: Value, closure: Callable[[], None]) -> list[float]:
    """The local derivatives of a node made by hand, learnt from its ``_backward`` (see
    ``Value._backward``); every grad it touches is put back."""
    inputs = node.parents
    touched = [node, *inputs]
    with writing_grads:  # no other thread writes these grads meanwhile
        before = [v.grad for v in touched]
        try:
            node.grad = 1.0
            for x in inputs:
                x.grad = 0.0
            closure()
            once = [x.grad for x in inputs]
            node.grad = 2.0
            for x in inputs:
                x.grad = 1.0
            closure()
            twice = [x.grad for x in inputs]
        except Exception as e:
            raise ValueError(f"{node!r}: its _backward raised {type(e).__name__} when called "
                             f"with {_op_name(node)}.grad = 1: {e}") from e
        finally:
            for v, g in zip(touched, before):
                v.grad = g
    for x, d, d2 in zip(inputs, once, twice):
        name = x.label or "its input"
        if type(d) is not float or not _isfinite(d):
            raise ValueError(
                f"{node!r}: its _backward, called with {_op_name(node)}.grad = 1 and "
                f"{name}.grad = 0, left {name}.grad = {shown(d)}, not a finite float "
                "(use .data for numbers: x.grad += d * out.grad)")
        if not math.isclose(d2, 1.0 + 2.0 * d, rel_tol=1e-9, abs_tol=1e-300):
            raise ValueError(
                f"{node!r}: its _backward must add d * out.grad to {name}.grad (+=): "
                f"with out.grad = 1 it added {d!r}, so with out.grad = 2 and {name}.grad = 1 "
                f"it should leave {1.0 + 2.0 * d!r}, but left {shown(d2)} (= where += "
                "belongs, or out.grad left out?)")
    return once


def _op_name(node: Value) -> str:
    return node.label or "out"


def describe_failure(op: Op, parents: tuple[Value, ...], reason: object) -> str:
    """A one-line message naming the op, its inputs (with labels) and what went wrong."""
    args = ", ".join(f"{p.label}={p.data!r}" if p.label else repr(p.data) for p in parents)
    domain = f"; {op.name} needs {op.domain}" if op.domain else ""
    return f"{op.name}({args}): {reason}{domain}"


def derivative_failure(node: Value) -> ArithmeticError | ValueError:
    """The error for a node whose local derivatives were not defined where it was computed
    (√x at 0): the op, its inputs and why, as the op's rule says it; for a node made by
    hand, that its ``_backward`` was never set."""
    parents = node.parents
    if isinstance(node.op, ByHand):
        return ValueError(
            f"{node!r} was made by hand with inputs {list(parents)} but its _backward was "
            "never set, so the engine cannot send them its gradient: set node._backward to "
            "a function that adds d * out.grad to each input's grad, or add the op with "
            "autograd_lite.define_op")
    try:
        node.op.derivatives(*[p.data for p in parents], node.data)
    except (ArithmeticError, ValueError) as e:
        return type(e)(describe_failure(node.op, parents, f"derivative: {e}"))
    return ValueError(describe_failure(
        node.op, parents, "derivative: not defined at the inputs it was computed from "
        "(their data has changed since)"))


for _name, _method in vars(Value).items():  # the written-out methods learn their names
    if inspect.isfunction(_method):
        _method.__name__, _method.__qualname__ = _name, f"Value.{_name}"
_SCOPE.update(Value=Value, new=object.__new__, constant=constant,
              describe_failure=describe_failure)
