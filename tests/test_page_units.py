"""The step-through page's data at both levels, checked against the engine and, at the
notes' level, against the notes' closed form (``nets.manual``), which never imports the
engine. These are the page's numbers and sentences as Python writes them; the browser side
is tested in tests/test_player.py and tests/test_page_ui.py."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograd_lite import Value, topological_order
from autograd_lite.drawing import format_number
from autograd_lite.ops import OPS
from autograd_lite.page.script import script
from nets import data, manual
from nets.feature_discovery import FeatureDiscoveryNet


def text(parts):
    """Caption or label lines as the page shows them outside quiz mode: every part's text."""
    return ["".join(p if isinstance(p, str) else p["text"] for p in line) for line in parts]


def demo_net(loss="logistic", hidden=16):
    """The demo's net and data: two-moons with the constant feature, 16 hidden units."""
    X, labels = data.DATASETS["moons"](200, seed=0, constant_feature=True)
    return FeatureDiscoveryNet(X.shape[1], hidden, loss, seed=0), X, labels


def demo_page(example=0, loss="logistic", **options):
    net, X, labels = demo_net(loss)
    y = float(labels[example]) if loss == "logistic" else 2.0 * labels[example] - 1.0
    trace = net.forward(X[example], y=y)
    return net, trace, script(trace.l, params=net.parameters(), **options)


# --- item 1: the notes' level -----------------------------------------------------------------
def closed_form(net, x, y, loss):
    """Every gradient the notes' level states, by the notes' name, from nets.manual (numpy,
    no engine): ∂l/∂r, ∂l/∂x̂ⱼ = wⱼ·∂l/∂r, ∂l/∂r̃ⱼ = ∂l/∂x̂ⱼ·[r̃ⱼ > 0], ∂l/∂Wᵢⱼ, ∂l/∂wⱼ, and
    ∂l/∂xᵢ = Σⱼ Wᵢⱼ·∂l/∂r̃ⱼ."""
    W, w = net.weights()
    f = manual.forward(W, w, x)
    dr = float(manual.dloss_dr(f.r, y, loss))
    dx_hat = w * dr
    dr_tilde = dx_hat * manual.relu_derivative(f.r_tilde)
    dW, dw = manual.gradients(W, w, x, y, loss)
    expected = {"r": dr}
    for j in range(net.n_hidden):
        expected |= {f"x̂[{j}]": dx_hat[j], f"r̃[{j}]": dr_tilde[j], f"w[{j}]": dw[j]}
        expected |= {f"W[{i},{j}]": dW[i, j] for i in range(net.n_inputs)}
    expected |= {f"x[{i}]": float(W[i] @ dr_tilde) for i in range(net.n_inputs)}
    return expected


@pytest.mark.parametrize("loss", ["logistic", "squared"])
@pytest.mark.parametrize("example", [0, 7, 100])
def test_every_number_at_the_notes_level_is_the_closed_form(loss, example):
    net, X, labels = demo_net(loss)
    y = float(labels[example]) if loss == "logistic" else 2.0 * labels[example] - 1.0
    page = script(net.forward(X[example], y=y).l, params=net.parameters())
    expected = closed_form(net, X[example], y, loss)
    names = {n["id"]: n["name"] for n in page["nodes"]}
    units = page["units"]
    assert page["level"] == "units"
    assert [u["name"] for u in units["nodes"] if u["kind"] == "neuron"] == \
        [f"x̂[{j}]" for j in range(16)] + ["r"]
    # backward, root first; of the units ready, the first in the forward order
    assert [names[s["unit"]] for s in units["steps"]][3:20] == \
        ["r", *(f"x̂[{j}]" for j in range(16))]
    stated = set()
    for step in units["steps"]:
        caption = "\n".join(text(step["parts"]))
        for node, value in step["gradients"].items():
            name = names[node]
            if name not in expected:
                continue  # a node of the loss: the scalar level's numbers (tested there)
            assert value == pytest.approx(expected[name], rel=1e-12, abs=1e-15), name
            shown = format_number(value)
            assert shown in caption, (name, shown)
            stated.add(name)
    assert stated == set(expected)  # every gradient of the notes' level is stated somewhere
    # the unit steps are the notes' equations, with numbers
    r_step = next(s for s in units["steps"] if names[s["unit"]] == "r")
    assert text(r_step["parts"])[1].startswith("∂l/∂w[0] = ∂l/∂r·x̂[0] = (")
    assert "∂l/∂x̂[0] = w[0]·∂l/∂r = (" in text(r_step["parts"])[1]
    x_hat = next(s for s in units["steps"] if names[s["unit"]] == "x̂[3]")
    assert text(x_hat["parts"])[0].startswith("∂l/∂r̃[3] = ∂l/∂x̂[3]·[r̃[3] > 0] = (")
    assert text(x_hat["parts"])[1].startswith("∂l/∂W[0,3] = ∂l/∂r̃[3]·x[0] = (")
    # x[0] is summed over the 16 units (+=); x̂[0] has its one term from r (=)
    assert "∂l/∂x[0] += W[0,3]·∂l/∂r̃[3] = (" in text(x_hat["parts"])[1]
    assert "∂l/∂x[1] += (" in text(x_hat["parts"])[2]


