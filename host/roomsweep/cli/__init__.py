"""The `roomsweep` command. User mistakes end in one line and a non-zero exit code."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from roomsweep import __version__
from roomsweep.errors import RoomsweepError, UsageError


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def cmd_ports(args: argparse.Namespace) -> int:
    from roomsweep.link.transport import candidate_ports

    ports = candidate_ports()
    if args.json:
        _print_json([p.__dict__ for p in ports])
    elif not ports:
        print("no serial ports found (a simulated device: roomsweep sim hotel-room ...)")
    else:
        for p in ports:
            mark = "*" if p.likely_esp32 else " "
            print(f"{mark} {p.device:<20} {p.description}  [{p.hwid}]")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from roomsweep.link.capture import summarize

    if not Path(args.capture).exists():
        raise UsageError(f"no such capture: {args.capture}")
    summary = summarize(args.capture)
    if args.json:
        _print_json(summary)
        return 0
    dev = summary["device"] or {}
    print(f"capture   {summary['path']}")
    print(f"device    {dev.get('board', '?')} firmware {dev.get('firmware', '?')}"
          f"{' (simulated)' if dev.get('simulated') else ''}")
    restarts = summary.get("device_restarts", 0)
    print(f"duration  {summary['duration_s']:.3f} s of device time"
          + (f" (the device restarted {restarts} time{'s' if restarts > 1 else ''}: "
             "its runs joined end to end)" if restarts else ""))
    print("frames    " + ", ".join(f"{k} {v}" for k, v in summary["frames_by_type"].items()))
    names = {"0": "rf", "1": "photodiode"}
    for ch, c in summary["channels"].items():
        print(f"channel   {names.get(ch, ch)}: {c['samples']} samples in {c['blocks']} blocks, "
              f"{c['rate_hz_median']:.1f} S/s (min {c['rate_hz_min']:.1f}, "
              f"max {c['rate_hz_max']:.1f}), device dropped {c['device_dropped']}")
    for m in summary["marks"]:
        print(f"mark      #{m['number']} {m['label']!r} at {m['device_time_s']:.3f} s")
    counters = summary["replay_counters"]
    bad = {k: v for k, v in counters.items() if v and k not in ("bytes_total", "frames")}
    print(f"errors    {'none' if not bad else ', '.join(f'{k} {v}' for k, v in bad.items())}")
    if summary["live_counters"]:
        live = {k: v for k, v in summary["live_counters"].items()
                if v and k not in ("bytes_total", "frames")}
        print(f"live link {'clean' if not live else ', '.join(f'{k} {v}' for k, v in live.items())}")
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from roomsweep.link.capture import CaptureWriter
    from roomsweep.link.device import Device, record
    from roomsweep.link.transport import open_port

    port = open_port(args.port, baudrate=args.baud)
    try:
        device = Device(port)
        info = device.hello()
        header = {"port": args.port, "device": info, "notes": args.note or ""}
        with CaptureWriter(args.out, header, append=args.append) as writer:
            try:
                summary = record(device, writer, seconds=args.seconds, settings=args.set or "")
            except KeyboardInterrupt:
                summary = {"frames": writer.frames_written, "interrupted": True}
    finally:
        port.close()
    print(f"recorded {summary['frames']} frames to {args.out}")
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    from roomsweep.sim.runner import simulate
    from roomsweep.sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    summary = simulate(scenario, args.out, seconds=args.seconds, seed=args.seed,
                       baud=args.baud, settings=args.set or "", notes=args.note or "")
    c = summary["counters"]
    print(f"simulated {summary['sampled_s']:.2f} s of {scenario.name}: {summary['frames']} "
          f"frames to {args.out} (CRC errors {c['crc_errors']}, sequence gaps "
          f"{c['seq_gaps']}, device drops {c['device_dropped']})")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from roomsweep.analysis.analyze import analyze
    from roomsweep.analysis.recording import from_capture

    if not Path(args.capture).exists():
        raise UsageError(f"no such capture: {args.capture}")
    rec = from_capture(args.capture)
    if args.calibration:
        from roomsweep.protocol.calibration import Calibration

        rec.calibration = Calibration.load(args.calibration)
    baseline = None
    if args.baseline:
        if not Path(args.baseline).exists():
            raise UsageError(f"no such baseline capture: {args.baseline}")
        baseline = from_capture(args.baseline)
        baseline.calibration = rec.calibration
    findings = analyze(rec, baseline=baseline)
    if args.redact:
        from roomsweep.network.redact import redact_findings

        findings = redact_findings(findings, salt=args.salt)
    if args.json:
        _print_json(findings)
        return 0
    print(format_findings(findings))
    return 0


def format_findings(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return "no suspicious transmitter or camera lens found"
    lines = []
    for i, f in enumerate(findings, 1):
        where = f["waypoint"] or f"{f['time_s']:.1f} s into the sweep"
        pos = ""
        if f.get("position_m"):
            pos = (f" (estimated at x={f['position_m'][0]:.1f} m, y={f['position_m'][1]:.1f} m"
                   f" +- {f['position_uncertainty_m']:.1f} m)")
        lines.append(f"{i}. {f['title']} near {where}{pos}")
        if f.get("type") == "lens":  # strength in ADC counts, not dBm (docs/findings.md)
            lines.append(f"   glint at {f['time_s']:.1f} s, {f['level']:.1f} counts, "
                         f"confidence {f['confidence']:.2f}; why: {f['why']}")
            continue
        lines.append(f"   level {f['level_dbm']:.1f} dBm, confidence {f['confidence']:.2f}; "
                     f"why: {f['why']}")
    return "\n".join(lines)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from roomsweep.tools.calibrate import run_calibration

    result = run_calibration(args.out, port=args.port, simulate=args.sim, efuse=args.efuse)
    if args.json:
        _print_json(result)
        return 0
    for fit in result.get("rf", []):
        print(f"RF {fit.get('band_mhz', '?')} MHz: slope {fit.get('slope_mv_per_db', 0):.3f} mV/dB, "
              f"intercept {fit.get('intercept_dbm', 0):.2f} dBm")
    print(f"calibration written to {result.get('path', args.out)}")
    return 0


def cmd_scenarios_generate(args: argparse.Namespace) -> int:
    from roomsweep.sim.generate import main_generate

    return main_generate(args.seed, args.count, args.out)


def cmd_scenarios_list(args: argparse.Namespace) -> int:
    from roomsweep.sim.scenario import bundled_scenarios

    for name in bundled_scenarios():
        print(name)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from roomsweep.eval.evaluate import evaluate, stderr_progress

    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"not a directory of scenarios: {args.dir}")
    paths = sorted(root.glob("*.toml"))
    if not paths:
        raise UsageError(f"no scenario files (*.toml) in {args.dir}")
    result = evaluate(paths, via_firmware=args.via_firmware, seed=args.seed,
                      progress=None if args.json else stderr_progress)
    if args.json:
        if not args.details:
            result.pop("details")
        _print_json(result)
        return 0
    rf = result["rf"]

    def pct(v: float | None) -> str:
        return "  n/a" if v is None else f"{100 * v:5.1f} %"

    print(f"{result['scenarios']} scenarios, {rf['hidden_transmitters']} hidden transmitters, "
          f"{rf['findings']} findings")
    print(f"recall             {pct(rf['recall'])}")
    print(f"precision          {pct(rf['precision'])}")
    print(f"class accuracy     {pct(rf['class_accuracy'])}")
    print(f"waypoint accuracy  {pct(rf['waypoint_accuracy'])}")
    err = rf["median_position_error_m"]
    print(f"median position error {'n/a' if err is None else f'{err:.2f} m'}")
    print("per class:          present  recall  precision  class acc  false")
    for k, c in rf["per_class"].items():
        print(f"  {k:<16} {c['present']:>8}  {pct(c['recall'])}  {pct(c['precision'])}  "
              f"{pct(c['class_accuracy'])}  {c['false_findings']:>5}")
    net = result.get("network")
    if net and net["devices_to_report"]:
        print(f"network: {net['devices_to_report']} camera access points and trackers in the "
              f"rooms, recall {pct(net['recall'])}, strongest waypoint right "
              f"{pct(net['waypoint_accuracy'])}, false camera flags {net['false_camera_flags']}")
    _print_lens_eval(result.get("lens") or {}, pct)
    return 0


def _print_lens_eval(lens: dict, pct) -> None:
    """The lens finder's part of `roomsweep eval` (keys: docs/findings.md)."""
    if not lens.get("sweeps"):
        return
    fps = lens["false_per_sweep"]
    print(f"lens finder: {lens['sweeps']} sweeps, {lens['lenses_in_reach']} lenses in reach "
          f"(of {lens['lenses_total']})")
    print(f"  lens recall      {pct(lens['recall'])}")
    print(f"  false per sweep  {'n/a' if fps is None else f'{fps:.2f}'}")
    for k, b in lens["by_lighting"].items():
        f = b["false_per_sweep"]
        print(f"  lighting {k:<9} recall {pct(b['recall'])}  false/sweep "
              f"{'n/a' if f is None else f'{f:.2f}'}  ({b['sweeps']} sweeps)")
    for k, b in lens["by_clutter"].items():
        print(f"  false from {k:<14} {b['false']:>3}  (in {b['sweeps_with_it']} sweeps)")


