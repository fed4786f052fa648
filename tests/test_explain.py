"""separators and explain: the notes' chain rule, paths, separators, and their numbers."""

from __future__ import annotations

import math
import random
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_random_graphs import KINKED_UNARY, SMOOTH_BINARY, SMOOTH_UNARY, programs, run

from autograd_lite import Value, explain, save_svg, separators, topological_order
from autograd_lite.drawing import format_number
from autograd_lite.explainer import Path
from nets.feature_discovery import FeatureDiscoveryNet

UNARY = SMOOTH_UNARY + KINKED_UNARY
ORANGE, BLUE = "#ea580c", "#2563eb"


# --- separators on hand-made graphs ----------------------------------------------------------


def test_separators_of_a_chain_are_its_inner_nodes():
    x = Value(0.5)
    t = x.tanh()
    e = t.exp()
    L = e * 2.0
    assert separators(L, x) == [t, e]
    assert separators(L, t) == [e]
    assert separators(L, e) == []


def test_a_diamond_has_no_separator_inside_it_but_one_where_it_closes():
    x = Value(0.5)
    a, b = x.sin(), x.cos()
    c = a * b
    d = c.tanh()
    L = d + 1.0
    assert separators(L, x) == [c, d]
    assert separators(d, x) == [c]
    assert separators(c, x) == []


def test_a_node_on_some_paths_only_is_no_separator():
    x = Value(0.5)
    s = x.sin()
    assert separators(s + x, x) == []
    h = x * x
    assert separators(h.tanh(), x) == [h]  # both edges of x * x go through h


def test_separators_when_no_path_or_the_root_itself():
    x, z = Value(1.0), Value(2.0)
    y = x.exp()
    assert separators(y, z) == []
    assert separators(y, y) == []


def reaches(L: Value, v: Value, without: Value | None = None) -> bool:
    """Whether a path leads from v to L that avoids ``without`` (the definition, by search)."""
    seen, stack = set(), [L]
    while stack:
        node = stack.pop()
        if node is v:
            return True
        if node is without or node in seen:
            continue
        seen.add(node)
        stack.extend(node.parents)
    return False


# --- explain on random graphs ------------------------------------------------------------------


@given(programs(UNARY, SMOOTH_BINARY))
def test_sum_over_paths_equals_autodiff_and_separators_match_the_definition(program):
    steps, xs = program
    leaves = [Value(x) for x in xs]
    out = run(steps, leaves, UNARY, SMOOTH_BINARY)
    for k, node in enumerate(topological_order(out)):
        if node.op and k % 2:  # some labelled nodes, for the chain to factor through
            node.label = f"h{k}"
    explanations = [explain(out, leaf, max_paths=100_000) for leaf in leaves]
    out.backward()
    for leaf, e in zip(leaves, explanations):
        assert len(e.paths) == e.n_paths  # counted without, and found by, enumeration
        total = math.fsum(p.product for p in e.paths)
        assert total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-9)
        assert e.total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-9)
        if e.n_paths:  # the product of the chain through the labelled separators
            assert math.prod(f.value for f in e.chain) == pytest.approx(leaf.grad, rel=1e-9,
                                                                        abs=1e-9)
        else:
            assert e.chain == () and leaf.grad == 0.0
        for path in e.paths:
            assert path.nodes[0] is leaf and path.nodes[-1] is out
            assert all(b.parents[k] is a and d == b.local_derivatives()[k] for a, b, k, d in
                       zip(path.nodes, path.nodes[1:], path.positions, path.local_derivatives))
        # each path once: x·x gives two edges from x, two paths told apart by their positions
        assert len({(p.nodes, p.positions) for p in e.paths}) == len(e.paths)
        expected = [
            u for u in topological_order(out)
            if u is not leaf and u is not out and reaches(out, leaf)
            and not reaches(out, leaf, without=u)
        ]
        assert separators(out, leaf) == list(e.separators) == expected


