"""The safe expression parser, and the `autograd-lite graph` command."""

from __future__ import annotations

import argparse
import math
import xml.etree.ElementTree as ET

import pytest

from autograd_lite import parse_expression, topological_order
from nets.cli import graph as graph_command
from nets.feature_discovery import FeatureDiscoveryNet

# --- parse_expression ----------------------------------------------------------------------------


def leaf(root, name):
    return next(n for n in topological_order(root) if n.label == name and n.op is None)


def test_an_expression_and_its_gradient():
    y = parse_expression("x * x + 3 * x", {"x": 2.0})
    y.backward()
    assert y.data == 10.0 and leaf(y, "x").grad == 7.0  # d/dx (x² + 3x) = 2x + 3


def test_a_name_used_twice_is_one_leaf():
    y = parse_expression("x * x", {"x": 3.0})
    assert y.parents[0] is y.parents[1]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-x + +y", 1.0),
        ("x / y - 2 ** y", 0.5 - 4.0),
        ("x ** 2 ** y", 1.0),  # ** groups right: 1 ** 4
        ("exp(log(y)) + sqrt(4) + abs(-x)", 5.0),
        ("tanh(0) + sigmoid(0) + relu(-x) + softplus(0) + sin(0) + cos(0)", 1.5 + math.log(2)),
        ("2.5e1 * 2", 50.0),
    ],
)
def test_the_allowed_forms(text, value):
    assert parse_expression(text, {"x": 1.0, "y": 2.0}).data == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('true')", "only one-argument calls of exp, log"),
        ("open('f')", "only one-argument calls"),
        ("exp(x, x)", "only one-argument calls"),
        ("exp(x=1)", "only one-argument calls"),
        ("x.data", "'x.data' is not allowed"),
        ("x[0]", r"'x\[0\]' is not allowed"),
        ("lambda: 1", "is not allowed"),
        ("True", "'True' is not allowed"),
        ("'text'", "is not allowed"),
        ("1j", "is not allowed"),
        ("x if x else x", "is not allowed"),
        ("x @ x", "is not allowed"),
        ("x +", "cannot parse"),
        ("z * 2", r"no value for 'z' \(values given: x\)"),
        ("x" + " + x" * 300, "the expression has 1201 characters, more than 1000"),
        ("-" * 999 + "x", "the expression is nested too deeply"),
    ],
)
def test_everything_else_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_expression(text, {"x": 1.0})


def test_engine_errors_come_through():
    with pytest.raises(ZeroDivisionError, match="div"):
        parse_expression("1 / x", {"x": 0.0})
    with pytest.raises(OverflowError):
        parse_expression("10.0 ** 400", {})


# --- the command ---------------------------------------------------------------------------------


def graph(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="autograd-lite")
    graph_command.register(parser.add_subparsers(required=True))
    args = parser.parse_args(["graph", *argv])
    return args.func(args)


def test_an_expression_to_dot_text(tmp_path, capsys):
    out = tmp_path / "e.gv"
    assert graph("x * x + 3 * x", "--values", "x=2", "-o", str(out)) == 0
    source = out.read_text(encoding="utf-8")
    assert "<b>x</b></td></tr><tr><td>data 2</td></tr>" in source
    assert "grad 7<" in source and "data 10<" in source  # after backward
    assert capsys.readouterr().out == f"wrote {out}\n"


def test_an_existing_output_is_kept_unless_forced(tmp_path, capsys):
    out = tmp_path / "mine.gv"
    out.write_text("the user's own file", encoding="utf-8")
    assert graph("x * x", "--values", "x=2", "-o", str(out)) == 2
    assert "exists; use --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "the user's own file"
    assert graph("x * x", "--values", "x=2", "-o", str(out), "--force") == 0
    assert "digraph" in out.read_text(encoding="utf-8")


def test_explain_an_expression(tmp_path, capsys):
    assert graph("x * y", "--values", "x=2, y=-1", "--explain", "y", "-o",
                 str(tmp_path / "e.dot")) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "∂L/∂y = 2"
    assert "  y → L: (2) = 2" in out


@pytest.mark.needs_dot
def test_the_feature_discovery_net_with_explain(tmp_path, capsys):
    out = tmp_path / "fdn.svg"
    assert graph("--hidden", "2", "--explain", "W[0,1]", "-o", str(out)) == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "∂l/∂W[0,1] = ∂l/∂r · ∂r/∂x̂[1] · ∂x̂[1]/∂r̃[1] · ∂r̃[1]/∂W[0,1] = ("
    )
    svg = ET.fromstring(out.read_text(encoding="utf-8"))
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert "n0" in titles


