"""The analyst's commands: info, analyze, report, plot, export, compare, batch.

Each parses nothing itself (roomsweep.cli.commands holds the arguments): it calls
the module that does the work and prints. Errors are RoomsweepError and end as
one line (roomsweep.cli.main)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.recording import from_capture
from roomsweep.analyst.analysed import (
    analyse_capture,
    clean_names,
    load_recording,
    plan_notes,
    with_level_bounds,
)
from roomsweep.analyst.batch import find_captures, run_batch, write_summary
from roomsweep.analyst.caveats import Caveats
from roomsweep.analyst.compare import compare, format_comparison
from roomsweep.analyst.export import export, export_paths
from roomsweep.analyst.plot import figure, lens_module, save
from roomsweep.analyst.progress import bar, stages
from roomsweep.analyst.report import write_report
from roomsweep.cli.output import format_findings, print_json, wrap_line
from roomsweep.errors import RoomsweepError, UsageError
from roomsweep.link.capture import Capture, load, summarize_capture
from roomsweep.link.header_schema import check_calibration_file
from roomsweep.link.inputs import check_input_path, load_plan_file
from roomsweep.link.outputs import check_output_path
from roomsweep.network.redact import redact_findings
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.plan import RoomPlan
from roomsweep.protocol.untrusted import printable, printable_tree


def _inputs(args: argparse.Namespace, *captures: str) -> list[str]:
    """The command's input files, each checked to be a regular file before any work
    (a FIFO would block the reader): its captures, its calibration file and its
    plan file (none of them is ever written over: check_output_path)."""
    for c in captures:
        check_input_path(c, "capture")
    plan = getattr(args, "plan", None)
    if plan:
        check_input_path(plan, "plan file")
    calibration = getattr(args, "calibration", None)
    if calibration:
        check_input_path(calibration, "calibration file")
        try:
            data = json.loads(Path(calibration).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None  # Calibration.load says what is wrong with it
        if isinstance(data, dict):
            check_calibration_file(data, calibration)
    return [*captures, *([calibration] if calibration else []), *([plan] if plan else [])]


def _plan(args: argparse.Namespace) -> RoomPlan | None:
    """The room's plan file (`--plan`), read and checked before any work."""
    path = getattr(args, "plan", None)
    return load_plan_file(path) if path else None


def _say_plan_notes(rec: Any, plan: RoomPlan | None) -> None:
    """A plan file that does less than its user expects says so (standard error)."""
    for note in plan_notes(rec, plan):
        print(f"roomsweep: note: {note}", file=sys.stderr)


def live_link_line(summary: dict[str, Any]) -> str | None:
    """What `info` says about the live link: the live reader's last counters, and
    what they cannot show. Each connection has its own reader, so frames lost while
    the link was down (a pulled cable, a reconnect) are in no live counter: they
    show as sequence gaps when the capture is replayed, and are said here."""
    live = summary["live_counters"]
    if live is None:
        return None
    parts = [f"{k} {v}" for k, v in live.items() if v and k not in ("bytes_total", "frames")]
    losses = summary.get("link_losses", 0)
    if losses:
        parts.append(f"lost {losses} time{'s' if losses > 1 else ''}")
    unseen = summary["replay_counters"].get("seq_gaps", 0) - int(live.get("seq_gaps") or 0)
    if unseen > 0:
        parts.append(
            f"{unseen} frames missing "
            + ("across the reconnects" if losses else "that the live counters do not show")
            + " (sequence gaps in the capture)"
        )
    return "live link " + ("clean" if not parts else ", ".join(parts))


def on_capture_clock(
    summary: dict[str, Any], path: str, loaded: Capture | None = None
) -> dict[str, Any]:
    """`summary` (roomsweep.link.capture.summarize, whose mark times are the
    device's uptime) with the capture's time base added, the one every other
    output uses (`Recording.device_time`: seconds from the first RF sample on the
    device's clock): each mark's `time_s` and `waypoint` (named as the analysis
    names it, from the plan), the `scan_gaps` and the seconds of samples. A
    capture without RF samples (or whose plan cannot be read) has no such base:
    its marks get `time_s` None and their MARK label as `waypoint`. `loaded`: the
    capture `summary` was made from (`load`), read again from `path` without it."""
    try:
        rec = clean_names(from_capture(path, loaded))
    except RoomsweepError:
        rec = None
    marks = summary["marks"]
    if rec is None or len(rec.marks) != len(marks):
        for m in marks:
            m.update(time_s=None, waypoint=m["label"])
        summary.update(scan_gaps=[], sampled_s=None)
        return summary
    for m, r in zip(marks, rec.marks):
        m.update(time_s=round(r.device_s, 6), waypoint=r.label)
    summary["duration_s"] = round(rec.device_duration_s, 6)
    summary["scan_gaps"] = [[a, b] for a, b in rec.scan_gaps]
    summary["sampled_s"] = round(rec.duration_s, 6)
    return summary


