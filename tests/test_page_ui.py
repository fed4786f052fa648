"""The step-through page as a person uses it, in headless Chromium with the network blocked:
a quiz that never shows an answer before asking it, keys that work after every control,
panels over the graph, texts inside their boxes, the current step always in view on the
demo's net, zoom and pan, and labels that can never pose as numbers or reverse them.

What a page must or must not show is computed here from the engine (``backward_steps`` on a
twin of the graph, ``Value.local_derivatives``), never read back from the page's data.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from test_player import small  # L = ½ tanh(a·b + a): a used twice, 0.5 a constant

from autograd_lite import Value, backward_steps, save_html, topological_order
from autograd_lite.drawing import _GRAD_COLOR, format_number
from nets import data
from nets.feature_discovery import FeatureDiscoveryNet

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")


def relu_net():
    """Two ReLUs, one on and one off, summed with weights, through a square: a node used
    twice, a partial sum, an off ReLU."""
    x = Value(1.5, label="x")
    w1, w2, v1, v2 = (Value(d, label=n) for d, n in
                      [(0.7, "w1"), (-0.4, "w2"), (1.3, "v1"), (-0.9, "v2")])
    h1, h2 = (w1 * x).relu(), (w2 * x).relu()
    r = v1 * h1 + v2 * h2 + x
    return (r - 0.25) ** 2


def small_net():
    """A feature-discovery net of 2 inputs (and the constant) and 3 hidden units."""
    net = FeatureDiscoveryNet(3, 3, "logistic", seed=3)
    return net.forward([0.6, -1.1, 1.0], y=1.0).l


def demo_net():
    """The demo's size: two-moons with the constant feature, 16 hidden units, one example."""
    X, labels = data.DATASETS["moons"](200, seed=0, constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], 16, "logistic", seed=0)
    return net.forward(X[0], y=float(labels[0])).l, net


def is_constant(node):
    return node.op is None and not node.label


# --- what the page shows, as a person sees it ------------------------------------------------
VISIBLE_TEXT = """root => {
  // the player's rendered text (SVG text included), without the step counter
  const counter = root.querySelector('.agl-position').innerText;
  return root.innerText.replace(counter, '');
}"""

# a number as the page writes it; not a digit inside a name such as W[0,1] or t7
NUMBER = re.compile(r"(?<![\w\[,.])[−-]?\d+(?:\.\d+)?(?:e[−+]\d+)?")


def numbers(text):
    return set(NUMBER.findall(text))


def position(page):
    return int(page.get_attribute(".agl-player", "data-position"))


def quiz_secrets(build):
    """For each askable node's id: every text that shows its gradient (each sum so far and
    each contribution to it), from the engine; and the numbers the page may show whatever
    is asked (every value and every local derivative)."""
    root = build()
    order = topological_order(root)
    ids = {n: f"n{k}" for k, n in enumerate(order)}
    shows = {ids[n]: set() for n in order if not is_constant(n)}
    for step in backward_steps(root):
        for c in step.contributions:
            if ids[c.parent] in shows:
                shows[ids[c.parent]].add(format_number(c.contribution))
        for n in order:
            if ids[n] in shows and step.status(n) != "unreached":
                shows[ids[n]].add(format_number(n.grad))
    allowed = {format_number(n.data) for n in order}
    allowed |= {format_number(d) for n in order if n.op for d in n.local_derivatives()}
    final = {ids[n]: n.grad for n in order}
    return shows, allowed, final


# --- 1. the quiz never shows an answer before asking it ------------------------------------------
@pytest.mark.parametrize("build", [small, relu_net, small_net], ids=["small", "relu", "net"])
def test_quiz_mode_never_shows_a_gradient_before_it_is_answered(offline_page, tmp_path, build):
    shows, allowed, final = quiz_secrets(build)
    page = offline_page.open(save_html(build(), tmp_path / "quiz.html", quiz=True))
    answered: set[str] = set()
    player = page.query_selector(".agl-player")
    checked = 0

    def assert_nothing_told(moment):
        nonlocal checked
        shown = numbers(player.evaluate(VISIBLE_TEXT))
        secret = set().union(*(texts for i, texts in shows.items() if i not in answered))
        told = set().union(allowed, *(texts for i, texts in shows.items() if i in answered))
        assert not (shown & (secret - told)), (moment, sorted(shown & (secret - told)))
        checked += bool(secret - told)

    page.keyboard.press("End")
    last = position(page)
    page.keyboard.press("Home")
    for k in range(last + 1):
        assert_nothing_told(("before", k))
        current = page.get_attribute(".agl-player", "data-current")
        if page.is_visible(".agl-quiz") and page.is_enabled(".agl-answer"):
            how = len(answered) % 3  # right, "Show me", or wrong: each reveals this one only
            if how == 1:
                page.click(".agl-reveal")
            else:
                typed = final[current] * (1 if how == 0 else -3) + (0 if how == 0 else 1.5)
                page.fill(".agl-answer", repr(typed))
                page.click(".agl-check")
            answered.add(current)
            assert_nothing_told(("after", k))
            assert format_number(final[current]) in page.inner_text(".agl-feedback")
        page.keyboard.press("ArrowRight")  # the keys work after Check and Show me
        if k < last:
            assert position(page) == k + 1
    assert answered == set(shows)  # every gradient was asked, and no constant
    assert checked > 2 * len(shows)  # the check had numbers to find, at most moments
    offline_page.assert_clean()


