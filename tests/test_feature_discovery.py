"""FeatureDiscoveryNet: structure, labels, autodiff vs the closed form and finite
differences, the gradient comparison table, input checks, and JSON weights files."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import grad, topological_order
from nets import FeatureDiscoveryNet, manual
from nets.compare import compare_gradients, finite_differences

# The notes' hand-worked example (see nets/manual.py): r̃ = (5, 0), x̂ = (5, 0), r = 10;
# with y = 7 and the squared loss, l = 9 and ∂l/∂r = 6.
W_HAND = [[1.0, -1.0], [2.0, 0.5]]
w_HAND = [2.0, 3.0]
x_HAND = [1.0, 2.0]


def hand_net(loss="squared"):
    return FeatureDiscoveryNet.from_weights(W_HAND, w_HAND, loss=loss)


def autodiff_gradients(net, output):
    """∂output/∂(W, w) from the engine, as arrays shaped like the weights."""
    g = np.array([v.data for v in grad(output, net.parameters())])
    split = net.n_inputs * net.n_hidden
    return g[:split].reshape(net.n_inputs, net.n_hidden), g[split:]


# --- structure ------------------------------------------------------------------------------
def test_shapes_labels_and_parameter_order():
    net = FeatureDiscoveryNet(3, 4, seed=1)
    assert len(net.W) == 3 and all(len(row) == 4 for row in net.W)
    assert len(net.w) == 4
    assert net.W[2][1].label == "W[2,1]" and net.w[3].label == "w[3]"
    params = net.parameters()
    assert params[:4] == net.W[0] and params[4:8] == net.W[1] and params[12:] == net.w
    W, w = net.weights()
    assert W.shape == (3, 4) and w.shape == (4,)
    assert W[2, 1] == net.W[2][1].data and w[3] == net.w[3].data


def test_seeded_without_global_random_state():
    state = random.getstate()
    a, b, c = (FeatureDiscoveryNet(3, 5, seed=s) for s in (7, 7, 8))
    assert random.getstate() == state
    assert np.array_equal(a.weights()[0], b.weights()[0])
    assert np.array_equal(a.weights()[1], b.weights()[1])
    assert not np.array_equal(a.weights()[0], c.weights()[0])


def test_forward_on_the_hand_worked_example():
    t = hand_net().forward(x_HAND, y=7.0)
    assert [n.data for n in t.x] == x_HAND
    assert [n.data for n in t.r_tilde] == [5.0, 0.0]
    assert [n.data for n in t.x_hat] == [5.0, 0.0]
    assert (t.r.data, t.l.data) == (10.0, 9.0)


def test_trace_nodes_carry_the_notes_names_and_form_one_graph():
    net = FeatureDiscoveryNet(2, 3, loss="logistic", seed=0)
    t = net.forward([0.5, -1.0], y=1)
    assert [n.label for n in t.x] == ["x[0]", "x[1]"]
    assert [n.label for n in t.r_tilde] == ["r̃[0]", "r̃[1]", "r̃[2]"]
    assert [n.label for n in t.x_hat] == ["x̂[0]", "x̂[1]", "x̂[2]"]
    assert (t.r.label, t.l.label) == ("r", "l")
    assert all(h.parents == (r,) for h, r in zip(t.x_hat, t.r_tilde))  # x̂_j = ReLU(r̃_j)
    in_graph = {id(n) for n in topological_order(t.l)}
    for node in [*net.parameters(), *t.x, *t.r_tilde, *t.x_hat, t.r]:
        assert id(node) in in_graph
    assert net.forward([0.5, -1.0]).l is None


def test_call_loss_and_total_loss_agree_with_forward():
    net = FeatureDiscoveryNet(2, 3, seed=2)
    assert net([1.0, 2.0]).data == net.forward([1.0, 2.0]).r.data
    assert net.loss([1.0, 2.0], 0.5).data == net.forward([1.0, 2.0], 0.5).l.data


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_total_loss_matches_the_closed_form_module(loss, reduction):
    rng = np.random.default_rng(0)
    net = FeatureDiscoveryNet(3, 5, loss=loss, seed=3)
    X = rng.normal(size=(7, 3))
    Y = rng.integers(0, 2, size=7).astype(float)
    expected = manual.batch_loss(*net.weights(), X, Y, loss, reduction)
    assert net.total_loss(X, Y, reduction).data == pytest.approx(expected, rel=1e-12)


def test_backward_on_the_hand_worked_example():
    net = hand_net()
    net.loss(x_HAND, 7.0).backward()
    # ∂l/∂W_ij = 6 · w_j · a'(r̃_j) · x_i (a'(0) = 0), ∂l/∂w_j = 6 · x̂_j
    assert [[p.grad for p in row] for row in net.W] == [[12.0, 0.0], [24.0, 0.0]]
    assert [p.grad for p in net.w] == [30.0, 0.0]
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


# --- autodiff vs the notes' closed form on random nets --------------------------------------
# Inputs and weights are multiples of 1/4, so every product is exact and a pre-activation
# built to be 0 is exactly 0 whatever the order of summation.
quarters = st.integers(-8, 8).map(lambda k: k / 4)


@st.composite
def nets_with_kinks(draw):
    """A random net (D ≤ 8, H ≤ 16), an input x, and the hidden units made to have r̃_j = 0."""
    D, H = draw(st.integers(1, 8)), draw(st.integers(1, 16))
    x = np.array(draw(st.lists(quarters, min_size=D, max_size=D)))
    W = np.array(draw(st.lists(quarters, min_size=D * H, max_size=D * H))).reshape(D, H)
    w = np.array(draw(st.lists(quarters, min_size=H, max_size=H)))
    kinks = sorted(draw(st.sets(st.integers(0, H - 1), max_size=H)))
    for j in kinks:
        W[:, j] = 0.0  # r̃_j = 0
        if D >= 2:  # or a column orthogonal to x: x_1·x_0 − x_0·x_1 = 0
            W[0, j], W[1, j] = x[1], -x[0]
    return W, w, x, kinks


@given(
    problem=nets_with_kinks(),
    loss=st.sampled_from(["squared", "logistic"]),
    target=st.integers(0, 1),
)
def test_autodiff_matches_the_closed_form_including_units_at_the_kink(problem, loss, target):
    W, w, x, kinks = problem
    net = FeatureDiscoveryNet.from_weights(W, w, loss=loss)
    t = net.forward(x, y=target)
    assert all(t.r_tilde[j].data == 0.0 for j in kinks)
    auto_W, auto_w = autodiff_gradients(net, t.l)
    dW, dw = manual.gradients(W, w, x, target, loss)
    # Both multiply the same numbers in different orders: equal to a few ulps.
    np.testing.assert_allclose(auto_W, dW, rtol=1e-9, atol=0)
    np.testing.assert_allclose(auto_w, dw, rtol=1e-9, atol=0)
    for j in kinks:  # ReLU'(0) = 0: nothing reaches W[:, j] through a unit at its kink
        assert not auto_W[:, j].any()


@given(seed=st.integers(0, 2**32 - 1), loss=st.sampled_from(["squared", "logistic"]),
       reduction=st.sampled_from(["mean", "sum"]), n=st.integers(1, 6))
def test_batch_autodiff_matches_the_closed_form(seed, loss, reduction, n):
    rng = np.random.default_rng(seed)
    D, H = (int(k) for k in rng.integers(1, [9, 17]))
    net = FeatureDiscoveryNet(D, H, loss=loss, seed=seed)
    X = rng.normal(size=(n, D))
    Y = rng.integers(0, 2, size=n).astype(float)
    auto_W, auto_w = autodiff_gradients(net, net.total_loss(X, Y, reduction))
    dW, dw = manual.batch_gradients(*net.weights(), X, Y, loss, reduction)
    # A sum over examples, in a different order: allow rounding relative to its largest entry.
    for auto, closed in ((auto_W, dW), (auto_w, dw)):
        np.testing.assert_allclose(auto, closed, rtol=1e-9, atol=1e-13 * np.abs(closed).max())


# --- both vs finite differences, away from the kinks ----------------------------------------
@given(seed=st.integers(0, 2**32 - 1), loss=st.sampled_from(["squared", "logistic"]),
       reduction=st.sampled_from(["mean", "sum"]))
def test_autodiff_and_closed_form_match_finite_differences(seed, loss, reduction):
    rng = np.random.default_rng(seed)
    D, H = (int(k) for k in rng.integers(1, [9, 17]))
    net = FeatureDiscoveryNet(D, H, loss=loss, seed=seed)
    X = rng.normal(size=(5, D))
    Y = rng.integers(0, 2, size=5).astype(float)
    assume(np.abs(X @ net.weights()[0]).min() > 1e-3)  # a difference across a kink is wrong
    numeric = finite_differences(*net.weights(), X, Y, loss, reduction)
    auto = autodiff_gradients(net, net.total_loss(X, Y, reduction))
    closed = manual.batch_gradients(*net.weights(), X, Y, loss, reduction)
    for a, c, n in zip(auto, closed, numeric):
        scale = np.abs(n).max()
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-6 * scale)
        np.testing.assert_allclose(c, n, rtol=1e-6, atol=1e-6 * scale)


def test_finite_differences_on_a_one_unit_net_by_hand():
    # L = (y − w·relu(W x))² with W x > 0: ∂L/∂W = −2 (y − r) w x, ∂L/∂w = −2 (y − r) W x
    W, w, x, y = 0.5, 3.0, 2.0, 1.0
    r = w * W * x  # 3
    dW, dw = finite_differences(np.array([[W]]), np.array([w]), np.array([[x]]), np.array([y]),
                                "squared", "mean")
    assert dW[0, 0] == pytest.approx(-2 * (y - r) * w * x, rel=1e-8)
    assert dw[0] == pytest.approx(-2 * (y - r) * W * x, rel=1e-8)


# --- the comparison table -------------------------------------------------------------------
def moons_problem():
    from nets.data import two_moons

    X, Y = two_moons(40, seed=1, constant_feature=True)
    return FeatureDiscoveryNet(3, 6, loss="logistic", seed=4), X, Y


def test_compare_gradients_agrees_and_leaves_grads_alone():
    net, X, Y = moons_problem()
    net.w[0].grad = 5.0
    result = compare_gradients(net, X, Y)
    assert result and [row.group for row in result.rows] == ["W", "w"]
    assert [row.size for row in result.rows] == [18, 6]
    assert all(row.manual_rel <= 1e-9 and row.numeric_rel <= 1e-6 for row in result.rows)
    assert net.w[0].grad == 5.0 and net.W[0][0].grad == 0.0
    assert result.loss == pytest.approx(manual.batch_loss(*net.weights(), X, Y, "logistic"))
    assert result.kink_distance == pytest.approx(np.abs(X @ net.weights()[0]).min())
    text = str(result)
    assert "autodiff vs closed form" in text and "all agree" in text
    assert text.splitlines()[2].split()[:2] == ["W", "18"]


def test_compare_gradients_reports_a_wrong_closed_form(monkeypatch):
    net, X, Y = moons_problem()
    right = manual.batch_gradients

    def off_by_a_little(*args):
        dW, dw = right(*args)
        return dW, dw * (1 + 1e-6)

    monkeypatch.setattr(manual, "batch_gradients", off_by_a_little)
    result = compare_gradients(net, X, Y)
    assert not result
    assert [row.ok for row in result.rows] == [True, False]
    assert "MISMATCH" in str(result) and " NO" in str(result)


# --- input checks -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "error", "pattern"),
    [
        ((0, 3), ValueError, "n_inputs must be a positive integer, got 0"),
        ((2, 1.5), TypeError, "n_hidden must be a positive integer, got float: 1.5"),
        ((2, True), TypeError, "n_hidden must be a positive integer, got bool: True"),
        ((2, "3"), TypeError, "n_hidden must be a positive integer, got str: '3'"),
    ],
)
def test_bad_sizes(args, error, pattern):
    with pytest.raises(error, match=pattern):
        FeatureDiscoveryNet(*args)


def test_numpy_integer_sizes_are_accepted_and_kept_as_ints():
    # the issue: refused, though Value accepts numpy numbers
    net = FeatureDiscoveryNet(np.int64(2), np.int32(3))
    assert (net.n_inputs, net.n_hidden) == (2, 3)
    assert type(net.n_inputs) is int and type(net.n_hidden) is int
    assert len(net.parameters()) == 2 * 3 + 3


def test_bad_loss_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; choose one of 'squared', 'logis"):
        FeatureDiscoveryNet(2, 2, loss="hinge")


@pytest.mark.parametrize(
    ("x", "pattern"),
    [
        ([1.0], r"x must have shape \(2,\), one number per input, got shape \(1,\)"),
        ([[1.0, 2.0]], r"x must have shape \(2,\).*got shape \(1, 2\)"),
        (["a", "b"], "x must hold real numbers"),
        ([1.0, float("nan")], "finite"),
    ],
)
def test_bad_inputs(x, pattern):
    with pytest.raises(ValueError, match=pattern):
        hand_net()(x)


def test_numpy_and_tuple_inputs_are_accepted():
    net = hand_net()
    assert net(np.array(x_HAND)).data == net(tuple(x_HAND)).data == 10.0


@pytest.mark.parametrize(
    ("X", "Y", "pattern"),
    [
        ([[1.0, 2.0, 3.0]], [0.0], r"X must have shape \(N, 2\) with N ≥ 1.*got shape \(1, 3\)"),
        (np.zeros((0, 2)), [], r"X must have shape \(N, 2\) with N ≥ 1"),
        ([[1.0, 2.0]], [0.0, 1.0], r"Y must have shape \(1,\), one target per row of X"),
        ([[1.0, 2.0], [3.0]], [0.0, 1.0], "X must be a rectangular array"),
    ],
)
def test_bad_batches(X, Y, pattern):
    with pytest.raises(ValueError, match=pattern):
        hand_net().total_loss(X, Y)


def test_logistic_targets_outside_0_1_name_the_example():
    with pytest.raises(ValueError, match=r"example 1: the logistic loss needs a target y in \{0,"):
        hand_net("logistic").total_loss([[1.0, 2.0], [0.0, 1.0]], [1.0, 0.5])
    with pytest.raises(ValueError, match=r"logistic loss needs a target y in \{0, 1\}, got -1"):
        hand_net("logistic").loss(x_HAND, -1)


def test_bad_reduction():
    with pytest.raises(ValueError, match="unknown reduction 'median'"):
        hand_net().total_loss([x_HAND], [1.0], reduction="median")


# --- from_weights ---------------------------------------------------------------------------
def test_from_weights_takes_lists_and_arrays():
    a = FeatureDiscoveryNet.from_weights(W_HAND, w_HAND, loss="logistic")
    b = FeatureDiscoveryNet.from_weights(np.array(W_HAND), np.array(w_HAND))
    assert (a.n_inputs, a.n_hidden, a.loss_name, b.loss_name) == (2, 2, "logistic", "squared")
    for net in (a, b):
        assert net.weights()[0].tolist() == W_HAND and net.weights()[1].tolist() == w_HAND


@pytest.mark.parametrize(
    ("W", "w", "pattern"),
    [
        ([1.0, 2.0], [1.0], r"W must have shape \(n_inputs, n_hidden\), both ≥ 1, got shape \(2,"),
        (np.zeros((2, 0)), [], r"W must have shape \(n_inputs, n_hidden\).*got shape \(2, 0\)"),
        (np.zeros((2, 3)), [1.0, 2.0], r"w must have shape \(n_hidden,\) = \(3,\).*shape \(2,\)"),
        (np.zeros((2, 3)), np.zeros((3, 1)), r"w must have shape \(n_hidden,\) = \(3,\)"),
        ([[1.0, 2.0], [3.0]], [1.0, 2.0], "W must be a rectangular array of numbers"),
        ([["a"]], [1.0], "W must hold real numbers"),
        ([[1.0]], [math.inf], "w must hold finite numbers, got inf"),
    ],
)
def test_from_weights_shape_errors(W, w, pattern):
    with pytest.raises(ValueError, match=pattern):
        FeatureDiscoveryNet.from_weights(W, w)


# --- JSON weights files ---------------------------------------------------------------------
def snapshot(net):
    return [p.data for p in net.parameters()], net.loss_name


def test_save_and_load_round_trip_exactly(tmp_path):
    net = FeatureDiscoveryNet(3, 4, loss="logistic", seed=5)
    path = tmp_path / "weights.json"
    net.save(path)
    doc = json.loads(path.read_text())
    assert (doc["format"], doc["version"], doc["loss"]) == (
        "autograd-lite/feature-discovery", 1, "logistic")
    assert doc["W"] == net.weights()[0].tolist() and doc["w"] == net.weights()[1].tolist()
    loaded = FeatureDiscoveryNet.load(path)
    assert snapshot(loaded) == snapshot(net)

    other = FeatureDiscoveryNet(3, 4, loss="logistic", seed=6)
    params = other.parameters()
    other.load_weights(path)
    assert snapshot(other) == snapshot(net)
    assert all(a is b for a, b in zip(other.parameters(), params))  # updated in place


def valid_doc():
    return {"format": "autograd-lite/feature-discovery", "version": 1, "loss": "squared",
            "W": [[1.0, 2.0], [3.0, 4.0]], "w": [5.0, 6.0]}


def with_changes(**changes):
    doc = valid_doc()
    for key, value in changes.items():
        if value is None:
            del doc[key]
        else:
            doc[key] = value
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (json.dumps(valid_doc())[:-20], "not valid JSON, the file may be truncated"),
        ("", "not valid JSON"),
        ("[1, 2]", 'not a weights file \\(expected "format": "autograd-lite/feature-discovery"\\)'),
        (with_changes(format="pickle"), "not a weights file"),
        (with_changes(version=2), "unsupported version 2, expected 1"),
        (with_changes(w=None), "missing 'w'"),
        (with_changes(loss="hinge"), "unknown loss 'hinge'"),
        (with_changes(W=[[1.0, 2.0], [3.0]]), "W must be a rectangular array"),
        (with_changes(W=[[1.0, "2"], [3.0, 4.0]]), "W must hold real numbers"),
        (with_changes(w=[5.0, 6.0, 7.0]), r"w must have shape \(n_hidden,\) = \(2,\)"),
        (with_changes(w=[5.0, float("nan")]), "w must hold finite numbers"),
        (with_changes(W=[[1.0, 2.0, 0.0], [3.0, 4.0, 0.0]], w=[1.0, 2.0, 3.0]),
         r"W has shape \(2, 3\), this net needs \(2, 2\)"),
    ],
)
def test_a_bad_file_is_rejected_and_the_net_unchanged(tmp_path, text, pattern):
    path = tmp_path / "bad.json"
    path.write_text(text)
    net = FeatureDiscoveryNet(2, 2, seed=9)
    net.w[0].grad = 1.5
    before = snapshot(net)
    with pytest.raises(ValueError, match=pattern) as error:
        net.load_weights(path)
    assert str(error.value).startswith(str(path))
    assert snapshot(net) == before and net.w[0].grad == 1.5


def test_load_reports_missing_files_and_non_text(tmp_path):
    with pytest.raises(ValueError, match="missing.json: cannot read the file"):
        FeatureDiscoveryNet.load(tmp_path / "missing.json")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="binary.json: not a text file"):
        FeatureDiscoveryNet.load(tmp_path / "binary.json")


def test_a_truncated_saved_file_is_rejected(tmp_path):
    net = FeatureDiscoveryNet(3, 4, seed=1)
    path = tmp_path / "weights.json"
    net.save(path)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    other = FeatureDiscoveryNet(3, 4, seed=2)
    before = snapshot(other)
    with pytest.raises(ValueError, match="truncated"):
        other.load_weights(path)
    assert snapshot(other) == before


@pytest.mark.parametrize("n_inputs, n_hidden", [(3, 2_000), (40, 100), (1, 3_000)])
def test_the_node_count_and_bytes_per_node_bound_a_real_net(n_inputs, n_hidden):
    import gc
    import tracemalloc

    from nets.feature_discovery import BYTES_PER_NODE

    gc.collect()
    tracemalloc.start()
    try:
        net = FeatureDiscoveryNet(n_inputs, n_hidden, "logistic")
        loss = net.loss([0.5] * n_inputs, 1.0)
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    nodes = len(topological_order(loss))
    bound = FeatureDiscoveryNet.nodes(n_inputs, n_hidden)
    assert nodes <= bound <= nodes + 16
    assert used <= nodes * BYTES_PER_NODE
