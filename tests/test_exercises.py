"""The exercise checkers of nets.exercises: the reference solutions (kept here, never in the
notebook) pass; typical wrong answers get a message naming the node and both numbers, and
the factor of the chain rule that is off."""

from __future__ import annotations

import math

import pytest

from autograd_lite import OPS, Value
from nets.exercises import (
    BACKWARD_STEP_OPS,
    LOCAL_DERIVATIVE_OPS,
    check_backward_step,
    check_defined_op,
    check_local_derivative,
    check_op,
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


# --- the usual mistakes, each named: task 1, an op's local derivatives ------------------------
# Each message is written out here by hand; its numbers were checked by hand (tanh(−1.3) =
# −0.8617, 1 − 1.3² = −0.69; ln 0.3 = −1.204; ∂(a/b)/∂b = −a/b² = −2/9 at (2, −3); …).

T1_TANH = "the tanh node at a = −1.3 (y = −0.8617): ∂y/∂a is expected 0.2574"


@pytest.mark.parametrize(
    ("op", "answer", "message"),
    [
        # a Value where a float belongs
        ("tanh", lambda a, y: 1 - Value(y) ** 2,
         T1_TANH + ", got a Value (data 0.2574): a Value was used where its number belongs; "
         "use plain floats."),
        # the rule written in the output, taken at the input: tanh' as 1 − a², not 1 − y²
        ("tanh", lambda a, y: 1 - a**2,
         T1_TANH + " (finite differences), got −0.69, which is the rule taken at the input "
         "a = −1.3: tanh's derivative is written in its output, y = −0.8617."),
        ("sigmoid", lambda a, y: a * (1 - a),
         "the sigmoid node at a = −1.3 (y = 0.2142): ∂y/∂a is expected 0.1683 (finite "
         "differences), got −2.99, which is the rule taken at the input a = −1.3: sigmoid's "
         "derivative is written in its output, y = 0.2142."),
        # and the reverse: log' = 1/a taken at the output
        ("log", lambda a, y: 1 / y,
         "the log node at a = 0.3 (y = −1.204): ∂y/∂a is expected 3.333 (finite differences), "
         "got −0.8306, which is the rule taken at the output y = −1.204: log's derivative is "
         "written in its input, a = 0.3."),
        # the two derivatives swapped
        ("mul", lambda a, b, y: (a, b),
         "the mul node at a = 2, b = −3 (y = −6): ∂y/∂a is expected −3 (finite differences), "
         "got 2, which is ∂y/∂b: the two derivatives are swapped."),
        ("div", lambda a, b, y: (-a / b**2, 1 / b),
         "the div node at a = 2, b = −3 (y = −0.6667): ∂y/∂a is expected −0.3333 (finite "
         "differences), got −0.2222, which is ∂y/∂b: the two derivatives are swapped."),
        # the sign lost
        ("div", lambda a, b, y: (1 / b, a / b**2),
         "the div node at a = 2, b = −3 (y = −0.6667): ∂y/∂b is expected −0.2222 (finite "
         "differences), got 0.2222: the sign is lost."),
        ("cos", lambda a, y: math.sin(a),
         "the cos node at a = −1.3 (y = 0.2675): ∂y/∂a is expected 0.9636 (finite "
         "differences), got −0.9636: the sign is lost."),
        # none of the usual mistakes: the numbers alone
        ("exp", lambda a, y: 2 * y,
         "the exp node at a = −1.3 (y = 0.2725): ∂y/∂a is expected 0.2725 (finite "
         "differences), got 0.5451."),
    ],
    ids=["value", "tanh-of-input", "sigmoid-of-input", "log-of-output", "mul-swapped",
         "div-swapped", "div-sign", "cos-sign", "no-usual-mistake"],
)
def test_local_derivative_mistakes(op, answer, message):
    verdict = check_local_derivative(op, answer)
    assert not verdict
    assert str(verdict) == f"wrong: {message}"


# --- task 2, one node's backward step: for each op, each mistake that can be made in it --------


def _step(body):
    """A student's step from the lines of its body (``a``, ``b``, ``n`` its inputs)."""
    def step(out):
        names = ("n",) if len(out.parents) == 1 else ("a", "b")
        body(out, *out.parents[: len(names)])
    return step


MUL = "node a, the input of e = a * b: a.grad is expected 6, got "
MUL_CHAIN = " The chain rule: ∂L/∂a = ∂L/∂d · ∂d/∂e · ∂e/∂a = (−2)·(1)·(−3) = 6."
TANH = "node n, the input of o = tanh(n): n.grad is expected 1, got "
TANH_CHAIN = " The chain rule: ∂L/∂n = ∂L/∂o · ∂o/∂n = (2)·(0.5) = 1."
ADD = "node a, the input of s = a + b: a.grad is expected 4, got "
ADD_CHAIN = " The chain rule: ∂L/∂a = ∂L/∂s · ∂s/∂a = (4)·(1) = 4."


def _add_to(x, amount):
    x.grad += amount


def _set(x, amount):
    x.grad = amount


def _both(first, second, how=_add_to):
    """A step body sending ``first(out, a, b)`` to a and ``second(out, a, b)`` to b."""
    def body(out, a, b):
        how(a, first(out, a, b))
        how(b, second(out, a, b))
    return body


def _one(amount, how=_add_to):
    def body(out, n):
        how(n, amount(out, n))
    return body


STEP_MISTAKES = {
    # a Value where its .data belongs
    ("mul", "value"): (_both(lambda o, a, b: b * o.grad, lambda o, a, b: a * o.grad),
                       MUL + "a Value (data 6)." + MUL_CHAIN + " A Value was used where its "
                       "number belongs: use `b.data`."),
    ("tanh", "value"): (_one(lambda o, n: (1 - o**2) * o.grad),
                        TANH + "a Value (data 1)." + TANH_CHAIN + " A Value was used where its "
                        "number belongs: use `o.data` (or `o.grad`)."),
    ("add", "value"): (_both(lambda o, a, b: o, lambda o, a, b: o),
                       "node a, the input of s = a + b: a.grad is expected 4, got a Value "
                       "(data −1)." + ADD_CHAIN + " A Value was used where its number belongs: "
                       "use `s.data` (or `s.grad`)."),
    # the local derivative taken at the input where the rule is in the output
    ("tanh", "input-for-output"): (
        _one(lambda o, n: (1 - n.data**2) * o.grad),
        TANH + "0.4464." + TANH_CHAIN + " The factor ∂o/∂n is off: the step took the rule at "
        "the input n = 0.8814, giving 0.2232; it is written in the output o: 0.5."),
    # the factors of the two inputs swapped
    ("mul", "swapped"): (_both(lambda o, a, b: a.data * o.grad, lambda o, a, b: b.data * o.grad),
                         MUL + "−4." + MUL_CHAIN + " The step used ∂e/∂b = 2, the other "
                         "input's factor: the inputs are swapped; ∂e/∂a is −3."),
    # the upstream gradient left out
    ("mul", "no-upstream"): (_both(lambda o, a, b: b.data, lambda o, a, b: a.data),
                             MUL + "−3." + MUL_CHAIN + " The factor ∂L/∂e = −2 is missing: "
                             "multiply the local derivative by e.grad."),
    ("tanh", "no-upstream"): (_one(lambda o, n: 1 - o.data**2),
                              TANH + "0.5." + TANH_CHAIN + " The factor ∂L/∂o = 2 is missing: "
                              "multiply the local derivative by o.grad."),
    ("add", "no-upstream"): (_both(lambda o, a, b: 1.0, lambda o, a, b: 1.0),
                             ADD + "1." + ADD_CHAIN + " The factor ∂L/∂s = 4 is missing: "
                             "multiply the local derivative by s.grad."),
    # the local derivative left out (the gradient passed on as by an addition)
    ("mul", "no-local"): (_both(lambda o, a, b: o.grad, lambda o, a, b: o.grad),
                          MUL + "−2." + MUL_CHAIN + " The local derivative ∂e/∂a = −3 is "
                          "missing: e.grad alone was sent."),
    # the sign lost
    ("mul", "sign"): (_both(lambda o, a, b: -b.data * o.grad, lambda o, a, b: -a.data * o.grad),
                      MUL + "−6." + MUL_CHAIN + " The sign is lost: the step added −6, "
                      "∂L/∂e · ∂e/∂a is (−2)·(−3) = 6."),
    ("tanh", "sign"): (_one(lambda o, n: (o.data**2 - 1) * o.grad),
                       TANH + "−1." + TANH_CHAIN + " The sign is lost: the step added −1, "
                       "∂L/∂o · ∂o/∂n is (2)·(0.5) = 1."),
    ("add", "sign"): (_both(lambda o, a, b: -o.grad, lambda o, a, b: -o.grad),
                      ADD + "−4." + ADD_CHAIN + " The sign is lost: the step added −4, "
                      "∂L/∂s · ∂s/∂a is (4)·(1) = 4."),
    # = where += belongs: an input used twice (a * a), or reached by another path first
    ("mul", "overwrites"): (
        _both(lambda o, a, b: b.data * o.grad, lambda o, a, b: a.data * o.grad, how=_set),
        "node a, the input of e = a * a: a.grad is expected 9, got 4.5. The chain rule: "
        "∂L/∂a = ∂L/∂e · ∂e/∂a = (3)·(3) = 9. a is 2 inputs of e: each use adds its "
        "contribution; use += so the second does not overwrite the first."),
    ("tanh", "overwrites"): (
        _one(lambda o, n: (1 - o.data**2) * o.grad, how=_set),
        "node n, the input of o = tanh(n): n.grad is expected 1.786, got 0.7864. The chain "
        "rule: ∂L/∂n = 1.786. n.grad held 1 from the other paths when the walk reached o, and "
        "the step replaced it: use += to add to it."),
    ("add", "overwrites"): (
        _both(lambda o, a, b: o.grad, lambda o, a, b: o.grad, how=_set),
        "node a, the input of s = a + b: a.grad is expected 2.5, got 1.5. The chain rule: "
        "∂L/∂a = 2.5. a.grad held 1 from the other paths when the walk reached s, and the "
        "step replaced it: use += to add to it."),
}


@pytest.mark.parametrize(("op", "mistake"), list(STEP_MISTAKES), ids="-".join)
def test_backward_step_mistakes(op, mistake):
    body, message = STEP_MISTAKES[op, mistake]
    verdict = check_backward_step(op, _step(body))
    assert not verdict
    assert str(verdict) == f"wrong: {message}"


def test_every_op_of_task_2_has_each_mistake_that_applies_to_it():
    """Swapping needs two inputs with different factors (mul); a rule in the output needs a
    unary op written in its output (tanh); the rest applies to every op."""
    expected = {"value", "no-upstream", "sign", "overwrites"}
    for op, extra in (("mul", {"swapped", "no-local"}), ("tanh", {"input-for-output"}),
                      ("add", set())):
        assert {m for o, m in STEP_MISTAKES if o == op} == expected | extra


def test_a_step_that_raises_is_reported_not_raised():
    def step(out):
        raise KeyError("n")

    assert str(check_backward_step("tanh", step)) == "wrong: your code raised KeyError: 'n'"
    # a Value compared with a number (Values have no order): reported, with where the numbers are
    verdict = check_weight_gradient(lambda t, w, y, i, j: (1.0, 1.0, t.r_tilde[j] > 0, 1.0))
    assert str(verdict) == (
        "wrong: your code raised TypeError: '>' not supported between instances of 'Value' "
        "and 'int'. A Value has no order and is not a number: use `t.r.data`, "
        "`t.r_tilde[j].data`, `t.x[i].data` (numbers; t.r is a Value).")
    verdict = check_weight_gradient(lambda t, w, y, i, j: 1.0)
    assert str(verdict) == "wrong: return the 4 factors of ∂l/∂W[0,0], l's side first, got 1.0."


# --- task 3, ∂l/∂W[i,j] by hand ------------------------------------------------------------------
# The exercise's net: r̃ = (1.3, −0.15) on x = (1.5, 0.5, 1), r = 1.2·1.3 = 1.56, y = 2, so
# ∂l/∂r = −2·(2 − 1.56) = −0.88 and ∂l/∂W[0,0] = −0.88 · 1.2 · 1 · 1.5 = −1.584.


def _with(k, value):
    """The right factors with factor k replaced by ``value(t, w, y, i, j)``."""
    def answer(t, w, y, i, j):
        factors = list(weight_gradient(t, w, y, i, j))
        factors[k] = value(t, w, y, i, j)
        return tuple(factors)
    return answer


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        # a Value where its .data belongs
        (_with(0, lambda t, w, y, i, j: -2 * (y - t.r)),
         "node l: the factor ∂l/∂r of ∂l/∂W[0,0] is expected −0.88, got a Value (data −0.88): "
         "a Value was used where its number belongs; use `t.r.data`."),
        (_with(3, lambda t, w, y, i, j: t.x[i]),
         "node r̃[0]: the factor ∂r̃[0]/∂W[0,0] of ∂l/∂W[0,0] is expected 1.5, got a Value "
         "(data 1.5): a Value was used where its number belongs; use `t.x[0].data`."),
        # two factors swapped: the product is right, the places are not
        (lambda t, w, y, i, j: (w[j], -2 * (y - t.r.data), *weight_gradient(t, w, y, i, j)[2:]),
         "node l: the factor ∂l/∂r of ∂l/∂W[0,0] is expected −0.88, got 1.2: that is "
         "∂r/∂x̂[0], the factor in place 2: two factors are swapped; their product, −1.584, is "
         "right, but each factor has its place, l's side first."),
        # the upstream gradient ∂l/∂r left out
        (_with(0, lambda t, w, y, i, j: 1.0),
         "node l: the factor ∂l/∂r of ∂l/∂W[0,0] is expected −0.88, got 1: the factor ∂l/∂r "
         "is left out (taken as 1); so ∂l/∂W[0,0] comes out 1.8 instead of −1.584 (finite "
         "differences)."),
        # the sign lost: ∂l/∂r with the sign of (y − r) but not of the inner derivative −1
        (_with(0, lambda t, w, y, i, j: 2 * (y - t.r.data)),
         "node l: the factor ∂l/∂r of ∂l/∂W[0,0] is expected −0.88, got 0.88: the sign is "
         "lost; so ∂l/∂W[0,0] comes out 1.584 instead of −1.584 (finite differences)."),
        # the ReLU's derivative taken as 1 whether the unit is on or off
        (_with(2, lambda t, w, y, i, j: 1.0),
         "node x̂[1]: the factor ∂x̂[1]/∂r̃[1] of ∂l/∂W[0,1] is expected 0, got 1; so "
         "∂l/∂W[0,1] comes out 0.924 instead of 0 (finite differences). x̂[1] = ReLU(r̃[1]) "
         "and r̃[1] = −0.15: the unit is off, so its derivative is 0."),
        # ∂r̃_j/∂W_ij taken as the weight instead of the input x_i
        (_with(3, lambda t, w, y, i, j: _NET_W[i][j]),
         "node r̃[0]: the factor ∂r̃[0]/∂W[0,0] of ∂l/∂W[0,0] is expected 1.5, got 0.8; so "
         "∂l/∂W[0,0] comes out −0.8448 instead of −1.584 (finite differences)."),
    ],
    ids=["value", "value-input", "swapped", "no-upstream", "sign", "relu-always-on",
         "weight-for-input"],
)
def test_weight_gradient_mistakes(answer, message):
    verdict = check_weight_gradient(answer)
    assert not verdict
    assert str(verdict) == f"wrong: {message}"