def cmd_demo(args: argparse.Namespace) -> int:
    from roomsweep.cli.demo import run_demo

    return run_demo(Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="roomsweep",
        description="Find hidden cameras and bugs: device link, captures, simulator.")
    p.add_argument("--version", action="version", version=f"roomsweep {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("ports", help="list serial ports that may be a roomsweep device")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_ports)

    s = sub.add_parser("info", help="summarise a capture: duration, frames, rates, errors")
    s.add_argument("capture")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("record", help="record a capture from a device")
    s.add_argument("--port", required=True,
                   help="serial port or pyserial URL (/dev/ttyUSB0, socket://h:p, rfc2217://h:p)")
    s.add_argument("--out", required=True, help="capture file to write")
    s.add_argument("--seconds", type=_positive, help="stop after this much sampled time")
    s.add_argument("--baud", type=int, default=921600)
    s.add_argument("--set", help='device settings, e.g. "rate=10000 block=256"')
    s.add_argument("--note", help="free-form note stored in the capture header")
    s.add_argument("--append", action="store_true",
                   help="append to an existing capture instead of replacing it")
    s.set_defaults(func=cmd_record)

    s = sub.add_parser("sim", help="record a capture from the simulated device")
    s.add_argument("scenario", help="bundled scenario name (e.g. hotel-room) or a .toml path")
    s.add_argument("--out", required=True, help="capture file to write")
    s.add_argument("--seconds", type=_positive, help="simulated seconds (default: the sweep)")
    s.add_argument("--seed", type=int, help="signal randomness (default: the scenario's)")
    s.add_argument("--baud", type=int, default=0,
                   help="model a UART at this rate (default 0: ideal link)")
    s.add_argument("--set", help='device settings, e.g. "rate=10000"')
    s.add_argument("--note", help="free-form note stored in the capture header")
    s.set_defaults(func=cmd_sim)

    s = sub.add_parser("analyze", help="find, classify and locate transmitters in a capture")
    s.add_argument("capture")
    s.add_argument("--json", action="store_true", help="print the findings as JSON")
    s.add_argument("--calibration", help="per-device calibration file (roomsweep calibrate)")
    s.add_argument("--baseline", help="a capture of the same room known to be clean: what it "
                   "heard at a waypoint is not reported again")
    s.add_argument("--redact", action="store_true",
                   help="replace SSIDs and MAC addresses with salted hashes (personal data)")
    s.add_argument("--salt", help="with --redact: salt for the hashes (default: random, so "
                   "tokens differ between runs)")
    s.set_defaults(func=cmd_analyze)

    s = sub.add_parser("calibrate", help="calibrate a device (RF per band, photodiode)")
    where = s.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="the device's port; you are prompted for each level")
    where.add_argument("--sim", action="store_true", help="calibrate the simulated device")
    s.add_argument("--out", required=True, help="calibration file to write (JSON)")
    s.add_argument("--efuse", action="store_true",
                   help="also build the ADC correction from the chip's eFuse calibration")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(func=cmd_calibrate)

    s = sub.add_parser("scenarios", help="bundled scenarios; generate random ones")
    scen = s.add_subparsers(dest="scenarios_command", metavar="ACTION", required=True)
    g = scen.add_parser("generate", help="write random but plausible scenarios with ground truth")
    g.add_argument("--seed", type=int, required=True)
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--out", required=True, help="directory to write the .toml files to")
    g.set_defaults(func=cmd_scenarios_generate)
    g = scen.add_parser("list", help="names of the bundled scenarios")
    g.set_defaults(func=cmd_scenarios_list)

    s = sub.add_parser("eval", help="score the analyzer on a directory of scenarios")
    s.add_argument("dir", help="directory of scenario .toml files with ground truth")
    s.add_argument("--json", action="store_true", help="print the metrics as JSON")
    s.add_argument("--details", action="store_true", help="with --json: per-scenario matches")
    s.add_argument("--via-firmware", action="store_true",
                   help="run each scenario through the simulated device (slow)")
    s.add_argument("--seed", type=int, help="signal randomness (default: each scenario's)")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("demo", help="simulated hotel-room sweep, end to end")
    s.add_argument("--out", default="out/demo", help="directory for the capture")
    s.set_defaults(func=cmd_demo)
    _add_traveler_and_developer_commands(sub)

    from roomsweep.cli.analyst import register as register_analyst_commands

    register_analyst_commands(sub)
    return p