def test_a_unit_lists_its_scalar_steps_and_members():
    _, trace, page = demo_page()
    units, nodes = page["units"], {n["id"]: n for n in page["nodes"]}
    members = [m for u in units["nodes"] for m in u["members"]]
    assert sorted(members) == sorted(nodes)  # the units partition the graph
    member_of = {m: u["id"] for u in units["nodes"] for m in u["members"]}
    covered = []
    for step in units["steps"]:
        covered += step["scalarSteps"]
        assert {member_of[page["steps"][k]["node"]] for k in step["scalarSteps"]} == \
            {step["unit"]}
    assert sorted(covered) == list(range(len(page["steps"])))
    hidden = next(u for u in units["nodes"] if u["name"] == "x̂[2]")
    assert {nodes[m]["name"] for m in hidden["members"]} >= {
        "x̂[2]", "r̃[2]", "W[0,2]", "W[0,2]·x[0]", "W[0,2]·x[0] + W[1,2]·x[1]"}
    assert [nodes[i]["name"] for i in hidden["inputs"]] == ["x[0]", "x[1]", "x[2]"]


def test_the_notes_level_needs_units_and_the_options_are_checked():
    with pytest.raises(ValueError, match='level="units" needs units'):
        script(Value(1.0) * 2.0, level="units")
    with pytest.raises(ValueError, match='level must be "units", "scalars" or None, got 2'):
        script(Value(1.0) * 2.0, level=2)
    with pytest.raises(TypeError, match="fold_leaves must be True, False or None, got 'no'"):
        script(Value(1.0) * 2.0, fold_leaves="no")
    small = script(Value(1.0, label="a") * 2.0)
    assert small["level"] == "scalars" and small["units"] is None


# --- item 2: every node named -----------------------------------------------------------------
@pytest.mark.parametrize("loss", ["logistic", "squared"])
def test_every_node_of_the_demo_net_has_its_own_name_in_the_notes_notation(loss):
    net, trace, page = demo_page(loss=loss)
    names = [n["name"] for n in page["nodes"]]
    assert len(names) == len(topological_order(trace.l)) == 197 + (loss == "squared")
    assert len(set(names)) == len(names)
    assert not [n for n in names if re.search(r"\([+*\-/^]\)|^\(|^t\d", n)]
    assert {"W[0,1]·x[0]", "W[0,1]·x[0] + W[1,1]·x[1]", "w[0]·x̂[0] + w[1]·x̂[1]",
            "w[0]·x̂[0] + … + w[2]·x̂[2]", "r̃[1]", "x̂[15]", "r", "l"} <= set(names)
    if loss == "logistic":  # softplus(s·r): the notes' s = 1 − 2y and their form of the loss
        assert {"s", "s·r"} <= set(names)
        s = next(n for n in page["nodes"] if n["name"] == "s")
        assert s["forward"] == f"s = 1 − 2y = {s['data']}: a constant (y = " \
                               f"{int((1 - s['value']) / 2)})"
        loss_node = page["nodes"][-1]
        assert loss_node["forward"].startswith("l = softplus(s·r) = (1 − y)·r + log(1 + e^(−r)) = ")
        assert loss_node["forward"].endswith(" (the notes' logistic loss)")
        assert loss_node["locals"][0]["formula"] == "σ(s·r)"
    else:
        assert {"y", "y − r"} <= set(names)


