"""Each hidden kind alone, its parameters drawn as the wide generator draws
them (`sim.gen_wide_emitters.hidden_params`): what the analyzer's windows read
(docs/benchmarks.md, round 10). A classifier that holds only on the defaults
shows here first.

    .venv/bin/python tests/benchmarks/kinds_alone.py [--draws 30] [--seconds 6] [KIND ...]

Each draw is one transmitter at -25 dBm over a -63 dBm floor (the simulator's
timing, `tests.test_analysis.envelope`, seeded by the draw's index) read by
`analysis.components` in its 1.5 s windows. Per kind: how many windows' loudest
component reads as each class; then each draw where fewer than 3 in 4 of its
windows read as the kind, with its parameters.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.analysis.components import components
from roomsweep.analysis.recording import Recording
from roomsweep.sim.gen_wide_emitters import hidden_params
from roomsweep.sim.kinds import EMITTER_KINDS

LEVEL_DBM = -25.0
FLOOR_DBM = -63.0
DRAW_SEED = 7  # the draws' generator (numpy Generator seed)


def windows_read(kind: str, params: dict, seed: int, seconds: float) -> collections.Counter:
    """Class of the loudest component in each window of one transmitter alone."""
    from tests.test_analysis import FS, envelope

    x = envelope(kind, seconds, level=LEVEL_DBM, seed=seed, floor=FLOOR_DBM, params=params)
    found, _ = components(Recording(np.zeros(x.size, dtype=np.uint16), FS), dbm=x)
    loudest: dict[float, Any] = {}
    for c in found:
        if c.window_start_s not in loudest or c.level_dbm > loudest[c.window_start_s].level_dbm:
            loudest[c.window_start_s] = c
    return collections.Counter(c.cls for c in loudest.values())


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kinds", nargs="*", metavar="KIND", help=f"of {', '.join(EMITTER_KINDS)}")
    ap.add_argument("--draws", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=6.0)
    args = ap.parse_args(argv)
    wrong = sorted(set(args.kinds) - set(EMITTER_KINDS))
    if wrong:
        ap.error(f"unknown kind {wrong[0]!r}; one of {', '.join(EMITTER_KINDS)}")
    for kind in args.kinds or EMITTER_KINDS:
        rng = np.random.default_rng(DRAW_SEED)
        total: collections.Counter = collections.Counter()
        poor = []
        for i in range(args.draws):
            params = hidden_params(rng, kind)[2]
            read = windows_read(kind, params, i, args.seconds)
            total.update(read)
            share = read[kind] / max(1, sum(read.values()))
            if share < 0.75:
                poor.append((round(share, 2), dict(read), params))
        n = sum(total.values())
        print(f"{kind}: {total[kind]} of {n} windows read as {kind}; all: {dict(total)}")
        for share, classes, params in poor:
            print(f"    {share:.2f} {classes} {params}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # for tests.test_analysis
    raise SystemExit(main(sys.argv[1:]))