# --- traveler and firmware developer: sweep, monitor, flash, deploy ---------------

def cmd_monitor(args: argparse.Namespace) -> int:
    from roomsweep.link.monitor import run_monitor

    run_monitor(args.port, sys.stdout, json_lines=args.json, start=args.start,
                hello=args.hello, seconds=args.seconds, frames=args.frames,
                counters_every_s=args.counters_every, baudrate=args.baud)
    return 0


def cmd_flash(args: argparse.Namespace) -> int:
    from roomsweep.link.flashing import (
        board_profile,
        cached_image_path,
        fetch_image,
        flash_plan,
        format_plan,
    )
    from roomsweep.link.flashing import run_commands, sha256_of

    profile = board_profile(args.board)
    if args.sha256 and not re.fullmatch(r"[0-9a-fA-F]{64}", args.sha256):
        raise UsageError("--sha256 takes 64 hexadecimal digits")
    if args.image:
        image = Path(args.image)
        if not image.is_file():
            raise UsageError(f"no such image: {args.image}")
    else:
        image = cached_image_path(profile)
    commands = flash_plan(args.port, profile, image, baud=args.baud, erase=not args.no_erase)
    if args.dry_run:
        if args.json:
            _print_json({"board": profile.name, "chip": profile.chip,
                         "image": str(image), "image_url": None if args.image else profile.image_url,
                         "offset": profile.offset, "commands": commands})
            return 0
        print(f"# MicroPython {profile.image_name} for {profile.pins_board} ({profile.chip}); "
              "dry run, nothing is run")
        if not args.image:
            print(f"# download {profile.image_url} -> {image} (unless already there)")
        print(format_plan(commands))
        return 0
    if args.image:
        digest = sha256_of(image)
        if args.sha256 and digest != args.sha256.lower():
            raise UsageError(f"{image}: SHA-256 {digest} is not the expected {args.sha256}")
    else:
        image, digest = fetch_image(profile, args.sha256)
    print(f"image {image} (SHA-256 {digest})")
    run_commands(commands)
    print(f"MicroPython {profile.image_name} written; next: roomsweep deploy --port {args.port}")
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from roomsweep.link.flashing import (
        check_version,
        deploy_plan,
        firmware_version,
        format_plan,
        run_commands,
    )

    if args.check_only:
        expected = firmware_version()
        info = check_version(args.port, expected, timeout=args.timeout)
        print(f"device on {args.port}: firmware {info.get('firmware')} on "
              f"{info.get('board', '?')} (matches this tree)")
        return 0
    plan = deploy_plan(args.port, build=Path(args.build))
    if args.dry_run:
        if args.json:
            _print_json(plan.as_dict())
            return 0
        print(f"# deploy firmware {plan.version} from {plan.source} to {args.port}; "
              "dry run, nothing is run")
        print(f"mkdir -p {plan.build}")
        print(format_plan(plan.commands))
        print(f"# then: HELLO on {args.port} must report firmware {plan.version}")
        return 0
    plan.build.mkdir(parents=True, exist_ok=True)
    run_commands(plan.commands)
    info = check_version(args.port, plan.version, timeout=args.timeout)
    print(f"deployed firmware {plan.version}; the device on {args.port} says hello "
          f"({info.get('board', '?')})")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from roomsweep.live.state import LiveState
    from roomsweep.live.session import PlainView, SweepSession, run_sweep, sim_header

    if args.speed is not None and not args.sim:
        raise UsageError("--speed is for the simulated device (--sim)")
    if args.speed is not None and args.speed < 0:
        raise UsageError("--speed must be 0 (flat out) or positive")
    if args.seed is not None and not args.sim:
        raise UsageError("--seed is for the simulated device (--sim)")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UsageError(f"no such directory for the capture: {out.parent}")
    if args.report and Path(args.report).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{args.report}: the report is an HTML file (name it .html)")
    interactive = not args.no_tty and sys.stdin.isatty() and sys.stdout.isatty()
    try:
        import termios  # noqa: F401 - the live view reads keys through it (POSIX)
    except ImportError:
        interactive = False
    sim = None
    header: dict[str, Any] = {"notes": args.note or ""}
    seconds = args.seconds
    alive = None
    if args.sim:
        from roomsweep.sim.runner import SimulatedDevice
        from roomsweep.sim.scenario import load_scenario

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
        sweep_names = []
    try:
        state = LiveState(capture_path=str(out), port=url, sweep_names=sweep_names, title=title,
                          locate=args.locate)
        settings = args.set or ""
        if not args.no_lens and "led" not in settings:
            from roomsweep.link.firmware import LENS_SCAN_SETTINGS

            settings = (settings + " " + LENS_SCAN_SETTINGS).strip()
        if args.radios and "scan" not in settings:
            from roomsweep.sim.radios import RADIO_SETTINGS  # Wi-Fi scans and BLE: device counts

            settings = (settings + " " + RADIO_SETTINGS).strip()
        session = SweepSession(url, out, state, header=header, baudrate=args.baud,
                               settings=settings, append=args.append)
        session.connect()  # a wrong port or a silent device is a one-line error
        if interactive:
            from roomsweep.live.session import TerminalView

            view: Any = TerminalView()
        else:
            view = PlainView(sys.stderr if args.json else sys.stdout)
            view.session = session
        try:
            speed = (1.0 if args.speed is None else args.speed) if sim else 0.0
            run_sweep(session, view, seconds=seconds, speed=speed, alive=alive)
        finally:
            if interactive:
                view.close()
    finally:
        if sim is not None:
            sim.stop()
    return _sweep_results(args, state)


