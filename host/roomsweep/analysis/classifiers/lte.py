"""LTE handset (uplink).

3GPP TS 36.211, 4.1: 10 ms radio frames of ten 1 ms subframes; a handset is
scheduled whole subframes, so its bursts last whole milliseconds and start on
the 1 ms grid. The subframe is in roomsweep.standards (LTE_SUBFRAME_S).
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers.base import Classifier, ramp
from roomsweep.analysis.dsp import grid_fraction
from roomsweep.analysis.features import Features
from roomsweep.standards import LTE_SUBFRAME_S

MIN_BURSTS = 10  # fewer bursts than this say too little about whole subframes
# A burst lasts a whole number of subframes to within this (the detector's edges)
WIDTH_TOLERANCE_S = 0.2e-3
# A burst starts within this of the subframe grid: about one sample at 8 kS/s;
# random starts come this close 30 % of the time
GRID_TOLERANCE_S = 0.15e-3
GRID_MAX_MULTIPLE = 40  # gaps of up to 40 subframes (a handset scheduled now and then)
# Share of whole-subframe bursts, and of intervals on the grid: from 50 % to
# fully at 85 %
WHOLE = (0.5, 0.85)
ON_GRID = (0.5, 0.85)


def score(f: Features) -> float:
    if f.count < MIN_BURSTS:
        return 0.0
    k = np.round(f.widths_s / LTE_SUBFRAME_S)
    whole = float(
        np.mean((k >= 1) & (np.abs(f.widths_s - k * LTE_SUBFRAME_S) <= WIDTH_TOLERANCE_S))
    )
    grid, _ = grid_fraction(
        f.starts_s, LTE_SUBFRAME_S, GRID_TOLERANCE_S, max_multiple=GRID_MAX_MULTIPLE
    )
    return ramp(whole, *WHOLE) * ramp(grid, *ON_GRID)


CLASSIFIER = Classifier(
    "lte", "LTE handset (1 ms subframes)", "3GPP TS 36.211 4.1", score, period_s=LTE_SUBFRAME_S
)