def paths_by_definition(L: Value, v: Value) -> list[Path]:
    """Every path from v to L, L's first input's paths first: each path to one of L's
    inputs, then the edge to L with its local derivative (by recursion: small graphs)."""
    if L is v:
        return [Path((v,), (), ())]
    return [Path((*p.nodes, L), (*p.local_derivatives, L.local_derivatives()[k]),
                 (*p.positions, k))
            for k, parent in enumerate(L.parents) for p in paths_by_definition(parent, v)]


@given(programs(UNARY, SMOOTH_BINARY))
def test_the_paths_from_every_node_are_those_of_the_definition(program):
    # one path is read off the nodes on the paths, several are enumerated: both must give
    # the same nodes, input positions and local derivatives as the definition, in order
    steps, xs = program
    out = run(steps, [Value(x) for x in xs], UNARY, SMOOTH_BINARY)
    for v in topological_order(out):
        e = explain(out, v, max_paths=100_000)
        assert list(e.paths) == paths_by_definition(out, v)
        assert e.on_paths == tuple(u for u in topological_order(out)
                                   if any(u in p.nodes for p in e.paths))


def test_one_path_through_either_input_of_binary_ops():
    x, c = Value(0.5, label="x"), Value(3.0, label="c")
    a = c - x  # x is the second input: ∂a/∂x = −1 (the first input's would be +1)
    b = a.sin() / c  # a.sin() is the first input: ∂b/∂(sin a) = 1/3 (not −sin a/9)
    L = c * b  # b is the second input: ∂L/∂b = 3
    (path,) = explain(L, x).paths
    assert path.nodes == (x, a, path.nodes[2], b, L)
    assert path.local_derivatives == (-1.0, math.cos(2.5), pytest.approx(1 / 3), 3.0)
    assert path.positions == (1, 0, 0, 1)


# --- the feature-discovery net: the notes' formula ---------------------------------------------


def hand_net(loss="squared", W11=1.0):
    """W = [[1, 0.5], [2, W11]], w = [2, −3], x = [1.5, 2], y = 1.

    With W11 = 1: r̃ = (5.5, 2.75) = x̂, r = 2·5.5 − 3·2.75 = 2.75, and for the squared loss
    ∂l/∂r = −2(1 − 2.75) = 3.5. With W11 = −1: r̃_1 = −1.25, unit 1 is off, r = 11.
    """
    net = FeatureDiscoveryNet.from_weights([[1.0, 0.5], [2.0, W11]], [2.0, -3.0], loss=loss)
    return net, net.forward([1.5, 2.0], y=1.0 if loss == "squared" else 0.0)


def test_the_notes_formula_with_numbers():
    net, t = hand_net()
    lines = str(explain(t.l, net.W[0][1])).splitlines()
    assert lines[0] == (
        "∂l/∂W[0,1] = ∂l/∂r · ∂r/∂x̂[1] · ∂x̂[1]/∂r̃[1] · ∂r̃[1]/∂W[0,1]"
        " = (3.5)·(−3)·(1)·(1.5) = −15.75"
    )
    assert lines[1] == (
        "r̃[1], x̂[1] and r separate W[0,1] from l: "
        "every path from W[0,1] to l passes through them."
    )
    assert lines[2].startswith("1 path from W[0,1] to l;")
    assert str(explain(t.l, net.W[1][0])).splitlines()[0].endswith("= (3.5)·(2)·(1)·(2) = 14")
    assert str(explain(t.l, net.w[1])).splitlines()[0] == (
        "∂l/∂w[1] = ∂l/∂r · ∂r/∂w[1] = (3.5)·(2.75) = 9.625"
    )


