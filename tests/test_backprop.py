"""The graph walk: reuse of nodes, accumulation, deep graphs, memory, `grad`."""

from __future__ import annotations

import gc
import math
import subprocess
import sys

import pytest

from autograd_lite import Value, backward_steps, collector_paused, grad, topological_order


# --- the regressions every graph engine needs (tinygrad's first bugs) -------------------
def test_x_plus_x():
    x = Value(3.0)
    (x + x).backward()
    assert x.grad == 2.0


def test_x_times_x_keeps_both_parents():
    x = Value(3.0)
    y = x * x
    assert y.parents == (x, x)
    y.backward()
    assert x.grad == 6.0


def test_x_plus_x_times_x():
    x = Value(3.0)
    ((x + x) * x).backward()  # d(2x²)/dx = 4x
    assert x.grad == 12.0


def test_node_used_by_many_parents():
    x = Value(0.5)
    h = x.tanh()
    y = h * 2 + h * h + h.exp() + h
    y.backward()
    t = h.data
    expected = (2 + 2 * t + math.exp(t) + 1) * (1 - t * t)
    assert x.grad == pytest.approx(expected, rel=1e-15)
    assert h.grad == pytest.approx(2 + 2 * t + math.exp(t) + 1, rel=1e-15)


def test_intermediates_get_their_grads():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    d.backward()
    assert (d.grad, c.grad, a.grad, b.grad) == (1.0, 1.0, -2.0, 2.0)


def test_backward_twice_accumulates_exactly_double():
    x = Value(1.5)
    h = x * x
    y = h.sin() * x
    y.backward()
    first = {id(n): n.grad for n in (x, h, y)}
    y.backward()
    for n in (x, h, y):
        assert n.grad == 2 * first[id(n)]


def test_backward_adds_to_grads_already_there():
    x = Value(2.0)
    x.grad = 10.0
    (x * 3).backward()
    assert x.grad == 13.0


def test_zero_grad():
    x = Value(2.0)
    y = x * x
    y.backward()
    y.zero_grad()
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_a_million_node_chain_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_topological_order_parents_first_and_deterministic():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[-1] is e
    position = {id(n): i for i, n in enumerate(order)}
    for n in order:
        assert all(position[id(p)] < position[id(n)] for p in n.parents)
    assert len(order) == len({id(n) for n in order}) == 5
    assert [id(n) for n in topological_order(e)] == [id(n) for n in order]


def _live_values() -> int:
    return sum(type(o) is Value for o in gc.get_objects())


def test_graph_is_freed_by_reference_counting_alone():
    # With the cyclic collector off, only reference counting frees memory: a graph with a
    # reference cycle would stay in gc.get_objects() after its root is dropped. (Nodes
    # have no __weakref__ slot, to keep them small, so this counts instead of weakref.)
    gc.collect()
    gc.disable()
    try:
        before = _live_values()
        x = Value(2.0)
        y = (x * x).exp() + x * 3
        y.backward()
        assert _live_values() == before + 6  # x, x*x, exp(x*x), 3, x*3 and y
        del y
        assert _live_values() == before + 1  # only x is left
    finally:
        gc.enable()


def test_nodes_are_slotted():
    assert not hasattr(Value(1.0), "__dict__")
    assert not hasattr(Value(1.0) * 2, "__dict__")


# --- grad -----------------------------------------------------------------------------
def test_grad_leaves_dot_grad_untouched():
    x, y = Value(2.0), Value(3.0)
    x.grad = 7.0
    out = x * y + x
    gx, gy = grad(out, [x, y])
    assert (gx.data, gy.data) == (4.0, 2.0)
    assert (x.grad, y.grad, out.grad) == (7.0, 0.0, 0.0)


def test_grad_of_an_input_the_output_does_not_use_is_zero():
    x, z = Value(2.0), Value(5.0)
    _, gz = grad(x * x, [x, z])
    assert gz.data == 0.0


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Value, got float"):
        grad(Value(1.0) * 2, [Value(1.0), 2.0])


def test_second_and_third_derivatives():
    x = Value(0.7)
    y = x.sin() * x
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    s, c = math.sin(0.7), math.cos(0.7)
    assert d1.data == pytest.approx(c * 0.7 + s, rel=1e-14)
    assert d2.data == pytest.approx(2 * c - 0.7 * s, rel=1e-14)
    assert d3.data == pytest.approx(-3 * s - 0.7 * c, rel=1e-14)