def _sweep_results(args: argparse.Namespace, state: Any) -> int:
    """After the sweep: ranked findings, where and why, and the files written."""
    result: dict[str, Any] = {"capture": str(args.out), "frames": state.frames_written,
                              "sampled_s": round(state.sampled_s, 3),
                              "waypoints": [w.__dict__ for w in state.marks],
                              "link_counters": state.counters, "reconnects": state.reconnects}
    findings: list[dict[str, Any]] = []
    try:
        from roomsweep.analyst.analysed import analyse_capture

        an = analyse_capture(args.out)
        findings = an.findings
        if not args.no_report:
            from roomsweep.analyst.report import write_report

            report = Path(args.report) if args.report else Path(args.out).with_suffix(".html")
            result["report"] = write_report(an, report)["report"]
    except RoomsweepError as e:  # e.g. cable pulled before any RF arrived
        result["analysis_error"] = str(e)
    result["findings"] = findings
    if args.json:
        _print_json(result)
        return 0
    print(f"\nSweep finished: {state.sampled_s:.1f} s recorded, {len(state.marks)} waypoints, "
          f"{state.frames_written} frames"
          + (f", link lost and resumed {state.reconnects} times" if state.reconnects else ""))
    if "analysis_error" in result:
        print(f"no analysis: {result['analysis_error']}")
    else:
        print("Findings (ranked):")
        print("  " + format_findings(findings).replace("\n", "\n  "))
    print(f"capture: {args.out}")
    if result.get("report"):
        print(f"report:  {result['report']}")
    print(f"more:    roomsweep analyze {args.out}; roomsweep plot {args.out} -o timeline.png")
    return 0


