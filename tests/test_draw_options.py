"""draw's options for big graphs (collapse, paths_to, max_width) and for honest pictures
(legend, caption, edge labels, a ReLU that is off); save's formats, by magic bytes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from test_draw import SVG, parse_dot, svg_nodes

from autograd_lite import Value, backward_steps, draw, grad, save, save_svg, topological_order
from autograd_lite.drawing import MIN_FONT_PT, format_number, render, svg_width_px
from nets import MLP, FeatureDiscoveryNet, losses
from nets.data import DATASETS


def value_nodes(source: str) -> dict[str, dict[str, str]]:
    """The drawn value nodes (not the op circles) of DOT text: id → attributes."""
    return {k: v for k, v in parse_dot(source)[0].items() if not k.endswith("_op")}


def edge_labels(source: str) -> list[tuple[str, str, str]]:
    """(tail, head, label) of each labelled edge of DOT text, in order."""
    return re.findall(r'\t(\w+) -> (\w+) \[label="?([^"\]]*)"?\]', source)


def bold_labels(source: str) -> Counter:
    """The bold names of the drawn boxes (each box's first row, when it has a label)."""
    return Counter(m for attrs in value_nodes(source).values()
                   for m in re.findall(r"<b>(.*?)</b>", attrs["label"]))


def demo_net(n_hidden: int = 16):
    """The demo's net (`make demo`: two-moons with the constant feature, 16 hidden units,
    logistic loss, seed 0) on its first example, after backward."""
    X, labels = DATASETS["moons"](seed=0, constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], n_hidden, loss="logistic", seed=0)
    y = losses.class_targets(labels, "logistic")[0]
    t = net.forward(X[0], y=float(y))
    t.l.backward()
    return net, t


# --- collapse="sums" ---------------------------------------------------------------------------


def test_a_chain_of_additions_is_one_sigma_with_one_edge_per_term():
    xs = [Value(float(k), label=f"x{k}") for k in range(5)]
    s = xs[0] + xs[1] + xs[2] + xs[3] + xs[4]  # four additions
    s.label = "s"
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(s))}
    plain = parse_dot(draw(s).source)
    nodes, edges = parse_dot(draw(s, collapse="sums").source)
    assert len(value_nodes(draw(s).source)) == 5 + 4
    assert set(nodes) == {ids[x] for x in xs} | {ids[s], ids[s] + "_op"}
    assert nodes[ids[s] + "_op"]["label"] == "Σ"
    assert edges == Counter({(ids[x], ids[s] + "_op", None): 1 for x in xs}
                            | {(ids[s] + "_op", ids[s], None): 1})
    assert plain[0][ids[s] + "_op"]["label"] == "+"


def test_a_lone_addition_stays_a_plus_and_a_shared_sum_is_not_absorbed():
    a, b, c = (Value(v, label=n) for v, n in ((1.0, "a"), (2.0, "b"), (3.0, "c")))
    assert parse_dot(draw(a + b, collapse="sums").source)[0]["n2_op"]["label"] == "+"
    ab = a + b
    y = (ab + c) * ab  # ab is used twice: it must stay drawn
    nodes = value_nodes(draw(y, collapse="sums").source)
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(y))}
    assert ids[ab] in nodes and len(nodes) == len(ids)


# --- collapse="neurons" ------------------------------------------------------------------------


def test_the_feature_discovery_net_collapses_to_one_box_per_unit():
    net, t = demo_net(3)  # D = 3 inputs, H = 3 hidden units
    source = draw(t.l, params=net.parameters(), collapse="neurons").source
    # inputs, the three units, the score r, the loss l; and the loss's constant and product
    assert bold_labels(source) == Counter(["x[0]", "x[1]", "x[2]", "x̂[0]", "x̂[1]", "x̂[2]",
                                           "r", "l"])
    assert len(value_nodes(source)) == 8 + 2
    assert "W[" not in source and "w[" not in source  # the weights are inside the boxes
    _, edges = parse_dot(source)
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(t.l))}
    for unit in t.x_hat:
        assert all(edges[(ids[x], ids[unit], None)] == 1 for x in t.x)  # straight in
        assert edges[(ids[unit], ids[t.r], None)] == 1
    labels = value_nodes(source)
    assert "<b>x̂[0]</b> = ReLU(r̃[0])" in labels[ids[t.x_hat[0]]]["label"]
    assert "<b>r</b> = Σ 3 w·x<" in labels[ids[t.r]]["label"]
    for j, unit in enumerate(t.x_hat):  # an off unit says so on its sum's row
        pre = format_number(t.r_tilde[j].data)
        row = f"r̃[{j}] {pre}: off<" if unit.data == 0 else f"r̃[{j}] {pre}<"
        assert row in labels[ids[unit]]["label"]
        assert f">data {format_number(unit.data)}<" in labels[ids[unit]]["label"]


