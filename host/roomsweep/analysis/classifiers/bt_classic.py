"""Bluetooth BR/EDR (classic): headsets, audio links, some bugs.

Bluetooth Core Specification 5.4, Vol 2, Part B, 2.2: 625 us time slots, a new
hop frequency per slot (1600 hops/s); single-slot packets last up to 366 us.
A wideband detector sees every hop, so bursts start on the 625 us grid.
"""

from roomsweep.analysis.dsp import grid_fraction
from roomsweep.analysis.features import Features
from roomsweep.analysis.classifiers.base import Classifier, ramp, within

SLOT_S = 625e-6


def score(f: Features) -> float:
    if f.count < 20:
        return 0.0
    grid, _ = grid_fraction(f.starts_s, SLOT_S, 90e-6, max_multiple=16)
    short = within(f.width_median_s, 0.2e-3, 0.45e-3, 0.2e-3)
    return ramp(grid, 0.5, 0.85) * short * ramp(f.burst_rate_hz, 20, 100)


CLASSIFIER = Classifier("bt_classic", "Bluetooth classic (625 us slots)",
                        "Bluetooth Core 5.4 Vol 2 Part B 2.2", score,
                        # the weakest power class (class 3: 1 mW, Core 5.4 Vol 2 Part A 3)
                        # within 0.5 m of a waypoint (FSPL 40 dB at 1 m, n = 2.5)
                        # reads about -32 dBm; 8 dB below that is a headset next door
                        in_room_dbm=-40.0)
