"""Each kind in whole rooms: how often it is found, and whether its classifier
still names it where nothing else is as loud (docs/benchmarks.md, round 15).

    .venv/bin/python tests/benchmarks/kinds_in_rooms.py [--cache CACHE] DIR1+DIR2 DIR3

Recordings come as in reliability.py: DIR_pkl/<stem>.pkl beside DIR, or
CACHE/<DIR name>_pkl/<stem>.pkl with --cache (made there when missing), else
eval.fastpath.from_scenario. Per set (DIR1+DIR2 reports them together), two
tables:

- **found**: per kind, the hidden transmitters, recall, precision, class
  accuracy and false findings (`eval.evaluate.summarize`'s per-class figures,
  the scoring of `roomsweep eval`);
- **alone at its stop**: the hidden transmitters whose mean received power at
  their nearest stop (`sim.gen_check.mean_rx_dbm`, the simulator's own figure)
  stands at least CLEAR_DB above every other transmitter's there and above
  LEAST_DBM, and what `analysis.components` reads at that stop: the kind is
  "heard" when a component of it lies within HEARD_WITHIN_DB of that power,
  else the loudest class there is named. GSM and LTE are left out: their
  power control moves the level the simulator's mean figure does not follow.
  This separates the classifiers (is a kind named where it is plainly the
  loudest?) from the mixtures and the in-room rules (the rest of the misses).
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from roomsweep.analysis.analyze import analyze  # noqa: E402
from roomsweep.analysis.components import components  # noqa: E402
from roomsweep.analysis.motion import without_stimulus_marks  # noqa: E402
from roomsweep.eval.evaluate import hidden_emitters, score_scenario, summarize  # noqa: E402
from roomsweep.sim.gen_check import mean_rx_dbm, probe_sweep  # noqa: E402
from roomsweep.sim.scenario import load_scenario  # noqa: E402
from tests.benchmarks.reliability import _recording  # noqa: E402

CLEAR_DB = 6.0  # above every other transmitter at the stop: "alone" there
LEAST_DBM = -45.0  # and this loud: well above the detector's floor
HEARD_WITHIN_DB = 8.0  # a component of the kind this close to its power
POWER_CONTROLLED = ("gsm", "lte")


def _pc(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def alone_reads(sc: Any, rec: Any) -> list[tuple[str, str, str]]:
    """(kind, what its stop reads, emitter id) for each hidden transmitter
    alone at its stop (see the module's docstring)."""
    times = probe_sweep(sc).stop_times  # each waypoint's first dwell, its middle
    names = list(times)
    if not names:
        return []
    level = {
        e.id: dict(zip(names, mean_rx_dbm(sc, e, [times[n] for n in names]).tolist()))
        for e in sc.emitters
    }
    out: list[tuple[str, str, str]] = []
    read_at: tuple[list[Any], list[Any]] | None = None  # components, once asked
    for e in sc.emitters:
        if not e.hidden or e.kind in POWER_CONTROLLED:
            continue
        stop = sc.nearest_waypoint(e.position_m)
        if stop not in times:
            continue
        mine = level[e.id][stop]
        rest = max((level[o.id][stop] for o in sc.emitters if o.id != e.id), default=-300.0)
        if mine < LEAST_DBM or mine - rest < CLEAR_DB:
            continue
        if read_at is None:
            read_at = components(without_stimulus_marks(rec))
        comps, parts = read_at
        there = [c for c in comps if parts[c.stretch].label == stop]
        heard = any(c.cls == e.kind and abs(c.level_dbm - mine) <= HEARD_WITHIN_DB for c in there)
        loudest = max(there, key=lambda c: c.level_dbm, default=None)
        read = e.kind if heard else (loudest.cls if loudest is not None else "nothing")
        out.append((e.kind, read, e.id))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+", help="scenario dirs; DIR1+DIR2 reports them together")
    ap.add_argument("--cache", type=Path, help="where recordings are kept (CACHE/<dir>_pkl)")
    args = ap.parse_args(argv)
    for spec in args.sets:
        tomls = sorted(t for d in spec.split("+") for t in Path(d).glob("*.toml"))
        results = []
        reads: collections.Counter[tuple[str, str]] = collections.Counter()
        misread: list[str] = []
        for toml in tomls:
            sc = load_scenario(str(toml))
            rec = _recording(toml, args.cache)
            rf = [f for f in analyze(rec) if f.get("type", "rf") == "rf"]
            results.append(score_scenario(rf, hidden_emitters(sc), rec))
            for kind, read, eid in alone_reads(sc, rec):
                reads[(kind, read)] += 1
                if read != kind:
                    misread.append(f"{toml.stem}: {eid} ({kind}) read as {read}")
        per = summarize(results)["rf"]["per_class"]
        print(f"\n{spec}: found\n")
        print("| kind | hidden | recall | precision | class | false |")
        print("|---|---|---|---|---|---|")
        for kind, m in per.items():
            print(
                f"| {kind} | {m['present']} | {_pc(m['recall'])} | {_pc(m['precision'])} | "
                f"{_pc(m['class_accuracy'])} | {m['false_findings']} |"
            )
        print(f"\n{spec}: alone at its stop (>= {CLEAR_DB:g} dB over the rest)\n")
        print("| kind | alone | named | read as something else |")
        print("|---|---|---|---|")
        for kind in sorted({k for k, _ in reads}):
            total = sum(n for (k, _), n in reads.items() if k == kind)
            other = ", ".join(
                f"{r} {n}" for (k, r), n in sorted(reads.items()) if k == kind and r != kind
            )
            print(f"| {kind} | {total} | {reads[(kind, kind)]} | {other or '-'} |")
        for line in misread:
            print(f"- {line}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
