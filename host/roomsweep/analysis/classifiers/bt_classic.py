"""Bluetooth BR/EDR (classic): headsets, audio links, some bugs.

Bluetooth Core Specification 5.4, Vol 2, Part B, 2.2: 625 us time slots, a new
hop frequency per slot (1600 hops/s); single-slot packets last up to 366 us.
A wideband detector sees every hop, so bursts start on the 625 us grid. The
slot is in roomsweep.standards (BT_SLOT_S).
"""

from __future__ import annotations

from roomsweep.analysis.classifiers.base import Classifier, ramp, within
from roomsweep.analysis.dsp import grid_fraction
from roomsweep.analysis.features import Features
from roomsweep.standards import BT_SLOT_S

MIN_BURSTS = 20  # fewer packets than this say too little about a slot grid
# A packet starts within this of the slot grid: under one sample at 8 kS/s (the
# starts are interpolated); random starts come this close 29 % of the time
SLOT_TOLERANCE_S = 90e-6
SLOT_MAX_MULTIPLE = 16  # gaps of up to 16 slots (idle slots between packets)
# Share of intervals on the grid: from 50 % (well above that chance) to fully at 85 %
ON_GRID = (0.5, 0.85)
# Single-slot packets last up to 366 us (DH1); fading out 0.2 ms outside the
# window, so a 126 us POLL/NULL packet still scores partly
PACKET_WIDTH_S = (0.2e-3, 0.45e-3)
PACKET_WIDTH_SOFT_S = 0.2e-3
# A link in use sends hundreds of packets a second (an HV3 audio link: two every six
# slots, 533 a second); from 20 a second it starts to count, fully from 100
BURST_RATE_HZ = (20, 100)


def score(f: Features) -> float:
    if f.count < MIN_BURSTS:
        return 0.0
    grid, _ = grid_fraction(
        f.starts_s, BT_SLOT_S, SLOT_TOLERANCE_S, max_multiple=SLOT_MAX_MULTIPLE
    )
    short = within(f.width_median_s, *PACKET_WIDTH_S, PACKET_WIDTH_SOFT_S)
    return ramp(grid, *ON_GRID) * short * ramp(f.burst_rate_hz, *BURST_RATE_HZ)


CLASSIFIER = Classifier(
    "bt_classic",
    "Bluetooth classic (625 us slots)",
    "Bluetooth Core 5.4 Vol 2 Part B 2.2",
    score,
    # the weakest power class (class 3: 1 mW, Core 5.4 Vol 2 Part A 3)
    # within 0.5 m of a waypoint (FSPL 40 dB at 1 m, n = 2.5)
    # reads about -32 dBm; 8 dB below that is a headset next door
    in_room_dbm=-40.0,
    period_s=BT_SLOT_S,
)
