"""Export notebooks to HTML pages that read offline: ``make notebooks-html``.

    python tools/notebooks_html.py OUT_DIR [NOTEBOOK.ipynb ...]

writes ``OUT_DIR/<name>.html`` for each notebook (default: every notebook in ``notebooks/``)
with the ``nbconvert_offline`` template, and a copy of KaTeX in ``OUT_DIR/katex/``, so the
pages' math renders with no network. Copy the folder as a whole.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from katex import KatexMissing, copy_katex
from nbconvert import HTMLExporter
from nbconvert.writers import FilesWriter

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent / "notebooks"


def notebooks() -> list[Path]:
    """Every notebook of the repository, in order."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def title(notebook: Path) -> str:
    """The notebook's first heading (its title), or its file name."""
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def to_html(notebook: Path, katex_base: str = "katex") -> tuple[str, dict[str, Any]]:
    """The notebook as one HTML page that loads KaTeX from ``katex_base`` (a relative URL)."""
    exporter = HTMLExporter(template_name="nbconvert_offline", extra_template_basedirs=[str(HERE)])
    return exporter.from_filename(str(notebook), resources={"katex_base": katex_base})


def export(out_dir: Path, notebooks: list[Path]) -> list[Path]:
    """Write each notebook as ``out_dir/<stem>.html`` beside a ``katex/`` folder."""
    copy_katex(out_dir / "katex")
    writer = FilesWriter(build_directory=str(out_dir))
    return [
        Path(writer.write(*to_html(notebook), notebook_name=notebook.stem))
        for notebook in notebooks
    ]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    chosen = [Path(a) for a in argv[1:]] or notebooks()
    missing = [str(n) for n in chosen if not n.is_file()]
    if missing:
        print(f"no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        for page in export(Path(argv[0]), chosen):
            print(page)
    except KatexMissing as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
