"""What each entry point of the Makefile installs (read from ``make -n``, nothing is run)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def _installs(target: str, tmp_path: Path) -> list[str]:
    """The extras each ``pip install -e`` of ``make TARGET`` would install, from scratch."""
    done = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return re.findall(r'pip install --quiet -e "\.\[([^\]]*)\]"', done.stdout)


def test_demo_installs_only_the_train_extra(tmp_path):
    assert _installs("demo", tmp_path) == ["train"]


def test_test_installs_the_test_extras_and_the_pinned_torch(tmp_path):
    assert _installs("test", tmp_path) == ["test,torch"]
    assert 'torch = ["torch==2.13.0"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_lint_needs_only_the_venv_not_apt_or_npm(tmp_path):
    done = subprocess.run(
        ["make", "-n", "lint", f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "apt-get update" not in done.stdout and "npm install" not in done.stdout
    for tool in ("ruff check .", "lint-imports", "mypy"):
        assert f"/bin/{tool}" in done.stdout, tool
