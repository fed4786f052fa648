"""write_atomic: all or nothing, the old file byte-identical after any failure; run_program:
every failure one line with what to do."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from autograd_lite import files
from autograd_lite.files import ProgramError, ProgramNotFound, run_program, write_atomic

OLD = b'{"the": "good old file"}\n'


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "weights.json"
    path.write_bytes(OLD)
    return path


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def failing_write(after: int, error: BaseException):
    """An os.write that writes ``after`` bytes in total, then raises ``error``."""
    real_write, written = os.write, [0]

    def write(fd, data):
        room = after - written[0]
        if room <= 0:
            raise error
        n = real_write(fd, bytes(data[:room]))
        written[0] += n
        return n

    return write


def test_writes_text_and_bytes_and_replaces(tmp_path, old_file):
    assert write_atomic(old_file, "new ✓\n") == old_file
    assert old_file.read_text(encoding="utf-8") == "new ✓\n"
    write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("after", [0, 1, 1024, 70_000])
@pytest.mark.parametrize("error", [OSError(errno.EFBIG, "File too large"), KeyboardInterrupt()])
def test_a_write_failing_after_n_bytes_leaves_the_old_file(tmp_path, old_file, monkeypatch,
                                                          after, error):
    monkeypatch.setattr(files.os, "write", failing_write(after, error))
    with pytest.raises(type(error)):
        write_atomic(old_file, b"x" * 100_000)
    monkeypatch.undo()
    assert old_file.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_a_failed_rename_leaves_the_old_file(tmp_path, old_file, monkeypatch):
    def refuse(*args):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(OSError):
        write_atomic(old_file, b"new")
    assert old_file.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_file_size_limit_in_a_real_process_leaves_the_old_file(tmp_path, old_file):
    script = textwrap.dedent(f"""
        import resource, sys
        from autograd_lite.files import write_atomic
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
        try:
            write_atomic({str(old_file)!r}, b"x" * 100_000)
        except OSError as e:
            sys.exit(e.errno)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == errno.EFBIG, done.stderr
    assert old_file.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_a_directory_or_a_missing_directory_is_refused_before_writing(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path / "d", b"x")
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "no" / "f", b"x")
    assert leftovers(tmp_path) == [] and os.listdir(tmp_path / "d") == []


def test_a_symlink_is_followed_and_kept(tmp_path, old_file):
    link = tmp_path / "link.json"
    link.symlink_to(old_file)
    write_atomic(link, b"new")
    assert link.is_symlink() and old_file.read_bytes() == b"new"


def test_permissions_new_file_umask_old_file_kept(tmp_path, old_file):
    old_file.chmod(0o640)
    write_atomic(old_file, b"new")
    assert stat.S_IMODE(old_file.stat().st_mode) == 0o640
    mask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new", b"x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o644


def test_data_of_the_wrong_type_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="data must be bytes or str, got int"):
        write_atomic(tmp_path / "f", 3)
    assert not (tmp_path / "f").exists()


# --- run_program -------------------------------------------------------------------------
def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and message
    return message


def test_returns_stdout():
    assert run_program(["cat"], b"abc", timeout=10) == b"abc"
    assert run_program(["echo", "hi"], timeout=10) == b"hi\n"


def test_a_missing_program_says_how_to_install_it():
    with pytest.raises(ProgramNotFound) as error:
        run_program(["no-such-program-xyz"], timeout=10, install_hint="apt-get install xyz")
    assert one_line(error) == "no-such-program-xyz is not installed (not on PATH); " \
        "apt-get install xyz"


def test_a_program_over_its_time_is_stopped_and_the_message_says_what_to_do():
    with pytest.raises(ProgramError) as error:
        run_program(["sleep", "30"], timeout=0.2, timeout_hint="try fewer nodes")
    assert one_line(error) == "sleep did not finish within 0.2 s and was stopped; try fewer nodes"


def test_a_failing_program_is_named_with_its_last_stderr_line():
    script = "echo first >&2; echo 'the last words' >&2; echo; exit 3"
    with pytest.raises(ProgramError) as error:
        run_program(["sh", "-c", script], timeout=10)
    assert one_line(error) == "sh failed (exit status 3): the last words"


def test_a_crash_names_the_signal():
    with pytest.raises(ProgramError) as error:
        run_program(["sh", "-c", "kill -SEGV $$"], timeout=10)
    assert one_line(error) == "sh crashed (SIGSEGV): no error message"


def test_a_file_that_cannot_be_executed(tmp_path):
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    with pytest.raises(ProgramError) as error:
        run_program([str(script)], timeout=10)
    assert one_line(error) == "cannot run script: permission denied"


# --- save_svg goes through both ------------------------------------------------------------
@pytest.fixture
def fake_dot(tmp_path, monkeypatch):
    """Put a `dot` that runs the given shell script first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()

    def install(script: str):
        dot = bin_dir / "dot"
        dot.write_text(f"#!/bin/sh\n{script}\n")
        dot.chmod(0o755)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    return install


@pytest.mark.parametrize("script, timeout, message", [
    ("echo 'Error: trouble in layout' >&2; kill -SEGV $$", 60,
     "dot crashed (SIGSEGV): Error: trouble in layout"),
    ("cat > /dev/null; echo 'Error: <stdin>: syntax error in line 3' >&2; exit 1", 60,
     "dot failed (exit status 1): Error: <stdin>: syntax error in line 3"),
    ("exec sleep 30", 0.3, "dot did not finish within 0.3 s and was stopped; draw fewer nodes"),
])
def test_save_svg_failures_are_one_line_and_leave_the_old_svg(tmp_path, fake_dot, script,
                                                             timeout, message):
    from autograd_lite import Value, save_svg

    fake_dot(script)
    old = tmp_path / "g.svg"
    old.write_bytes(b"<svg>old</svg>")
    x = Value(2.0, label="x")
    with pytest.raises(ProgramError) as error:
        save_svg(x * x, old, timeout=timeout)
    assert one_line(error).startswith(message)
    assert old.read_bytes() == b"<svg>old</svg>" and leftovers(tmp_path) == []