def test_an_mlp_collapses_to_its_neurons():
    model = MLP(2, [3, 1], seed=0)
    out = model([Value(0.5, label="u"), Value(-1.0, label="v")])
    out.backward()
    source = draw(out, params=model.parameters(), collapse="neurons").source
    nodes = value_nodes(source)
    # the two inputs, three hidden neurons, the output neuron: nothing else
    assert len(nodes) == 2 + 3 + 1
    formulas = Counter(re.search(r"= (.*?)</td>", n["label"])[1] for n in nodes.values()
                       if "neuron" in n["label"])
    assert formulas == Counter({"ReLU(Σ 2 w·x + b)": 3, "Σ 3 w·x + b": 1})
    assert "neuron: Σ w·x (+ b), activation" in source  # the legend names what is drawn:
    assert "computed value" not in source  # every computed value is inside a neuron here
    assert len(parse_dot(draw(out).source)[0]) > 40  # what it replaced


def test_neurons_need_the_weights():
    net, t = demo_net(2)
    with pytest.raises(ValueError, match=r'collapse="neurons" needs params=\.\.\.'):
        draw(t.l, collapse="neurons")
    with pytest.raises(ValueError, match='collapse must be None, "sums" or "neurons"'):
        draw(t.l, collapse="units")


def test_a_weight_used_twice_is_drawn_with_an_edge_in():
    w, x1, x2 = Value(0.5, label="w"), Value(2.0, label="x1"), Value(3.0, label="x2")
    y = (w * x1 + w * x2).tanh()  # one neuron using the same weight twice
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(y))}
    assert set(value_nodes(draw(y, params=[w], collapse="neurons").source)) == {
        ids[w], ids[x1], ids[x2], ids[y]}
    slope = 1 - y.data**2  # tanh'; ∂y/∂x1 = tanh'·w, ∂y/∂w = tanh'·(x1 + x2), one edge per use
    source = draw(y, params=[w], collapse="neurons", edge_labels=True).source
    assert sorted(edge_labels(source)) == sorted(
        (ids[source_node], ids[y], format_number(slope * local))
        for source_node, local in ((x1, 0.5), (x2, 0.5), (w, 2.0), (w, 3.0))
    )


# --- paths_to ----------------------------------------------------------------------------------


def hand_net():
    """W = [[1, 0.5], [2, -1]], w = [2, −3], x = [1.5, 2]: unit 1 is off (r̃[1] = −1.25)."""
    net = FeatureDiscoveryNet.from_weights([[1.0, 0.5], [2.0, -1.0]], [2.0, -3.0])
    t = net.forward([1.5, 2.0], y=1.0)
    t.l.backward()
    return net, t


def test_paths_to_draws_the_paths_and_greys_the_other_inputs_of_their_ops():
    net, t = hand_net()
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(t.l))}
    source = draw(t.l, params=net.parameters(), paths_to=net.W[0][0]).source
    nodes = value_nodes(source)
    W00x0, W10x1 = t.r_tilde[0].parents
    w0xh0, w1xh1 = t.r.parents
    y_minus_r, two = t.l.parents
    const_y = y_minus_r.parents[0]
    on_path = [net.W[0][0], W00x0, t.r_tilde[0], t.x_hat[0], w0xh0, t.r, y_minus_r, t.l]
    context = [t.x[0], W10x1, net.w[0], w1xh1, const_y, two]
    assert set(nodes) == {ids[n] for n in on_path + context}
    for n in on_path:
        assert nodes[ids[n]]["color"] == "#2563eb"
    for n in context:
        assert nodes[ids[n]]["fillcolor"] == "#f9fafb" and "grad" not in nodes[ids[n]]["label"]
    assert "on a path from W[0,0] to l" in source
    with pytest.raises(ValueError, match="paths_to=.* is not a node of this graph"):
        draw(t.l, paths_to=Value(1.0))


