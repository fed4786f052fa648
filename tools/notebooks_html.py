"""Export notebooks to HTML pages that read offline: ``make notebooks-html``.

    python tools/notebooks_html.py OUT_DIR [NOTEBOOK.ipynb ...]

writes ``OUT_DIR/<name>.html`` for each notebook (default: every notebook in ``notebooks/``)
with the ``nbconvert_offline`` template, and a copy of KaTeX in ``OUT_DIR/katex/``, so the
pages' math renders with no network. Copy the folder as a whole.
"""

from __future__ import annotations

import sys
from pathlib import Path

from katex import KatexMissing, copy_katex
from nbconvert import HTMLExporter
from nbconvert.writers import FilesWriter

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent / "notebooks"


def export(out_dir: Path, notebooks: list[Path]) -> list[Path]:
    """Write each notebook as ``out_dir/<stem>.html`` beside a ``katex/`` folder."""
    copy_katex(out_dir / "katex")
    exporter = HTMLExporter(template_name="nbconvert_offline", extra_template_basedirs=[str(HERE)])
    writer = FilesWriter(build_directory=str(out_dir))
    written = []
    for notebook in notebooks:
        body, resources = exporter.from_filename(str(notebook))
        written.append(Path(writer.write(body, resources, notebook_name=notebook.stem)))
    return written


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    notebooks = [Path(a) for a in argv[1:]] or sorted(NOTEBOOKS.glob("*.ipynb"))
    missing = [str(n) for n in notebooks if not n.is_file()]
    if missing:
        print(f"no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        for page in export(Path(argv[0]), notebooks):
            print(page)
    except KatexMissing as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
