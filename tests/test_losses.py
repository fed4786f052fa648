"""nets.losses: values and derivatives against the formulas, stability, target domains."""

from __future__ import annotations

import math

import pytest

from autograd_lite import Value
from nets.losses import (
    LOSSES,
    class_targets,
    get_loss,
    hinge_loss,
    logistic_loss,
    reduce,
    squared_loss,
)


def value_and_derivative(loss, r, y):
    """l(r, y) and ∂l/∂r from the engine."""
    node = Value(r)
    out = loss(node, y)
    out.backward()
    return out.data, node.grad


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.parametrize(("r", "y"), [(2.5, -1.0), (-0.75, 3.0), (0.0, 0.0), (1.0, 1.0)])
def test_squared_loss(r, y):
    value, derivative = value_and_derivative(squared_loss, r, y)
    assert value == (y - r) ** 2
    assert derivative == -2 * (y - r)


@pytest.mark.parametrize("y", [0, 1])
@pytest.mark.parametrize("r", [-30.0, -4.0, -0.5, 0.0, 0.25, 3.0, 30.0])
def test_logistic_loss_is_the_notes_formula_with_derivative_sigma_minus_y(r, y):
    value, derivative = value_and_derivative(logistic_loss, r, y)
    # Written directly from the notes; no overflow for |r| ≤ 30.
    assert value == pytest.approx((1 - y) * r + math.log(1 + math.exp(-r)), rel=1e-9, abs=1e-12)
    assert derivative == pytest.approx(sigmoid(r) - y, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(
    ("r", "y", "value", "derivative"),
    [
        # l = (1 − y) r + log(1 + e^(−r)) and σ(r) − y, with e^(−1000) = 0 to double precision
        (1000.0, 0, 1000.0, 1.0),
        (1000.0, 1, 0.0, 0.0),
        (-1000.0, 0, 0.0, 0.0),  # −1000 + log(1 + e^1000) = log(1 + e^−1000)
        (-1000.0, 1, 1000.0, -1.0),
    ],
)
def test_logistic_loss_is_finite_at_plus_minus_1000(r, y, value, derivative):
    got_value, got_derivative = value_and_derivative(logistic_loss, r, y)
    assert math.isfinite(got_value) and math.isfinite(got_derivative)
    assert got_value == pytest.approx(value, abs=1e-12)
    assert got_derivative == pytest.approx(derivative, abs=1e-12)


@pytest.mark.parametrize("y", [0.5, -1, 2, float("nan")])
def test_logistic_loss_rejects_targets_outside_0_1(y):
    with pytest.raises(ValueError, match=r"logistic loss needs a target y in \{0, 1\}"):
        logistic_loss(Value(0.3), y)


@pytest.mark.parametrize(
    ("score", "y", "value", "derivative"),
    [(0.3, 1, 0.7, -1.0), (0.3, -1, 1.3, 1.0), (2.0, 1, 0.0, 0.0), (-2.0, -1, 0.0, 0.0)],
)
def test_hinge_loss(score, y, value, derivative):
    got_value, got_derivative = value_and_derivative(hinge_loss, score, y)
    assert got_value == pytest.approx(value, rel=1e-15)
    assert got_derivative == derivative


@pytest.mark.parametrize("y", [0, 0.5, 2])
def test_hinge_loss_rejects_targets_outside_plus_minus_1(y):
    with pytest.raises(ValueError, match=r"hinge loss needs a target y in \{-1, 1\}"):
        hinge_loss(Value(0.3), y)


def test_get_loss_by_name_and_unknown_names():
    assert get_loss("logistic") is logistic_loss
    assert set(LOSSES) == {"squared", "logistic", "hinge"}
    with pytest.raises(ValueError, match=r"unknown loss 'cross'.*'squared', 'logistic', 'hinge'"):
        get_loss("cross")


def test_class_targets():
    assert class_targets([0, 1, 1, 0], "logistic").tolist() == [0.0, 1.0, 1.0, 0.0]
    assert class_targets([0, 1, 1, 0], "squared").tolist() == [-1.0, 1.0, 1.0, -1.0]
    assert class_targets([0, 1], "hinge").tolist() == [-1.0, 1.0]


def test_class_targets_rejects_other_labels_and_losses():
    with pytest.raises(ValueError, match="class labels must be 0 or 1, got -1.0 at index 1"):
        class_targets([0, -1], "squared")
    with pytest.raises(ValueError, match="unknown loss"):
        class_targets([0, 1], "cross")


def test_reduce_mean_and_sum():
    terms = [Value(1.0), Value(2.0), Value(6.0)]
    assert reduce(terms, "sum").data == 9.0
    mean = reduce(terms, "mean")
    assert mean.data == 3.0
    mean.backward()
    assert [t.grad for t in terms] == [1 / 3, 1 / 3, 1 / 3]


def test_reduce_rejects_an_empty_batch_and_unknown_reductions():
    with pytest.raises(ValueError, match="empty"):
        reduce([], "mean")
    with pytest.raises(ValueError, match=r"unknown reduction 'max'; choose one of 'mean', 'sum'"):
        reduce([Value(1.0)], "max")
