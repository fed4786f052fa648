"""The documentation, as a reader sees it: the site builds strictly; its pages and the
notebooks exported to HTML load nothing from the network and show every formula typeset
(by the local KaTeX copy), never as raw TeX; the API page lists every public name, every
``Value`` method and operator, and every op of ``OPS`` in a table generated from the code."""

from __future__ import annotations

import inspect
import itertools
import math
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_lite
import nets
from autograd_lite import OPS, Value, ops

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

# The docs extra (mkdocs, mkdocstrings and its griffe): without it, these tests skip.
pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings")
pytest.importorskip("griffe")

import griffe_doctests  # noqa: E402  (tools/ is not a package)
import op_table  # noqa: E402

RAW_TEX = ("\\(", "\\)", "\\[", "\\]", "$$")
# Every formula typeset: each math element holds KaTeX's output (and none holds an error).
ALL_MATH_TYPESET = """() => [...document.querySelectorAll('.arithmatex')]
    .every(e => e.querySelector('.katex') || e.querySelector('.katex-error'))"""
# The text a reader sees outside code blocks (code may show TeX on purpose, as code).
KATEX_FONT_LOADED = """async () => {
    await document.fonts.ready;
    return [...document.fonts].some(f => f.family === 'KaTeX_Main' && f.status === 'loaded');
}"""
PROSE_TEXT = """() => {
    const body = document.body.cloneNode(true);
    body.querySelectorAll('pre, code, script, style').forEach(e => e.remove());
    return body.innerText;
}"""


