"""Training through programs (``compiled=True``) gives the scalar engine's results: the
same losses, accuracies and weights, to 1e-12 relative, for the same seed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograd_lite import Value
from autograd_lite.program import DifferentGraphError
from nets import MLP, SGD, Adam, FeatureDiscoveryNet, train
from nets.cli import build_parser, main
from nets.data import two_moons
from nets.losses import class_targets


def weights(model):
    return np.array([p.data for p in model.parameters()])


@pytest.mark.parametrize(("make", "loss", "optimizer", "batch_size"), [
    (lambda: FeatureDiscoveryNet(3, 8, loss="logistic", seed=3), None, "adam", 20),
    (lambda: FeatureDiscoveryNet(3, 8, loss="squared", seed=4), None, "sgd", None),
    (lambda: MLP(3, [8, 8, 1], seed=5), "hinge", "adam", 16),
], ids=["feature-logistic-adam", "feature-squared-sgd", "mlp-hinge-adam"])
def test_compiled_training_matches_the_scalar_engine(make, loss, optimizer, batch_size):
    X, labels = two_moons(60, seed=2, constant_feature=True)
    Y = class_targets(labels, loss or make().loss_name)
    results = []
    for compiled in (False, True):
        model = make()
        opt = Adam(model.parameters(), lr=0.05) if optimizer == "adam" else \
            SGD(model.parameters(), lr=0.05, momentum=0.9)
        history = train(model, X, Y, opt, epochs=15, loss=loss, batch_size=batch_size, seed=1,
                        progress=False, compiled=compiled)
        results.append((history, weights(model)))
    (scalar, w_scalar), (program, w_program) = results
    np.testing.assert_allclose(program.loss, scalar.loss, rtol=1e-12)
    assert program.accuracy == scalar.accuracy
    np.testing.assert_allclose(w_program, w_scalar, rtol=1e-12, atol=1e-14)
    assert not np.array_equal(w_scalar, weights(make()))  # training moved the weights


def test_compiled_training_needs_a_model_that_takes_values():
    class Numbers:
        loss_name = "squared"

        def __call__(self, x):
            return sum(float(v) for v in x)

        def parameters(self):
            return []

    X, labels = two_moons(10, seed=0)
    with pytest.raises(TypeError, match="compiled=True"):
        train(Numbers(), X, class_targets(labels, "squared"), None, epochs=1, progress=False,
              compiled=True)


def test_the_cli_trains_compiled_by_default_in_demo_only():
    parser = build_parser()
    assert parser.parse_args(["demo"]).compiled is True
    assert parser.parse_args(["demo", "--no-compiled"]).compiled is False
    assert parser.parse_args(["train"]).compiled is False
    assert parser.parse_args(["train", "--compiled"]).compiled is True


def test_train_compiled_writes_the_scalar_engines_weights(tmp_path, capsys):
    weights_of = {}
    for flag in ("--compiled", "--no-compiled"):
        out = tmp_path / flag
        args = ["train", "--points", "40", "--hidden", "4", "--epochs", "5", "--batch-size", "8",
                "--no-progress", "--out", str(out), flag]
        assert main(args) == 0
        weights_of[flag] = json.loads((out / "weights.json").read_text())
    assert "compiled)" in capsys.readouterr().out
    for key in ("W", "w"):
        np.testing.assert_allclose(weights_of["--compiled"][key], weights_of["--no-compiled"][key],
                                   rtol=1e-12, atol=1e-14)


class Branching:
    """A model that branches on the data: its graph depends on the example."""

    loss_name = "squared"

    def __init__(self, where: str):
        self.w = [Value(0.5, label="w0"), Value(-0.25, label="w1")]
        self.where = where

    def __call__(self, x):
        r = self.w[0] * x[0] + self.w[1] * x[1]
        if self.where == "if":
            return r.tanh() if x[0].data > 0 else r
        if self.where == "max":
            return r * max(x[0].data, x[1].data)
        return r + float(x[1].data) * self.w[0]  # float(x.data): a constant per example

    def parameters(self):
        return self.w


@pytest.mark.parametrize("where", ["if", "max", "float"])
def test_compiled_training_stops_on_a_model_that_branches(where):
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -3.0], [-0.5, -1.0]])
    model = Branching(where)
    before = [p.data for p in model.parameters()]
    with pytest.raises(DifferentGraphError, match=r"example [1-3] builds a different graph"):
        train(model, X, [1.0, -1.0, 1.0, -1.0], SGD(model.parameters(), lr=0.1), epochs=2,
              progress=False, compiled=True)
    assert [p.data for p in model.parameters()] == before  # stopped before any step


def test_compiled_training_stops_on_a_loss_that_branches():
    def loss(r, y):  # a loss with a Python if on the score
        return (r - y) ** 2 if r.data > 0 else (r - y).abs()

    X, labels = two_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(DifferentGraphError, match="builds a different graph"):
        train(model, X, class_targets(labels, "squared"), SGD(model.parameters(), lr=0.1),
              epochs=1, loss=loss, batch_size=20, progress=False, compiled=True)


@pytest.mark.parametrize(("X", "Y", "kind", "message"), [
    ([[0, 1], [1, 0], [1, 1], [0, 0]], [1, -1, 0.5, 1], ValueError,
     r"Y\[2\]: the hinge loss needs a target y in \{-1, 1\}, got 0.5"),
    ([[0, 1], [1, 0], [1, 1], [0, 0]], [1, -1, 1, 3], ValueError, r"Y\[3\]: the hinge loss"),
    ([[0, 1], [1, 0], [1, 1], [0, 0]], [1, -1, 1, np.inf], ValueError, r"Y\[3\] is inf"),
    ([[0, 1], [1, 0], [np.nan, 1], [0, 0]], [1, -1, 1, -1], ValueError, r"X\[2, 0\] is nan"),
], ids=["target-0.5", "target-3", "target-inf", "x-nan"])
@pytest.mark.parametrize("compiled", [False, True])
def test_both_paths_refuse_the_same_examples_before_any_step(X, Y, kind, message, compiled):
    model = MLP(2, [3, 1], seed=0)
    before = weights(model)
    with pytest.raises(kind, match=message):
        train(model, X, Y, SGD(model.parameters(), lr=0.1), epochs=1, loss="hinge",
              progress=False, compiled=compiled)
    np.testing.assert_array_equal(weights(model), before)


@pytest.mark.parametrize("compiled", ["yes", 1, None])
def test_compiled_must_be_a_bool(compiled):
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match="compiled must be True or False"):
        train(model, [[0, 1], [1, 0]], [1, -1], SGD(model.parameters(), lr=0.1), epochs=1,
              loss="hinge", progress=False, compiled=compiled)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("enabled", [True, False])
def test_training_pauses_the_collector_and_restores_the_users_setting(compiled, enabled):
    import gc

    seen = []

    class Watched(MLP):
        def __call__(self, x):
            seen.append(gc.isenabled())
            return super().__call__(x)

    model = Watched(2, [3, 1], seed=0)
    (gc.enable if enabled else gc.disable)()
    try:
        train(model, [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1.0, -1.0, 1.0],
              SGD(model.parameters(), lr=0.1), epochs=2, loss="hinge", progress=False,
              compiled=compiled)
        assert seen and not any(seen)  # every graph built with the collector paused
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
