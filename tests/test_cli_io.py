"""The command line's files: every writer atomic (the old file byte-identical after a failed
write), outputs checked before any work, bounded reads and sizes, one-line errors."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_files import failing_write as failing_write_then

from autograd_lite import files
from nets import FeatureDiscoveryNet, cli, plots
from nets.data import load_csv
from nets.training import History

TINY = ["--points", "20", "--hidden", "2", "--epochs", "2", "--no-progress"]
CLI = Path(sys.executable).with_name("autograd-lite")


def run(argv, capsys):
    try:
        status = cli.main(argv)
    except SystemExit as e:
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def no_temporary_files(directory: Path) -> bool:
    """No hidden file is left: the temporary files of a write, the outputs' reserve."""
    return not any(p.name.startswith(".") for p in directory.rglob("*"))


def failing_write(after: int):
    """os.write that writes ``after`` bytes in all, then fails as a full disk would."""
    return failing_write_then(after, OSError(errno.ENOSPC, "No space left on device"))


# --- every writer: a failed write leaves the old file byte-identical -----------------------
def save_weights(path):
    FeatureDiscoveryNet(3, 4).save(path)


def save_loss_curve(path):
    plots.loss_curve(History(loss=[1.0, 0.5], accuracy=[0.5, 0.9]), path)


def save_decision_boundary(path):
    import numpy as np

    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    plots.decision_boundary(lambda p: p[:, 0] - 0.5, X, np.array([0.0, 1.0]), path)


def save_dot_text(path):
    assert cli.main(["graph", "x*x", "--values", "x=2", "-o", str(path), "--force"]) == 2


def save_svg(path):
    from autograd_lite import Value
    from autograd_lite import save_svg as save

    save(Value(2.0, label="x") * 3, path)


@pytest.mark.parametrize("writer", [save_weights, save_loss_curve, save_decision_boundary,
                                    save_dot_text, save_svg])
@pytest.mark.parametrize("after", [0, 100])
def test_a_write_failing_midway_leaves_the_old_file(tmp_path, monkeypatch, capsys, writer,
                                                    after):
    path = tmp_path / {"save_dot_text": "g.gv", "save_svg": "g.svg",
                       "save_weights": "weights.json"}.get(writer.__name__, "plot.png")
    path.write_bytes(b"the good old contents")
    monkeypatch.setattr(files.os, "write", failing_write(after))
    if writer is save_dot_text:
        writer(path)
        assert "No space left on device" in one_line(capsys.readouterr().err)
    else:
        with pytest.raises(OSError, match="No space left"):
            writer(path)
    assert path.read_bytes() == b"the good old contents"
    assert no_temporary_files(tmp_path)


