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

Each subcommand is a module of this package with ``register(subparsers)``, which adds its
parser and sets ``func(args) -> int``; a new subcommand is one more module in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from autograd_lite.files import ProgramError, describe_os_error

from . import check_engine, gradcheck, graph, train
from .arguments import UsageError, one_line

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = (train, gradcheck, graph, check_engine)
"""The modules that register a subcommand, in the order ``--help`` lists them."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as e:
        status, reason = 2, str(e)
    except OSError as e:  # an output that cannot be written after all, e.g. a full disk
        status, reason = 2, describe_os_error(e)
    except (ArithmeticError, ProgramError) as e:  # e.g. weights overflowing; dot failing
        status, reason = 1, str(e)
    except KeyboardInterrupt:
        status, reason = 130, "interrupted; every file written is complete, the rest were not"
    except ModuleNotFoundError as e:
        if e.name not in ("matplotlib", "tqdm"):
            raise
        status, reason = 1, f"{e.name} is missing: pip install 'autograd-lite[train]'"
    print(f"{parser.prog} {args.command}: error: {one_line(reason)}", file=sys.stderr)
    return status


class _Parser(argparse.ArgumentParser):
    """argparse's parser, but a usage error is one line (argparse prints the usage too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser with one subparser per subcommand; each sets ``func(args) -> int``."""
    parser = _Parser(
        prog="autograd-lite",
        description="Train the lecture notes' feature-discovery network and check that "
        "autodiff, the notes' closed-form gradients and finite differences agree.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser
