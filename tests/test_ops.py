"""Every op: value, first and second derivatives, against math, finite differences and
PyTorch float64."""

from __future__ import annotations

import math

import pytest
from op_cases import CASES, KINKS, torch_version_of

from autograd_lite import OPS, Value, grad, gradcheck

POINTS = [(case, point) for case in CASES for point in case.points]
IDS = [f"{case.name}@{','.join(map(str, point))}" for case, point in POINTS]


def test_every_op_in_the_table_has_a_case():
    covered = {name for case in CASES for name in case.covers}
    assert covered == set(OPS)


@pytest.mark.parametrize(("case", "point"), POINTS, ids=IDS)
def test_value_matches_math(case, point):
    out = case.f(*[Value(x) for x in point])
    assert out.data == pytest.approx(case.ref(*point), rel=1e-14, abs=1e-300)


@pytest.mark.parametrize(("case", "point"), POINTS, ids=IDS)
def test_derivative_matches_finite_differences(case, point):
    result = gradcheck(case.f, point)
    assert result, str(result)


@pytest.mark.parametrize(("case", "point"), POINTS, ids=IDS)
def test_second_derivatives_match_finite_differences_of_first(case, point):
    xs = [Value(x) for x in point]
    first = grad(case.f(*xs), xs, create_graph=True)
    eps = 1e-5
    for i, d in enumerate(first):
        hessian_row = [g.data for g in grad(d, xs)]
        for j in range(len(point)):
            up, down = list(point), list(point)
            up[j] += eps
            down[j] -= eps
            f_up = _first_derivative(case, up, i)
            f_down = _first_derivative(case, down, i)
            numeric = (f_up - f_down) / (2 * eps)
            assert hessian_row[j] == pytest.approx(numeric, rel=1e-5, abs=1e-6), (i, j)


def _first_derivative(case, point, i):
    xs = [Value(x) for x in point]
    return grad(case.f(*xs), xs)[i].data


@pytest.mark.parametrize(("name", "f", "x"), KINKS, ids=[k[0] for k in KINKS])
def test_kinks_follow_pytorch_convention(name, f, x):
    v = Value(x)
    f(v).backward()
    assert v.grad == 0.0


def test_stable_at_plus_minus_1000():
    for x, sig, soft in [(1000.0, 1.0, 1000.0), (-1000.0, 0.0, 0.0)]:
        v = Value(x)
        assert v.sigmoid().data == sig
        assert v.softplus().data == soft
        v.softplus().backward()
        assert v.grad == sig


class TestAgainstPyTorch:
    torch = pytest.importorskip("torch")

    def _torch_grads(self, f, point, create_graph=False):
        torch = self.torch
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
        out = f(*ts)
        grads = torch.autograd.grad(out, ts, create_graph=create_graph, allow_unused=True)
        return ts, out, grads

    @pytest.mark.parametrize(("case", "point"), POINTS, ids=IDS)
    def test_value_and_gradient(self, case, point):
        _, out, grads = self._torch_grads(torch_version_of(case), point)
        xs = [Value(x) for x in point]
        ours = case.f(*xs)
        ours.backward()
        assert ours.data == pytest.approx(out.item(), rel=1e-13, abs=1e-300)
        for x, g in zip(xs, grads):
            assert x.grad == pytest.approx(g.item(), rel=1e-12, abs=1e-300)

    @pytest.mark.parametrize(("case", "point"), POINTS, ids=IDS)
    def test_second_derivatives(self, case, point):
        torch = self.torch
        ts, _, grads = self._torch_grads(torch_version_of(case), point, create_graph=True)
        xs = [Value(x) for x in point]
        ours = grad(case.f(*xs), xs, create_graph=True)
        for g_ours, g_torch in zip(ours, grads):
            expected = [0.0] * len(ts)
            if g_torch.requires_grad:
                second = torch.autograd.grad(g_torch, ts, allow_unused=True)
                expected = [0.0 if s is None else s.item() for s in second]
            got = [h.data for h in grad(g_ours, xs)]
            assert got == pytest.approx(expected, rel=1e-11, abs=1e-12)

    @pytest.mark.parametrize("b", [1.0, 2.0, 2.5, 3.0])
    def test_zero_to_a_value_power(self, b):
        # 0 ** b, both sides Values: 0, ∂/∂b = 0, ∂/∂a = b·0**(b-1), as PyTorch.
        _, out, grads = self._torch_grads(lambda a, e: a**e, (0.0, b))
        xs = [Value(0.0), Value(b)]
        y = xs[0] ** xs[1]
        y.backward()
        assert y.data == out.item() == 0.0
        assert [x.grad for x in xs] == [g.item() for g in grads]

    @pytest.mark.parametrize("b", [2.0, 2.5, 3.0])
    def test_second_derivative_of_zero_to_a_value_power(self, b):
        # b(b-1)·a**(b-2) at a = 0: 2 for b = 2, else 0, through the same row.
        torch = self.torch
        ts, _, grads = self._torch_grads(lambda a, e: a**e, (0.0, b), create_graph=True)
        (d2_torch,) = torch.autograd.grad(grads[0], ts[:1])
        a = Value(0.0)
        (da,) = grad(a ** Value(b), [a], create_graph=True)
        assert grad(da, [a])[0].data == d2_torch.item() == (2.0 if b == 2.0 else 0.0)

    @pytest.mark.parametrize("b", [0.5, 1.0, 2.0])
    def test_zero_number_to_a_value_power(self, b):
        # 0.0 ** x, the base a number (a constant): 0, and ∂/∂x = 0, as PyTorch.
        (x,) = ts = [self.torch.tensor(b, dtype=self.torch.float64, requires_grad=True)]
        (g,) = self.torch.autograd.grad(0.0**x, ts)
        v = Value(b)
        y = 0.0**v
        y.backward()
        assert (y.data, v.grad) == (0.0, g.item()) == (0.0, 0.0)

    @pytest.mark.parametrize(("name", "f", "x"), KINKS, ids=[k[0] for k in KINKS])
    def test_kinks(self, name, f, x):
        _, _, (g,) = self._torch_grads(f, (x,))
        v = Value(x)
        f(v).backward()
        assert v.grad == g.item()


def test_exp_overflow_is_an_error_not_inf():
    with pytest.raises(OverflowError, match=r"exp\(710\.0\)"):
        Value(710.0).exp()
    assert math.isfinite(Value(709.0).exp().data)
