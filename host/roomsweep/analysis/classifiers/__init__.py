"""The classifier table: one module per signal kind, each citing its standard.

To add a kind, write a module with a CLASSIFIER and list it here; a standard's
timings go in roomsweep.standards, and the CLASSIFIER's period_s names the one
its envelope repeats at (None when there is none).
"""

from __future__ import annotations

from roomsweep.analysis.classifiers import (
    analog_video,
    ble,
    bt_classic,
    dect,
    gsm,
    lte,
    wifi_beacon,
    wifi_stream,
)
from roomsweep.analysis.classifiers.base import Classifier

CLASSIFIERS: tuple[Classifier, ...] = (
    gsm.CLASSIFIER,
    dect.CLASSIFIER,
    wifi_beacon.CLASSIFIER,
    wifi_stream.CLASSIFIER,
    ble.CLASSIFIER,
    bt_classic.CLASSIFIER,
    lte.CLASSIFIER,
    analog_video.CLASSIFIER,
)
BY_NAME = {c.name: c for c in CLASSIFIERS}

# Scores this close are a tie: which of two full scores is a hair higher is the
# sampling's choice. A DECT base's two-sample bursts, at a rate read 31 ppm fast
# (a 30 ppm crystal against the base's clock), fall 3e-5 short of DECT's width
# bound and read 0.99997 against Bluetooth's 1.0 (an outsider's capture,
# docs/benchmarks.md).
TIE_SCORE = 0.02
# A beacon train with a camera's stream of frames beside it (wifi_stream scores
# them beyond the beacons) is a camera that is its own access point, streaming
# to the phone that joined its hotspot, as many cheap hidden cameras do (an
# outsider's rooms: three of four such cameras were named access points)
STREAM_BESIDE_BEACONS = 0.7
# A period within this of a whole multiple (2 or more) of another nests it
NEST_TOLERANCE = 0.01


def nests(outer_s: float | None, inner_s: float | None) -> bool:
    """Whether a period of outer_s is a whole multiple (2 or more) of inner_s:
    whatever keeps the outer period keeps the inner lattice too.

    >>> from roomsweep.standards import BT_SLOT_S, DECT_FRAME_S, GSM_FRAME_S
    >>> nests(DECT_FRAME_S, BT_SLOT_S)  # a DECT frame is 16 Bluetooth slots
    True
    >>> nests(GSM_FRAME_S, BT_SLOT_S)  # a GSM frame is 7.38
    False
    """
    if outer_s is None or inner_s is None or outer_s < 2 * inner_s:
        return False
    ratio = outer_s / inner_s
    return abs(ratio - round(ratio)) <= NEST_TOLERANCE


def named(scores: dict[str, float]) -> str:
    """The kind `scores` (kind -> score) names: the best, or among the kinds
    within TIE_SCORE of it, the one whose period nests every other's (nests);
    an access point's beacons with a stream beside them (STREAM_BESIDE_BEACONS)
    a camera.
    A DECT frame (10 ms) is 16 Bluetooth slots and ten LTE subframes, so a DECT
    base keeps their lattices too, while a piconet or a handset keeps no 10 ms
    frame: the pattern that implies the others is the answer."""
    best = max(scores, key=scores.__getitem__)
    if best == wifi_beacon.CLASSIFIER.name and scores.get(wifi_stream.CLASSIFIER.name, 0.0) >= (
        STREAM_BESIDE_BEACONS
    ):
        return wifi_stream.CLASSIFIER.name
    tied = [k for k, v in scores.items() if v >= scores[best] - TIE_SCORE]
    for kind in tied:
        period = BY_NAME[kind].period_s if kind in BY_NAME else None
        others = [BY_NAME[k].period_s if k in BY_NAME else None for k in tied if k != kind]
        if others and all(nests(period, o) for o in others):
            return kind
    return best


UNKNOWN_PERIODIC = "unknown_periodic"
UNKNOWN = "unknown"