_NET_W = [[0.8, -0.6], [-0.4, 1.1], [0.3, 0.2]]  # the exercise's net, as a student sees it


def test_unknown_ops_are_refused():
    with pytest.raises(ValueError, match="no exercise for the op 'pow'"):
        check_local_derivative("pow", lambda a, y: 0.0)
    with pytest.raises(ValueError, match="no exercise for the op 'div'"):
        check_backward_step("div", mul_step)


# --- task 4, an op of your own (the lecture's way: a node made by hand and its closure) -------


def _sinh(backward):
    """sinh added the lecture's way, with ``backward(self, out)`` as its closure's body."""
    def sinh(self):
        out = Value(math.sinh(self.data), (self,), "sinh")

        def _backward():
            backward(self, out)

        out._backward = _backward
        return out
    return sinh


def _add(x, amount):
    x.grad += amount


SINH = "the sinh node at a = −1.3 (y = −1.698): ∂y/∂a is expected 1.971 (finite differences " \
       "of your sinh), backward() gives "


@pytest.mark.parametrize(
    ("backward", "message"),
    [
        # cosh(−1.3) = 1.971: the right closure
        (lambda s, o: _add(s, math.cosh(s.data) * o.grad), None),
        (lambda s, o: _add(s, -math.cosh(s.data) * o.grad), SINH + "−1.971: the sign is lost."),
        (lambda s, o: _add(s, o.grad),
         SINH + "1: that is out.grad alone; the local derivative is missing."),
        (lambda s, o: _add(s, math.sinh(s.data) * o.grad),
         SINH + "−1.698: that is y, the sinh itself, where its derivative belongs."),
        (lambda s, o: _add(s, 0.0 * o.grad),
         SINH + "0: nothing reached a; the _backward adds nothing to self.grad."),
    ],
    ids=["right", "sign", "no-local", "the-op-itself", "nothing"],
)
def test_an_op_added_with_a_closure(backward, message):
    verdict = check_op("sinh", _sinh(backward))
    if message is None:
        assert verdict, str(verdict)
        assert str(verdict) == "right: sinh's gradient agrees with finite differences at 3 points."
    else:
        assert not verdict
        assert str(verdict) == f"wrong: {message}"