def test_quiz_mode_at_the_notes_level_never_shows_a_units_gradient_before_asking(
        offline_page, tmp_path):
    from autograd_lite.page.script import script

    root, net = demo_net()
    shows, allowed, _ = quiz_secrets(lambda: demo_net()[0])
    # which scalar nodes each unit holds: the page's structure (its numbers are the engine's)
    units = script(root, params=net.parameters(), level="units")["units"]["nodes"]
    secrets = {u["id"]: set().union(*(shows.get(m, set()) for m in u["members"]))
               for u in units if u["quiz"] is not None}
    page = offline_page.open(save_html(root, tmp_path / "units.html", quiz=True,
                                       params=net.parameters(), level="units"))
    player = page.query_selector(".agl-player")
    answered: set[str] = set()
    page.keyboard.press("End")
    last = position(page)
    page.keyboard.press("Home")
    for k in range(last + 1):
        shown = numbers(player.evaluate(VISIBLE_TEXT))
        secret = set().union(*(t for i, t in secrets.items() if i not in answered))
        told = set().union(allowed, *(t for i, t in secrets.items() if i in answered))
        assert not (shown & (secret - told)), (k, sorted(shown & (secret - told)))
        if page.is_visible(".agl-quiz") and page.is_enabled(".agl-reveal"):
            page.click(".agl-reveal")
            answered.add(page.get_attribute(".agl-player", "data-current"))
        page.keyboard.press("ArrowRight")
    assert answered == set(secrets)
    offline_page.assert_clean()


def test_the_quiz_hides_a_gradients_terms_in_the_inspector(offline_page, tmp_path):
    L = small()
    L.backward()
    a = next(n for n in topological_order(L) if n.label == "a")
    page = offline_page.open(save_html(small(), tmp_path / "quiz.html", quiz=True))
    page.keyboard.press("End")
    page.click("g.node[data-node='n0']")  # a: not answered
    text = page.inner_text(".agl-inspector")
    assert "∂L/∂a = ? (final)" in text and format_number(a.grad) not in text
    page.click(".agl-reveal")
    assert f"∂L/∂a = {format_number(a.grad)} (final)" in page.inner_text(".agl-inspector")
    offline_page.assert_clean()


# --- 2. layout, focus ---------------------------------------------------------------------------
CONTROLS = [  # each control, and how a person uses it
    ("Next", lambda p: p.click(".agl-next")),
    ("Prev", lambda p: p.click(".agl-prev")),
    ("Play twice", lambda p: (p.click(".agl-play"), p.click(".agl-play"))),
    ("the step slider", lambda p: (p.focus(".agl-slider"), p.eval_on_selector(
        ".agl-slider", "s => { s.value = 9; s.dispatchEvent(new Event('input'));"
        " s.dispatchEvent(new Event('change', {bubbles: true})); }"))),
    ("the speed", lambda p: p.select_option(".agl-speed", "600")),
    ("Quiz mode", lambda p: p.click(".agl-quiz-on")),
    ("Show me", lambda p: p.click(".agl-reveal")),
    ("Quiz mode off", lambda p: p.click(".agl-quiz-on")),
    ("Fold leaf steps", lambda p: p.click(".agl-fold")),
    ("a node, then closing the inspector", lambda p: (
        p.click("g.node[data-node='n2']"), p.click(".agl-inspector .agl-close"))),
    ("Legend, twice", lambda p: (p.click(".agl-legend-button"), p.click(".agl-legend-button"))),
    ("Rules, then its close button", lambda p: (p.click(".agl-rules-button"),
                                                 p.click(".agl-rules .agl-close"))),
    ("zoom in", lambda p: p.click(".agl-zoom-in")),
    ("zoom out", lambda p: p.click(".agl-zoom-out")),
    ("Fit", lambda p: p.click(".agl-fit")),
]


def test_the_keys_step_after_every_control(offline_page, tmp_path):
    page = offline_page.open(save_html(small(), tmp_path / "small.html"))
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    for name, use in CONTROLS:
        use(page)
        if name == "Quiz mode" and not page.is_enabled(".agl-reveal"):
            raise AssertionError("the quiz should ask here")
        before = position(page)
        page.keyboard.press("ArrowLeft")
        assert position(page) == before - 1, name
        page.keyboard.press("ArrowRight")
        assert position(page) == before, name
    offline_page.assert_clean()


def test_check_keeps_the_answer_field_only_for_something_not_a_number(offline_page, tmp_path):
    page = offline_page.open(save_html(small(), tmp_path / "small.html", quiz=True))
    page.keyboard.press("End")
    page.fill(".agl-answer", "many")
    page.click(".agl-check")
    assert page.evaluate("document.activeElement.className") == "agl-answer"
    page.fill(".agl-answer", "1")
    page.keyboard.press("Enter")  # the form's own Check
    before = position(page)
    page.keyboard.press("ArrowLeft")
    assert position(page) == before - 1
    offline_page.assert_clean()


def rect(page, selector):
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                 "return [r.left, r.top, r.right, r.bottom]; }")


def inside(inner, outer, slack=0.5):
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def test_the_inspector_is_a_drawer_over_the_graph_never_shrinking_it(offline_page, tmp_path):
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page = offline_page.open(save_html(small(), tmp_path / "small.html"))
    graph = rect(page, ".agl-graph")
    page.keyboard.press("End")
    page.click("g.node[data-node='n3']")
    assert page.is_visible(".agl-inspector")
    assert rect(page, ".agl-graph") == graph
    assert inside(rect(page, ".agl-inspector"), graph, slack=2)
    offline_page.assert_clean()


