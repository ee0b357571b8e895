"""Events that keep one phase of a period: the mean phase of a train, and
trains of one period told apart by their phases (two TDMA transmitters of one
kind in different timeslots). Pure functions in scipy's style, as in
`analysis.dsp`, on event times in seconds.
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.dsp import partner_counts
from roomsweep.analysis.validate import check_1d as _check_1d
from roomsweep.analysis.validate import check_nonnegative as _check_nonnegative
from roomsweep.analysis.validate import check_positive as _check_positive


def circular_mean(times: np.ndarray, period: float) -> tuple[float, dict]:
    """The mean phase of events on a circle of `period`: where they gather
    when folded onto one period, with how tightly.

    Returns
    -------
    phase : float, in [0, period).
    properties : dict with ``coherence``, the resultant length of the phases
        as angles (1: all at one phase; near 0: spread evenly).

    Examples
    --------
    >>> phase, props = circular_mean(np.array([0.0021, 0.0119, 0.0220]), 0.010)
    >>> round(phase, 5), round(props["coherence"], 3)
    (0.002, 0.999)
    >>> round(circular_mean(np.array([0.0, 0.0025, 0.005, 0.0075]), 0.010)[1]["coherence"], 3)
    0.0
    """
    period = _check_positive(period, "period")
    t = np.asarray(_check_1d(times, "times"), dtype=np.float64)
    if t.size == 0 or not np.isfinite(t).all():
        raise ValueError("times must be finite and not empty")
    z = np.mean(np.exp(1j * (2 * np.pi * np.mod(t, period) / period)))
    return float(np.mod(np.angle(z), 2 * np.pi) / (2 * np.pi) * period), {
        "coherence": float(abs(z))
    }


def phase_trains(
    times: np.ndarray,
    period: float,
    tolerance: float,
    gap: float,
    min_size: int = 8,
    min_partners: int = 3,
    multiples: tuple[int, ...] = (1, 2, 3),
) -> tuple[np.ndarray, dict]:
    """Events grouped into strict trains, one per phase of `period`.

    Two TDMA transmitters of one kind send at different phases of the frame
    (two handsets in different timeslots, two unsynchronised bases): the
    members of a train (events with `min_partners` partners one to three
    periods away, see partner_counts) are folded onto one period, and wherever
    the folded phases leave a gap wider than `gap` a new train starts (on the
    circle: the widest gap is where the first begins).

    Parameters
    ----------
    times : array_like
        Event times (s), finite and ascending.
    period : float
        The frame (s), positive.
    tolerance : float
        How far a partner may sit from a whole number of periods (s), >= 0.
    gap : float
        A train ends where the next phase (s) lies more than this beyond the
        last; positive and shorter than `period`.
    min_size : int
        The least events a train needs; smaller groups are labelled -1.
    min_partners : int
        The least partners a member needs, out of ``2 * len(multiples)``.
    multiples : tuple of int
        The shifts, in periods, a partner is looked for at.

    Returns
    -------
    labels : int array, one per event: its train (0, 1, ... in order of phase
        from the widest gap), or -1 for events in no train.
    properties : dict with ``phases`` (each train's circular mean phase, s,
        in [0, period)) and ``sizes`` (its events).

    Examples
    --------
    >>> t = np.sort(np.r_[np.arange(20) * 0.010 + 0.002, np.arange(20) * 0.010 + 0.006])
    >>> labels, props = phase_trains(t, 0.010, 0.0003, 0.0005)
    >>> labels[:4].tolist(), np.round(props["phases"], 4).tolist(), props["sizes"].tolist()
    ([0, 1, 0, 1], [0.002, 0.006], [20, 20])
    """
    period = _check_positive(period, "period")
    tolerance = _check_nonnegative(tolerance, "tolerance")
    gap = _check_positive(gap, "gap")
    if gap >= period:
        raise ValueError(f"gap must be shorter than the period, got {gap!r}")
    if min_size < 1 or min_partners < 1:
        raise ValueError("min_size and min_partners must be at least 1")
    t = np.asarray(_check_1d(times, "times"), dtype=np.float64)
    if not np.isfinite(t).all() or (t.size > 1 and (np.diff(t) < 0).any()):
        raise ValueError("times must be finite and ascending")
    labels = np.full(t.size, -1, dtype=np.intp)
    none = {"phases": np.zeros(0), "sizes": np.zeros(0, dtype=np.intp)}
    if t.size < max(2, min_size):
        return labels, none
    counts, _ = partner_counts(t, period, tolerance, multiples)
    member = np.flatnonzero(counts >= min_partners)
    if member.size < min_size:
        return labels, none
    phase = np.mod(t[member], period)
    order = np.argsort(phase)
    sorted_phase = phase[order]
    gaps = np.diff(np.r_[sorted_phase, sorted_phase[0] + period])
    first = (int(np.argmax(gaps)) + 1) % sorted_phase.size  # just after the widest gap
    order = np.roll(order, -first)
    unwrapped = np.mod(phase[order] - phase[order[0]], period)
    group = np.r_[0, np.cumsum(np.diff(unwrapped) > gap)]
    phases: list[float] = []
    sizes: list[int] = []
    for g in range(int(group[-1]) + 1):
        idx = order[group == g]
        if idx.size < min_size:
            continue
        labels[member[idx]] = len(phases)
        phases.append(circular_mean(phase[idx], period)[0])
        sizes.append(int(idx.size))
    return labels, {"phases": np.array(phases), "sizes": np.array(sizes, dtype=np.intp)}