def test_every_box_drawn_on_the_demo_page_shows_its_name():
    import html

    import autograd_lite

    net, trace, page = demo_page()
    player = autograd_lite.player(trace.l, params=net.parameters())
    svgs = player._parts["svg"], player._parts["units_svg"]
    for svg, level in zip(svgs, ("scalars", "units")):
        bold = set(map(html.unescape, re.findall(r'font-weight="bold"[^>]*>([^<]+)</text>',
                                                 svg)))
        assert {"s", "s·r", "l"} <= bold, level  # the constant and the product too
    scalars = {html.unescape(t) for t in re.findall(r'font-weight="bold"[^>]*>([^<]+)</text>',
                                                   svgs[0])}
    assert {"W[0,1]·x[0]", "w[0]·x̂[0] + w[1]·x̂[1]"} <= scalars


def test_two_equal_constants_get_two_names_and_are_never_asked():
    a = Value(3.0, label="a")
    L = (a * 2.0 + a ** 2.0) * 2.0
    page = script(L)
    constants = [n for n in page["nodes"] if n["kind"] == "constant"]
    assert len(constants) == 3
    assert len({n["name"] for n in page["nodes"]}) == len(page["nodes"])
    assert {n["name"] for n in constants} == {"c1", "c2", "c3"}
    assert all(n["quiz"] is None for n in constants)
    assert all(n["quiz"] is not None for n in page["nodes"] if n["kind"] != "constant")
    assert all(n["forward"].endswith("= 2: a constant") for n in constants)


def test_the_walk_ends_on_a_weight_and_each_leaf_follows_its_last_sender():
    _, trace, page = demo_page()
    steps, nodes = page["steps"], {n["id"]: n for n in page["nodes"]}
    assert nodes[steps[-1]["node"]]["kind"] == "param"
    assert sorted(s["node"] for s in steps) == sorted(nodes)  # each node once
    for k, step in enumerate(steps):
        into = step["foldedInto"]
        if nodes[step["node"]]["op"] is not None:
            assert into is None
            continue
        # the step folded into is the last one to send this leaf anything, and comes before
        senders = [j for j, s in enumerate(steps) if any(e["parent"] == step["node"]
                                                          for e in s["sends"])]
        assert into == max(senders) < k
        assert k in steps[into]["folds"]
    assert page["foldLeaves"] is True and script(Value(2.0) * 3.0)["foldLeaves"] is False
    assert page["fmt"] == ".4g" and script(Value(2.0) * 3.0, ".3e")["fmt"] == ".3e"


# --- item 5: local derivatives written as such, from the op table ---------------------------
def test_local_derivatives_are_written_as_local_with_their_formula():
    d, f = Value(3.0, label="d"), Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    page = script(L)
    root = page["nodes"][-1]
    assert [x["derivative"] + " = " + x["formula"] + " = " + x["value"]
            for x in root["locals"]] == ["∂(d·f)/∂d = f = −2", "∂(d·f)/∂f = d = 3"]
    first = page["steps"][0]
    assert text(first["sends"][0]["labelParts"]) == ["local f = −2", "adds −2"]
    assert text(first["parts"])[1] == "∂L/∂d += ∂L/∂L · ∂(d·f)/∂d = (1)·(f = −2) = −2"


def test_the_rulebook_has_every_op_of_the_table_written_from_its_rule():
    rules = {r["op"]: r for r in script(Value(1.0) + 1.0)["rules"]}
    assert set(rules) == set(OPS)
    assert rules["mul"]["locals"] == ["∂(a·b)/∂a = b", "∂(a·b)/∂b = a"]
    assert rules["relu"]["locals"] == ["∂ReLU(a)/∂a = [a > 0]"]
    assert rules["tanh"]["locals"] == ["∂tanh(a)/∂a = 1 − tanh(a)·tanh(a)"]
    assert rules["div"]["locals"][0] == "∂(a/b)/∂a = 1/b"
    assert rules["pow"]["locals"] == ["∂(a^k)/∂a = k·a^(k − 1)"]
    assert all(r["locals"] for r in rules.values())