@pytest.mark.parametrize("size", [(1280, 800), (700, 520)])
def test_the_legend_opens_from_the_toolbar_at_any_size(offline_page, tmp_path, size):
    page = offline_page.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page = offline_page.open(save_html(relu_net(), tmp_path / "relu.html"))
    assert page.is_hidden(".agl-legend")
    page.click(".agl-legend-button")
    assert page.is_visible(".agl-legend")
    legend = rect(page, ".agl-legend")
    assert legend[1] < size[1] and legend[0] < size[0]  # it opens in sight, over the graph
    assert "a ReLU that is off" in page.inner_text(".agl-legend")
    page.keyboard.press("Escape")
    assert page.is_hidden(".agl-legend")
    offline_page.assert_clean()


def test_an_off_relu_looks_different_from_a_partial_sum(offline_page, tmp_path):
    root = relu_net()
    order = topological_order(root)
    off = next(f"n{k}" for k, n in enumerate(order)
               if n.op is not None and n.op.name == "relu" and n.parents[0].data <= 0)
    x = next(f"n{k}" for k, n in enumerate(order) if n.label == "x")  # used three times
    page = offline_page.open(save_html(root, tmp_path / "relu.html"))
    page.keyboard.press("End")
    style = ("g => { const s = getComputedStyle(g.querySelector('path, polygon')); "
             "return [s.stroke, s.strokeDasharray, s.fill]; }")
    while page.get_attribute(f"g.node[data-node='{x}']", "data-status") != "pending":
        page.keyboard.press("ArrowLeft")
    pending = page.eval_on_selector(f"g.node[data-node='{x}']", style)
    shown_off = page.eval_on_selector(f"g.node[data-node='{off}']", style)
    assert pending[1] != "none" and shown_off[1] != "none"
    assert pending[0] != shown_off[0] and pending[1] != shown_off[1]
    tags = page.eval_on_selector_all(".agl-tag", "ts => ts.map(t => t.textContent)")
    assert "off" in tags and "partial" in tags
    offline_page.assert_clean()


TEXTS_OUTSIDE_THEIR_BOX = """() => {
  // every text of a node outside its shape, every label's text outside its box
  const out = [];
  const box = (e) => e.getBoundingClientRect();
  const within = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5
    && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  for (const g of document.querySelectorAll('g.node[data-node]')) {
    if (g.classList.contains('agl-gone')) continue;
    const shape = box(g.querySelector('path, polygon'));
    for (const t of g.querySelectorAll('text'))
      if (t.textContent && !within(box(t), shape)) out.push(t.textContent);
  }
  for (const g of document.querySelectorAll('.agl-overlay > g')) {
    const r = box(g.querySelector('rect'));
    for (const t of g.querySelectorAll('text')) if (!within(box(t), r)) out.push(t.textContent);
  }
  return out;
}"""


@pytest.mark.parametrize("build", [small, relu_net, small_net], ids=["small", "relu", "net"])
def test_every_text_fits_its_box_at_every_step(offline_page, tmp_path, build):
    page = offline_page.open(save_html(build(), tmp_path / "page.html"))
    page.uncheck(".agl-fold")
    page.keyboard.press("End")
    last = position(page)
    page.keyboard.press("Home")
    for k in range(last + 1):
        assert page.evaluate(TEXTS_OUTSIDE_THEIR_BOX) == [], k
        page.keyboard.press("ArrowRight")
    offline_page.assert_clean()


# --- 3. finding your place ------------------------------------------------------------------------
STEP_IN_VIEW = """() => {
  // the current node, the edges it sends along (or, forward, the edges it is made from),
  // and their labels: each inside the graph's box and the window
  const player = document.querySelector('.agl-player');
  const id = player.dataset.current;
  const view = document.querySelector('.agl-graph:not([hidden])').getBoundingClientRect();
  const parts = [document.querySelector(`g.node[data-node="${id}"]`),
    ...document.querySelectorAll('g.edge.agl-sending, .agl-edge-label')];
  const bad = [];
  for (const part of parts) {
    const r = part.getBoundingClientRect();
    if (r.left < view.left || r.right > view.right || r.top < view.top
        || r.bottom > view.bottom || r.bottom > innerHeight || r.right > innerWidth)
      bad.push(part.textContent.trim().slice(0, 40));
  }
  const mini = document.querySelector('.agl-graph:not([hidden]) .agl-minimap:not([hidden])');
  if (mini) {  // nor under the minimap
    const m = mini.getBoundingClientRect(), r = parts[0].getBoundingClientRect();
    if (Math.min(m.right, r.right) > Math.max(m.left, r.left)
        && Math.min(m.bottom, r.bottom) > Math.max(m.top, r.top)) bad.push('under the minimap');
  }
  return bad;
}"""


