"""Programs (trace once, replay over a batch) against the scalar engine: random graphs with
every op, the two nets, every error path, the Wengert list and the generated Python."""

from __future__ import annotations

import ast
import math
import re
import sys

import numpy as np
import pytest
from hostile_labels import HOSTILE_LABELS
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import OPS, Value, grad, trace
from autograd_lite.program import UncheckedProgramWarning
from nets import MLP, FeatureDiscoveryNet
from nets.losses import LOSSES

HOWS = ["python", "levels", "each", "layers"]
# Most tests trace a bare graph, on purpose: its warning is tested once, below.
pytestmark = pytest.mark.filterwarnings("ignore::autograd_lite.program.UncheckedProgramWarning")

# Every op of the table, arranged so that any finite input is inside its domain.
UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.tanh().exp(),
    "log": lambda a: (a * a + 1.0).log(),
    "sqrt": lambda a: (a * a + 0.5).sqrt(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "softplus": lambda a: a.softplus(),
    "abs": lambda a: a.abs(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "pow": lambda a: a**2,
    "rpow": lambda a: 1.5 ** a.tanh(),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow_var": lambda a, b: (a.softplus() + 0.5) ** b.tanh(),
    "pow": lambda a, b: (a * b) ** 3 * 0.1,
    "constants": lambda a, b: 2.0 * a - b / 4.0 + (Value(3.0) * 2.0),
}


def test_the_random_graphs_use_every_op():
    used = set(UNARY) | set(BINARY)
    assert set(OPS) <= used


@st.composite
def graphs(draw):
    """A random graph: each step applies an op to earlier nodes; leaves are split into inputs
    (a column of X each) and params."""
    n_inputs, n_params = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    steps = []
    for k in range(draw(st.integers(1, 14))):
        node = st.integers(0, n_inputs + n_params + k - 1)
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), draw(node), None))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))), draw(node), draw(node)))
    numbers = st.floats(-2.0, 2.0)
    batch = draw(st.integers(1, 12))
    X = draw(st.lists(st.lists(numbers, min_size=n_inputs, max_size=n_inputs),
                      min_size=batch, max_size=batch))
    params = draw(st.lists(numbers, min_size=n_params, max_size=n_params))
    return steps, X, params


def build(steps, xs, ps):
    """The graph's root (the sum of its last three nodes) on leaves xs + ps."""
    nodes = [*xs, *ps]
    for name, i, j in steps:
        nodes.append(UNARY[name](nodes[i]) if j is None else BINARY[name](nodes[i], nodes[j]))
    return sum(nodes[-3:][1:], nodes[-3:][0])


def scalar_batch(make, X, params):
    """Per example: the scalar engine's value, and its gradients (one row per example)."""
    values, grads = [], []
    for x in X:
        xs = [Value(v) for v in x]
        ps = [Value(v) for v in params]
        root = make(xs, ps)
        values.append(root.data)
        grads.append([g.data for g in grad(root, ps)])
    return np.array(values), np.array(grads)


def assert_matches(program_result, scalar_result):
    """Values to 1e-12 relative; each gradient (a sum over the batch) to 1e-12 relative to
    the sum of its terms' magnitudes, since the two engines add the terms in different orders."""
    (values, grads), (ref_values, ref_grads) = program_result, scalar_result
    np.testing.assert_allclose(values, ref_values, rtol=1e-12, atol=1e-300)
    scale = np.abs(ref_grads).sum(axis=0)
    assert np.all(np.abs(grads - ref_grads.sum(axis=0)) <= 1e-12 * scale + 1e-300), (
        grads, ref_grads.sum(axis=0))


@pytest.mark.parametrize("how", HOWS)
@given(graphs())
def test_random_graphs_match_the_scalar_engine(how, graph):
    steps, X, params = graph
    xs = [Value(v, label=f"x{k}") for k, v in enumerate(X[0])]
    ps = [Value(v, label=f"p{k}") for k, v in enumerate(params)]
    program = trace(build(steps, xs, ps), xs, ps)
    assert_matches(program.run(X, how=how), scalar_batch(lambda a, b: build(steps, a, b), X,
                                                         params))