# --- item 4's data: every number that shows a gradient says which --------------------------
def test_every_number_that_shows_a_gradient_is_marked_with_its_node():
    _, trace, page = demo_page()
    nodes = {n["id"]: n for n in page["nodes"]}
    for step in page["steps"]:
        here = step["node"]
        lines = step["parts"][1:] if here == page["root"] else step["parts"]
        if not step["sends"]:  # a leaf: its own gradient
            assert [p["hides"] for p in lines[0] if isinstance(p, dict)] == [here]
            continue
        assert len(lines) == len(step["sends"])
        for line, send in zip(lines, step["sends"]):
            # ∂l/∂parent += ∂l/∂here · local = (gradient of here)·(local) = contribution
            name = nodes[send["parent"]]["name"]
            said = name if re.fullmatch(r"[^·+ ]*", name) else f"({name})"
            assert line[0].startswith(f"∂l/∂{said} += ∂l/∂")
            assert [p["hides"] for p in line if isinstance(p, dict)] == [here, send["parent"]]
            assert [p["hides"] for p in send["labelParts"][1] if isinstance(p, dict)] \
                == [send["parent"]]
            assert all(isinstance(p, str) for p in send["labelParts"][0])  # the local one


# --- issue 18: the player's Python side ---------------------------------------------------------
def test_bad_title_and_params_get_one_clear_error():
    import autograd_lite

    a = Value(2.0, label="a")
    L = a * 3.0
    with pytest.raises(TypeError, match=r"^player: title must be a str, got int: 123$"):
        autograd_lite.player(L, title=123)
    with pytest.raises(TypeError, match=r"^player: params must be a collection of Values, "
                                        r"got one Value: .*; write params=\[v\]$"):
        autograd_lite.player(L, params=a)
    with pytest.raises(TypeError, match=r"^player: params\[1\] must be a Value, got float: 1.0$"):
        autograd_lite.player(L, params=[a, 1.0])
    with pytest.raises(TypeError, match=r"^player: params must be a collection of Values, got int"):
        autograd_lite.player(L, params=3)


def test_each_display_of_one_player_has_ids_of_its_own():
    import autograd_lite

    p = autograd_lite.player(Value(2.0, label="a") * 3.0)
    first, second = p._repr_html_(), p._repr_html_()
    ids = [re.search(r'class="agl-player" id="([^"]+)"', f)[1] for f in (first, second)]
    assert ids[0] != ids[1]
    assert f'id="{ids[1]}-data"' in second and ids[0] not in second


def test_paths_to_keeps_the_paths_and_their_inputs_as_context():
    net, trace, _ = demo_page()
    W = net.W[0][3]
    page = script(trace.l, params=net.parameters(), paths_to=W)
    names = {n["name"]: n for n in page["nodes"]}
    on_path = {n["id"] for n in page["nodes"] if not n.get("context")}
    assert {n for n in names if not names[n].get("context")} == {
        "W[0,3]", "W[0,3]·x[0]", "W[0,3]·x[0] + W[1,3]·x[1]", "r̃[3]", "x̂[3]", "w[3]·x̂[3]",
        *(f"w[0]·x̂[0] + … + w[{j}]·x̂[{j}]" for j in range(3, 15)), "r", "s·r", "l"}
    assert {s["node"] for s in page["steps"]} == on_path
    assert all(names[n]["context"] and names[n]["grads"] == [] for n in
               ("x[0]", "W[1,3]·x[1]", "w[3]", "w[15]·x̂[15]", "s"))
    for n in page["nodes"]:
        for k, *_ in n["grads"]:
            assert page["steps"][k]["node"] in on_path
    units = page["units"]
    assert [u["name"] for u in units["nodes"] if not u.get("context")] == ["x̂[3]", "r", "s·r", "l"]
    ids = {n["id"] for n in page["nodes"]}
    unit_ids = {u["id"] for u in units["nodes"]}
    for unit in units["nodes"]:  # nothing names a node or a unit left off the page
        assert set(unit["members"]) <= ids and set(unit["inputs"]) <= unit_ids
    for step in units["steps"]:
        assert all(page["steps"][k]["node"] in ids for k in step["scalarSteps"])
    with pytest.raises(ValueError, match="paths_to=.* is not a node of this graph"):
        script(trace.l, paths_to=Value(1.0, label="q"))


