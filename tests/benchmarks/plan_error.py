"""How exact must a room's plan be? Each waypoint's position moved by
N(0, SIGMA) metres per axis (seeded per room), the findings scored against the
true positions. Recordings: pickles with `rec` (a Recording with its plan's
positions) and `truth` (eval.evaluate.hidden_emitters), as tests/benchmarks/
no_plan.py caches them.

    .venv/bin/python tests/benchmarks/plan_error.py SIGMA DIR [DIR ...]
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
import zlib
from pathlib import Path

import numpy as np

from roomsweep.analysis.analyze import analyze
from roomsweep.eval.evaluate import score_scenario, summarize


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    sigma = float(argv[0])
    results = []
    for folder in argv[1:]:
        for path in sorted(Path(folder).glob("*.pkl")):
            d = pickle.loads(path.read_bytes())
            rec = d["rec"]
            rng = np.random.default_rng(zlib.crc32(path.stem.encode()))
            moved = {
                name: (x + rng.normal(0, sigma), y + rng.normal(0, sigma))
                for name, (x, y) in rec.waypoint_positions.items()
            }
            found = analyze(dataclasses.replace(rec, waypoint_positions=moved))
            rf = [f for f in found if f.get("type", "rf") == "rf"]
            results.append(score_scenario(rf, d["truth"], rec))
    m = summarize(results)["rf"]

    def pc(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f}"

    print(
        f"sigma {sigma:g} m: hidden {m['hidden_transmitters']} recall {pc(m['recall'])} "
        f"precision {pc(m['precision'])} class {pc(m['class_accuracy'])} "
        f"waypoint-or-region {pc(m['waypoint_or_region_accuracy'])} false {m['false_findings']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
