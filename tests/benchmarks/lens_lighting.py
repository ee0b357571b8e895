"""Lens recall and false lenses per sweep by lighting kind, paired: every
scenario of a generated set is swept once per lighting kind (the same room,
lenses, clutter, hand and signal seed; only the light differs), through the fast
path (`roomsweep.eval.fastpath`) and the host's lens finder:

    .venv/bin/python tests/benchmarks/lens_lighting.py --profile wide --seed 41 --count 20

The lamp and the sunlit window are placed as the generator places them
(sim/lensgen.py `_place_source`, its own random stream per scenario). Prints one
row per kind (docs/benchmarks.md, "Lens finder by lighting (issue 15)") and, with
--json, the per-kind figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np

from roomsweep.analysis.lens import lens_findings
from roomsweep.eval.fastpath import from_scenario
from roomsweep.eval.lens_eval import score_lenses
from roomsweep.sim import ambient, lensgen
from roomsweep.sim.generate import generate_scenarios
from roomsweep.sim.scenario import load_scenario

KINDS = ("dark", "lamp", "daylight", "sunlit", "flicker")


def relit(sc, kind: str, index: int):
    """The scenario under `kind` of light, the source placed as the generator would."""
    scene = sc.optics
    lighting = ambient.lighting_of(kind, scene.lighting.mains_hz)
    new_scene = dataclasses.replace(scene, lighting=lighting)
    rng = np.random.default_rng([index, 0x11647])
    lensgen._place_source(rng, sc, new_scene)
    return dataclasses.replace(sc, optics=new_scene)


def run(paths: list[Path], kinds, details: list | None = None) -> dict:
    rows: dict[str, list[dict]] = {k: [] for k in kinds}
    for i, p in enumerate(paths):
        sc = load_scenario(p)
        if sc.optics is None:
            continue
        for kind in kinds:
            # without its RF emitters: the photodiode column is the same (its noise
            # is drawn apart from theirs, sim/signals.py), in half the time
            s = dataclasses.replace(relit(sc, kind, i), emitters=[])
            score = score_lenses(lens_findings(from_scenario(s)), s)
            rows[kind].append(score)
            if details is not None:
                details.append({"scenario": p.name, "kind": kind, **score})
    out = {}
    for kind, scored in rows.items():
        reach = [L for r in scored for L in r["lenses"] if L["in_reach"]]
        found = sum(L["found"] for L in reach)
        false = sum(len(r["false"]) for r in scored)
        out[kind] = {
            "sweeps": len(scored),
            "lenses_in_reach": len(reach),
            "found": found,
            "recall": round(found / len(reach), 4) if reach else None,
            "false": false,
            "false_per_sweep": round(false / len(scored), 3) if scored else None,
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profile", default="wide", choices=("classic", "wide"))
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--details", help="write every sweep's lens score to this JSON file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate_scenarios(args.seed, args.count, Path(tmp), True, args.profile)
        details: list | None = [] if args.details else None
        res = run(sorted(paths), tuple(args.kinds.split(",")), details)
    if args.details:
        Path(args.details).write_text(json.dumps(details, indent=1))
    if args.json:
        print(json.dumps(res, indent=1))
        return
    print(f"{args.profile} seed {args.seed}, {args.count} rooms, each under every light")
    print("| light | sweeps | lenses in reach | recall | false per sweep |")
    print("|---|---|---|---|---|")
    for kind, r in res.items():
        rec = "n/a" if r["recall"] is None else f"{100 * r['recall']:.1f} %"
        print(
            f"| {kind} | {r['sweeps']} | {r['lenses_in_reach']} | {rec} "
            f"({r['found']}) | {r['false_per_sweep']} |"
        )


if __name__ == "__main__":
    main()
