"""The README's screenshot of the step-through page, as a student sees it on a laptop.

    python tools/page_screenshot.py     # rewrite docs/images/player.png

``make demo``'s page (the untrained feature-discovery net's worst example, 16 hidden units,
at the notes' level) in headless Chromium at 1,280 × 800, on the unit r's backward step:
r sends ∂l/∂x̂[j] = w[j]·∂l/∂r to each hidden unit. Needs Playwright and Chromium (the
test extras; ``make chromium``), as the browser tests do.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: this tree's package

from nets import data  # noqa: E402
from nets.cli.train import DEFAULTS  # noqa: E402
from nets.feature_discovery import FeatureDiscoveryNet  # noqa: E402
from nets.page import save_demo_page  # noqa: E402

SCREENSHOT = ROOT / "docs" / "images" / "player.png"
WINDOW = {"width": 1280, "height": 800}


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("page_screenshot: no chromium on PATH (make chromium installs it)")
    X, labels = data.DATASETS[DEFAULTS["data"]](DEFAULTS["points"], seed=DEFAULTS["seed"],
                                                 constant_feature=True)
    net = FeatureDiscoveryNet(X.shape[1], DEFAULTS["hidden"], DEFAULTS["loss"],
                              seed=DEFAULTS["seed"])
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        path = save_demo_page(Path(tmp) / "backprop.html", net, X, labels, DEFAULTS["seed"])
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport=WINDOW)
        page.goto(path.as_uri())
        while not page.inner_text(".agl-caption").startswith("∂l/∂r = "):  # r's step
            page.keyboard.press("ArrowRight")
        page.screenshot(path=str(SCREENSHOT))
        browser.close()
    print(SCREENSHOT.relative_to(ROOT))


if __name__ == "__main__":
    main()
