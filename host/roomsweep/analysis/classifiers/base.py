"""What every classifier provides: a name, the standard its timing comes from,
and a score in 0..1 computed from a component's Features."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from roomsweep.analysis.dsp import partner_fraction
from roomsweep.analysis.features import Features


@dataclass(frozen=True)
class Classifier:
    name: str  # the class reported in findings
    title: str  # human name
    standard: str  # where the timing comes from
    score: Callable[[Features], float]
    # Kinds that are everywhere (access points, BLE beacons and phones) are reported
    # only when one is within reach of a waypoint: above this level at its peak.
    in_room_dbm: float | None = None
    # Recognisable from the few events of a whole dwell (slow advertisers), so
    # worth a look at what stands above every level mode there.
    sparse: bool = False


def frame_regularity(starts, frame_s: float, tolerance_s: float = 0.3e-3) -> float:
    """How strictly events keep a frame period, beyond what random traffic at the
    same rate reaches by chance (0 = no better than chance, 1 = exact)."""
    _, props = partner_fraction(starts, frame_s, tolerance_s, multiples=(1, 2, 3))
    return props["regularity"] - props["chance"]


def tdma_score(f: Features, frame_s: float, width_s: tuple[float, float],
               duty: tuple[float, float]) -> float:
    """One slot of width_s per frame of frame_s (GSM, DECT): width and duty in
    range, and the bursts on the frame grid."""
    if f.count < 8:
        return 0.0
    shape = within(f.width_median_s, *width_s, 0.3e-3) * within(f.duty, *duty, 0.1)
    if shape == 0:
        return 0.0  # cheap tests first: most components fail here
    return shape * ramp(frame_regularity(f.starts_s, frame_s), 0.25, 0.55)


_QUARTERS = np.true_divide(np.array([25, 50, 75]), 100)


def quartiles(x) -> tuple[float, float, float]:
    """np.percentile(x, [25, 50, 75]) of a 1-D array of two or more finite values:
    the same order statistics and the same interpolation arithmetic (numpy's
    "linear" method), without its generality (the BLE test asks it of every
    quiet component)."""
    v = np.sort(np.asarray(x, dtype=np.float64))
    virtual = (v.size - 1) * _QUARTERS
    below = np.floor(virtual)
    gamma = virtual - below
    i = below.astype(np.intp)
    lo, hi = v[i], v[i + 1]
    diff = hi - lo
    out = lo + diff * gamma
    upper = gamma >= 0.5
    out[upper] = (hi - diff * (1 - gamma))[upper]
    return float(out[0]), float(out[1]), float(out[2])


def ramp(x: float, lo: float, hi: float) -> float:
    """0 at lo, 1 at hi, linear between (either direction)."""
    if hi == lo:
        return float(x >= hi)
    return float(min(1.0, max(0.0, (x - lo) / (hi - lo))))


def within(x: float, lo: float, hi: float, soft: float) -> float:
    """1 inside [lo, hi], falling to 0 over `soft` outside it."""
    if lo <= x <= hi:
        return 1.0
    d = lo - x if x < lo else x - hi
    return max(0.0, 1.0 - d / soft)
