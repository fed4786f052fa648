"""draw / save_svg: the DOT structure, styles, determinism, the size guard, rendering."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import graphviz
import numpy as np
import pytest

from autograd_lite import DotNotFound, Value, draw, save_svg, topological_order

SVG = "{http://www.w3.org/2000/svg}"
GREEN, BLUE, GREY, RED = "#dcfce7", "#dbeafe", "#f3f4f6", "#dc2626"


def parse_dot(source: str) -> tuple[dict[str, dict[str, str]], Counter]:
    """The node statements (id → attributes) and edges (multiset of (tail, head, label))
    of DOT text written by the graphviz package (one statement per line)."""
    nodes, edges = {}, Counter()
    for line in source.splitlines():
        edge = re.fullmatch(r"\t(\w+) -> (\w+)(?: \[(.*)\])?", line)
        node = re.fullmatch(r"\t(\w+) \[(.*)\]", line)
        if edge:
            label = re.search(r"\blabel=(\w+)", edge[3] or "")
            edges[edge[1], edge[2], label[1] if label else None] += 1
        elif node and node[1] not in ("graph", "node", "edge"):  # not the defaults
            attrs = dict(re.findall(r'(\w+)=(<.*</table>>|"[^"]*"|[^ \]]+)', node[2]))
            nodes[node[1]] = {k: v.strip('"') for k, v in attrs.items()}
    return nodes, edges


def example():
    """L = a * b + a with a = 2, b = -3 (so L = -4, dL/da = b + 1 = -2, dL/db = a = 2)."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = a * b + a
    L.label = "L"
    return a, b, L


def test_dot_structure_nodes_edges_labels():
    a, b, L = example()
    L.backward()
    ab = L.parents[0]
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(L))}  # the documented names
    nodes, edges = parse_dot(draw(L).source)

    assert set(nodes) == {"n0", "n1", "n2", "n3", ids[ab] + "_op", ids[L] + "_op"}
    assert edges == Counter({
        (ids[a], ids[ab] + "_op", None): 1, (ids[b], ids[ab] + "_op", None): 1,
        (ids[ab] + "_op", ids[ab], None): 1,
        (ids[ab], ids[L] + "_op", None): 1, (ids[a], ids[L] + "_op", None): 1,
        (ids[L] + "_op", ids[L], None): 1,
    })
    assert nodes[ids[ab] + "_op"]["label"] == "*"
    assert nodes[ids[L] + "_op"]["label"] == "+"
    a_label, ab_label, L_label = (nodes[ids[n]]["label"] for n in (a, ab, L))
    assert "<b>a</b>" in a_label and "data 2<" in a_label and "grad −2<" in a_label
    assert "<b>" not in ab_label and "data −6<" in ab_label and "grad 1<" in ab_label
    assert "<b>L</b>" in L_label and "data −4<" in L_label and "grad 1<" in L_label


def test_a_node_used_twice_has_two_edges():
    x = Value(3.0, label="x")
    nodes, edges = parse_dot(draw(x * x).source)
    assert edges[("n0", "n1_op", None)] == 2


def test_ordered_ops_mark_their_inputs_a_and_b():
    a, b = Value(5.0, label="a"), Value(2.0, label="b")
    y = b - a  # b is the first input, a the second
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(y))}
    nodes, edges = parse_dot(draw(y).source)
    op = ids[y] + "_op"
    assert nodes[op]["label"] == "a - b"
    assert edges[(ids[b], op, "a")] == 1 and edges[(ids[a], op, "b")] == 1


def test_same_graph_same_dot_text():
    first, second = example()[2], example()[2]  # two separately built, identical graphs
    assert draw(first).source == draw(second).source
    assert draw(first, rankdir="TB").source == draw(first, rankdir="TB").source


def test_number_format():
    x = Value(2.0 / 3.0, label="x")
    nodes, _ = parse_dot(draw(x.exp(), fmt=".2f").source)
    assert "data 0.67<" in nodes["n0"]["label"]
    assert "data 1.95<" in nodes["n1"]["label"]  # e^(2/3) = 1.9477…


def test_rankdir():
    assert "rankdir=TB" in draw(Value(1.0), rankdir="TB").source
    with pytest.raises(ValueError, match='rankdir must be "LR" or "TB"'):
        draw(Value(1.0), rankdir="RL")