def test_paths_to_a_node_the_root_does_not_depend_on_draws_only_the_root():
    x = Value(1.0, label="x")
    y = x * 2.0
    z = Value(3.0, label="z")
    w = y + z * 0.0
    assert len(value_nodes(draw(w, paths_to=w).source)) == 1 + 2  # w and its two inputs
    assert value_nodes(draw(y, paths_to=y).source).keys() == {"n0", "n1", "n2"}


def test_paths_to_with_neurons():
    net, t = demo_net(16)
    source = draw(t.l, params=net.parameters(), collapse="neurons", paths_to=net.W[1][3]).source
    names = bold_labels(source)
    assert names == Counter(["x̂[3]", "r", "l"] + [f"x[{i}]" for i in range(3)]
                            + [f"x̂[{j}]" for j in range(16) if j != 3])
    assert "ReLU off (input ≤ 0)" in source  # greyed units that are off: dashed, and said


# --- the width limit ---------------------------------------------------------------------------


def svg_fonts_pt(svg: bytes) -> list[float]:
    """The size of every text of an SVG written by dot, in pt, after its overall scale."""
    root = ET.fromstring(svg)
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph")
    scale = float(re.search(r"scale\(([0-9.]+)", graph.get("transform"))[1])
    return [float(t.get("font-size")) * scale for t in root.iter(f"{SVG}text")]


@pytest.mark.needs_dot
def test_the_demo_net_collapsed_by_neurons_fits_1600_px_with_12_pt_text():
    net, t = demo_net(16)
    graph = draw(t.l, params=net.parameters(), collapse="neurons", max_width=1600)
    svg = render(graph, "svg")
    assert svg_width_px(svg) <= 1600
    fonts = svg_fonts_pt(svg)
    assert len(fonts) > 16 * 3 and min(fonts) >= MIN_FONT_PT
    assert len(value_nodes(graph.source)) == 3 + 16 + 1 + 2 + 1  # x, units, r, const, *, l
    # without collapsing, the same graph is far too wide, and says so rather than shrink
    assert svg_width_px(render(draw(t.l, max_nodes=1000), "svg")) > 3 * 1600
    with pytest.raises(ValueError, match=r"would shrink its text to .* below 12 pt\. Try "):
        draw(t.l, max_nodes=1000, max_width=1600)


@pytest.mark.needs_dot
def test_a_slightly_too_wide_picture_is_scaled_down_but_not_below_12_pt():
    net, t = demo_net(16)
    natural = svg_width_px(render(draw(t.l, params=net.parameters(), collapse="neurons"), "svg"))
    limit = natural * 0.9
    svg = render(draw(t.l, params=net.parameters(), collapse="neurons", max_width=limit), "svg")
    assert svg_width_px(svg) <= limit
    assert min(svg_fonts_pt(svg)) >= MIN_FONT_PT
    for bad in (0, -5):
        with pytest.raises(ValueError, match="max_width must be a positive number"):
            draw(t.l, max_width=bad)


# --- legend, caption, edge labels, ReLU off ----------------------------------------------------


def test_the_legend_lists_what_the_picture_uses_and_only_that():
    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    y = w * x + 1.0
    plain = draw(y).source
    for meaning in ("input (a labelled leaf)", "constant", "computed value",
                    "the output (root)", "op: from its inputs", "∂root/∂(this value), final"):
        assert meaning in plain
    for unused in ("parameter", "neuron:", "Σ", "separator", "highlighted", "on a path",
                   "this step handles", "so far", "not reached", "local derivative",
                   "ReLU off", "context"):
        assert unused not in plain
    with_params = draw(y, params=[w], edge_labels=True).source
    assert "parameter" in with_params and "the local derivative ∂result/∂input" in with_params
    assert "labelloc" not in draw(y, legend=False).source


def test_a_caption_is_drawn_and_escaped():
    x = Value(2.0, label="x")
    source = draw(x * x, caption="x * x < 5 & more", legend=False).source
    assert "<b>x * x &lt; 5 &amp; more</b>" in source


