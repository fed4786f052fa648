"""The exercise checkers of nets.exercises: the reference solutions (kept here, never in the
notebook) pass; typical wrong answers get a message naming the node and both numbers, and
the factor of the chain rule that is off."""

from __future__ import annotations

import math

import pytest

from nets.exercises import (
    BACKWARD_STEP_OPS,
    LOCAL_DERIVATIVE_OPS,
    check_backward_step,
    check_local_derivative,
    check_weight_gradient,
)

# --- reference solutions --------------------------------------------------------------------

LOCAL_DERIVATIVES = {
    "add": lambda a, b, y: (1.0, 1.0),
    "sub": lambda a, b, y: (1.0, -1.0),
    "mul": lambda a, b, y: (b, a),
    "div": lambda a, b, y: (1 / b, -a / b**2),
    "exp": lambda a, y: y,
    "log": lambda a, y: 1 / a,
    "tanh": lambda a, y: 1 - y**2,
    "sigmoid": lambda a, y: y * (1 - y),
    "sin": lambda a, y: math.cos(a),
    "cos": lambda a, y: -math.sin(a),
    "relu": lambda a, y: 1.0 if a > 0 else 0.0,
}


def mul_step(out):
    a, b = out.parents
    a.grad += b.data * out.grad
    b.grad += a.data * out.grad


def tanh_step(out):
    (n,) = out.parents
    n.grad += (1 - out.data**2) * out.grad


def add_step(out):
    a, b = out.parents
    a.grad += out.grad
    b.grad += out.grad


STEPS = {"mul": mul_step, "tanh": tanh_step, "add": add_step}


def weight_gradient(t, w, y, i, j):
    """The notes' ∂l/∂W_ij = ∂l/∂r · ∂r/∂x̂_j · ∂x̂_j/∂r̃_j · ∂r̃_j/∂W_ij, squared loss."""
    r = t.r.data
    return -2 * (y - r), w[j], 1.0 if t.r_tilde[j].data > 0 else 0.0, t.x[i].data


# --- the reference solutions pass -------------------------------------------------------------


def test_every_op_offered_has_a_reference_solution():
    assert set(LOCAL_DERIVATIVES) == set(LOCAL_DERIVATIVE_OPS)
    assert set(STEPS) == set(BACKWARD_STEP_OPS)


@pytest.mark.parametrize("op", LOCAL_DERIVATIVE_OPS)
def test_reference_local_derivatives_pass(op):
    verdict = check_local_derivative(op, LOCAL_DERIVATIVES[op])
    assert verdict, str(verdict)
    assert str(verdict).startswith("right:")


@pytest.mark.parametrize("op", BACKWARD_STEP_OPS)
def test_reference_backward_steps_pass(op):
    verdict = check_backward_step(op, STEPS[op])
    assert verdict, str(verdict)


def test_reference_weight_gradient_passes():
    verdict = check_weight_gradient(weight_gradient)
    assert verdict, str(verdict)


# --- placeholders -------------------------------------------------------------------------------


def test_placeholders_are_not_answered_yet():
    def step(out):
        a, b = out.parents
        a.grad += ...

    for verdict in (check_local_derivative("tanh", lambda a, y: ...),
                    check_backward_step("mul", step),
                    check_weight_gradient(lambda t, w, y, i, j: (..., w[j], ..., ...))):
        assert not verdict
        assert str(verdict) == "wrong: not answered yet: replace each ... with your expression."


# --- typical wrong answers get the specific message --------------------------------------------


@pytest.mark.parametrize(
    ("op", "answer", "message"),
    [
        # tanh' written with the input instead of the output: 1 − a², not 1 − y²
        ("tanh", lambda a, y: 1 - a**2,
         "the tanh node at a = −1.3 (y = −0.8617): ∂y/∂a is expected 0.2574 (finite "
         "differences), got −0.69."),
        # the quotient rule's sign dropped in ∂(a/b)/∂b
        ("div", lambda a, b, y: (1 / b, a / b**2),
         "the div node at a = 2, b = −3 (y = −0.6667): ∂y/∂b is expected −0.2222 (finite "
         "differences), got 0.2222."),
        # sigmoid' as σ(1 − σ) taken at the input
        ("sigmoid", lambda a, y: a * (1 - a),
         "the sigmoid node at a = −1.3 (y = 0.2142): ∂y/∂a is expected 0.1683 (finite "
         "differences), got −2.99."),
    ],
    ids=["tanh-of-input", "div-sign", "sigmoid-of-input"],
)
def test_wrong_local_derivatives(op, answer, message):
    verdict = check_local_derivative(op, answer)
    assert not verdict
    assert str(verdict) == f"wrong: {message}"


