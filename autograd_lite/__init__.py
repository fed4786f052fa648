"""autograd-lite: a tiny, fast, correct scalar reverse-mode autodiff engine.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0
"""

from importlib import import_module
from typing import Any

from .backprop import backward, grad, topological_order
from .collector import collector_paused
from .define import define_op
from .gradcheck import GradcheckResult, gradcheck
from .ops import OPS, Op
from .parse import parse_expression
from .program import Program, trace
from .steps import Step, backward_steps
from .value import Value

# Drawing needs graphviz, the page drawing and saving both: imported on first use, not with
# the engine; so is the grader of a student's engine. Writing files and running programs
# are the package's own business: autograd_lite.files (write_atomic, run_program,
# ProgramError), not the engine's names.
_LAZY = {
    "draw": "drawing",
    "save": "saving",
    "save_svg": "saving",
    "DotNotFound": "drawing",
    "explain": "explainer",
    "separators": "explainer",
    "Explanation": "explainer",
    "player": "page",
    "save_html": "page",
    "check_engine": "engine_check",
    "EngineReport": "engine_check",
}

__all__ = [
    "Value",
    "backward",
    "grad",
    "topological_order",
    "collector_paused",
    "define_op",
    "gradcheck",
    "GradcheckResult",
    "Op",
    "OPS",
    "draw",
    "save",
    "save_svg",
    "DotNotFound",
    "backward_steps",
    "Step",
    "explain",
    "separators",
    "Explanation",
    "parse_expression",
    "trace",
    "Program",
    "player",
    "save_html",
    "check_engine",
    "EngineReport",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
