"""The lecture's cells that use ``Value`` (micrograd's video lecture, the notebooks
``micrograd_lecture_first_half_roughly`` and ``..._second_half_roughly``), run on
autograd-lite, against the numbers the lecture itself shows: its printed outputs and the
``data``/``grad`` labels of its ``draw_dot`` pictures (copied here from those notebooks'
stored outputs, never computed by this project's code).

Each test names the lecture's cell it reproduces ("first half, cell 7" is the 8th cell)."""

from __future__ import annotations

import math
import random

import pytest

from autograd_lite import Value, draw
from nets import MLP

ULP = 2.0**-53  # one unit in the last place of a float in [0.5, 1)


def _shown(v: Value) -> tuple[str, str]:
    """A node as the lecture's draw_dot labels it: data and grad to 4 decimals."""
    return f"{v.data:.4f}", f"{v.grad:.4f}"


def _lecture_expression():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b; e.label = "e"  # noqa: E702  (the lecture's own lines)
    d = e + c; d.label = "d"  # noqa: E702
    f = Value(-2.0, label="f")
    L = d * f; L.label = "L"  # noqa: E702
    return a, b, c, e, d, f, L


def _lecture_neuron():
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1; x1w1.label = "x1*w1"  # noqa: E702
    x2w2 = x2 * w2; x2w2.label = "x2*w2"  # noqa: E702
    x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = "x1*w1 + x2*w2"  # noqa: E702
    n = x1w1x2w2 + b; n.label = "n"  # noqa: E702
    return x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n


# The lecture's picture of the expression L (first half, cell 9), label: (data, grad).
EXPRESSION_PICTURE = {
    "a": ("2.0000", "6.0000"), "b": ("-3.0000", "-4.0000"), "c": ("10.0000", "-2.0000"),
    "e": ("-6.0000", "-2.0000"), "d": ("4.0000", "-2.0000"), "f": ("-2.0000", "4.0000"),
    "L": ("-8.0000", "1.0000"),
}
# Its picture of the neuron after o.backward() (first half, cell 14; second half, cell 10).
NEURON_PICTURE = {
    "x1": ("2.0000", "-1.5000"), "w1": ("-3.0000", "1.0000"), "x2": ("0.0000", "0.5000"),
    "w2": ("1.0000", "0.0000"), "b": ("6.8814", "0.5000"), "x1*w1": ("-6.0000", "0.5000"),
    "x2*w2": ("0.0000", "0.5000"), "x1*w1 + x2*w2": ("-6.0000", "0.5000"),
    "n": ("0.8814", "0.5000"), "o": ("0.7071", "1.0000"),
}


def _pictured(nodes) -> dict[str, tuple[str, str]]:
    return {v.label: _shown(v) for v in nodes}


def test_first_half_the_expression_its_gradients_and_a_step_uphill():
    a, b, c, e, d, f, L = _lecture_expression()
    assert repr(L).startswith("Value(data=-8.0")  # cell 7 shows Value(data=-8.0)
    L.backward()
    assert _pictured((a, b, c, e, d, f, L)) == EXPRESSION_PICTURE  # cell 9
    # cell 10: one step along the gradient, then the expression again; it printed -7.286496
    a.data += 0.01 * a.grad
    b.data += 0.01 * b.grad
    c.data += 0.01 * c.grad
    f.data += 0.01 * f.grad
    e = a * b
    d = e + c
    L = d * f
    assert f"{L.data}" == "-7.286496"


def test_first_half_the_numerical_gradient_lol():
    """Cell 11: dL/db by a forward difference, printed as -3.9999999999995595."""
    h = 0.001
    *_, L = _lecture_expression()
    L1 = L.data
    a, b, c, e, d, f, L = _lecture_expression()
    b.data += h
    e = a * b
    d = e + c
    L = d * f
    L2 = L.data
    assert (L2 - L1) / h == -3.9999999999995595


