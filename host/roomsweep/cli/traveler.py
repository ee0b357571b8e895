"""The traveler's commands: `ports` (which port is the device?) and `sweep` (the
live view, findings and report at the end). Arguments: roomsweep.cli.commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from roomsweep.analysis.recording import DETECTOR_CEILING_DBM
from roomsweep.analyst.analysed import analyse_capture, ceiling_dbm
from roomsweep.analyst.caveats import sentence
from roomsweep.analyst.report import write_report
from roomsweep.cli.commands import MAX_SPEED
from roomsweep.cli.output import format_findings, print_json, wrap_line
from roomsweep.errors import RoomsweepError, UsageError
from roomsweep.link.firmware import LENS_SCAN_SETTINGS
from roomsweep.link.inputs import plan_to_record
from roomsweep.link.outputs import check_output_path
from roomsweep.link.transport import candidate_ports, format_ports
from roomsweep.live.session import PlainView, SweepSession, TerminalView, run_sweep, sim_header
from roomsweep.live.state import LiveState
from roomsweep.live.stimulus import MotionTest
from roomsweep.live.view import WIDTH
from roomsweep.protocol.plan import RoomPlan
from roomsweep.sim.radios import RADIO_SETTINGS
from roomsweep.sim.runner import SimulatedDevice
from roomsweep.sim.scenario import load_scenario


def cmd_ports(args: argparse.Namespace) -> int:

    ports = candidate_ports()
    if args.json:
        print_json([p.__dict__ for p in ports])
    else:
        print(format_ports(ports))  # the likely device marked *, and why
    return 0


# said as the sweep starts: a phone in the pocket of whoever sweeps is a
# transmitter a few decimetres from the detector, loud at every stop it sends
# at (README, Traveler; docs/benchmarks.md round 24, outsider round 5)
FLIGHT_MODE_TIP = "Your phone in flight mode? Near the device it hides a bug or reads as one."


def cmd_sweep(args: argparse.Namespace) -> int:

    if args.speed is not None and not args.sim:
        raise UsageError("--speed is for the simulated device (--sim)")
    if args.speed is not None and args.speed < 0:
        raise UsageError("--speed must be 0 (flat out) or positive")
    if args.speed is not None and args.speed > MAX_SPEED:
        raise UsageError(f"--speed must be {MAX_SPEED:g} (times real time) or less")
    if args.seed is not None and not args.sim:
        raise UsageError("--seed is for the simulated device (--sim)")
    plan = recording_plan(args)
    # before the device is opened: never replace a capture unasked (--force, --append)
    out = check_output_path(
        args.out, force=args.force or args.append, capture=True, append_ok=True, what="capture"
    )
    if args.report and Path(args.report).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{args.report}: the report is an HTML file (name it .html)")
    if not args.no_report:
        report = Path(args.report) if args.report else out.with_suffix(".html")
        check_output_path(report, [out], force=args.force, what="report")
    interactive = not args.no_tty and sys.stdin.isatty() and sys.stdout.isatty()
    stimulus = _motion_test(args)  # checked before the device is opened
    try:
        import termios  # noqa: F401 - the live view reads keys through it (POSIX)
    except ImportError:
        interactive = False
    sim = None
    header: dict[str, Any] = {"notes": args.note or ""}
    seconds = args.seconds
    alive = None
    if args.sim:
        scenario = load_scenario(args.sim)
        if seconds is None:
            seconds = scenario.duration_s
        sim = SimulatedDevice(scenario, seed=args.seed, seconds=seconds + 2.0)
        sim.start()
        url = sim.port
        header.update(sim_header(scenario, sim.seed, url))
        title = f"{scenario.name} (simulated)"
        sweep_names = header["sweep"]
        alive = sim.alive
    else:
        url = args.port
        title = args.port
        if plan is not None:
            header["plan"] = plan.section()
        sweep_names = list(plan.sweep or []) if plan is not None else []
    try:
        state = LiveState(
            capture_path=str(out),
            port=url,
            sweep_names=sweep_names,
            title=title,
            locate=args.locate,
        )
        settings = args.set or ""
        if not args.no_lens and "led" not in settings:
            settings = (settings + " " + LENS_SCAN_SETTINGS).strip()
        if args.radios and "scan" not in settings:
            settings = (settings + " " + RADIO_SETTINGS).strip()
        session = SweepSession(
            url,
            out,
            state,
            header=header,
            baudrate=args.baud,
            settings=settings,
            append=args.append,
        )
        session.connect()  # a wrong port or a silent device is a one-line error
        state.message = FLIGHT_MODE_TIP  # until the first key or mark replaces it
        if interactive:
            view: Any = TerminalView()
        else:
            view = PlainView(sys.stderr if args.json else sys.stdout)
            view.session = session
            print(FLIGHT_MODE_TIP, file=view.out)
        try:
            speed = (1.0 if args.speed is None else args.speed) if sim else 0.0
            run_sweep(session, view, seconds=seconds, speed=speed, alive=alive, stimulus=stimulus)
        finally:
            if interactive:
                view.close()
    finally:
        if sim is not None:
            sim.stop()
    return _sweep_results(args, state)


def recording_plan(args: argparse.Namespace) -> RoomPlan | None:
    """The room's plan file a recording stores in its header (`--plan`), read and
    checked before the device is opened."""
    if not getattr(args, "plan", None):
        return None
    if args.sim:
        raise UsageError("--plan is for a real room: the simulated one has its own plan")
    return plan_to_record(args.plan, appending=args.append)


def _motion_test(args: argparse.Namespace) -> MotionTest:
    """The guided motion test: always there for the `t` key; with --motion-test
    it starts by itself (at once, or --motion-test-at seconds in)."""
    if args.motion_test_at is not None and not args.motion_test:
        raise UsageError("--motion-test-at is for --motion-test")
    start = None
    if args.motion_test:
        start = 0.0 if args.motion_test_at is None else args.motion_test_at
    return MotionTest(cycles=args.cycles, phase_s=args.phase_s, start_at_s=start)


def _sweep_results(args: argparse.Namespace, state: Any) -> int:
    """After the sweep: whether every planned stop was visited, the ranked
    findings, where and why (wrapped at word boundaries to 80 columns), and the
    files written. Times are device time, the findings' clock."""
    coverage = state.coverage()
    verdict = coverage.verdict()
    result: dict[str, Any] = {
        "capture": str(args.out),
        "frames": state.frames_written,
        "duration_s": round(state.device_s, 3),  # device time, as the findings
        "sampled_s": round(state.sampled_s, 3),  # of it, seconds of RF samples
        "waypoints": [w.__dict__ for w in state.marks],
        "coverage": coverage.as_dict(),
        "link_counters": state.counters,
        "reconnects": state.reconnects,
    }
    findings: list[dict[str, Any]] = []
    ceiling = DETECTOR_CEILING_DBM  # the detector's; the recording's when analysed
    too_short = damage = carried = identified = None
    try:
        an = analyse_capture(args.out)
        findings = an.findings
        ceiling = ceiling_dbm(an)
        # the coverage is this sweep's own verdict, said above; these the capture's
        too_short, damage = an.caveats.too_short, an.caveats.damage
        carried, identified = an.caveats.carried, an.caveats.identified
        result["caveats"] = an.caveats.as_dict()
        if not args.no_report:
            report = Path(args.report) if args.report else Path(args.out).with_suffix(".html")
            result["report"] = write_report(an, report)["report"]
    except RoomsweepError as e:  # e.g. cable pulled before any RF arrived
        result["analysis_error"] = str(e)
    result["findings"] = findings
    # as `analyze`: a capture too short to clear the room is not a clean room
    status = 1 if too_short else 0
    if args.json:
        print_json(result)
        return status
    print()
    print(
        wrap_line(
            f"Sweep finished: {state.device_s:.1f} s, {len(state.marks)} waypoints, "
            f"{state.frames_written} frames"
            + (f", link lost and resumed {state.reconnects} times" if state.reconnects else ""),
            WIDTH,
        )
    )
    if verdict:
        print(wrap_line(sentence(verdict), WIDTH))
    if damage:
        print(wrap_line(sentence(damage), WIDTH))
    if carried:
        print(wrap_line(sentence(carried), WIDTH))
    if identified:  # why the room's own access point is not among the findings
        print(wrap_line(sentence(identified), WIDTH))
    if "analysis_error" in result:
        print(wrap_line(f"no analysis: {result['analysis_error']}", WIDTH))
    elif too_short:  # "nothing found" would read as "the room is clean"
        print(wrap_line(sentence(too_short), WIDTH))
    else:
        print("Findings (ranked" + ("; at the stops visited only):" if verdict else "):"))
        print(format_findings(findings, width=WIDTH, indent="  ", ceiling=ceiling))
    print(f"capture: {args.out}")
    if result.get("report"):
        print(f"report:  {result['report']}")
    print(
        wrap_line(
            f"more:    roomsweep analyze {args.out}; roomsweep plot {args.out} -o timeline.png",
            WIDTH,
        )
    )
    return status