def test_each_writer_writes_when_nothing_fails(tmp_path, capsys):
    for writer, name in ((save_weights, "w.json"), (save_loss_curve, "l.png"),
                         (save_decision_boundary, "d.png"), (save_svg, "g.svg")):
        writer(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 100
    assert cli.main(["graph", "x*x", "--values", "x=2", "-o", str(tmp_path / "g.gv")]) == 0
    assert "->" in (tmp_path / "g.gv").read_text()


def limited(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """``command`` run by the shell with a file-size limit of 1 KiB, as ``ulimit -f 1``."""
    return subprocess.run(["bash", "-c", f"ulimit -f 1; {command}"], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_a_file_size_limit_is_found_before_training_and_keeps_the_old_weights(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    FeatureDiscoveryNet(3, 16, "logistic").save(out / "weights.json")
    good = (out / "weights.json").read_bytes()
    assert len(good) > 1024
    done = limited(f"{CLI} train --epochs 2 --out out --force --no-progress", tmp_path)
    assert done.returncode == 2 and "training" not in done.stdout
    assert re.fullmatch(r"autograd-lite train: error: out: cannot reserve [\d,]+ bytes for the "
                        r"outputs: File too large", one_line(done.stderr))
    assert (out / "weights.json").read_bytes() == good
    assert no_temporary_files(tmp_path)


def test_a_file_size_limit_during_graph_keeps_the_old_svg(tmp_path):
    old = b"<svg>" + b"old " * 1000 + b"</svg>"
    (tmp_path / "g.svg").write_bytes(old)
    done = limited(f"{CLI} graph --hidden 4 -o g.svg --force", tmp_path)
    assert done.returncode == 2
    assert one_line(done.stderr).endswith("g.svg: File too large")
    assert (tmp_path / "g.svg").read_bytes() == old
    assert no_temporary_files(tmp_path)


def test_a_second_ctrl_c_while_writing_leaves_complete_files_and_one_line(
    tmp_path, monkeypatch, capsys
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "loss_curve", interrupted)
    status, _, err = run(["train", *TINY, "--out", str(tmp_path)], capsys)
    assert status == 130
    assert one_line(err) == (f"autograd-lite train: error: interrupted after training; wrote "
                             f"{tmp_path / 'weights.json'}, left the other outputs as they were")
    FeatureDiscoveryNet.load(tmp_path / "weights.json")  # written whole before the Ctrl-C
    assert not (tmp_path / "loss.png").exists() and no_temporary_files(tmp_path)


def test_ctrl_c_inside_a_write_leaves_the_old_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "weights.json").write_text("old")
    real = os.write

    def interrupted(fd, data):
        real(fd, bytes(data[:10]))
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "write", interrupted)
    status, _, err = run(["train", *TINY, "--out", str(tmp_path), "--force"], capsys)
    assert status == 130 and "interrupted" in one_line(err)
    assert (tmp_path / "weights.json").read_text() == "old"
    assert no_temporary_files(tmp_path)


# --- outputs checked before any work -------------------------------------------------------
@pytest.fixture
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("trained although the output cannot be written")

    monkeypatch.setattr("nets.cli.train.train", refuse)


def out_under_a_file(tmp_path):
    (tmp_path / "file").write_text("")
    return tmp_path / "file" / "out", "Not a directory"


def out_a_dangling_symlink(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    return tmp_path / "link", "is a symbolic link to"


def weights_a_directory(tmp_path):
    (tmp_path / "out" / "weights.json").mkdir(parents=True)
    return tmp_path / "out", "weights.json: Is a directory"


def out_a_file(tmp_path):
    (tmp_path / "out").write_text("")
    return tmp_path / "out", "is a file, not a directory"


@pytest.mark.parametrize("case", [out_under_a_file, out_a_dangling_symlink, weights_a_directory,
                                  out_a_file])
def test_an_output_that_cannot_be_written_is_refused_before_training(tmp_path, capsys,
                                                                     no_training, case):
    out, reason = case(tmp_path)
    status, stdout, err = run(["train", *TINY, "--out", str(out), "--force"], capsys)
    assert status == 2 and "training" not in stdout
    line = one_line(err)
    assert line.startswith("autograd-lite train: error: --out ") and reason in line


def test_a_read_only_file_system_is_refused_before_training(tmp_path, capsys, monkeypatch,
                                                           no_training):
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system", path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", read_only)
    status, _, err = run(["train", *TINY, "--out", str(tmp_path), "--force"], capsys)
    assert status == 2
    assert one_line(err) == (f"autograd-lite train: error: --out {tmp_path}: cannot write there "
                             f"({tmp_path / 'weights.json'}: Read-only file system)")


@pytest.mark.parametrize("output, reason", [
    ("dir.svg", "dir.svg: Is a directory"),
    ("file/g.svg", "file/g.svg: Not a directory"),
    ("missing/g.svg", "missing/g.svg: No such file or directory"),
])
def test_graph_checks_its_output_before_drawing(tmp_path, monkeypatch, capsys, output, reason):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.svg").mkdir()
    (tmp_path / "file").write_text("")
    monkeypatch.setattr("nets.cli.graph.parse_expression", None)  # never reached
    status, _, err = run(["graph", "x", "--values", "x=1", "-o", output, "--force"], capsys)
    assert status == 2 and one_line(err) == f"autograd-lite graph: error: {reason}"


# --- bounded reads -------------------------------------------------------------------------
def test_dev_zero_is_refused_before_it_is_read(capsys):
    with pytest.raises(ValueError, match=r"^/dev/zero: a character device, not a regular file$"):
        load_csv("/dev/zero")
    status, _, err = run(["graph", "--weights", "/dev/zero", "-o", "g.gv"], capsys)
    assert status == 2
    assert one_line(err) == ("autograd-lite graph: error: /dev/zero: a character device, "
                             "not a regular file")


@pytest.mark.parametrize("argv, reason", [
    (["train", "--data", "pipe.csv", "--out", "out"],
     "autograd-lite train: error: --data pipe.csv: pipe.csv: a FIFO (named pipe), not a "
     "regular file"),
    (["graph", "--weights", "pipe.csv", "-o", "g.gv"],
     "autograd-lite graph: error: pipe.csv: a FIFO (named pipe), not a regular file"),
    (["graph", "--weights", ".", "-o", "g.gv"],
     "autograd-lite graph: error: .: a directory, not a regular file"),
])
def test_a_fifo_or_directory_is_refused_before_it_is_opened(tmp_path, argv, reason):
    os.mkfifo(tmp_path / "pipe.csv")  # opening it for reading would wait for a writer
    done = subprocess.run([CLI, *argv], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and one_line(done.stderr) == reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.csv"]


def test_a_fifo_replacing_the_file_after_the_check_does_not_block(tmp_path, monkeypatch):
    path = tmp_path / "w.json"
    os.mkfifo(path)
    regular = os.stat(__file__)
    monkeypatch.setattr(files.os, "stat", lambda p: regular)  # the check saw a regular file

    def blocked(signum, frame):
        raise TimeoutError("read_limited blocked on a FIFO")

    old = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(10)
    try:
        with pytest.raises(ValueError, match="a FIFO"):
            files.read_limited(path, 100)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_weights_nested_100k_deep_name_the_file(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=f"^{path}: JSON nested too deeply"):
        FeatureDiscoveryNet.load(path)


def test_a_4300_digit_integer_names_the_file(tmp_path):
    path = tmp_path / "w.json"
    doc = {"format": "autograd-lite/feature-discovery", "version": 1, "loss": "squared",
           "W": [[1.0]], "w": [1.0]}
    path.write_text(json.dumps(doc).replace("[[1.0]]", "[[" + "9" * 4301 + "]]"))
    with pytest.raises(ValueError, match=f"^{path}: Exceeds the limit \\(4300 digits\\)"):
        FeatureDiscoveryNet.load(path)


def test_a_huge_csv_cell_names_the_file_and_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1,2,0\n3,4,1\n" + "5" * 131_073 + ",1,1\n")
    with pytest.raises(ValueError, match=f"^{path}, line 3: field larger than field limit"):
        load_csv(path)


def test_a_csv_file_over_a_million_numbers_names_the_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y,label\n" + "1,2,0\n" * 333_334)
    with pytest.raises(ValueError, match=f"^{path}, line 333335: more than 1,000,000 numbers"):
        load_csv(path)
    path.write_text("1,2,0\n" * 333_333)
    assert load_csv(path)[0].shape == (333_333, 2)


def test_a_byte_order_mark_before_a_numeric_first_row(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("\ufeff1.5,2,0\n3,4,1\n".encode())
    X, y = load_csv(path)
    assert X.tolist() == [[1.5, 2.0], [3.0, 4.0]] and y.tolist() == [0.0, 1.0]


# --- the graph command's arguments -------------------------------------------------------
@pytest.mark.parametrize("argv, reason", [
    (["graph", ""], "the expression is empty"),
    (["graph", "   "], "the expression is empty"),
    (["graph", "x", "--values", "x=2,x=3"], "argument --values: 'x' is given twice"),
    (["graph", "x", "--values", "x=1", "--hidden", "3"],
     "--hidden only apply to the feature-discovery net, not to an expression"),
    (["graph", "x", "--values", "x=1", "--weights", "w.json", "--loss", "squared"],
     "--loss, --weights only apply to the feature-discovery net"),
    (["graph", "--values", "x=1"], "--values only applies to an expression"),
    (["graph", "x", "--values", "x=1", "-o", ""], "argument -o/--output: the file name is empty"),
    (["graph", "--seed", "-1"], "argument --seed: '-1' must be from 0 to 4,294,967,295"),
    (["graph", "--hidden", "3000000"], "argument --hidden: '3000000' must be from 1 to 1,000"),
    (["graph", "--hidden", "1000"], "1000 hidden units has 12005 value nodes, more than "
                                    "--max-nodes 500"),
    (["graph", "--max-nodes", "5001"], "argument --max-nodes: '5001' must be from 1 to 5,000"),
    (["graph", "x", "--values", "x=1", "--fmt", ".100000f"],
     "'.100000f': widths and precisions must be at most 30"),
    (["graph", "+".join(["x"] * 51), "--values", "x=1", "--rankdir", "TB"],
     "'x' is used 51 times, more than 50: graphviz cannot lay that out"),
    (["train", "--out", ""], "--out: the directory name is empty"),
])
def test_bad_graph_arguments_are_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, reason):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert reason in one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_the_net_size_is_checked_before_the_net_is_built(monkeypatch, capsys):
    from nets.cli import graph as graph_command

    built = []
    real = graph_command.FeatureDiscoveryNet

    def counting(n_inputs, n_hidden, *args, **kwargs):
        built.append(n_hidden)
        return real(n_inputs, n_hidden, *args, **kwargs)

    monkeypatch.setattr(graph_command, "FeatureDiscoveryNet", counting)
    status, _, _ = run(["graph", "--hidden", "1000", "-o", "g.gv"], capsys)
    assert status == 2 and max(built) <= 2


def test_the_predicted_net_size_is_the_drawn_size(tmp_path, capsys):
    for hidden, nodes in ((3, 41), (7, 89)):
        argv = ["graph", "--hidden", str(hidden), "-o", str(tmp_path / "g.gv"), "--force"]
        assert run([*argv, "--max-nodes", str(nodes)], capsys)[0] == 0
        assert run([*argv, "--max-nodes", str(nodes - 1)], capsys)[0] == 2


def test_values_are_unicode_normalised_like_the_expression(tmp_path, capsys):
    # "ﬁ" (the ligature) is NFKC "fi", as Python reads the name in the expression
    status, out, err = run(["graph", "ﬁ * 2", "--values", "ﬁ=3", "-o", str(tmp_path / "g.gv")],
                           capsys)
    assert status == 0, err
    assert "<b>fi</b>" in (tmp_path / "g.gv").read_text()


@pytest.mark.needs_dot
def test_a_hostile_number_format_cannot_inject_markup(tmp_path, capsys):
    path = tmp_path / "g.gv"
    assert run(["graph", "x*x", "--values", "x=2", "--fmt", "<>12.4g", "-o", str(path)],
               capsys)[0] == 0
    source = path.read_text()
    assert "&lt;&lt;&lt;" in source
    done = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, timeout=60)
    assert done.returncode == 0 and done.stderr == b""


def test_a_constant_exponent_is_a_number_exponent():
    from autograd_lite import parse_expression

    for text in ("x ** (1+1)", "x ** 2", "x ** (4/2)", "x ** -(-2)"):
        y = parse_expression(text, {"x": -3.0})
        y.backward()
        assert (y.data, y.parents[0].grad) == (9.0, -6.0)


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path, capsys):
    name = str(tmp_path / "two\nlines\r.csv")
    status, _, err = run(["train", "--data", name, "--out", str(tmp_path / "o")], capsys)
    assert status == 2
    assert "two\\nlines\\r.csv: cannot read the file" in one_line(err)


# --- after training: the weights first, a bounded check ----------------------------------
def test_the_gradient_check_after_training_is_on_a_bounded_sample(tmp_path, monkeypatch,
                                                                    capsys):
    from nets.cli import train as train_command
    from nets.compare import compare_gradients

    checked = []

    def recording(net, X, Y):
        checked.append(len(X))
        return compare_gradients(net, X, Y)

    monkeypatch.setattr(train_command, "compare_gradients", recording)
    argv = ["train", "--points", "20000", "--hidden", "50", "--epochs", "1", "--batch-size",
            "5000", "--compiled", "--no-progress", "--out", str(tmp_path)]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    # 3 × 50 + 50 parameters, and at most 3 + 2·3·50 + 2·50 + 16 = 419 nodes per example
    assert checked == [(200_000 - 200) // 419] and checked[0] < 20_000
    assert f"three ways on {checked[0]:,} of the 20,000 examples:" in out


def test_the_weights_are_written_before_anything_after_training_can_fail(tmp_path, monkeypatch,
                                                                         capsys):
    from nets.cli import train as train_command

    (tmp_path / "weights.json").write_text("old")

    def out_of_memory(*args):
        raise MemoryError

    monkeypatch.setattr(train_command, "compare_gradients", out_of_memory)
    status, _, err = run(["train", *TINY, "--out", str(tmp_path), "--force"], capsys)
    assert status == 1
    assert one_line(err) == "autograd-lite train: error: out of memory; use smaller sizes"
    assert FeatureDiscoveryNet.load(tmp_path / "weights.json").n_hidden == 2


def test_a_scalar_batch_graph_over_the_memory_limit_is_refused_before_training(
    capsys, no_training, tmp_path
):
    argv = ["train", "--points", "100000", "--hidden", "100", "--epochs", "1", "--batch-size",
            "100000", "--out", str(tmp_path)]
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    # 100,000 examples × (3 + 2·3·100 + 2·100 + 16) nodes + 400 parameters, 256 bytes each
    assert one_line(err) == (
        "autograd-lite train: error: a batch of 100,000 examples with 100 hidden units is a "
        "graph of 81,900,400 nodes, about 19.5 GiB, more than the limit of 1 GiB; use a "
        "smaller --batch-size or --compiled")


# --- a full disk: found before training ---------------------------------------------------
def test_a_full_disk_is_found_before_training(tmp_path, monkeypatch, capsys, no_training):
    from nets.cli import outputs

    (tmp_path / "weights.json").write_text("old")

    def full(fd, offset, size):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.os, "posix_fallocate", full)
    status, out, err = run(["train", *TINY, "--out", str(tmp_path), "--force"], capsys)
    assert status == 2 and out == ""
    assert re.fullmatch(f"autograd-lite train: error: {tmp_path}: cannot reserve [\\d,]+ bytes "
                        "for the outputs: No space left on device", one_line(err))
    assert (tmp_path / "weights.json").read_text() == "old" and no_temporary_files(tmp_path)


def test_the_reserve_holds_the_outputs_room_while_training_and_is_freed(tmp_path, monkeypatch,
                                                                        capsys):
    from nets.cli import train as train_command

    sizes = []
    real = train_command.train

    def watching(*args, **kwargs):
        sizes.extend(p.stat().st_blocks * 512 for p in tmp_path.glob(".autograd-lite-reserve*"))
        return real(*args, **kwargs)

    monkeypatch.setattr(train_command, "train", watching)
    assert run(["train", *TINY, "--out", str(tmp_path)], capsys)[0] == 0
    written = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert len(sizes) == 1 and sizes[0] >= written  # allocated blocks, not a sparse file
    assert no_temporary_files(tmp_path)


# --- --force replaces a symbolic link, never writes through it ---------------------------
def test_force_replaces_a_symlinked_output_and_leaves_its_target_alone(tmp_path, capsys):
    outside = tmp_path / "precious.json"
    outside.write_text("not yours")
    out = tmp_path / "out"
    out.mkdir()
    (out / "weights.json").symlink_to(outside)
    (tmp_path / "g.svg").symlink_to(outside)
    assert run(["train", *TINY, "--out", str(out), "--force"], capsys)[0] == 0
    assert run(["graph", "x*x", "--values", "x=2", "-o", str(tmp_path / "g.svg"), "--force"],
               capsys)[0] == 0
    assert outside.read_text() == "not yours"
    assert not (out / "weights.json").is_symlink() and not (tmp_path / "g.svg").is_symlink()
    assert FeatureDiscoveryNet.load(out / "weights.json").n_hidden == 2
    assert (tmp_path / "g.svg").read_text().startswith("<?xml")
    assert no_temporary_files(tmp_path)


# --- sizes bounded by memory, before anything is built ------------------------------------
def test_a_weights_file_for_another_input_width_names_the_file_and_data(tmp_path, capsys):
    path = tmp_path / "five.json"
    FeatureDiscoveryNet(5, 2).save(path)
    status, _, err = run(["graph", "--weights", str(path), "--data", "xor", "-o",
                          str(tmp_path / "g.gv")], capsys)
    assert status == 2
    assert one_line(err) == (
        f"autograd-lite graph: error: --weights {path}: the net takes 5 inputs, but the "
        "examples of --data xor have 3 (2 coordinates and the constant feature); give the "
        "weights of a net trained on 2-D data")


def in_limited_memory(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """``code`` run by a new Python whose address space is limited to 2 GiB."""
    limit = ("import resource; resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))\n")
    return subprocess.run([sys.executable, "-c", limit + code], cwd=cwd, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})


def test_a_huge_weights_file_is_refused_before_the_net_is_built(tmp_path):
    doc = {"format": "autograd-lite/feature-discovery", "version": 1, "loss": "logistic",
           "W": [[0] * 2_000_000] * 3, "w": [0] * 2_000_000}
    (tmp_path / "big.json").write_text(json.dumps(doc))
    done = in_limited_memory(
        "import sys; from nets.cli import main; "
        "sys.exit(main(['graph', '--weights', 'big.json', '-o', 'g.gv']))", tmp_path)
    assert done.returncode == 2, done.stderr[-300:]
    # 3 × 2,000,000 + 2,000,000 parameters and a pass of 3 + 12,000,000 + 4,000,000 + 16
    assert one_line(done.stderr) == (
        "autograd-lite graph: error: big.json: a net of 3 inputs and 2,000,000 hidden units is "
        "24,000,019 nodes with one example's graph, about 5.7 GiB at 256 bytes a node, more "
        "than the limit of 1 GiB")


def test_a_net_over_the_memory_limit_is_refused_before_it_is_built(tmp_path):
    done = in_limited_memory(
        "from nets import FeatureDiscoveryNet\n"
        "try:\n    FeatureDiscoveryNet(3, 10**7)\n"
        "except ValueError as e:\n    print(e)\n", tmp_path)
    assert done.returncode == 0, done.stderr[-300:]
    assert done.stdout.strip() == (
        "a net of 3 inputs and 10,000,000 hidden units is 120,000,019 nodes with one example's "
        "graph, about 28.6 GiB at 256 bytes a node, more than the limit of 1 GiB")


# --- issue 18's low items on the command line ----------------------------------------------
@pytest.mark.parametrize("values, reason", [
    ("x=1,,", "argument --values: an empty item in 'x=1,,': expected NAME=NUMBER, separated "
              "by single commas"),
    (",x=1", "argument --values: an empty item in ',x=1'"),
    ("x=1,y=2", "--values: 'y' not in the expression (its names: x)"),
    ("x=1,xx=2,y=0", "--values: 'xx', 'y' not in the expression (its names: x)"),
])
def test_empty_items_and_unused_names_in_values_are_refused(tmp_path, capsys, values, reason):
    status, out, err = run(["graph", "x * 2", "--values", values, "-o", str(tmp_path / "g.gv")],
                           capsys)
    assert status == 2 and out == "" and reason in one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_a_csv_file_that_is_not_utf8_says_so(tmp_path):
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("x,y,label\n1,2,0\n3,4,1\n", encoding="utf-16")
    with pytest.raises(ValueError, match=f"^{utf16}: not UTF-8 text \\(a NUL byte at offset 3\\); "
                                         "save it as UTF-8$"):
        load_csv(utf16)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(b"caf\xe9,1,0\n1,2,1\n")
    with pytest.raises(ValueError, match=f"^{latin1}: not UTF-8 text \\('utf-8' codec can't "
                                         "decode byte 0xe9 in position 3"):
        load_csv(latin1)


def test_a_dangling_symlinked_output_needs_force_and_is_then_replaced(tmp_path, capsys):
    link = tmp_path / "g.gv"
    link.symlink_to(tmp_path / "missing" / "elsewhere.gv")  # its target cannot be written
    argv = ["graph", "x*x", "--values", "x=2", "-o", str(link)]
    status, _, err = run(argv, capsys)
    assert status == 2 and one_line(err) == (f"autograd-lite graph: error: {link} exists; use "
                                             "--force to overwrite it")
    assert run([*argv, "--force"], capsys)[0] == 0
    assert not link.is_symlink() and "->" in link.read_text()
    assert not (tmp_path / "missing").exists()
