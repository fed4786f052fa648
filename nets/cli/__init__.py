"""The ``autograd-lite`` command: train the notes' network and check its gradients.

    autograd-lite demo        train on two-moons with the defaults, compare gradients, plot
    autograd-lite train       the same with your data and settings
    autograd-lite gradcheck   random nets of several sizes: autodiff vs closed form vs
                              finite differences; exits 1 on any mismatch
    autograd-lite graph       draw the net's graph for one example (or an expression) as
                              SVG, optionally explaining one parameter's gradient
    autograd-lite check-engine MODULE:CLASS
                              grade your own micrograd-style Value class; exits 1 on a fault

Bad arguments exit with status 2 and a one-line reason, never a traceback; ``--help`` works
everywhere. Every size has an upper bound (``LIMITS``), checked before anything is built, and
the output directory is created and checked for writing before training starts. Every file
is written atomically: a failed write (a full disk, Ctrl-C) leaves the old file whole.
Ctrl-C exits with status 130 and one line, from the first line of ``main`` on: this module
imports nothing at the top, so that loading numpy and the engine happens inside ``main``.

Each subcommand is a module of this package with ``register(subparsers)``, which adds its
parser and sets ``func(args) -> int``; a new subcommand is one more name in ``COMMANDS``.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = ("train", "gradcheck", "graph", "check_engine")
"""The modules of this package that register a subcommand, in the order ``--help`` lists
them."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        parser = build_parser()  # imports the subcommands, numpy and the engine
        args = parser.parse_args(argv)
        return _run(parser, args)
    except KeyboardInterrupt as e:  # Ctrl-C before or after a subcommand's own handling
        print(f"autograd-lite: error: {str(e) or 'interrupted'}", file=sys.stderr)
        return 130


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """``args.func(args)``, each failure turned into one line on stderr and an exit status."""
    from autograd_lite.files import ProgramError, describe_os_error

    from .arguments import UsageError, one_line

    try:
        return args.func(args)
    except UsageError as e:
        status, reason = 2, str(e)
    except OSError as e:  # an output that cannot be written after all, e.g. a full disk
        status, reason = 2, describe_os_error(e)
    except (ArithmeticError, ProgramError) as e:  # e.g. weights overflowing; dot failing
        status, reason = 1, str(e)
    except MemoryError:  # every size is bounded, but the machine may have less to give
        status, reason = 1, "out of memory; use smaller sizes"
    except KeyboardInterrupt as e:
        status, reason = 130, str(e) or ("interrupted; each file written is complete, the "
                                         "others were left as they were")
    except ModuleNotFoundError as e:
        if e.name not in ("matplotlib", "tqdm"):
            raise
        status, reason = 1, f"{e.name} is missing: pip install 'autograd-lite[train]'"
    print(f"{parser.prog} {args.command}: error: {one_line(reason)}", file=sys.stderr)
    return status


def build_parser() -> argparse.ArgumentParser:
    """The parser with one subparser per subcommand; each sets ``func(args) -> int``."""
    from .arguments import Parser

    parser = Parser(
        prog="autograd-lite",
        description="Train the lecture notes' feature-discovery network and check that "
        "autodiff, the notes' closed-form gradients and finite differences agree.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        import_module(f"{__name__}.{name}").register(subparsers)
    return parser
