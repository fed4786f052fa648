"""backward_steps: one node at a time, ending with exactly backward()'s gradients."""

from __future__ import annotations

import gc
import math
import random

import pytest
from hypothesis import given
from test_random_graphs import KINKED_UNARY, SMOOTH_BINARY, SMOOTH_UNARY, programs, run

from autograd_lite import Value, backward_steps, draw, grad, topological_order
from autograd_lite.steps import Contribution

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


def test_local_derivatives_are_a_method_of_the_node():
    a, b = Value(2.0), Value(5.0)
    assert (a / b).local_derivatives() == (0.2, -0.08)
    assert a.exp().local_derivatives() == (math.exp(2.0),)
    assert a.local_derivatives() == ()
    with pytest.raises(ZeroDivisionError, match=r"sqrt\(0.0\): derivative"):
        Value(0.0).sqrt().local_derivatives()


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


def test_mid_way_the_drawing_shows_the_walks_sums_and_the_current_node():
    x, w = Value(2.0, label="x"), Value(-1.5, label="w")
    h = (w * x).tanh()
    L = h * h
    h.grad = 5.0  # left from elsewhere: the walk's sums are its own
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(L))}
    steps = backward_steps(L)
    first = next(steps)  # L has sent 2·h·1 to h (twice h·1)
    assert first.node is L
    source = draw(L, step=first).source
    L_line = next(line for line in source.splitlines() if line.startswith(f"\t{ids[L]} ["))
    assert "#dc2626" in L_line  # the current node
    h_line = next(line for line in source.splitlines() if line.startswith(f"\t{ids[h]} ["))
    assert f"grad {2 * h.data:.4g}<".replace("-", "−") in h_line
    x_line = next(line for line in source.splitlines() if line.startswith(f"\t{ids[x]} ["))
    assert "grad not reached<" in x_line
    assert "#dc2626" not in h_line
    assert "grad 5<" in draw(L).source  # without the step: the .grad the node holds
    steps.close()


def test_a_paused_walk_writes_no_grad_and_each_step_keeps_its_own_sums():
    x = Value(2.0, label="x")
    s = x + x
    y = s * x  # 2x²: x hears from y (x·... = s = 4), then from s twice (2 each)
    for node in (x, s, y):
        node.grad = 0.5
    steps = backward_steps(y)
    first = next(steps)
    assert (x.grad, s.grad, y.grad) == (0.5, 0.5, 0.5)  # nothing written while paused
    assert (first.grad_of(y), first.grad_of(s), first.grad_of(x)) == (1.0, 2.0, 4.0)
    second = next(steps)
    assert second.grad_of(x) == 8.0 and first.grad_of(x) == 4.0  # each step keeps its own
    last = next(steps)
    assert last.grad_of(x) == 8.0 and x.grad == 0.5
    with pytest.raises(StopIteration):
        next(steps)
    assert (x.grad, s.grad, y.grad) == (8.5, 2.5, 1.5)  # the end adds, as backward() does
    with pytest.raises(ValueError, match="not a node of this graph"):
        first.grad_of(Value(1.0))


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
    with pytest.raises(TypeError, match="backward_steps: root must be a Value, got float"):
        backward_steps(1.0)  # at the call, not at the first step


# --- status: unreached, pending, final ----------------------------------------------------
def statuses_and_grads(root):
    """At each step: every node's status and its grad (this walk's sum so far)."""
    order = topological_order(root)
    table = []
    for step in backward_steps(root):
        table.append((step, [step.status(n) for n in order], [step.grad_of(n) for n in order]))
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


def chain_of_four() -> tuple[Value, Value]:
    x = Value(3.0, label="x")
    return x, ((x * x) * 1.0) * 1.0  # ∂y/∂x = 6


def test_while_a_walk_is_paused_other_walks_on_its_graph_run_as_usual():
    x, y = chain_of_four()
    steps = backward_steps(y)
    for _ in range(3):
        next(steps)
    assert [n.grad for n in topological_order(y)] == [0.0] * 6  # the walk's sums are its own
    assert grad(y, [x])[0].data == 6.0
    y.backward()
    assert x.grad == 6.0 and y.grad == 1.0
    assert [s.grad for s in backward_steps(y)][-1] == 6.0  # a second walk, to its end
    assert x.grad == 12.0
    y.zero_grad()
    x.grad = 0.5
    list(steps)  # the paused walk ends: it adds to what .grad holds now
    assert (x.grad, y.grad) == (6.5, 1.0)


def test_a_walk_dropped_before_its_end_writes_nothing():
    x, y = chain_of_four()
    x.grad = 0.5
    steps = backward_steps(y)
    next(steps)
    next(steps)
    y.grad = 7.0  # set by hand while the walk is paused
    del steps
    gc.collect()
    assert (y.grad, x.grad) == (7.0, 0.5)
    assert [n.grad for n in topological_order(y)[1:-1]] == [0.0] * 4


def test_a_second_walk_overflowing_what_a_grad_held_is_an_error_and_changes_nothing():
    # the case: y = x·1.5e308; y.backward() twice left x.grad = inf
    for walk in (Value.backward, lambda y: list(backward_steps(y))):
        x = Value(1.0, label="x")
        y = x * 1.5e308
        walk(y)
        before = [n.grad for n in topological_order(y)]
        with pytest.raises(OverflowError, match=r"Value\(data=1\.0, grad=1\.5e\+308, "
                           r"label='x'\) already held grad 1\.5e\+308; adding this walk's "
                           r"1\.5e\+308 gives inf"):
            walk(y)
        assert [n.grad for n in topological_order(y)] == before


@pytest.mark.parametrize("bad", ["a", None, [1.0], Value(1.0)])
def test_a_grad_that_is_not_a_number_is_named_before_any_work(bad):
    for walk in (Value.backward, lambda y: list(backward_steps(y))):
        x = Value(2.0, label="x")
        y = x * 3.0
        x.grad = bad
        with pytest.raises(TypeError, match=rf"label='x'\): its grad is a {type(bad).__name__}, "
                           "not a number"):
            walk(y)
        assert x.grad is bad and y.grad == 0.0


def test_a_held_nan_grad_is_refused():
    x = Value(2.0, label="x")
    x.grad = math.nan
    with pytest.raises(OverflowError, match="already held grad nan"):
        (x * 3.0).backward()