def _add_traveler_and_developer_commands(sub: Any) -> None:
    port_help = "serial port or pyserial URL (/dev/ttyUSB0, COM3, socket://h:p, rfc2217://h:p)"

    s = sub.add_parser("sweep", help="sweep a room with the live view; findings at the end",
                       description="Record a sweep into a crash-safe capture with a live view "
                       "(80x24): RF level with peak hold and class guess, lens and radio "
                       "counts, waypoints. Keys: m label+mark, space mark, l locate cue "
                       "(ticks faster as the level rises), q finish. A pulled cable is "
                       "noted and recording resumes into the same capture when the device "
                       "is back.")
    where = s.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help=port_help)
    where.add_argument("--sim", metavar="SCENARIO",
                       help="use the simulated device in this scenario (name or .toml)")
    s.add_argument("--out", required=True, help="capture file to write")
    s.add_argument("--seconds", type=_positive,
                   help="finish after this much recorded time (--sim: default the scenario's)")
    s.add_argument("--speed", type=float,
                   help="--sim: pace as this multiple of real time (default 1; 0: flat out)")
    s.add_argument("--seed", type=int, help="--sim: signal randomness (default the scenario's)")
    s.add_argument("--locate", action="store_true", help="start with the locate cue on")
    s.add_argument("--no-tty", action="store_true",
                   help="no live view: a status line every 2 s (automatic without a terminal)")
    s.add_argument("--json", action="store_true",
                   help="print the result (findings, capture, waypoints) as JSON at the end")
    s.add_argument("--report", help="HTML report to write at the end (default: the "
                   "capture's name with .html)")
    s.add_argument("--no-report", action="store_true", help="no HTML report")
    s.add_argument("--baud", type=int, default=921600)
    s.add_argument("--set", help='device settings, e.g. "rate=10000" (the IR LEDs are lit '
                   'for the lens scan unless they mention led)')
    s.add_argument("--no-lens", action="store_true",
                   help="leave the IR LEDs dark (no lens scan; saves battery)")
    s.add_argument("--radios", action="store_true",
                   help="Wi-Fi scans and BLE scanning too (device counts, camera "
                   "access points, trackers); each Wi-Fi scan pauses the RF samples "
                   "for about 1.6 s")
    s.add_argument("--note", help="free-form note stored in the capture header")
    s.add_argument("--append", action="store_true",
                   help="append to an existing capture instead of replacing it")
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("monitor", help="print decoded frames live, with the link's error "
                       "counters (a protocol-aware miniterm)")
    s.add_argument("--port", required=True, help=port_help)
    s.add_argument("--json", action="store_true", help="one JSON object per frame (JSON Lines)")
    s.add_argument("--hello", action="store_true", help="ask the device for INFO first")
    s.add_argument("--start", action="store_true",
                   help="tell the device to stream (and to stop when the monitor ends)")
    s.add_argument("--seconds", type=_positive, help="stop after this many seconds")
    s.add_argument("--frames", type=int, help="stop after this many frames")
    s.add_argument("--counters-every", type=float, default=5.0, metavar="S",
                   help="print the error counters every S seconds (0: only at the end)")
    s.add_argument("--baud", type=int, default=921600)
    s.set_defaults(func=cmd_monitor)

    s = sub.add_parser("flash", help="install MicroPython on the board (esptool; erases it)")
    s.add_argument("--port", required=True, help="the board's serial port")
    s.add_argument("--board", default="esp32",
                   help="esp32 (ESP32 DevKitC) or esp32s3 (ESP32-S3 DevKitC); default esp32")
    s.add_argument("--image", help="a MicroPython image already downloaded (default: the "
                   "pinned release, downloaded once into the cache)")
    s.add_argument("--sha256", help="the image's expected SHA-256")
    s.add_argument("--baud", type=int, default=460800, help="flashing baud rate")
    s.add_argument("--no-erase", action="store_true", help="write without erasing first")
    s.add_argument("--dry-run", action="store_true", help="print the exact commands only")
    s.add_argument("--json", action="store_true", help="with --dry-run: the plan as JSON")
    s.set_defaults(func=cmd_flash)

    s = sub.add_parser("deploy", help="compile the firmware (mpy-cross), copy it (mpremote) "
                       "and check the device's HELLO version")
    s.add_argument("--port", required=True, help=port_help)
    s.add_argument("--build", default="build/firmware", help="where the .mpy files go")
    s.add_argument("--dry-run", action="store_true", help="print the exact commands only")
    s.add_argument("--check-only", action="store_true",
                   help="only check that the device reports this tree's firmware version")
    s.add_argument("--timeout", type=_positive, default=15.0,
                   help="seconds to wait for the device's HELLO after the reset")
    s.add_argument("--json", action="store_true", help="with --dry-run: the plan as JSON")
    s.set_defaults(func=cmd_deploy)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except RoomsweepError as e:
        print(f"roomsweep: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("roomsweep: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
