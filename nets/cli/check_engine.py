"""``autograd-lite check-engine MODULE:CLASS``: grade a student's own micrograd-style
``Value`` class with ``autograd_lite.check_engine`` and print what it found; exit status 0
when every number agrees, 1 when a fault is found.

``MODULE`` is a file (``engine.py``) or a module name importable from the current
directory (``mygrad.engine``). Importing it runs the student's code, which is what the
command is for; so it runs in a child process, stopped after ``--timeout`` seconds and
limited to ``MEMORY`` bytes of address space, and nothing it does can hang this one. A
module that cannot be imported, or has no such class, is a usage error (status 2).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from autograd_lite.files import run_program

from .arguments import UsageError, integer

__all__ = ["register", "run", "load_class"]

TIMEOUT = 60  # seconds, by default: the battery takes well under one on a sound engine
MEMORY = 2 * 1024**3  # bytes of address space for the child
_ERROR = "error: "  # how the child's first line says the target could not be loaded


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check-engine`` subcommand to a CLI's subparsers."""
    sub = subparsers.add_parser(
        "check-engine",
        help="grade your own micrograd-style Value class against autograd-lite",
        description="Build a battery of graphs with your Value class (every op it defines, "
        "numbers on either side, nodes used twice, a 5,000-deep chain), compare values and "
        "gradients with autograd-lite's, and name the first fault. Your module is imported "
        "in a child process with a time limit.",
    )
    sub.add_argument("target", metavar="MODULE:CLASS",
                     help="your class, as engine.py:Value or mygrad.engine:Value")
    sub.add_argument("--timeout", type=integer(1, 600), default=TIMEOUT,
                     help="seconds before the check is stopped, 1 to 600 (default: %(default)s)")
    sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the class in a child process; print its report; return the exit status."""
    _split(args.target)  # a malformed target is refused before any process starts
    out = run_program(
        [sys.executable, "-m", __name__, args.target], timeout=args.timeout,
        timeout_hint="an engine whose backward() never ends (a cycle in the walk?), or raise "
                     "--timeout",
    ).decode("utf-8", "replace")
    if out.startswith(_ERROR):
        raise UsageError(out[len(_ERROR):].strip())
    print(out, end="")
    return 0 if out.startswith("right:") else 1


def _split(target: str) -> tuple[str, str]:
    module, sep, name = target.rpartition(":")
    if not sep or not module or not name.isidentifier():
        raise UsageError(f"{target!r}: give MODULE:CLASS, such as engine.py:Value or "
                         "mygrad.engine:Value")
    return module, name


def load_class(target: str) -> type:
    """The class ``MODULE:CLASS`` names, importing the module (which runs its code)."""
    module_name, name = _split(target)
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"{module_name}: no such file")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[path.stem] = module  # so the module's own dataclasses etc. resolve
            spec.loader.exec_module(module)
        else:
            sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except BaseException as e:  # the student's module failing as it is imported
        raise UsageError(f"importing {module_name} raised {type(e).__name__}: {e}") from None
    cls = getattr(module, name, None)
    if not isinstance(cls, type):
        raise UsageError(f"{module_name} has no class {name}")
    return cls


def _child(argv: list[str]) -> int:
    """In the child: load the class and print the report (or one ``error:`` line)."""
    import resource

    from autograd_lite import check_engine

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    try:
        cls = load_class(argv[0])
    except UsageError as e:
        print(f"{_ERROR}{e}")
        return 0
    print(check_engine(cls))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