def test_the_demo_nets_steps_stay_in_view_at_1280_by_800(offline_page, tmp_path):
    root, net = demo_net()
    order = topological_order(root)
    assert len(order) == 197
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page = offline_page.open(save_html(root, tmp_path / "demo.html", params=net.parameters(),
                                       level="scalars"))
    assert page.is_checked(".agl-fold")  # a big graph opens with its leaf steps folded
    assert page.evaluate(STEP_IN_VIEW) == []  # the first forward step
    assert page.is_visible(".agl-minimap")  # larger than the view
    font = page.eval_on_selector("g.node[data-node='n0'] text",
                                 "t => t.getBoundingClientRect().height")
    assert font >= 12
    page.keyboard.press("End")
    last = position(page)
    n = len(order)
    backward = last - n + 1
    seen = 0
    for k in [n, n + 1, n + backward // 2, n + backward // 2 + 1, last - 3, last]:
        page.eval_on_selector(".agl-slider", "(s, p) => { s.value = p; "
                              "s.dispatchEvent(new Event('input')); }", k)
        assert position(page) == k
        out = page.evaluate(STEP_IN_VIEW)
        if out:  # only where the step spans more than the view holds with 12-px text
            assert page.evaluate(STEP_TOO_BIG_TO_READ), (k, out)
            current = page.get_attribute(".agl-player", "data-current")
            assert inside(rect(page, f"g.node[data-node='{current}']"),
                          rect(page, ".agl-graph")), k
        seen += page.eval_on_selector_all("g.edge.agl-sending", "es => es.length")
    assert seen >= 6  # most of these steps send along edges
    offline_page.assert_clean()


STEP_TOO_BIG_TO_READ = """() => {
  // the current node, its sending edges and their labels span (in the drawing's units, 16
  // for its text) more than the graph's box holds at 0.75 px a unit (12-px text), with the
  // 24 px the view keeps clear round them
  const id = document.querySelector('.agl-player').dataset.current;
  const parts = [document.querySelector(`g.node[data-node="${id}"]`),
    ...document.querySelectorAll('g.edge.agl-sending, .agl-edge-label')].map(p => p.getBBox());
  const x = Math.min(...parts.map(b => b.x)), y = Math.min(...parts.map(b => b.y));
  const w = Math.max(...parts.map(b => b.x + b.width)) - x;
  const h = Math.max(...parts.map(b => b.y + b.height)) - y;
  const view = document.querySelector('.agl-graph:not([hidden])').getBoundingClientRect();
  return w * 0.75 + 48 > view.width || h * 0.75 + 48 > view.height;  // 24 px clear all round
}"""


def test_following_the_steps_never_zooms_the_demo_net_below_readable(offline_page, tmp_path):
    """At the scalars' level graphviz puts some inputs far from the ops that use them; on
    every step, following the step keeps the text at 12 px or more, and the step's node in
    view (its far edges may lie out of it)."""
    root, net = demo_net()
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page = offline_page.open(save_html(root, tmp_path / "demo.html", params=net.parameters(),
                                       level="scalars"))
    page.keyboard.press("End")
    last = position(page)
    n = len(topological_order(root))
    for k in range(n - 1, last + 1):  # the last forward step, then every backward one
        page.eval_on_selector(".agl-slider", "(s, p) => { s.value = p; "
                              "s.dispatchEvent(new Event('input')); }", k)
        seen = page.evaluate(GRAPH_AS_SEEN)
        smallest = min(t["px"] for t in seen["texts"])
        assert smallest >= 12, (k, smallest)
        current = page.get_attribute(".agl-player", "data-current")
        node = rect(page, f".agl-graph-scalars g.node[data-node='{current}']")
        assert inside(node, seen["graph"]), k
    offline_page.assert_clean()


def test_every_step_of_the_demo_page_at_the_notes_level_stays_in_view(offline_page, tmp_path):
    from nets.page import save_demo_page

    X, labels = data.DATASETS["moons"](200, seed=0, constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], 16, "logistic", seed=0)
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page = offline_page.open(save_demo_page(tmp_path / "demo.html", net, X, labels))
    assert page.get_attribute(".agl-player", "data-level") == "units"
    last = int(page.get_attribute(".agl-slider", "max"))
    for k in range(last + 1):  # from the first step on, as a student goes
        assert page.evaluate(STEP_IN_VIEW) == [], k
        page.keyboard.press("ArrowRight")
    offline_page.assert_clean()


# Every text of the graph shown (node texts, op symbols, edge labels, tags): its box on
# screen, and the size its font is drawn at (its font size times the drawing's scale);
# and every node's box, and the graph's box, to check what is inside it.
GRAPH_AS_SEEN = """() => {
  const graph = document.querySelector('.agl-graph:not([hidden])');
  const svg = graph.querySelector('svg');
  const box = (e) => { const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; };
  const texts = [...svg.querySelectorAll('g.node text, .agl-overlay text')]
    .filter((t) => t.textContent.trim() && getComputedStyle(t).visibility !== 'hidden')
    .map((t) => ({ text: t.textContent, height: t.getBoundingClientRect().height,
      px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a }));
  return { graph: box(graph), nodes: [...svg.querySelectorAll('g.node')].map(box), texts,
    minimap: !graph.querySelector('.agl-minimap').hidden };
}"""


def assert_whole_and_readable(page, moment):
    seen = page.evaluate(GRAPH_AS_SEEN)
    outside = [b for b in seen["nodes"] if not inside(b, seen["graph"])]
    assert outside == [], (moment, len(outside), len(seen["nodes"]))
    small_texts = [(t["text"], round(t["height"], 1), round(t["px"], 1)) for t in seen["texts"]
                   if t["height"] < 12 or t["px"] < 12]
    assert small_texts == [], moment
    assert not seen["minimap"], moment
    return seen


def test_the_demo_page_at_the_notes_level_fits_1280_by_800_with_readable_text(
        offline_page, tmp_path):
    """The whole of make demo's page at the notes' level (16 hidden units) on a laptop's
    screen: every node inside the graph's box, every text at least 12 px, no minimap, when
    it opens, after Fit, at every step and in quiz mode; the current step in view, no label
    over a node, and the caption whole without scrolling."""
    from test_player import labels_over_nodes

    from nets.page import save_demo_page

    X, labels = data.DATASETS["moons"](200, seed=0, constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], 16, "logistic", seed=0)
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 800})
    path = save_demo_page(tmp_path / "demo.html", net, X, labels)
    assert path.stat().st_size < 1_000_000
    page = offline_page.open(path)
    assert page.get_attribute(".agl-player", "data-level") == "units"
    assert_whole_and_readable(page, "opened")
    page.click(".agl-fit")
    seen = assert_whole_and_readable(page, "fit")
    assert len(seen["nodes"]) == 3 + 16 + 1 + 5  # x, x̂, r; s, ·, s·r, softplus, l
    assert seen["graph"][3] <= 800 and seen["graph"][2] <= 1280
    last = int(page.get_attribute(".agl-slider", "max"))
    assert last + 1 <= 60
    for k in range(last + 1):
        assert_whole_and_readable(page, k)
        assert page.evaluate(STEP_IN_VIEW) == [], k
        assert labels_over_nodes(page) == [], k
        if not page.query_selector("g.node.agl-folded"):  # folded leaves add their lines
            assert page.eval_on_selector(".agl-caption",
                                         "c => c.scrollHeight <= c.clientHeight + 1"), k
        page.keyboard.press("ArrowRight")
    page.check(".agl-quiz-on")  # the quiz's row takes room from the graph: it still fits
    page.keyboard.press("End")
    assert page.is_visible(".agl-answer")
    assert_whole_and_readable(page, "quiz")
    offline_page.assert_clean()


