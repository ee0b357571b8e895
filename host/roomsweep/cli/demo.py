"""`roomsweep demo` (and `make demo`): a simulated hotel-room sweep, end to end.

The unchanged firmware runs on the MicroPython unix port behind a pseudo-terminal;
the host records a capture through it, reads the capture back and reports what
it holds: link health, and the RF level measured at each waypoint the simulated
user marked with the device button.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from roomsweep.analysis.recording import level_text
from roomsweep.analyst import plot
from roomsweep.analyst.analysed import SweepAnalysis, analyse_capture, ceiling_dbm
from roomsweep.analyst.report import write_report
from roomsweep.cli.output import format_findings, wrap_line
from roomsweep.link.capture import load, summarize
from roomsweep.protocol.records import Lens, Mark
from roomsweep.sim.radios import RADIO_SETTINGS
from roomsweep.sim.runner import simulate
from roomsweep.sim.scenario import load_scenario


def waypoint_levels(an: SweepAnalysis) -> list[dict]:
    """The RF level at each waypoint the user marked, as the report shows it
    (`analysed.stop_levels`, one definition): where the dwell began (device
    time), its median and its loudest 50 ms (`recording.loudest_dbm`)."""
    return [
        {
            "waypoint": st["waypoint"],
            "time_s": st["start_s"],
            "median_dbm": st["median_dbm"],
            "loudest_50ms_dbm": st["loudest_dbm"],
        }
        for st in an.stops
        if st["waypoint"]
    ]


def device_lens_alerts(capture_path: Path, stop_names: list[str]) -> str:
    """One line on the device's own lens finder: LENS frames and the waypoints
    where its standalone glint alert (buzzer) went off."""

    cap = load(capture_path)
    frames = [r for r in cap.records if isinstance(r, Lens)]
    if not frames:
        return ""
    marks = [m for m in cap.records if isinstance(m, Mark) and m.source == 1]
    places: dict[str, int] = {}
    for r in frames:
        if r.alert:
            n = sum(1 for m in marks if m.ts_us <= r.t_first_us)
            name = stop_names[n - 1] if 0 < n <= len(stop_names) else "walking"
            places[name] = places.get(name, 0) + 1
    where = ", ".join(f"{k} ({v} blocks)" for k, v in places.items()) or "nowhere"
    pd, _, rate = cap.channel(1)
    seconds = pd.size / rate if rate else 0.0
    return (
        f"lens finder on the device: {len(frames)} LENS frames "
        f"({len(frames) / max(seconds, 1e-9):.0f} a second); glint alert at {where}"
    )


def run_demo(out_dir: Path) -> int:

    scenario = load_scenario("hotel-room")
    out_dir.mkdir(parents=True, exist_ok=True)
    capture = out_dir / "hotel-room.cap"
    print(
        f"roomsweep demo: simulated sweep of '{scenario.name}' "
        f"({scenario.duration_s:.0f} s, {len(scenario.sweep)} stops)"
    )
    print("  firmware: MicroPython unix port, 96 KiB heap (the simulator's radio table")
    print("            on top), simulated board, pseudo-terminal link")
    t0 = time.monotonic()

    result = simulate(scenario, capture, settings=RADIO_SETTINGS)
    wall = time.monotonic() - t0
    summary = summarize(capture)
    c = summary["replay_counters"]
    live = summary["live_counters"] or {}
    print(
        f"  recorded {summary['duration_s']:.1f} s of device time in {wall:.1f} s wall "
        f"-> {capture}"
    )
    for ch, info in summary["channels"].items():
        name = {"0": "rf", "1": "photodiode"}.get(ch, ch)
        print(
            f"  channel {name:<10} {info['samples']:>8} samples at "
            f"{info['rate_hz_median']:.1f} S/s, device dropped {info['device_dropped']}"
        )
    print(
        f"  link: {live.get('frames', result['frames'])} frames, CRC errors "
        f"{live.get('crc_errors', 0)}, sequence gaps {live.get('seq_gaps', 0)}, "
        f"garbage bytes {live.get('garbage_bytes', 0)}; replay CRC errors {c['crc_errors']}"
    )
    an = analyse_capture(capture)  # once: the table, the findings and the report agree
    ceiling = ceiling_dbm(an)  # the detector's, or with the pad in, the pad's
    rows = waypoint_levels(an)
    if rows:
        print("\n  RF level by waypoint (detector input, from the samples; device time):")
        print(f"  {'waypoint':<16}{'at s':>7}{'median dBm':>12}{'loudest 50 ms':>23}")
        loudest = max(r["loudest_50ms_dbm"] for r in rows)
        for r in rows:
            flag = "  <- strongest" if r["loudest_50ms_dbm"] == loudest else ""
            print(
                f"  {r['waypoint']:<16}{r['time_s']:>7.1f}{r['median_dbm']:>12.1f}"
                f"{level_text(r['loudest_50ms_dbm'], ceiling=ceiling):>23}{flag}"
            )
    lens_line = device_lens_alerts(capture, [s.waypoint for s in scenario.sweep])
    if lens_line:
        print("\n" + wrap_line(lens_line, 80, "  "))

    findings = an.findings
    (out_dir / "findings.json").write_text(json.dumps(findings, indent=2))
    print("\nFindings (ranked):")
    print(format_findings(findings, width=80, indent="  ", ceiling=ceiling))
    print(f"\n  capture:  {capture}\n  findings: {out_dir / 'findings.json'}")

    report = write_report(an, out_dir / f"{capture.stem}.html")["report"]
    timeline = plot.save(plot.timeline(an), out_dir / f"{capture.stem}-timeline.png")
    print(f"  report:   {report}\n  timeline: {timeline}")
    print(
        wrap_line(
            f"inspect:  roomsweep info {capture}; roomsweep analyze {capture} --json", 80, "  "
        )
    )
    return 0
