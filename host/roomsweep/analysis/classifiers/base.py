"""What every classifier provides: a name, the standard its timing comes from,
and a score in 0..1 computed from a component's Features."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..features import Features


@dataclass(frozen=True)
class Classifier:
    name: str  # the class reported in findings
    title: str  # human name
    standard: str  # where the timing comes from
    score: Callable[[Features], float]
    # Kinds that are everywhere (access points, BLE beacons and phones) are reported
    # only when one is within reach of a waypoint: above this level at its peak.
    in_room_dbm: float | None = None


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