def test_the_net_uses_the_weights_file(tmp_path):
    path = tmp_path / "w.json"
    FeatureDiscoveryNet.from_weights([[0.25, 1], [2, 3], [4, 5]], [6.5, 7], "logistic").save(path)
    out = tmp_path / "g.gv"
    assert graph("--weights", str(path), "-o", str(out)) == 0
    source = out.read_text(encoding="utf-8")
    assert "<b>W[0,0]</b></td></tr><tr><td>data 0.25<" in source
    assert "<b>w[0]</b></td></tr><tr><td>data 6.5<" in source
    assert "#dcfce7" in source  # the parameters are drawn as parameters


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["z + 1"], "no value for 'z'"),
        (["x", "--values", "x=1", "--explain", "q"], "no node is labelled 'q'; the labels are: x"),
        (["--explain", "W[9,9]"], "no node is labelled 'W[9,9]'; the labels are: W[0,0]"),
        (["--example", "5000"], "--example must be in 0..199, got 5000"),
        (["x + 1", "--values", "x=1", "--max-nodes", "2"], "3 value nodes, more than max_nodes=2"),
        (["x", "--values", "x=1", "-o", "/nonexistent/dir/g.gv"], "No such file or directory"),
    ],
)
def test_bad_arguments_are_reported_with_status_2(argv, message, capsys, tmp_path):
    if "-o" not in argv:
        argv = [*argv, "-o", str(tmp_path / "g.gv")]
    assert graph(*argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("autograd-lite graph: error: ") and message in err


def test_a_failed_computation_is_reported_with_status_1(capsys, tmp_path):
    assert graph("1 / x", "--values", "x=0", "-o", str(tmp_path / "g.gv")) == 1
    assert "div(1.0, x=0.0)" in capsys.readouterr().err


def test_bad_values_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        graph("x", "--values", "x=one")
    assert e.value.code == 2
    assert "'one' is not a number" in capsys.readouterr().err


def test_without_dot_svg_fails_clearly_but_dot_text_works(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert graph("x", "--values", "x=1", "-o", str(tmp_path / "g.svg")) == 1
    err = capsys.readouterr().err
    assert "sudo apt-get install graphviz" in err and "brew install graphviz" in err
    assert not (tmp_path / "g.svg").exists()
    assert graph("x", "--values", "x=1", "-o", str(tmp_path / "g.gv")) == 0


# --- output formats and the drawing options ------------------------------------------------------


@pytest.mark.needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-"),
                                               (".svg", b"<?xml")])
def test_the_output_format_follows_the_extension(tmp_path, suffix, magic):
    out = tmp_path / f"g{suffix}"
    assert graph("x * x", "--values", "x=2", "-o", str(out)) == 0
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["g.jpg", "graph", "g.htm"])
def test_an_unknown_extension_is_refused_before_any_work(tmp_path, capsys, name):
    out = tmp_path / name
    assert graph("1 / x", "--values", "x=0", "-o", str(out)) == 2  # not the division's error
    err = capsys.readouterr().err
    assert "cannot tell the format from the extension" in err and "div" not in err
    assert err.count("\n") == 1 and not out.exists()


@pytest.mark.needs_dot
def test_the_demo_net_collapsed_fits_a_slide(tmp_path):
    from autograd_lite.drawing import svg_width_px

    out = tmp_path / "net.svg"
    assert graph("--hidden", "16", "--collapse", "neurons", "--max-width", "1600",
                 "-o", str(out)) == 0
    assert svg_width_px(out.read_text(encoding="utf-8")) <= 1600
    wide = tmp_path / "wide.svg"
    assert graph("--hidden", "16", "--max-width", "1600", "-o", str(wide)) == 2
    assert not wide.exists()


def test_paths_to_and_edge_labels(tmp_path):
    out = tmp_path / "p.gv"
    assert graph("x * y + x", "--values", "x=2,y=3", "--paths-to", "y", "--edge-labels",
                 "-o", str(out)) == 0
    source = out.read_text(encoding="utf-8")
    assert "on a path from y to the root" in source and "label=2" in source  # ∂(x·y)/∂y = x
    assert graph("x", "--values", "x=1", "--paths-to", "q", "-o", str(tmp_path / "q.gv")) == 2


def test_the_headline_example_has_a_live_path_and_a_dead_one_says_why(tmp_path, capsys):
    # README and the module's docstring: autograd-lite graph --example 5 --explain 'W[0,1]'
    assert graph("--example", "5", "--explain", "W[0,1]", "-o", str(tmp_path / "a.gv")) == 0
    first, second = capsys.readouterr().out.splitlines()[:2]
    assert not first.endswith("= 0") and "is off" not in second
    assert graph("--example", "0", "--explain", "W[0,1]", "-o", str(tmp_path / "b.gv")) == 0
    first, second = capsys.readouterr().out.splitlines()[:2]
    assert first.endswith("·(0)·(0.9444) = 0")
    assert second == "x̂[1] is off: r̃[1] = −1.106 ≤ 0, so every path through it carries 0."
    assert second in (tmp_path / "b.gv").read_text(encoding="utf-8")  # the picture's caption


@pytest.mark.needs_dot
def test_an_html_output_is_the_page(tmp_path, capsys):
    out = tmp_path / "page.html"
    assert graph("x * x", "--values", "x=2", "-o", str(out)) == 0
    assert "<svg" in out.read_text(encoding="utf-8")
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert graph("x", "--values", "x=1", "-o", str(tmp_path / "a.html"), "--html",
                 str(tmp_path / "b.html")) == 2
    assert "two pages; give one" in capsys.readouterr().err
