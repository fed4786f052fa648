"""The benchmark script runs (a short smoke run); it times nothing that a test asserts."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import compare  # noqa: E402


@pytest.mark.slow
def test_quick_benchmark_prints_every_table(capsys):
    assert compare.main(["--quick"]) == 0
    out = capsys.readouterr().out
    for title in ("MLP step", "Scaling", "Width", "Feature-discovery net"):
        assert title in out
    assert "autograd-lite" in out


def test_every_engine_builds_the_same_graph():
    # One node count serves all engines, so each must build the graph op for op: check it
    # on the values, which would differ if an engine's graph did.
    workloads = {"mlp": compare.mlp_step, "width": partial(compare.tanh_mlp, width=8)}
    for name, make in workloads.items():
        values = {e.name: float(make(e.leaf)().data) for e in compare._engines()}
        ours = values["autograd-lite"]
        assert all(v == pytest.approx(ours, rel=1e-12) for v in values.values()), (name, values)


@pytest.mark.slow
def test_against_imports_the_engine_of_a_revision_beside_this_one():
    from autograd_lite import Value

    with compare.engine_at("HEAD") as before:
        assert before.__name__ != "autograd_lite" and before.Value is not Value
        y = before.Value(2.0) * 3.0
        y.backward()
        assert y.data == 6.0 and isinstance(y, before.Value)
        worktree = Path(before.__file__).parent.parent
        assert worktree.is_dir()
    assert not worktree.exists()  # the temporary worktree is removed afterwards


@pytest.mark.slow
def test_quick_program_tables(capsys):
    assert compare.main(["--programs", "--quick"]) == 0
    out = capsys.readouterr().out
    for title in ("Programs", "Which replay is fastest", "Training through programs"):
        assert title in out


def test_forward_scaling_prints_the_ratio_per_node(capsys):
    import forward_scaling

    assert forward_scaling.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "cpu, collector paused" in out and "wall, collector on" in out
    assert "6,826 ÷ 985 nodes:" in out
