"""Writing files and running programs without leaving a mess: the two helpers every writer
and every subprocess of autograd-lite goes through.

``write_atomic(path, data)`` writes a whole file or nothing: the bytes go to a temporary
file in the same directory, are flushed to disk, and the temporary file is then renamed over
the target in one step. If anything fails on the way (a full disk, a file-size limit, Ctrl-C),
the temporary file is removed and the old file, if there was one, is left byte for byte as
it was.

``check_writable(path)`` raises the ``OSError`` that writing would, before any work is done;
``read_limited(path, limit)`` reads a regular file of at most ``limit`` bytes (a FIFO, which
would block, or ``/dev/zero``, which never ends, is refused before it is opened);
``describe_os_error`` puts an ``OSError`` on one line.

``run_program(argv, input, timeout=...)`` runs a program such as graphviz's ``dot`` and
returns what it printed. Every way it can go wrong raises one exception type,
``ProgramError``, whose message is one line saying what to do: the program is missing (how
to install it), it ran past ``timeout`` seconds (it is killed), or it failed (its exit
status or signal and the last line it wrote to stderr).

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> write_atomic(target, "first\\n").read_text()
'first\\n'
>>> run_program(["cat"], b"piped", timeout=10)
b'piped'
"""

from __future__ import annotations

import errno
import math
import os
import secrets
import signal
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "write_atomic",
    "check_writable",
    "replace_file",
    "read_limited",
    "describe_os_error",
    "run_program",
    "ProgramError",
    "ProgramNotFound",
]


class ProgramError(RuntimeError):
    """A program could not be run, ran out of time, or failed; the message is one line."""


class ProgramNotFound(ProgramError):
    """The program is not installed (not on PATH); the message says how to install it."""


def write_atomic(
    path: str | os.PathLike[str], data: bytes | str, *, encoding: str = "utf-8"
) -> Path:
    """Replace the file at ``path`` with ``data`` (text is encoded with ``encoding``), all or
    nothing; return the path.

    A symbolic link is followed (the file it points to is replaced; the link stays). A new
    file gets the usual permissions (0o666 less the umask); a replaced file keeps its own.
    Raises ``OSError`` (e.g. ``IsADirectoryError``, ``FileNotFoundError`` for a missing
    directory) with the old file unchanged and no temporary file left behind.
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"write_atomic: data must be bytes or str, got {type(data).__name__}")
    target, temp, fd = _open_temporary(path)
    try:
        try:
            if target.exists():
                os.chmod(fd, stat.S_IMODE(target.stat().st_mode))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException as e:  # also Ctrl-C: never leave the temporary file behind
        temp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _naming(e, path) from None
        raise
    _sync_directory(target.parent)
    return Path(path)


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise the ``OSError`` that ``write_atomic(path, ...)`` would raise for want of a place
    to write: a missing directory (or one under a file), a read-only or full file system, no
    permission, ``path`` a directory. Changes nothing."""
    _, temp, fd = _open_temporary(path)
    os.close(fd)
    os.unlink(temp)


def replace_file(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename the file ``source`` over ``target`` (in the same directory) in one step, and make
    the rename durable. A symbolic link at ``target`` is itself replaced: the file it points
    to is left alone."""
    os.replace(source, target)
    _sync_directory(Path(target).parent)


def _open_temporary(path: str | os.PathLike[str]) -> tuple[Path, Path, int]:
    """The real target of ``path`` (symbolic links followed), and a new temporary file beside
    it, open for writing."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise _naming(e, path) from None
    return target, temp, fd


def _naming(e: OSError, path: str | os.PathLike[str]) -> OSError:
    """``e`` about the file the caller asked for (not the temporary file, or no file)."""
    return OSError(e.errno, e.strerror or str(e), os.fspath(path))


def read_limited(path: str | os.PathLike[str], limit: int) -> bytes:
    """The contents of the regular file at ``path``; ``ValueError`` naming the file if it is
    not a regular file (a FIFO, a device, a socket, a directory: refused before it is opened,
    so nothing blocks) or holds more than ``limit`` bytes (no more than ``limit + 1`` are ever
    read). ``OSError`` if it cannot be read."""
    _check_regular(path, os.stat(path).st_mode)
    # O_NONBLOCK: should a FIFO take the file's place after the check, opening it does not
    # wait for a writer, and fstat refuses it.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as f:
        _check_regular(path, os.fstat(fd).st_mode)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(
            f"{os.fspath(path)}: the file is larger than the limit of {limit:,} bytes"
        )
    return data


_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO (named pipe)",
          stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket"}


def _check_regular(path: str | os.PathLike[str], mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "a special file")
        raise ValueError(f"{os.fspath(path)}: {kind}, not a regular file")


def describe_os_error(e: OSError) -> str:
    """``e`` on one line: the file (or files) and the reason, e.g. ``out: Not a directory``."""
    where = " -> ".join(os.fspath(f) for f in (e.filename, e.filename2) if f is not None)
    reason = e.strerror or str(e) or type(e).__name__
    return f"{where}: {reason}" if where else reason


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (where the system allows a directory to be synced)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse to sync a directory; the rename has still happened
    finally:
        os.close(fd)


def run_program(
    argv: Sequence[str],
    input: bytes | None = None,
    *,
    timeout: float,
    install_hint: str = "",
    timeout_hint: str = "",
) -> bytes:
    """Run ``argv`` with ``input`` on stdin; return its stdout once it exits with status 0.

    Args:
        timeout: seconds, finite and > 0 (else TypeError or ValueError, before anything
            runs); after that the program is killed and ``ProgramError`` says so,
            followed by ``timeout_hint`` (what the user can do, e.g. draw fewer nodes).
        install_hint: how to install the program, said when it is not on PATH
            (``ProgramNotFound``, a ``ProgramError``).

    A non-zero exit status or a signal (a crash) raises ``ProgramError`` naming the program
    and quoting the last line of its stderr.
    """
    name = os.path.basename(argv[0])
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__}: "
                        f"{timeout!r}")
    if not 0 < timeout < math.inf:  # NaN fails too
        raise ValueError(f"timeout must be a finite number of seconds > 0, got {timeout!r}")
    try:
        done = subprocess.run(
            list(argv), input=input, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise ProgramNotFound(
            _sentence(f"{name} is not installed (not on PATH)", install_hint)
        ) from None
    except PermissionError:
        raise ProgramError(f"cannot run {name}: permission denied") from None
    except subprocess.TimeoutExpired:
        raise ProgramError(
            _sentence(f"{name} did not finish within {timeout:g} s and was stopped", timeout_hint)
        ) from None
    if done.returncode != 0:
        raise ProgramError(f"{name} {_how_it_ended(done.returncode)}: {_last_line(done.stderr)}")
    return done.stdout


def _sentence(first: str, second: str) -> str:
    return f"{first}; {second}" if second else first


def _how_it_ended(returncode: int) -> str:
    if returncode > 0:
        return f"failed (exit status {returncode})"
    try:
        signame = signal.Signals(-returncode).name
    except ValueError:
        signame = f"signal {-returncode}"
    return f"crashed ({signame})"


def _last_line(stderr: bytes) -> str:
    """The last non-blank line of ``stderr``, shortened to fit one line of a terminal."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    last = next((line for line in reversed(lines) if line), "no error message")
    return last if len(last) <= 200 else last[:199] + "…"