def test_the_r_units_caption_fits_and_lists_every_term_on_request(offline_page, tmp_path):
    """r sums 16 terms: its caption says ∂l/∂r, its first term's equation with numbers and
    how each term goes, in the caption's three lines; every term's numbers open below."""
    from nets.page import save_demo_page, teaching_example

    X, labels = data.DATASETS["moons"](200, seed=0, constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], 16, "logistic", seed=0)
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page = offline_page.open(save_demo_page(tmp_path / "demo.html", net, X, labels))
    while not page.inner_text(".agl-caption").startswith("∂l/∂r = "):
        page.keyboard.press("ArrowRight")
    caption = page.query_selector(".agl-caption")
    assert caption.evaluate("c => c.scrollHeight <= c.clientHeight + 1")  # no scrolling
    text = page.inner_text(".agl-caption")
    assert "∂l/∂w[0] = ∂l/∂r·x̂[0] = (" in text and "w[15]" not in text
    at = position(page)
    page.click(".agl-terms summary")
    text = page.inner_text(".agl-caption")
    choice = teaching_example(net, X, labels)  # the page's example, through the engine
    trace = net.forward(X[choice.index], y=float(labels[choice.index]))
    trace.l.backward()
    for j, w in enumerate(net.w):  # the first term written out, then each with its numbers
        shown = re.search(rf"∂l/∂w\[{j}\] = (?:∂l/∂r·x̂\[{j}\] = )?\(.*?\)·\(.*?\) = (\S+?);", text)
        assert shown and shown[1] == format_number(w.grad), j
    page.keyboard.press("ArrowRight")  # the keys step again
    assert position(page) == at + 1
    offline_page.assert_clean()


@pytest.mark.parametrize("hidden, rows", [(4, [4]), (12, [6, 6]), (16, [8, 8])])
def test_a_layer_wraps_into_rows_by_its_size(offline_page, tmp_path, hidden, rows):
    """How a layer wraps follows its size (as few rows as fit the width, of equal counts),
    and the whole net fits 1,280 × 800 with text of 12 px or more."""
    X, labels = data.DATASETS["moons"](200, seed=0, constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], hidden, "logistic", seed=1)
    root = net.forward(X[3], y=float(labels[3])).l
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page = offline_page.open(save_html(root, tmp_path / "net.html", params=net.parameters(),
                                       level="units"))
    assert_whole_and_readable(page, "opened")
    tops = page.eval_on_selector_all(
        "g.node[data-node]", "gs => gs.filter(g => g.textContent.includes('ReLU'))"
        ".map(g => Math.round(g.getBoundingClientRect().top))")
    assert [tops.count(top) for top in sorted(set(tops))] == rows
    page.keyboard.press("End")
    assert_whole_and_readable(page, "end")
    offline_page.assert_clean()


def test_a_folded_step_shows_the_leaves_it_completes(offline_page, tmp_path):
    root, net = demo_net()
    page = offline_page.open(save_html(root, tmp_path / "demo.html", params=net.parameters(),
                                       level="scalars"))
    n = len(topological_order(root))
    page.keyboard.press("End")
    folded = page.get_attribute(".agl-player", "data-current")
    caption = page.inner_text(".agl-caption")
    assert "is a weight: it sends nothing further" in caption
    assert page.eval_on_selector_all("g.node.agl-folded", "gs => gs.length") >= 1
    page.uncheck(".agl-fold")  # the same step, now with the leaves' steps after it
    assert page.get_attribute(".agl-player", "data-current") == folded
    assert "is a weight" not in page.inner_text(".agl-caption")
    page.keyboard.press("End")
    assert page.inner_text(".agl-position") == f"Backward pass: step {n} of {n}"
    offline_page.assert_clean()


def scale(page):
    return page.eval_on_selector(".agl-graph svg", "s => s.getBoundingClientRect().width / "
                                 "s.viewBox.baseVal.width")


def test_zoom_pan_and_fit_by_wheel_drag_and_keys(offline_page, tmp_path):
    root, net = demo_net()
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page = offline_page.open(save_html(root, tmp_path / "demo.html", params=net.parameters(),
                                       level="scalars"))
    start = scale(page)
    graph = rect(page, ".agl-graph")
    middle = ((graph[0] + graph[2]) / 2, (graph[1] + graph[3]) / 2)
    page.mouse.move(*middle)
    page.mouse.wheel(0, 300)
    assert scale(page) < start * 0.9
    page.keyboard.press("+")
    page.keyboard.press("+")
    zoomed = scale(page)
    assert zoomed > scale(page) * 0.99 and zoomed > start * 0.9
    node = "g.node[data-node='n0']"
    before = rect(page, node)
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] + 120, middle[1] + 60, steps=5)
    page.mouse.up()
    after = rect(page, node)
    assert abs(after[0] - before[0] - 120) < 2 and abs(after[1] - before[1] - 60) < 2
    assert page.is_hidden(".agl-inspector")  # a drag is not a click on a node
    page.keyboard.press("0")  # fit: every node inside the graph's box
    boxes = page.eval_on_selector_all("g.node[data-node]", "gs => gs.map(g => { const r = "
                                      "g.getBoundingClientRect(); return [r.left, r.top, "
                                      "r.right, r.bottom]; })")
    graph = rect(page, ".agl-graph")
    assert all(inside(b, graph) for b in boxes)
    offline_page.assert_clean()


