"""The op methods of ``Value`` are plain Python at a real file and line, written into
value.py from the op table by tools/value_methods.py, and kept current by these tests."""

from __future__ import annotations

import ast
import inspect
import sys
import traceback
from pathlib import Path

import pytest

import autograd_lite
from autograd_lite import OPS, Value
from autograd_lite.ops import Op
from autograd_lite.parse import FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import value_methods  # noqa: E402  (tools/ is not a package)

VALUE_PY = ROOT / "autograd_lite" / "value.py"


def test_value_py_is_what_the_op_table_writes():
    text = VALUE_PY.read_text(encoding="utf-8")
    assert value_methods.generated(text) == text, (
        "autograd_lite/value.py is out of date with ops.py: run python tools/value_methods.py"
    )


def test_a_stale_or_edited_method_is_found_and_rewritten(tmp_path, monkeypatch):
    text = VALUE_PY.read_text(encoding="utf-8")
    stale = text.replace("            y = x0 * x1\n", "            y = x0 + x1\n", 1)
    assert stale != text
    assert value_methods.generated(stale) == text
    path = tmp_path / "value.py"
    path.write_text(stale, encoding="utf-8")
    monkeypatch.setattr(value_methods, "VALUE_PY", path)
    assert value_methods.main(["--check"]) == 1
    assert path.read_text(encoding="utf-8") == stale  # --check writes nothing
    assert value_methods.main([]) == 0
    assert path.read_text(encoding="utf-8") == text


def test_a_new_row_gets_a_method_of_its_name_written_from_its_rules(monkeypatch):
    cube = Op("cube", "³", 1, lambda a: a * a * a, lambda a, y: (3.0 * a * a,), doc="x³")
    monkeypatch.setitem(value_methods.OPS, "cube", cube)
    text = value_methods.generated(VALUE_PY.read_text(encoding="utf-8"))
    method = text[text.index("    def cube(self) -> Value:"):]
    method = method[:method.index("return node")]
    assert '"""x³."""' in method
    assert "y = x0 * x0 * x0" in method
    assert "d0 = 3.0 * x0 * x0" in method
    assert "node.op = _CUBE" in method
    assert '_CUBE = OPS["cube"]' in text


def test_every_method_is_source_at_a_real_line_of_value_py():
    names = [m.name for m in value_methods.methods()]
    assert {"__add__", "__rmul__", "__truediv__", "__neg__", "__rpow__", "__abs__", "tanh",
            "_pow", "_pow_var"} <= set(names)
    for name in names:
        method = getattr(Value, name)
        assert inspect.getsourcefile(method) == str(VALUE_PY), name
        source = inspect.getsource(method)
        assert source.lstrip().startswith(f"def {name}(self"), name
        assert method.__qualname__ == f"Value.{name}"


def test_a_traceback_shows_the_line_of_value_py_that_failed():
    with pytest.raises(ZeroDivisionError) as info:
        Value(1.0) / Value(0.0, label="z")
    frame = traceback.extract_tb(info.tb)[-1]
    assert (frame.filename, frame.name) == (str(VALUE_PY), "__truediv__")
    assert frame.line == "raise type(e)(describe_failure(_DIV, (a, b), e)) from None"
    assert str(info.value) == "div(1.0, z=0.0): float division by zero; div needs b ≠ 0"


def test_no_code_is_made_from_strings_in_the_engine():
    for name in ("value", "ops", "backprop"):
        tree = ast.parse((ROOT / "autograd_lite" / f"{name}.py").read_text(encoding="utf-8"))
        calls = {n.func.id for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not calls & {"exec", "eval", "compile"}, name


def test_each_ops_arity_is_the_number_of_inputs_of_its_rules():
    for op in OPS.values():
        assert op.arity in (1, 2), op
        assert len(inspect.signature(op.value).parameters) == op.arity, op
        assert len(inspect.signature(op.derivatives).parameters) == op.arity + 1, op


@pytest.mark.parametrize("method", value_methods.methods(), ids=lambda m: m.name)
def test_a_node_made_by_each_method_has_every_slot_set(method):
    x = Value(0.5, label="x")
    node = getattr(x, method.name)(Value(1.5)) if method.op.arity == 2 else (
        getattr(x, method.name)())
    assert node.op is OPS[method.op.name]
    for slot in Value.__slots__:
        getattr(node, slot)  # AttributeError if the method left it unset
    assert len(node.parents) == method.op.arity


def test_the_parsers_functions_are_the_ops_of_one_input_called_by_name():
    assert list(FUNCTIONS) == ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus",
                               "abs", "sin", "cos"]
    assert all(FUNCTIONS[name] is getattr(Value, name) for name in FUNCTIONS)
    assert autograd_lite.parse_expression("cos(x)", {"x": 0.0}).data == 1.0


def test_no_module_of_the_package_changes_its_own_class():
    """``autograd_lite.player`` is a function; the page is the package ``autograd_lite.page``,
    and no module makes itself callable by swapping its class."""
    import types

    from autograd_lite import page

    assert isinstance(autograd_lite.player, types.FunctionType)
    assert autograd_lite.player is page.player
    here = Path(autograd_lite.__file__).parent
    for path in here.rglob("*.py"):
        assert "__class__ =" not in path.read_text(encoding="utf-8"), path
    for name, module in list(sys.modules.items()):
        if name.startswith("autograd_lite"):
            assert type(module) is types.ModuleType, name
