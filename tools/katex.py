"""KaTeX for pages read offline: the files a page needs, from the npm package the set-up
installs (``make katex``: ``npm install`` of the version pinned in ``package.json``).

The docs site serves them under ``assets/katex/``; notebooks exported to HTML get a copy in
a ``katex/`` folder beside them. Nothing is ever fetched at reading time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "node_modules" / "katex" / "dist"
# Renders every \(..\), \[..\], $..$ and $$..$$ of a page with KaTeX; ours, not npm's.
RENDER_SCRIPT = Path(__file__).resolve().parent / "math.js"
STYLESHEET = "katex.min.css"
SCRIPTS = ("katex.min.js", "contrib/auto-render.min.js")  # what a page loads, in order


class KatexMissing(RuntimeError):
    """KaTeX's npm package is not installed."""


def katex_files() -> dict[str, Path]:
    """Every file a page needs (KaTeX's and ``math.js``), by its path under the folder it is
    served from."""
    if not (DIST / "katex.min.js").is_file():
        raise KatexMissing(
            f"KaTeX is not installed ({DIST} is missing): run `make katex` (npm install)"
        )
    files = {name: DIST / name for name in (STYLESHEET, *SCRIPTS)}
    files[RENDER_SCRIPT.name] = RENDER_SCRIPT
    for font in sorted((DIST / "fonts").iterdir()):  # the stylesheet's url(fonts/...)
        files[f"fonts/{font.name}"] = font
    return files


def copy_katex(folder: Path) -> None:
    """Put every file of ``katex_files()`` under ``folder``, replacing what was there."""
    files = katex_files()
    shutil.rmtree(folder, ignore_errors=True)
    for name, source in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
