"""Fuzzing the command line: bad values for every subcommand's every flag (wrong types,
non-finite, huge, empty, Unicode, files that are not what they claim) must each give exit
status 2 and exactly one line on stderr, never a traceback.

Each bad value is known to be bad by a rule written here from the documented bounds (an int
outside its range, a name that is not a choice, ...), not by asking the code under test.
Most inputs run in-process through ``main(argv)``; a few go through the real console script
with arbitrary bytes in argv. ``INPUTS`` counts the inputs tried (printed with ``-s``).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hostile_labels import HOSTILE_LABELS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nets.cli import main

CLI = Path(sys.executable).with_name("autograd-lite")
INPUTS: Counter[str] = Counter()
EXAMPLES = 100  # per flag, in-process
fuzz = settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])

SPECIAL = ["", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "-0",
           "0x10", "1_0", "１２", "١٢", "\x00", "💥", "ﬁ", "-", "1e-400", "9" * 5000,
           "-" + "9" * 5000, "\u202e1", "1.5", "-1", "0", "4294967296", "True", "None", "[]"]
junk = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=25),
                 st.floats().map(repr), st.integers(-(10**40), 10**40).map(str))


def as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def not_int_in(low: int, high: int) -> st.SearchStrategy[str]:
    def bad(text: str) -> bool:
        n = as_int(text)
        return n is None or not low <= n <= high

    return st.one_of(junk, st.integers(high + 1, high * 10**6).map(str)).filter(bad)


def not_float_in(low: float, high: float, low_open: bool = False) -> st.SearchStrategy[str]:
    def bad(text: str) -> bool:
        x = as_float(text)
        return x is None or math.isnan(x) or not (
            (low < x if low_open else low <= x) and x < high)

    return junk.filter(bad)


def not_one_of(*choices: str) -> st.SearchStrategy[str]:
    return junk.filter(lambda t: t not in choices)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """An empty working directory with the bad files and paths the strategies name."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "file").write_text("")
    (d / "dangling").symlink_to(d / "gone")
    (d / "dir.svg").mkdir()
    (d / "wdir" / "weights.json").mkdir(parents=True)
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    doc = {"format": "autograd-lite/feature-discovery", "version": 1, "loss": "squared",
           "W": [[1.0]], "w": [1.0]}
    (d / "digits.json").write_text(json.dumps(doc).replace("[[1.0]]", "[[" + "9" * 5000 + "]]"))
    (d / "nan.json").write_text(json.dumps(doc).replace("[[1.0]]", "[[NaN]]"))
    (d / "empty.json").write_text("")
    (d / "latin1.csv").write_bytes(b"caf\xe9,1,0\n")
    (d / "bad.csv").write_text("1,2,0\n3,x,1\n")
    (d / "cell.csv").write_text("1,2,0\n" + "5" * 131_073 + ",1,1\n")
    (d / "labels.csv").write_text("1,2,0\n3,4,7\n")
    os.mkfifo(d / "pipe.csv")  # special files: each would block, never end, or is no file
    os.mkfifo(d / "pipe.json")
    (d / "dir.csv").mkdir()
    (d / "zero.csv").symlink_to("/dev/zero")
    (d / "link.csv").symlink_to(d / "pipe.csv")
    (d / "utf16.csv").write_text("1,2,0\n3,4,1\n", encoding="utf-16")
    old = os.getcwd()
    os.chdir(d)
    yield d
    os.chdir(old)
    print(f"\nCLI fuzz: {sum(INPUTS.values())} inputs "
          f"({', '.join(f'{k} {v}' for k, v in sorted(INPUTS.items()))})")


def check(argv: list[str], kind: str) -> None:
    """``main(argv)`` exits with status 2 and one line on stderr, no traceback."""
    INPUTS[kind] += 1
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as e:
            status = e.code
    lines = err.getvalue().splitlines()
    assert status == 2, (argv, status, err.getvalue()[-500:])
    assert len(lines) == 1 and lines[0].startswith("autograd-lite"), (argv, lines)
    assert "Traceback" not in err.getvalue()


