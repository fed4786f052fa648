"""Random expression graphs (hypothesis): autodiff vs finite differences, and vs PyTorch.

A graph is a small program: start from the inputs, then each step applies an op to
earlier nodes (chosen at random, so nodes are shared and reused) or to a constant.
The same program runs on ``Value``s and on PyTorch float64 tensors.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, gradcheck


def softplus(a):
    """Value.softplus, or PyTorch's (tensors have no .softplus method)."""
    if isinstance(a, Value):
        return a.softplus()
    import torch.nn.functional as F

    return F.softplus(a)


# Smooth ops whose domain is all of ℝ, so any input is valid and finite differences apply.
SMOOTH_UNARY = [
    lambda a: a.tanh(),
    lambda a: a.sigmoid(),
    lambda a: a.sin(),
    lambda a: a.cos(),
    softplus,
    lambda a: -a,
    lambda a: a.tanh().exp(),
    lambda a: (a * a + 1.0).log(),
    lambda a: (a * a + 0.5).sqrt(),
    lambda a: a**2,
    lambda a: 1.5 ** a.tanh(),
]
SMOOTH_BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: (softplus(a) + 0.5) ** b.tanh(),
    lambda a, b: 0.5 * a - b * 2.0,
]
KINKED_UNARY = [lambda a: a.relu(), lambda a: a.abs()]

@st.composite
def programs(draw, unary, binary):
    n_inputs = draw(st.integers(1, 4))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        available = n_inputs + k
        node = st.integers(0, available - 1)
        if draw(st.booleans()):
            steps.append((0, draw(st.integers(0, len(unary) - 1)), draw(node), 0))
        else:
            steps.append((1, draw(st.integers(0, len(binary) - 1)), draw(node), draw(node)))
    xs = draw(st.lists(st.floats(-2.0, 2.0), min_size=n_inputs, max_size=n_inputs))
    return steps, xs


def run(steps, leaves, unary, binary):
    """Evaluate a program; the output sums the last few nodes so most of the graph counts."""
    nodes = list(leaves)
    for kind, op, i, j in steps:
        nodes.append(unary[op](nodes[i]) if kind == 0 else binary[op](nodes[i], nodes[j]))
    return sum(nodes[-3:][1:], nodes[-3:][0])


@given(programs(SMOOTH_UNARY, SMOOTH_BINARY))
def test_autodiff_matches_finite_differences(program):
    steps, xs = program
    f = lambda *leaves: run(steps, leaves, SMOOTH_UNARY, SMOOTH_BINARY)  # noqa: E731
    scale = 1.0 + abs(f(*[Value(x) for x in xs]).data)
    # Central differences with eps=1e-6 carry a rounding error of about 1e-10·|f|.
    result = gradcheck(f, xs, eps=1e-6, rtol=1e-5, atol=1e-6 * scale)
    assert result, str(result)


class TestAgainstPyTorch:
    torch = pytest.importorskip("torch")

    @given(programs(SMOOTH_UNARY + KINKED_UNARY, SMOOTH_BINARY))
    def test_value_and_gradients(self, program):
        torch = self.torch
        steps, xs = program
        unary = SMOOTH_UNARY + KINKED_UNARY
        leaves = [Value(x) for x in xs]
        out = run(steps, leaves, unary, SMOOTH_BINARY)
        out.backward()
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        ref = run(steps, ts, unary, SMOOTH_BINARY)
        grads = torch.autograd.grad(ref, ts, allow_unused=True)
        assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-12)
        for leaf, g in zip(leaves, grads):
            expected = 0.0 if g is None else g.item()
            assert leaf.grad == pytest.approx(expected, rel=1e-10, abs=1e-12)
