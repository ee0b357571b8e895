"""What every classifier provides: a name, the standard its timing comes from,
its repetition period (from roomsweep.standards) and a score in 0..1 computed
from a component's Features; and the tests several classifiers share (a TDMA
frame grid, ramps and windows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from roomsweep.analysis.dsp import _median, partner_fraction
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
    # The period the kind's envelope repeats at (a TDMA frame, a beacon interval,
    # a slot), from roomsweep.standards; None for a kind with no fixed period
    # (data traffic, BLE's jittered advertising, a continuous carrier).
    period_s: float | None = None
    # At least the score, and cheaper: what a caller that only asks whether the
    # score could reach some value may ask instead (None: the score itself).
    bound: Callable[[Features], float] | None = None

    def at_most(self, f: Features) -> float:
        """A value the score of `f` does not exceed: the bound, or the score."""
        return (self.bound or self.score)(f)


# A burst start on a frame grid may be off by this much: about two samples at
# 8 kS/s (125 us each), what a noisy edge moves an interpolated start; still
# about half a GSM slot (577 us), so a neighbouring slot's bursts do not count.
FRAME_TOLERANCE_S = 0.3e-3
# Partners one, two or three frames away: a transmitter that skips frames (GSM's
# idle frame, DTX) or whose bursts hide under a stronger one still shows its grid.
FRAME_MULTIPLES = (1, 2, 3)
# Fewer bursts than this (eight frames: 37 ms of GSM, 80 ms of DECT) say too little
# about a frame grid to score it.
TDMA_MIN_BURSTS = 8
# A burst this far outside a slot-width window, or a duty 0.1 outside its range,
# still scores partly (edges blur and bursts merge on a log detector's envelope).
TDMA_WIDTH_SOFT_S = 0.3e-3
TDMA_DUTY_SOFT = 0.1
# Regularity above chance (see frame_regularity) scored from nothing at 0.25 (a
# grid hardly better than random traffic at the same rate) to fully at 0.55 (a
# frame-locked transmitter, allowing for missed or hidden bursts).
TDMA_REGULARITY = (0.25, 0.55)
# A steady carrier is on almost all the time: from CARRIER_DUTY a component starts
# to read as one (analog video), from CARRIER_DUTY_FULL it is one beyond doubt;
# bursty kinds (Wi-Fi streaming) count as not continuous below that.
CARRIER_DUTY = 0.85
CARRIER_DUTY_FULL = 0.97


def frame_regularity(starts, frame_s: float, tolerance_s: float = FRAME_TOLERANCE_S) -> float:
    """How strictly events keep a frame period, beyond what random traffic at the
    same rate reaches by chance (0 = no better than chance, 1 = exact)."""
    _, props = partner_fraction(starts, frame_s, tolerance_s, multiples=FRAME_MULTIPLES)
    return props["regularity"] - props["chance"]


# Fewer events than this say too little about a cadence (as about a stream's
# rate, wifi_stream.MIN_BURSTS)
CADENCE_MIN_EVENTS = 20


def own_cadence(starts, frame_s: float) -> float:
    """How strictly events keep their own median interval, beyond chance
    (frame_regularity), when that interval is under half `frame_s` and there
    are CADENCE_MIN_EVENTS of them or more; else 0.

    A camera's frames sent back to back keep a cadence of one frame's airtime
    plus SIFS, the access point's ACK, AIFS and a backoff of 0-15 slots (IEEE
    802.11-2016 at 2.4 GHz: 10 us, 28 us at a 24 Mbit/s basic rate, 37 us, 9 us
    slots): 1.10-1.23 ms for 1500 bytes at 12 Mbit/s, 0.60-0.73 ms at 24.
    Four or seven such intervals come within FRAME_TOLERANCE_S of a GSM frame
    (4.615 ms), so a frame test finds partners there that are the cadence's
    multiples. One TDMA handset's bursts come a frame apart, never that close,
    and two kinds' bursts interleaved keep no single cadence.

    Examples
    --------
    >>> from roomsweep.standards import GSM_FRAME_S
    >>> rng = np.random.default_rng(0)
    >>> steps = 1.1e-3 + 9e-6 * rng.integers(0, 16, 400)  # back to back
    >>> round(own_cadence(np.cumsum(steps), GSM_FRAME_S), 1)
    0.6
    >>> own_cadence(np.arange(100) * GSM_FRAME_S, GSM_FRAME_S)  # one slot a frame
    0.0
    """
    t = np.asarray(starts, dtype=np.float64)
    if t.size < CADENCE_MIN_EVENTS:
        return 0.0
    step = _median(np.diff(t))  # np.median's value
    if not 0.0 < step < frame_s / 2:
        return 0.0
    return frame_regularity(t, step)


def tdma_score(
    f: Features, frame_s: float, width_s: tuple[float, float], duty: tuple[float, float]
) -> float:
    """One slot of width_s per frame of frame_s (GSM, DECT): width and duty in
    range, and the bursts on the frame grid."""
    if f.count < TDMA_MIN_BURSTS:
        return 0.0
    shape = within(f.width_median_s, *width_s, TDMA_WIDTH_SOFT_S) * within(
        f.duty, *duty, TDMA_DUTY_SOFT
    )
    if shape == 0:
        return 0.0  # cheap tests first: most components fail here
    return shape * ramp(frame_regularity(f.starts_s, frame_s), *TDMA_REGULARITY)


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


def phase_share(times: np.ndarray, period_s: float, tolerance_s: float) -> float:
    """The share of `times` (one or more) within tolerance_s of their best
    phase of a lattice of period_s (a window of 2 x tolerance_s slid round the
    period, wrapping).

    >>> phase_share(np.array([0.1, 2.1, 4.12, 5.0]), 2.0, 0.05)
    0.75
    """
    phase = np.sort(np.mod(times, period_s))
    wrapped = np.concatenate((phase, phase + period_s))
    inside = np.searchsorted(wrapped, phase + 2 * tolerance_s, side="right")
    return float(np.max(inside - np.arange(phase.size)) / phase.size)


def lattice_z(times, fs: float, period_s: float, tolerance_s: float) -> float:
    """How many standard errors the share of `times` within tolerance_s of the
    best phase of a lattice of period_s stands above chance for times at random,
    or on the samples at fs (the window 2 x tolerance_s then holds whole
    samples of the period's); 0 for no times.

    Examples
    --------
    >>> t = np.arange(200) * 3 * 2e-3 + 1e-4  # every third point of a 2 ms lattice
    >>> lattice_z(t, 8000.0, 2e-3, 90e-6) > 10
    True
    >>> lattice_z(np.arange(200) * 1.25e-3, 8000.0, 2e-3, 90e-6) < 2  # walks its 8 phases
    True
    """
    t = np.asarray(times, dtype=np.float64)
    if t.size == 0:
        return 0.0
    share = phase_share(t, period_s, tolerance_s)
    chance = max(
        2 * tolerance_s / period_s, (np.floor(2 * tolerance_s * fs) + 1) / (fs * period_s)
    )
    return float((share - chance) / np.sqrt(chance * (1 - chance) / t.size))


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
