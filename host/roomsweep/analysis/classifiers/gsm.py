"""GSM handset or GSM audio bug.

3GPP TS 45.002 (GSM/EDGE multiplexing and multiple access on the radio path):
a TDMA frame lasts 120/26 ms = 4.615 ms and holds 8 timeslots of 576.9 us; a
handset in a call transmits one slot per frame (1/8 duty), so its envelope has a
216.7 Hz line and harmonics; frame 25 of each 26-frame traffic multiframe is idle
(8.33 Hz). An idle handset sends only occasional bursts, still on the frame grid.
The timings are in roomsweep.standards (GSM_FRAME_S, GSM_SLOT_S).
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers.base import (
    FRAME_TOLERANCE_S,
    TDMA_DUTY_SOFT,
    TDMA_WIDTH_SOFT_S,
    Classifier,
    phase_share,
    ramp,
    tdma_score,
    within,
)
from roomsweep.analysis.features import Features
from roomsweep.standards import GSM_FRAME_S, GSM_SLOT_S

# A normal burst fills most of one slot (GSM_SLOT_S, 577 us; 148 bits take 546 us);
# the window allows for the detector's edges blurring it either way.
BURST_WIDTH_S = (0.4e-3, 0.8e-3)
# One slot in eight is 12.5 % on air in a call; the window takes sparser bursts
# below that and some slack (merged edges) above. The sparsest a GSM transmitter
# keeps a channel: discontinuous transmission in speech pauses sends only the
# SACCH frame of each 26-frame multiframe and the 8 SID frames of each 104
# (3GPP TS 45.008 8.3): 12 of 104 frames, one slot each, 1.4 % on air. Idle
# signalling (4 frames of each 51, 1 %) is sparser still and scores on the
# window's soft edge (TDMA_DUTY_SOFT).
DUTY = (0.012, 0.2)


# A GPRS/EDGE transmitter (a bug that uploads its audio, a tracker) sends on up
# to four adjacent slots a frame (3GPP TS 45.002 Annex B, multislot classes 12
# and 33: 4 uplink slots), one burst of 2-4 slots to the detector, on the same
# frame grid; a radio block is four frames (TS 45.002 6.3.2), and blocks come
# and go with the data; while they flow the duty is two to four slots in eight.
# Sparser wide bursts (a beacon at 1 Mbit/s lasts 1-2.4 ms, 1-2 % on air) are
# asked the single-slot test only: from 5 % on air, a block in every four frames
# or so, a transfer is under way
MULTISLOT_MAX = 4
MULTISLOT_WIDTH_S = (2 * GSM_SLOT_S - BURST_WIDTH_S[0] / 2, MULTISLOT_MAX * GSM_SLOT_S + 0.1e-3)
MULTISLOT_DUTY = (0.05, MULTISLOT_MAX / 8 + 0.05)


# A call hops: a new carrier every frame, over up to 64 (3GPP TS 45.002 6.2),
# and the room's multipath fades each carrier by its own amount, so successive
# bursts read several dB apart. The level modes (components) then hold a
# subset of the frames each: every other one, or any. Their intervals are frame
# multiples beyond FRAME_MULTIPLES' neighbours (tdma_score's grid test sees a
# third of them), yet every burst still starts in the handset's one timeslot:
# on one phase of the frame lattice, which no other kind keeps while sending
# that often (DECT's 10 ms frame, Bluetooth's 625 us slots and LTE's 1 ms
# subframes walk through its phases; Wi-Fi and BLE start at random). Asked of
# HOPPING_MIN_BURSTS bursts or more, HOPPING_SHARE of them on the phase (30
# starts, 70 % within FRAME_TOLERANCE_S of one phase: 9 standard errors beyond
# what random starts reach, base.lattice_z) ...
HOPPING_MIN_BURSTS = 30
HOPPING_SHARE = (0.7, 0.9)
# ... and a handset's cadence: a call sends every frame, so a mode holding one
# carrier in four or more still sees a burst every few frames. A steady train
# at a whole number of frames further apart is another radio's period that
# happens to be one (a BLE connection or a Bluetooth sniff interval of 60 ms
# is 13 frames): the median interval at most this many frames.
HOPPING_MAX_FRAMES = 4.5


def hopping(f: Features) -> float:
    """A single-slot burst's width and duty, its starts on one phase of the
    frame lattice however many frames lie between them, at a call's cadence
    (0..1)."""
    if f.count < HOPPING_MIN_BURSTS:
        return 0.0
    shape = within(f.width_median_s, *BURST_WIDTH_S, TDMA_WIDTH_SOFT_S) * within(
        f.duty, *DUTY, TDMA_DUTY_SOFT
    )
    if shape == 0 or float(np.median(np.diff(f.starts_s))) > HOPPING_MAX_FRAMES * GSM_FRAME_S:
        return 0.0
    return shape * ramp(phase_share(f.starts_s, GSM_FRAME_S, FRAME_TOLERANCE_S), *HOPPING_SHARE)


def score(f: Features) -> float:
    single = tdma_score(f, GSM_FRAME_S, width_s=BURST_WIDTH_S, duty=DUTY)
    if single < 1.0:
        single = max(single, hopping(f))
    if single >= 1.0 or f.duty < MULTISLOT_DUTY[0]:
        return single  # (a hard floor: tdma_score's soft duty edge spans 0.1)
    return max(single, tdma_score(f, GSM_FRAME_S, width_s=MULTISLOT_WIDTH_S, duty=MULTISLOT_DUTY))


CLASSIFIER = Classifier(
    "gsm",
    "GSM handset or bug (TDMA 4.615 ms, 216.7 Hz)",
    "3GPP TS 45.002",
    score,
    # the least a handset or bug sends is 5 dBm (GSM900) or 0 dBm
    # (DCS1800) [3GPP TS 45.005 4.1.1]: within 0.5 m of a waypoint
    # (FSPL 37.5 dB at 1 m at 1.8 GHz, n = 2.5) that reads above
    # -30 dBm; a weaker GSM peak is a phone beyond a wall
    in_room_dbm=-32.0,
    period_s=GSM_FRAME_S,
)