def test_a_small_graph_fits_with_no_minimap(offline_page, tmp_path):
    page = offline_page.open(save_html(small(), tmp_path / "small.html"))
    assert page.is_hidden(".agl-minimap")
    graph = rect(page, ".agl-graph")
    boxes = page.eval_on_selector_all("g.node", "gs => gs.map(g => { const r = "
                                      "g.getBoundingClientRect(); return [r.left, r.top, "
                                      "r.right, r.bottom]; })")
    assert all(inside(b, graph) for b in boxes)
    offline_page.assert_clean()


def test_play_has_a_speed(offline_page, tmp_path):
    page = offline_page.open(save_html(small(), tmp_path / "small.html"))
    page.select_option(".agl-speed", "200")
    page.click(".agl-play")
    page.wait_for_function("() => document.querySelector('.agl-player').dataset.position >= 4",
                           timeout=3000)  # 1.4 s a step at the normal speed: 5.6 s
    page.click(".agl-play")
    offline_page.assert_clean()


# --- 4. labels never pose as the page's own text -----------------------------------------------
def test_a_label_starting_with_grad_is_never_taken_for_the_gradient(offline_page, tmp_path):
    x = Value(1.5, label="grad 42")
    w = Value(-0.5, label="w")
    L = x * w
    L.label = "L"
    page = offline_page.open(save_html(L, tmp_path / "grad.html", quiz=True))
    texts = "g => [...g.querySelectorAll('text')].map(t => t.textContent)"
    for _ in range(len(topological_order(L))):  # the forward pass: no gradient anywhere
        assert "grad 42" in page.eval_on_selector("g.node[data-node='n0']", texts)
        assert not any(t.startswith("grad ") and t != "grad 42" for t in
                       page.eval_on_selector_all("g.node text", "ts => ts.map(t => "
                                                 "t.textContent)"))
        page.keyboard.press("ArrowRight")
    page.keyboard.press("End")  # asked, not answered: the label stays, the number is hidden
    shown = page.eval_on_selector("g.node[data-node='n0']", texts)
    assert "grad 42" in shown and "grad ?" in shown
    assert format_number(w.data) not in page.eval_on_selector("g.node[data-node='n0']",
                                                              "g => g.textContent")
    offline_page.assert_clean()


def test_a_right_to_left_override_in_a_label_cannot_reverse_the_numbers(offline_page, tmp_path):
    x = Value(3.0, label="x\u202e")
    L = x * -7.373e-05
    L.label = "L"
    page = offline_page.open(save_html(L, tmp_path / "bidi.html"))
    for _ in range(len(topological_order(L))):  # to the first backward step, L's: it sends to x
        page.keyboard.press("ArrowRight")
    number = format_number(-7.373e-05 * 1.0)
    # the glyphs of the last number of the caption's line about x, left to right on screen
    order = page.evaluate("""(number) => {
      const line = [...document.querySelectorAll('.agl-caption div')]
        .find(d => d.textContent.includes('+=') && d.textContent.endsWith(number));
      const node = line.firstChild.nodeType === 3 && line.childNodes.length === 1
        ? line.firstChild : null;
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      const texts = [];
      while (walker.nextNode()) texts.push(walker.currentNode);
      const last = texts[texts.length - 1];
      const xs = [];
      for (let i = last.length - number.length; i < last.length; i++) {
        const range = document.createRange();
        range.setStart(last, i);
        range.setEnd(last, i + 1);
        xs.push(range.getBoundingClientRect().left);
      }
      return xs;
    }""", number)
    assert len(order) == len(number)
    assert order == sorted(order), "the number's glyphs run right to left"
    offline_page.assert_clean()


# --- 4. the page's CSP ------------------------------------------------------------------------
def test_the_pages_csp_runs_its_own_script_and_nothing_else(offline_page, tmp_path):
    path = save_html(small(), tmp_path / "small.html")
    html = path.read_text(encoding="utf-8")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)[1]
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    code = re.search(r"<script>(.*?)</script>", html, re.DOTALL)[1]
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    injected = tmp_path / "injected.html"  # a script smuggled into the page does not run
    injected.write_text(html.replace("</body>", "<script>window.injected = 1;</script></body>"),
                        encoding="utf-8")
    page = offline_page.page
    page.on("console", lambda m: None)
    page.goto(injected.resolve().as_uri())
    assert page.evaluate("window.injected") is None
    page.click(".agl-next")
    assert position(page) == 1  # the page's own script runs
    assert any("Content Security Policy" in e for e in offline_page.console_errors)


def test_the_script_knows_the_drawings_gradient_colour():
    from importlib.resources import files

    code = files("autograd_lite.page").joinpath("player.js").read_text(encoding="utf-8")
    assert f'const GRAD_FILL = "{_GRAD_COLOR["final"]}"' in code


