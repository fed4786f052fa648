"""nets.manual: the notes' closed-form gradients, checked against finite differences."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nets.manual import (
    LOSSES,
    batch_gradients,
    batch_loss,
    dloss_dr,
    forward,
    gradients,
    loss,
    relu_derivative,
)

ROOT = Path(__file__).resolve().parents[1]

# A hand-worked example: r_tilde = (1·1 + 2·2, -1·1 + 0.5·2) = (5, 0), x_hat = (5, 0),
# r = 2·5 + 3·0 = 10. With y = 7 and the squared loss: l = 9 and dl/dr = -2 (7 - 10) = 6.
W_HAND = np.array([[1.0, -1.0], [2.0, 0.5]])
w_HAND = np.array([2.0, 3.0])
x_HAND = np.array([1.0, 2.0])


def central_difference(f, a, h=1e-6):
    """∂f/∂a by central differences, one entry of a at a time."""
    grad = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[index] = h
        grad[index] = (f(a + step) - f(a - step)) / (2 * h)
    return grad


def random_problem(seed, kind, n):
    """Random W, w, X and targets suited to ``kind``, with every |r_tilde| away from 0."""
    rng = np.random.default_rng(seed)
    D, H = rng.integers(1, 5, size=2)
    W, w, X = rng.normal(size=(D, H)), rng.normal(size=H), rng.normal(size=(n, D))
    Y = rng.integers(0, 2, size=n).astype(float) if kind == "logistic" else rng.normal(size=n)
    assume(np.abs(X @ W).min() > 1e-3)  # central differences straddling a ReLU kink are wrong
    return W, w, X, Y


seeds = st.integers(0, 2**32 - 1)
kinds = st.sampled_from(["squared", "logistic"])
reductions = st.sampled_from(["mean", "sum"])


def test_forward_on_a_hand_worked_example():
    r_tilde, x_hat, r = forward(W_HAND, w_HAND, x_HAND)
    assert r_tilde.tolist() == [5.0, 0.0]
    assert x_hat.tolist() == [5.0, 0.0]
    assert r == 10.0


def test_gradients_on_a_hand_worked_example():
    dW, dw = gradients(W_HAND, w_HAND, x_HAND, 7.0)
    # dW_ij = 6 · w_j · a'(r_tilde_j) · x_i; column 2 is zero because a'(0) = 0.
    assert dW.tolist() == [[12.0, 0.0], [24.0, 0.0]]
    assert dw.tolist() == [30.0, 0.0]


def test_relu_derivative_is_zero_at_zero():
    assert relu_derivative([-1.0, 0.0, 2.0]).tolist() == [0.0, 0.0, 1.0]


@settings(max_examples=60, deadline=None)
@given(seed=seeds, kind=kinds, reduction=reductions, n=st.integers(1, 6))
def test_batch_gradients_match_finite_differences(seed, kind, reduction, n):
    W, w, X, Y = random_problem(seed, kind, n)
    dW, dw = batch_gradients(W, w, X, Y, kind, reduction)
    np.testing.assert_allclose(
        dW,
        central_difference(lambda W_: batch_loss(W_, w, X, Y, kind, reduction), W),
        rtol=1e-5,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        dw,
        central_difference(lambda w_: batch_loss(W, w_, X, Y, kind, reduction), w),
        rtol=1e-5,
        atol=1e-6,
    )


@settings(max_examples=60, deadline=None)
@given(seed=seeds, kind=kinds)
def test_single_example_gradients_match_finite_differences(seed, kind):
    W, w, (x,), (y,) = random_problem(seed, kind, 1)

    def loss_at(W_, w_):
        return loss(forward(W_, w_, x).r, y, kind)

    dW, dw = gradients(W, w, x, y, kind)
    np.testing.assert_allclose(
        dW, central_difference(lambda W_: loss_at(W_, w), W), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        dw, central_difference(lambda w_: loss_at(W, w_), w), rtol=1e-5, atol=1e-6
    )


@settings(max_examples=60, deadline=None)
@given(seed=seeds, kind=kinds, n=st.integers(1, 6))
def test_batch_is_the_sum_or_mean_of_single_examples(seed, kind, n):
    W, w, X, Y = random_problem(seed, kind, n)
    singles = [gradients(W, w, x, y, kind) for x, y in zip(X, Y)]
    dW_sum, dw_sum = sum(g[0] for g in singles), sum(g[1] for g in singles)
    loss_sum = sum(loss(forward(W, w, x).r, y, kind) for x, y in zip(X, Y))

    dW, dw = batch_gradients(W, w, X, Y, kind, "sum")
    np.testing.assert_allclose(dW, dW_sum, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, dw_sum, rtol=1e-12, atol=1e-12)
    dW, dw = batch_gradients(W, w, X, Y, kind, "mean")
    np.testing.assert_allclose(dW, dW_sum / n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, dw_sum / n, rtol=1e-12, atol=1e-12)
    assert batch_loss(W, w, X, Y, kind, "sum") == pytest.approx(loss_sum, rel=1e-12)
    assert batch_loss(W, w, X, Y, kind, "mean") == pytest.approx(loss_sum / n, rel=1e-12)


@given(r=st.floats(-50, 50), y=st.floats(-10, 10))
def test_squared_loss_matches_its_formula(r, y):
    assert loss(r, y, "squared") == pytest.approx((y - r) ** 2)
    assert dloss_dr(r, y, "squared") == pytest.approx(-2 * (y - r))


@given(r=st.floats(-30, 30), y=st.sampled_from([0.0, 1.0]))
def test_logistic_loss_matches_the_notes_formula(r, y):
    # The notes' form, evaluated naively: fine while |r| is moderate.
    assert loss(r, y, "logistic") == pytest.approx((1 - y) * r + np.log1p(np.exp(-r)), abs=1e-12)
    assert dloss_dr(r, y, "logistic") == pytest.approx(1 / (1 + np.exp(-r)) - y, abs=1e-12)


@settings(deadline=None)
@given(r=st.floats(-50, 50), kind=kinds, y=st.sampled_from([0.0, 1.0]))
def test_dloss_dr_matches_finite_differences(r, kind, y):
    h = 1e-6
    numeric = (loss(r + h, y, kind) - loss(r - h, y, kind)) / (2 * h)
    assert dloss_dr(r, y, kind) == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize(
    ("r", "y", "expected_loss", "expected_derivative"),
    [
        # l = (1 - y) r + log(1 + e^(-r)) and dl/dr = σ(r) - y, worked out by hand.
        (1000.0, 0.0, 1000.0, 1.0),
        (1000.0, 1.0, 0.0, 0.0),
        (-1000.0, 0.0, 0.0, 0.0),
        (-1000.0, 1.0, 1000.0, -1.0),
        (0.0, 1.0, np.log(2.0), -0.5),
    ],
)
def test_logistic_loss_is_stable_at_large_scores(r, y, expected_loss, expected_derivative):
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        assert loss(r, y, "logistic") == pytest.approx(expected_loss, abs=1e-12)
        assert dloss_dr(r, y, "logistic") == pytest.approx(expected_derivative, abs=1e-12)


def test_losses_are_vectorized():
    r, y = np.array([[0.0, 1.0], [2.0, -1.0]]), np.array([[1.0, 0.0], [1.0, 1.0]])
    for kind in LOSSES:
        assert loss(r, y, kind).shape == (2, 2)
        assert dloss_dr(r, y, kind).shape == (2, 2)
    assert loss(r, y, "squared").tolist() == [[1.0, 1.0], [1.0, 4.0]]


@pytest.mark.parametrize("function", [loss, dloss_dr])
def test_logistic_loss_rejects_labels_other_than_0_and_1(function):
    with pytest.raises(ValueError, match=r"\{0, 1\}.*0\.5"):
        function(np.zeros(3), np.array([0.0, 0.5, 1.0]), "logistic")


@pytest.mark.parametrize("function", [loss, dloss_dr])
def test_unknown_loss_kind_lists_the_valid_kinds(function):
    with pytest.raises(ValueError, match="'hinge'.*'squared', 'logistic'"):
        function(0.0, 1.0, "hinge")


def test_unknown_reduction_lists_the_valid_reductions():
    with pytest.raises(ValueError, match="'median'.*'mean', 'sum'"):
        batch_loss(W_HAND, w_HAND, x_HAND[None], [1.0], reduction="median")


W34, w4 = np.ones((3, 4)), np.ones(4)


@pytest.mark.parametrize(
    ("function", "args", "message"),
    [
        (forward, (np.ones(3), np.ones(3), np.ones(3)), "W must have shape (D, H), got (3,)"),
        (forward, (W34, np.ones(5), np.ones(3)), "w must have shape (H=4), got (5,)"),
        (forward, (W34, w4, np.ones(2)), "x must have shape (D=3), got (2,)"),
        (forward, (W34, w4, np.ones((1, 3))), "x must have shape (D=3), got (1, 3)"),
        (gradients, (W34, w4, np.ones(2), 0.0), "x must have shape (D=3), got (2,)"),
        (
            batch_loss,
            (W34, w4, np.ones((5, 2)), np.ones(5)),
            "X must have shape (N, D=3), got (5, 2)",
        ),
        (batch_loss, (W34, w4, np.ones((5, 3)), np.ones(4)), "Y must have shape (N=5), got (4,)"),
        (
            batch_gradients,
            (W34, w4, np.ones(3), np.ones(1)),
            "X must have shape (N, D=3), got (3,)",
        ),
        (batch_gradients, (W34, w4, np.ones((0, 3)), np.ones(0)), "one example, got shape (0, 3)"),
    ],
)
def test_shape_errors_name_expected_and_actual_shapes(function, args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        function(*args)


def test_manual_never_imports_the_engine():
    code = "import sys, nets.manual; print('autograd_lite' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
