"""Auto-ranging figures for docs/benchmarks.md ("Auto-ranging"): on a directory of
scenarios (e.g. `roomsweep scenarios generate --profile wide ...`), the fast path
(roomsweep.eval.fastpath: the firmware's range rule, sim/ranging.py) with the pad
and, for "before", the same feed read without it (the unpadded column only, as
the firmware recorded before auto-ranging). Per stop: the simulator's truth (the
loudest 50 ms of sim/signals.py rf_dbm at the stop) and the level each recording
gives; per run, the RF recall and precision as `roomsweep eval` scores them.

    .venv/bin/python tests/benchmarks/autorange_figures.py [--stops-only] DIR [DIR ...]

A stop's peak is the 99.5th percentile of its samples' levels (a burst's level:
a GSM slot or a Wi-Fi frame, not a mean over the duty cycle). A stop "saturated
before" peaks at or above the detector's ceiling (-3 dBm) without the pad; it is
"measured now" when with the pad its peak is under the recording's ceiling (17
dBm) and within 3 dB of the truth's (the same percentile of sim/signals.py
rf_dbm at the same instants).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.recording import DETECTOR_CEILING_DBM
from roomsweep.eval import fastpath
from roomsweep.eval.evaluate import hidden_emitters, score_scenario, summarize
from roomsweep.sim.scenario import load_scenario
from roomsweep.sim.signals import FeedGenerator


def _unpadded(unpadded: np.ndarray, padded: np.ndarray, block: int = 256) -> Any:
    n = np.asarray(unpadded).size
    return np.asarray(unpadded, dtype=np.uint16), np.zeros(-(-n // block), dtype=bool)


PEAK_PERCENTILE = 99.5


def _peak(x: np.ndarray) -> float | None:
    return float(np.percentile(x, PEAK_PERCENTILE)) if x.size else None


def _stops(sc: Any, rec: Any) -> list[tuple[str, float | None]]:
    dbm = rec.rf_dbm()
    out = []
    for s in sc.sweep:
        a, b = int(s.arrive_s * rec.fs), int((s.arrive_s + s.dwell_s) * rec.fs)
        out.append((s.waypoint, _peak(dbm[a:b])))
    return out


def main(dirs: list[str], stops_only: bool = False) -> dict[str, Any]:
    paths = sorted(p for d in dirs for p in Path(d).glob("*.toml"))
    before_runs, after_runs = [], []
    stops = {"stops": 0, "saturated_before": 0, "measured_now": 0, "still_saturated": 0}
    errors: list[float] = []
    for n, path in enumerate(paths, 1):
        sc = load_scenario(str(path))
        sys.stderr.write(f"\r[{n}/{len(paths)}] {sc.name[:50]:<50}")
        after = fastpath.from_scenario(sc)
        with mock.patch.object(fastpath, "auto_range", _unpadded):
            before = fastpath.from_scenario(sc)
        gen = FeedGenerator(sc)
        truth = []
        for s in sc.sweep:
            t = np.arange(s.arrive_s, s.arrive_s + s.dwell_s, 1 / before.fs)
            truth.append(_peak(gen.rf_dbm(t)))
        for (_, b), (_, a), tr in zip(_stops(sc, before), _stops(sc, after), truth):
            if b is None or a is None or tr is None:
                continue
            stops["stops"] += 1
            if b >= DETECTOR_CEILING_DBM:
                stops["saturated_before"] += 1
                if a < after.ceiling_dbm and abs(a - tr) <= 3.0:
                    stops["measured_now"] += 1
                    errors.append(a - tr)
                elif a >= after.ceiling_dbm:
                    stops["still_saturated"] += 1
        for rec, runs in ((before, before_runs), (after, after_runs)):
            if stops_only:
                break
            found = [f for f in analyze(rec) if f.get("type", "rf") == "rf"]
            r = score_scenario(found, hidden_emitters(sc), rec)
            r["scenario"] = sc.name
            runs.append(r)
    sys.stderr.write("\n")
    keys = ("recall", "precision", "class_accuracy", "waypoint_accuracy")
    out: dict[str, Any] = {
        "scenarios": len(paths),
        **stops,
        "measured_error_db": {
            "median": round(float(np.median(errors)), 2) if errors else None,
            "max_abs": round(float(np.max(np.abs(errors))), 2) if errors else None,
        },
    }
    if stops_only:
        return out
    b, a = summarize(before_runs)["rf"], summarize(after_runs)["rf"]
    return {
        **out,
        "hidden": sum(len(hidden_emitters(load_scenario(str(p)))) for p in paths),
        "before": {k: b.get(k) for k in keys},
        "after": {k: a.get(k) for k in keys},
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    only = "--stops-only" in args
    print(json.dumps(main([a for a in args if a != "--stops-only"], only), indent=2))
