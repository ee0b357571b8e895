"""The analyst's commands of `roomsweep`: report, plot, export, compare, batch.

`register(sub)` adds their subparsers to the main parser (cli.py); each command
parses, calls the module that does the work and prints. Errors are RoomsweepError
and end as one line (cli.main).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


# The choices, here so that building the parser imports neither matplotlib nor the
# analysis (every `roomsweep` command builds it); tests check they match plot.KINDS
# and export.FORMATS.
PLOT_KINDS = ("timeline", "spectrum", "lens", "map")
EXPORT_FORMATS = ("sigmf", "csv", "jsonl")


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def cmd_report(args: argparse.Namespace) -> int:
    from roomsweep.analyst.analysed import analyse_capture
    from roomsweep.analyst.progress import stages
    from roomsweep.analyst.report import write_report

    with stages(["load", "analyze", "timeline", "map", "lens", "evidence", "write"], "report") as step:
        an = analyse_capture(args.capture, calibration=args.calibration, progress=step)
        result = write_report(an, args.out, step)
    if args.json:
        _print_json(result)
    else:
        print(f"report: {result['report']} ({len(an.findings)} findings, "
              f"{len(result['figures'])} figures)")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from roomsweep.analyst.analysed import analyse_capture
    from roomsweep.analyst.plot import figure, save
    from roomsweep.analyst.plot import lens_module
    from roomsweep.analyst.progress import stages

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


def cmd_export(args: argparse.Namespace) -> int:
    from roomsweep.analyst.analysed import analyse_capture
    from roomsweep.analyst.export import export
    from roomsweep.analyst.progress import stages

    with stages(["load", "analyze"], "analysis") as step:
        an = analyse_capture(args.capture, calibration=args.calibration, progress=step)
    to_stdout = args.format != "sigmf" and args.out in (None, "-")
    result = export(an, args.format, args.out)
    if args.json and not to_stdout:
        _print_json(result)
    elif not to_stdout:
        print(f"{args.format}: " + ", ".join(result["files"]))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from roomsweep.analyst.analysed import analyse_capture
    from roomsweep.analyst.compare import compare, format_comparison
    from roomsweep.analyst.progress import stages

    with stages(["load", "analyze", "load", "analyze"], "compare") as step:
        a = analyse_capture(args.a, calibration=args.calibration, progress=step)
        b = analyse_capture(args.b, calibration=args.calibration, progress=step)
    result = compare(a, b)
    if args.json:
        _print_json(result)
    else:
        print(format_comparison(result))
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from roomsweep.analyst.batch import find_captures, run_batch, write_summary
    from roomsweep.errors import UsageError
    from roomsweep.analyst.progress import bar

    paths = find_captures(args.dir)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UsageError(f"no such directory for the summary: {out.parent}")
    failed = []
    with bar(len(paths), "batch", unit="capture") as b:
        def done(row: dict[str, Any]) -> None:
            if row["error"]:
                failed.append(row)
                where = "" if row["capture"] in row["error"] else f"{row['capture']}: "
                b.write(f"roomsweep: {where}{row['error']}", file=sys.stderr)
            b.update(1)

        rows = run_batch(paths, scheduler=args.scheduler, workers=args.workers,
                         calibration=args.calibration, on_done=done)
    write_summary(rows, out)
    if args.json:
        _print_json({"summary": str(out), "captures": len(rows), "failed": len(failed),
                     "rows": rows})
    else:
        print(f"{len(rows)} captures, {len(failed)} failed, "
              f"{sum(1 for r in rows if r['findings'] not in ('', 0))} with findings: {out}")
    return 1 if failed else 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _rank_or_class(text: str) -> int | str:
    return _positive_int(text) if text.strip().lstrip("-").isdigit() else text.strip()


def register(sub: Any) -> None:
    """Add the analyst's subcommands to `roomsweep`'s subparsers."""
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
    s.add_argument("--kind", choices=PLOT_KINDS, default="timeline",
                   help="timeline (default): RF level along the sweep; spectrum: envelope "
                        "spectrum of a finding with its class's expected lines; lens: "
                        "photodiode amplitude with glints; map: room map with positions")
    s.add_argument("--finding", type=_rank_or_class,
                   help="with --kind spectrum: the finding's rank, or a class (gsm, dect, ...) "
                        "for its best-ranked finding (default: the top RF finding)")
    s.add_argument("--calibration", help="per-device calibration file (roomsweep calibrate)")
    s.add_argument("--json", action="store_true", help="print what was written as JSON")
    s.set_defaults(func=cmd_plot)

    s = sub.add_parser("export", help="export samples and findings: SigMF, CSV, JSON lines")
    s.add_argument("capture")
    s.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                   help="sigmf: a recording per sample channel with the findings as "
                        "annotations; csv: one row per sample; jsonl: one finding per line")
    s.add_argument("-o", "--out",
                   help="sigmf: base path (default: the capture's, without .cap); csv, jsonl: "
                        "file (default: standard output)")
    s.add_argument("--calibration", help="per-device calibration file (roomsweep calibrate)")
    s.add_argument("--json", action="store_true",
                   help="print what was written as JSON (not with csv/jsonl to stdout)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("compare", help="what changed between two sweeps of the same room")
    s.add_argument("a", help="the earlier capture")
    s.add_argument("b", help="the later capture")
    s.add_argument("--calibration", help="per-device calibration file (roomsweep calibrate)")
    s.add_argument("--json", action="store_true", help="print the differences as JSON")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("batch", help="analyse a directory of captures in parallel (Dask); "
                                     "exit code 1 when any capture failed")
    s.add_argument("dir", help="directory of captures (*.cap)")
    s.add_argument("--out", required=True, help="summary CSV to write, one row per capture")
    s.add_argument("--scheduler", help="address of an existing Dask scheduler "
                                       "(tcp://host:8786); default: local worker processes")
    s.add_argument("--workers", type=_positive_int,
                   help="local worker processes (default: one per core)")
    s.add_argument("--calibration", help="per-device calibration file for every capture")
    s.add_argument("--json", action="store_true", help="print the summary rows as JSON")
    s.set_defaults(func=cmd_batch)
