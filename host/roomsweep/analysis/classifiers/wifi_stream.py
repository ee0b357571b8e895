"""Wi-Fi device streaming (a network camera sending video).

IEEE 802.11-2020 data frames: bursts of variable length (a 1500-byte frame takes
about 0.2-2 ms depending on the rate) at no fixed period; video encoders make
the traffic heavy and variable (DeWiCam, MobiSys 2018; hiddenwebcam). What sets it
apart: a high duty and burst rate with no slot grid (GSM, DECT, Bluetooth, LTE
all have one); the grids it is tested against are in roomsweep.standards.
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers.base import (
    CARRIER_DUTY,
    CARRIER_DUTY_FULL,
    FRAME_TOLERANCE_S,
    Classifier,
    frame_regularity,
    ramp,
)
from roomsweep.analysis.dsp import grid_fraction
from roomsweep.analysis.features import Features
from roomsweep.standards import BT_SLOT_S, DECT_FRAME_S, GSM_FRAME_S, LTE_SUBFRAME_S

MIN_BURSTS = 20  # fewer frames than this say too little about a rate or a grid
# A camera sending 0.7 Mbit/s at 24 Mbit/s is on air only 3-5 % of the time
# (NESL SnoopDog traces), a busy one 20-60 %: busy from 1 %, fully so from 3 %
BUSY_DUTY = (0.01, 0.03)
# ... and sends 60-180 frames a second; an access point's data traffic far fewer
BUSY_RATE_HZ = (40, 70)
# The slot grids of the kinds that have one, each with how far a burst start may
# stray from it. Random starts land that close to a grid point 2 * tolerance /
# period of the time (29 % on Bluetooth's and LTE's, 13 % on GSM's).
GRIDS = ((BT_SLOT_S, 90e-6), (LTE_SUBFRAME_S, 140e-6), (GSM_FRAME_S, FRAME_TOLERANCE_S))
GRID_MAX_MULTIPLE = 16  # a grid shows in gaps of up to 16 periods
# Share of intervals on the best grid: from 45 % (well above chance) it counts
# against a stream, from 75 % a stream is ruled out.
ON_GRID = (0.45, 0.75)
# The frame periods of TDMA kinds, tested even when two transmitters interleave
TDMA_FRAMES = (GSM_FRAME_S, DECT_FRAME_S)
# Frame regularity above chance (base.frame_regularity): lower than tdma_score's
# own range, as two interleaved transmitters each keep only part of the partners.
TDMA_REGULARITY = (0.15, 0.35)
# Standard deviation of burst lengths: a video encoder's frames of varied size
# spread them (a hint from 0.1 ms, fully from 0.3 ms) ...
WIDTH_SPREAD_S = (0.1e-3, 0.3e-3)
# ... but full-size frames all last alike; varied lengths are only a hint
SAME_WIDTHS_SCORE = 0.8


def score(f: Features) -> float:
    if f.count < MIN_BURSTS:
        return 0.0
    busy = ramp(f.duty, *BUSY_DUTY) * ramp(f.burst_rate_hz, *BUSY_RATE_HZ)
    not_continuous = 1.0 - ramp(f.duty, CARRIER_DUTY, CARRIER_DUTY_FULL)
    if busy * not_continuous == 0:
        return 0.0
    grids = [
        grid_fraction(f.starts_s, p, tol, max_multiple=GRID_MAX_MULTIPLE)[0] for p, tol in GRIDS
    ]
    no_grid = 1.0 - ramp(max(grids), *ON_GRID)
    if no_grid == 0:
        return 0.0
    # nor a frame period, even when two TDMA transmitters interleave (GSM, DECT)
    tdma = max(frame_regularity(f.starts_s, period) for period in TDMA_FRAMES)
    no_grid *= 1.0 - ramp(tdma, *TDMA_REGULARITY)
    spread = ramp(float(np.std(f.widths_s)) if f.count else 0.0, *WIDTH_SPREAD_S)
    return busy * no_grid * max(spread, SAME_WIDTHS_SCORE) * not_continuous


CLASSIFIER = Classifier(
    "wifi_camera",
    "Wi-Fi camera streaming video",
    "IEEE 802.11-2020 data frames",
    score,
    # a camera module sends 13-20 dBm (ESP32-CAM class, docs/
    # sources.md §7): within 0.5 m (FSPL 40 dB at 1 m, n = 2.5)
    # above -20 dBm; -38 dBm leaves 18 dB for what hides it
    in_room_dbm=-38.0,
    period_s=None,
)