TRAIN = ["train", "--points", "4", "--hidden", "1", "--epochs", "1", "--batch-size", "2",
         "--no-progress", "--out", "out", "--force"]
GRAPH = ["graph", "x*x", "--values", "x=2", "-o", "g.gv", "--force"]
NET = ["graph", "--hidden", "1", "-o", "n.gv", "--force"]

BAD_OUT_DIRS = st.sampled_from(["", "file", "file/out", "dangling", "wdir", "/dev/null/x",
                                "/proc/self/nope/x", "/sys/out"])
BAD_OUTPUTS = st.one_of(
    st.sampled_from(["", " ", "dir.svg", "file/g.svg", "missing/g.gv", "g", "g.SVG.txt",
                     "/dev/null/g.svg", "g.htm"]),
    junk.filter(lambda t: os.path.splitext(t)[1].lower() not in
                (".svg", ".png", ".pdf", ".gv", ".dot", ".html")),
)
SPECIAL_FILES = ["pipe.csv", "pipe.json", "dir.csv", "zero.csv", "link.csv", "/dev/zero",
                 "/dev/null", "/dev/stdin", ".", "/proc/self/fd/0"]
BAD_WEIGHTS = st.sampled_from(["missing.json", "deep.json", "digits.json", "nan.json",
                               "empty.json", "file", "wdir", "/dev/null/x", "", "latin1.csv",
                               "utf16.csv", *SPECIAL_FILES])
BAD_CSV = st.one_of(
    st.sampled_from(["missing.csv", "latin1.csv", "bad.csv", "cell.csv", "labels.csv",
                     "/dev/zero.csv", "wdir.csv", ".csv", "utf16.csv",
                     *(f for f in SPECIAL_FILES if f.endswith(".csv"))]),
    junk.filter(lambda t: t not in ("moons", "xor", "circles", "blobs")),
)

FLAGS = {
    # subcommand base, flag, strategy of bad values
    "train --points": (TRAIN, "--points", not_int_in(1, 100_000)),
    "train --hidden": (TRAIN, "--hidden", not_int_in(1, 1_000)),
    "train --epochs": (TRAIN, "--epochs", not_int_in(1, 100_000)),
    "train --batch-size": (TRAIN, "--batch-size", not_int_in(1, 100_000)),
    "train --seed": (TRAIN, "--seed", not_int_in(0, 2**32 - 1)),
    "train --noise": (TRAIN, "--noise", not_float_in(0, math.inf)),
    "train --lr": (TRAIN, "--lr", not_float_in(0, math.inf, low_open=True)),
    "train --momentum": (TRAIN, "--momentum", not_float_in(0, 1)),
    "train --loss": (TRAIN, "--loss", not_one_of("squared", "logistic")),
    "train --optimizer": (TRAIN, "--optimizer", not_one_of("adam", "sgd")),
    "train --data": (TRAIN, "--data", BAD_CSV),
    "train --out": (TRAIN, "--out", BAD_OUT_DIRS),
    "demo --out": (["demo", "--force"], "--out", BAD_OUT_DIRS),
    "gradcheck --seed": (["gradcheck"], "--seed", not_int_in(0, 2**32 - 1)),
    "gradcheck --examples": (["gradcheck"], "--examples", not_int_in(1, 10_000)),
    "graph --values": (GRAPH, "--values", st.one_of(
        junk.map(lambda t: t + ",=1"),
        junk.filter(lambda t: "," not in t and as_float(t) is None).map(lambda t: "x=" + t),
        st.sampled_from(["x=2,x=3", "x", "1x=2", "x=nan", "x=inf", "x=1e400", "x==2"]))),
    "graph --explain": (GRAPH, "--explain", st.one_of(junk, st.sampled_from(HOSTILE_LABELS))
                        .filter(lambda t: t != "x")),
    "graph --paths-to": (GRAPH, "--paths-to", st.one_of(junk, st.sampled_from(HOSTILE_LABELS))
                         .filter(lambda t: t != "x")),
    "graph --fmt": (GRAPH, "--fmt", junk.filter(lambda t: not _valid_format(t))),
    "graph --max-nodes": (GRAPH, "--max-nodes", not_int_in(2, 5_000)),
    "graph --max-width": (GRAPH, "--max-width", junk.filter(  # inf: no limit
        lambda t: as_float(t) is None or not as_float(t) > 0)),
    "graph --rankdir": (GRAPH, "--rankdir", not_one_of("LR", "TB")),
    "graph --collapse": (GRAPH, "--collapse", not_one_of("sums", "neurons")),
    "graph -o": (GRAPH, "-o", BAD_OUTPUTS),
    "graph --example": (NET, "--example", not_int_in(0, 199)),
    "graph --hidden": (NET, "--hidden", not_int_in(1, 41)),  # 42 units: 509 nodes > 500
    "graph --seed": (NET, "--seed", not_int_in(0, 2**32 - 1)),
    "graph --data": (NET, "--data", not_one_of("moons", "xor", "circles", "blobs")),
    "graph --loss": (NET, "--loss", not_one_of("squared", "logistic")),
    "graph --weights": (NET, "--weights", BAD_WEIGHTS),
}