def test_a_name_that_could_reorder_a_caption_is_isolated():
    x = Value(2.0, label="x\u202e")
    y = Value(3.0, label="אב")
    page = script(x * y)
    names = [n["name"] for n in page["nodes"]]
    assert names[:2] == ["\u2068x\u202e\u2069", "\u2068אב\u2069"]
    assert text(page["steps"][-1]["parts"])[0].startswith("∂L/∂\u2068")


def test_each_node_has_the_chain_rule_over_all_its_paths():
    net, trace, page = demo_page()
    nodes = {n["name"]: n for n in page["nodes"]}
    ids = {n["id"]: n["name"] for n in page["nodes"]}
    W = nodes["W[0,3]"]  # one path: W → W·x → … → r̃ → x̂ → w·x̂ → … → r → s·r → l
    assert W["nPaths"] == 1 and len(W["paths"]) == 1
    path = W["paths"][0]
    assert [ids[i] for i in path["nodes"]][:5] == [
        "W[0,3]", "W[0,3]·x[0]", "W[0,3]·x[0] + W[1,3]·x[1]", "r̃[3]", "x̂[3]"]
    assert ids[path["nodes"][-1]] == "l"
    w3, x0 = net.w[3].data, trace.x[0].data
    r_tilde = trace.r_tilde[3].data
    s = 1.0 - 2.0 * 0  # demo_page's example 0 is class 0 (checked below)
    assert nodes["s"]["value"] == s
    expected = x0 * (r_tilde > 0) * w3 * s * (1 / (1 + np.exp(-s * trace.r.data)))
    assert float(path["value"].replace("−", "-")) == pytest.approx(expected, rel=1e-3)
    assert path["off"] is (r_tilde <= 0)
    x = nodes["x[0]"]
    assert x["nPaths"] == 16 and len(x["paths"]) == 16
    assert sum(p["off"] for p in x["paths"]) == sum(r.data <= 0 for r in trace.r_tilde)


# --- item 9: make demo's page teaches --------------------------------------------------------
def test_the_demo_page_is_the_untrained_nets_worst_example_at_the_notes_level(tmp_path):
    import json

    from nets.page import save_demo_page

    trained, X, labels = demo_net()
    path = save_demo_page(tmp_path / "backprop.html", trained, X, labels)
    html = path.read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < 1_000_000
    data = json.loads(re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>',
                                html, re.S)[1])
    assert data["level"] == "units" and data["foldLeaves"] is True
    units = data["units"]
    shown_steps = [s for s in units["steps"] if s["foldedInto"] is None]
    assert len(units["nodes"]) + len(shown_steps) <= 60  # forward, then backward positions
    assert len(units["nodes"]) + len(units["steps"]) <= 60  # even with folding off
    # the untrained net's gradients are large enough to read (the trained one's are ~1e−5)
    root_grad = next(s for s in units["steps"] if s["unit"] != data["root"])
    assert abs(next(iter(root_grad["gradients"].values()))) > 0.1
    assert "misclassified" in html


def test_the_graph_command_writes_the_page_at_either_level_and_for_paths(tmp_path, capsys):
    import json

    from nets.cli import main

    def page_data(path):
        html = path.read_text(encoding="utf-8")
        return json.loads(re.search(r'id="[^"]+-data">(.*?)</script>', html, re.S)[1])

    net = ["graph", "--hidden", "16"]
    assert main([*net, "--html", str(tmp_path / "u.html")]) == 0
    assert page_data(tmp_path / "u.html")["level"] == "units"
    assert main([*net, "--level", "scalars", "--paths-to", "W[0,3]",
                 "--html", str(tmp_path / "s.html")]) == 0
    data = page_data(tmp_path / "s.html")
    assert data["level"] == "scalars"
    assert {n["name"] for n in data["nodes"] if not n.get("context")} >= {"W[0,3]", "r̃[3]", "l"}
    assert "x̂[2]" not in {n["name"] for n in data["nodes"]}
    capsys.readouterr()