def test_an_inactive_unit_gives_a_zero_factor():
    net, t = hand_net(W11=-1.0)  # ∂l/∂r = −2(1 − 11) = 20
    assert str(explain(t.l, net.W[0][1])).splitlines()[0].endswith(
        " = (20)·(−3)·(0)·(1.5) = 0"
    )


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_every_weight_of_a_random_net_factors_as_in_the_notes(loss):
    net = FeatureDiscoveryNet(3, 4, loss=loss, seed=7)
    x = [random.Random(1).uniform(-2, 2) for _ in range(3)]
    y = 1.0
    t = net.forward(x, y=y)
    r = t.r.data
    dl_dr = -2 * (y - r) if loss == "squared" else 1 / (1 + math.exp(-r)) - y
    for j in range(4):
        relu_prime = 1.0 if t.r_tilde[j].data > 0 else 0.0
        for i in range(3):
            e = explain(t.l, net.W[i][j])
            assert [(f.upper, f.lower) for f in e.chain] == [
                (t.l, t.r), (t.r, t.x_hat[j]), (t.x_hat[j], t.r_tilde[j]),
                (t.r_tilde[j], net.W[i][j]),
            ]
            assert [f.value for f in e.chain] == pytest.approx(
                [dl_dr, net.w[j].data, relu_prime, x[i]], rel=1e-12
            )
            assert e.chain_nodes == (t.r_tilde[j], t.x_hat[j], t.r)
        e = explain(t.l, net.w[j])
        assert [f.value for f in e.chain] == pytest.approx([dl_dr, t.x_hat[j].data], rel=1e-12)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_separators_in_the_feature_discovery_net(loss):
    net = FeatureDiscoveryNet(3, 2, loss=loss, seed=0)
    t = net.forward([0.5, -1.0, 1.0], y=1.0)
    for p in net.parameters():  # r separates θ from l
        assert t.r in separators(t.l, p)
    for i in range(3):
        for j in range(2):
            k = 1 - j
            below_r = separators(t.r, net.W[i][j])  # x̂_j separates r from W_ij, and r̃_j
            assert t.x_hat[j] in below_r and t.r_tilde[j] in below_r
            assert [s for s in separators(t.x_hat[j], net.W[i][j]) if s.label] == [t.r_tilde[j]]
            labelled = [s for s in separators(t.l, net.W[i][j]) if s.label]
            assert labelled == [t.r_tilde[j], t.x_hat[j], t.r]
            assert t.x_hat[k] not in separators(t.l, net.W[i][j])
    assert [s for s in separators(t.l, net.w[0]) if s.label] == [t.r]


def test_logistic_loss_is_one_path_whose_first_factor_is_sigma_r_minus_y():
    net, t = hand_net("logistic")  # y = 0: l = softplus(r), ∂l/∂r = σ(r) − 0
    e = explain(t.l, net.W[0][1])
    assert e.n_paths == 1
    assert e.chain[0].value == pytest.approx(1 / (1 + math.exp(-2.75)), rel=1e-12)
    text = str(e)
    assert "1 path from W[0,1] to l; ∂l/∂W[0,1] is the product of the local derivatives" in text
    assert e.total == pytest.approx(1 / (1 + math.exp(-2.75)) * -3 * 1.5, rel=1e-12)
def test_latex():
    net, t = hand_net()
    e = explain(t.l, net.W[0][1])
    latex = e._repr_latex_()
    assert latex == e.latex
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert (
        r"\frac{\partial l}{\partial W_{0,1}} &= \frac{\partial l}{\partial r} \cdot "
        r"\frac{\partial r}{\partial \hat{x}_{1}} \cdot "
        r"\frac{\partial \hat{x}_{1}}{\partial \tilde{r}_{1}} \cdot "
        r"\frac{\partial \tilde{r}_{1}}{\partial W_{0,1}} = (3.5) \cdot (-3) \cdot (1) \cdot (1.5)"
        r" = -15.75"
    ) in latex
    assert latex.count("{") == latex.count("}")
    odd = Value(1.0, label="my_loss")
    assert r"\mathrm{my\_loss}" in explain(odd * 2.0, odd).latex


def node_lines(source: str) -> dict[str, str]:
    return {line.split(" [")[0].strip(): line for line in source.splitlines()
            if " [" in line and "->" not in line}


