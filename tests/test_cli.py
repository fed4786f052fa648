"""The autograd-lite command: each subcommand on small settings, bad arguments, outputs."""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nets import FeatureDiscoveryNet, manual
from nets.cli import build_parser, main

PNG = b"\x89PNG\r\n\x1a\n"
SMALL = ["--points", "40", "--hidden", "4", "--epochs", "3", "--no-progress"]


def run(argv, capsys):
    """main(argv)'s exit status (argparse's own exits included), stdout and stderr."""
    try:
        status = main(argv)
    except SystemExit as e:
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


def test_demo_trains_compares_and_writes_everything(tmp_path, capsys):
    out_dir = tmp_path / "out"
    status, out, _ = run(["demo", "--out", str(out_dir), "--no-progress"], capsys)
    assert status == 0
    assert "200 examples of 'moons'" in out
    table = out[out.index("autodiff vs closed form") :].splitlines()
    assert table[2].split()[:2] == ["W", "48"] and table[3].split()[:2] == ["w", "16"]
    assert table[2].split()[-1] == table[3].split()[-1] == "yes"
    assert "all agree" in out
    accuracy = float(out.split("accuracy ")[1].split("%")[0])
    assert accuracy >= 97.0
    for name in ("decision_boundary.png", "loss.png"):
        assert (out_dir / name).read_bytes().startswith(PNG)
    net = FeatureDiscoveryNet.load(out_dir / "weights.json")
    assert (net.n_inputs, net.n_hidden, net.loss_name) == (3, 16, "logistic")
    # the printed accuracy is the saved net's, recomputed here with the closed-form forward pass
    from nets.data import two_moons

    X, labels = two_moons(200, seed=0, constant_feature=True)
    W, w = net.weights()
    hits = np.mean([(manual.forward(W, w, x).r > 0) == (c == 1) for x, c in zip(X, labels)])
    assert f"accuracy {hits:.1%}" in out
    # the step-through page is of the untrained net, on the example with the largest loss
    W0, w0 = FeatureDiscoveryNet(3, 16, "logistic", seed=0).weights()
    r = np.array([manual.forward(W0, w0, x).r for x in X])
    k = int(np.argmax(manual.loss(r, labels, "logistic")))
    page = (out_dir / "backprop.html").read_text(encoding="utf-8")
    assert f"Example {k} under the untrained weights: " in page
    assert f"the largest loss, l = {manual.loss(r[k], labels[k], 'logistic'):.3g}: " \
           f"misclassified (r = {r[k]:.3g}" in page


def test_train_on_a_builtin_dataset_with_sgd_and_the_squared_loss(tmp_path, capsys):
    argv = ["train", "--data", "xor", *SMALL, "--loss", "squared", "--optimizer", "sgd",
            "--lr", "0.05", "--seed", "3", "--out", str(tmp_path)]
    status, out, _ = run(argv, capsys)
    assert status == 0
    assert "40 examples of 'xor'" in out and "sgd, lr 0.05, 3 epochs" in out
    assert FeatureDiscoveryNet.load(tmp_path / "weights.json").loss_name == "squared"
    assert (tmp_path / "decision_boundary.png").exists()


