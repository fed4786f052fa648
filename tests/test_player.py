"""The step-through page: what it shows at every step, checked in a real browser against the
engine's own ``backward_steps``, and the Python and command-line ways to make it.

The expected numbers are computed here from the engine (``backward_steps`` on a twin of the
graph, ``backward()``), never read back from the page's data; they are formatted with
``format_number``, as the page shows them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import autograd_lite
from autograd_lite import Value, backward_steps, save_html, topological_order
from autograd_lite.drawing import format_number
from autograd_lite.files import ProgramError
from nets.cli import main

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def small():
    """L = ½ tanh(a·b + a): a is used twice (its gradient is pending for a step), and 0.5
    is a constant."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    L = d.tanh() * 0.5
    L.label = "L"
    return L


def node(root, label):
    return next(n for n in topological_order(root) if n.label == label)


def expected_walk(build):
    """At each backward step (from the engine, on a fresh graph): the node handled, and what
    each node's grad cell must read: no number when unreached, else the walk's sum."""
    root = build()
    order = topological_order(root)
    ids = {n: f"n{k}" for k, n in enumerate(order)}
    walk = []
    for step in backward_steps(root):
        shown = {}
        for n in order:
            status = step.status(n)
            g = step.grad_of(n)  # the walk's sum at this step
            text = "no grad yet" if status == "unreached" else f"grad {format_number(g)}"
            shown[ids[n]] = (text, status)
        walk.append((ids[step.node], shown))
    final = {ids[n]: f"grad {format_number(n.grad)}" for n in order}  # backward()'s
    return walk, final


def grad_cells(page):
    """What the page shows in each node's grad cell, and the node's drawn status."""
    return page.eval_on_selector_all(
        "g.node[data-node]",
        "gs => Object.fromEntries(gs.map(g => [g.dataset.node, [g.querySelector('text.agl-grad')"
        ".textContent, g.dataset.status, g.classList.contains('agl-pending'),"
        " g.querySelector('text.agl-grad').classList.contains('agl-pending')]]))",
    )


def labels_over_nodes(page):
    """Each edge label that covers part of a node's box (on screen), with that node's id."""
    return page.evaluate(
        """() => {
          const boxes = (sel) => [...document.querySelectorAll(sel)]
            .map(e => [e, e.getBoundingClientRect()]);
          const meet = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
            && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
          const hits = [];
          for (const [label, l] of boxes('.agl-edge-label rect'))
            for (const [node, n] of boxes('g.node'))
              if (meet(l, n)) hits.push([label.parentNode.textContent, node.id]);
          return hits;
        }"""
    )


def position(page):
    return int(page.get_attribute(".agl-player", "data-position"))


@pytest.fixture
def small_page(tmp_path):
    return save_html(small(), tmp_path / "small.html")


# --- in the browser ---------------------------------------------------------------------------


def test_the_page_loads_offline_and_cleanly(offline_page, small_page):
    page = offline_page.open(small_page)
    assert page.inner_text(".agl-title") == "Backpropagation through L"
    assert page.inner_text(".agl-position") == "Forward pass: 1 of 7"
    offline_page.assert_clean()


def test_the_forward_pass_shows_the_nodes_one_by_one_with_no_gradient(offline_page, small_page):
    page = offline_page.open(small_page)
    n = len(topological_order(small()))
    for k in range(n):
        hidden = page.eval_on_selector_all(
            "g.node[data-node]", "gs => gs.filter(g => g.classList.contains('agl-gone'))"
                                 ".map(g => g.dataset.node)")
        assert sorted(hidden) == sorted(f"n{j}" for j in range(k + 1, n))
        assert page.get_attribute(".agl-player", "data-current") == f"n{k}"
        assert {text for text, *_ in grad_cells(page).values()} == {""}  # no gradient text
        assert "grad" not in page.inner_text(".agl-graph")
        if k == 2:
            assert page.inner_text(".agl-caption") == "Forward: c = a·b = −6, where a = 2, b = −3"
        page.click(".agl-next")
    offline_page.assert_clean()