def test_draw_shows_the_paths_and_marks_separators():
    net, t = hand_net()
    e = explain(t.l, net.W[0][1])
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(t.l))}
    lines = node_lines(e.draw().source)
    for s in (t.r_tilde[1], t.x_hat[1], t.r):
        assert ORANGE in lines[ids[s]]
    assert BLUE in lines[ids[net.W[0][1]]] and BLUE in lines[ids[t.l]]
    for off_path in (net.W[0][0], t.x_hat[0], t.x[1]):  # only the paths are drawn
        assert ids[off_path] not in lines
    assert "#f9fafb" in lines[ids[net.w[1]]]  # and the other inputs of their ops, greyed
    assert BLUE not in lines[ids[net.w[1]]] and ORANGE not in lines[ids[net.w[1]]]
    whole = node_lines(e.draw(paths_to=None).source)  # the whole graph, the paths highlighted
    assert BLUE in whole[ids[net.W[0][1]]]
    for off_path in (net.W[0][0], t.x_hat[0], net.w[1], t.x[1]):
        assert BLUE not in whole[ids[off_path]] and ORANGE not in whole[ids[off_path]]


def grad_shown(label: str) -> str:
    return re.search(r">grad ([^<]*)<", label)[1]


def test_draw_shows_the_real_gradients_and_leaves_grad_alone():
    net, t = hand_net()
    e = explain(t.l, net.W[0][1])
    nodes = topological_order(t.l)
    ids = {node: f"n{k}" for k, node in enumerate(nodes)}
    lines = node_lines(e.draw(paths_to=None, collapse=None).source)
    assert all(n.grad == 0.0 for n in nodes)  # explain and its drawing ran no backward()
    t.l.backward()
    for n in nodes:
        assert grad_shown(lines[ids[n]]) == format_number(n.grad)
    assert grad_shown(lines[ids[net.W[0][1]]]) == "−15.75"  # not "grad 0"


def test_a_relu_that_is_off_is_named_with_its_reason_in_the_text_and_the_picture():
    net, t = hand_net(W11=-1.0)  # r̃[1] = 0.5·1.5 − 1·2 = −1.25: unit 1 is off
    e = explain(t.l, net.W[0][1])
    note = "x̂[1] is off: r̃[1] = −1.25 ≤ 0, so every path through it carries 0."
    assert e.off == (t.x_hat[1],)
    assert str(e).splitlines()[:2] == [
        "∂l/∂W[0,1] = ∂l/∂r · ∂r/∂x̂[1] · ∂x̂[1]/∂r̃[1] · ∂r̃[1]/∂W[0,1] = (20)·(−3)·(0)·(1.5) = 0",
        note,
    ]
    source = e.draw().source
    assert note in source  # the caption
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(t.l))}
    assert "off: r̃[1] = −1.25 ≤ 0" in node_lines(source)[ids[t.x_hat[1]]]
    assert explain(t.l, net.W[0][0]).off == ()  # unit 0 is on: nothing to say
    assert "is off" not in str(explain(t.l, net.W[0][0]))
    own = explain(t.l, t.x_hat[1])  # the off ReLU's own gradient: its paths do not carry 0
    assert own.off == () and own.total == -60 and "is off" not in str(own)


def test_additions_factors_are_folded_and_said_so():
    net = FeatureDiscoveryNet(3, 16, loss="logistic", seed=0)  # l = softplus((1 − 2y)·r)
    t = net.forward([0.5, 0.2, 1.0], y=1.0)
    j = next(j for j in range(1, 15) if t.r_tilde[j].data > 0)
    text = str(explain(t.l, net.W[1][j]))
    # r̃[j] = (W0j·x0 + W1j·x1) + W2j·x2: two additions; r adds term j (j ≥ 1) at its
    # j-th addition, then 15 − j more, the last of them labelled r
    (path_line,) = [line for line in text.splitlines() if line.startswith("  W[1,")]
    route, product = path_line.strip().split(": ")
    assert route == f"W[1,{j}] → (*) → (+) → r̃[{j}] → x̂[{j}] → (*) → (+) → r → (*) → l"
    sigma = 1 / (1 + math.exp(t.r.data))  # softplus'(−r) = σ(−r)
    expected = (0.2, 1.0, net.w[j].data, -1.0, sigma)  # x1, relu', w_j, 1 − 2y, softplus'
    assert product.split(" = ")[0] == "·".join(f"({format_number(x)})" for x in expected)
    assert "(1)·(1)" not in text
    assert r"\text{(additions' factors 1 left out)}" in explain(t.l, net.W[1][j]).latex
    n_adds = 2 + (16 - j)
    assert (f"Additions pass the gradient on unchanged (a factor 1): the {n_adds} such "
            "factors on these paths are left out of the products above.") in text