def test_train_on_a_csv_file(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    labels = (X[:, 0] + X[:, 1] > 0).astype(int)
    csv = tmp_path / "data.csv"
    csv.write_text("a,b,c,d,label\n" + "".join(
        ",".join(map(str, [*row, c])) + "\n" for row, c in zip(X, labels)))
    status, out, _ = run(["train", "--data", str(csv), *SMALL, "--out", str(tmp_path / "o")],
                         capsys)
    assert status == 0
    net = FeatureDiscoveryNet.load(tmp_path / "o" / "weights.json")
    assert net.n_inputs == 5  # four features and the constant one
    # four features cannot be drawn in the plane: no decision boundary
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["loss.png", "weights.json"]


def test_gradcheck_passes(capsys):
    status, out, _ = run(["gradcheck", "--examples", "3"], capsys)
    assert status == 0
    assert out.count("all agree") == 8 and "all 8 nets agree" in out
    assert "8 inputs, 16 hidden units, logistic loss" in out


def test_gradcheck_fails_on_a_wrong_closed_form(monkeypatch, capsys):
    right = manual.batch_gradients

    def wrong(*args):
        dW, dw = right(*args)
        return dW + 1e-3, dw

    monkeypatch.setattr(manual, "batch_gradients", wrong)
    status, out, err = run(["gradcheck", "--examples", "3"], capsys)
    assert status == 1
    assert "MISMATCH" in out and "MISMATCH in 8 of 8 nets" in err


def test_refuses_to_overwrite_a_non_empty_directory(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    status, out, err = run(["train", *SMALL, "--out", str(tmp_path)], capsys)
    assert status == 2
    assert err.strip().splitlines() == [
        f"autograd-lite train: error: output directory {tmp_path} is not empty; "
        "use --force to write into it"
    ]
    assert out == "" and [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    status, _, _ = run(["train", *SMALL, "--out", str(tmp_path), "--force"], capsys)
    assert status == 0 and (tmp_path / "weights.json").exists()
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_demo_refuses_too(tmp_path, capsys):
    (tmp_path / "x").write_text("")
    status, _, err = run(["demo", "--out", str(tmp_path)], capsys)
    assert status == 2 and "is not empty; use --force" in err


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["nope"], "invalid choice: 'nope'"),
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
        (["train", "--lr", "-1"], "argument --lr: '-1' must be in (0, inf)"),
        (["train", "--lr", "nan"], "argument --lr: 'nan' must be in (0, inf)"),
        (["train", "--epochs", "0"], "argument --epochs: '0' must be from 1 to 100,000"),
        (["train", "--epochs", "100001"], "argument --epochs: '100001' must be from 1 to 100,000"),
        (["train", "--hidden", "100000000"], "--hidden: '100000000' must be from 1 to 1,000"),
        (["train", "--points", "10" * 3000], "--points: '1010101010"),
        (["train", "--seed", "-1"], "argument --seed: '-1' must be from 0 to 4,294,967,295"),
        (["gradcheck", "--seed", "-1"], "argument --seed: '-1' must be from 0 to 4,294,967,295"),
        (["gradcheck", "--examples", "100000000"], "'100000000' must be from 1 to 10,000"),
        (["train", "--hidden", "1000", "--epochs", "1000"],
         "1,000 epochs × 200 examples × 3 inputs × 1,000 hidden units is 600,000,000 weight "
         "uses, more than 100,000,000"),
        (["train", "--epochs", "2.5"], "argument --epochs: '2.5' is not a valid int"),
        (["train", "--hidden", "x"], "argument --hidden: 'x' is not a valid int"),
        (["train", "--momentum", "1"], "argument --momentum: '1' must be in [0, 1)"),
        (["train", "--noise", "-1"], "argument --noise: '-1' must be in [0, inf)"),
        (["train", "--loss", "hinge"], "argument --loss: invalid choice: 'hinge'"),
        (["train", "--data", "spiral"], "'spiral' is neither a built-in dataset"),
        (["gradcheck", "--examples", "0"], "argument --examples: '0' must be from 1 to 10,000"),
    ],
)
def test_bad_arguments_exit_2_with_a_one_line_reason(argv, reason, capsys):
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("autograd-lite") and "error: " in line and reason in line


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("missing.csv", "cannot read the file"),
        ("labels.csv", "class labels must be 0 or 1, got 2.0 at index 1"),
    ],
)
def test_bad_data_files_exit_2(tmp_path, capsys, data, reason):
    (tmp_path / "labels.csv").write_text("1.0,2.0,0\n3.0,4.0,2\n")
    path = tmp_path / data
    status, out, err = run(["train", "--data", str(path), "--out", str(tmp_path / "o")], capsys)
    assert status == 2
    assert err.strip().splitlines() == [f"autograd-lite train: error: --data {path}: " + err.split(
        f"--data {path}: ")[1].strip()]
    assert reason in err
    assert not (tmp_path / "o").exists()


def test_an_overflowing_run_exits_1_with_a_one_line_reason(tmp_path, capsys):
    argv = ["train", *SMALL, "--loss", "squared", "--optimizer", "sgd", "--lr", "1e300",
            "--out", str(tmp_path)]
    status, _, err = run(argv, capsys)
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-lite train: error: ")