def _value_methods() -> list[str]:
    """Every method, operator and property a ``Value`` user calls (``__init__`` is the class)."""
    return [
        name for name, member in vars(Value).items()
        if (callable(member) or isinstance(member, property))
        and (not name.startswith("_") or (name.startswith("__") and name != "__init__"))
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out


def test_the_site_builds_strictly_with_katex_and_no_cdn(site):
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("FeatureDiscoveryNet", "backward_steps", "gradcheck", "batch_gradients"):
        assert name in api
    assert (site / "assets" / "katex" / "katex.min.js").is_file()
    assert (site / "assets" / "katex" / "fonts" / "KaTeX_Main-Regular.woff2").is_file()
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for host in ("cdn.jsdelivr.net", "fonts.googleapis.com", "unpkg.com", "cdnjs"):
            assert host not in html, f"{page.relative_to(site)} names {host}"


def _open_typeset(offline_page, path: Path):
    page = offline_page.open(path)
    page.wait_for_function(ALL_MATH_TYPESET)
    return page


def _assert_reads_offline(offline_page, page, min_formulas: int, raw_tex=RAW_TEX) -> None:
    offline_page.assert_clean()
    assert page.locator(".katex").count() >= min_formulas
    errors = page.locator(".katex-error")
    assert errors.count() == 0, f"KaTeX could not typeset: {errors.first.inner_text()}"
    text = page.evaluate(PROSE_TEXT)
    shown = [raw for raw in raw_tex if raw in text]
    assert not shown, f"raw TeX {shown} in the text: {text[text.find(shown[0]) - 80:][:200]!r}"
    if page.locator(".katex").count():  # KaTeX's own font, loaded from the local copy
        assert page.evaluate(KATEX_FONT_LOADED), "KaTeX's font did not load"


@pytest.mark.parametrize(
    ("page_path", "min_formulas"),
    [("index.html", 0), ("derivation/index.html", 50), ("api/index.html", 17),
     ("design/index.html", 0), ("performance/index.html", 0)],
)
def test_page_loads_nothing_from_the_network_and_typesets_its_math(
    offline_page, site, page_path, min_formulas
):
    page = _open_typeset(offline_page, site / page_path)
    _assert_reads_offline(offline_page, page, min_formulas)


def test_the_derivation_typesets_the_table_of_contents_too(offline_page, site):
    page = _open_typeset(offline_page, site / "derivation" / "index.html")
    toc = page.locator("nav.md-nav--secondary").first
    assert toc.locator(".katex").count() >= 1
    assert "\\(" not in toc.inner_text()


def test_the_api_page_lists_every_public_name_and_value_method_with_its_doc(offline_page, site):
    page = _open_typeset(offline_page, site / "api" / "index.html")
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    for package in (autograd_lite, nets):
        for name in package.__all__:  # documented where it is defined, e.g. nets.mlp.MLP
            assert any(
                i.startswith(package.__name__ + ".") and i.endswith("." + name) for i in ids
            ), f"{package.__name__}.{name} is not on the API page"
    for name in _value_methods():
        heading = f'[id="autograd_lite.value.Value.{name}"]'
        assert page.locator(heading).count() == 1, f"Value.{name} is not on the API page"
        doc = page.locator(f"{heading} + div.doc-contents").inner_text().strip()
        assert doc, f"Value.{name} has no doc on the API page"


def test_the_api_page_shows_doctests_as_code_blocks_not_quotes(offline_page, site):
    page = _open_typeset(offline_page, site / "api" / "index.html")
    assert page.locator("blockquote").count() == 0
    blocks = page.locator("pre").all_inner_texts()
    # nets.manual's module doctest: input lines and output together, in one block.
    assert any(
        ">>> dW, dw = gradients(W, w, x, y=7.0)" in b and "([[12.0, 0.0], [24.0, 0.0]]" in b
        for b in blocks
    )


def test_the_api_page_op_table_has_a_row_for_every_op_in_order(offline_page, site):
    page = _open_typeset(offline_page, site / "api" / "index.html")
    table = page.locator("table:has(th:text-is('domain'))")
    assert table.count() == 1
    first_cells = table.locator("tbody tr td:first-child").all_inner_texts()
    assert [c.strip() for c in first_cells] == list(OPS)
    symbols = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert [s.strip() for s in symbols] == [op.symbol for op in OPS.values()]
    assert table.locator(".katex").count() >= 2 * len(OPS)  # a value and a derivative each


# --- the op table's generator, without a browser ------------------------------------------


def test_every_op_gets_one_derivative_per_input_and_its_own_domain():
    rows = op_table.rows()
    assert [r.name for r in rows] == list(OPS)
    for row, op in zip(rows, OPS.values()):
        n_inputs = len(inspect.signature(op.derivatives).parameters) - 1
        assert row.derivatives.count("\\partial y") == n_inputs, row
        assert row.domain == op.domain


def test_every_row_of_the_op_table_is_written_as_math():
    as_code = [(r.name, cell) for r in op_table.rows() for cell in (r.value, r.derivatives)
               if "`" in cell]
    assert as_code == [], (
        "these cells of the op table show code, not math: add the functions they call to "
        f"FUNCTIONS in tools/op_table.py: {as_code}"
    )


def test_the_tables_formula_for_each_helper_of_ops_is_the_helper():
    """Each formula the table prints for a function of ops.py agrees with that function."""
    points = [-2.5, -0.7, 0.0, 0.4, 1.3, 3.0]
    for name, formula in op_table.FUNCTIONS.items():
        function = _resolve(name)
        arity = _arity(formula)
        checked = 0
        for args in itertools.product(points, repeat=arity):
            try:
                got = function(*args)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue  # outside the function's domain
            if any(isinstance(v, complex) for v in (got if isinstance(got, tuple) else (got,))):
                continue  # a negative base to a fractional power: the forward pass refuses it
            want = formula.reference(*args)
            assert _close(got, want), f"{name}{args}: the code gives {got}, the table {want}"
            checked += 1
        assert checked >= 3, name


def _arity(formula: op_table.Formula) -> int:
    try:
        return len(inspect.signature(formula.reference).parameters)
    except ValueError:  # a builtin such as math.log: count the formula's arguments
        return 1 + max(int(f) for _, f, _, _ in string.Formatter().parse(formula.latex) if f)


def _resolve(name: str):
    """The float implementation of a generic function of ops.py, by the name Code writes."""
    return ops.GENERICS[name]


def _close(a, b) -> bool:
    if isinstance(a, tuple):
        return len(a) == len(b) and all(map(_close, a, b))
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def test_a_function_the_table_does_not_know_is_shown_as_code_not_guessed(monkeypatch):
    monkeypatch.setattr(ops, "GENERICS", dict(ops.GENERICS))  # _generic registers it there
    mystery = ops._generic("mystery", math.cos, np.cos)  # a generic function with no formula
    op = ops.Op("cube", "³", 1, lambda a: a**3, lambda a, y: (3.0 * mystery(a),))
    row = op_table._row(op)
    assert row.value == "$x^{3}$"
    assert row.derivatives == "$\\partial y / \\partial x$ = `((3.0) * mystery(x))`"
    math_only = ops.Op("cube", "³", 1, lambda a: math.pow(a, 3), lambda a, y: (3 * a * a,))
    row = op_table._row(math_only)  # math.pow does not run on Code: the rules' names
    assert row.value.startswith("`") and "lambda" in row.value


def test_doctests_are_fenced_and_prose_and_fenced_examples_are_left_alone():
    text = "Intro.\n\n>>> x = 1\n>>> x\n1\n\nAfter.\n\n```pycon\n>>> y\n```\n"
    assert griffe_doctests.fence_doctests(text) == (
        "Intro.\n\n```pycon\n>>> x = 1\n>>> x\n1\n```\n\nAfter.\n\n```pycon\n>>> y\n```"
    )


# --- notebooks exported to HTML ------------------------------------------------------------

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def notebook_pages(tmp_path_factory) -> Path:
    pytest.importorskip("nbconvert")
    out = tmp_path_factory.mktemp("notebooks-html")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "notebooks_html.py"), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_a_notebook_exported_to_html_reads_offline_with_its_math_typeset(
    offline_page, notebook_pages, notebook
):
    page = offline_page.open(notebook_pages / f"{notebook.stem}.html")
    page.wait_for_function("() => window.katex !== undefined")
    page.wait_for_load_state("load")
    has_math = "$" in "".join(
        "".join(c["source"]) for c in _cells(notebook) if c["cell_type"] == "markdown"
    )
    _assert_reads_offline(offline_page, page, 1 if has_math else 0, (*RAW_TEX, "$"))