@given(graphs())
def test_generated_python_runs_and_agrees(graph):
    steps, X, params = graph
    xs, ps = [Value(v) for v in X[0]], [Value(v) for v in params]
    root = build(steps, xs, ps)
    namespace = {**__import__("autograd_lite.ops", fromlist=["GENERICS"]).GENERICS,
                 "isfinite": math.isfinite}
    exec(trace(root, xs, ps).python_source(), namespace)  # the text itself, compiled here
    for x in X:
        (value,), grads, finite = namespace["program"](x, params)
        ref_values, ref_grads = scalar_batch(lambda a, b: build(steps, a, b), [x], params)
        assert finite
        assert value == ref_values[0]  # the same float operations in the same order
        assert grads == ref_grads[0].tolist()


# --- the two nets ------------------------------------------------------------------------------
def net_example(model, loss, x0, y0):
    xs = [Value(v, label=f"x[{i}]") for i, v in enumerate(x0)]
    y = Value(y0, label="y")
    return LOSSES[loss](model(xs), y), xs, y


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize(("kind", "loss"), [("feature", "logistic"), ("feature", "squared"),
                                             ("mlp", "hinge")])
def test_the_two_nets_match_the_scalar_engine(kind, loss, how):
    rng = np.random.default_rng(7)
    B, D = 40, 3
    X = rng.normal(size=(B, D))
    Y = rng.integers(0, 2, B).astype(float) if loss == "logistic" else rng.choice([-1.0, 1.0], B)
    model = FeatureDiscoveryNet(D, 8, loss=loss, seed=1) if kind == "feature" \
        else MLP(D, [8, 8, 1], seed=1)
    root, xs, y = net_example(model, loss, X[0], Y[0])
    params = model.parameters()
    program = trace(root, [*xs, y], params)
    result = program.run(np.c_[X, Y], how=how)

    ref_values, ref_grads = [], []
    for x, t in zip(X, Y):
        r, _, _ = net_example(model, loss, x, t)
        ref_values.append(r.data)
        ref_grads.append([g.data for g in grad(r, params)])
    assert_matches(result, (np.array(ref_values), np.array(ref_grads)))


def test_outputs_are_returned_after_the_root():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    r = w * x
    program = trace((r - 1.0) ** 2, [x], [w], outputs=[r])
    values, grads = program.run([[2.0], [-1.0]])
    assert values.tolist() == [[25.0, 6.0], [16.0, -3.0]]
    assert grads.tolist() == [2 * 5 * 2 + 2 * -4 * -1]


# --- the Wengert list --------------------------------------------------------------------------
GOLDEN = """\
# 2 inputs, 2 params, 8 instructions
v0 = input[0]       # x[0]
v1 = input[1]       # y
v2 = param[0]       # W[0,0]
v3 = param[1]       # w[0]
v4 = mul(v2, v0)    # r̃[0] = W[0,0]·x[0]
v5 = relu(v4)       # x̂[0] = ReLU(r̃[0])
v6 = mul(v3, v5)    # r = w[0]·x̂[0]
v7 = sub(v1, v6)    # y - r
v8 = pow(v7, 2.0)   # v7 ** 2.0
v9 = exp(v3)        # exp(w[0])
v10 = mul(0.5, v9)  # 0.5·v9
v11 = add(v8, v10)  # l = v8 + v10
return v11          # l"""


def test_the_wengert_list_of_a_small_graph():
    x, y = Value(1.5, label="x[0]"), Value(-1.0, label="y")
    W, w = Value(0.5, label="W[0,0]"), Value(2.0, label="w[0]")
    r_tilde = W * x
    r_tilde.label = "r̃[0]"
    x_hat = r_tilde.relu()
    x_hat.label = "x̂[0]"
    r = w * x_hat
    r.label = "r"
    l = (y - r) ** 2 + 0.5 * w.exp()  # noqa: E741
    l.label = "l"
    assert str(trace(l, [x, y], [W, w])) == GOLDEN