def test_a_missing_plotting_extra_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "nets.plots", raising=False)
    status, _, err = run(["train", *SMALL, "--out", str(tmp_path)], capsys)
    assert status == 1
    assert err.strip().splitlines() == [
        "autograd-lite train: error: matplotlib is missing: pip install 'autograd-lite[train]'"]


def test_ctrl_c_while_training_keeps_the_old_outputs_and_the_new_weights_apart(
    tmp_path, monkeypatch, capsys
):
    old = {"weights.json": b"old weights", "loss.png": b"old plot"}
    for name, content in old.items():
        (tmp_path / name).write_bytes(content)
    training = importlib.import_module("nets.training")
    calls = {"n": 0}
    score = training._score

    def interrupted_later(model, x):
        calls["n"] += 1
        # one Ctrl-C, in the third epoch (40 examples to train on, then 40 to measure)
        if calls["n"] == 2 * (40 + 40) + 5:
            raise KeyboardInterrupt
        return score(model, x)

    monkeypatch.setattr(training, "_score", interrupted_later)
    status, out, err = run(["train", *SMALL[:-3], "--epochs", "10", "--no-progress",
                            "--out", str(tmp_path), "--force"], capsys)
    assert status == 130
    assert err.splitlines() == [
        f"autograd-lite train: error: interrupted after 2 of 10 epochs: the weights so far are "
        f"in {tmp_path / 'weights.interrupted.json'}; the other outputs were left as they were"]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name in old} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "loss.png", "weights.interrupted.json", "weights.json"]
    assert FeatureDiscoveryNet.load(tmp_path / "weights.interrupted.json").n_hidden == 4


def test_progress_bar_ends_at_the_figures_of_the_final_line(tmp_path, capsys):
    status, out, err = run(["train", *SMALL[:-1], "--out", str(tmp_path)], capsys)
    assert status == 0
    last_bar = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "3/3" in last_bar and "after each epoch" in last_bar
    bar_loss = re.search(r"loss=([0-9.]+)", last_bar).group(1)
    bar_acc = re.search(r"acc=([0-9.]+%)", last_bar).group(1)
    assert f"final loss {bar_loss}, accuracy {bar_acc}" in out


@pytest.mark.parametrize("command", [[], ["demo"], ["train"], ["gradcheck"]])
def test_help_everywhere(command, capsys):
    status, out, _ = run([*command, "--help"], capsys)
    assert status == 0 and out.startswith("usage: autograd-lite")


def test_build_parser_lets_more_subcommands_register():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    extra = subparsers.add_parser("extra")
    extra.set_defaults(func=lambda args: 7)
    assert main.__module__ == "nets.cli"
    assert parser.parse_args(["extra"]).func(None) == 7


def test_the_command_line_is_a_package_with_one_module_per_subcommand():
    import tomllib

    import nets.cli

    assert hasattr(nets.cli, "__path__")  # a package, nets/cli/
    registered = {}
    for name in nets.cli.COMMANDS:
        module = importlib.import_module(f"nets.cli.{name}")
        subparsers = argparse.ArgumentParser().add_subparsers()
        module.register(subparsers)
        registered.update(dict.fromkeys(subparsers.choices, module.__name__))
    assert registered == {"demo": "nets.cli.train", "train": "nets.cli.train",
                          "gradcheck": "nets.cli.gradcheck", "graph": "nets.cli.graph",
                          "check-engine": "nets.cli.check_engine"}
    package = Path(nets.cli.__file__).parent
    assert sorted(p.name for p in package.parent.glob("*.py") if "cli" in p.name or "_arg" in p.name
                  or "command" in p.name) == []  # cli.py, graph_command.py, _arguments.py moved
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {"autograd-lite": "nets.cli:main"}


def test_the_console_script(tmp_path):
    script = Path(sys.executable).with_name("autograd-lite")
    done = subprocess.run([script, "train", "--lr", "0"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "autograd-lite train: error: argument --lr: '0' must be in (0, inf) "
        "(see autograd-lite train --help)"]


def test_importing_nets_loads_neither_matplotlib_nor_tqdm():
    code = "import sys, nets, nets.cli; print(sorted({'matplotlib', 'tqdm'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
