"""An op of the student's own, added with ``define_op``: checked when defined, then usable
wherever a built-in op is (method and function, backward, gradients of gradients,
programs, gradcheck, drawings, the docs' op table)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import OPS, Value, define_op, draw, grad, gradcheck, trace
from autograd_lite.define import forget_op

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import op_table  # noqa: E402  (tools/ is not a package)


@pytest.fixture
def cube():
    f = define_op("cube", lambda a: a * a * a, lambda a, y: (3.0 * a * a,), symbol="³",
                  doc="x³")
    yield f
    forget_op("cube")


@pytest.fixture
def hypot():
    f = define_op("hypot", lambda a, b: (a * a + b * b) ** 0.5,
                  lambda a, b, y: (a / y, b / y), arity=2, domain="(a, b) ≠ (0, 0)")
    yield f
    forget_op("hypot")


def test_a_new_op_is_a_method_and_a_function_with_its_derivative(cube):
    x = Value(-1.5, label="x")
    y = x.cube()
    z = cube(x)
    assert y.data == z.data == -3.375
    assert y.op is OPS["cube"] and y.parents == (x,)
    (y + z).backward()
    assert x.grad == 2 * 3 * 1.5**2
    assert Value.cube.__doc__ == "x³" and Value.cube.__qualname__ == "Value.cube"


def test_a_binary_op_takes_numbers_on_either_side(hypot):
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    y = a.hypot(b)
    y.backward()
    assert (y.data, a.grad, b.grad) == (5.0, 0.6, 0.8)
    assert hypot(3.0, b).data == 5.0 and a.hypot(4).data == 5.0
    with pytest.raises(ZeroDivisionError, match=r"^hypot\(a=0.0, b=0.0\)") as info:
        Value(0.0, label="a").hypot(Value(0.0, label="b")).backward()
    assert "hypot needs (a, b) ≠ (0, 0)" in str(info.value)
    with pytest.raises(TypeError, match="hypot takes 2 inputs, got 1"):
        hypot(a)
    with pytest.raises(TypeError, match="hypot: its inputs must be Values or real numbers"):
        a.hypot("4")


def test_a_wrong_derivative_is_refused_when_the_op_is_defined():
    with pytest.raises(ValueError, match=r"define_op\('cube'\): at \(0\.3\) its derivative "
                                         r"∂y/∂x0 is 0\.09\d*, but a finite difference of its "
                                         r"value gives 0\.27$"):
        define_op("cube", lambda a: a**3, lambda a, y: (a * a * a / a,))  # a², not 3a²
    assert "cube" not in OPS and not hasattr(Value, "cube")
    with pytest.raises(ValueError, match="none of the points"):
        define_op("neglog", lambda a: math.log(-a), lambda a, y: (1.0 / a,))


def test_taken_names_and_bad_rows_are_refused(cube):
    for name in ("cube", "tanh", "backward", "data", "_mine", "not a name"):
        with pytest.raises(ValueError, match=r"define_op\("):
            define_op(name, lambda a: a, lambda a, y: (1.0,))
    with pytest.raises(ValueError, match="arity must be 1 or 2"):
        define_op("triple", lambda a, b, c: a, lambda a, b, c, y: (1.0, 0.0, 0.0), arity=3)
    with pytest.raises(ValueError, match="was not added with define_op"):
        forget_op("tanh")


def test_gradients_of_gradients_and_gradcheck(cube):
    x = Value(2.0)
    (dy,) = grad(x.cube(), [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    assert (dy.data, d2y.data) == (12.0, 12.0)  # 3x², 6x
    assert gradcheck(lambda v: v.cube() * v.sin(), [0.7])


def test_a_program_replays_the_new_op_on_a_batch(cube):
    x, w = Value(0.0, label="x"), Value(0.5, label="w")
    program = trace(lambda x: (w * x).cube(), inputs=[x], params=[w])
    X = np.array([[1.0], [2.0], [-3.0]])
    values, grads = program.run(X)
    assert np.allclose(values.ravel(), (0.5 * X.ravel()) ** 3, rtol=1e-15)
    assert np.isclose(grads[0], sum(3 * (0.5 * x) ** 2 * x for x in X.ravel()), rtol=1e-15)


def test_drawings_and_the_docs_op_table_show_it(cube):
    assert 'label="³"' in draw(Value(1.0).cube()).source
    row = next(r for r in op_table.rows() if r.name == "cube")
    assert row.symbol == "³" and "\\partial y" not in row.value
