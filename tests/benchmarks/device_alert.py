"""The device's own glint alert (firmware/lens.py) over generated rooms (issue 16).

    .venv/bin/python tests/benchmarks/device_alert.py DIR_OR_TOML [...]
        [--before FIRMWARE_DIR] [--json OUT] [--list]

For every scenario with a lens-finder scene, the simulator's signal source (the
feed the simulated board reads, sim/signals.py FeedGenerator) gives the
photodiode stream at each of the eight LED drive levels; the firmware's own
`lens.LockIn` then runs on the MicroPython unix port in a closed loop, exactly as
app.py drives it: each block it processes is the stream at the drive level it
asked for after the block before (as tests/test_lens_drive.py), and its `alert`
is read after every block. `--before DIR` runs a second firmware tree (a copy
of firmware/ from before a change) on the same blocks, in the same run.
`--radios` stalls sampling for a Wi-Fi scan (1.6 s) after each waypoint mark,
as `wifi_scan=1` does (firmware/radios.py), and tells the firmware the
sampler's missed-slot count.

Scoring, from the simulator's ground truth (sim/optics.py), not the analyzer:

- an alert is a run of consecutive alerting blocks (what the live view counts
  as one GLINT!, live/state.py), timed at the end of its first block;
- a lens is "in the beam" during its loose exposures (`lens_exposures(strict=
  False)`: any useful return), widened by ALERT_SLACK_S for the alert's
  160 ms integration and the block it is judged in; an alert in a lens's beam
  is a true alert, any other a false one;
- recall counts the lenses the sweep put within reach (`lens_exposures(strict=
  True)`: within 3 m and 20 deg of the lens axis, in the half-intensity fan,
  during a stop, as `roomsweep eval`; with --radios, outside the stalls) that
  got a true alert;
- a false alert is put down to what was in the beam: the clutter object that
  returned the most light then (mirror, tv, window, ...; the same rule as
  eval/lens_eval.py), else "walls" (nothing but the walls in the beam).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "host"))

from roomsweep.protocol import device_defaults as D  # noqa: E402
from roomsweep.sim import optics  # noqa: E402
from roomsweep.sim.runner import FIRMWARE_DIR, find_micropython  # noqa: E402
from roomsweep.sim.scenario import load_scenario  # noqa: E402
from roomsweep.sim.signals import FeedGenerator  # noqa: E402

FS = D.DEFAULT_RATE_HZ
N = D.DEFAULT_BLOCK
HZ = tuple(D.LED_DEFAULT_HZ)
STEP_US = 10  # the feed's step (sim/runner.py SimulatedDevice default)
# the alert is judged on the last SPAN = 5 blocks (160 ms) after the block ends:
# a lens's return can still be in the integration up to this long after its
# exposure ends, and the exposure's loose bound can start a little late
ALERT_SLACK_S = 0.3
# a clutter return under ~0.3 ADC counts is no reason for anything (eval/lens_eval.py)
CLUTTER_MIN_COUNTS = 0.3

_MP_LOOP = """
import sys, micropython
from array import array
import lens
li = lens.LockIn({n}, {fs}, {hz})
for g in range(3):
    li.set_lit(g, 1)
li.set_level(0)
li.set_auto(1)
buf = array('H', bytes(2 * {n}))
f = open({path!r}, 'rb')
gaps = {gaps}
missed = 0
b = 0
while b < {m}:
    if b in gaps:
        missed = gaps[b]
    f.seek(2 * {n} * ({levels} * b + li.level))
    f.readinto(buf)
    lv = li.level
    micropython.heap_lock()  # the firmware allocates nothing per block
    if {gap_api}:
        li.process(buf, missed)
    else:
        li.process(buf)
    micropython.heap_unlock()
    s = li.span_amps
    sys.stdout.write('%d %d %d %d %d %d %d\\n' % (b, lv, 1 if li.alert else 0,
                     1 if li.clipped else 0, s[0], s[1], s[2]))
    nxt = li.next_level
    if nxt != lv:
        li.set_level(nxt)
    b += 1