def _valid_format(text: str) -> bool:
    """A format Python accepts for a float, with widths and precisions of at most 30."""
    numbers = "".join(c if c in "0123456789" else " " for c in text).split()
    if any(len(d) > 2 or int(d) > 30 for d in numbers):
        return False
    try:
        format(1.5, text)
    except (ValueError, TypeError):
        return False
    return True


@pytest.mark.parametrize("name", list(FLAGS))
def test_a_bad_value_for_each_flag(workdir, name):
    base, flag, values = FLAGS[name]

    @fuzz
    @given(values)
    def bad(value):
        check([*base, flag, value], name)

    bad()


@fuzz
@given(st.text(max_size=40).filter(lambda t: ")" not in t).map(lambda t: "(" + t))
def test_an_unbalanced_expression(workdir, text):
    check(["graph", text, "--values", "x=1", "-o", "g.gv", "--force"], "graph expression")


@fuzz
@given(st.sampled_from([("--data", "xor"), ("--example", "1"), ("--hidden", "2"),
                        ("--loss", "squared"), ("--seed", "3"), ("--weights", "w.json")]))
def test_a_net_option_with_an_expression(workdir, option):
    check([*GRAPH, *option], "graph net option with an expression")


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(FLAGS)).flatmap(
    lambda name: st.tuples(st.just(name), FLAGS[name][2])),
    st.binary(min_size=1, max_size=12))
def test_the_console_script_with_bad_values_and_bytes(workdir, case, raw):
    """The real program, with one bad flag value and one argument of arbitrary bytes (not
    necessarily UTF-8) as an extra, unknown positional or expression."""
    name, value = case
    base, flag, _ = FLAGS[name]
    INPUTS["console script"] += 1
    argv = [os.fsencode(a) for a in (CLI, *base, flag, value)]
    raw = raw.replace(b"\x00", b"?")  # argv cannot hold NUL
    for args in (argv, [os.fsencode(CLI), b"graph", raw, b"-o", b"g.gv", b"--force"]):
        done = subprocess.run(args, capture_output=True, timeout=120)
        lines = done.stderr.splitlines()
        if args is not argv and done.returncode == 0:  # bytes that happen to be an expression
            continue
        assert done.returncode == 2, (args, done.stderr[-500:])
        assert len(lines) == 1 and b"Traceback" not in done.stderr, (args, lines)


# --- symbolic links among the outputs: replaced, never written through ---------------------
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sets(st.sampled_from(["weights.json", "loss.png", "decision_boundary.png"]),
               min_size=1))
def test_force_never_writes_through_a_symlinked_output(tmp_path_factory, linked):
    d = tmp_path_factory.mktemp("links")
    outside = d / "outside.txt"
    outside.write_text("someone else's file")
    (d / "out").mkdir()
    for name in linked:
        (d / "out" / name).symlink_to(outside)
    INPUTS["symlinked outputs"] += 1
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*TRAIN[:-3], "--out", str(d / "out"), "--force"])
    assert status == 0, err.getvalue()
    assert outside.read_text() == "someone else's file"
    assert not any(p.is_symlink() for p in (d / "out").iterdir())


