"""Bad input gets a clear error naming the op and the offending value, never a wrong number."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import Value, grad


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
        (lambda: Value(-1.0, "a").log(), ValueError, r"log\(a=-1\.0\).*x > 0"),
        (lambda: Value(0.0).log(), ValueError, r"log\(0\.0\)"),
        (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt\(-4\.0\)"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"div\(1\.0, 0\.0\)"),
        (lambda: 1 / Value(0.0, "z"), ZeroDivisionError, r"div\(1\.0, z=0\.0\)"),
        (lambda: Value(0.0) ** -1, ValueError, r"pow\(0\.0, -1\.0\)"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"pow\(-8\.0"),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, r"pow_var\(-2\.0, 2\.0\).*a > 0"),
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
    x = Value(0.0, "x")
    y = x.sqrt()  # sqrt(0) = 0 is fine; its derivative 1/(2·sqrt(x)) is not
    with pytest.raises(ZeroDivisionError, match=r"sqrt\(x=0\.0\): derivative"):
        y.backward()


def test_gradient_overflow_is_an_error_and_grads_stay_as_they_were():
    x = Value(1e-300, "x")
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