def _forgets_upstream(out):
    a, b = out.parents
    a.grad += b.data
    b.grad += a.data


def _swaps_inputs(out):
    a, b = out.parents
    a.grad += a.data * out.grad
    b.grad += b.data * out.grad


def _overwrites(out):
    a, b = out.parents
    a.grad = b.data * out.grad
    b.grad = a.data * out.grad


LECTURE_CHAIN = "The chain rule: ∂L/∂a = ∂L/∂d · ∂d/∂e · ∂e/∂a = (−2)·(1)·(−3) = 6."


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_forgets_upstream,
         "node a, the input of e = a * b: a.grad is expected 6, got −3. " + LECTURE_CHAIN
         + " The factor ∂L/∂e = −2 is missing: multiply the local derivative by e.grad."),
        (_swaps_inputs,
         "node a, the input of e = a * b: a.grad is expected 6, got −4. " + LECTURE_CHAIN
         + " The factor ∂e/∂a is off: the step used 2, the local derivative is −3 "
         "(∂L/∂e = −2 is right)."),
        (_overwrites,
         "node a, the input of e = a * a: a.grad is expected 9, got 4.5. The chain rule: "
         "∂L/∂a = ∂L/∂e · ∂e/∂a = (3)·(3) = 9. a is 2 inputs of e: each use adds its "
         "contribution; use += so the second does not overwrite the first."),
    ],
    ids=["forgets-upstream", "swaps-inputs", "overwrites"],
)
def test_wrong_backward_steps(answer, message):
    verdict = check_backward_step("mul", answer)
    assert not verdict
    assert str(verdict) == f"wrong: {message}"


def test_a_step_that_raises_is_reported_not_raised():
    def step(out):
        raise KeyError("n")

    assert str(check_backward_step("tanh", step)) == "wrong: your code raised KeyError: 'n'"
    # a Value compared with a number (Values have no order): reported, not raised
    verdict = check_weight_gradient(lambda t, w, y, i, j: (1.0, 1.0, t.r_tilde[j] > 0, 1.0))
    assert str(verdict).startswith("wrong: your code raised TypeError: '>' not supported")
    verdict = check_weight_gradient(lambda t, w, y, i, j: 1.0)
    assert str(verdict) == "wrong: return the 4 factors of ∂l/∂W[0,0], l's side first, got 1.0."


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        # ∂l/∂r with the sign of (y − r) but not of the inner derivative −1
        (lambda t, w, y, i, j: (2 * (y - t.r.data), *weight_gradient(t, w, y, i, j)[1:]),
         "node l: the factor ∂l/∂r of ∂l/∂W[0,0] is expected −0.88, got 0.88; so ∂l/∂W[0,0] "
         "comes out 1.584 instead of −1.584 (finite differences)."),
        # the ReLU's derivative taken as 1 whether the unit is on or off
        (lambda t, w, y, i, j: (-2 * (y - t.r.data), w[j], 1.0, t.x[i].data),
         "node x̂[1]: the factor ∂x̂[1]/∂r̃[1] of ∂l/∂W[0,1] is expected 0, got 1; so "
         "∂l/∂W[0,1] comes out 0.924 instead of 0 (finite differences). x̂[1] = ReLU(r̃[1]) "
         "and r̃[1] = −0.15: the unit is off, so its derivative is 0."),
        # ∂r̃_j/∂W_ij taken as the weight instead of the input x_i
        (lambda t, w, y, i, j: (*weight_gradient(t, w, y, i, j)[:3], _NET_W[i][j]),
         "node r̃[0]: the factor ∂r̃[0]/∂W[0,0] of ∂l/∂W[0,0] is expected 1.5, got 0.8; so "
         "∂l/∂W[0,0] comes out −0.8448 instead of −1.584 (finite differences)."),
    ],
    ids=["loss-sign", "relu-always-on", "weight-for-input"],
)
def test_wrong_weight_gradients(answer, message):
    verdict = check_weight_gradient(answer)
    assert not verdict
    assert str(verdict) == f"wrong: {message}"


_NET_W = [[0.8, -0.6], [-0.4, 1.1], [0.3, 0.2]]  # the exercise's net, as a student sees it


def test_unknown_ops_are_refused():
    with pytest.raises(ValueError, match="no exercise for the op 'pow'"):
        check_local_derivative("pow", lambda a, y: 0.0)
    with pytest.raises(ValueError, match="no exercise for the op 'div'"):
        check_backward_step("div", mul_step)
