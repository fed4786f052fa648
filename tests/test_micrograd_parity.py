"""micrograd's lecture and demo code run on autograd-lite with only the import changed, and
give micrograd 0.1.0's numbers: the same initial weights after ``random.seed(1337)``, the
same losses at every step of its demo."""

from __future__ import annotations

import random

import pytest

from autograd_lite import Value
from nets import MLP, Layer, Neuron
from nets.data import two_moons


@pytest.fixture(scope="module")
def micrograd():
    """micrograd 0.1.0 from PyPI (the `bench` extra), as (Value, MLP)."""
    engine = pytest.importorskip("micrograd.engine")
    nn = pytest.importorskip("micrograd.nn")
    return engine.Value, nn.MLP


def _weights(model) -> list[float]:
    return [p.data for p in model.parameters()]


def test_seeded_global_random_gives_micrograds_weights_exactly(micrograd):
    random.seed(1337)
    theirs = micrograd[1](2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert len(_weights(ours)) == 337
    assert _weights(ours) == _weights(theirs)
    assert repr(ours) == repr(theirs)


def _demo_losses(Value, MLP, steps: int) -> list[tuple[float, float]]:
    """micrograd's demo.ipynb, cell by cell (nets.data's moons in place of sklearn's)."""
    random.seed(1337)
    X, y = two_moons(100, seed=1337, noise=0.1)
    y = y * 2 - 1  # make y be -1 or 1
    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss(batch_size=None):
        Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        # forward the model to get scores
        scores = list(map(model, inputs))
        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        # forward
        total_loss, acc = loss()
        # backward
        model.zero_grad()
        total_loss.backward()
        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((float(total_loss.data), acc))
    return history


@pytest.mark.slow
def test_ten_steps_of_micrograds_demo_give_its_losses(micrograd):
    theirs = _demo_losses(*micrograd, 10)
    ours = _demo_losses(Value, MLP, 10)
    assert [acc for _, acc in ours] == [acc for _, acc in theirs]
    for k, ((mine, _), (ref, _)) in enumerate(zip(ours, theirs)):
        assert mine == pytest.approx(ref, rel=0, abs=1e-12), f"step {k}"
    assert ours[-1][0] < 0.5 * ours[0][0]  # and it learns: the comparison is not of constants


def test_lecture_expression_and_neuron_run_unchanged():
    # From the lecture: the expression L = (a·b + c)·f and the tanh neuron, with labels.
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    assert L.data == -8.0 and L._op == "*" and L._prev == {d, f}
    assert e._prev == {a, b} and a._prev == set() and a._op == ""
    L.backward()
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    bias = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + bias
    o = n.tanh()
    o.backward()
    assert o.data == pytest.approx(0.7071067811865476, abs=1e-15)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))
    assert Value(2.0, (), "").data == 2.0
    assert Value(2.0, _children=(), _op="", label="q").label == "q"


def test_prev_and_op_are_read_only_views_of_the_graph():
    a = Value(3.0)
    y = a * a
    assert y._prev == {a} and y.parents == (a, a)  # a set, as micrograd's; parents keeps both
    for name in ("_prev", "_op"):
        with pytest.raises(AttributeError):
            setattr(y, name, None)
    assert not hasattr(y, "__dict__")  # still slotted: no per-node dictionary


@pytest.mark.parametrize(
    ("nonlin", "name", "expected"),
    [(True, "ReLU", 0.0), ("relu", "ReLU", 0.0), ("tanh", "Tanh", -0.7615941559557649),
     (False, "Linear", -1.0), ("linear", "Linear", -1.0)],
)
def test_nonlin_option(nonlin, name, expected):
    n = Neuron(1, nonlin=nonlin, seed=0)
    n.w[0].data = -1.0
    assert repr(n) == f"{name}Neuron(1)"
    assert n([1.0]).data == pytest.approx(expected, abs=1e-15)
    assert n.nonlin is (name != "Linear")  # micrograd's flag, read from the activation


def test_tanh_mlp_has_tanh_hidden_layers_and_a_linear_last_one():
    model = MLP(3, [4, 4, 1], nonlin="tanh", seed=0)
    assert repr(model) == (
        "MLP of [Layer of [TanhNeuron(3), TanhNeuron(3), TanhNeuron(3), TanhNeuron(3)], "
        "Layer of [TanhNeuron(4), TanhNeuron(4), TanhNeuron(4), TanhNeuron(4)], "
        "Layer of [LinearNeuron(4)]]"
    )


@pytest.mark.parametrize("bad", ["sigmoid", 1, None, "ReLU"])
def test_unknown_nonlin_is_refused(bad):
    for make in (lambda: Neuron(2, nonlin=bad), lambda: Layer(2, 2, nonlin=bad),
                 lambda: MLP(2, [1], nonlin=bad)):
        with pytest.raises(ValueError, match="nonlin must be True, False, 'relu', 'tanh'"):
            make()


def test_a_seed_leaves_the_global_random_state_alone_and_none_draws_from_it():
    random.seed(7)
    state = random.getstate()
    MLP(2, [4, 1], seed=3)
    assert random.getstate() == state
    first = _weights(MLP(2, [4, 1]))
    assert random.getstate() != state
    random.seed(7)
    assert _weights(MLP(2, [4, 1])) == first