# --- 5. local derivatives as such, and the rulebook ------------------------------------------
def test_the_rulebook_opens_from_the_toolbar_with_every_ops_local_derivatives(
        offline_page, tmp_path):
    from autograd_lite.ops import OPS

    page = offline_page.open(save_html(small(), tmp_path / "small.html"))
    assert page.is_hidden(".agl-rules")
    page.click(".agl-rules-button")
    rows = page.eval_on_selector_all(".agl-rules tr", "rs => rs.map(r => [...r.cells]"
                                     ".map(c => c.textContent))")
    assert {op for op, *_ in rows} == set(OPS)
    mul = next(row for row in rows if row[0] == "mul")
    assert mul[2] == "∂(a·b)/∂a = b;  ∂(a·b)/∂b = a"
    page.keyboard.press("ArrowRight")  # the keys still step, with the panel open
    assert position(page) == 1
    offline_page.assert_clean()


# --- 6. the whole chain rule for a clicked node ----------------------------------------------
def test_the_inspector_sums_every_path_and_lights_each_on_the_graph(offline_page, tmp_path):
    root = relu_net()
    order = topological_order(root)
    root.backward()
    x = next(n for n in order if n.label == "x")
    ids = {n: f"n{k}" for k, n in enumerate(order)}
    page = offline_page.open(save_html(relu_net(), tmp_path / "relu.html"))
    page.keyboard.press("End")
    page.click(f"g.node[data-node='{ids[x]}']")
    paths = page.locator(".agl-inspector .agl-path")
    # x reaches the output through w1·x, w2·x and directly: three paths, one through the
    # ReLU that is off, listed after the separator
    assert paths.count() == 3
    texts = [paths.nth(k).inner_text() for k in range(3)]
    assert "ReLU" in texts[2] and texts[2].endswith("= 0")
    assert page.locator(".agl-inspector .agl-paths-off").count() == 1
    total = page.inner_text(".agl-inspector").split("\n")[-1]
    assert total.endswith(f"= {format_number(x.grad)}")
    paths.nth(0).hover()
    lit = page.eval_on_selector_all("g.node.agl-on-path", "gs => gs.map(g => g.dataset.node)")
    assert ids[x] in lit and ids[root] in lit and len(lit) >= 3
    assert page.eval_on_selector_all("g.edge.agl-on-path", "es => es.length") >= 2
    page.mouse.move(5, 5)
    assert page.eval_on_selector_all(".agl-on-path", "es => es.length") == 0
    offline_page.assert_clean()


# --- 7. the notes' level: a unit expands into its scalar nodes, and collapses -------------------
def ancestors(node):
    """``node`` and every value it is computed from."""
    seen, todo = {node}, [node]
    while todo:
        for p in todo.pop().parents:
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def test_a_unit_expands_into_its_scalar_steps_and_collapses_again(offline_page, tmp_path):
    root, net = demo_net()
    order = topological_order(root)
    node_of = {f"n{k}": n for k, n in enumerate(order)}
    page = offline_page.open(save_html(root, tmp_path / "demo.html", params=net.parameters(),
                                       level="units"))
    assert page.get_attribute(".agl-player", "data-level") == "units"
    assert page.is_visible(".agl-graph-units") and page.is_hidden(".agl-graph-scalars")
    assert page.is_disabled(".agl-expand")  # the forward pass: nothing to expand yet
    hidden_units = [n for n in order if n.op is not None and n.op.name == "relu"]
    page.keyboard.press("End")
    while node_of[page.get_attribute(".agl-player", "data-current")] not in hidden_units:
        page.keyboard.press("ArrowLeft")
    unit = page.get_attribute(".agl-player", "data-current")
    at = position(page)
    page.keyboard.press("e")
    assert page.get_attribute(".agl-player", "data-level") == "scalars"
    assert page.is_visible(".agl-graph-scalars") and page.is_hidden(".agl-graph-units")
    count = int(re.fullmatch(r"Inside .+: step 1 of (\d+)", page.inner_text(".agl-position"))[1])
    inside = ancestors(node_of[unit])
    walked = []
    for k in range(count):
        current = page.get_attribute(".agl-player", "data-current")
        walked.append(current)
        assert node_of[current] in inside, k
        page.keyboard.press("ArrowRight")
    assert walked[0] == unit and len(set(walked)) == count > 3
    assert position(page) == count - 1  # the unit's last step: the keys stay inside it
    page.click(".agl-expand")  # Collapse
    assert page.get_attribute(".agl-player", "data-level") == "units"
    assert position(page) == at and page.get_attribute(".agl-player", "data-current") == unit
    page.select_option(".agl-level", "scalars")  # the whole page at the scalars' level
    assert page.get_attribute(".agl-player", "data-current") == unit
    assert page.inner_text(".agl-position").startswith("Backward pass: step")
    page.keyboard.press("ArrowRight")  # focus came back to the player
    assert page.get_attribute(".agl-player", "data-current") != unit
    offline_page.assert_clean()


# --- 8. what if: leaves edited in the page, every number computed again ----------------------
def many_ops(a=0.7, b=-1.3, w=0.4):
    """A graph of many ops over an input a, an input b and a weight w (a used three times)."""
    a, b, w = Value(a, label="a"), Value(b, label="b"), Value(w, label="w")
    t = (a * w + b).tanh()
    e = (b * 0.5).exp()
    s = (a - w).sigmoid()
    h = (a * w - 0.1).relu()
    q = (a ** 2 + 1.0).log()
    L = (t + e * s) / (2.0 + q) + h * b.abs() - (w * w).sqrt()
    L.label = "L"
    return L, [w]


def set_leaf(page, name, value):
    field = f".agl-leaf[aria-label='{name}']"
    page.fill(field, value)
    page.press(field, "Enter")  # done: the keys step again