def test_kinds_are_told_apart_by_style():
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    y = 3.0 * (w * x)  # 3.0 becomes a constant leaf
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(y))}
    nodes, _ = parse_dot(draw(y, params=[w]).source)
    const = y.parents[0]
    assert nodes[ids[w]]["fillcolor"] == GREEN  # parameter
    assert nodes[ids[x]]["fillcolor"] == BLUE  # labelled leaf, not a parameter
    assert nodes[ids[const]]["fillcolor"] == GREY  # constant
    assert nodes[ids[y.parents[1]]]["fillcolor"] == "white"  # intermediate
    assert nodes[ids[y]]["penwidth"] == "2.5"  # root
    # without params, a labelled leaf is drawn as a leaf
    assert parse_dot(draw(y).source)[0][ids[w]]["fillcolor"] == BLUE


def test_highlight_current_and_styles_are_passed_in_not_stored():
    a, b, L = example()
    ab = L.parents[0]
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(L))}
    before = [(n.data, n.grad, n.label, n.op, n.parents) for n in topological_order(L)]
    nodes, edges = parse_dot(
        draw(L, highlight={b, ab}, current=L, styles={a: {"color": "purple"}}).source
    )
    assert nodes[ids[b]]["color"] == nodes[ids[ab]]["color"] == "#2563eb"
    assert nodes[ids[L]]["color"] == nodes[ids[L] + "_op"]["color"] == RED
    assert nodes[ids[a]]["color"] == "purple"
    assert [(n.data, n.grad, n.label, n.op, n.parents) for n in topological_order(L)] == before
    assert nodes[ids[ab] + "_op"].get("color") != RED  # only the current node's op is red


def test_highlighted_edges_are_those_between_highlighted_nodes():
    a, b, L = example()
    ab = L.parents[0]
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(L))}
    source = draw(L, highlight={b, ab}).source
    lit = {m[1] + " -> " + m[2] for m in re.finditer(r"\t(\w+) -> (\w+) \[.*#2563eb", source)}
    assert lit == {f"{ids[b]} -> {ids[ab]}_op", f"{ids[ab]}_op -> {ids[ab]}"}


def test_current_must_be_in_the_graph():
    with pytest.raises(ValueError, match="not a node of this graph"):
        draw(Value(1.0) + 1.0, current=Value(2.0))


def test_bad_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match="draw: root must be a Value, got float"):
        draw(1.0)
    with pytest.raises(ValueError, match='fmt must be a number format such as ".4g"'):
        draw(x, fmt="q")
    with pytest.raises(TypeError, match='fmt must be a number format such as ".4g", got int'):
        draw(x, fmt=4)
    # the cases: raw errors from deep inside before
    with pytest.raises(TypeError, match="draw: max_nodes must be an int, got str: '5'"):
        draw(x, max_nodes="5")
    with pytest.raises(ValueError, match="draw: max_nodes must be at least 1, got 0"):
        draw(x, max_nodes=0)
    with pytest.raises(TypeError, match=r"draw: styles\[Value\(data=1\.0, grad=0\.0\)\] must be a "
                       r"dict of graphviz attributes \(str → str, such as \{'color': 'red'\}\), "
                       "got 'red'"):
        draw(x, styles={x: "red"})
    with pytest.raises(TypeError, match="draw: styles' keys must be Values, got str"):
        draw(x, styles={"x": {"color": "red"}})
    assert 'color=red' in draw(x, styles={x: {"color": "red"}}, max_nodes=np.int64(1)).source


def chain(n: int) -> Value:
    """A graph of n + 1 value nodes: x, then n tanh nodes."""
    y = Value(0.5, label="x")
    for _ in range(n):
        y = y.tanh()
    return y


def test_size_guard_names_the_size_and_the_option():
    with pytest.raises(ValueError, match=r"601 value nodes, more than max_nodes=500") as error:
        draw(chain(600))
    assert "pass max_nodes=601 to go ahead anyway" in str(error.value)
    assert len(parse_dot(draw(chain(600), max_nodes=601).source)[0]) == 601 + 600


