"""The layered replay: neurons recognised in a program's instructions, replayed as matrix
products. Values and gradients against the scalar engine and PyTorch (float64), the
scalar engine's summation order bit for bit, and what ``Program.layers()`` shows."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from autograd_lite import Value, grad, layered, trace
from autograd_lite.layered import find_layers
from autograd_lite.ops import OPS
from nets import MLP, FeatureDiscoveryNet
from nets.losses import LOSSES


def example_loss(model, loss, *leaves):
    r = model(list(leaves[:-1]))
    return LOSSES[loss](r, leaves[-1]), r


def program_and_batch(model, loss, B=40, D=3, seed=7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(B, D))
    Y = rng.integers(0, 2, B).astype(float) if loss == "logistic" else rng.choice([-1.0, 1.0], B)
    leaves = [Value(v, label=f"x[{i}]") for i, v in enumerate(X[0])] + [Value(Y[0], label="y")]
    program = trace(partial(example_loss, model, loss), leaves, model.parameters())
    return program, np.c_[X, Y]


def scalar_engine(model, loss, data):
    """Per example: the loss and score, and the gradient of the loss (one row each)."""
    values, grads = [], []
    for row in data.tolist():
        loss_value, r = example_loss(model, loss, *map(Value, row))
        values.append([loss_value.data, r.data])
        grads.append([g.data for g in grad(loss_value, model.parameters())])
    return np.array(values), np.array(grads)


NETS = {
    "mlp-hinge": (lambda: MLP(3, [16, 16, 1], seed=1), "hinge"),
    "mlp-tanh-squared": (lambda: MLP(3, [8, 8, 1], nonlin="tanh", seed=2), "squared"),
    "feature-logistic": (lambda: FeatureDiscoveryNet(3, 8, loss="logistic", seed=3), "logistic"),
}


@pytest.mark.parametrize("order", ["matrix", "scalar"])
@pytest.mark.parametrize("net", NETS)
def test_layers_match_the_scalar_engine(net, order):
    make, loss = NETS[net]
    model = make()
    program, data = program_and_batch(model, loss)
    values, grads = program.run(data, how="layers", order=order)
    ref_values, ref_grads = scalar_engine(model, loss, data)
    if order == "scalar":
        # The same additions in the same order as one numpy call per instruction: the same
        # floats; and, where every op is exact in numpy as in math (+, ×, ReLU: the hinge
        # net), the scalar engine's floats. (numpy's tanh or exp may differ from math's in
        # the last bit.)
        np.testing.assert_array_equal(values, program.run(data, how="each")[0])
        if net == "mlp-hinge":
            np.testing.assert_array_equal(values, ref_values)
    np.testing.assert_allclose(values, ref_values, rtol=1e-12, atol=1e-300)
    # Each gradient is a sum over the batch, added in another order: 1e-12 of its terms' size.
    scale = np.abs(ref_grads).sum(axis=0)
    assert np.all(np.abs(grads - ref_grads.sum(axis=0)) <= 1e-12 * scale + 1e-300)


def test_layers_match_pytorch():
    torch = pytest.importorskip("torch")
    model = MLP(3, [16, 16, 1], seed=4)
    program, data = program_and_batch(model, "hinge", B=200)
    values, grads = program.run(data, how="layers")

    # The same net as matrices: layer k's W (out × in) and b, from the model's Neurons.
    mats = [(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64,
                          requires_grad=True),
             torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64,
                          requires_grad=True)) for layer in model.layers]
    h = torch.tensor(data[:, :3])
    for k, (W, b) in enumerate(mats):
        h = h @ W.T + b
        if k < len(mats) - 1:
            h = torch.relu(h)
    losses = torch.relu(1 - torch.tensor(data[:, 3]) * h[:, 0])
    losses.sum().backward()
    torch_grads = np.concatenate([np.c_[W.grad.numpy(), b.grad.numpy()].ravel()
                                  for W, b in mats])
    np.testing.assert_allclose(values[:, 0], losses.detach().numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(values[:, 1], h[:, 0].detach().numpy(), rtol=1e-12)
    scale = np.abs(torch_grads).max()
    np.testing.assert_allclose(grads, torch_grads, rtol=1e-12, atol=1e-12 * scale)


def test_what_is_recognised_in_an_mlp():
    model = MLP(3, [16, 16, 1], seed=1)
    program, _ = program_and_batch(model, "hinge")
    plan = find_layers(program)
    assert [layer.weights.shape for layer in plan.steps if hasattr(layer, "weights")] == [
        (16, 3), (16, 16), (1, 16)]
    # the hinge loss relu(1 - y·r): y·r, 1 - it, the ReLU
    assert [ins.op.name for ins in plan.scalar] == ["mul", "sub", "relu"]
    absorbed = sum(len(layer.members) for layer in plan.layers)
    assert absorbed + len(plan.scalar) == len(program.instructions)
    text = program.layers()
    # 16 × (3 products, 3 additions, ReLU) + 16 × (16, 16, ReLU) + (16, 16)
    assert text.splitlines()[0] == ("# 3 layers (33 neurons, 672 instructions); 3 instructions "
                                    "stayed scalar")
    assert "r̃₁ = W₁·x + b₁, x̂₁ = ReLU(r̃₁)    # 16 neurons × 3 inputs" in text
    assert "r̃₂ = W₂·x̂₁ + b₂, x̂₂ = ReLU(r̃₂)    # 16 neurons × 16 inputs" in text
    assert "r = w·x̂₂ + b    # 1 neuron × 16 inputs" in text


def test_the_notes_net_reads_as_the_notes_write_it():
    net = FeatureDiscoveryNet.from_weights([[0.5, -1.0], [1.5, 0.4], [-0.3, 0.2]], [0.8, -1.2],
                                           loss="logistic")
    program, _ = program_and_batch(net, "logistic")
    lines = program.layers().splitlines()
    assert lines[1].startswith("r̃ = W·x, x̂ = ReLU(r̃)    # 2 neurons × 3 inputs")
    assert lines[2].startswith("r = w·x̂    # 1 neuron × 2 inputs")
    assert lines[0].endswith("instructions stayed scalar")


def test_what_is_not_a_neuron_stays_scalar_and_exact():
    x0, x1 = Value(0.5, label="x0"), Value(-1.0, label="x1")
    w = [Value(v, label=f"w{k}") for k, v in enumerate([0.3, -0.7, 1.1, 0.9])]

    def f(x0, x1):
        a = (w[0] * x0 + w[1] * x1).tanh()  # a neuron
        shared = w[2] * x0  # a product used twice: not absorbed
        b = (shared + w[3] * x1).relu()
        c = (x0 * x1 + w[0] * x0).sigmoid()  # a term that is no parameter's product
        return a * b + c + shared, shared

    program = trace(f, [x0, x1], w)
    plan = find_layers(program)
    assert len(plan.layers) == 1 and plan.layers[0].activation == "tanh"
    X = np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 3.0]])
    values, grads = program.run(X, how="layers")
    ref = [f(Value(a), Value(b)) for a, b in X]
    np.testing.assert_allclose(values, [[r.data, s.data] for r, s in ref], rtol=1e-15)
    np.testing.assert_allclose(grads, np.sum([[g.data for g in grad(r, w)] for r, _ in ref],
                                             axis=0), rtol=1e-13)


def test_run_refuses_an_unknown_order():
    model = MLP(3, [4, 1], seed=0)
    program, data = program_and_batch(model, "hinge", B=4)
    with pytest.raises(ValueError, match="order must be one of 'matrix', 'scalar', got 'fast'"):
        program.run(data, how="layers", order="fast")


def test_a_weight_shared_by_neurons_of_a_layer_gets_both_gradients():
    x0, x1 = Value(0.5, label="x0"), Value(-1.0, label="x1")
    w, v = Value(0.3, label="w"), Value(-0.7, label="v")

    def f(x0, x1):  # one layer of two neurons on (x0, x1): W = [[w, v], [v, w]]
        return (w * x0 + v * x1).relu() + (v * x0 + w * x1).relu() * 2.0

    program = trace(f, [x0, x1], [w, v])
    (layer,) = find_layers(program).layers
    assert layer.weights.tolist() == [[2, 3], [3, 2]]  # (w and v are parameters 0 and 1)
    X = np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 3.0], [1.0, 1.0]])
    values, grads = program.run(X, how="layers")
    ref = [f(Value(a), Value(b)) for a, b in X]
    np.testing.assert_allclose(values, [r.data for r in ref], rtol=1e-15)
    np.testing.assert_allclose(grads, np.sum([[g.data for g in grad(r, [w, v])] for r in ref],
                                             axis=0), rtol=1e-13)


# --- to PyTorch ------------------------------------------------------------------------------
@pytest.mark.parametrize("net", NETS)
def test_to_torch_gives_runs_values_and_gradients(net):
    torch = pytest.importorskip("torch")
    make, loss = NETS[net]
    model = make()
    program, data = program_and_batch(model, loss, B=50)
    module = program.to_torch(device="cpu")
    assert isinstance(module, torch.nn.Module)
    values = module(torch.tensor(data))
    values[:, 0].sum().backward()  # the root, summed over the batch, as run's gradient
    ref_values, ref_grads = program.run(data, how="layers")
    np.testing.assert_allclose(values.detach().numpy(), ref_values, rtol=1e-12, atol=1e-300)
    scale = np.abs(ref_grads).max()
    np.testing.assert_allclose(module.params.grad.numpy(), ref_grads, rtol=1e-12,
                               atol=1e-12 * scale)
    assert [p.shape for p in module.parameters()] == [(len(program.params),)]


def test_every_op_runs_on_torch_as_in_numpy():
    torch = pytest.importorskip("torch")
    from test_program import BINARY, UNARY

    x, y, w = Value(0.7, label="x"), Value(-0.4, label="y"), Value(1.3, label="w")
    X = np.array([[0.7, -0.4], [1.5, 0.2], [-0.3, 0.9]])
    cases = [lambda a, b, f=f: f(a * w) for f in UNARY.values()]
    cases += [lambda a, b, f=f: f(a * w, b) for f in BINARY.values()]
    for make in cases:
        program = trace(lambda a, b, make=make: make(a, b), [x, y], [w])
        module = program.to_torch()
        out = module(torch.tensor(X))
        out.sum().backward()
        values, grads = program.run(X, how="each")
        np.testing.assert_allclose(out.detach().numpy(), values, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(module.params.grad.numpy(), grads, rtol=1e-12, atol=1e-15)


def test_the_engine_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, autograd_lite, nets; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --- the pass: what a layered run does, counted ----------------------------------------------
def call_names(calls):
    """Each call of a pass by the function it makes: a numpy function's name, or the rule
    of the op table it runs (``_store``, ``_times_derivative``, ``_scalar_backward``)."""
    names = []
    for f, *args in calls:
        if f is layered._store:
            names.append(f"rule {getattr(args[1], '__name__', '')}")
        elif f is layered._times_derivative:
            names.append("×derivative")
        elif f is layered._scalar_backward:
            names.append("rule derivatives")
        else:
            names.append(f.__name__)
    return names


def test_a_pass_of_the_mlp_is_21_calls_on_preallocated_buffers():
    model = MLP(3, [16, 16, 1], seed=1)
    program, data = program_and_batch(model, "hinge", B=64)
    program.run(data, how="layers")
    (run,) = program.cache["passes"].values()
    # Forward: [W | b] of every layer gathered at once, the inputs' rows, per layer one
    # product (the bias folded in) and the activation's rule, then the hinge loss's three
    # instructions (y·r, 1 - it, ReLU), one rule each.
    assert call_names(run.forward) == [
        "take", "take", "matmul", "rule relu", "matmul", "rule relu", "matmul",
        "rule <lambda>", "rule <lambda>", "rule relu"]
    # Backward: ∂l/∂l = 1, the loss's rules, then per layer the activation's derivative
    # (in place), one product for ∂l/∂[W | b] and one for ∂l/∂U, written straight into the
    # layer below's gradient (the last layer has one neuron: an outer product); the first
    # layer's inputs need none.
    assert call_names(run.backward) == [
        "copyto", "rule derivatives", "rule derivatives", "rule derivatives",
        "matmul", "multiply",
        "×derivative", "matmul", "matmul",
        "×derivative", "matmul"]
    # Run again: the same pass, nothing prepared anew.
    program.run(data, how="layers")
    assert list(program.cache["passes"].values()) == [run]


def test_a_pass_reads_the_rules_from_the_op_table():
    model = MLP(3, [4, 4, 1], nonlin="tanh", seed=2)
    program, data = program_and_batch(model, "squared", B=8)
    program.run(data, how="layers")
    (run,) = program.cache["passes"].values()
    stored = [args[1] for f, *args in run.forward if f is layered._store]
    assert stored[:2] == [OPS["tanh"].value, OPS["tanh"].value]
    scaled = [args[1] for f, *args in run.backward if f is layered._times_derivative]
    assert scaled == [OPS["tanh"].derivatives, OPS["tanh"].derivatives]


def test_threads_running_one_program_never_share_a_pass():
    import sys
    import threading

    model = MLP(3, [8, 8, 1], seed=5)
    program, data = program_and_batch(model, "hinge", B=32)
    batches = [np.c_[data[:, :3] * (1.0 + 0.1 * k), data[:, 3]] for k in range(4)]
    expected = [program.run(X, how="layers", check=0) for X in batches]
    errors = []

    def work(k):
        for _ in range(30):
            values, grads = program.run(batches[k], how="layers", check=0)
            if not (np.array_equal(values, expected[k][0])
                    and np.array_equal(grads, expected[k][1])):
                errors.append(k)

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(before)
    assert errors == []


def test_a_tape_whose_params_nothing_uses_runs_by_layers():
    """No weight at all (the hypothesis case abs(abs(abs(x)))·3 with one unused param):
    the params' gradients are zeros of float, not ints that cannot take a float."""
    x, p = Value(0.0, label="x"), Value(0.0, label="p")

    def f(x):
        y = abs(x)
        return abs(abs(y)) + abs(abs(y))

    program = trace(f, [x], [p])
    values, grads = program.run(np.array([[0.5], [-2.0]]), how="layers")
    assert values.ravel().tolist() == [1.0, 4.0]
    assert grads.tolist() == [0.0] and grads.dtype == np.float64