def test_repr_and_constants_folded():
    x = Value(1.0, label="x")
    c = Value(2.0) * 3.0 + 1.0  # depends on no input: one constant, 7.0
    program = trace(x * c, [x], [])
    assert repr(program) == "<Program: 1 inputs, 0 params, 1 instructions>"
    assert "v1 = mul(v0, 7.0)" in str(program)
    values, grads = program.run([[2.0]])
    assert values.tolist() == [14.0] and grads.shape == (0,)


# --- errors ------------------------------------------------------------------------------------
@pytest.fixture
def small():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    return trace((w * x).exp(), [x], [w])


def test_trace_checks_its_arguments():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    y = w * x
    with pytest.raises(TypeError, match="the root is a float"):
        trace(1.0, [x], [w])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value, got float: 1.0"):
        trace(y, [1.0], [w])
    with pytest.raises(ValueError, match=r"params\[0\] = .* is not a leaf .* mul"):
        trace(y, [x], [y])
    with pytest.raises(ValueError, match="appears twice"):
        trace(y, [x, x], [w])
    with pytest.raises(ValueError, match="appears in both inputs and params"):
        trace(y, [x], [x])
    with pytest.raises(ValueError, match="depends on none of the inputs"):
        trace(Value(2.0) * 3.0, [x], [w])
    with pytest.raises(ValueError, match=r"outputs\[0\] .* is not a node"):
        trace(y, [x], [w], outputs=[Value(1.0)])
    cube = x**3
    with pytest.raises(ValueError, match="exponent .* must be a constant"):
        trace(cube, [x], [cube.parents[1]])


def test_trace_refuses_a_graph_whose_leaf_changed_after_it_was_built():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    y = (w * x).tanh()
    w.data = 5.0
    with pytest.raises(ValueError, match="does not reproduce the graph .* data changed"):
        trace(y, [x], [w])


@pytest.mark.parametrize(("X", "message"), [
    ([1.0, 2.0], r"shape \(B, 1\) .* got shape \(2,\)"),
    ([[1.0, 2.0]], r"got shape \(1, 2\)"),
    (np.zeros((0, 1)), r"B ≥ 1.* got shape \(0, 1\)"),
    ([[1.0], [math.nan]], r"X\[1, 0\] \(x\) is nan; inputs must be finite"),
    ([[math.inf]], r"X\[0, 0\] \(x\) is inf"),
])
def test_run_rejects_bad_inputs(small, X, message):
    with pytest.raises(ValueError, match=message):
        small.run(X)


def test_run_rejects_bad_params_and_strategies(small):
    with pytest.raises(TypeError, match="X must be an array of numbers"):
        small.run([["a"]])
    with pytest.raises(ValueError, match=r"hold 1 numbers, one per parameter; got shape \(2,\)"):
        small.run([[1.0]], params=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"params\[0\] is nan"):
        small.run([[1.0]], params=[math.nan])
    with pytest.raises(TypeError, match="params must be numbers"):
        small.run([[1.0]], params=["w"])
    with pytest.raises(ValueError, match="how must be one of"):
        small.run([[1.0]], how="fast")


@pytest.mark.parametrize("how", HOWS)
def test_overflow_names_the_example_the_instruction_and_its_labels(small, how):
    X = [[1.0]] * 9 + [[400.0]] + [[1.0]] * 3
    with pytest.raises(OverflowError, match=(
            r"example 9, instruction v3 = exp\(v2\): exp\(v2=800\.0\): math range error; "
            r"exp needs x ≤ 709\.78")):
        small.run(X, how=how)


