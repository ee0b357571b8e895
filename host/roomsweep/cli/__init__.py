"""The `roomsweep` command. User mistakes end in one line and a non-zero exit code.

Every command is a row of the one table in `roomsweep.cli.commands`; its code
lives in `traveler`, `analyst`, `developer` or `simulation` beside this module.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any, NoReturn

from roomsweep import __version__
from roomsweep.cli.commands import COMMANDS, Command
from roomsweep.errors import RoomsweepError


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one line on stderr (and exit code 2),
    like every other user mistake: which command, what is wrong, where the help is.
    The command's subparsers are of this class too (argparse makes them so)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition(" ")[2]
        where = f"{command}: " if command else ""
        self.exit(2, f"roomsweep: error: {where}{message} ({self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="roomsweep",
        description="Find hidden cameras and bugs: device link, captures, simulator.",
    )
    p.add_argument("--version", action="version", version=f"roomsweep {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    actions: dict[str, Any] = {}  # a command's own subparsers, for "scenarios generate"
    for cmd in COMMANDS:
        parent, _, action = cmd.name.partition(" ")
        if action:
            s = actions[parent].add_parser(action, help=cmd.help, description=cmd.description)
        else:
            s = sub.add_parser(cmd.name, help=cmd.help, description=cmd.description)
        cmd.arguments(s)
        if cmd.run:
            s.set_defaults(command_entry=cmd)
        else:  # a command whose actions are commands of their own
            actions[cmd.name] = s.add_subparsers(
                dest=f"{cmd.name}_command", metavar="ACTION", required=True
            )
    return p


def _runner(cmd: Command) -> Any:
    """The command's function, imported now (see roomsweep.cli.commands for why)."""
    module, _, function = cmd.run.partition(":")
    return getattr(importlib.import_module(f"roomsweep.cli.{module}"), function)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    cmd = getattr(args, "command_entry", None)
    if cmd is None:
        parser.print_help()
        return 2
    try:
        return int(_runner(cmd)(args) or 0)
    except RoomsweepError as e:
        print(f"roomsweep: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("roomsweep: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