@pytest.mark.parametrize("name", ["small", "x_plus_x_times_x", "a_times_a"])
def test_every_backward_step_shows_the_engines_numbers(offline_page, tmp_path, name):
    build = {
        "small": small,
        "x_plus_x_times_x": lambda: (lambda x: (x + x) * x)(Value(2.0, label="x")),
        "a_times_a": lambda: (lambda a: a * a)(Value(-1.5, label="a")),
    }[name]
    walk, final = expected_walk(build)
    page = offline_page.open(save_html(build(), tmp_path / f"{name}.html"))
    for _ in range(len(walk)):  # through the forward pass
        page.click(".agl-next")
    for k, (current, shown) in enumerate(walk):
        assert page.inner_text(".agl-position") == f"Backward pass: step {k + 1} of {len(walk)}"
        assert page.get_attribute(".agl-player", "data-current") == current
        assert page.get_attribute("g.node.agl-current[data-node]", "data-node") == current
        cells = grad_cells(page)
        for node_id, (text, status) in shown.items():
            got_text, got_status, dashed, italic = cells[node_id]
            assert (got_text, got_status) == (text, status), (k, node_id)
            assert dashed == italic == (status == "pending"), (k, node_id)
        assert labels_over_nodes(page) == [], k  # the graphs here leave room beside each edge
        if name == "small" and k in (0, 3, 4):
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"player-step-{k + 1}.png"), full_page=True)
        if k < len(walk) - 1:
            page.click(".agl-next")
    assert page.is_disabled(".agl-next")
    assert {node_id: text for node_id, (text, *_) in grad_cells(page).items()} == final
    offline_page.assert_clean()


def test_a_pending_gradient_is_marked_partial_and_an_unreached_one_shows_no_number(
        offline_page, small_page):
    page = offline_page.open(small_page)
    walk, _ = expected_walk(small)
    a = "n0"
    k = next(k for k, (_, shown) in enumerate(walk) if shown[a][1] == "pending")
    page.click(".agl-end")
    for _ in range(len(walk) - 1 - k):
        page.click(".agl-prev")
    text, status, dashed, _ = grad_cells(page)[a]
    assert status == "pending" and dashed and text == walk[k][1][a][0]
    assert "partial" in page.eval_on_selector_all(".agl-tag", "ts => ts.map(t => t.textContent)")
    unreached = [i for i, (t, s) in walk[k][1].items() if s == "unreached"]
    assert unreached and all(grad_cells(page)[i][0] == "no grad yet" for i in unreached)
    assert not any(re.search(r"\d", grad_cells(page)[i][0]) for i in unreached)


def test_each_edge_into_the_current_node_shows_its_local_derivative_and_contribution(
        offline_page, small_page):
    page = offline_page.open(small_page)
    walk, _ = expected_walk(small)
    L = small()
    c = node(L, "c")
    step = next(s for s in backward_steps(L) if s.node is c)
    page.click(".agl-end")
    for _ in range(len(walk) - 1 - step.index):
        page.click(".agl-prev")
    labels = page.eval_on_selector_all(".agl-edge-label", "gs => gs.map(g => g.textContent)")
    a_part, b_part = step.contributions
    f = format_number
    assert sorted(labels) == sorted([
        f"local b = {f(a_part.local_derivative)}adds {f(a_part.contribution)}",
        f"local a = {f(b_part.local_derivative)}adds {f(b_part.contribution)}",
    ])
    assert page.eval_on_selector_all("g.edge.agl-sending", "es => es.length") == 2
    caption = page.inner_text(".agl-caption")
    g = format_number(step.grad)
    assert (f"∂L/∂a += ∂L/∂c · ∂(a·b)/∂a = ({g})·(b = {format_number(a_part.local_derivative)}) = "
            f"{format_number(a_part.contribution)}") in caption


def test_prev_undoes_next_and_keys_and_the_slider_move(offline_page, small_page):
    page = offline_page.open(small_page)
    for _ in range(9):
        page.click(".agl-next")
    before = grad_cells(page)
    page.click(".agl-next")
    assert grad_cells(page) != before
    page.click(".agl-prev")
    assert grad_cells(page) == before and position(page) == 9
    page.focus(".agl-player")
    page.keyboard.press("ArrowRight")
    assert position(page) == 10
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert position(page) == 8
    page.keyboard.press("End")
    assert position(page) == 13 and page.is_disabled(".agl-next")
    page.keyboard.press("Home")
    assert position(page) == 0 and page.is_disabled(".agl-prev")
    page.focus(".agl-slider")
    page.keyboard.press("ArrowRight")  # the slider's own key handling, once
    assert position(page) == 1
    page.eval_on_selector(".agl-slider",
                          "s => { s.value = 11; s.dispatchEvent(new Event('input')); }")
    assert position(page) == 11
    assert page.inner_text(".agl-position") == "Backward pass: step 5 of 7"
    offline_page.assert_clean()