@pytest.mark.needs_dot
def test_the_drawing_renders(tmp_path):
    net, t = hand_net()
    e = explain(t.l, net.W[0][1])
    ET.fromstring(save_svg(e.draw(rankdir="TB"), tmp_path / "e.svg").read_text(encoding="utf-8"))


# --- many paths, none, long ones -------------------------------------------------------------


def doublings(n: int, label_at: int | None = None) -> tuple[Value, Value]:
    """h = h + h, n times: 2ⁿ paths from x to the root, ∂root/∂x = 2ⁿ."""
    x = h = Value(1.0, label="x")
    for k in range(n):
        h = h + h
        if k + 1 == label_at:
            h.label = "m"
    return x, h


def test_too_many_paths_falls_back_to_the_separators():
    x, L = doublings(40, label_at=20)
    e = explain(L, x)
    assert e.n_paths == 2**40 and e.paths == ()
    assert e.total == 2.0**40
    assert [f.value for f in e.chain] == [2.0**20, 2.0**20]
    text = str(e)
    assert text.splitlines()[0] == "∂L/∂x = ∂L/∂m · ∂m/∂x = (1.049e+06)·(1.049e+06) = 1.1e+12"
    assert (f"There are {2**40} paths from x to L, too many to list (max_paths=32); "
            "the factorization through the separators above sums them all.") in text
    assert "too many to list" in e.latex


def test_too_many_paths_and_no_labelled_separator():
    x, L = doublings(6)
    e = explain(L, x, max_paths=10)
    assert e.n_paths == 64 and e.total == 64.0
    assert str(e).splitlines() == [
        "∂L/∂x = 64",
        "There are 64 paths from x to L, too many to list (max_paths=10); no labelled node "
        "separates x from L, so there is no shorter product.",
    ]
    assert len(explain(L, x, max_paths=64).paths) == 64


def test_no_path():
    x, z = Value(1.0, label="x"), Value(2.0, label="z")
    e = explain(x.exp(), z)
    assert (e.n_paths, e.paths, e.chain, e.total) == (0, (), (), 0.0)
    assert str(e) == "L does not depend on z: no path leads from z to L, so ∂L/∂z = 0."
    assert "&= 0" in e.latex
    source = e.draw().source  # no path to draw: the whole graph, and the sentence
    assert "<b>x</b>" in source and "L does not depend on z" in source


def test_the_root_itself():
    x = Value(3.0, label="x")
    e = explain(x, x)
    assert (e.n_paths, e.total) == (1, 1.0)
    assert str(e).splitlines()[-1] == "  x: 1 = 1"


def test_a_long_chain_needs_no_recursion():
    x = y = Value(0.1, label="x")
    for _ in range(5000):
        y = y.tanh()
    e = explain(y, x)
    assert e.n_paths == 1 and len(e.paths[0].local_derivatives) == 5000
    assert len(e.separators) == 4999


def test_only_the_local_derivatives_on_the_paths_are_needed():
    x = Value(0.0, label="x")
    s = x.sqrt()  # defined at 0, its derivative is not
    s.label = "s"
    L = s * 2.0
    assert separators(L, x) == [s]  # which nodes every path passes through: no derivative
    assert explain(L, s).total == 2.0  # ∂L/∂s does not use ∂s/∂x
    with pytest.raises(ZeroDivisionError, match=r"sqrt\(x=0\.0\): derivative"):
        explain(L, x)


def test_bad_arguments():
    with pytest.raises(TypeError, match="v must be a Value, got float"):
        explain(Value(1.0), 1.0)
    with pytest.raises(ValueError):
        explain(Value(1.0), Value(1.0), fmt="q")


