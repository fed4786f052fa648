"""Threads: walks of one graph, or of graphs sharing leaves, give the one-thread result.

Walks sum in tables of their own and need no lock; the engine writes ``.grad`` (the end of
``backward()``, ``zero_grad()``) all in one piece, holding one lock, so every sum is exact.
A paused ``backward_steps`` walk writes nothing until its end, so nothing waits for it.
The switch interval is made tiny so that threads are switched every few bytecodes.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable

import pytest

from autograd_lite import Value, backward_steps, draw, explain, grad, topological_order

THREADS, WALKS = 8, 200


@pytest.fixture(autouse=True)
def switch_threads_often():
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def run_threads(work: Callable[[int], None]) -> None:
    """work(k) in thread k, for k < THREADS, all started together; re-raise the first error."""
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(k: int) -> None:
        start.wait()
        try:
            work(k)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def small_graph() -> tuple[Value, Value, Value]:
    """A graph whose gradients are small integers, so any number of sums of them is exact."""
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    h = x * w + x
    h.label = "h"
    y = h * w + x * x
    y.label = "y"
    return x, w, y


def test_many_threads_walking_one_graph_get_the_single_threaded_results():
    x, w, y = small_graph()
    order = topological_order(y)
    reference_order = [id(n) for n in order]
    reference_grad = [g.data for g in grad(y, [x, w])]
    y.backward()
    unit = [n.grad for n in order]  # ∂y/∂n for every node: integers
    assert all(g == int(g) and g > 0 for g in unit)
    y.zero_grad()
    reference_text = str(explain(y, x))
    backwards = [0] * THREADS
    results = []  # (kind, ok) for every walk, checked after the threads end

    def work(k: int) -> None:
        for i in range(WALKS):
            kind = (k + i) % 5
            if kind == 0:
                y.backward()
                backwards[k] += 1
            elif kind == 1:
                results.append(("grad", [g.data for g in grad(y, [x, w])] == reference_grad))
            elif kind == 2:
                results.append(("order", [id(n) for n in topological_order(y)] == reference_order))
            elif kind == 3:
                results.append(("explain", str(explain(y, x)) == reference_text))
            else:
                # the picture shows the grads after some whole number of backward() calls
                shown = [float(g) for g in re.findall(r"grad (\d+)<", draw(y, fmt=".0f").source)]
                ks = {g / u for g, u in zip(shown, unit)}
                results.append(("draw", len(shown) == len(unit) and len(ks) == 1
                                and ks.pop() in range(WALKS * THREADS + 1)))

    run_threads(work)
    assert len(results) == THREADS * WALKS - sum(backwards)
    assert [kind for kind, ok in results if not ok] == []
    assert {kind for kind, _ in results} == {"grad", "order", "explain", "draw"}
    assert [n.grad for n in order] == [sum(backwards) * u for u in unit]


def test_threads_with_their_own_graphs_sharing_a_weight_add_up_exactly():
    # the case: 8 threads × 200 backward() on their own graph using one shared w
    w = Value(1.5, label="w")

    def work(k: int) -> None:
        x = Value(float(k + 1))
        for _ in range(WALKS):
            (w * x + w * 1.0).backward()  # ∂/∂w = x + 1

    run_threads(work)
    assert w.grad == WALKS * sum(k + 2 for k in range(THREADS))


def test_step_by_step_walks_in_many_threads_each_add_their_gradients_exactly():
    x, w, y = small_graph()
    reference = [(id(s.node), s.grad, s.contributions) for s in backward_steps(y)]
    unit = [n.grad for n in topological_order(y)]
    y.zero_grad()
    finished = [0] * THREADS

    def work(k: int) -> None:
        for _ in range(WALKS // 4):
            steps = [(id(s.node), s.grad, s.contributions) for s in backward_steps(y)]
            assert steps == reference
            finished[k] += 1

    run_threads(work)
    assert finished == [WALKS // 4] * THREADS  # none waited for another, none was refused
    assert [n.grad for n in topological_order(y)] == [sum(finished) * u for u in unit]


def test_backward_in_another_thread_while_a_walk_is_paused():
    x, w, y = small_graph()
    (dx,) = grad(y, [x])
    steps = backward_steps(y)
    next(steps)
    thread = threading.Thread(target=y.backward)
    thread.start()
    thread.join()
    assert x.grad == dx.data  # the other thread's walk, not held up
    list(steps)
    assert x.grad == 2 * dx.data  # and the paused walk's, added at its end


def test_walks_that_only_read_need_no_lock():
    # While another thread holds the lock that writes .grad, reading walks still run.
    from autograd_lite.value import writing_grads

    x, w, y = small_graph()
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writing_grads:
            held.set()
            release.wait(timeout=60)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(timeout=60)
    try:
        assert len(topological_order(y)) == 7
        assert [g.data for g in grad(y, [x, w])] == [16.0, 14.0]  # w(w + 1) + 2x, h + wx
        assert "∂y/∂x" in str(explain(y, x))
        steps = backward_steps(y)
        assert next(steps).grad == 1.0
        steps.close()
    finally:
        release.set()
        thread.join()