def test_hessian_vector_product():
    # f(x, y, z) = x²y + y z³ + sin(x z);  H·v by differentiating (∇f · v)
    p = (0.3, -1.2, 0.8)
    v = (1.0, -2.0, 0.5)
    xs = [Value(t) for t in p]
    x, y, z = xs
    f = x * x * y + y * z**3 + (x * z).sin()
    g = grad(f, xs, create_graph=True)
    gv = sum((gi * vi for gi, vi in zip(g, v)), Value(0.0))
    hv = [h.data for h in grad(gv, xs)]
    a, b, c = p
    s = math.sin(a * c)
    cs = math.cos(a * c)
    hessian = [
        [2 * b - c * c * s, 2 * a, cs - a * c * s],
        [2 * a, 0.0, 3 * c * c],
        [cs - a * c * s, 3 * c * c, 6 * b * c - a * a * s],
    ]
    expected = [sum(hessian[i][j] * v[j] for j in range(3)) for i in range(3)]
    assert hv == pytest.approx(expected, rel=1e-13)


def test_no_recursion_anywhere_in_the_walk():
    # Build a deep graph, then allow only a few dozen stack frames: the walk, grad and
    # zero_grad must not need more, whatever the depth of the graph.
    code = (
        "import sys\n"
        "from autograd_lite import Value, grad\n"
        "x = Value(0.5)\n"
        "y = x\n"
        "for _ in range(20_000):\n"
        "    y = (y * 0.9999).tanh() + x\n"
        "sys.setrecursionlimit(40)\n"
        "y.backward()\n"
        "g = grad(y, [x])[0].data\n"
        "y.zero_grad()\n"
        "print(g)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert math.isfinite(float(out.stdout))


def test_one_tracked_allocation_per_node():
    # The cyclic collector's work grows with the objects it tracks: a node is one tracked
    # object (its inputs live in slots, not in a tuple of their own).
    x = Value(1.0001)
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        y = x
        for _ in range(1000):
            y = y * x
        assert len(gc.get_objects()) - before == 1000
    finally:
        gc.enable()


def test_collector_paused_restores_the_collector_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        assert not gc.isenabled()
        Value(1.0) / 0
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


# --- .data changed between the forward pass and the walk ---------------------------------
# A node stores its local derivatives when it is computed: every walk differentiates the
# graph as it was computed, whatever .data holds since (documented on Value).


def mutated() -> tuple[Value, Value, Value]:
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    y = (w * x).tanh() * x  # y = tanh(6)·2
    x.data = 5.0
    w.data = -1.0
    return x, w, y


def expected_at_forward() -> tuple[float, float]:
    t = math.tanh(6.0)  # ∂y/∂x = (1 − t²)·w·x + t, ∂y/∂w = (1 − t²)·x·x at x = 2, w = 3
    return (1.0 - t * t) * 3.0 * 2.0 + t, (1.0 - t * t) * 2.0 * 2.0


def test_backward_differentiates_the_graph_as_computed_not_the_changed_data():
    x, w, y = mutated()
    y.backward()
    assert (x.grad, w.grad) == pytest.approx(expected_at_forward(), rel=1e-15)


def test_grad_and_backward_steps_see_the_same_derivatives_as_backward():
    x, w, y = mutated()
    assert [g.data for g in grad(y, [x, w])] == pytest.approx(expected_at_forward(), rel=1e-15)
    steps = list(backward_steps(y))
    root = steps[0].contributions  # y = t·x: ∂y/∂t = x, as it was (2), and ∂y/∂x = t
    assert [c.local_derivative for c in root] == [2.0, math.tanh(6.0)]
    assert (x.grad, w.grad) == pytest.approx(expected_at_forward(), rel=1e-15)


def test_create_graph_refuses_a_graph_whose_inputs_changed_and_names_the_node():
    x, w, y = mutated()
    with pytest.raises(ValueError, match=r"the mul node, was computed from inputs whose data"):
        grad(y, [x, w], create_graph=True)
    assert (x.grad, w.grad) == (0.0, 0.0)  # grads restored


def test_create_graph_on_unchanged_data_agrees_with_the_stored_derivatives():
    x, w = Value(2.0), Value(3.0)
    y = (w * x).tanh() * x
    assert [g.data for g in grad(y, [x, w], create_graph=True)] == [
        g.data for g in grad(y, [x, w])]


def test_a_derivative_undefined_when_computed_stays_an_error_after_data_changes():
    z = Value(0.0, label="z")
    s = z ** Value(0.5, label="e")  # ∂s/∂z = 0.5·z^-0.5: infinite at z = 0
    with pytest.raises(ZeroDivisionError, match=r"pow_var\(z=0.0, e=0.5\): derivative"):
        s.backward()
    z.data = 4.0
    with pytest.raises(ValueError, match=r"pow_var\(z=4.0, e=0.5\): derivative: not defined "
                                         r"at the inputs it was computed from"):
        s.backward()
    with pytest.raises(ValueError, match="not defined at the inputs"):
        list(backward_steps(s))
    assert z.grad == 0.0 and s.grad == 0.0


# --- the hot paths' shape: counted, not timed ------------------------------------------------


def python_calls(f) -> int:
    """How many Python frames ``f()`` enters (builtins not counted), ``f``'s own included."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        f()
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: -a, lambda a, b: a.tanh(), lambda a, b: a.exp(),
])
def test_a_common_op_is_one_python_frame(op):
    a, b = Value(0.5), Value(1.5)
    assert python_calls(lambda: op(a, b)) == 3  # the two lambdas and the op's method


def test_backward_makes_no_python_call_per_node():
    x = Value(0.5)
    small, large = x, x
    for _ in range(10):
        small = (small * x + x).tanh() / 2.0 - x
    for _ in range(1000):
        large = (large * x + x).tanh() / 2.0 - x
    for carried in (False, True):  # every grad 0.0, then grads from before to add to
        calls = []
        for y in (small, large):
            if not carried:
                y.zero_grad()
            calls.append(python_calls(y.backward))
        assert calls[0] == calls[1], carried


# --- all or nothing: a Ctrl-C anywhere in a walk ------------------------------------------------
def interrupted_at(k: int, f) -> bool:
    """Run ``f()``, raising KeyboardInterrupt at the k-th line the engine runs (as a Ctrl-C
    would, between two lines); True if it was raised. Not on a ``with`` line: there CPython
    also reports the line before calling ``__exit__``, where a trace function can raise but
    a signal's handler does not run, and the lock would be left held."""
    import linecache
    import os

    import autograd_lite

    engine = os.path.dirname(autograd_lite.__file__)
    seen = 0

    def local(frame, event, arg):
        nonlocal seen
        code = frame.f_code
        if event == "line" and not linecache.getline(
                code.co_filename, frame.f_lineno).lstrip().startswith("with "):
            seen += 1
            if seen == k:
                raise KeyboardInterrupt
        return local

    def start(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(engine) else None

    sys.settrace(start)
    try:
        f()
    except KeyboardInterrupt:
        return True
    finally:
        sys.settrace(None)
    return False


def lock_is_free() -> bool:
    import threading

    from autograd_lite.value import writing_grads

    free = []
    thread = threading.Thread(target=lambda: free.append(writing_grads.acquire(timeout=5)
                                                         and not writing_grads.release()))
    thread.start()
    thread.join()
    return free == [True]


def test_a_ctrl_c_anywhere_in_backward_changes_every_grad_or_none():
    def build():
        x = Value(0.5, label="x")
        y = ((x * x).tanh() + x) * 3.0
        for node in topological_order(y):
            node.grad = 0.25
        return y

    reference = build()
    before = [n.grad for n in topological_order(reference)]
    reference.backward()
    after = [n.grad for n in topological_order(reference)]
    k = 1
    while True:
        y = build()
        stopped = interrupted_at(k, y.backward)
        assert [n.grad for n in topological_order(y)] in (before, after), k
        assert lock_is_free(), k
        if not stopped:
            break
        k += 1
    assert k > 20  # every line of the walk was interrupted once


def test_walks_that_read_write_nothing_on_a_node():
    from autograd_lite import draw, explain

    writes = []

    class Watched(Value):  # a leaf that records every attribute written on it
        __slots__ = ()

        def __setattr__(self, name, value):
            writes.append(name)
            super().__setattr__(name, value)

    x, w = Watched(2.0, label="x"), Watched(-1.5, label="w")
    y = (w * x).tanh() * x
    writes.clear()
    topological_order(y)
    grad(y, [x, w])
    str(explain(y, x))
    draw(y)
    steps = backward_steps(y)
    next(steps)
    next(steps)
    steps.close()
    assert writes == []
    y.backward()  # the one walk that writes: its stamp, and the grads it sums
    assert set(writes) == {"_walk", "grad"}
