"""DECT cordless phone base or handset.

ETSI EN 300 175-2 (DECT physical layer): a 10 ms frame of 24 slots of 416.7 us;
a base transmits at least one slot per frame (dummy bearer when idle), so the
envelope repeats every 10 ms: a 100 Hz line and harmonics. The timings are in
roomsweep.standards (DECT_FRAME_S, DECT_SLOT_S).
"""

from __future__ import annotations

from roomsweep.analysis.classifiers.base import Classifier, tdma_score
from roomsweep.analysis.features import Features
from roomsweep.standards import DECT_FRAME_S

# A full-slot packet (DECT_SLOT_S, 416.7 us; about 365 us of bits in a P32
# packet) less or more what the detector's edges take or add.
BURST_WIDTH_S = (0.25e-3, 0.65e-3)
# One slot of a 24-slot frame is about 4 % on air; a base with a call and its dummy
# bearer, or a base and handset at one level, up to three or four slots.
DUTY = (0.02, 0.15)


# A base that sends sends every frame (its traffic or dummy bearer; an ECO-mode
# base sends nothing when idle, not a frame now and then): a train of its slots
# told apart from another kind's bursts at one level holds at least this share
# of the frames of its window (a base split over two levels by its fading keeps
# it at each). 17 slots of 150, a louder neighbour's lifted to a camera's level
# for 170 ms, are no base there (outsider round 6c, room 50: a DECT ghost).
TRAIN_MIN_FRAME_SHARE = 1 / 3


def score(f: Features) -> float:
    return tdma_score(f, DECT_FRAME_S, width_s=BURST_WIDTH_S, duty=DUTY)


def holds_its_frames(f: Features) -> bool:
    """Whether a train of DECT slots holds TRAIN_MIN_FRAME_SHARE of the 10 ms
    frames over `f`'s window."""
    return f.count >= TRAIN_MIN_FRAME_SHARE * f.duration_s / DECT_FRAME_S


CLASSIFIER = Classifier(
    "dect",
    "DECT phone (10 ms frames, 100 Hz)",
    "ETSI EN 300 175-2",
    score,
    # 250 mW (24 dBm) peak [ETSI EN 300 175-2]; within 0.5 m of a
    # waypoint (FSPL 38 dB at 1 m at 1.9 GHz, n = 2.5) about -6 dBm,
    # -28 dBm even 20 dB down behind furniture; weaker is a
    # neighbour's base station or handset
    in_room_dbm=-28.0,
    period_s=DECT_FRAME_S,
)