@pytest.mark.parametrize("nonlin", ["relu", "tanh"])
def test_any_mlp_shaped_graph_has_the_notes_level_with_the_engines_numbers(nonlin):
    from autograd_lite import grad
    from nets import MLP

    mlp = MLP(3, [4, 4, 1], nonlin=nonlin, seed=1, random_bias=True)
    x = [Value(v, label=f"x[{i}]") for i, v in enumerate([0.5, -1.2, 2.0])]
    out = mlp(x)
    L = (out - 0.25) ** 2
    params = mlp.parameters()
    page = script(L, params=params)
    units = page["units"]
    assert sum(u["kind"] == "neuron" for u in units["nodes"]) == 9
    order = topological_order(L)
    engine = dict(zip((f"n{k}" for k in range(len(order))), grad(L, order)))
    for step in units["steps"]:
        for node, value in step["gradients"].items():
            assert value == pytest.approx(engine[node].data, rel=1e-12, abs=1e-15)
    hidden = next(s for s in units["steps"] if s["unit"] == units["nodes"][3]["id"])
    # ∂L/∂(the sum) = ∂L/∂(the unit)·(the activation's local derivative); unit j of layer
    # l is h[l,j], its sum z[l,j]; a parameter θ[k], k its place in mlp.parameters()
    local = "[z[1,0] > 0]" if nonlin == "relu" else "(1 − h[1,0]·h[1,0])"
    assert text(hidden["parts"])[0].startswith(f"∂L/∂z[1,0] = ∂L/∂h[1,0]·{local} = (")
    assert text(hidden["parts"])[1].startswith("∂L/∂θ[0] = ∂L/∂z[1,0]·x[0] = (")
    assert [u["name"] for u in units["nodes"] if u["kind"] == "neuron"] == [
        *(f"h[1,{j}]" for j in range(4)), *(f"h[2,{j}]" for j in range(4)), "z[3,0]"]
    # a bias: ∂L/∂b = ∂L/∂(the sum) = g, no product (unlabelled parameters are θ[k])
    bias_lines = [line for s in units["steps"] for line in text(s["parts"])
                  if re.match(r"∂L/∂θ\[\d+\] = ∂L/∂", line) and " = (" not in line]
    assert len(bias_lines) == 9  # each neuron's bias: ∂L/∂b = ∂L/∂(its sum)


def test_a_unit_using_an_input_twice_sends_it_one_final_gradient():
    w1, w2, w3 = (Value(v, label=f"w{k}") for k, v in enumerate([0.5, 1.5, 2.0], 1))
    x = Value(3.0, label="x")
    h = (w1 * x + w2 * x).relu()  # one unit, two edges from x
    L = w3 * h
    page = script(L, params=[w1, w2, w3])
    x_unit = next(u for u in page["units"]["nodes"] if u["name"] == "x")
    assert [g[1:] for g in x_unit["grads"]] == [["4", "final"]]  # w3·(w1 + w2), at once


@pytest.mark.parametrize("level", ["units", "scalars"])
def test_a_paths_to_page_steps_to_its_end_in_the_browser(offline_page, tmp_path, level):
    from autograd_lite import save_html

    net, trace, _ = demo_page()
    path = save_html(trace.l, tmp_path / "paths.html", params=net.parameters(),
                     paths_to=net.W[0][3], level=level)
    page = offline_page.open(path)
    page.click(".agl-end")
    steps = 4 if level == "units" else 20  # x̂[3], r, s·r, l; or the 20 nodes on the paths
    assert page.inner_text(".agl-position") == f"Backward pass: step {steps} of {steps}"
    offline_page.assert_clean()
