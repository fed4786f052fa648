"""The page's live what-if on the demo's graph: how long one recompute takes in Chromium.

The graph is the one ``make demo``'s page steps through: the feature-discovery net with 16
hidden units on one example, logistic loss (197 nodes). Its page data (``script``) is
loaded with ``ops.js`` and ``whatif.js`` into headless Chromium (network blocked), and
each run, on a fresh page, edits one leaf at a time and recomputes every value and
gradient (``model.run``): the first edit after loading (cold, before the JIT warms up), and
the mean over batches of ``--batch`` edits (warm; the browser's clock is too coarse for one
warm edit); then the same with every value and gradient formatted as the page shows them;
then the same with the page's data rewritten from them (``aglLive.recompute``, live.js: every
caption, edge label, and the inspector's terms and paths). The issue's target is 50 ms per
edit; nothing here asserts it. The page's redrawing of the numbers is
``page_redraw.py``'s.

Run: ``python benchmarks/whatif_recompute.py`` (``--runs``, ``--batch``, ``--batches``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from importlib.resources import files
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import CHROMIUM_ARGS, LOCAL_SCHEMES, chromium_path  # noqa: E402

from autograd_lite import topological_order  # noqa: E402
from autograd_lite.page.script import script  # noqa: E402
from nets.feature_discovery import FeatureDiscoveryNet  # noqa: E402

_EDITS = """([data, batch, batches, what]) => {
  const model = aglWhatIf.create(data);
  const leaves = model.leaves.filter((leaf) => leaf.kind !== "constant");
  const values = Float64Array.from(model.values0);
  let k = 0;
  const edit = () => {  // one leaf a little changed, as a slider moves
    const leaf = leaves[k++ % leaves.length];
    values[leaf.index] += 0.01;
    if (what === "page") {  // the run, and every number of the page's data written again
      const live = aglLive.recompute(data, model, values);
      if (!live.ok) throw new Error(live.message);
      return;
    }
    const r = model.run(values);
    if (!r.ok) throw new Error(r.message);
    if (what === "format") {  // every value and gradient as the page shows them
      for (let i = 0; i < r.values.length; i++) {
        aglWhatIf.formatNumber(r.values[i]);
        aglWhatIf.formatNumber(r.grads[i]);
      }
    }
  };
  const t0 = performance.now();
  edit();
  const cold = performance.now() - t0;
  const warm = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) edit();
    warm.push((performance.now() - start) / batch);
  }
  return {cold, warm};
}"""


def demo_data() -> tuple[dict, int]:
    net = FeatureDiscoveryNet(3, 16, "logistic", seed=0)
    trace = net.forward([0.4, -0.9, 1.0], y=1.0)
    return script(trace.l, params=net.parameters()), len(topological_order(trace.l))


WHAT = ("run", "format", "page")


def measure(browser, data: dict, runs: int, batch: int, batches: int, what: str = "run"
            ) -> tuple[list[float], list[float]]:
    """Per run (a fresh page in ``browser``, a Playwright Browser): the cold edit's time and
    the median warm edit's, in ms. ``what`` each edit does: "run", recompute every value and
    gradient; "format", also format each of them (``formatNumber``, as ``format_number``
    does); "page", rewrite the page's data with them (``aglLive.recompute``)."""
    if what not in WHAT:
        raise ValueError(f"what must be one of {WHAT}, got {what!r}")
    scripts = "\n".join(files("autograd_lite.page").joinpath(name).read_text("utf-8")
                        for name in ("ops.js", "whatif.js", "live.js"))
    cold, warm = [], []
    for _ in range(runs):
        context = browser.new_context()
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
            LOCAL_SCHEMES) else r.abort())
        page = context.new_page()
        page.set_content("<!doctype html><title>what-if benchmark</title>")
        page.add_script_tag(content=scripts)
        result = page.evaluate(_EDITS, [data, batch, batches, what])
        cold.append(result["cold"])
        warm.append(statistics.median(result["warm"]))
        context.close()
    return cold, warm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh pages, one after another")
    parser.add_argument("--batch", type=int, default=200, help="edits timed together")
    parser.add_argument("--batches", type=int, default=20, help="warm batches per run")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    data, n_nodes = demo_data()
    load = os.getloadavg()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS)
        cold, warm = measure(browser, data, args.runs, args.batch, args.batches)
        cold_f, warm_f = measure(browser, data, args.runs, args.batch, args.batches, "format")
        cold_p, warm_p = measure(browser, data, args.runs, args.batch, args.batches, "page")
        version = browser.version
        browser.close()

    def summary(times: list[float]) -> str:
        return (f"median {statistics.median(times):.3f} ms, range {min(times):.3f}–"
                f"{max(times):.3f} ms over {len(times)} runs")

    print(f"live what-if recompute (every value and gradient), {n_nodes}-node demo graph, "
          f"Chromium {version} headless")
    print(f"  first edit after loading (cold): {summary(cold)}")
    print(f"  warm edit (median of {args.batches} batches of {args.batch}): {summary(warm)}")
    print(f"and formatting every value and gradient ({2 * n_nodes} numbers, '.4g') after it:")
    print(f"  first edit after loading (cold): {summary(cold_f)}")
    print(f"  warm edit (median of {args.batches} batches of {args.batch}): {summary(warm_f)}")
    print("and writing the page's data again (aglLive.recompute: every caption, edge label, "
          "and the inspector's terms and paths), run included:")
    print(f"  first edit after loading (cold): {summary(cold_p)}")
    print(f"  warm edit (median of {args.batches} batches of {args.batch}): {summary(warm_p)}")
    print(f"  target: ≤ 50 ms per edit; load average before the runs: "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