def _cells(notebook: Path) -> list[dict]:
    import json

    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def test_the_export_says_what_is_missing_in_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "notebooks_html.py"), str(tmp_path), "nope.ipynb"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "no such notebook: nope.ipynb"


def test_the_quick_start_prints_what_the_home_page_says(tmp_path):
    home = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    code = home.split("```python\n")[1].split("```")[0]
    shown = home.split("prints\n\n```\n")[1].split("```")[0]
    script = tmp_path / "quick_start.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
    lines = [line for line in code.splitlines() if line]
    assert (sum(line.startswith("from ") for line in lines), len(lines)) == (2, 11)  # as it says


def test_the_home_page_links_every_notebook_and_each_reads_offline(offline_page, site):
    page = offline_page.open(site / "index.html")
    links = page.locator("article a[href^='notebooks/']")  # the page's list, not the sidebar
    hrefs = [links.nth(k).get_attribute("href") for k in range(links.count())]
    assert hrefs == [f"notebooks/{nb.stem}.html" for nb in NOTEBOOKS]
    for href in hrefs:
        shown = _open_typeset(offline_page, site / href)
        shown.wait_for_function("() => window.katex !== undefined")
        _assert_reads_offline(offline_page, shown, 1, (*RAW_TEX, "$"))


def test_the_docs_are_self_contained_and_count_from_zero():
    for page in (ROOT / "docs").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        for outside in ("shared/", "seeds", "READING"):
            assert outside not in text, f"{page.name} points outside the repository: {outside}"
    derivation = (ROOT / "docs" / "derivation.md").read_text(encoding="utf-8")
    assert "i = 0, \\dots, D-1" in derivation and "x_0 = 1" not in derivation