def test_first_half_the_neuron_its_topological_order_and_picture():
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n = _lecture_neuron()
    o = n.tanh(); o.label = "o"  # noqa: E702  (cell 13)
    o.backward()  # cell 15
    topo = lecture_topological_order(o)  # cell 16
    # The lecture printed these (in an order that depends on set iteration):
    printed = [6.881373587019543, 2.0, -3.0, -6.0, 0.0, 1.0, 0.0, -6.0, 0.8813735870195432,
               0.7071067811865476]
    # Equal but for o: the lecture's tanh is (e^2x − 1)/(e^2x + 1), ours math.tanh, one
    # unit in the last place apart here (0.7071067811865477); ULP = 2**-53 near 0.7.
    assert sorted(v.data for v in topo) == pytest.approx(sorted(printed), rel=0, abs=ULP)
    assert sorted(v.data for v in topo if v is not o) == sorted(printed[:-1])
    assert topo[-1] is o and topo[-2] is n
    assert _pictured((x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)) == NEURON_PICTURE
    assert 1 - o.data**2 == pytest.approx(0.4999999999999999, rel=0, abs=2 * ULP)  # cell 29


def test_first_half_a_node_used_twice_accumulates():
    a = Value(3.0, label="a")  # cell 31: the bug the lecture fixes with +=
    b = a + a; b.label = "b"  # noqa: E702
    b.backward()
    assert _pictured((a, b)) == {"a": ("3.0000", "2.0000"), "b": ("6.0000", "1.0000")}
    a = Value(-2.0, label="a")  # cell 32
    b = Value(3.0, label="b")
    d = a * b; d.label = "d"  # noqa: E702
    e = a + b; e.label = "e"  # noqa: E702
    f = d * e; f.label = "f"  # noqa: E702
    f.backward()
    assert _pictured((a, b, d, e, f)) == {
        "a": ("-2.0000", "-3.0000"), "b": ("3.0000", "-8.0000"), "d": ("-6.0000", "1.0000"),
        "e": ("1.0000", "-6.0000"), "f": ("-6.0000", "1.0000"),
    }


def test_second_half_tanh_built_from_exp():
    """Cell 11: o = (e − 1)/(e + 1) with e = exp(2n). The lecture builds e − 1 as e + (−1)
    and the quotient as num · den**−1, so its picture has a ``**-1`` node (0.1464, grad
    4.8284) and a constant −1; autograd-lite records ``−`` and ``/`` nodes instead, with the
    same numbers on every node the two pictures share."""
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n = _lecture_neuron()
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.label = "o"
    o.backward()
    two_n = e.parents[0]
    two = two_n.parents[0]
    num, den = o.parents
    assert _pictured((x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)) == NEURON_PICTURE
    assert [_shown(v) for v in (two, two_n, e, num, den)] == [
        ("2.0000", "0.2203"), ("1.7627", "0.2500"), ("5.8284", "0.0429"),
        ("4.8284", "0.1464"), ("6.8284", "-0.1036"),
    ]
    ops = {v._op for v in (o, num, den, e, two_n)}
    assert ops == {"/", "-", "+", "exp", "*"}  # no "**-1": ours records − and / as such


