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

import numpy as np

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.recording import from_capture
from roomsweep.analyst.report import report_and_timeline
from roomsweep.cli.output import format_findings
from roomsweep.link.capture import load, summarize
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.records import Lens, Mark
from roomsweep.sim.radios import RADIO_SETTINGS
from roomsweep.sim.runner import simulate
from roomsweep.sim.scenario import load_scenario


def waypoint_levels(capture_path: Path, stop_names: list[str]) -> list[dict]:
    """RF level per stretch of the sweep, from one button MARK to the next.

    The n-th button press is the n-th stop of the sweep; the level is computed
    from the samples alone: the median and the loudest 50 ms of detector power.
    """
    cap = load(capture_path)
    cal = Calibration.from_info(cap.device_info)
    counts, times_us, rate = cap.channel(0)
    if counts.size == 0:
        return []
    dbm = cal.rf_dbm(counts)
    marks = [m for m in cap.records if isinstance(m, Mark) and m.source == 1]
    edges = [m.ts_us for m in marks] + [int(times_us[-1]) + 1]
    window = max(1, int(rate * 0.05))
    rows = []
    for i, mark in enumerate(marks):
        sel = (times_us >= edges[i]) & (times_us < edges[i + 1])
        seg = dbm[sel]
        if seg.size < window:
            continue
        # mean power (linear) over 50 ms windows, loudest window in dBm
        mw = 10 ** (seg[: seg.size // window * window].reshape(-1, window) / 10)
        loudest = 10 * np.log10(mw.mean(axis=1).max())
        rows.append(
            {
                "waypoint": stop_names[i] if i < len(stop_names) else f"mark {mark.number}",
                "time_s": round((mark.ts_us - times_us[0]) / 1e6, 2),
                "median_dbm": round(float(np.median(seg)), 1),
                "loudest_50ms_dbm": round(float(loudest), 1),
            }
        )
    return rows


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
    print("  firmware: MicroPython unix port, 96 KiB heap, simulated board, pseudo-terminal link")
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
    rows = waypoint_levels(capture, [s.waypoint for s in scenario.sweep])
    if rows:
        print("\n  RF level by waypoint (detector input, from the samples):")
        print(f"  {'waypoint':<16}{'at s':>7}{'median dBm':>12}{'loudest 50 ms':>15}")
        loudest = max(r["loudest_50ms_dbm"] for r in rows)
        for r in rows:
            flag = "  <- strongest" if r["loudest_50ms_dbm"] == loudest else ""
            print(
                f"  {r['waypoint']:<16}{r['time_s']:>7.1f}{r['median_dbm']:>12.1f}"
                f"{r['loudest_50ms_dbm']:>15.1f}{flag}"
            )
    lens_line = device_lens_alerts(capture, [s.waypoint for s in scenario.sweep])
    if lens_line:
        print("\n  " + lens_line)

    findings = analyze(from_capture(capture))
    (out_dir / "findings.json").write_text(json.dumps(findings, indent=2))
    print("\nFindings (ranked):")
    print("  " + format_findings(findings).replace("\n", "\n  "))
    print(f"\n  capture:  {capture}\n  findings: {out_dir / 'findings.json'}")

    report, timeline = report_and_timeline(capture, out_dir)
    print(f"  report:   {report}\n  timeline: {timeline}")
    print(f"  inspect:  roomsweep info {capture}; roomsweep analyze {capture} --json")
    return 0