def test_design_names_only_files_that_exist():
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    tree = {p.name for folder in ("autograd_lite", "nets", "tests", "benchmarks", "tools")
            for p in (ROOT / folder).rglob("*.py")}
    named = set(re.findall(r"\b[a-z_]+\.py\b", text))
    assert named and named <= tree, f"design.md names files that do not exist: {named - tree}"


def test_the_design_diagram_shows_every_module_of_both_packages():
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    diagram = text[text.index("```"):text.index("```", text.index("```") + 3)]
    shown = set(re.findall(r"\b[a-z_]+\.py\b", diagram))
    modules = {p.name for folder in ("autograd_lite", "nets")
               for p in (ROOT / folder).rglob("*.py") if p.name != "__init__.py"}
    assert modules <= shown, f"the diagram leaves out {sorted(modules - shown)}"


@pytest.mark.parametrize("width", [1280, 800])
@pytest.mark.parametrize("page_path", ["index.html", "derivation/index.html", "design/index.html"])
def test_code_and_diagrams_fit_the_page(offline_page, site, page_path, width):
    offline_page.page.set_viewport_size({"width": width, "height": 900})
    page = offline_page.open(site / page_path)
    overflowing = page.evaluate(
        "() => [...document.querySelectorAll('pre > code')]"
        ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.slice(0, 60))"
    )
    assert overflowing == []


# --- what the site shows beyond its text: the sidebar, the figure, the step-through pages ------


def test_every_notebook_is_in_the_sidebar_by_its_title(offline_page, site):
    from notebooks_html import title

    for page_path, up in (("index.html", ""), ("derivation/index.html", "../")):
        page = offline_page.open(site / page_path)
        sidebar = page.locator("nav.md-nav--primary")
        for notebook in NOTEBOOKS:
            link = sidebar.locator(f"a[href='{up}notebooks/{notebook.stem}.html']")
            assert link.count() == 1, f"{notebook.name} is not in the sidebar of {page_path}"
            assert link.inner_text().strip() == title(notebook)


def test_the_derivation_shows_the_networks_figure(offline_page, site):
    page = offline_page.open(site / "derivation" / "index.html")
    figure = page.locator("img[src='../images/network.svg']")
    assert figure.count() == 1
    figure.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('img[src$=\"network.svg\"]').complete")
    natural, shown = figure.evaluate("e => [e.naturalWidth, e.clientWidth]")
    assert natural > 1000 and shown > 600  # drawn, and scaled to the column
    offline_page.assert_clean()


def _player_in(page, frame_title: str):
    """The step-through page embedded in ``page``, once its script has run."""
    frame = page.frame_locator(f'iframe[title="{frame_title}"]')
    frame.locator(".agl-position").filter(has_text="1 of").wait_for()
    return frame


def _svg_texts(frame) -> list[str]:
    return frame.locator(".agl-graph svg").first.evaluate(
        "s => [...s.querySelectorAll('text')].map(t => t.textContent)")