def shown_rows(page):
    """Each node's data and grad rows, as the page shows them."""
    return page.eval_on_selector_all(
        ".agl-graph-scalars g.node[data-node]",
        "gs => Object.fromEntries(gs.map(g => { const t = g.querySelector('text.agl-grad'); "
        "return [g.dataset.node, [t.previousElementSibling.textContent, t.textContent]]; }))")


def test_what_if_recomputes_every_number_and_caption(offline_page, tmp_path):
    import random

    built, params = many_ops()
    page = offline_page.open(save_html(built, tmp_path / "ops.html", params=params))
    page.click(".agl-whatif-button")
    rng = random.Random(15)
    for _ in range(3):  # three draws of the leaves, each checked against the engine
        values = {"a": rng.uniform(0.2, 2), "b": rng.uniform(-2, 2), "w": rng.uniform(-1, 1)}
        for name, value in values.items():
            set_leaf(page, name, repr(value))
        root, _ = many_ops(**values)
        order = topological_order(root)
        walk = {f"n{order.index(s.node)}": (s.grad, s.contributions)
                for s in backward_steps(root)}  # which leaves backward()'s .grad in place
        f = format_number
        page.keyboard.press("Home")
        for _ in range(len(order)):
            page.keyboard.press("ArrowRight")
        for _ in range(len(order)):  # every backward step: the node's gradient and its sends
            current = page.get_attribute(".agl-player", "data-current")
            grad, sends = walk[current]
            caption = page.inner_text(".agl-caption")
            for c in sends:
                assert f"({f(grad)})·(" in caption and f") = {f(c.contribution)}" in caption
            if not sends:
                assert f" = {f(grad)} is final" in caption, (current, caption)
            page.keyboard.press("ArrowRight")
        rows = shown_rows(page)  # the last step: every value and final gradient
        assert rows == {f"n{k}": [f"data {f(n.data)}", f"grad {f(n.grad)}"]
                        for k, n in enumerate(order)}
        status = page.inner_text(".agl-whatif-status")
        assert status.startswith(f"L = {f(root.data)} (as built: {f(built.data)})")
    offline_page.assert_clean()


def weights_of(root):
    return [p for p in topological_order(root) if p.op is None and p.label[:1] in ("W", "w")]


def sgd_steps(steps, lr):
    """The weights of small_net after ``steps`` steps of nets.SGD (in the page's order), and
    the loss before and after them."""
    from nets.optim import SGD

    net = FeatureDiscoveryNet(3, 3, "logistic", seed=3)
    params = net.parameters()
    first = net.forward([0.6, -1.1, 1.0], y=1.0).l.data
    for _ in range(steps):
        net.zero_grad()
        net.forward([0.6, -1.1, 1.0], y=1.0).l.backward()
        SGD(params, lr=lr).step()
    root = net.forward([0.6, -1.1, 1.0], y=1.0).l
    return [p.data for p in weights_of(root)], first, root.data


def test_a_gradient_step_in_the_page_is_sgds_and_reset_brings_the_page_back(
        offline_page, tmp_path):
    root = small_net()
    params = weights_of(root)
    page = offline_page.open(save_html(root, tmp_path / "net.html", params=params,
                                       level="scalars"))
    captions = page.inner_text(".agl-caption")
    page.click(".agl-whatif-button")
    page.fill(".agl-lr", "0.5")
    for _ in range(2):
        page.click(".agl-gd-step")
    moved, first, loss = sgd_steps(2, 0.5)
    shown = [float(page.input_value(f".agl-leaf[aria-label='{p.label}']")) for p in params]
    assert shown == moved  # bit for bit: the same float operations
    assert loss < first  # the loss went down, and the page says so
    f = format_number
    assert page.inner_text(".agl-whatif-status").startswith(f"l = {f(loss)} (as built: {f(first)})")
    assert page.is_disabled(".agl-quiz-on")
    page.click(".agl-reset")
    assert [float(page.input_value(f".agl-leaf[aria-label='{p.label}']")) for p in params] == \
        [p.data for p in weights_of(small_net())]
    page.keyboard.press("Home")
    assert page.inner_text(".agl-caption") == captions
    assert page.is_enabled(".agl-quiz-on")
    offline_page.assert_clean()


def test_what_if_names_an_op_outside_its_domain(offline_page, tmp_path):
    x = Value(2.0, label="x")
    L = (x - 1.0).log()
    L.label = "L"
    page = offline_page.open(save_html(L, tmp_path / "log.html"))
    page.click(".agl-whatif-button")
    page.keyboard.press("End")
    before = shown_rows(page)
    set_leaf(page, "x", "0.5")
    status = page.inner_text(".agl-whatif-status")
    assert "log" in status and "x > 0" in status
    assert shown_rows(page) == before  # the last numbers that could be computed
    offline_page.assert_clean()


def test_every_file_the_page_inlines_is_package_data():
    from pathlib import Path

    import tomllib

    import autograd_lite.page as package

    here = Path(package.__file__).parent
    project = tomllib.loads((here.parent.parent / "pyproject.toml").read_text("utf-8"))
    shipped = set(project["tool"]["setuptools"]["package-data"]["autograd_lite.page"])
    inlined = set(re.findall(r"_asset\('([\w.]+)'\)", (here / "__init__.py").read_text("utf-8")))
    assert {"view.js", "labels.js", "live.js", "player.js", "player.css"} <= inlined
    assert inlined <= shipped


def test_the_redraw_benchmark_runs(_browser, tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import page_redraw

    times = page_redraw.measure(_browser, page_redraw.demo_page(tmp_path / "demo.html"),
                                runs=1, edits=3)
    assert {what: len(ms) for what, ms in times.items()} == {"step": 1, "edit": 1}
    assert all(m > 0 for ms in times.values() for m in ms)
