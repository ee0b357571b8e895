"""LTE handset (uplink).

3GPP TS 36.211, 4.1: 10 ms radio frames of ten 1 ms subframes; a handset is
scheduled whole subframes, so its bursts last whole milliseconds and start on
the 1 ms grid.
"""

import numpy as np

from roomsweep.analysis.dsp import grid_fraction
from roomsweep.analysis.features import Features
from roomsweep.analysis.classifiers.base import Classifier, ramp

SUBFRAME_S = 1e-3


def score(f: Features) -> float:
    if f.count < 10:
        return 0.0
    k = np.round(f.widths_s / SUBFRAME_S)
    whole = float(np.mean((k >= 1) & (np.abs(f.widths_s - k * SUBFRAME_S) <= 0.2e-3)))
    grid, _ = grid_fraction(f.starts_s, SUBFRAME_S, 0.15e-3, max_multiple=40)
    return ramp(whole, 0.5, 0.85) * ramp(grid, 0.5, 0.85)


CLASSIFIER = Classifier("lte", "LTE handset (1 ms subframes)", "3GPP TS 36.211 4.1", score)