def test_edge_labels_are_the_local_derivatives():
    a, b = Value(5.0, label="a"), Value(2.0, label="b")
    y = (b - a) * a  # ∂(b − a)/∂b = 1, /∂a = −1; ∂y/∂(b − a) = a = 5, ∂y/∂a = b − a = −3
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(y))}
    b_a = y.parents[0]
    assert edge_labels(draw(y, edge_labels=True).source) == [
        (ids[b], ids[b_a] + "_op", "a 1"), (ids[a], ids[b_a] + "_op", "b −1"),
        (ids[b_a], ids[y] + "_op", "5"), (ids[a], ids[y] + "_op", "−3"),
    ]


def test_a_relu_that_is_off_says_so():
    net, t = hand_net()
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(t.l))}
    nodes, _ = parse_dot(draw(t.l).source)
    off = nodes[ids[t.x_hat[1]]]
    assert "off: r̃[1] = −1.25 ≤ 0" in off["label"] and "dashed" in off["style"]
    assert "off:" not in nodes[ids[t.x_hat[0]]]["label"]
    assert "ReLU off (input ≤ 0): passes back 0" in draw(t.l).source
    assert f"\t{ids[t.x_hat[1]]} -> {ids[t.r.parents[1]]}_op [style=dashed]" in draw(t.l).source


# --- rendering and formats ---------------------------------------------------------------------

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}


@pytest.mark.needs_dot
@pytest.mark.parametrize("suffix", [".png", ".pdf", ".svg", ".PNG"])
def test_the_format_follows_the_extension(tmp_path, suffix):
    x = Value(2.0, label="x")
    path = save(x * x, tmp_path / f"g{suffix}", caption="x * x")
    assert path.read_bytes().startswith(MAGIC[suffix.lower()])
    assert not [p for p in tmp_path.iterdir() if p != path]  # no temporary file left


@pytest.mark.needs_dot
def test_the_svg_has_the_caption_legend_and_numbers(tmp_path):
    x = Value(2.0, label="x")
    svg = save(x * x, tmp_path / "g.svg", caption="x * x").read_text(encoding="utf-8")
    texts = " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))
    assert "x * x" in texts and "input (a labelled leaf)" in texts
    assert svg_nodes(svg)["n1"] == "data 4 grad 0"


@pytest.mark.parametrize("name", ["g.jpg", "g", "g.svgz", "g.htm"])
def test_an_unknown_extension_is_refused_before_any_work(tmp_path, name):
    too_big = Value(1.0)
    for _ in range(10):
        too_big = too_big + 1.0
    with pytest.raises(ValueError, match="cannot tell the format from the extension") as e:
        save(too_big, tmp_path / name, max_nodes=2)  # drawing would fail: it is not reached
    assert ".svg, .png, .pdf, .gv, .dot, .html (.html: the step-through page)" in str(e.value)
    assert not list(tmp_path.iterdir())


def test_save_svg_writes_svg_only(tmp_path):
    with pytest.raises(ValueError, match="save_svg writes SVG, and .* does not end in .svg"):
        save_svg(Value(1.0), tmp_path / "g.png")
    assert not list(tmp_path.iterdir())


def test_dot_text_needs_no_program(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    x = Value(2.0, label="x")
    assert save(x * x, tmp_path / "g.gv").read_text(encoding="utf-8").startswith("digraph")


# --- during a walk: pending and unreached gradients --------------------------------------------


def grad_row(label: str) -> str:
    """The text of a drawn node's grad row, tags and all."""
    return re.search(r"<tr><td>(<font color=\"#[0-9a-f]+\">(?:<i>)?grad[^/]*)</", label)[1]


def test_during_a_walk_pending_grads_look_pending_and_unreached_nodes_show_no_number():
    a = Value(2.0, label="a")
    b = a * 3.0
    b.label = "b"
    c = b.tanh()
    c.label = "c"
    L = c + a  # the walk: L, c, b, then a's second share arrives; a is pending until then
    L.label = "L"
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(L))}
    steps = iter(backward_steps(L))
    first = next(steps)  # L handled: c has its one share, a one of two, b none yet
    source = draw(L, step=first).source
    nodes = value_nodes(source)
    assert grad_row(nodes[ids[c]]["label"]) == '<font color="#b91c1c">grad 1'
    assert grad_row(nodes[ids[a]]["label"]) == '<font color="#b45309"><i>grad so far 1'
    assert grad_row(nodes[ids[b]]["label"]) == '<font color="#9ca3af">grad not reached'
    assert not re.search(r"grad not reached[^<]*\d", nodes[ids[b]]["label"])
    assert nodes[ids[L]]["color"] == "#dc2626"  # the step's node is the current one
    for meaning in ("∂root/∂(this value), final", "a partial sum: more terms still to come",
                    "no term of its gradient has arrived yet", "the node this step handles"):
        assert meaning in source
    expected = [g.data for g in grad(L, list(ids))]  # what backward() gives, computed apart
    *_, last = steps
    final = draw(L, step=last).source
    for node, g in zip(ids, expected):
        row = grad_row(value_nodes(final)[ids[node]]["label"])
        assert row == f'<font color="#b91c1c">grad {format_number(g)}'
    assert "so far" not in final and "not reached" not in final


