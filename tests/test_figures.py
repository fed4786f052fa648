"""The documentation's figure of the network is the package's drawing, kept current: the
committed docs/images/network.svg was laid out from the DOT text ``draw`` makes today, and
it shows the numbers the derivation works out by hand (its section 4)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import figures  # noqa: E402  (tools/ is not a package)

SVG = (ROOT / "docs" / "images" / "network.svg").read_text(encoding="utf-8")


def test_the_committed_figure_is_drawn_from_todays_dot_text():
    assert figures.marked_hash(SVG) == figures.dot_hash(figures.network().source), (
        "docs/images/network.svg is out of date: run python tools/figures.py")


def test_the_figure_shows_the_derivations_numbers():
    """Section 4 by hand: r̃ = (5, 0), x̂ = (5, 0), r = 10, l = 9, ∂l/∂r = 6,
    ∂l/∂w = (30, 0), ∂l/∂W[i,0] = (12, 24), ∂l/∂W[i,1] = (0, 0); unit 1 off."""
    texts = [t.replace("&#45;", "-") for t in re.findall(r">([^<>]+)</text>", SVG)]
    boxes = {texts[k]: texts[k + 1:k + 3] for k, t in enumerate(texts)
             if k + 2 < len(texts) and texts[k + 1].startswith("data ")}
    assert boxes["W[0,0]"] == ["data 1", "grad 12"]
    assert boxes["W[1,0]"] == ["data 2", "grad 24"]
    assert boxes["W[0,1]"] == ["data −1", "grad 0"] and boxes["W[1,1]"] == ["data 0.5", "grad 0"]
    assert boxes["w[0]"] == ["data 2", "grad 30"] and boxes["w[1]"] == ["data 3", "grad 0"]
    assert boxes["r̃[0]"] == ["data 5", "grad 12"] and boxes["r̃[1]"] == ["data 0", "grad 0"]
    assert boxes["r"] == ["data 10", "grad 6"] and boxes["l"] == ["data 9", "grad 1"]
    assert "off: r̃[1] = 0 ≤ 0" in texts


def test_the_embedded_pages_are_the_packages_step_through_pages():
    for name in figures.PAGES:
        html = figures.page(name)
        assert html.startswith("<!doctype html>") and 'class="agl-player"' in html
