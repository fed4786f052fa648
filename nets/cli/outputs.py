"""The command line's output files: each written under a temporary name beside its own and
renamed over it, so that a symbolic link in its place is replaced, never written through
(``--force`` cannot overwrite a file outside ``--out``); and the room they need reserved on
the disk before the work that makes them, so that a full disk stops a run before it starts.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from autograd_lite.files import check_writable, replace_file

__all__ = ["check_output", "write_output", "reserved"]


def check_output(path: Path) -> None:
    """Raise the ``OSError`` that ``write_output(path, ...)`` would for want of a place to
    write (a symbolic link at ``path`` is replaced, so its target's place does not matter)."""
    check_writable(path.with_name(f".{path.name}.link") if path.is_symlink() else path)


def write_output(path: Path, write: Callable[[Path], object]) -> Path:
    """``write(temporary)`` (a writer such as ``net.save``, given a path with ``path``'s
    suffix beside ``path``), then the temporary file renamed over ``path``; return ``path``.

    On any failure (Ctrl-C too) the temporary file is removed and ``path`` is as it was; an
    ``OSError`` names ``path``.
    """
    temp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.partial{path.suffix}")
    try:
        write(temp)
        replace_file(temp, path)
    except BaseException as e:
        temp.unlink(missing_ok=True)
        if isinstance(e, OSError):  # about the output, not the temporary file
            raise OSError(e.errno, e.strerror or str(e), os.fspath(path)) from None
        raise
    return path


@contextmanager
def reserved(directory: Path, size: int) -> Iterator[None]:
    """Hold ``size`` bytes of ``directory``'s file system while the body runs (a hidden file
    of that size, its blocks allocated), then free them for the outputs. Before the body
    runs, an ``OSError`` naming ``directory`` if there is not that much room (a full disk, a
    file-size limit, a read-only file system)."""
    path = directory / f".autograd-lite-reserve.{secrets.token_hex(4)}"
    try:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                _allocate(fd, size)
            finally:
                os.close(fd)
        except OSError as e:
            raise OSError(e.errno, f"cannot reserve {size:,} bytes for the outputs: "
                                   f"{e.strerror or e}", os.fspath(directory)) from None
        yield
    finally:
        path.unlink(missing_ok=True)


def _allocate(fd: int, size: int) -> None:
    """Give the open file ``size`` bytes of real disk blocks (zeros where the system cannot
    allocate without writing)."""
    try:
        os.posix_fallocate(fd, 0, size)
        return
    except AttributeError:  # not on this system
        pass
    except OSError as e:
        if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL):  # e.g. ENOSPC, EFBIG
            raise
    zeros, remaining = bytes(2**16), size
    while remaining:
        remaining -= os.write(fd, zeros[: min(len(zeros), remaining)])
    os.fsync(fd)
