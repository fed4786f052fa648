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

import math
import numbers
from typing import Any

from .ops import OPS, Op

__all__ = ["Value"]

_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_POW, _POW_VAR, _RPOW = OPS["pow"], OPS["pow_var"], OPS["rpow"]
_isfinite = math.isfinite


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

    The constructor takes micrograd's arguments, ``Value(data, _children=(), _op='',
    label='')``, so its lecture code runs; ``_prev`` and ``_op`` read the graph as
    micrograd names it. A ``Value`` you make is always a leaf: an op records its own node
    with its inputs (``a * b``), so ``_children`` and ``_op`` must be left empty. A node
    made by hand would have inputs but no derivative rule, and its inputs would silently
    get no gradient; so non-empty ones raise ``ValueError``.
    """

    # Every op takes one or two inputs: they are held in two slots rather than a tuple,
    # which keeps a node at one allocation the garbage collector tracks instead of two.
    __slots__ = ("data", "grad", "label", "op", "_left", "_right", "_walk")

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = "") -> None:
        if _children or _op:
            raise ValueError(
                f"Value({data!r}, _children={_children!r}, _op={_op!r}): a Value you make "
                "is a leaf; ops record their own inputs (write a * b, a.tanh()). "
                "A label goes in label=..."
            )
        self.data = _as_float(data)
        self.grad = 0.0
        if type(label) is not str:
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}: "
                            f"{shown(label)}")
        self.label = label
        self.op: Op | None = None
        self._left: Value | None = None  # the op's first input
        self._right: Value | None = None  # its second input, for a binary op
        self._walk: object = None  # the stamp of the last graph walk that reached this node

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
    def __add__(self, other: Value | float) -> Value:
        """``self + other``: the sum; a number ``other`` becomes a constant leaf."""
        return _binary(_ADD, self, other)

    def __radd__(self, other: float) -> Value:
        """``other + self`` for a number ``other``: the sum."""
        return _binary(_ADD, other, self)

    def __sub__(self, other: Value | float) -> Value:
        """``self - other``: the difference; a number ``other`` becomes a constant leaf."""
        return _binary(_SUB, self, other)

    def __rsub__(self, other: float) -> Value:
        """``other - self`` for a number ``other``: the difference."""
        return _binary(_SUB, other, self)

    def __mul__(self, other: Value | float) -> Value:
        """``self * other``: the product; a number ``other`` becomes a constant leaf."""
        return _binary(_MUL, self, other)

    def __rmul__(self, other: float) -> Value:
        """``other * self`` for a number ``other``: the product."""
        return _binary(_MUL, other, self)

    def __truediv__(self, other: Value | float) -> Value:
        """``self / other``: the quotient; needs ``other ≠ 0``."""
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other: float) -> Value:
        """``other / self`` for a number ``other``: the quotient; needs ``self ≠ 0``."""
        return _binary(_DIV, other, self)

    def __neg__(self) -> Value:
        """``-self``: the negation."""
        return _unary(_NEG, self)

    def __pos__(self) -> Value:
        """``+self``: this same node (no new node is recorded)."""
        return self

    def __pow__(self, exponent: Value | float) -> Value:
        """``x ** k`` for a number ``k``; ``x ** e`` for a ``Value`` ``e`` needs ``x > 0``
        (or ``x = 0`` and ``e ≥ 0``)."""
        return _binary(_POW_VAR if isinstance(exponent, Value) else _POW, self, exponent)

    def __rpow__(self, base: float) -> Value:
        """``base ** self`` for a number ``base`` (a constant): needs ``base > 0``, or
        ``base = 0`` and ``self ≥ 0``."""
        return _binary(_RPOW, base, self)

    def __abs__(self) -> Value:
        """``abs(self)``: |x|, the same as ``self.abs()``."""
        return _unary(OPS["abs"], self)

    # --- functions ------------------------------------------------------------------------
    def exp(self) -> Value:
        """e^x; overflows (``OverflowError``) beyond x ≈ 709.78."""
        return _unary(OPS["exp"], self)

    def log(self) -> Value:
        """Natural logarithm; needs ``data > 0``."""
        return _unary(OPS["log"], self)

    def sqrt(self) -> Value:
        """√x; needs ``data ≥ 0`` (and ``data > 0`` for its derivative)."""
        return _unary(OPS["sqrt"], self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, (e^x − e^-x) / (e^x + e^-x)."""
        return _unary(OPS["tanh"], self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), stable for any finite x."""
        return _unary(OPS["sigmoid"], self)

    def relu(self) -> Value:
        """max(x, 0); its derivative at 0 is taken as 0, as in PyTorch."""
        return _unary(OPS["relu"], self)

    def softplus(self) -> Value:
        """log(1 + e^x), stable for any finite x."""
        return _unary(OPS["softplus"], self)

    def abs(self) -> Value:
        """|x|; its derivative at 0 is taken as 0, as in PyTorch."""
        return _unary(OPS["abs"], self)

    def sin(self) -> Value:
        """Sine (x in radians)."""
        return _unary(OPS["sin"], self)

    def cos(self) -> Value:
        """Cosine (x in radians)."""
        return _unary(OPS["cos"], self)

    # --- gradients ------------------------------------------------------------------------
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


def _node(data: float, op: Op, left: Value, right: Value | None = None) -> Value:
    """A new non-leaf node (skips the leaf's input checks: ``data`` is a checked float)."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node.op = op
    node._left = left
    node._right = right
    node._walk = None
    return node


_new = object.__new__


def _unary(op: Op, x: Value) -> Value:
    """Run ``op`` on ``x`` and record the result as a new node."""
    try:
        y = op.value(x.data)
    except (ArithmeticError, ValueError) as e:
        raise type(e)(describe_failure(op, (x,), e)) from None
    return _node(y, op, x) if _isfinite(y) else _overflow(op, (x,))


def _binary(op: Op, a: Value | float, b: Value | float) -> Value:
    """Run ``op`` on ``a`` and ``b`` (a number becomes a constant leaf); record the result.

    ``NotImplemented`` when the other side is not a real number, so that Python asks it
    (a numpy array then applies the op to each element, as it does on its own side).
    """
    try:
        if not isinstance(a, Value):
            a = Value(a)
        if not isinstance(b, Value):
            b = Value(b)
    except TypeError:
        return NotImplemented
    except (OverflowError, ValueError) as e:
        raise type(e)(f"{op.name}: {e}") from None
    try:
        y = op.value(a.data, b.data)
    except (ArithmeticError, ValueError) as e:
        raise type(e)(describe_failure(op, (a, b), e)) from None
    return _node(y, op, a, b) if _isfinite(y) else _overflow(op, (a, b))


def _overflow(op: Op, parents: tuple[Value, ...]) -> Value:
    raise OverflowError(describe_failure(op, parents, "the result is not a finite float"))


def describe_failure(op: Op, parents: tuple[Value, ...], reason: object) -> str:
    """A one-line message naming the op, its inputs (with labels) and what went wrong."""
    args = ", ".join(f"{p.label}={p.data!r}" if p.label else repr(p.data) for p in parents)
    domain = f"; {op.name} needs {op.domain}" if op.domain else ""
    return f"{op.name}({args}): {reason}{domain}"
