"""``check_engine`` grades a student's own engine: a correct one passes (micrograd 0.1.0's,
and the one in tests/student_engine.py), and each planted bug is found and named. The
expected numbers below were worked out by hand (each beside its case)."""

from __future__ import annotations

from pathlib import Path

import pytest
from student_engine import BUGS, engine

from autograd_lite import EngineReport, check_engine
from nets.cli import main

S = "student_engine.Value: "
ORDER = (" Walk the topological order backwards, root first (for node in reversed(topo)), so "
         "each node is handled after every node that uses it.")

# bug: the report's first line after "wrong: ", or the note of a report that passes
FOUND = {
    # the root never seeded: every gradient 0
    "no-seed": "after backward() on a + b at a = 2, b = −3, the root's grad is 0.0; it should "
               "be 1 (∂root/∂root). backward() must seed it: self.grad = 1.0 before the walk. "
               "Without it every gradient is 0.",
    # x + x: 1 from each use, 2 in all
    "overwrite-add": "x + x at x = 1.5: backward() gives x.grad = 1; it should be 2. Only one "
                     "use counted: +'s backward sets the input's grad (=) where it must add to "
                     "it (+=), so the second use overwrites the first.",
    # a * a: ∂(a·a)/∂a = 2a = 3, each use giving a = 1.5
    "overwrite-mul": "a * a at a = 1.5: backward() gives a.grad = 1.5; it should be 3. Only one "
                     "use counted: *'s backward sets the input's grad (=) where it must add to "
                     "it (+=), so the second use overwrites the first.",
    # 1 − 0.5² = 0.75 against 1 − tanh²(0.5) = 0.786448
    "tanh-of-input": "a.tanh() at a = 0.5: backward() gives a.grad = 0.75; it should be "
                     "0.786448. The local derivative of tanh is wrong: ∂(tanh a)/∂a = 1 − t², "
                     "t = tanh a being the output.",
    # ∂(a·b)/∂a = b = −3; the bug gives a = 2
    "mul-swapped": "a * b at a = 2, b = −3: backward() gives a.grad = 2; it should be −3. The "
                   "local derivative of * is wrong: ∂(a·b)/∂a = b and ∂(a·b)/∂b = a.",
    # e^0.5 = 1.64872; the bug gives 0.5
    "exp-derivative": "a.exp() at a = 0.5: backward() gives a.grad = 0.5; it should be 1.64872. "
                      "The local derivative of exp is wrong: ∂eᵃ/∂a = eᵃ, the output itself.",
    # 3·0.5² = 0.75; the bug gives 3·0.5³ = 0.375
    "pow-derivative": "a ** 3 at a = 0.5: backward() gives a.grad = 0.375; it should be 0.75. "
                      "The local derivative of ** is wrong: ∂(a³)/∂a = 3·a².",
    "no-rmul": "2 * a raises TypeError: the class has __mul__ but no __rmul__ (Python calls "
               "__rmul__ when the number is on the left). Define it: def __rmul__(self, other): "
               "return self * other.",
    "no-wrap": "a + 2 at a = 0.5 raised AttributeError: 'int' object has no attribute 'data'. "
               "The number 2 is not turned into a Value: start the op with other = other if "
               "isinstance(other, Value) else Value(other).",
    # root = (6x)²·3x = 108x³, so ∂/∂x = 324x² = 81 at x = 0.5; breadth first, w passes on
    # before y's share arrives: only ∂root/∂w directly, y² = 9, times ∂w/∂x = 3: 27
    "breadth-first": "w = x * 3; y = w * 2; (y * y) * w at x = 0.5: backward() gives x.grad = "
                     "27; it should be 81. A node was handled before all its uses had sent it "
                     "their gradient: the order of the walk is not topological. Sort the nodes "
                     "so each comes after every node it feeds (a depth-first sort, appending a "
                     "node after its inputs), and walk that list backwards.",
    # z = ab = −6, p = z + a = −4, q = zb = 18: ∂(pq)/∂a = q·(b + 1) + p·b² = −36 − 36 = −72.
    # z listed twice, before and after q's share (12) came: a gets 18 + (−3)·18 + (−3)·30
    "no-visited": "z = a * b; (z + a) * (z * b) at a = 2, b = −3: backward() gives a.grad = "
                  "−126; it should be −72. Too much: a node's gradient was sent on twice. The "
                  "topological sort must list each node once (keep a visited set), and each "
                  "node is handled once.",
    # a − b built as a + (−1·b): leaves first, −b passes on its grad while it is still 0
    "not-reversed": "a - b at a = 2, b = −3: backward() gives b.grad = 0; it should be −1. A "
                    "gradient of 0 where it should not be: a node passed its gradient on before "
                    "it had received any, so backward() walks the nodes in the wrong order."
                    + ORDER,
}
RECURSION_NOTE = (
    "backward() on a chain of 5,000 products y = y * 1.0 stopped at Python's recursion limit "
    "(1,000 frames): the topological sort recurses once per node. The numbers are right where "
    "it finishes; build the order with a loop and a stack of your own to walk deep graphs.")


def test_every_planted_bug_has_its_expected_finding():
    assert set(FOUND) | {"recursive-sort"} == set(BUGS)