def test_size_guard_refuses_a_huge_graph_quickly():
    with pytest.raises(ValueError, match="100001 value nodes"):
        draw(chain(100_000))


def test_special_characters_in_labels_are_escaped():
    x = Value(1.0, label='a<b & "c">')
    nodes, _ = parse_dot(draw(x).source)
    assert "<b>a&lt;b &amp; &quot;c&quot;&gt;</b>" in nodes["n0"]["label"]


# --- rendering, with graphviz's dot program --------------------------------------------------


def svg_nodes(svg: str) -> dict[str, str]:
    """For each drawn node of an SVG written by dot: its name → all its text."""
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    return {
        g.find(f"{SVG}title").text: " ".join(t.text or "" for t in g.iter(f"{SVG}text"))
        for g in root.iter(f"{SVG}g") if g.get("class") == "node"
    }


@pytest.mark.needs_dot
def test_svg_is_well_formed_with_one_element_per_node_and_the_numbers(tmp_path):
    a, b, L = example()
    L.backward()
    path = save_svg(L, tmp_path / "g.svg", fmt=".3g")
    assert path == tmp_path / "g.svg"
    texts = svg_nodes(path.read_text(encoding="utf-8"))
    ids = {node: f"n{k}" for k, node in enumerate(topological_order(L))}
    ab = L.parents[0]
    assert set(texts) == set(ids.values()) | {ids[ab] + "_op", ids[L] + "_op"}
    assert texts[ids[a]] == "a data 2 grad −2"
    assert texts[ids[b]] == "b data −3 grad 2"
    assert texts[ids[ab]] == "data −6 grad 1"
    assert texts[ids[L]] == "L data −4 grad 1"
    assert texts[ids[ab] + "_op"] == "*"


@pytest.mark.needs_dot
def test_save_svg_of_a_drawn_graph_and_special_labels(tmp_path):
    x = Value(1.0, label='a<b & "c">')
    graph = draw(x * 2.0, rankdir="TB")
    texts = svg_nodes(save_svg(graph, tmp_path / "g.svg").read_text(encoding="utf-8"))
    assert texts["n0"] == 'a<b & "c"> data 1 grad 0'  # x, the left input, comes first
    with pytest.raises(TypeError, match="apply to a Value"):
        save_svg(graph, tmp_path / "h.svg", fmt=".2f")


@pytest.mark.needs_dot
def test_jupyter_displays_svg_inline():
    bundle = draw(example()[2])._repr_mimebundle_()
    ET.fromstring(bundle["image/svg+xml"])


def test_without_dot_the_dot_text_works_and_rendering_says_how_to_install(
    tmp_path, monkeypatch
):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    L = example()[2]
    assert "->" in draw(L).source
    with pytest.raises(DotNotFound) as error:
        save_svg(L, tmp_path / "g.svg")
    message = str(error.value)
    assert "sudo apt-get install graphviz" in message and "brew install graphviz" in message
    assert isinstance(error.value, graphviz.ExecutableNotFound)
    assert not (tmp_path / "g.svg").exists()


def _as_drawn(label: str) -> str:
    """How a label should read in the picture: at most 60 characters (the 60th an ellipsis),
    every unprintable character as its Python escape, nothing expanded by graphviz."""
    if len(label) > 60:
        label = label[:59] + "…"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in label)


@pytest.mark.needs_dot
def test_hostile_labels_are_drawn_as_plain_text(tmp_path):
    from hostile_labels import HOSTILE_LABELS

    from autograd_lite import save

    for k, label in enumerate([*HOSTILE_LABELS, "\\N", "\\G", "\\L", "a\x07b", "x" * 100_000]):
        x = Value(2.0, label=label)
        y = x * 3
        y.label = "y"
        for suffix in (".svg", ".gv"):
            path = save(y, tmp_path / f"g{k}{suffix}", caption=label)
            if suffix == ".gv":
                path.read_text(encoding="utf-8")  # the DOT text is valid UTF-8
        svg = ET.parse(tmp_path / f"g{k}.svg").getroot()
        node = next(g for g in svg.iter(SVG + "g") if g.findtext(SVG + "title") == "n0")
        texts = [t.text.replace("\xa0", " ") for t in node.iter(SVG + "text")]
        assert texts[0] == _as_drawn(label), (k, label[:40])
