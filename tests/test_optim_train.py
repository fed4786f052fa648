"""nets.optim (SGD, momentum, Adam: updates worked by hand) and nets.training (the loop, its
history, mini-batches, Ctrl-C), and the training target from the issue."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import Value
from nets import MLP, SGD, Adam, FeatureDiscoveryNet, accuracy, manual, train
from nets.data import two_moons, xor
from nets.losses import class_targets


def with_grads(*grads):
    params = [Value(1.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    return params


# --- optimizers ------------------------------------------------------------------------------
def test_sgd_step():
    (p, q) = params = with_grads(2.0, -4.0)
    SGD(params, lr=0.25).step()
    assert (p.data, q.data) == (1.0 - 0.5, 1.0 + 1.0)


def test_sgd_momentum_two_steps():
    (p,) = params = with_grads(2.0)
    opt = SGD(params, lr=0.1, momentum=0.5)
    opt.step()  # v = 2, p = 1 − 0.2
    assert p.data == pytest.approx(0.8, rel=1e-15)
    p.grad = 1.0
    opt.step()  # v = 0.5·2 + 1 = 2, p = 0.8 − 0.2
    assert p.data == pytest.approx(0.6, rel=1e-15)


def test_adam_two_steps():
    (p,) = params = with_grads(0.5)
    opt = Adam(params, lr=0.1, betas=(0.9, 0.99), eps=1e-8)
    opt.step()
    # m = 0.05, v = 0.0025; bias-corrected m̂ = 0.5, v̂ = 0.25: the step is 0.1·0.5/(0.5 + 1e-8)
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-14)
    after_one = p.data
    p.grad = -1.0
    opt.step()
    # m = 0.9·0.05 − 0.1 = −0.055, v = 0.99·0.0025 + 0.01 = 0.012475
    m_hat, v_hat = -0.055 / (1 - 0.9**2), 0.012475 / (1 - 0.99**2)
    assert p.data == pytest.approx(after_one - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-14)


def test_zero_grad():
    params = with_grads(1.0, 2.0)
    Adam(params).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_a_step_that_would_overflow_changes_nothing():
    p, q = with_grads(1.0, 1e300)
    with pytest.raises(OverflowError, match=r"SGD: parameter 1 would become -inf.*lr too large"):
        SGD([p, q], lr=1e10).step()
    assert (p.data, q.data) == (1.0, 1.0)



def twin_steps(make, grads):
    """Two optimizers on twin parameters: one tries every step in ``grads`` (a refused
    step's error is kept), the other takes only the steps that were not refused."""
    tried, clean = Value(1.0), Value(1.0)
    opt_tried, opt_clean = make([tried]), make([clean])
    refused = []
    for g in grads:
        tried.grad = g
        try:
            opt_tried.step()
        except (OverflowError, ValueError) as e:
            refused.append(str(e))
            continue
        clean.grad = g
        opt_clean.step()
    return tried.data, clean.data, refused


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=10.0, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)])
def test_a_refused_step_changes_no_state_later_steps_run_as_if_it_was_not_tried(make):
    # the issue: velocity, m, v and t were updated before the check, so after one refused
    # step every later step was refused too
    tried, clean, refused = twin_steps(make, [0.5, 1e308, math.nan, -0.25, 2.0])
    assert len(refused) == 2 and all("nothing was changed" in e for e in refused)
    assert tried == clean != 1.0


def test_adam_refuses_a_grad_whose_square_overflows_instead_of_freezing():
    # the issue: g·g = inf made v = inf, so every later step was 0: the parameter froze
    p = Value(1.0)
    opt = Adam([p], lr=0.1)
    p.grad = 1e200
    with pytest.raises(OverflowError, match=r"Adam: params\[0\]\.grad = 1e\+200 is too large: "
                       "its square is not a finite float"):
        opt.step()
    assert (p.data, opt._t, opt._m, opt._v) == (1.0, 0, [0.0], [0.0])
    p.grad = 1e150  # the square, 1e300, is finite: an ordinary first step of size lr
    opt.step()
    assert p.data == pytest.approx(0.9, rel=1e-12)


@pytest.mark.parametrize("bad", ["a", None, Value(1.0)])
def test_a_grad_that_is_not_a_number_is_a_type_error_naming_the_parameter(bad):
    p, q = with_grads(1.0, 1.0)
    q.grad = bad
    with pytest.raises(TypeError, match=r"SGD: params\[1\]\.grad must be a real number, got "):
        SGD([p, q], lr=0.1).step()
    assert (p.data, q.data) == (1.0, 1.0)