"""

# One Wi-Fi scan after each waypoint mark stalls sampling (firmware/radios.py):
# 13 channels x 120 ms plus about 40 ms (sim/radios.py, ESP-IDF's default scan)
WIFI_STALL_S = 1.6


def level_blocks(
    scenario: Any, seconds: float, stalls: list[tuple[int, int]] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """(blocks, levels, N) uint16: the photodiode stream at each drive level, as the
    simulated board mixes it (sim/mpboard/board.py, eval/fastpath.py), leaving out
    the slots of each stall (first sample, slots), and the first sample of each
    block taken."""
    # the photodiode's column does not depend on the RF emitters (each render block
    # draws its noise from its own seeded generator): leaving them out saves time
    gen = FeedGenerator(dataclasses.replace(scenario, emitters=[]), seed=scenario.seed)
    n = int(seconds * FS)
    per = 1e6 / FS / STEP_US
    feed = gen.chunk(int(np.ceil(n * per)) + 1)
    keep = np.ones(n, dtype=bool)
    for first, slots in stalls:
        keep[first : first + slots] = False
    slot = np.flatnonzero(keep)
    slot = slot[: slot.size - slot.size % N]
    idx = np.round(slot * per).astype(np.int64)
    t_us = idx * STEP_US
    returns = np.zeros((len(HZ), slot.size), dtype=np.int64)
    for g, hz in enumerate(HZ):
        on = (t_us * hz) % 1000000 * 65536 < 32768 * 1000000
        returns[g] = optics.feed_value(feed[idx, 3 + g]) * on
    base = feed[idx, 1]
    m = slot.size // N
    levels = [
        optics._at_level(base, returns, lv).reshape(m, N) for lv in range(optics.DRIVE_LEVELS)
    ]
    return np.stack(levels, axis=1), slot[::N]


def stalls_of(scenario: Any) -> list[tuple[int, int]]:
    """(first slot, slots) of a Wi-Fi scan's stall after each waypoint mark: the
    button is pressed on arriving at each stop and read between blocks; the
    sampler then skips the slots of the stall (firmware/sampler.py), a whole
    number of slots but not of blocks (the part of a block varies by stop)."""
    out = []
    for k, stop in enumerate(scenario.sweep):
        first = (int(stop.arrive_s * FS) // N + 1) * N
        out.append((first, int(WIFI_STALL_S * FS) + 1 + (37 * k) % N))
    return out


def gaps_of(starts: np.ndarray) -> dict[int, int]:
    """{block: the sampler's missed-slot count from it on} for each block after a
    stall, from the first sample of each block taken (`level_blocks`)."""
    after = np.flatnonzero(np.diff(starts) > N) + 1
    return {int(b): int(starts[b] - b * N) for b in after}


def run_firmware(
    blocks: np.ndarray, firmware_dir: Path, work: Path, gaps: dict[int, int]
) -> np.ndarray:
    """The firmware's lens.LockIn over `blocks` in a closed loop on the unix port.
    Rows per block: block index, drive level, alert, clipped, span amplitudes
    (1/8 count) x 3. `gaps`: {block: the sampler's missed slots from it on},
    told to a firmware whose process() takes that count."""
    path = work / "levels.bin"
    blocks.astype("<u2").tofile(path)
    gap_api = "def process(self, samples, missed" in (firmware_dir / "lens.py").read_text()
    code = _MP_LOOP.format(
        n=N,
        fs=FS,
        hz=list(HZ),
        path=str(path),
        m=blocks.shape[0],
        levels=blocks.shape[1],
        gaps=gaps,
        gap_api=gap_api,
    )
    env = dict(os.environ, MICROPYPATH=str(firmware_dir))
    proc = subprocess.run(
        [find_micropython(), "-X", "heapsize=96K", "-c", code],
        capture_output=True,
        env=env,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr + proc.stdout[-500:]).decode(errors="replace")[-2000:])
    rows = [line.split() for line in proc.stdout.decode().splitlines() if line.strip()]
    return np.array(rows, dtype=np.int64).reshape(-1, 7)


def alert_runs(index: np.ndarray, alert: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) block of each run of consecutive alerting blocks taken."""
    a = np.concatenate(([0], alert.astype(np.int8), [0]))
    d = np.diff(a)
    return [
        (int(index[i]), int(index[j]))
        for i, j in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1)
    ]


def in_beam(scenario: Any, t0: float, t1: float) -> str:
    """What the beam held over [t0, t1]: the clutter kind that returned the most
    light, or "walls"."""
    scene = optics.scene_of(scenario)
    ts = np.linspace(t0, t1, max(3, int((t1 - t0) / 0.01)))
    pos = scenario.position_at(ts)
    yaw = optics.beam_yaw(scenario, ts)
    best, best_p = "walls", 0.0
    for c in scene.clutter:
        p = float(np.max(optics.clutter_return_w(c, pos, yaw, 0)))
        if p > best_p:
            best, best_p = c.kind, p
    if best_p * optics.RESPONSIVITY_A_W * optics.counts_per_amp() < CLUTTER_MIN_COUNTS:
        return "walls"
    return best


def sampled(
    intervals: list[tuple[float, float]], stalls: list[tuple[int, int]]
) -> list[tuple[float, float]]:
    """The parts of `intervals` (s) the device sampled: a stall (first slot, slots)
    hides what the beam crossed meanwhile."""
    out = []
    for a, b in intervals:
        t = np.arange(a, b, 0.005)
        seen = np.ones(t.size, dtype=bool)
        for first, slots in stalls:
            seen &= ~((t >= first / FS) & (t < (first + slots) / FS))
        out.extend((float(t[i]), float(t[i]) + 0.005) for i in np.flatnonzero(seen))
    return out


def score(
    scenario: Any, rows: np.ndarray, starts: np.ndarray, stalls: list[tuple[int, int]] = ()
) -> dict[str, Any]:
    scene = optics.scene_of(scenario)
    loose = {L.id: optics.lens_exposures(scenario, L, strict=False) for L in scene.lenses}
    strict = {
        L.id: sampled(optics.lens_exposures(scenario, L, strict=True), stalls)
        for L in scene.lenses
    }
    block_s = N / FS
    found: set[str] = set()
    false: list[dict[str, Any]] = []
    true = 0
    for first, last in alert_runs(rows[:, 0], rows[:, 2]):
        t0, t1 = (starts[first] + N) / FS, (starts[last] + N) / FS
        hits = {
            lid
            for lid, iv in loose.items()
            if any(a - ALERT_SLACK_S <= t1 and t0 <= b + ALERT_SLACK_S for a, b in iv)
        }
        if hits:
            found |= hits
            true += 1
        else:
            # what the integration (the last SPAN blocks) saw
            what = in_beam(scenario, max(t0 - 5 * block_s, 0.0), t1)
            false.append({"time_s": round(t0, 3), "what": what})
    reach = [lid for lid, iv in strict.items() if iv]
    return {
        "lenses": len(scene.lenses),
        "in_reach": len(reach),
        "found_in_reach": sum(1 for lid in reach if lid in found),
        "missed": [lid for lid in reach if lid not in found],
        "true_alerts": true,
        "false": false,
        "clutter": sorted({c.kind for c in scene.clutter}),
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    reach = sum(r["in_reach"] for r in rows)
    found = sum(r["found_in_reach"] for r in rows)
    false = [f for r in rows for f in r["false"]]
    by: dict[str, int] = {}
    for f in false:
        by[f["what"]] = by.get(f["what"], 0) + 1
    sweeps = len(rows)
    present = {
        k: sum(1 for r in rows if k in r["clutter"])
        for k in {k for r in rows for k in r["clutter"]}
    }
    return {
        "sweeps": sweeps,
        "lenses_in_reach": reach,
        "recall": round(found / reach, 4) if reach else None,
        "true_alerts": sum(r["true_alerts"] for r in rows),
        "false_alerts": len(false),
        "false_per_sweep": round(len(false) / sweeps, 3) if sweeps else None,
        "false_by_what": dict(sorted(by.items())),
        "sweeps_with": dict(sorted(present.items())),
    }


def scenario_paths(args: list[str]) -> list[Path]:
    out: list[Path] = []
    for a in args:
        p = Path(a)
        out.extend(sorted(p.glob("*.toml")) if p.is_dir() else [p])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenarios", nargs="+", help="scenario .toml files or directories of them")
    ap.add_argument(
        "--before",
        type=Path,
        help="compare with this lens.py (in a copy of firmware/) or this firmware tree",
    )
    ap.add_argument("--json", type=Path, help="write the per-scenario results here")
    ap.add_argument(
        "--radios", action="store_true", help="a Wi-Fi scan stalls sampling after each mark"
    )
    ap.add_argument("--list", action="store_true", help="print every false alert")
    ap.add_argument("--blocks", type=Path, help="write per-block firmware rows (.npz) here")
    args = ap.parse_args(argv)
    trees = {"after": FIRMWARE_DIR}
    saved: dict[str, np.ndarray] = {}
    t_start = time.monotonic()
    paths = scenario_paths(args.scenarios)
    with tempfile.TemporaryDirectory(prefix="device-alert-") as tmp:
        if args.before and args.before.is_file():  # this lens.py, the rest of today's tree
            before = Path(tmp) / "before"
            shutil.copytree(FIRMWARE_DIR, before)
            shutil.copy(args.before, before / "lens.py")
            trees = {"before": before, **trees}
        elif args.before:
            trees = {"before": args.before.resolve(), **trees}
        results: dict[str, list[dict[str, Any]]] = {k: [] for k in trees}
        for i, path in enumerate(paths):
            sc = load_scenario(path)
            if getattr(sc, "optics", None) is None:
                continue
            stalls = stalls_of(sc) if args.radios else []
            blocks, starts = level_blocks(sc, sc.duration_s, stalls)
            gaps = gaps_of(starts)
            for name, tree in trees.items():
                rows = run_firmware(blocks, tree, Path(tmp), gaps)
                res = score(sc, rows, starts, stalls)
                res["scenario"] = sc.name
                results[name].append(res)
                if args.blocks:
                    saved[f"{sc.name}|{name}"] = rows
            print(
                f"[{i + 1}/{len(paths)}] {sc.name}: "
                + "; ".join(
                    f"{k} {r[-1]['found_in_reach']}/{r[-1]['in_reach']} lenses, "
                    f"{len(r[-1]['false'])} false"
                    for k, r in results.items()
                ),
                file=sys.stderr,
            )
    summary = {k: summarize(v) for k, v in results.items()}
    summary["wall_s"] = round(time.monotonic() - t_start, 1)  # type: ignore[assignment]
    print(json.dumps(summary, indent=2))
    if args.list:
        for k, v in results.items():
            for r in v:
                for f in r["false"]:
                    print(f"{k} {r['scenario']} {f['time_s']:.2f} s {f['what']}")
                if r["missed"]:
                    print(f"{k} {r['scenario']} missed {', '.join(r['missed'])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.blocks:
        np.savez_compressed(args.blocks, **saved)
    return 0


if __name__ == "__main__":
    sys.exit(main())
