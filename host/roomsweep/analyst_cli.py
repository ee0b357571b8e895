"""The analyst's commands of `roomsweep`: report, plot, export, compare, batch.

`register(sub)` adds their subparsers to the main parser (cli.py); each command
parses, calls the module that does the work and prints. Errors are RoomsweepError
and end as one line (cli.main).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def cmd_report(args: argparse.Namespace) -> int:
    from .analyst import analyse_capture
    from .progress import stages
    from .report import write_report

    with stages(["load", "analyze", "timeline", "map", "evidence", "write"], "report") as step:
        an = analyse_capture(args.capture, calibration=args.calibration, progress=step)
        result = write_report(an, args.out, step)
    if args.json:
        _print_json(result)
    else:
        print(f"report: {result['report']} ({len(an.findings)} findings, "
              f"{len(result['figures'])} figures)")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from .analyst import analyse_capture
    from .plot import figure, save
    from .plot import lens_module
    from .progress import stages

    if args.kind == "lens":
        lens_module()  # fail before the analysis when there is no lens analysis
    with stages(["load", "analyze", "plot"], f"plot {args.kind}") as step:
        an = analyse_capture(args.capture, calibration=args.calibration, progress=step)
        step("plot")
        path = save(figure(an, args.kind, args.finding), args.out)
    if args.json:
        _print_json({"plot": str(path), "kind": args.kind, "capture": an.path})
    else:
        print(f"plot: {path}")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def register(sub: Any) -> None:
    """Add the analyst's subcommands to `roomsweep`'s subparsers."""
    from .plot import KINDS

    s = sub.add_parser("report", help="one self-contained HTML report of a capture")
    s.add_argument("capture")
    s.add_argument("-o", "--out", required=True, help="HTML file to write")
    s.add_argument("--calibration", help="per-device calibration file (roomsweep calibrate)")
    s.add_argument("--json", action="store_true",
                   help="print the report's data (findings, stops, figures) as JSON")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("plot", help="plot a capture: level timeline, finding spectrum, "
                                    "lens track, room map")
    s.add_argument("capture")
    s.add_argument("-o", "--out", required=True, help="image to write (.png, .svg or .pdf)")
    s.add_argument("--kind", choices=KINDS, default="timeline",
                   help="timeline (default): RF level along the sweep; spectrum: envelope "
                        "spectrum of a finding with its class's expected lines; lens: "
                        "photodiode amplitude with glints; map: room map with positions")
    s.add_argument("--finding", type=_positive_int,
                   help="with --kind spectrum: the finding's rank (default: the top RF one)")
    s.add_argument("--calibration", help="per-device calibration file (roomsweep calibrate)")
    s.add_argument("--json", action="store_true", help="print what was written as JSON")
    s.set_defaults(func=cmd_plot)
