"""The `roomsweep` command. User mistakes end in one line and a non-zero exit code."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .errors import RoomsweepError, UsageError


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def cmd_ports(args: argparse.Namespace) -> int:
    from .transport import candidate_ports

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
    from .capture import summarize

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
    print(f"duration  {summary['duration_s']:.3f} s of device time")
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
    from .capture import CaptureWriter
    from .device import Device, record
    from .transport import open_port

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
    from .sim.runner import simulate
    from .sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    summary = simulate(scenario, args.out, seconds=args.seconds, seed=args.seed,
                       baud=args.baud, settings=args.set or "", notes=args.note or "")
    c = summary["counters"]
    print(f"simulated {summary['sampled_s']:.2f} s of {scenario.name}: {summary['frames']} "
          f"frames to {args.out} (CRC errors {c['crc_errors']}, sequence gaps "
          f"{c['seq_gaps']}, device drops {c['device_dropped']})")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis.analyze import analyze
    from .analysis.recording import from_capture

    if not Path(args.capture).exists():
        raise UsageError(f"no such capture: {args.capture}")
    rec = from_capture(args.capture)
    if args.calibration:
        from .calibration import Calibration

        rec.calibration = Calibration.load(args.calibration)
    baseline = None
    if args.baseline:
        if not Path(args.baseline).exists():
            raise UsageError(f"no such baseline capture: {args.baseline}")
        baseline = from_capture(args.baseline)
        baseline.calibration = rec.calibration
    findings = analyze(rec, baseline=baseline)
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
    from .calibrate import run_calibration

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
    from .sim.generate import main_generate

    return main_generate(args.seed, args.count, args.out)


def cmd_scenarios_list(args: argparse.Namespace) -> int:
    from .sim.scenario import bundled_scenarios

    for name in bundled_scenarios():
        print(name)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .analysis.evaluate import evaluate, stderr_progress

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
    from .demo import run_demo

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
    return p


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