def test_an_op_added_with_a_closure_the_engine_refuses_is_reported():
    """= where += belongs (or out.grad left out) is refused by the engine as the closure is
    set; a node with no input, or no closure, is named."""
    def overwrite(s, o):
        s.grad = math.cosh(s.data) * o.grad

    verdict = check_op("sinh", _sinh(overwrite))
    assert str(verdict).startswith("wrong: your code raised ValueError: ")
    assert "(= where += belongs, or out.grad left out?)" in str(verdict)
    verdict = check_op("sinh", lambda a: Value(math.sinh(a.data)))
    assert str(verdict) == (
        "wrong: the sinh node at a = −1.3: sinh(a) returned a node that does not record a as "
        "its input, so no gradient can reach a: make it with Value(t, (self,), 'sinh').")
    verdict = check_op("sinh", lambda a: Value(math.sinh(a.data), (a,), "sinh"))
    assert str(verdict).startswith("wrong: your code raised ValueError: ")
    assert "its _backward was never set" in str(verdict)
    assert str(check_op("sinh", _sinh(lambda s, o: _add(s, ... * o.grad)))) == (
        "wrong: not answered yet: replace each ... with your expression.")


def test_an_op_added_with_define_op():
    """The table's way: define_op checks the derivative itself; check_defined_op then
    checks the gradient through the op, and leaves the table as it found it."""
    assert str(check_defined_op("sinh", math.sinh, lambda a, y: (math.cosh(a),))) == (
        "right: sinh's gradient agrees with finite differences at 3 points.")
    verdict = check_defined_op("sinh", math.sinh, lambda a, y: (y,))  # sinh' written as sinh
    assert str(verdict).startswith("wrong: your code raised ValueError: define_op('sinh'): "
                                   "at (0.3) its derivative")
    assert str(check_defined_op("sinh", math.sinh, lambda a, y: (...,))) == (
        "wrong: not answered yet: replace each ... with your expression.")
    assert "sinh" not in OPS and not hasattr(Value, "sinh")
