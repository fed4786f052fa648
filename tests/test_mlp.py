"""micrograd-parity Module, Neuron, Layer and MLP: shapes, values, gradients, seeding.
micrograd's own demo, run as written there, is in test_micrograd_parity.py."""

from __future__ import annotations

import random

import pytest

from autograd_lite import Value
from nets import MLP, Layer, Module, Neuron


def test_neuron_computes_relu_of_the_affine_sum():
    n = Neuron(3, seed=0)
    n.w[0].data, n.w[1].data, n.w[2].data, n.b.data = 0.5, -1.0, 2.0, 0.25
    assert n([1.0, 2.0, 3.0]).data == 0.5 - 2.0 + 6.0 + 0.25
    assert n([1.0, 2.0, -3.0]).data == 0.0  # relu(−7.25)
    linear = Neuron(2, nonlin=False, seed=0)
    linear.w[0].data, linear.w[1].data, linear.b.data = 1.0, 1.0, -5.0
    assert linear([1.0, 2.0]).data == -2.0


def test_neuron_backward():
    n = Neuron(2, seed=0)
    n.w[0].data, n.w[1].data, n.b.data = 2.0, -1.0, 0.5
    x = [Value(3.0), Value(4.0)]
    n(x).backward()  # relu(6 − 4 + 0.5) = 2.5 > 0: ∂/∂w = x, ∂/∂b = 1, ∂/∂x = w
    assert [p.grad for p in n.parameters()] == [3.0, 4.0, 1.0]
    assert [xi.grad for xi in x] == [2.0, -1.0]


def test_micrograd_parameter_count_and_reprs():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 337  # the number micrograd's demo prints
    assert repr(Neuron(2)) == "ReLUNeuron(2)" and repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
    assert repr(MLP(2, [1, 1])) == "MLP of [Layer of [ReLUNeuron(2)], Layer of [LinearNeuron(1)]]"


def test_outputs_single_values_lists_and_a_one_unit_hidden_layer():
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    assert isinstance(MLP(2, [1, 1])([1.0, 2.0]), Value)  # the 1-unit layer feeds a list on


def test_mlp_matches_a_hand_computation():
    model = MLP(2, [2, 1], seed=3)
    (h0, h1), (out,) = model.layers[0].neurons, model.layers[1].neurons
    for p, v in zip(model.parameters(), [1.0, -1.0, 0.5, 2.0, 1.0, -3.0, 4.0, 5.0, 0.25]):
        p.data = v
    # h0 = relu(1·1 − 1·2 + 0.5) = 0, h1 = relu(2·1 + 1·2 − 3) = 1, out = 4·0 + 5·1 + 0.25
    assert model([1.0, 2.0]).data == 5.25
    assert (h0.b.data, h1.b.data, out.b.data) == (0.5, -3.0, 0.25)


def test_seeded_without_global_random_state():
    state = random.getstate()
    a, b, c = MLP(2, [4, 1], seed=1), MLP(2, [4, 1], seed=1), MLP(2, [4, 1], seed=2)
    assert random.getstate() == state
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]
    weights = [p.data for n in Layer(3, 4, seed=0).neurons for p in n.w]
    assert len(set(weights)) == len(weights)  # the neurons of a layer share one generator
    assert all(-1 <= v <= 1 for v in weights)


def test_zero_grad_and_module_defaults():
    assert Module().parameters() == []
    model = MLP(2, [3, 1])
    model([1.0, 1.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: Neuron(0), "nin must be a positive integer, got 0"),
        (lambda: Layer(2, 0), "nout must be a positive integer, got 0"),
        (lambda: MLP(2, []), "nouts must list at least one layer size"),
        (lambda: MLP(2, [3, 1])([1.0]), r"ReLUNeuron\(2\) takes 2 inputs, got 1"),
    ],
)
def test_bad_sizes_and_inputs(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_gradients_match_finite_differences():
    model = MLP(3, [4, 3, 1], seed=5)
    x = [0.3, -1.2, 0.7]

    def f() -> float:
        return model(x).data ** 2

    out = model(x)
    (out * out).backward()
    for p in model.parameters():
        original = p.data
        p.data = original + 1e-6
        up = f()
        p.data = original - 1e-6
        down = f()
        p.data = original
        assert p.grad == pytest.approx((up - down) / 2e-6, rel=1e-5, abs=1e-8)
