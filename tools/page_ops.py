"""Write ``autograd_lite/page/ops.js``, the step-through page's arithmetic, from ``ops.OPS``.

    python tools/page_ops.py          # rewrite the file
    python tools/page_ops.py --check  # exit 1, saying so, if the file is out of date

The page recomputes a graph when a student edits an input (the live what-if): for that it
needs each op's value and local derivatives in JavaScript. They are not written a second
time: each op's rules in ``ops.py`` are run on numbers written as source (``ops.Code``), as
``Value``'s methods are written out, which gives a Python expression made of + − · / **,
unary minus, float literals and calls of ``ops.py``'s generic functions; ``javascript``
prints that expression as JavaScript, and refuses anything else. A rule may ask a question
of its inputs (pow's derivative: ``... if k != 0.0 else 0.0``): it is then run on
``Input``s, which answer each question both ways, and the answers are joined with ``?:``.

The generic functions (``exp``, ``sigmoid``, ``relu``, ...: ``ops.GENERICS``) are the
primitives: each has its JavaScript in ``GENERIC_JS`` below, with the stable forms ``ops.py``
uses, and a test checks each against its float version in ``ops.GENERICS`` on sample points.
Where ``ops.py`` raises (log of a negative, an overflow), the JavaScript gives NaN or ±∞,
which the page reports as the op's domain error.

An op whose rules cannot be written out (one calling a function without JavaScript here,
or asking something of a number that source cannot answer) is left out of the file, and
the file's header names it with the reason; the page names it too when it is built.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograd_lite import ops  # noqa: E402
from autograd_lite.files import write_atomic  # noqa: E402

OUTPUT = ROOT / "autograd_lite" / "player" / "ops.js"

# Each generic function of ops.py in JavaScript, as ops.py computes it on a float.
GENERIC_JS: dict[str, str] = {
    "exp": "Math.exp",
    "log": "Math.log",
    "sqrt": "Math.sqrt",
    "tanh": "Math.tanh",
    "sin": "Math.sin",
    "cos": "Math.cos",
    "abs": "Math.abs",
    "power": "Math.pow",
    # 1 / (1 + e^-x), arranged so that exp never sees a large positive argument
    "sigmoid": "(x) => { if (x >= 0) return 1 / (1 + Math.exp(-x)); "
               "const e = Math.exp(x); return e / (1 + e); }",
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): finite for every finite x
    "softplus": "(x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))",
    "relu": "(x) => (x > 0 ? x : 0)",
    "step": "(x) => (x > 0 ? 1 : 0)",
    "sign": "(x) => (x > 0) - (x < 0)",
    # a**b with the exponent a Value: defined for a > 0, and at a = 0 for b ≥ 0
    "power_var": "(a, b) => (a < 0 || (a === 0 && b < 0) ? NaN : Math.pow(a, b))",
    "log_or_0": "(x) => (x > 0 ? Math.log(x) : 0)",
}


class NotWritten(Exception):
    """An op rule this module cannot write as JavaScript (the message says why)."""


class Condition(ops.Code):
    """A comparison of numbers written as source: its truth is not known when the code is
    written, so asking it (``if``) takes the answer ``written_out`` is trying."""

    def __bool__(self) -> bool:
        answers, asked = _questions[-1]
        asked.append(self.text)
        return answers[len(asked) - 1] if len(asked) <= len(answers) else True


class Input(ops.Code):
    """An op's input written as source that also answers what a rule may ask of a ``Value``:
    its number (``.data``: itself), a generic function as a method (``x.exp()``), and
    comparisons (a ``Condition``)."""

    __array_ufunc__ = None  # numpy must not treat it as an object to compute with
    __hash__ = None  # type: ignore[assignment]  # == writes code, so no hashing

    @property
    def data(self) -> Input:
        return self

    def __getattr__(self, name: str) -> Callable[[], ops.Code]:
        if name not in ops.GENERICS:
            raise AttributeError(name)
        return lambda: ops.Code.call(name, self)

    def __lt__(self, other: Any) -> Condition:
        return _compare(self, "<", other)

    def __le__(self, other: Any) -> Condition:
        return _compare(self, "<=", other)

    def __gt__(self, other: Any) -> Condition:
        return _compare(self, ">", other)

    def __ge__(self, other: Any) -> Condition:
        return _compare(self, ">=", other)

    def __eq__(self, other: Any) -> Condition:  # type: ignore[override]
        return _compare(self, "==", other)

    def __ne__(self, other: Any) -> Condition:  # type: ignore[override]
        return _compare(self, "!=", other)


def _compare(a: Any, operator: str, b: Any) -> Condition:
    return Condition(f"({ops.source(a)} {operator} {ops.source(b)})")


# The questions asked while a rule runs: (the answers to give, the questions asked so far).
_questions: list[tuple[tuple[bool, ...], list[str]]] = []


def written_out(rule: Callable[..., Any], names: list[str]) -> list[str]:
    """The rule's result(s) as Python source, its arguments being the numbers ``names``.

    Run first on ``Code``, as ``Value`` writes out its methods; if the rule needs more of
    its inputs than ``Code`` offers, on ``Input``s, once for each answer to each question
    the rule asks, joined as ``(yes if question else no)``.
    """
    try:
        return _parts(rule(*map(ops.Code, names)))
    except (AttributeError, TypeError):
        pass
    try:
        return _answered(rule, names, ())
    except (AttributeError, TypeError, ValueError, ArithmeticError) as e:
        raise NotWritten(f"its rule cannot run on numbers written as source ({e})") from None


def _answered(rule: Callable[..., Any], names: list[str], answers: tuple[bool, ...]) -> list[str]:
    asked: list[str] = []
    _questions.append((answers, asked))
    try:
        parts = _parts(rule(*map(Input, names)))
    finally:
        _questions.pop()
    if len(asked) <= len(answers):
        return parts
    question = asked[len(answers)]
    yes = _answered(rule, names, (*answers, True))
    no = _answered(rule, names, (*answers, False))
    return [y if y == n else f"({y} if {question} else {n})" for y, n in zip(yes, no)]


def _parts(result: Any) -> list[str]:
    return [ops.source(r) for r in (result if isinstance(result, tuple) else (result,))]


# --- Python source (of the kinds above) as JavaScript ---------------------------------------

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "===",
            ast.NotEq: "!=="}


def javascript(source: str, names: list[str]) -> str:
    """The Python expression ``source`` as JavaScript: every operation in parentheses, a
    generic function ``f`` as ``G.f``. ``NotWritten`` for anything else."""
    return _js(ast.parse(source, mode="eval").body, names)


def _js(node: ast.expr, names: list[str]) -> str:
    if isinstance(node, ast.Constant) and type(node.value) is float:
        return repr(node.value)  # a finite float's repr is a JavaScript number
    if isinstance(node, ast.Name) and node.id in names:
        return node.id
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return f"(-{_js(node.operand, names)})"
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _js(node.left, names), _js(node.right, names)
        return f"({left} {_BINARY[type(node.op)]} {right})"
    if (isinstance(node, ast.Compare) and len(node.ops) == 1
            and type(node.ops[0]) in _COMPARE):
        left, right = _js(node.left, names), _js(node.comparators[0], names)
        return f"({left} {_COMPARE[type(node.ops[0])]} {right})"
    if isinstance(node, ast.IfExp):
        test, yes, no = (_js(n, names) for n in (node.test, node.body, node.orelse))
        return f"({test} ? {yes} : {no})"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords
            and node.func.id in ops.GENERICS):
        if node.func.id not in GENERIC_JS:
            raise NotWritten(f"it calls {node.func.id}(), which has no JavaScript in "
                             "tools/page_ops.py's GENERIC_JS")
        return f"G.{node.func.id}({', '.join(_js(a, names) for a in node.args)})"
    raise NotWritten(f"its rule gives {ast.unparse(node)!r}, which is not arithmetic")


# --- the file ------------------------------------------------------------------------------


def op_js(op: ops.Op) -> str:
    """One op's entry of ``AGL_OPS``; ``NotWritten`` if its rules cannot be written out."""
    xs = ["x0", "x1"][: op.arity]
    (value,) = written_out(op.value, xs)
    derivatives = written_out(op.derivatives, [*xs, "y"])
    if len(derivatives) != len(xs):
        raise NotWritten(f"it has {len(xs)} inputs but {len(derivatives)} derivatives")
    args = ", ".join(xs)
    locals_js = ", ".join(javascript(d, [*xs, "y"]) for d in derivatives)
    return (f"    {op.name}: {{\n"
            f"      arity: {len(xs)},\n"
            f"      domain: {json.dumps(op.domain, ensure_ascii=False)},\n"
            f"      value: ({args}) => {javascript(value, xs)},\n"
            f"      derivatives: ({args}, y) => [{locals_js}],\n"
            f"    }},\n")