def test_draw_renders_svg_by_default_as_draw_dot(tmp_path):
    """The lecture's draw_dot returns Digraph(format='svg'): render('gout') writes gout.svg."""
    *_, L = _lecture_expression()
    L.backward()
    dot = draw(L)
    assert dot.format == "svg"
    path = dot.render(tmp_path / "gout")
    assert path.endswith("gout.svg")
    svg = (tmp_path / "gout.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def _lecture_mlp_losses_in_torch(steps: int, lr: float) -> tuple[list[float], list[float]]:
    """The lecture's MLP(3, [4, 4, 1]) written in PyTorch float64: each neuron draws its
    weights, then its bias, from random.uniform(-1, 1) after random.seed(1337); tanh in
    every layer; the lecture's four examples and its squared-error loop."""
    torch = pytest.importorskip("torch")
    random.seed(1337)
    layers = []
    for nin, nout in ((3, 4), (4, 4), (4, 1)):
        rows = [[random.uniform(-1, 1) for _ in range(nin + 1)] for _ in range(nout)]
        W = torch.tensor([r[:nin] for r in rows], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([r[nin] for r in rows], dtype=torch.float64, requires_grad=True)
        layers.append((W, b))
    xs = torch.tensor(LECTURE_XS, dtype=torch.float64)
    ys = torch.tensor(LECTURE_YS, dtype=torch.float64)
    losses = []
    for _ in range(steps):
        h = xs
        for W, b in layers:
            h = torch.tanh(h @ W.T + b)
        loss = ((h[:, 0] - ys) ** 2).sum()
        for W, b in layers:
            W.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            for W, b in layers:
                W -= lr * W.grad
                b -= lr * b.grad
        losses.append(loss.item())
    return losses, h[:, 0].tolist()


LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]


def test_the_lecture_mlp_option_trains_as_the_lectures_network():
    """Second half, cells 14-17, with random.seed(1337) so the run can be repeated."""
    steps, lr = 20, 0.05
    want_losses, want_pred = _lecture_mlp_losses_in_torch(steps, lr)
    random.seed(1337)
    net = MLP(3, [4, 4, 1], nonlin="tanh", random_bias=True, last_linear=False)
    assert all(n.activation == "tanh" for layer in net.layers for n in layer.neurons)
    losses = []
    for _ in range(steps):
        ypred = [net(x) for x in LECTURE_XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(LECTURE_YS, ypred))
        for p in net.parameters():
            p.grad = 0.0
        loss.backward()
        for p in net.parameters():
            p.data += -lr * p.grad
        losses.append(loss.data)
    assert losses == pytest.approx(want_losses, rel=0, abs=1e-12)
    assert [y.data for y in ypred] == pytest.approx(want_pred, rel=0, abs=1e-12)
    assert all(-1 < y.data < 1 for y in ypred)  # tanh in the last layer too
    assert losses[-1] < 0.1 * losses[0]  # it learns: the comparison is not of constants


@pytest.mark.parametrize("name", ["random_bias", "last_linear"])
def test_the_lecture_options_must_be_booleans(name):
    with pytest.raises(TypeError, match=f"{name} must be True or False, got str: 'yes'"):
        MLP(2, [2, 1], **{name: "yes"})


# --- the backward pass by hand, and an op added the lecture's way -------------------------


def test_first_half_the_backward_pass_by_hand_node_by_node():
    """Cells 17-22: o.grad = 1, then each node's own _backward(), root first; the picture
    after it is cell 14's."""
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n = _lecture_neuron()
    o = n.tanh(); o.label = "o"  # noqa: E702
    o.grad = 1.0
    o._backward()
    n._backward()
    b._backward()  # a leaf: does nothing
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    assert _pictured((x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)) == NEURON_PICTURE


def test_first_half_the_backward_pass_as_a_loop_over_the_topological_order():
    """The lecture's backward(): its topological sort, o.grad = 1, then reversed(topo)."""
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n = _lecture_neuron()
    o = n.tanh(); o.label = "o"  # noqa: E702
    topo = lecture_topological_order(o)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert _pictured((x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)) == NEURON_PICTURE


def lecture_topological_order(root):
    """The lecture's own topological sort (first half, cell 16): recursive, over ``_prev``."""
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    return topo


def _lecture_tanh(self):
    """The lecture's tanh (first half, cell 7): a node made by hand with its closure."""
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def _lecture_exp(self):
    """The lecture's exp (second half, cell 7), with its += fix."""
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def test_ops_added_the_lectures_way_give_its_pictures():
    """The neuron with the lecture's own tanh, then tanh built from the lecture's exp: the
    numbers of its pictures (first half, cell 14; second half, cell 11)."""
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n = _lecture_neuron()
    o = _lecture_tanh(n); o.label = "o"  # noqa: E702
    o.backward()
    assert _pictured((x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)) == NEURON_PICTURE
    assert o.data == 0.7071067811865476  # the lecture's formula: its own last digit

    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n = _lecture_neuron()
    e = _lecture_exp(2 * n)
    o = (e - 1) / (e + 1); o.label = "o"  # noqa: E702
    o.backward()
    assert _pictured((x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)) == NEURON_PICTURE
    assert [_shown(v) for v in (e.parents[0], e)] == [("1.7627", "0.2500"), ("5.8284", "0.0429")]
    assert e._op == "exp" and o._op == "/"