def test_a_step_of_another_graph_is_refused():
    x = Value(1.0)
    step = next(iter(backward_steps(x * 2.0)))
    with pytest.raises(ValueError, match="is a step of another graph"):
        draw(Value(3.0) + 1.0, step=step)


@pytest.mark.needs_dot
def test_pending_and_unreached_as_rendered(tmp_path):
    a = Value(2.0, label="a")
    b = (a * 3.0).tanh()
    b.label = "b"
    L = b + a
    walk = backward_steps(L)  # drawn while the walk is alive (a closed walk restores grads)
    first = next(walk)
    texts = svg_nodes(save(L, tmp_path / "s.svg", step=first).read_text(encoding="utf-8"))
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(L))}
    assert texts[ids[a]] == "a data 2 grad so far 1"
    assert texts[ids[L.parents[0].parents[0]]] == "data 6 grad not reached"


@pytest.mark.needs_dot
def test_an_html_file_is_the_step_through_page(tmp_path):
    x = Value(2.0, label="x")
    path = save(x * x, tmp_path / "page.html", quiz=True)
    html = path.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>") and "<svg" in html
    with pytest.raises(TypeError, match="the step-through page, made from a Value"):
        save(draw(x * x), tmp_path / "other.html")
    assert not (tmp_path / "other.html").exists()


def test_labels_in_the_legend_are_escaped_and_missing_grads_are_an_error():
    x = Value(1.0, label="x<1> & y")
    y = x * 2.0
    source = draw(y, paths_to=x).source
    assert "on a path from x&lt;1&gt; &amp; y to the root" in source
    with pytest.raises(ValueError, match="grads has no gradient for"):
        draw(y, grads={y: 1.0})


def test_the_current_node_inside_a_sum_marks_the_sum():
    xs = [Value(float(k), label=f"x{k}") for k in range(4)]
    inner = xs[0] + xs[1]
    s = inner + xs[2] + xs[3]
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(s))}
    nodes = value_nodes(draw(s, collapse="sums", current=inner).source)
    assert ids[inner] not in nodes and nodes[ids[s]]["color"] == "#dc2626"



def test_notebook_2s_committed_pictures_fit_a_notebook_column():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "notebooks/02_feature_discovery_network.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    svgs = ["".join(out["data"]["image/svg+xml"]) for cell in cells
            for out in cell.get("outputs", []) if "image/svg+xml" in out.get("data", {})]
    assert len(svgs) == 2  # the net collapsed by neurons, and explain's path
    for svg in svgs:
        assert svg_width_px(svg) <= 1100  # was 2,360 px, drawn node by node
        assert min(svg_fonts_pt(svg.encode("utf-8"))) >= MIN_FONT_PT


def test_names_name_the_unlabelled_boxes_on_their_data_row():
    a = Value(2.0, label="a")
    product = a * 3.0
    y = product.tanh()
    y.label = "y"
    source = draw(y, names={product: "3a", a: "not shown", y: "not shown"}).source
    assert "<b>3a</b>  data 6" in source  # the name, on the data's row
    assert "not shown" not in source  # a label is kept
    assert "<b>a</b>" in source and "<b>y</b>" in source
    assert "<b>3a</b>" not in draw(y).source
    with pytest.raises(TypeError, match="draw: names must map Values to str"):
        draw(y, names={product: 3})
    with pytest.raises(TypeError, match="draw: names must map Values to str"):
        draw(y, names=["3a"])