def ops_js(table: dict[str, ops.Op] | None = None) -> tuple[str, dict[str, str]]:
    """The text of ops.js for the op table (``ops.OPS`` by default), and each op left out
    (name → why)."""
    table = ops.OPS if table is None else table
    entries, left_out = [], {}
    for name, op in table.items():
        try:
            entries.append(op_js(op))
        except NotWritten as e:
            left_out[name] = str(e)
    missing = "".join(f"//   {name}: {why}\n" for name, why in left_out.items())
    generics = "".join(f"    {name}: {js},\n" for name, js in GENERIC_JS.items())
    text = (
        "// GENERATED by tools/page_ops.py from the op table (autograd_lite/ops.py): do not edit.\n"
        "// Regenerate: `python tools/page_ops.py`; a test fails when this file is out of date.\n"
        "//\n"
        "// Each op of ops.OPS as the step-through page computes it: value(x0[, x1]) and\n"
        "// derivatives(x0[, x1], y) = [∂y/∂x0(, ∂y/∂x1)], y being the value. They are the op's\n"
        "// rules in ops.py run on numbers written as source. G: ops.py's generic functions.\n"
        "// A result that is not a finite number is where ops.py raises (outside the domain).\n"
        + (f"// Left out (the page cannot recompute these ops):\n{missing}" if left_out else
           "// Every op of the table is here.\n")
        + "const AGL_OPS = (function () {\n"
        "  const G = {\n" + generics + "  };\n"
        "  return {\n" + "".join(entries) + "  };\n"
        "})();\n"
    )
    return text, left_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the file is current")
    args = parser.parse_args(argv)
    text, left_out = ops_js()
    for name, why in left_out.items():
        print(f"page_ops: op {name!r} left out of ops.js: {why}", file=sys.stderr)
    current = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == text
    if args.check:
        if not current:
            print(f"page_ops: {OUTPUT.relative_to(ROOT)} is out of date: run python "
                  "tools/page_ops.py", file=sys.stderr)
        return 0 if current else 1
    if not current:
        write_atomic(OUTPUT, text)
        print(f"page_ops: wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
