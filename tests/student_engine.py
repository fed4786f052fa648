"""A student's engine, micrograd-style (a closure per op, ``_prev``, ``_op``), correct, and
``engine(bug)``: the same engine with one bug planted, as students plant them. The grader
``autograd_lite.check_engine`` is tested on each (tests/test_engine_check.py).

Written for these tests; it is deliberately plain, the way the lecture writes its Value.
"""

from __future__ import annotations

import math

BUGS = (
    "no-seed",  # backward() never sets the root's grad to 1
    "overwrite-add",  # add's backward writes = where += belongs
    "overwrite-mul",  # mul's backward writes = where += belongs
    "tanh-of-input",  # tanh' taken as 1 − x², x the input
    "mul-swapped",  # each input of a product gets its own number as the factor
    "exp-derivative",  # exp' taken as x
    "pow-derivative",  # (x**k)' taken as k·x**k
    "no-rmul",  # no __rmul__: 2 * v fails
    "no-wrap",  # a number on the right of + is not turned into a Value
    "recursive-sort",  # the topological sort recurses once per node
    "breadth-first",  # the walk goes breadth first from the root, not in topological order
    "no-visited",  # the topological sort lists a node once per use
    "not-reversed",  # the walk goes leaves first
)


def engine(bug: str | None = None) -> type:
    """The student's Value class, with ``bug`` planted (one of ``BUGS``) or none."""
    if bug is not None and bug not in BUGS:
        raise ValueError(f"no such bug: {bug!r}")

    class Value:
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            # micrograd's set(_children), kept in order so each test run walks alike
            self._prev = tuple(dict.fromkeys(_children))
            self._op = _op

        def __add__(self, other):
            if bug != "no-wrap":
                other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward():
                if bug == "overwrite-add":
                    self.grad = out.grad
                    other.grad = out.grad
                else:
                    self.grad += out.grad
                    other.grad += out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward():
                if bug == "overwrite-mul":
                    self.grad = other.data * out.grad
                    other.grad = self.data * out.grad
                elif bug == "mul-swapped":
                    self.grad += self.data * out.grad
                    other.grad += other.data * out.grad
                else:
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
            out._backward = _backward
            return out

        def __pow__(self, k):
            out = Value(self.data**k, (self,), f"**{k}")

            def _backward():
                power = k if bug == "pow-derivative" else k - 1
                self.grad += k * self.data**power * out.grad
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():
                x = self.data if bug == "tanh-of-input" else t
                self.grad += (1 - x**2) * out.grad
            out._backward = _backward
            return out

        def exp(self):
            out = Value(math.exp(self.data), (self,), "exp")

            def _backward():
                self.grad += (self.data if bug == "exp-derivative" else out.data) * out.grad
            out._backward = _backward
            return out

        def relu(self):
            out = Value(max(self.data, 0.0), (self,), "ReLU")

            def _backward():
                self.grad += (out.data > 0) * out.grad
            out._backward = _backward
            return out

        def __neg__(self):
            return self * -1

        def __radd__(self, other):
            return self + other

        def __sub__(self, other):
            return self + (-other)

        def __rsub__(self, other):
            return other + (-self)

        def __rmul__(self, other):
            return self * other

        def __truediv__(self, other):
            return self * other**-1

        def __rtruediv__(self, other):
            return other * self**-1

        def backward(self):
            for v in _order(self, bug):
                v._backward()

    if bug == "no-rmul":
        del Value.__rmul__
    original = Value.backward

    def backward(self):
        if bug != "no-seed":
            self.grad = 1.0
        original(self)

    Value.backward = backward
    return Value


def _order(root, bug):
    """The nodes in the order the walk handles them: root first, each node after every
    node that uses it (unless the bug says otherwise)."""
    if bug == "breadth-first":
        seen, queue = {root}, [root]
        for v in queue:
            for child in v._prev:
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
        return queue
    if bug == "recursive-sort":
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(root)
        return reversed(topo)
    topo, visited, stack = [], set(), [(root, False)]
    while stack:  # a depth-first sort with a stack of its own: deep graphs are fine
        v, expanded = stack.pop()
        if expanded:
            topo.append(v)
        elif bug == "no-visited" or v not in visited:
            visited.add(v)
            stack.append((v, True))
            stack.extend((child, False) for child in v._prev)
    return topo if bug == "not-reversed" else reversed(topo)


Value = engine()  # the correct engine, for ``autograd-lite check-engine student_engine.py:Value``
