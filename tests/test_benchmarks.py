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
