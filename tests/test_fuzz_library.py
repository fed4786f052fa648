"""Fuzzing the library's public functions with bad input: each call either works or raises a
documented error (TypeError, ValueError, OverflowError, ZeroDivisionError for an op's domain)
whose message names the argument (or, for an op, the op): never another exception, never a
message that leaves you guessing. Run with ``-s`` to see how many inputs were tried.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import (
    OPS,
    Value,
    backward,
    backward_steps,
    draw,
    explain,
    grad,
    gradcheck,
    separators,
    topological_order,
)
from nets import MLP, SGD, Adam, FeatureDiscoveryNet, Layer, Neuron
from nets.data import blobs, circles, two_moons, xor
from nets.losses import logistic_loss, squared_loss

DOCUMENTED = (TypeError, ValueError, OverflowError, ZeroDivisionError)
TRIED: Counter[str] = Counter()

# --- bad inputs: wrong types, non-finite, huge, empty, Unicode --------------------------------
ODD = [None, True, False, "", " ", "1", "1.5", "nan", "⁵", "５", "x\u200b", "é" * 3, b"1", [], (),
       {}, [1.0], (1.0, 2.0), {1: 2}, {"color": 1}, set(), object(), 1j, math.nan, math.inf,
       -math.inf, 10**400, -(10**400), 10**5000, 1e308, -1e308, 5e-324, -0.0, 0, -1, 0.0,
       np.float64("nan"), np.int64(-3), np.float32(2.5), np.array([1.0, 2.0]), np.array(1.0),
       Value(1.0), print, float]
BAD = st.one_of(
    st.sampled_from(ODD),
    st.none(),
    st.booleans(),
    st.text(max_size=6),
    st.binary(max_size=4),
    st.complex_numbers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.lists(st.one_of(st.floats(), st.text(max_size=2), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=2), st.one_of(st.integers(), st.text(max_size=2)),
                    max_size=2),
)
# sizes: bad ones only (a valid size would build a real net, which is not what this tests)
BAD_SIZE = BAD.filter(lambda n: not (isinstance(n, (int, np.integer))
                                     and not isinstance(n, bool) and 1 <= n <= 10**4))


def check(where: str, call: Callable[[], object], names: tuple[str, ...]) -> None:
    """call() works, or raises a documented error whose message names one of ``names``."""
    TRIED[where] += 1
    try:
        call()
    except DOCUMENTED as e:
        message = str(e)
        assert "\n" not in message, f"{where}: a multi-line message: {message!r}"
        assert any(n in message for n in names), f"{where}: {message!r} names none of {names}"
        assert len(message) < 400, f"{where}: a message of {len(message)} characters"


FUZZ = settings(max_examples=100, suppress_health_check=[HealthCheck.filter_too_much])


@pytest.fixture(scope="module", autouse=True)
def report_how_many_inputs_were_tried():
    yield
    print(f"\nlibrary fuzz: {sum(TRIED.values()):,} inputs over {len(TRIED)} arguments")


def leaf() -> tuple[Value, Value]:
    x = Value(1.5, label="x")
    return x, (x * x).tanh()


# --- the engine --------------------------------------------------------------------------------
ENGINE = {
    "Value(data)": (lambda bad: Value(bad), ("data",)),
    "Value(label)": (lambda bad: Value(1.0, label=bad), ("label",)),
    "topological_order(root)": (lambda bad: topological_order(bad), ("root",)),
    "backward(root)": (lambda bad: backward(bad), ("root",)),
    "Value.backward(self)": (lambda bad: Value.backward(bad), ("root",)),
    "backward_steps(root)": (lambda bad: list(backward_steps(bad)), ("root",)),
    "grad(output)": (lambda bad: grad(bad, [Value(1.0)]), ("output",)),
    "grad(inputs)": (lambda bad: grad(leaf()[1], bad), ("inputs",)),
    "grad(create_graph)": (lambda bad: grad(leaf()[1], [], create_graph=bad), ("create_graph",)),
    "separators(L)": (lambda bad: separators(bad, Value(1.0)), ("L",)),
    "separators(v)": (lambda bad: separators(leaf()[1], bad), ("v",)),
    "explain(L)": (lambda bad: explain(bad, Value(1.0)), ("L",)),
    "explain(v)": (lambda bad: explain(leaf()[1], bad), ("v",)),
    "explain(max_paths)": (lambda bad: explain(*leaf()[::-1], max_paths=bad), ("max_paths",)),
    "explain(fmt)": (lambda bad: str(explain(*leaf()[::-1], fmt=bad)), ("fmt",)),
    "draw(root)": (lambda bad: draw(bad), ("root",)),
    "draw(max_nodes)": (lambda bad: draw(leaf()[1], max_nodes=bad), ("max_nodes",)),
    "draw(styles)": (lambda bad: draw(leaf()[1], styles=bad), ("styles",)),
    "draw(fmt)": (lambda bad: draw(leaf()[1], fmt=bad).source, ("fmt",)),
    "draw(rankdir)": (lambda bad: draw(leaf()[1], rankdir=bad), ("rankdir",)),
    "gradcheck(f)": (lambda bad: gradcheck(bad, [1.0]), ("f",)),
    "gradcheck(xs)": (lambda bad: gradcheck(lambda *v: sum(v, Value(0.0)).tanh(), bad),
                      ("xs", "tanh", "add")),
    "gradcheck(eps)": (lambda bad: gradcheck(lambda x: x * x, [1.0], eps=bad), ("eps", "mul")),
    "gradcheck(rtol)": (lambda bad: gradcheck(lambda x: x * x, [1.0], rtol=bad), ("rtol",)),
    "gradcheck(atol)": (lambda bad: gradcheck(lambda x: x * x, [1.0], atol=bad), ("atol",)),
}


@pytest.mark.parametrize("where", sorted(ENGINE))
@FUZZ
@given(bad=BAD)
def test_engine_functions_refuse_bad_arguments_by_name(where, bad):
    call, names = ENGINE[where]
    check(where, lambda: call(bad), names)


BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b, "**": lambda a, b: a**b}
# Python's own message for an operand it has no method for names the types
OPERAND = ("unsupported operand", "Value", "data", *OPS)


@pytest.mark.parametrize("symbol", sorted(BINARY))
@FUZZ
@given(bad=BAD, value=st.floats(-1e3, 1e3))
def test_ops_with_a_bad_number_on_either_side(symbol, bad, value):
    op = BINARY[symbol]
    check(f"Value {symbol} bad", lambda: op(Value(value), bad), OPERAND)
    check(f"bad {symbol} Value", lambda: op(bad, Value(value)), OPERAND)


# the one-input ops: each is a method of Value (neg is the operator -x)
@pytest.mark.parametrize("name", sorted(n for n in OPS if n == "neg" or hasattr(Value, n)))
@FUZZ
@given(x=st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                   st.sampled_from([0.0, -0.0, 5e-324, 1e308, -1e308, 709.8, -745.2])))
def test_every_unary_op_and_its_derivative_on_any_finite_float(name, x):
    method = Value.__neg__ if name == "neg" else getattr(Value, name)

    def run():
        v = Value(x)
        method(v).backward()

    check(f"{name}(x)", run, (name,))


# --- what is built on it -----------------------------------------------------------------------
def net(**kwargs):
    return FeatureDiscoveryNet(**({"n_inputs": 2, "n_hidden": 3} | kwargs))


NETS = {
    "FeatureDiscoveryNet(n_inputs)": (lambda bad: net(n_inputs=bad), ("n_inputs",), BAD_SIZE),
    "FeatureDiscoveryNet(n_hidden)": (lambda bad: net(n_hidden=bad), ("n_hidden",), BAD_SIZE),
    "FeatureDiscoveryNet(loss)": (lambda bad: net(loss=bad), ("loss",), BAD),
    "Neuron(nin)": (lambda bad: Neuron(bad), ("nin",), BAD_SIZE),
    "Layer(nout)": (lambda bad: Layer(2, bad), ("nout",), BAD_SIZE),
    "MLP(nin)": (lambda bad: MLP(bad, [2]), ("nin",), BAD_SIZE),
    "MLP(nouts)": (lambda bad: MLP(2, bad), ("nouts", "nout"), BAD_SIZE),
    "MLP(nouts[0])": (lambda bad: MLP(2, [bad]), ("nout",), BAD_SIZE),
    "SGD(params)": (lambda bad: SGD(bad), ("params",), BAD),
    "SGD(lr)": (lambda bad: SGD([Value(1.0)], lr=bad), ("lr",), BAD),
    "SGD(momentum)": (lambda bad: SGD([Value(1.0)], momentum=bad), ("momentum",), BAD),
    "Adam(lr)": (lambda bad: Adam([Value(1.0)], lr=bad), ("lr",), BAD),
    "Adam(betas)": (lambda bad: Adam([Value(1.0)], betas=bad), ("betas",), BAD),
    "Adam(betas[1])": (lambda bad: Adam([Value(1.0)], betas=(0.9, bad)), ("betas[1]",), BAD),
    "Adam(eps)": (lambda bad: Adam([Value(1.0)], eps=bad), ("eps",), BAD),
    "SGD.step(grad)": (lambda bad: _step(SGD, bad), ("grad", "parameter"), BAD),
    "Adam.step(grad)": (lambda bad: _step(Adam, bad), ("grad", "parameter"), BAD),
    "squared_loss(y)": (lambda bad: squared_loss(Value(0.5), bad), ("y", "data", *OPS),
                        BAD),
    "logistic_loss(y)": (lambda bad: logistic_loss(Value(0.5), bad), ("y", "target"), BAD),
    **{
        f"{make.__name__}({arg})": (
            lambda bad, make=make, arg=arg: make(**({"n": 50} | {arg: bad})), (arg,),
            BAD_SIZE if arg == "n" else BAD,
        )
        for make in (two_moons, xor, circles, blobs)
        for arg in ("n", "noise", "seed")
    },
}


def _step(make, bad):
    p = Value(1.0)
    opt = make([p], lr=0.1)
    p.grad = bad
    opt.step()


@pytest.mark.parametrize("where", sorted(NETS))
@FUZZ
@given(data=st.data())
def test_nets_refuse_bad_arguments_by_name(where, data):
    call, names, strategy = NETS[where]
    bad = data.draw(strategy)
    check(where, lambda: call(bad), names)



# --- memory: a net over the bound is refused before it is built, under a real limit -------
def _in_limited_memory(code: str) -> str:
    """Run ``code`` in a new Python whose address space is limited to 2 GiB; its stdout."""
    import os
    import subprocess
    import sys

    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))\n"
    done = subprocess.run([sys.executable, "-c", limit + code], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
                          check=False)
    assert done.returncode == 0 and "Error" not in done.stderr, done.stderr[-500:]
    return done.stdout


def test_nets_over_the_memory_bound_are_refused_under_rlimit_as():
    """40 random shapes within the size bound (10⁷ each, log-uniform, seeded; the more
    lines near the bound): every one whose parameters and one
    example's graph would take more than 1 GiB at 256 bytes a node is refused at once,
    without a MemoryError, in a process that could not hold 2 GiB (that a net within the
    bound takes at most 256 bytes a node is measured in tests/test_feature_discovery.py)."""
    import random

    from nets.feature_discovery import MAX_BYTES

    rng = random.Random(18)
    sizes = [(round(10 ** rng.uniform(0, 7)), round(10 ** rng.uniform(0, 7))) for _ in range(40)]
    sizes += [(3, h) for h in range(349_524, 349_534)]  # nodes(3, H) = 12·H + 19 at 2³⁰/256
    over = [(d, h) for d, h in sizes if FeatureDiscoveryNet.nodes(d, h) * 256 > MAX_BYTES]
    TRIED["memory bound"] += len(over)
    out = _in_limited_memory(
        "from nets import FeatureDiscoveryNet\n"
        f"for d, h in {over!r}:\n"
        "    try:\n"
        "        FeatureDiscoveryNet(d, h)\n"
        "    except ValueError as e:\n"
        "        assert 'more than the limit of 1 GiB' in str(e), e\n"
        "    else:\n"
        "        raise AssertionError((d, h))\n"
        "print(len(" + repr(over) + "))\n")
    assert int(out) == len(over) > 15 and (3, 349_524) in over
    assert FeatureDiscoveryNet.nodes(3, 349_523) * 256 <= MAX_BYTES  # the largest that fits