@pytest.mark.parametrize("how", HOWS)
def test_domain_errors_name_the_op_and_the_labelled_inputs(how):
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    cases = [
        (trace(w.log() * x, [x], [w]), [[1.0]], [-1.0], ValueError, r"log\(w=-1\.0\)"),
        (trace(x / w, [x], [w]), [[1.0]], [0.0], ZeroDivisionError, r"div\(x=1\.0, w=0\.0\)"),
        (trace(w ** x, [x], [w]), [[1.0]], [-2.0], ValueError, r"pow_var\(w=-2\.0, x=1\.0\)"),
        (trace((w * x).sqrt(), [x], [w]), [[0.0]], [1.0], ZeroDivisionError,
         r"sqrt\(v2=0\.0\): derivative: float division by zero"),
    ]
    for program, X, params, kind, message in cases:
        with pytest.raises(kind, match=f"example 0, instruction .*{message}"):
            program.run(np.repeat(X, 3, axis=0), params=params, how=how)


@pytest.mark.parametrize("how", HOWS)
def test_a_gradient_overflow_is_an_error(how):
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    program = trace((w * x).log(), [x], [w])  # ∂/∂w = x / (w x) = 1/w: finite; 1/(w x) is not
    with pytest.raises(OverflowError, match=r"instruction v3 = log\(v2\): .*gradient"):
        program.run([[1e-310]] * 3, how=how)
    big = trace(w * x, [x], [w])  # each example's gradient is finite, their sum is not
    with pytest.raises(OverflowError, match=r"gradient of params\[0\] summed over the batch"):
        big.run([[1e308]] * 10, how=how)


def test_a_false_alarm_still_gives_the_answer():
    # The generated Python checks the sum of its values, 1e308 + 1e308 + …: it overflows,
    # though no value does; the checked replay then computes the answer.
    def f(x, w):
        return w * x - w * x + w

    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    program = trace(f(x, w), [x], [w])
    values, grads = program.run([[1e308]], how="python")
    x.data = 1e308
    root = f(x, w)
    assert values.tolist() == [root.data] and grads.tolist() == [grad(root, [w])[0].data]


def test_run_reads_the_parameters_current_data(small):
    w = small.params[0]
    w.data = 0.5
    values, grads = small.run([[2.0]])
    assert values.tolist() == [math.exp(1.0)] and grads.tolist() == [2.0 * math.exp(1.0)]


@pytest.mark.parametrize("how", HOWS)
def test_values_alone_are_runs_values(how):
    x, w, b = Value(1.0, label="x"), Value(0.5, label="w"), Value(-0.25, label="b")
    program = trace((w * x + b).tanh(), [x], [w, b])
    X = np.linspace(-3.0, 3.0, 11)[:, None]
    np.testing.assert_array_equal(program.values(X, how=how), program.run(X, how=how)[0])
    with pytest.raises(OverflowError, match=r"example 1, instruction v3 = exp"):
        trace((w * x).exp(), [x], [w]).values([[1.0], [2000.0]], how=how)


def test_forward_only_source_has_no_gradients():
    x, w = Value(1.0, label="x"), Value(0.5, label="w")
    program = trace((w * x).relu(), [x], [w])
    gradient_line = re.compile(r"^ +g\d+ = ", re.MULTILINE)
    assert gradient_line.search(program.python_source())
    assert not gradient_line.search(program.python_source(backward=False))
    assert program.compiled(backward=False)([2.0], [0.5]) == ((1.0,), [], True)


# --- user text never becomes code ------------------------------------------------------------


@pytest.mark.parametrize("label", HOSTILE_LABELS, ids=range(len(HOSTILE_LABELS)))
def test_a_label_never_becomes_code(label):
    def traced(label: str):
        x, w = Value(2.0, label=label), Value(0.5, label=label)
        y = (w * x).tanh()
        y.label = label
        return trace(y, [x], [w])

    plain, program = traced(""), traced(label)
    assert not hasattr(sys, "PWNED")
    for backward in (True, False):
        source = program.python_source(backward)
        # The code is the same as with no labels at all: only the comments differ.
        assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(plain.python_source(backward)))
        assert len(source.splitlines()) == len(plain.python_source(backward).splitlines())
    text = str(program)
    assert len(text.splitlines()) == len(str(plain).splitlines())
    try:
        program.run([[1.0], [3.0]], how="python")
        assert not hasattr(sys, "PWNED")
    finally:
        vars(sys).pop("PWNED", None)  # each label is judged on its own


