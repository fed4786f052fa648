"""micrograd's lecture, the backward pass by hand: ``node._backward()`` node by node, and ops
added the lecture's way, ``Value(data, _children, _op)`` with a ``_backward`` closure.

The expected numbers are the ones the lecture shows (worked out by hand in its cells)."""

from __future__ import annotations

import math

import pytest
from test_lecture import lecture_topological_order

from autograd_lite import Value, backward_steps, draw, explain, grad, topological_order, trace
from autograd_lite.page.script import script

B = 6.8813735870195432  # the lecture's bias: n = 0.8814, o = tanh(n) = 0.7071


def neuron():
    """The lecture's neuron: o = tanh(x1·w1 + x2·w2 + b), every node labelled."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(B, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2,
                n=n, o=o)


LECTURE_GRADS = {"o": 1.0, "n": 0.5, "b": 0.5, "x1w1x2w2": 0.5, "x1w1": 0.5, "x2w2": 0.5,
                 "x2": 0.5, "w2": 0.0, "x1": -1.5, "w1": 1.0}


def check_lecture_grads(v):
    assert v["o"].data == pytest.approx(0.7071, abs=5e-5)
    for name, g in LECTURE_GRADS.items():
        assert v[name].grad == pytest.approx(g, abs=1e-12), name


def test_backward_by_hand_node_by_node():
    v = neuron()
    v["o"].grad = 1.0
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"):
        v[name]._backward()
    check_lecture_grads(v)


def test_a_leafs_backward_does_nothing():
    v = neuron()
    v["x1"].grad = 3.0
    v["x1"]._backward()
    assert [n.grad for n in topological_order(v["o"])] == [3.0] + [0.0] * 9


def test_the_lectures_topological_sort_then_backward_on_each_node():
    v = neuron()
    o = v["o"]
    topo = lecture_topological_order(o)  # the lecture's, recursive, over _prev
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    check_lecture_grads(v)


def test_backward_steps_uses_are_counted_once_per_use():
    # a = a + a in the lecture: _backward adds 1·grad twice, so a.grad is 2
    a = Value(3.0, label="a")
    b = a + a
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0


def test_l_by_hand_matches_backward():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    L.grad = 1.0
    for node in (L, d, e):
        node._backward()
    assert (a.grad, b.grad, c.grad, f.grad, d.grad, e.grad) == (6.0, -4.0, -2.0, 4.0, -2.0, -2.0)


# --- ops added the lecture's way -------------------------------------------------------------
def tanh_by_hand(x: Value) -> Value:
    """The lecture's tanh, written as it writes it."""
    n = x.data
    t = (math.exp(2 * n) - 1) / (math.exp(2 * n) + 1)
    out = Value(t, (x,), "tanh")

    def _backward():
        x.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def mul_by_hand(a: Value, b: Value) -> Value:
    out = Value(a.data * b.data, (a, b), "*")

    def _backward():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    return out


def neuron_by_hand():
    v = neuron()
    o = tanh_by_hand(v["n"])
    o.label = "o"
    return v, o


def test_an_op_added_by_hand_works_with_backward():
    v, o = neuron_by_hand()
    o.backward()
    v["o"] = o
    check_lecture_grads(v)


def test_an_op_added_by_hand_is_walked_and_shown_like_a_built_in_one():
    v, o = neuron_by_hand()
    x1, w1 = v["x1"], v["w1"]
    assert [g.data for g in grad(o, [x1, w1])] == pytest.approx([-1.5, 1.0], abs=1e-12)
    assert o.local_derivatives() == pytest.approx((0.5,), abs=1e-12)
    steps = list(backward_steps(o))
    assert steps[0].node is o and steps[0].contributions[0].local_derivative == pytest.approx(0.5)
    assert (x1.grad, w1.grad) == pytest.approx((-1.5, 1.0), abs=1e-12)
    assert "tanh" in draw(o).source
    assert "∂o/∂n" in str(explain(o, x1))
    page = script(o)
    (tanh_entry,) = [n for n in page["nodes"] if n["op"] == "tanh"]
    assert [local["value"] for local in tanh_entry["locals"]] == ["0.5"]


def test_a_binary_op_by_hand_and_the_same_input_twice():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    mul_by_hand(a, b).backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)
    a.grad = 0.0
    square = mul_by_hand(a, a)  # (a, a) counts once, as in micrograd's _prev: d = 2a
    assert square.parents == (a,) and square.local_derivatives() == (4.0,)
    square.backward()
    assert a.grad == 4.0


def test_setting_backward_puts_every_grad_back():
    x = Value(0.5, label="x")
    x.grad = 7.0
    out = tanh_by_hand(x)
    assert (x.grad, out.grad) == (7.0, 0.0)


def test_a_node_by_hand_without_backward_raises_when_walked_naming_it():
    x = Value(0.5, label="x")
    out = Value(math.tanh(0.5), (x,), "tanh", label="t")
    y = out * 2.0
    for walk in (y.backward, lambda: grad(y, [x]), lambda: list(backward_steps(y)),
                 out._backward):
        with pytest.raises(ValueError, match=r"label='t'\) was made by hand with inputs "
                           r"\[Value\(data=0.5.*its _backward was never set"):
            walk()
    assert (x.grad, out.grad, y.grad) == (0.0, 0.0, 0.0)


def test_trace_and_create_graph_refuse_a_node_by_hand_and_point_to_define_op():
    x = Value(0.5, label="x")
    y = tanh_by_hand(x) * 2.0
    for where, call in (("trace", lambda: trace(y, [x], [])),
                        (r"grad\(\.\.\., create_graph=True\)",
                         lambda: grad(y, [x], create_graph=True))):
        with pytest.raises(TypeError, match=rf"{where}: .* was made by hand .* can call but not "
                           r"record or replay; add the op with autograd_lite\.define_op"):
            call()


@pytest.mark.parametrize("body, message", [
    (lambda x, out: setattr(x, "grad", (1 - out.data**2) * out.grad),
     r"must add d \* out.grad to x.grad \(\+=\)"),
    (lambda x, out: setattr(x, "grad", x.grad + (1 - out.data**2)),
     r"must add d \* out.grad to x.grad"),
    (lambda x, out: setattr(x, "grad", x.grad + out * out.grad),
     r"left x.grad = Value\(.*not a finite float \(use .data"),
    (lambda x, out: 1 / 0, r"its _backward raised ZeroDivisionError"),
])
def test_a_wrong_backward_is_refused_when_set_saying_what_it_did(body, message):
    x = Value(0.5, label="x")
    out = Value(math.tanh(0.5), (x,), "tanh")
    with pytest.raises(ValueError, match=message):
        out._backward = lambda: body(x, out)
    assert x.grad == 0.0 and out.grad == 0.0


def test_what_a_node_by_hand_may_be_made_of():
    a = Value(1.0)
    with pytest.raises(ValueError, match="takes one or two inputs, got 3"):
        Value(1.0, (a, a * 2.0, a * 3.0), "+")
    with pytest.raises(ValueError, match="takes one or two inputs, got 0"):
        Value(1.0, _op="+")
    with pytest.raises(TypeError, match="_children must be a tuple of Values"):
        Value(1.0, (1.0,), "+")
    with pytest.raises(TypeError, match="_op must be a str"):
        Value(1.0, (a,), 3)
    with pytest.raises(AttributeError, match="made by the mul op: only a node made by hand"):
        (a * 2.0)._backward = lambda: None
    with pytest.raises(AttributeError, match="is a leaf: only a node made by hand"):
        a._backward = lambda: None
