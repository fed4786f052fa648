"""A griffe extension for the API reference: each doctest of a docstring becomes a code block.

Docstrings here show examples as bare ``>>>`` lines, as doctest reads them. Markdown would
read each ``>`` as a quote, so every doctest (its ``>>>`` and ``...`` lines and the output
that follows, up to a blank line) is wrapped in a ``pycon`` fence before rendering.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with every doctest block wrapped in a fenced ``pycon`` code block."""
    out: list[str] = []
    in_block = in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")) and not in_block:
            in_fence = not in_fence  # a doctest already in a code block stays as it is
        starts = line.lstrip().startswith(">>>")
        if starts and not in_block and not in_fence:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            in_block = True
        elif in_block and not line.strip():
            out.append(f"{indent}```")
            in_block = False
        out.append(line)
    if in_block:
        out.append(f"{indent}```")
    return "\n".join(out)


class FencedDoctests(griffe.Extension):
    """Fences the doctests of every docstring griffe loads."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