def test_a_correct_engine_passes_every_graph():
    report = check_engine(engine())
    assert report and report.fault is None and report.notes == ()
    for graph in ("a + b", "a * b", "a ** 3", "-a", "a - b", "a / b", "a.exp()", "a.tanh()",
                  "a.relu()", "2 * a", "2 - a", "a * a", "x + x", "(x + x) * x",
                  "a chain of 5,000 products y = y * 1.0"):
        assert graph in report.checked
    assert "a.log()" not in report.checked  # the engine has no log: nothing to check
    assert str(report).startswith("right: student_engine.Value agrees with autograd-lite on "
                                  "every value and gradient of 24 graphs: a + b, a * b,")


@pytest.mark.parametrize("bug", sorted(FOUND))
def test_each_planted_bug_is_found_and_named(bug):
    report = check_engine(engine(bug))
    assert not report
    assert report.fault == FOUND[bug].removeprefix(S)
    assert str(report).splitlines()[0] == f"wrong: {S}{FOUND[bug]}"


def test_a_recursive_sort_passes_with_a_note_on_deep_graphs():
    report = check_engine(engine("recursive-sort"))
    assert report  # every number it computed is right ...
    assert report.notes == (RECURSION_NOTE,)  # ... but it cannot walk a deep chain
    assert "a chain of 5,000 products y = y * 1.0" not in report.checked
    assert str(report).splitlines()[1] == f"note: {RECURSION_NOTE}"


def test_micrograd_passes_with_the_recursion_note():
    engine_module = pytest.importorskip("micrograd.engine")
    report = check_engine(engine_module.Value)
    assert report, str(report)
    assert report.notes == (RECURSION_NOTE,)
    assert {"a + b", "a * b", "a ** 3", "a.relu()", "2 * a", "2 / a", "a * a", "x + x",
            "(x + x) * x"} <= set(report.checked)


def test_methods_it_cannot_check_are_named_and_bad_arguments_refused():
    class WithGelu(engine()):
        def gelu(self):
            return self

    report = check_engine(WithGelu)
    assert report and report.notes == ("not checked: gelu (the battery has no graph for it)",)
    with pytest.raises(TypeError, match="check_engine: give it the class"):
        check_engine(engine()(2.0))
    assert isinstance(report, EngineReport)


def test_a_leaf_that_cannot_be_made_is_named():
    class NoArgs:
        def __init__(self):
            pass

    report = check_engine(NoArgs)
    assert report.fault == ("a leaf, NoArgs(2.0), could not be made and read (data, grad, "
                            "_prev, _op): TypeError: test_a_leaf_that_cannot_be_made_is_named."
                            "<locals>.NoArgs.__init__() takes 1 positional argument but 2 "
                            "were given")


# --- the command: autograd-lite check-engine MODULE:CLASS -----------------------------------

TESTS = Path(__file__).resolve().parent


def _cli(argv, capsys):
    try:
        status = main(argv)
    except SystemExit as e:  # argparse's own exits
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


def _module(tmp_path, body: str) -> str:
    path = tmp_path / "student.py"
    path.write_text(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n{body}\n")
    return str(path)


def test_the_command_grades_a_file_and_exits_0_when_right(capsys):
    status, out, err = _cli(["check-engine", f"{TESTS / 'student_engine.py'}:Value"], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("right: student_engine.Value agrees with autograd-lite on every value")


def test_the_command_names_the_fault_and_exits_1(tmp_path, capsys):
    target = _module(tmp_path, "from student_engine import engine\nValue = engine('no-rmul')")
    status, out, err = _cli(["check-engine", f"{target}:Value"], capsys)
    assert (status, err) == (1, "")
    assert out == f"wrong: {S}{FOUND['no-rmul']}\n"


@pytest.mark.parametrize(
    ("body", "target", "reason"),
    [
        ("raise RuntimeError('my module is broken')", "{path}:Value",
         "importing {path} raised RuntimeError: my module is broken"),
        ("Value = 3", "{path}:Value", "{path} has no class Value"),
        ("", "{path}", "'{path}': give MODULE:CLASS, such as engine.py:Value or "
                       "mygrad.engine:Value"),
        ("", "{path}.py:Value", "{path}.py: no such file"),
    ],
    ids=["raises-on-import", "no-such-class", "no-class-named", "no-such-file"],
)
def test_a_target_that_cannot_be_loaded_is_one_line_exit_2(tmp_path, capsys, body, target,
                                                            reason):
    path = _module(tmp_path, body)
    status, out, err = _cli(["check-engine", target.format(path=path)], capsys)
    assert (status, out) == (2, "")
    assert err == f"autograd-lite check-engine: error: {reason.format(path=path)}\n"


def test_a_module_that_never_finishes_is_stopped(tmp_path, capsys):
    path = _module(tmp_path, "while True:\n    pass")
    status, out, err = _cli(["check-engine", f"{path}:Value", "--timeout", "1"], capsys)
    assert (status, out) == (1, "")
    assert err.startswith("autograd-lite check-engine: error: python")
    assert "did not finish within 1 s and was stopped; an engine whose backward() never ends" in err


def test_an_op_the_class_does_not_define_is_not_asked_for():
    """No __sub__: neither a - b nor a - 2 nor 2 - a is checked, and that is no fault; with
    __sub__ but no __rsub__, 2 - a is a fault."""
    cls = engine()
    del cls.__sub__, cls.__rsub__
    report = check_engine(cls)
    assert report, str(report)
    assert not {"a - b", "a - 2", "2 - a"} & set(report.checked)
    cls = engine()
    del cls.__rsub__
    assert check_engine(cls).fault.startswith("2 - a raises TypeError: the class has __sub__ "
                                              "but no __rsub__")