def test_the_derivation_embeds_a_step_through_page_of_a_3_unit_net(offline_page, site):
    """At the notes' level, one step per unit. The net: x = (1, 2), W[·,0] = (0.5, 1.5),
    W[·,1] = (−1, 0.4), W[·,2] = (0.8, 0.6), w = (0.8, −1.2, 0.5), y = 1: r̃ = (3.5, −0.2,
    2), r = 0.8·3.5 + 0.5·2 = 3.8, ∂l/∂r = −2·(1 − 3.8) = 5.6, ∂l/∂x̂[0] = 0.8·5.6 = 4.48,
    ∂l/∂W[1,0] = 4.48·x[1] = 8.96."""
    page = offline_page.open(site / "derivation" / "index.html")
    frame = _player_in(page, "Step-through page: backpropagation in a net of 3 units")
    assert frame.locator(".agl-title").inner_text() == "Backpropagation in a net of 3 units"
    assert frame.locator(".agl-level").evaluate("e => e.value") == "units"
    assert frame.locator(".agl-position").inner_text() == "Forward pass: 1 of 10"
    captions = []
    for _ in range(14):
        frame.locator(".agl-next").click()
        captions.append(frame.locator(".agl-caption").inner_text())
    assert captions[5] == "Forward: r = w[0]·x̂[0] + w[1]·x̂[1] + w[2]·x̂[2] = 3.8"
    assert frame.locator(".agl-position").inner_text() == "Backward pass: step 5 of 10"
    assert "∂l/∂x̂[0] = w[0]·∂l/∂r = (0.8)·(5.6) = 4.48" in captions[12]
    # the unit's first term as the notes write it, the next with its numbers
    assert "∂l/∂W[0,0] = ∂l/∂r̃[0]·x[0] = (4.48)·(1) = 4.48" in captions[13]
    assert "∂l/∂W[1,0] = (4.48)·(2) = 8.96" in captions[13]
    offline_page.assert_clean()


def test_the_home_page_steps_through_the_lectures_L_to_its_numbers(offline_page, site):
    page = offline_page.open(site / "index.html")
    frame = _player_in(page, "Step-through page: the lecture's L = (a·b + c)·f")
    frame.locator(".agl-end").click()
    assert frame.locator(".agl-position").inner_text() == "Backward pass: step 7 of 7"
    texts = _svg_texts(frame)
    # the lecture's picture of L after backward: a 2/6, b −3/−4, c 10/−2, e −6/−2, d 4/−2,
    # f −2/4, L −8/1 (data/grad)
    shown = {texts[k]: texts[k + 1:k + 3] for k, t in enumerate(texts) if t in "abcdefL"}
    assert shown == {
        "a": ["data 2", "grad 6"], "b": ["data −3", "grad −4"], "c": ["data 10", "grad −2"],
        "e": ["data −6", "grad −2"], "d": ["data 4", "grad −2"], "f": ["data −2", "grad 4"],
        "L": ["data −8", "grad 1"],
    }
    offline_page.assert_clean()


def test_the_players_legend_keeps_its_columns_in_an_exported_notebook(offline_page,
                                                                      notebook_pages):
    """JupyterLab's CSS floats a dt at 20% of its cell: each symbol of the legend would wrap
    ("grad" over "−0.25"). Each stays on one line, left of its text."""
    page = offline_page.open(notebook_pages / "01_values_and_the_chain_rule.html")
    player = page.locator(".agl-player").first
    if player.locator(".agl-legend-button").count():  # a legend shown from the toolbar
        player.locator(".agl-legend-button").click()
    legend = player.locator(".agl-legend")
    legend.scroll_into_view_if_needed()
    assert legend.is_visible()
    # each symbol's width against the same content laid out on one line, unconstrained
    rows = legend.evaluate("""l => [...l.querySelectorAll('dt')].map(dt => {
        const alone = document.createElement('span');
        alone.style.cssText = 'display: inline-block; white-space: nowrap';
        alone.innerHTML = dt.innerHTML;
        dt.parentElement.appendChild(alone);
        const one_line = alone.getBoundingClientRect().width;
        alone.remove();
        const dd = dt.nextElementSibling.getBoundingClientRect(), box = dt.getBoundingClientRect();
        return {text: dt.innerText, width: box.width, one_line,
                left_of_text: box.right <= dd.left, same_row: Math.abs(box.top - dd.top) < 4};
    })""")
    assert len(rows) >= 6
    for row in rows:
        assert row["width"] >= row["one_line"] - 1, row  # room for it: not wrapped
        assert row["left_of_text"] and row["same_row"], row
