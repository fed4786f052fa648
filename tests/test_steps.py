"""backward_steps: one node at a time, ending with exactly backward()'s gradients."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from test_random_graphs import KINKED_UNARY, SMOOTH_BINARY, SMOOTH_UNARY, programs, run

from autograd_lite import Value, backward_steps, draw, topological_order
from autograd_lite.steps import Contribution, local_derivatives

UNARY = SMOOTH_UNARY + KINKED_UNARY


def summary(steps):
    return [(s.node, s.grad, [tuple(c) for c in s.contributions]) for s in steps]


def test_x_times_x_sends_two_contributions():
    x = Value(3.0, label="x")
    y = x * x
    assert summary(backward_steps(y)) == [
        (y, 1.0, [(x, 3.0, 3.0), (x, 3.0, 3.0)]),
        (x, 6.0, []),
    ]
    assert x.grad == 6.0 and y.grad == 1.0


def test_x_plus_x_times_x():
    x = Value(2.0)
    s = x + x
    y = s * x  # 2x², dy/dx = 4x = 8
    steps = list(backward_steps(y))
    assert summary(steps) == [
        (y, 1.0, [(s, 2.0, 2.0), (x, 4.0, 4.0)]),
        (s, 2.0, [(x, 1.0, 2.0), (x, 1.0, 2.0)]),
        (x, 8.0, []),
    ]
    assert isinstance(steps[0].contributions[0], Contribution)
    assert steps[0].contributions[0].contribution == 2.0


def test_gradients_accumulate_like_backward():
    x = Value(2.0)
    y = x * x
    x.grad, y.grad = 10.0, 5.0
    list(backward_steps(y))
    assert (x.grad, y.grad) == (14.0, 6.0)


def test_local_derivatives():
    a, b = Value(2.0), Value(5.0)
    assert local_derivatives(a / b) == (0.2, -0.08)
    assert local_derivatives(a.exp()) == (a.exp().data,)
    assert local_derivatives(a) == ()


def build_twice(program):
    """The same random graph built twice, with the same random grads already on its nodes."""
    steps, xs = program
    outs = []
    for _ in range(2):
        out = run(steps, [Value(x) for x in xs], UNARY, SMOOTH_BINARY)
        rng = random.Random(len(steps))
        for node in topological_order(out):
            node.grad = rng.choice([0.0, rng.uniform(-1, 1)])
        outs.append(out)
    return outs


@given(programs(UNARY, SMOOTH_BINARY))
def test_ends_with_exactly_backwards_grads_on_random_graphs(program):
    stepped, reference = build_twice(program)
    reference.backward()
    order = topological_order(stepped)
    steps = list(backward_steps(stepped))

    assert [s.node for s in steps] == order[::-1]
    assert steps[0].grad == 1.0
    for step in steps:
        assert [c.parent for c in step.contributions] == list(step.node.parents)
        for c in step.contributions:
            assert c.contribution == c.local_derivative * step.grad
    # exactly equal, not approximately: the same additions in the same order
    assert [n.grad for n in order] == [n.grad for n in topological_order(reference)]


def test_mid_way_the_drawing_shows_the_grads_so_far_and_the_current_node():
    x, w = Value(2.0, label="x"), Value(-1.5, label="w")
    h = (w * x).tanh()
    L = h * h
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(L))}
    steps = backward_steps(L)
    first = next(steps)  # L has sent 2·h·1 to h (twice h·1)
    assert first.node is L
    source = draw(L, current=first.node).source
    assert f"\t{ids[L]} [" in source
    L_line = next(line for line in source.splitlines() if line.startswith(f"\t{ids[L]} ["))
    assert "#dc2626" in L_line  # the current node
    h_line = next(line for line in source.splitlines() if line.startswith(f"\t{ids[h]} ["))
    assert f"grad {2 * h.data:.4g}<".replace("-", "−") in h_line
    x_line = next(line for line in source.splitlines() if line.startswith(f"\t{ids[x]} ["))
    assert "grad 0<" in x_line  # not reached yet
    assert "#dc2626" not in h_line
    steps.close()


def test_stopping_early_leaves_every_grad_as_it_was():
    x = Value(2.0)
    y = x.tanh() * x
    for node in topological_order(y):
        node.grad = 0.25
    for step in backward_steps(y):
        if step.node is not y:
            break
    assert [n.grad for n in topological_order(y)] == [0.25] * 3


def test_a_failing_derivative_raises_like_backward_and_changes_nothing():
    def graph():
        x = Value(0.0, label="x")
        return x, x.sqrt() * 2.0  # sqrt'(0) = 1/(2·0)

    x, y = graph()
    with pytest.raises(ZeroDivisionError) as expected:
        y.backward()
    x, y = graph()
    with pytest.raises(ZeroDivisionError) as got:
        list(backward_steps(y))
    assert str(got.value) == str(expected.value)
    assert "sqrt(x=0.0): derivative" in str(got.value)
    assert [n.grad for n in topological_order(y)] == [0.0] * 4


def test_an_overflowing_gradient_raises_like_backward_and_changes_nothing():
    def graph():
        x = Value(1e-300, label="x")
        return x, 1.0 / x  # y = 1e300 is finite, dy/dx = -1e600 is not

    x, y = graph()
    with pytest.raises(OverflowError) as expected:
        y.backward()
    x, y = graph()
    with pytest.raises(OverflowError) as got:
        list(backward_steps(y))
    assert str(got.value) == str(expected.value)
    assert [n.grad for n in topological_order(y)] == [0.0] * 3


def test_needs_a_value():
    with pytest.raises(TypeError, match="backward_steps needs a Value, got float"):
        next(backward_steps(1.0))


# --- status: unreached, pending, final ----------------------------------------------------
def statuses_and_grads(root):
    """At each step: every node's status and its grad (this walk's sum so far)."""
    order = topological_order(root)
    table = []
    for step in backward_steps(root):
        table.append((step, [step.status(n) for n in order], [n.grad for n in order]))
    return order, table


def check_statuses(root, reference):
    """Each node's status against what the steps themselves sent it, and final grads against
    backward() on a twin graph (``reference``, grads zero)."""
    reference.backward()
    expected = [n.grad for n in topological_order(reference)]
    order, table = statuses_and_grads(root)
    # which steps send something to each node, read off the contributions
    senders = {n: [s.index for s, _, _ in table if any(c.parent is n for c in s.contributions)]
               for n in order}
    for step, statuses, grads in table:
        for n, status, g, final_grad in zip(order, statuses, grads, expected):
            if n is root:
                assert status == "final"
                continue
            sent_by_now = [k for k in senders[n] if k <= step.index]
            if not sent_by_now:
                assert status == "unreached"
                assert g == 0.0  # nothing added yet (the page shows no number)
            elif len(sent_by_now) < len(senders[n]):
                assert status == "pending"
            else:
                assert status == "final"
                assert g == final_grad  # exactly backward()'s number
        assert statuses[order.index(step.node)] == "final"  # a node is handled once final
    # final: no later step changes the grad
    for k, (_, statuses, _) in enumerate(table):
        for i, status in enumerate(statuses):
            if status == "final":
                assert len({grads[i] for _, _, grads in table[k:]}) == 1


def twins(build):
    return build(), build()


def test_status_of_a_times_a():
    a = Value(-1.5, label="a")
    y = a * a
    steps = list(backward_steps(y))
    assert [(s.index, s.status(y), s.status(a)) for s in steps] == [
        (0, "final", "final"), (1, "final", "final")]  # both uses sent at step 0
    check_statuses(*twins(lambda: (lambda a: a * a)(Value(-1.5))))


def test_status_of_x_plus_x_times_x():
    x = Value(2.0, label="x")
    s = x + x
    y = s * x
    steps = list(backward_steps(y))
    assert [(st.status(s), st.status(x)) for st in steps] == [
        ("final", "pending"),  # y sent x its direct share; s has not sent its two yet
        ("final", "final"),
        ("final", "final"),
    ]

    def build():
        x = Value(2.0)
        return (x + x) * x

    check_statuses(*twins(build))


def test_a_node_not_reached_yet_is_unreached_and_holds_no_sum():
    x, w = Value(2.0, label="x"), Value(-1.5, label="w")
    h = (w * x).tanh()
    L = h * h
    first = next(backward_steps(L))
    assert (first.status(L), first.status(h), first.status(x), first.status(w)) == (
        "final", "final", "unreached", "unreached")


@given(programs(UNARY, SMOOTH_BINARY))
def test_status_on_random_graphs(program):
    steps, xs = program
    check_statuses(*twins(lambda: run(steps, [Value(x) for x in xs], UNARY, SMOOTH_BINARY)))


def test_status_of_a_node_outside_the_graph_is_an_error():
    step = next(backward_steps(Value(1.0) * 2.0))
    with pytest.raises(ValueError, match="not a node of this graph"):
        step.status(Value(3.0))
