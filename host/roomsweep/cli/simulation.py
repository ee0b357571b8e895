"""The simulator's and the evaluation's commands: sim, scenarios, eval, demo.
They join the simulator and the analysis, which only the CLI and roomsweep.eval
may do. Arguments: roomsweep.cli.commands."""

from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path

from roomsweep.cli.demo import run_demo
from roomsweep.cli.output import print_json
from roomsweep.errors import SimulatorError, UsageError
from roomsweep.eval.evaluate import evaluate, stderr_progress
from roomsweep.link.outputs import check_output_path
from roomsweep.sim.generate import main_generate
from roomsweep.sim.runner import SimulatedDevice, simulate
from roomsweep.sim.scenario import Scenario, bundled_scenarios, load_scenario


def _scenario(name: str) -> Scenario:
    """The scenario by name or path; one that does not exist is a usage mistake
    (exit 2, like a missing capture), one that is malformed a ScenarioError (2 too:
    the user's file says the wrong thing)."""
    if name not in bundled_scenarios() and not Path(name).exists():
        raise UsageError(
            f"no bundled scenario {name!r} and no such file (bundled: "
            f"{', '.join(bundled_scenarios())}; or give a path to a .toml file)"
        )
    return load_scenario(name)


def cmd_sim(args: argparse.Namespace) -> int:

    if args.pty:
        return serve_pty(args)
    if not args.out:
        raise UsageError("sim: --out CAPTURE is needed (or --pty to serve the device on a pty)")
    # before the simulation: a missing directory or an existing file (--force)
    check_output_path(args.out, force=args.force, capture=True, what="capture")
    scenario = _scenario(args.scenario)
    summary = simulate(
        scenario,
        args.out,
        seconds=args.seconds,
        seed=args.seed,
        baud=args.baud,
        settings=args.set or "",
        notes=args.note or "",
    )
    c = summary["counters"]
    print(
        f"simulated {summary['sampled_s']:.2f} s of {scenario.name}: {summary['frames']} "
        f"frames to {args.out} (CRC errors {c['crc_errors']}, sequence gaps "
        f"{c['seq_gaps']}, device drops {c['device_dropped']})"
    )
    return 0


SERVE_SECONDS = 3600.0  # --pty: an hour of simulated signal unless --seconds


def serve_pty(args: argparse.Namespace) -> int:
    """`sim --pty`: the simulated device on a pseudo-terminal until Ctrl-C (or
    until its `--seconds` of simulated signal are used up: streaming runs as
    fast as the host reads, not in real time), its path printed, for `monitor`,
    `record`, `sweep --port`, `deploy --check-only`. One host at a time; a host
    may close the port and another open it."""
    if args.out or args.set or args.note or args.force:
        raise UsageError(
            "sim --pty serves the device; --out, --set, --note and --force belong to the "
            "command that records from it (roomsweep record --port PTY --out ...)"
        )
    scenario = _scenario(args.scenario)
    seconds = args.seconds or SERVE_SECONDS

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (kill, a service manager) ends it as Ctrl-C does

    signal.signal(signal.SIGTERM, stop)
    with SimulatedDevice(scenario, seed=args.seed, baud=args.baud, seconds=seconds) as sim:
        print(
            f"simulated device ({scenario.name}) on {sim.port}\n"
            f"  try: roomsweep monitor --port {sim.port} --start --seconds 5\n"
            f"       roomsweep record --port {sim.port} --out x.cap --seconds 20\n"
            f"       roomsweep deploy --port {sim.port} --check-only\n"
            "Ctrl-C stops it.",
            flush=True,
        )
        try:
            while sim.alive():
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("simulated device stopped", flush=True)
            return 0
        last = (sim.stderr_text().strip().splitlines() or ["its signal ran out"])[-1]
    raise SimulatorError(f"the simulated device stopped: {last}")


def cmd_scenarios_generate(args: argparse.Namespace) -> int:

    return main_generate(args.seed, args.count, args.out, args.profile)


def cmd_scenarios_list(args: argparse.Namespace) -> int:

    for name in bundled_scenarios():
        print(name)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:

    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"not a directory of scenarios: {args.dir}")
    paths = sorted(root.glob("*.toml"))
    if not paths:
        raise UsageError(f"no scenario files (*.toml) in {args.dir}")
    result = evaluate(
        paths,
        via_firmware=args.via_firmware,
        stalls=args.stalls,
        seed=args.seed,
        progress=None if args.json else stderr_progress,
    )
    if args.json:
        if not args.details:
            result.pop("details")
        print_json(result)
        return 0
    rf = result["rf"]

    def pct(v: float | None) -> str:
        return "  n/a" if v is None else f"{100 * v:5.1f} %"

    print(
        f"{result['scenarios']} scenarios, {rf['hidden_transmitters']} hidden transmitters, "
        f"{rf['findings']} findings"
    )
    print(f"recall             {pct(rf['recall'])}")
    print(f"precision          {pct(rf['precision'])}")
    print(f"class accuracy     {pct(rf['class_accuracy'])}")
    print(f"waypoint accuracy  {pct(rf['waypoint_accuracy'])}")
    err = rf["median_position_error_m"]
    print(f"median position error {'n/a' if err is None else f'{err:.2f} m'}")
    print("per class:          present  recall  precision  class acc  false")
    for k, c in rf["per_class"].items():
        print(
            f"  {k:<16} {c['present']:>8}  {pct(c['recall'])}  {pct(c['precision'])}  "
            f"{pct(c['class_accuracy'])}  {c['false_findings']:>5}"
        )
    net = result.get("network")
    if net and net["devices_to_report"]:
        print(
            f"network: {net['devices_to_report']} camera access points and trackers in the "
            f"rooms, recall {pct(net['recall'])}, strongest waypoint right "
            f"{pct(net['waypoint_accuracy'])}, false camera flags {net['false_camera_flags']}"
        )
    _print_lens_eval(result.get("lens") or {}, pct)
    return 0


def _print_lens_eval(lens: dict, pct) -> None:
    """The lens finder's part of `roomsweep eval` (keys: docs/findings.md)."""
    if not lens.get("sweeps"):
        return
    fps = lens["false_per_sweep"]
    print(
        f"lens finder: {lens['sweeps']} sweeps, {lens['lenses_in_reach']} lenses in reach "
        f"(of {lens['lenses_total']})"
    )
    print(f"  lens recall      {pct(lens['recall'])}")
    print(f"  false per sweep  {'n/a' if fps is None else f'{fps:.2f}'}")
    for k, b in lens["by_lighting"].items():
        f = b["false_per_sweep"]
        print(
            f"  lighting {k:<9} recall {pct(b['recall'])}  false/sweep "
            f"{'n/a' if f is None else f'{f:.2f}'}  ({b['sweeps']} sweeps)"
        )
    for k, b in lens["by_clutter"].items():
        if k == "none":  # a false glint no clutter object explains
            print(f"  false, no clutter near {b['false']:>3}")
        else:
            print(f"  false from {k:<14} {b['false']:>3}  (in {b['sweeps_with_it']} sweeps)")


def cmd_demo(args: argparse.Namespace) -> int:

    return run_demo(Path(args.out))