def test_play_steps_on_by_itself_and_pauses(offline_page, small_page):
    page = offline_page.open(small_page)
    page.click(".agl-play")
    page.wait_for_function("() => document.querySelector('.agl-player').dataset.position >= 2")
    page.click(".agl-play")
    assert page.inner_text(".agl-play") == "▶ Play"
    stopped = position(page)
    page.wait_for_timeout(1600)
    assert position(page) == stopped


def test_the_inspector_shows_the_terms_of_a_gradient(offline_page, small_page):
    L = small()
    L.backward()
    a, c, d = node(L, "a"), node(L, "c"), node(L, "d")
    page = offline_page.open(small_page)
    page.click(".agl-end")
    page.click("g.node[data-node='n0']")  # a
    text = page.inner_text(".agl-inspector")
    f = format_number
    assert "a is an input" in text
    assert f"from d: ({f(d.grad)})·(1) = {f(d.grad)}" in text
    assert f"from c: ({f(c.grad)})·(−3) = {f(c.grad * -3)}" in text
    assert f"∂L/∂a = {f(a.grad)} (final)" in text
    page.click("g.node[data-node='n2']")  # c = a · b
    text = page.inner_text(".agl-inspector")
    assert "c = a·b" in text and "a = 2" in text and "b = −3" in text
    assert "∂(a·b)/∂a = b = −3" in text and "∂(a·b)/∂b = a = 2" in text
    page.click(".agl-close")
    assert page.is_hidden(".agl-inspector")
    offline_page.assert_clean()


def test_quiz_accepts_a_right_answer_and_names_the_wrong_factor(offline_page, tmp_path):
    L = small()
    L.backward()
    a, b, c = node(L, "a"), node(L, "b"), node(L, "c")
    page = offline_page.open(save_html(small(), tmp_path / "quiz.html", quiz=True))
    order = topological_order(L)
    n = len(order)

    def go_to(v):  # the backward step that handles v: they go in reverse topological order
        step = n - 1 - next(k for k, m in enumerate(order) if m is v)
        page.eval_on_selector(".agl-slider", "(s, p) => { s.value = p; "
                              "s.dispatchEvent(new Event('input')); }", n + step)

    go_to(c)
    assert page.is_visible(".agl-quiz")
    assert page.inner_text(".agl-question") == "∂L/∂c"
    assert grad_cells(page)["n2"][0] == "grad ?"
    labels = page.eval_on_selector_all(".agl-edge-label", "gs => gs.map(g => g.textContent)")
    assert labels and all(label.endswith("adds ?") for label in labels)  # not yet
    page.fill(".agl-answer", f"{c.grad:.3g}")  # three significant digits are enough
    page.click(".agl-check")
    assert page.inner_text(".agl-feedback").startswith("Right")
    assert grad_cells(page)["n2"][0] == f"grad {format_number(c.grad)}"

    go_to(a)  # a wrong answer: ∂c/∂a taken as 1 in the term through c
    wrong = a.grad - c.grad * b.data + c.grad
    page.fill(".agl-answer", repr(wrong))
    page.click(".agl-check")
    feedback = page.inner_text(".agl-feedback")
    assert "you used ∂(a·b)/∂a = 1; it is ∂(a·b)/∂a = b = −3" in feedback
    assert f"∂L/∂a = {format_number(a.grad)}" in feedback  # then revealed
    assert grad_cells(page)["n0"][0] == f"grad {format_number(a.grad)}"

    go_to(b)  # the wrong input of the product: b's own value instead of a's
    page.fill(".agl-answer", repr(c.grad * b.data))
    page.click(".agl-check")
    assert "you used ∂(a·b)/∂b = b = −3; it is the other input: ∂(a·b)/∂b = a = 2" in \
        page.inner_text(".agl-feedback")
    offline_page.assert_clean()


