"""MkDocs hooks: the site carries its own KaTeX and the notebooks (as HTML pages that read
offline, each in the sidebar), the home page links every notebook, the step-through pages
the home page and the derivation embed are made from the package (``figures.PAGES``), and
the API page gets its generated op table and the reference of every public name."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import figures
from katex import katex_files
from mkdocs.structure.files import File, Files
from notebooks_html import notebooks, title, to_html
from op_table import markdown_table

KATEX_DIR = "assets/katex"
NOTEBOOK_DIR = "notebooks"
NOTEBOOK_LIST = "<!-- the notebooks -->"
OP_TABLE = "<!-- the op table, generated from OPS -->"
OTHERS = "<!-- every public name not documented above -->"
PACKAGES = ("autograd_lite", "nets")


def on_config(config: Any) -> Any:
    """Every notebook in the sidebar, under "Notebooks", by its title."""
    config["nav"].append({"Notebooks": [{title(nb): f"{NOTEBOOK_DIR}/{nb.stem}.html"}
                                        for nb in notebooks()]})
    return config


def on_files(files: Files, config: Any) -> Files:
    """Serve KaTeX from the site itself, under ``assets/katex/``; the notebooks as pages;
    the step-through pages the docs embed."""
    for name, source in katex_files().items():
        files.append(File.generated(config, f"{KATEX_DIR}/{name}", abs_src_path=str(source)))
    for notebook in notebooks():
        html, _ = to_html(notebook, katex_base=f"../{KATEX_DIR}")
        files.append(File.generated(config, f"{NOTEBOOK_DIR}/{notebook.stem}.html", content=html))
    for name in figures.PAGES:
        files.append(File.generated(config, name, content=figures.page(name)))
    return files


def notebook_list() -> str:
    """A Markdown list linking each notebook's page on this site, and its source file."""
    return "\n".join(
        f"- [{title(nb)}]({NOTEBOOK_DIR}/{nb.stem}.html) (`notebooks/{nb.name}`)"
        for nb in notebooks()
    )


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Where a page asks for them: the list of notebooks, the op table (generated from
    ``OPS`` now), and the reference of every public name the page does not document."""
    for marker, make in ((NOTEBOOK_LIST, notebook_list), (OP_TABLE, markdown_table)):
        if marker in markdown:
            markdown = markdown.replace(marker, make())
    if OTHERS in markdown:
        others = [f"::: {path}" for path in undocumented(markdown)]
        section = "\n\n".join(["## Other public names", *others]) if others else ""
        markdown = markdown.replace(OTHERS, section)
    return markdown


def undocumented(markdown: str) -> list[str]:
    """The full path of each name in ``__all__`` of our packages that no ``:::`` names."""
    shown = {
        line.split()[1] for line in markdown.splitlines() if line.startswith("::: ")
    }
    paths = []
    for package in map(importlib.import_module, PACKAGES):
        for name in package.__all__:
            obj = getattr(package, name)
            module = getattr(obj, "__name__", None) if inspect.ismodule(obj) else None
            path = module or f"{getattr(obj, '__module__', package.__name__)}.{name}"
            if not any(s == path or s.endswith("." + name) for s in shown):
                paths.append(path)
    return paths
