"""The documentation's figures and step-through pages, each made by the package itself.

    python tools/figures.py     # rewrite docs/images/network.svg

- ``network()``: the derivation's worked example ("A check by hand"), D = H = 2, drawn with
  ``draw`` after ``backward()``: the figure of the network, with the numbers the text
  derives. Committed as ``docs/images/network.svg``; its second line is a comment with the
  SHA-256 of the DOT text it was laid out from, and ``tests/test_figures.py`` checks that
  it is the DOT text ``draw`` makes now (run this script when it is not).
- ``page(name)``: the two step-through pages the site embeds, the derivation's (a net of
  3 units, ``three_units()``) and the home page's (the lecture's L), made by the docs'
  build (``mkdocs_hooks``).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: this tree's package

from autograd_lite import Value, draw, player  # noqa: E402
from autograd_lite.drawing import render  # noqa: E402
from autograd_lite.files import write_atomic  # noqa: E402
from nets import FeatureDiscoveryNet  # noqa: E402
from nets.exercises import lecture_expression  # noqa: E402

NETWORK_SVG = ROOT / "docs" / "images" / "network.svg"
PAGES = {"steps/three_units.html": "three_units", "steps/lecture_L.html": "lecture_L"}
_MARK = "<!-- drawn from DOT text with sha256 {} -->"


def network():
    """The derivation's check by hand: W = [[1, −1], [2, 0.5]], w = (2, 3), x = (1, 2),
    squared loss with y = 7; the graph of l after ``backward()``."""
    net = FeatureDiscoveryNet.from_weights([[1.0, -1.0], [2.0, 0.5]], [2.0, 3.0])
    t = net.forward([1.0, 2.0], y=7.0)
    t.l.backward()
    return draw(t.l, params=net.parameters(),
                caption="the derivation's check by hand: x = (1, 2), y = 7")


def three_units() -> tuple[Value, list[Value]]:
    """A net with 2 inputs and 3 hidden units on one example (one unit off), and its
    parameters: the graph of the derivation's step-through page."""
    net = FeatureDiscoveryNet.from_weights([[0.5, -1.0, 0.8], [1.5, 0.4, 0.6]],
                                           [0.8, -1.2, 0.5])
    t = net.forward([1.0, 2.0], y=1.0)
    return t.l, net.parameters()


def page(name: str) -> str:
    """The step-through page ``name`` (a key of ``PAGES``) as one HTML document."""
    if PAGES[name] == "three_units":
        root, params = three_units()
        return player(root, params=params, level="units",
                      title="Backpropagation in a net of 3 units").html
    L, _ = lecture_expression()
    return player(L, title="The lecture's L = (a·b + c)·f").html


def dot_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def network_svg() -> str:
    """``network()`` laid out by ``dot``, marked with the hash of its DOT text."""
    graph = network()
    svg = render(graph, "svg").decode("utf-8")
    prolog, rest = svg.split("\n", 1)  # the XML declaration comes first
    return f"{prolog}\n{_MARK.format(dot_hash(graph.source))}\n{rest}"


def marked_hash(svg: str) -> str | None:
    """The DOT text's hash a committed SVG says it was drawn from."""
    second = svg.split("\n", 2)[1]
    head, _, tail = _MARK.partition("{}")
    if second.startswith(head) and second.endswith(tail):
        return second[len(head):-len(tail)]
    return None


def main() -> int:
    write_atomic(NETWORK_SVG, network_svg().encode("utf-8"))
    print(NETWORK_SVG.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