def test_a_quiz_answer_with_the_sign_flipped_or_not_a_number(offline_page, tmp_path):
    L = small()
    L.backward()
    d = node(L, "d")
    page = offline_page.open(save_html(small(), tmp_path / "quiz.html"))
    page.check(".agl-quiz-on")
    page.click(".agl-end")
    while page.get_attribute(".agl-player", "data-current") != "n3":  # d
        page.click(".agl-prev")
    page.fill(".agl-answer", "many")
    page.click(".agl-check")
    assert page.inner_text(".agl-feedback") == "Type a number, such as -0.25."
    page.fill(".agl-answer", format_number(-d.grad))
    page.click(".agl-check")
    assert f"the sign is wrong: ∂L/∂d = {format_number(d.grad)}" in page.inner_text(".agl-feedback")


def test_two_players_on_one_page_do_not_clash(offline_page, tmp_path):
    first, second = autograd_lite.player(small()), autograd_lite.player(small())
    html = ("<!doctype html><meta charset=utf-8><body>"
            f"{first._repr_html_()}{second._repr_html_()}</body>")
    page_file = tmp_path / "two.html"
    page_file.write_text(html, encoding="utf-8")
    page = offline_page.open(page_file)
    players = page.locator(".agl-player")
    assert players.count() == 2
    players.nth(0).locator(".agl-next").click()
    players.nth(0).locator(".agl-next").click()
    assert players.nth(0).get_attribute("data-position") == "2"
    assert players.nth(1).get_attribute("data-position") == "0"
    ids = page.eval_on_selector_all("[id]", "es => es.map(e => e.id)")
    assert len(ids) == len(set(ids))
    offline_page.assert_clean()


def test_the_feature_discovery_nets_page_steps_to_backwards_grads(offline_page, tmp_path):
    from nets.feature_discovery import FeatureDiscoveryNet

    def build():
        net = FeatureDiscoveryNet(3, 16, "logistic", seed=1)
        return net.forward([0.3, -0.8, 1.0], y=1.0).l

    _, final = expected_walk(build)
    assert len(final) == 197
    page = offline_page.open(save_html(build(), tmp_path / "net.html"))
    assert "a ReLU that is off" in page.inner_text(".agl-legend")  # this example has one
    assert "a ReLU that is off" not in autograd_lite.player(small()).html
    page.keyboard.press("End")  # a big graph's leaf steps are folded: one step per op
    computed = sum(n.op is not None for n in topological_order(build()))
    assert page.inner_text(".agl-position") == f"Backward pass: step {computed} of {computed}"
    page.uncheck(".agl-fold")
    page.keyboard.press("End")
    assert page.inner_text(".agl-position") == "Backward pass: step 197 of 197"
    assert {node_id: text for node_id, (text, *_) in grad_cells(page).items()} == final
    current = page.eval_on_selector("g.node.agl-current[data-node]", "g => { "
                                    "const r = g.getBoundingClientRect(), v = g.closest("
                                    "'.agl-graph').getBoundingClientRect(); return r.left >= "
                                    "v.left && r.right <= v.right && r.top >= v.top && "
                                    "r.bottom <= v.bottom; }")
    assert current  # scrolled into view in the graph's box
    offline_page.assert_clean()


def test_notebook_1_shows_a_working_player(offline_page, tmp_path):
    import json

    notebook = json.loads((Path(__file__).resolve().parent.parent / "notebooks"
                           / "01_values_and_the_chain_rule.ipynb").read_text(encoding="utf-8"))
    shown = ["".join(output["data"]["text/html"]) for cell in notebook["cells"]
             for output in cell.get("outputs", []) if "agl-player" in
             "".join(output.get("data", {}).get("text/html", ""))]
    assert len(shown) == 1
    page_file = tmp_path / "cell.html"
    page_file.write_text(f"<!doctype html><meta charset=utf-8><body>{shown[0]}</body>", "utf-8")
    page = offline_page.open(page_file)
    page.click(".agl-end")
    assert page.inner_text(".agl-position") == "Backward pass: step 7 of 7"
    assert grad_cells(page)["n0"][0].startswith("grad ")
    offline_page.assert_clean()