def cmd_info(args: argparse.Namespace) -> int:

    _inputs(args, args.capture)
    cap = load(args.capture)  # decoded once: for the summary and the analysis's clock
    summary = on_capture_clock(summarize_capture(cap), args.capture, cap)
    if args.json:
        print_json(summary)
        return 0
    dev = printable_tree(summary["device"] or {})  # a header written by any recorder
    lines = [f"capture   {printable(summary['path'])}"]
    lines.append(
        f"device    {dev.get('board', '?')} firmware {dev.get('firmware', '?')}"
        f"{' (simulated)' if dev.get('simulated') else ''}"
    )
    restarts = summary.get("device_restarts", 0)
    sampled = summary.get("sampled_s")
    lines.append(
        f"duration  {summary['duration_s']:.3f} s of device time"
        + (
            f" (the device restarted {restarts} time{'s' if restarts > 1 else ''}: "
            "its runs joined end to end)"
            if restarts
            else ""
        )
        + (
            f", {sampled:.3f} s of it sampled"
            if sampled is not None and summary["duration_s"] - sampled > 0.5
            else ""
        )
    )
    lines.append(
        "frames    " + ", ".join(f"{k} {v}" for k, v in summary["frames_by_type"].items())
    )
    names = {"0": "rf", "1": "photodiode"}
    for ch, c in summary["channels"].items():
        lines.append(
            f"channel   {names.get(ch, ch)}: {c['samples']} samples in {c['blocks']} blocks, "
            f"{c['rate_hz_median']:.1f} S/s (min {c['rate_hz_min']:.1f}, "
            f"max {c['rate_hz_max']:.1f}), device dropped {c['device_dropped']}"
        )
    gaps = summary.get("scan_gaps") or []
    if gaps:
        lines.append(
            f"gaps      {len(gaps)} stretches without samples (Wi-Fi scans or lost data), "
            f"{sum(b - a for a, b in gaps):.1f} s in all"
        )
    for m in summary["marks"]:
        # the capture's clock (seconds from the first RF sample), as every output
        if m.get("time_s") is None:  # no RF samples: no such clock
            when = f"{m['device_time_s']:.3f} s of device uptime (no RF samples)"
        else:
            when = f"{m['time_s']:.3f} s"
        source = "button" if m["source"] == 1 else "host"
        lines.append(f"mark      #{m['number']} {printable(m['waypoint'])} at {when} ({source})")
    counters = summary["replay_counters"]
    bad = {k: v for k, v in counters.items() if v and k not in ("bytes_total", "frames")}
    lines.append(
        f"errors    {'none' if not bad else ', '.join(f'{k} {v}' for k, v in bad.items())}"
    )
    line = live_link_line(summary)
    if line:
        lines.append(line)
    width = shutil.get_terminal_size().columns
    for line in lines:  # at word boundaries, continued under the values
        print(
            textwrap.fill(
                line,
                width=max(width, 40),
                subsequent_indent=" " * 10,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return 0


def _redacting(args: argparse.Namespace) -> bool:
    """--redact asked for; --salt alone is a mistake (it would print in clear)."""
    if args.salt is not None and not args.redact:
        raise UsageError("--salt is for --redact (without it SSIDs and addresses print in clear)")
    return bool(args.redact)


def cmd_analyze(args: argparse.Namespace) -> int:

    redact = _redacting(args)
    _inputs(args, args.capture, *([args.baseline] if args.baseline else []))
    if args.baseline and Path(args.baseline).resolve() == Path(args.capture).resolve():
        # everything it heard would be "known", and nothing ever reported
        raise UsageError("--baseline is the capture itself: give a clean sweep of the same room")
    plan = _plan(args)
    rec, notes = load_recording(args.capture, plan)  # and what its findings cannot say
    _say_plan_notes(rec, plan)
    if args.calibration:
        rec.calibration = Calibration.load(args.calibration)
    baseline = None
    if args.baseline:
        baseline = from_capture(args.baseline, plan=plan)  # the same room
        baseline.calibration = rec.calibration
    # the saturated levels as the text gives them (docs/findings.md)
    ceiling = rec.ceiling_dbm
    findings = with_level_bounds(analyze(rec, baseline=baseline), ceiling)
    if redact:
        findings = redact_findings(findings, salt=args.salt)
    # a capture too short to clear the room exits 1: its "nothing found" (or
    # its few findings) must not read as a clean room to a script
    status = 1 if notes.too_short else 0
    if args.json:  # the array of findings as documented; the caveats beside it
        print_json(findings)
        _say_caveats(notes)
        return status
    # as the report words them, evidence and all; wrapped to the terminal
    width = max(shutil.get_terminal_size().columns, 40)
    for line in notes.lines():
        print(wrap_line(f"caveat: {line}", width))
    if notes.too_short and not findings:
        return status  # said above: never "nothing found" for it
    print(format_findings(findings, width=width, evidence=True, ceiling=ceiling))
    return status


def _say_caveats(notes: Caveats) -> None:
    """The caveats on standard error, one line each (beside a --json output that
    has no place for them)."""
    for line in notes.lines():
        print(f"roomsweep: caveat: {line}", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:

    redact = _redacting(args)
    inputs = _inputs(args, args.capture)
    if Path(args.out).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{args.out}: the report is an HTML file (name it .html)")
    check_output_path(args.out, inputs, force=args.force, what="report")
    plan = _plan(args)
    with stages(
        ["load", "analyze", "timeline", "map", "lens", "evidence", "write"], "report"
    ) as step:
        an = analyse_capture(args.capture, calibration=args.calibration, progress=step, plan=plan)
        if redact:  # before anything is drawn or written from them
            an.findings = redact_findings(an.findings, salt=args.salt)
        result = write_report(an, args.out, step)
    _say_plan_notes(an.rec, plan)
    if args.json:
        print_json(result)
    else:
        print(
            f"report: {result['report']} ({len(an.findings)} findings, "
            f"{len(result['figures'])} figures)"
        )
    _say_caveats(an.caveats)  # the report says them too, above its findings
    return 1 if an.caveats.too_short else 0  # as `analyze`: it cannot clear the room


def cmd_plot(args: argparse.Namespace) -> int:

    if args.finding is not None and args.kind != "spectrum":
        # a spectrum is of one finding; the other figures show them all
        raise UsageError(f"--finding is for --kind spectrum, not --kind {args.kind}")
    inputs = _inputs(args, args.capture)
    if Path(args.out).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UsageError(f"{args.out}: plots are written as .png, .svg or .pdf")
    check_output_path(args.out, inputs, force=args.force, what="image")
    if args.kind == "lens":
        lens_module()  # fail before the analysis when there is no lens analysis
    plan = _plan(args)
    with stages(["load", "analyze", "plot"], f"plot {args.kind}") as step:
        an = analyse_capture(args.capture, calibration=args.calibration, progress=step, plan=plan)
        step("plot")
        path = save(figure(an, args.kind, args.finding), args.out)
    _say_plan_notes(an.rec, plan)
    if args.json:
        print_json({"plot": str(path), "kind": args.kind, "capture": an.path})
    else:
        print(f"plot: {path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:

    redact = _redacting(args)
    inputs = _inputs(args, args.capture)
    to_stdout = args.format != "sigmf" and args.out in (None, "-")
    if args.format == "csv" and args.out is None and sys.stdout.isatty():
        raise UsageError(
            "export --format csv writes a row per sample (8000 a second): give -o FILE, "
            "or -o - to print them on the terminal anyway"
        )
    for out in [] if to_stdout else export_paths(args.capture, args.format, args.out):
        check_output_path(out, inputs, force=args.force, what=f"{args.format} export")
    plan = _plan(args)
    with stages(["load", "analyze"], "analysis") as step:
        an = analyse_capture(args.capture, calibration=args.calibration, progress=step, plan=plan)
    if redact:
        an.findings = redact_findings(an.findings, salt=args.salt)
    _say_plan_notes(an.rec, plan)
    result = export(an, args.format, args.out, inputs=inputs, force=args.force)
    if args.json and not to_stdout:
        print_json(result)
    elif not to_stdout:
        print(f"{args.format}: " + ", ".join(result["files"]))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:

    try:
        _inputs(args, args.a, args.b)
        plan = _plan(args)  # two sweeps of one room: one plan for both
        with stages(["load", "analyze", "load", "analyze"], "compare") as step:
            a = analyse_capture(args.a, calibration=args.calibration, progress=step, plan=plan)
            b = analyse_capture(args.b, calibration=args.calibration, progress=step, plan=plan)
    except RoomsweepError as e:
        e.exit_code = 2  # like diff: 1 means "changed", trouble is 2
        raise
    for an in (a, b):
        _say_plan_notes(an.rec, plan)
    result = compare(a, b)
    if args.json:
        print_json(result)
    else:
        print(format_comparison(result, width=max(shutil.get_terminal_size().columns, 40)))
    return 1 if result["changed"] else 0  # like diff: 1 when it prints changes


def cmd_batch(args: argparse.Namespace) -> int:

    paths = find_captures(args.dir)
    inputs: list[str | Path] = [*paths, *_inputs(args)]
    out = check_output_path(args.out, inputs, force=args.force, what="summary")
    failed = []
    with bar(len(paths), "batch", unit="capture") as b:

        def done(row: dict[str, Any]) -> None:
            if row["error"]:
                failed.append(row)
                where = "" if row["capture"] in row["error"] else f"{row['capture']}: "
                b.write(f"roomsweep: {where}{row['error']}", file=sys.stderr)
            b.update(1)

        rows = run_batch(
            paths,
            scheduler=args.scheduler,
            workers=args.workers,
            calibration=args.calibration,
            on_done=done,
        )
    write_summary(rows, out, inputs=inputs, force=args.force)
    if args.json:
        print_json(
            {"summary": str(out), "captures": len(rows), "failed": len(failed), "rows": rows}
        )
    else:
        caveated = sum(1 for r in rows if r.get("caveats"))
        print(
            f"{len(rows)} captures, {len(failed)} failed, "
            f"{sum(1 for r in rows if r['findings'] not in ('', 0))} with findings"
            # too short, stops not visited, damage (analyst.caveats): the findings
            # of those say less than their count
            + (f", {caveated} with caveats (its caveats column)" if caveated else "")
            + f": {out}"
        )
    return 1 if failed else 0
