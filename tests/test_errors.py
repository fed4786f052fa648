"""Bad input gets a clear error naming the op and the offending value, never a wrong number."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import (
    Value,
    backward,
    explain,
    grad,
    gradcheck,
    separators,
    topological_order,
)
from nets import MLP
from nets.data import two_moons


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("1", "str"), (None, "NoneType"), ([1], "list"), (1 + 2j, "complex"), (True, "bool")],
)
def test_non_numbers_are_type_errors_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_numbers_on_the_other_side_are_checked_too():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "2"


@pytest.mark.parametrize("x", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_leaves_are_value_errors(x):
    with pytest.raises(ValueError, match="finite"):
        Value(x)


def test_numpy_scalars_are_accepted():
    assert Value(np.float32(1.5)).data == 1.5
    assert Value(np.int64(3)).data == 3.0
    assert type(Value(np.float64(2.0)).data) is float


@pytest.mark.parametrize(
    ("make", "error", "pattern"),
    [
        (lambda: Value(-1.0, label="a").log(), ValueError, r"log\(a=-1\.0\).*x > 0"),
        (lambda: Value(0.0).log(), ValueError, r"log\(0\.0\)"),
        (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt\(-4\.0\)"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"div\(1\.0, 0\.0\)"),
        (lambda: 1 / Value(0.0, label="z"), ZeroDivisionError, r"div\(1\.0, z=0\.0\)"),
        (lambda: Value(0.0) ** -1, ValueError, r"pow\(0\.0, -1\.0\)"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"pow\(-8\.0"),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, r"pow_var\(-2\.0, 2\.0\).*a > 0"),
        (lambda: Value(0.0) ** Value(-1.0), ValueError, r"pow_var\(0\.0, -1\.0\).*b ≥ 0"),
        (lambda: 0.0 ** Value(-0.5), ValueError, r"rpow\(0\.0, -0\.5\).*exponent ≥ 0"),
        (lambda: (-2.0) ** Value(0.5), ValueError, r"rpow\(-2\.0, 0\.5\).*c > 0"),
        (lambda: Value(710.0).exp(), OverflowError, r"exp\(710\.0\)"),
        (lambda: Value(1e308) * 10, OverflowError, r"mul\(1e\+308, 10\.0\).*not a finite"),
        (lambda: Value(1e308) + Value(1e308), OverflowError, r"add"),
        (lambda: Value(1e200) ** 2, OverflowError, r"pow"),
    ],
)
def test_domain_errors_name_the_op_and_value(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_derivative_outside_its_domain_is_an_error_in_backward():
    x = Value(0.0, label="x")
    y = x.sqrt()  # sqrt(0) = 0 is fine; its derivative 1/(2·sqrt(x)) is not
    with pytest.raises(ZeroDivisionError, match=r"sqrt\(x=0\.0\): derivative"):
        y.backward()


@pytest.mark.parametrize("b", [0.5, 0.0])
def test_zero_to_a_power_below_one_has_no_derivative_in_the_base(b):
    a = Value(0.0, label="a")
    y = a ** Value(b)  # 0 ** 0.5 = 0 and 0 ** 0 = 1 are fine; ∂/∂a = b · 0 ** (b - 1) is not
    assert y.data == 0.0**b
    with pytest.raises(ZeroDivisionError, match=rf"pow_var\(a=0\.0, {b}\): derivative.*b ≥ 1"):
        y.backward()
    assert a.grad == 0.0


def test_micrograd_children_and_op_make_a_node_by_hand_and_bad_ones_are_refused():
    # a node made by hand, the lecture's way (tests/test_lecture_backward.py): never ignored
    a = Value(2.0)
    node = Value(4.0, (a, a), "*")
    assert node.parents == (a,) and node._op == "*" and node.data == 4.0
    with pytest.raises(ValueError, match=r"was made by hand .* its _backward was never set"):
        node.backward()  # its inputs would otherwise silently get no gradient
    with pytest.raises(TypeError, match="_children must be a tuple of Values"):
        Value(1.0, "x")
    with pytest.raises(ValueError, match="takes one or two inputs, got 0"):
        Value(1.0, _op="+")


def test_gradient_overflow_is_an_error_and_grads_stay_as_they_were():
    x = Value(1e-300, label="x")
    x.grad = 5.0
    y = x.log() * 1e200  # finite, but dy/dx = 1e200 / 1e-300 overflows
    with pytest.raises(OverflowError, match="overflowed"):
        y.backward()
    assert x.grad == 5.0
    assert y.grad == 0.0


def test_grad_after_a_failure_leaves_grads_as_they_were():
    x = Value(0.0)
    x.grad = 2.0
    with pytest.raises(ZeroDivisionError):
        grad(x.sqrt(), [x])
    assert x.grad == 2.0


# --- the list: each public function names the argument it was given wrong ----------
@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: topological_order(1.0), "topological_order: root must be a Value, got float"),
        (lambda: backward(1.0), "backward: root must be a Value, got float"),
        (lambda: grad(1.0, []), "grad: output must be a Value, got float"),
        (lambda: grad(Value(1.0), Value(1.0)), "grad: inputs must be a sequence of Values"),
        (lambda: grad(Value(1.0), [], create_graph=1), "grad: create_graph must be a bool"),
        (lambda: separators(1.0, Value(1.0)), "separators: L must be a Value, got float"),
        (lambda: separators(Value(1.0), 1.0), "separators: v must be a Value, got float"),
        (lambda: explain(Value(1.0), Value(1.0), max_paths="a"),
         "explain: max_paths must be an int, got str: 'a'"),
        (lambda: gradcheck(1.0, [1.0]), "gradcheck: f must be a function of Values, got float"),
        (lambda: gradcheck(lambda x: x, 1.0), "gradcheck: xs must be a sequence of numbers"),
        (lambda: gradcheck(lambda x: x, "1"), "gradcheck: xs must be a sequence of numbers"),
        (lambda: gradcheck(lambda x: x, ["1"]), r"gradcheck: xs\[0\] must be a real number"),
        (lambda: gradcheck(lambda x: x, [1.0], eps="a"), "gradcheck: eps must be a real number"),
        (lambda: Value(1.0, label=123), "Value: label must be a str, got int: 123"),
        (lambda: MLP(2, 3), r"MLP: nouts must be a list of layer sizes \(such as \[16, 1\]\), "
                            "got int: 3"),
        (lambda: two_moons(noise="a"), "noise must be a real number, got str"),
    ],
)
def test_a_wrong_type_is_a_type_error_naming_the_argument(call, pattern):
    with pytest.raises(TypeError, match=pattern):
        call()


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: gradcheck(lambda x: x, [1.0], eps=0), r"gradcheck: eps must be a finite "
                                                         r"number > 0, got 0\.0"),
        (lambda: gradcheck(lambda x: x, [1.0], rtol=-1), "gradcheck: rtol must be a finite number"),
        (lambda: gradcheck(lambda x: x, [math.nan]), r"gradcheck: xs\[0\] must be a finite"),
        (lambda: explain(Value(1.0), Value(1.0), max_paths=-1), "max_paths must be at least 0"),
        (lambda: two_moons(noise=math.nan), "noise must be a finite number ≥ 0, got nan"),
        (lambda: two_moons(noise=math.inf), "noise must be a finite number ≥ 0, got inf"),
    ],
)
def test_a_wrong_value_is_a_value_error_naming_the_argument(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_huge_ints_are_overflow_errors_that_say_what_and_where():
    with pytest.raises(OverflowError, match=r"^Value: data must be a number a float can hold "
                       r"\(\|x\| < 1\.8e308\), got an int of 401 digits$"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"^pow: Value: data must be .* an int of 401 digits$"):
        Value(2.0) ** 10**400
    with pytest.raises(OverflowError, match=r"^mul: .* got an int of 5001 digits$"):
        -(10**5000) * Value(2.0)  # past the 4,300 digits Python would print


def test_the_derivative_of_a_power_in_its_base_does_not_underflow():
    # ∂(a**b)/∂a = b·a**(b−1): written as b·y/a it was (2·1e-400)/1e-200 = 0/1e-200 = 0
    a, b = Value(1e-200, label="a"), Value(2.0, label="b")
    (a ** b).backward()
    assert a.grad == 2e-200
    x, e = Value(1.3), Value(0.7)  # and the same row gives second derivatives
    (dx,) = grad(x**e, [x], create_graph=True)
    (d2x,) = grad(dx, [x])
    assert dx.data == pytest.approx(0.7 * 1.3**-0.3, rel=1e-15)
    assert d2x.data == pytest.approx(0.7 * -0.3 * 1.3**-1.3, rel=1e-15)


def test_a_value_times_a_numpy_array_is_the_array_of_products_either_way():
    x = Value(3.0)
    left, right = x * np.array([1.0, 2.0]), np.array([1.0, 2.0]) * x
    assert [v.data for v in left] == [v.data for v in right] == [3.0, 6.0]
    assert all(isinstance(v, Value) for v in left)
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+: 'Value' and 'str'"):
        x + "2"


# --- issue 18's low items: raw or unnamed errors become clear ones ------------------------
def _drawable():
    x = Value(2.0, label="x")
    return x, x * 3


@pytest.mark.parametrize("call, error, message", [
    (lambda x, y: __import__("autograd_lite").draw(y, params=x), TypeError,
     "draw: params must be a collection of Values, got one Value: Value(data=2.0, grad=0.0, "
     "label='x'); write params=[v]"),
    (lambda x, y: __import__("autograd_lite").draw(y, highlight=[[1]]), TypeError,
     "draw: highlight[0] must be a Value, got list: [1]"),
    (lambda x, y: __import__("autograd_lite").draw(y, separators="x"), TypeError,
     "draw: separators must be a collection of Values, got str: 'x'"),
    (lambda x, y: __import__("autograd_lite").parse_expression(None), TypeError,
     "parse_expression: text must be a str, got NoneType"),
    (lambda x, y: __import__("autograd_lite").parse_expression("x", [1]), TypeError,
     "parse_expression: values must map names to numbers, got list"),
])
def test_drawing_and_parsing_name_a_bad_argument(call, error, message):
    with pytest.raises(error) as caught:
        call(*_drawable())
    assert str(caught.value) == message


@pytest.mark.parametrize("timeout, error, message", [
    (math.nan, ValueError, "timeout must be a finite number of seconds > 0, got nan"),
    (math.inf, ValueError, "timeout must be a finite number of seconds > 0, got inf"),
    (-1, ValueError, "timeout must be a finite number of seconds > 0, got -1"),
    (0, ValueError, "timeout must be a finite number of seconds > 0, got 0"),
    ("30", TypeError, "timeout must be a number of seconds, got str: '30'"),
    (True, TypeError, "timeout must be a number of seconds, got bool: True"),
])
def test_a_bad_timeout_is_refused_before_dot_runs(timeout, error, message, tmp_path):
    from autograd_lite import save

    with pytest.raises(error) as caught:
        save(_drawable()[1], tmp_path / "g.svg", timeout=timeout)
    assert str(caught.value) == message
    assert list(tmp_path.iterdir()) == []


def test_a_non_finite_grad_is_named_without_a_bound_of_minus_infinity():
    from nets import Adam

    p = Value(1.0)
    p.grad = math.nan
    with pytest.raises(ValueError) as caught:
        Adam([p]).step()
    assert str(caught.value) == ("Adam: params[0].grad must be a finite number, got nan; "
                                 "nothing was changed")