# --- Ctrl-C at a random moment of a real run: one line, exit 130, nothing half-written ----
OUTPUTS = ("weights.json", "loss.png", "decision_boundary.png", "backprop.html")
AFTER_START = 0.2  # seconds after nets.cli is imported: the console script has called main


def _complete(path: Path) -> bool:
    """A whole output: weights that load, a PNG up to its end chunk, a page to its end."""
    from nets import FeatureDiscoveryNet

    data = path.read_bytes()
    if path.suffix == ".json":
        FeatureDiscoveryNet.load(path)
        return True
    if path.suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
    return data.rstrip().endswith(b"</html>")


def _interrupted_run(argv: list[str], delay: float,
                     after: str = "nets.cli") -> tuple[int, list[str]]:
    """Run the console script, send SIGINT ``delay`` seconds after the module ``after`` has
    been imported (seen through ``-X importtime``: before this package's first module,
    Python itself is still starting), and return its exit status and its stderr lines."""
    import signal
    import threading
    import time

    process = subprocess.Popen([sys.executable, "-X", "importtime", str(CLI), *argv],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    imported = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if line.startswith("import time:") and line.split("|")[-1].strip() == after:
                imported.set()
        imported.set()  # ended without it

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert imported.wait(120)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    status = process.wait(timeout=300)
    reader.join(60)
    return status, [line for line in lines if not line.startswith("import time:")]


@pytest.mark.parametrize("command, runs", [
    (["train", "--points", "60", "--hidden", "4", "--epochs", "40", "--batch-size", "10"], 5),
    (["demo"], 2),
])
def test_ctrl_c_at_a_random_moment(tmp_path, command, runs):
    import random
    import signal
    import time

    out = tmp_path / "out"
    argv = [*command, "--out", str(out), "--force", "--no-progress"]
    start = time.perf_counter()
    done = subprocess.run([CLI, *argv], capture_output=True, text=True, timeout=600)
    duration = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-500:]
    old = {p.name: p.read_bytes() for p in out.iterdir()}
    rng = random.Random(" ".join(command))
    for _ in range(runs):
        for p in out.iterdir():  # an earlier run's complete outputs, nothing else
            p.unlink()
        for name, data in old.items():
            (out / name).write_bytes(data)
        INPUTS["SIGINT " + command[0]] += 1
        delay = rng.uniform(AFTER_START, duration)
        status, err = _interrupted_run(argv, delay)
        names = {p.name for p in out.iterdir()}
        assert names <= {*OUTPUTS, "weights.interrupted.json"}, (delay, names)  # none hidden
        for name in names:
            path = out / name
            assert old.get(name) == path.read_bytes() or _complete(path), (delay, name)
        if status == 130:
            assert len(err) == 1 and err[0].startswith("autograd-lite"), (delay, err)
            assert "interrupted" in err[0] and "Traceback" not in err[0]
        else:  # finished; a Ctrl-C after main returned, as Python exits, ends it by SIGINT
            assert status in (0, -signal.SIGINT) and err == [], (delay, status, err)
            assert all(_complete(out / name) for name in old), delay


def test_ctrl_c_as_the_command_starts_is_one_line(tmp_path):
    """SIGINT 0.2 s after the command's module is imported, while ``main`` loads numpy and
    the engine, or soon after: one line, exit 130, no output but the interrupted weights.
    (Until the console script has found that module and called ``main``, Python prints its
    own traceback: a SIGINT sent the very moment the module is imported, into the script's
    next two lines, showed it.)"""
    out = tmp_path / "out"
    for _ in range(3):
        status, err = _interrupted_run(["train", "--out", str(out), "--force"], AFTER_START)
        assert status == 130 and len(err) == 1, err
        assert err[0].startswith("autograd-lite") and "interrupted" in err[0], err
        assert not out.exists() or [p.name for p in out.iterdir()] in (
            [], ["weights.interrupted.json"])