def test_labels_are_shown_as_text_never_as_markup(offline_page, tmp_path):
    x = Value(1.5, label="</script><!--<b>x")
    y = x * 2.0
    y.label = "y<i>"
    page = offline_page.open(save_html(y, tmp_path / "labels.html"))
    page.click(".agl-end")
    page.click("g.node[data-node='n0']")
    assert "</script><!--<b>x is an input" in page.inner_text(".agl-inspector")
    assert "∂y<i>/∂</script><!--<b>x = 2 is final" in page.inner_text(".agl-caption")
    offline_page.assert_clean()


# --- in Python --------------------------------------------------------------------------------


def test_the_page_is_one_file_that_loads_nothing(small_page):
    html = small_page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html  # the browser refuses any load, too


def test_repr_html_is_a_fragment_and_ids_are_scoped():
    p = autograd_lite.player(small())
    fragment = p._repr_html_()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div class="agl-player"')
    prefix = re.search(r'class="agl-player" id="([^"]+)"', fragment)[1]
    svg_ids = re.findall(r'<g id="([^"]+)"', fragment)
    assert svg_ids and all(i.startswith(prefix + "-") for i in svg_ids)
    assert prefix != re.search(r'id="([^"]+)"', autograd_lite.player(small()).fragment)[1]
    page = p.html  # the same fragment, with ids of its own (see test_page_units.py)
    assert page.count('class="agl-player"') == 1 and prefix not in page
    assert re.sub(r"agl-[0-9a-f]{8}", "ID", fragment) in re.sub(r"agl-[0-9a-f]{8}", "ID", page)


def test_the_graph_grads_are_left_as_they_were(tmp_path):
    L = small()
    for k, n in enumerate(topological_order(L)):
        n.grad = 0.25 * k
    save_html(L, tmp_path / "p.html")
    assert [n.grad for n in topological_order(L)] == [0.25 * k for k in range(7)]


def test_a_graph_over_max_nodes_is_refused_with_the_count():
    with pytest.raises(ValueError, match=r"has 7 value nodes, more than max_nodes=5"):
        autograd_lite.player(small(), max_nodes=5)


def test_bad_inputs():
    with pytest.raises(TypeError, match="player: root must be a Value, got float"):
        autograd_lite.player(1.0)
    with pytest.raises(TypeError, match="player: max_nodes must be an int, got str"):
        autograd_lite.player(small(), max_nodes="5")
    with pytest.raises(ValueError, match="player: max_nodes must be at least 1, got 0"):
        autograd_lite.player(small(), max_nodes=0)
    with pytest.raises(ValueError, match="fmt must be a number format"):
        autograd_lite.player(small(), fmt="?")


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    out = tmp_path / "page.html"
    out.write_text("the old page", encoding="utf-8")
    with pytest.raises(ValueError):
        save_html(small(), out, max_nodes=2)
    import autograd_lite.page as package

    def failing(*args, **kwargs):
        raise ProgramError("dot crashed (SIGSEGV): ...")

    monkeypatch.setattr(package, "render", failing)
    with pytest.raises(ProgramError):
        save_html(small(), out)
    assert out.read_text(encoding="utf-8") == "the old page"


# --- the command line ------------------------------------------------------------------------


def test_the_graph_command_writes_the_page(tmp_path, capsys):
    out = tmp_path / "e.html"
    argv = ["graph", "tanh(a * b + a)", "--values", "a=2,b=-3", "--html", str(out)]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    html = out.read_text(encoding="utf-8")
    assert "<title>tanh(a * b + a)</title>" in html and 'class="agl-player"' in html
    assert main(argv) == 2  # refuses to overwrite
    assert capsys.readouterr().err == \
        f"autograd-lite graph: error: {out} exists; use --force to overwrite it\n"
    assert main([*argv, "--force"]) == 0


@pytest.mark.parametrize(("extra", "message"), [
    (["--html", "page.svg"], "--html page.svg: the page is HTML; name it with .html"),
    (["--html", "p.html", "--collapse", "sums"], "--collapse: only for a drawing (-o)"),
    (["--html", "p.html", "--max-nodes", "3"], "more than max_nodes=3"),
    (["--html", "no/such/dir/p.html"], "no/such/dir"),
])
def test_bad_page_arguments_exit_2_with_one_line(tmp_path, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", "x * x + 3 * x", "--values", "x=2", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "p.html").exists()