@pytest.mark.parametrize(
    ("make", "error", "pattern"),
    [
        (lambda: SGD([], lr=0.1), ValueError, "SGD: params is empty: no parameters"),
        (lambda: SGD([Value(1.0), 2.0], lr=0.1), TypeError, r"SGD: params\[1\] is a float"),
        (lambda: SGD([Value(1.0)], lr=0.0), ValueError, r"SGD: lr must be in \(0, inf\), got 0"),
        (lambda: Adam([Value(1.0)], lr=-1), ValueError, "Adam: lr must be in"),
        (lambda: SGD([Value(1.0)], momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in"),
        (lambda: Adam([Value(1.0)], eps=0.0), ValueError, "eps must be in"),
        (lambda: SGD([Value(1.0)], lr=float("nan")), ValueError, "lr must be a finite number"),
        (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, "SGD: lr must be a real number, got str"),
        (lambda: Adam([Value(1.0)], betas=(0.9,)), ValueError, r"betas must be a pair .*got 1 n"),
        (lambda: Adam([Value(1.0)], betas=0.9), TypeError, "betas must be a pair .*got float"),
        (lambda: Adam([Value(1.0)], eps="a"), TypeError, "Adam: eps must be a real number"),
        (lambda: SGD(Value(1.0)), TypeError, "SGD: params must be a list of Values, got Value"),
        (lambda: SGD(np.array(1.0)), TypeError, "SGD: params must be a list of Values, got nd"),
    ],
)
def test_bad_optimizer_settings(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


# --- the training target from the issue ---------------------------------------------------
def moons():
    return two_moons(200, seed=0, constant_feature=True)


def accuracy_by_closed_form(net, X, labels):
    """Accuracy from nets.manual's forward pass, independent of the engine and nets.training."""
    W, w = net.weights()
    predicted = np.array([manual.forward(W, w, x).r > 0 for x in X])
    return float(np.mean(predicted == (labels == 1)))


@pytest.mark.parametrize("loss", ["logistic", "squared"])
def test_feature_discovery_net_learns_two_moons(loss):
    X, labels = moons()
    Y = class_targets(labels, loss)
    net = FeatureDiscoveryNet(3, 16, loss=loss, seed=0)
    history = train(net, X, Y, Adam(net.parameters(), lr=0.05), epochs=30, batch_size=20,
                    seed=0, progress=False)
    assert accuracy_by_closed_form(net, X, labels) >= 0.97
    assert accuracy(net, X, Y) == accuracy_by_closed_form(net, X, labels)
    assert len(history.loss) == len(history.accuracy) == 30 and not history.interrupted
    # decreases overall: the last five epochs well below the first five, and the end is the
    # lowest stretch
    first, last = np.mean(history.loss[:5]), np.mean(history.loss[-5:])
    assert last < 0.3 * first
    assert last <= min(np.mean(history.loss[k : k + 5]) for k in range(0, 25, 5))


def test_full_batch_history_is_the_loss_and_accuracy_after_each_step():
    X, labels = xor(30, seed=1, constant_feature=True)
    net = FeatureDiscoveryNet(3, 4, loss="logistic", seed=1)
    expected, expected_acc = [], []
    opt = SGD(net.parameters(), lr=0.5)
    for _ in range(3):  # the same three full-batch steps, and the loss after each
        total = net.total_loss(X, labels)
        opt.zero_grad()
        total.backward()
        opt.step()
        expected.append(manual.batch_loss(*net.weights(), X, labels, "logistic"))
        expected_acc.append(accuracy_by_closed_form(net, X, labels))
    other = FeatureDiscoveryNet(3, 4, loss="logistic", seed=1)
    history = train(other, X, labels, SGD(other.parameters(), lr=0.5), epochs=3, progress=False)
    assert history.loss == pytest.approx(expected, rel=1e-12)
    assert history.accuracy == expected_acc
    assert np.array_equal(other.weights()[0], net.weights()[0])


def test_history_ends_at_the_trained_models_figures():
    # The progress bar and History end where accuracy() and the mean loss of the trained
    # model are: one definition, after the epoch, on the final weights.
    X, labels = moons()
    net = FeatureDiscoveryNet(3, 6, loss="logistic", seed=0)
    history = train(net, X[:60], labels[:60], Adam(net.parameters(), lr=0.05), epochs=4,
                    batch_size=16, progress=False)
    assert history.accuracy[-1] == accuracy_by_closed_form(net, X[:60], labels[:60])
    assert history.loss[-1] == pytest.approx(net.total_loss(X[:60], labels[:60]).data, rel=1e-14)


def test_mini_batches_are_seeded():
    X, labels = moons()

    def run(seed):
        net = FeatureDiscoveryNet(3, 4, loss="logistic", seed=0)
        h = train(net, X[:40], labels[:40], SGD(net.parameters(), lr=0.1), epochs=2,
                  batch_size=8, seed=seed, progress=False)
        return h.loss, net.weights()[0]

    (loss_a, W_a), (loss_b, W_b), (_, W_c) = run(3), run(3), run(4)
    assert loss_a == loss_b and np.array_equal(W_a, W_b)
    assert not np.array_equal(W_a, W_c)


def test_ctrl_c_stops_and_keeps_the_weights_so_far():
    X, labels = xor(20, seed=0, constant_feature=True)

    class StopsAfter:
        """The net, but Ctrl-C arrives at forward pass number ``calls + 1``."""

        def __init__(self, net, calls):
            self.net, self.calls, self.loss_name = net, calls, net.loss_name

        def __call__(self, x):
            if self.calls == 0:
                raise KeyboardInterrupt
            self.calls -= 1
            return self.net(x)

        def parameters(self):
            return self.net.parameters()

    def fresh():
        net = FeatureDiscoveryNet(3, 4, loss="logistic", seed=2)
        return net, SGD(net.parameters(), lr=0.2)

    net, opt = fresh()
    # Each epoch is 20 forward passes to train and 20 to measure: interrupted in the third.
    history = train(StopsAfter(net, calls=2 * (20 + 20) + 7), X, labels, opt, epochs=5,
                    progress=False)
    assert history.interrupted and len(history.loss) == len(history.accuracy) == 2
    reference, ref_opt = fresh()
    expected = train(reference, X, labels, ref_opt, epochs=2, progress=False)
    assert history.loss == expected.loss
    assert np.array_equal(net.weights()[0], reference.weights()[0])
    assert np.array_equal(net.weights()[1], reference.weights()[1])


def test_train_an_mlp_with_a_named_loss():
    X, labels = two_moons(40, seed=2)
    model = MLP(2, [8, 1], seed=0)
    history = train(model, X, class_targets(labels, "hinge"), SGD(model.parameters(), lr=0.05),
                    epochs=10, loss="hinge", batch_size=10, progress=False)
    assert history.loss[-1] < history.loss[0]


def test_progress_bar_shows_the_running_loss(capsys):
    X, labels = xor(10, seed=0, constant_feature=True)
    net = FeatureDiscoveryNet(3, 2, loss="logistic")
    train(net, X, labels, SGD(net.parameters(), lr=0.1), epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "2/2" in err and "loss=" in err and "acc=" in err


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive integer, got 0"),
        ({"Y": [0.0, 1.0]}, ValueError, r"Y must have shape \(4,\)"),
        ({"model": MLP(3, [2, 1])}, ValueError, "MLP has no loss of its own: pass loss="),
        ({"model": MLP(3, [2, 2]), "loss": "logistic"}, TypeError, "one Value"),
        ({"loss": "cross"}, ValueError, "unknown loss 'cross'"),
    ],
)
def test_bad_training_arguments(kwargs, error, pattern):
    net = FeatureDiscoveryNet(3, 2, loss="logistic")
    args = {"model": net, "X": np.ones((4, 3)), "Y": [0.0, 1.0, 1.0, 0.0], "epochs": 1,
            "progress": False, **kwargs}
    args["optimizer"] = SGD(args["model"].parameters(), lr=0.1)
    with pytest.raises(error, match=pattern):
        train(**args)


class _Tripwire(Value):
    """A parameter that sends this process a Ctrl-C (SIGINT) when its data is set."""

    __slots__ = ()

    @property
    def data(self) -> float:
        return Value.data.__get__(self)

    @data.setter
    def data(self, value: float) -> None:
        Value.data.__set__(self, value)
        if getattr(_Tripwire, "armed", False):
            import os
            import signal

            _Tripwire.armed = False
            os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("make", [lambda ps: Adam(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1,
                                                                              momentum=0.9)])
def test_ctrl_c_inside_a_step_leaves_it_whole(make):
    params = [Value(1.0) for _ in range(500)] + [_Tripwire(1.0)] + [Value(1.0) for _ in range(500)]
    opt = make(params)
    for p in params:
        p.grad = 0.5
    _Tripwire.armed = True  # the Ctrl-C arrives halfway through moving the parameters
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    assert not _Tripwire.armed
    moved = sum(p.data != 1.0 for p in params)
    assert moved == len(params)  # all of them, and the state with them
    state = vars(opt)
    assert (state["_t"] == 1) if isinstance(opt, Adam) else (state["_velocity"][-1] == 0.5)
