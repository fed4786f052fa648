"""Save a graph in the format a file's extension names: a picture (``drawing``) or the
step-through page (``player``).

This module sits above both: a drawing never imports the page, and the page draws with
``drawing`` like any other reader.

>>> output_format("graph.svg"), output_format("walk.html")
('svg', 'html')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from .drawing import DOT_TIMEOUT, draw, render
from .files import write_atomic
from .page import save_html
from .value import Value

__all__ = ["save", "save_svg", "output_format", "FORMATS"]

# The file formats a graph is written in, by extension (.gv/.dot: DOT text, no program).
# .html: the step-through page (``autograd_lite.page.save_html``), not a picture.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".gv": "dot", ".dot": "dot",
           ".html": "html"}


def save(
    root: Value | graphviz.Digraph,
    path: str | os.PathLike[str],
    *,
    timeout: float = DOT_TIMEOUT,
    **options: Any,
) -> Path:
    """Write the graph to ``path`` in the format its extension names; return the path.

    .svg, .png and .pdf need graphviz's ``dot`` (else ``DotNotFound``); .gv and .dot get
    the DOT text; .html gets the step-through page (``save_html(root, path, **options)``,
    with the page's options). Any other extension is a ValueError, raised before any work.
    ``root`` is a ``Value`` (drawn with ``draw(root, **options)``) or a graph already drawn,
    such as ``explain(L, v).draw()``. The file is replaced whole or not at all: if ``dot``
    is missing, fails or runs past ``timeout`` seconds (``ProgramError``), it is not touched.
    """
    path = Path(path)
    format = output_format(path)
    if format == "html":
        if not isinstance(root, Value):
            raise TypeError(f"save: {os.fspath(path)} is the step-through page, made from a "
                            f"Value, not from a {type(root).__name__}")
        return save_html(root, path, timeout=timeout, **options)
    if isinstance(root, graphviz.Digraph):
        if options:
            raise TypeError(f"save: options {sorted(options)} apply to a Value, not a graph")
        graph = root
    else:
        graph = draw(root, **options)
    data = graph.source.encode("utf-8") if format == "dot" else render(graph, format,
                                                                          timeout=timeout)
    return write_atomic(path, data)


def save_svg(
    root: Value | graphviz.Digraph,
    path: str | os.PathLike[str],
    *,
    timeout: float = DOT_TIMEOUT,
    **options: Any,
) -> Path:
    """``save`` for a path ending in .svg (kept for code written before ``save``)."""
    if Path(path).suffix.lower() != ".svg":
        raise ValueError(f"save_svg writes SVG, and {os.fspath(path)!r} does not end in .svg; "
                         "save(root, path) writes the format the extension names")
    return save(root, path, timeout=timeout, **options)


def output_format(path: str | os.PathLike[str]) -> str:
    """The format ``save`` writes to ``path``, from its extension; ValueError if unknown."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise ValueError(
            f"{os.fspath(path)}: cannot tell the format from the extension {suffix or '(none)'!r}"
            f"; use one of {known} (.html: the step-through page)"
        )
    return FORMATS[suffix]