def count_calls(monkeypatch, module, name):
    calls = []
    f = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(name) or f(*a, **k))
    return calls


@pytest.mark.parametrize("labels", [False, True])
def test_explain_walks_the_graph_a_fixed_number_of_times_whatever_the_depth(monkeypatch, labels):
    # a chain explained with a walk per labelled separator (or a path copied at every edge)
    # is quadratic in its depth; the issue measured 8 s at 40,000 nodes
    import autograd_lite.backprop as backprop
    import autograd_lite.explainer as explainer

    walks = count_calls(monkeypatch, backprop, "topological_order")
    walks += count_calls(monkeypatch, explainer, "topological_order")
    walks += count_calls(monkeypatch, explainer, "grad")
    derivatives = count_calls(monkeypatch, Value, "local_derivatives")
    seen = []
    for depth in (10, 100, 1000):
        x = y = Value(0.3, label="x")
        for k in range(depth):
            y = y.sin() * 1.5
            if labels:
                y.label = f"h{k}"
        del walks[:], derivatives[:]
        e = explain(y, x)
        assert e.n_paths == 1 and len(e.paths[0].nodes) == 2 * depth + 1
        assert len(e.chain) == (depth if labels else 1)
        seen.append(len(walks))
        assert len(derivatives) <= 2 * (2 * depth + 1)  # each node's at most twice: linear
        x.grad = 0.0
        y.backward()
        assert e.total == pytest.approx(x.grad, rel=1e-12)
        assert math.prod(f.value for f in e.chain) == pytest.approx(x.grad, rel=1e-12)
    assert seen[0] == seen[1] == seen[2]


def test_a_path_count_too_long_for_python_to_print_is_written_as_a_power_of_ten():
    x = y = Value(1.0, label="x")
    # 2^14300 = 10^(14300·log10 2) = 10^4304.729 ≈ 5.357×10^4304 paths: past 4,300 digits
    for _ in range(14_300):
        h = y * 0.5
        y = h + h
    e = explain(y, x)
    assert abs(e.n_paths - 2**14_300) < 2**14_300 // 10**6 and e.paths == ()  # not exact
    assert "There are about 5.357×10^4304 paths from x to L, too many to list" in str(e)
    assert "about 5.357×10^4304 paths: too many to list" in e.latex


def _separates(L: Value, v: Value, u: Value) -> bool:
    """Every path from v to L passes through u: L cannot be reached from v without u."""
    children: dict[Value, list[Value]] = {}
    for node in topological_order(L):
        for p in node.parents:
            children.setdefault(p, []).append(node)
    seen, todo = {v}, [v]
    while todo:
        for child in children.get(todo.pop(), []):
            if child is not u and child not in seen:
                seen.add(child)
                todo.append(child)
    return L not in seen


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.sampled_from("+*s")),
                min_size=1, max_size=25))
def test_separators_are_the_nodes_every_path_passes_through(steps):
    x = Value(0.5, label="x")
    nodes = [x, Value(1.5)]
    for i, j, op in steps:  # each new node from two earlier ones
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(a + b if op == "+" else a * b if op == "*" else a.sin())
    L = nodes[-1]
    reachable = not _separates(L, x, None)
    expected = [u for u in topological_order(L)
                if reachable and u is not x and u is not L and _separates(L, x, u)]
    assert separators(L, x) == expected


def test_diamond_path_counts_stay_small_numbers_and_the_total_is_approximate():
    from autograd_lite.explainer import EXACT_COUNTS, _path_counts

    x = y = Value(1.0, label="x")
    for _ in range(3_000):
        y = (y + y) * 0.5
    from_v, n_paths = _path_counts(topological_order(y), x)
    assert max(from_v.values()) == EXACT_COUNTS  # no count grows past 2⁶⁴: linear work
    assert abs(n_paths - 2**3_000) < 2**3_000 // 10**9
    e = explain(y, x)
    assert len(e.separators) == 2 * 3_000 - 1 and e.total == 1.0
    assert "There are about 1.230×10^903 paths from x to L, too many to list" in str(e)
