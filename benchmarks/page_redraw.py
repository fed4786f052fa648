"""The step-through page's redrawing on the demo's graph, as a student meets it in Chromium.

The graph is the one ``make demo`` steps through at the scalars' level: the feature-discovery
net with 16 hidden units on one example, logistic loss (197 nodes), its page written by
``save_html`` and opened in headless Chromium (network blocked) at 1,280 × 800. Two things
are timed inside the page, each as the median of ``--edits`` repetitions per run, over
``--runs`` runs on one page: a backward step (Next: every box, tag, edge label, caption and
the view redrawn) and a what-if edit (one weight's field changed: the recompute by
``whatif.js``, the page's numbers and sentences rewritten, and the step redrawn), each
followed by a layout. The arithmetic alone is ``whatif_recompute.py``'s. The issue's target
is 50 ms per edit; nothing here asserts it.

Run: ``python benchmarks/page_redraw.py`` (``--runs``, ``--edits``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import CHROMIUM_ARGS, LOCAL_SCHEMES, chromium_path  # noqa: E402

from autograd_lite import save_html  # noqa: E402
from nets import data  # noqa: E402
from nets.feature_discovery import FeatureDiscoveryNet  # noqa: E402

_TIMED = """([what, repeats]) => {
  const next = document.querySelector('.agl-next');
  const field = document.querySelector('.agl-leaf[aria-label="W[0,0]"]');
  const times = [];
  for (let i = 0; i < repeats; i++) {
    if (what === 'step' && next.disabled) document.querySelector('.agl-home').click();
    const start = performance.now();
    if (what === 'step') next.click();
    else {
      field.value = String(0.1 + 0.01 * i);
      field.dispatchEvent(new Event('change'));
    }
    document.body.getBoundingClientRect();  // the layout the change needs
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(repeats / 2)];
}"""


def demo_page(path: Path) -> Path:
    """The demo net's page at the scalars' level (197 nodes)."""
    X, labels = data.DATASETS["moons"](200, seed=0, constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], 16, "logistic", seed=0)
    root = net.forward(X[0], y=float(labels[0])).l
    return save_html(root, path, params=net.parameters(), level="scalars")


def measure(browser, page_file: Path, runs: int, edits: int) -> dict[str, list[float]]:
    """Per run, the median milliseconds of a backward step and of a what-if edit."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES)
               else r.abort())
    page.goto(page_file.resolve().as_uri())
    page.keyboard.press("End")
    times: dict[str, list[float]] = {"step": [], "edit": []}
    for _ in range(runs):
        for what in times:  # interleaved, so that both see the same load
            times[what].append(page.evaluate(_TIMED, [what, edits]))
    page.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--edits", type=int, default=21)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS)
        times = measure(browser, demo_page(Path(tmp) / "demo.html"), args.runs, args.edits)
        browser.close()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for what, ms in times.items():
        print(f"{what}: median {statistics.median(ms):.1f} ms, range {min(ms):.1f}–"
              f"{max(ms):.1f} ms over {len(ms)} runs (each the median of {args.edits})")


if __name__ == "__main__":
    main()