# --- a cheap trace: nothing compiled unless the Python replay runs, and that bounded ------------
@pytest.fixture
def compile_calls(monkeypatch):
    """How many times Python's ``compile`` is called (the generated code's cost)."""
    import builtins

    calls = []
    real = builtins.compile
    monkeypatch.setattr(builtins, "compile", lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def test_trace_compiles_nothing(compile_calls):
    model = MLP(3, [8, 8, 1], seed=1)
    root, xs, y = net_example(model, "hinge", [0.5, -1.0, 2.0], 1.0)
    program = trace(root, [*xs, y], model.parameters())
    program.run(np.ones((200, 4)))  # numpy replays: nothing compiled either
    program.run(np.ones((20, 4)), how="levels")
    assert compile_calls == []
    program.run(np.ones((2, 4)), how="python")
    program.run(np.ones((3, 4)), how="python")
    assert len(compile_calls) == 1  # compiled once, when first needed, then kept


def test_the_generated_python_is_bounded(monkeypatch, compile_calls):
    from autograd_lite import replays

    monkeypatch.setattr(replays, "PYTHON_MAX", 3)
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    small, large = trace((w * x).exp(), [x], [w]), trace((w * x).exp() * x + w, [x], [w])
    values, grads = large.run([[1.0], [2.0]])  # B = 2 would be Python: numpy instead
    assert compile_calls == []
    np.testing.assert_allclose(values, [math.exp(2) + 2, math.exp(4) * 2 + 2], rtol=1e-15)
    with pytest.raises(ValueError, match=r"limited to 3 instructions .* has 4: use how='each'"):
        large.run([[1.0]], how="python")
    with pytest.raises(ValueError, match="limited to 3 instructions"):
        large.compiled()
    small.run([[1.0]], how="python")  # within the bound: compiled
    assert len(compile_calls) == 1


@pytest.mark.parametrize("how", HOWS)
def test_a_batch_is_cut_by_slots_or_rows_times_examples(monkeypatch, how):
    from autograd_lite import replays

    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    program = trace((w * x).tanh() * x, [x], [w])  # 2 leaves + 3 instructions: 5 slots
    X = np.linspace(-2.0, 2.0, 25)[:, None]
    whole = program.run(X, how=how)
    # A layered pass holds 8 rows (B numbers each) where the others hold the 5 slots: the
    # input x, the last product's value and gradient, the layer's x̂ and its row of ones,
    # ∂l/∂x̂, r̃, and U (the rows of x).
    rows = 8 if how == "layers" else 5
    monkeypatch.setattr(replays, "BATCH_BYTES", 16 * rows * 4)  # 4 examples at a time
    assert replays.chunk_rows(program, how) == 4
    calls = []
    real = replays._guarded
    monkeypatch.setattr(replays, "_guarded", lambda program, run, X, *a: calls.append(len(X))
                        or real(program, run, X, *a))
    values, grads = program.run(X, how=how)
    assert calls == [4] * 6 + [1]
    np.testing.assert_array_equal(values, whole[0])
    np.testing.assert_allclose(grads, whole[1], rtol=1e-15)


# --- a program traced from a function checks that each batch builds the same graph ----------
W_BRANCH = 0.75
BRANCHING = {  # models that branch on the data; each one's program is wrong for some examples
    "if on .data": lambda x, w: (w * x).tanh() if x.data > 0 else w * x * 0.5,
    "if on a node's data": lambda x, w: (lambda r: r * r if r.data > 1.0 else r + 1.0)(w * x),
    "max of floats": lambda x, w: w * max(x.data, 0.0) + x,
    "float(x.data)": lambda x, w: w * float(x.data) * x,
    "float(x)": lambda x, w: (w + float(x)).exp() * x,
    "a loop as long as a value": lambda x, w: sum([w * x] * (1 + int(abs(x.data))), x),
    "min over a branch of two": lambda x, w: min(w * x, x * 2.0, key=lambda v: v.data),
}
X_BRANCH = np.array([[0.5], [-1.5], [2.5], [-0.25], [1.75], [3.0]])


def scalar_rows(model, X):
    """The scalar engine, one graph per row: the values and the summed gradient."""
    return scalar_batch(lambda xs, ps: model(xs[0], ps[0]), X.tolist(), [W_BRANCH])


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", BRANCHING)
def test_a_graph_traced_from_a_branching_model_replays_it_wrong(name):
    # Why the check is needed: traced from a bare graph, the program is silently wrong.
    model = BRANCHING[name]
    x, w = Value(X_BRANCH[0, 0], label="x"), Value(W_BRANCH, label="w")
    values, _ = trace(model(x, w), [x], [w]).run(X_BRANCH)
    ref_values, _ = scalar_rows(model, X_BRANCH)
    assert not np.allclose(values, ref_values, rtol=1e-12)


@pytest.mark.parametrize("name", BRANCHING)
def test_a_function_traced_program_detects_each_branch(name):
    model = BRANCHING[name]
    x, w = Value(X_BRANCH[0, 0], label="x"), Value(W_BRANCH, label="w")
    program = trace(lambda x: model(x, w), [x], [w], check=len(X_BRANCH))
    with pytest.raises(ValueError, match=r"Program.run: example \d builds a different graph "
                       r"from the traced one \(the traced graph has .*, this one .*\); the "
                       r"function branches on the data"):
        program.run(X_BRANCH)
    with pytest.raises(ValueError, match="builds a different graph"):
        program.values(X_BRANCH)
    # With the scalar engine for the examples that differ, every example is right.
    scalar = trace(lambda x: model(x, w), [x], [w], check=len(X_BRANCH), fallback="scalar")
    with pytest.warns(UserWarning, match=r"Program.run: \d of the checked examples .* build a "
                      "different graph: computed by the scalar engine"):
        values, grads = scalar.run(X_BRANCH)
    assert_matches((values, grads), scalar_rows(model, X_BRANCH))


def test_the_check_names_the_example_and_the_first_differing_instruction():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    program = trace(lambda x: (w * x).tanh() if x.data > 0 else (w * x).relu(), [x], [w])
    with pytest.raises(ValueError, match=re.escape(
            "example 4 builds a different graph from the traced one (the traced graph has "
            "v3 = tanh(v2), this one v3 = relu(v2))")):
        program.run([[1.0], [2.0], [3.0], [4.0], [-5.0]])  # the last is always checked
    program.run([[1.0], [2.0], [3.0], [4.0], [-5.0]], check=0)  # unchecked: replayed as traced


def test_which_examples_are_checked(monkeypatch):
    built = []
    x, w = Value(0.0, label="x"), Value(2.0, label="w")
    program = trace(lambda x: built.append(x.data) or w * x, [x], [w])
    built.clear()
    program.run(np.arange(100.0)[:, None])
    assert len(built) == 3 and built[:2] == [0.0, 99.0] and 0 < built[2] < 99  # default 3
    built.clear()
    program.run(np.arange(100.0)[:, None], check=5)
    assert built[:2] == [0.0, 99.0] and len(set(built)) == 5
    built.clear()
    program.run([[1.0]], check=5)
    assert built == [1.0]
    built.clear()
    program.run(np.arange(10.0)[:, None], check=0)
    assert built == []


def test_a_function_traced_program_with_outputs_matches_the_scalar_engine():
    x, y, w = Value(0.5, label="x"), Value(1.0, label="y"), Value(-0.3, label="w")

    def loss(x, y):
        r = (w * x).tanh()
        return (r - y) ** 2, r

    program = trace(loss, [x, y], [w])
    X = np.array([[0.5, 1.0], [2.0, -1.0], [-1.0, 1.0]])
    values, grads = program.run(X, how="python")  # math's tanh, as the scalar engine's
    assert values.shape == (3, 2)
    for row, (a, b) in zip(values, X):
        loss_value, r = loss(Value(a), Value(b))
        assert row.tolist() == [loss_value.data, r.data]


def test_trace_from_a_graph_warns_that_it_cannot_check():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    with pytest.warns(UncheckedProgramWarning, match="cannot check .* trace\\(fn, inputs, params"):
        trace(w * x, [x], [w])


def test_trace_from_a_function_checks_its_arguments():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    with pytest.raises(TypeError, match="must return the root Value .* got 3.0"):
        trace(lambda x: 3.0, [x], [w])
    with pytest.raises(ValueError, match="return root, \\*outputs"):
        trace(lambda x: w * x, [x], [w], outputs=[x])
    with pytest.raises(TypeError, match="check must be an int ≥ 0, got -1"):
        trace(lambda x: w * x, [x], [w], check=-1)
    with pytest.raises(ValueError, match="fallback must be one of 'error', 'scalar'"):
        trace(lambda x: w * x, [x], [w], fallback="ignore")
    program = trace(lambda x: w * x, [x], [w])
    with pytest.raises(TypeError, match="check must be an int ≥ 0, got True"):
        program.run([[1.0]], check=True)
    with pytest.raises(ValueError, match="pass params=None \\(or check=0\\)"):
        program.run([[1.0]], params=[3.0])
    assert program.run([[1.0]], params=[3.0], check=0)[0].tolist() == [3.0]


# --- small things that gave raw errors (issue 18, low) ------------------------------------------
def test_run_refuses_a_list_for_how_bools_and_huge_integers(small):
    with pytest.raises(ValueError, match=r"how must be one of 'python', 'levels', 'each', "
                                         r"'layers', got \['each'\]"):
        small.run([[1.0]], how=["each"])
    with pytest.raises(ValueError, match="X holds a number too large for a float"):
        small.run([[10**400]])
    with pytest.raises(ValueError, match="params holds a number too large for a float"):
        small.run([[1.0]], params=[10**400])
    with pytest.raises(TypeError, match="X must be an array of numbers .*bools"):
        small.run([[True], [False]])
    with pytest.raises(TypeError, match=r"params must be numbers \(got bools\)"):
        small.run([[1.0]], params=[True])


@pytest.mark.parametrize("inputs", [None, 3, "x"])
def test_trace_names_inputs_that_are_not_a_sequence(inputs):
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    with pytest.raises(TypeError, match=r"trace: inputs must be a collection of Values, got "):
        trace(w * x, inputs, [w])
    with pytest.raises(TypeError, match=r"trace: params must be a collection of Values, got "):
        trace(w * x, [x], inputs)


def module_level_loss(model, x0, x1, y):
    r = model([x0, x1])
    return (r - y) ** 2, r


def test_a_program_pickles_and_runs_the_same():
    import pickle
    from functools import partial

    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    bare = trace((w * x).sigmoid() ** 2 + x, [x, Value(0.0), Value(0.0)], [w])
    model = MLP(2, [3, 1], seed=0)
    leaves = [Value(0.5), Value(1.0), Value(-1.0)]
    # The partial holds the model, so the copy's function builds on the copy's parameters.
    from_function = trace(partial(module_level_loss, model), leaves, model.parameters())
    X = [[0.5, 1.0, -1.0], [2.0, -1.0, 1.0], [-1.0, 0.0, 1.0]]
    bare.run(X, how="python")  # compiled code and groups are not pickled: made again
    bare.run(X, how="levels")
    for program in (bare, from_function):
        copy = pickle.loads(pickle.dumps(program))
        assert str(copy) == str(program)
        for how in HOWS:
            values, grads = copy.run(X, how=how)
            np.testing.assert_array_equal(values, program.run(X, how=how)[0])
            np.testing.assert_array_equal(grads, program.run(X, how=how)[1])
    with pytest.raises(TypeError, match=r"cannot pickle a program traced from <function .*"
                                        r"lambda.*; trace from a function defined at the top"):
        pickle.dumps(trace(lambda x: w * x, [x], [w]))
