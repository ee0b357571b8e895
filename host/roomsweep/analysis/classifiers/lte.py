"""LTE handset (uplink).

3GPP TS 36.211, 4.1: 10 ms radio frames of ten 1 ms subframes; a handset is
scheduled whole subframes, so its bursts last whole milliseconds and start on
the 1 ms grid. The subframe is in roomsweep.standards (LTE_SUBFRAME_S).
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers.base import Classifier, phase_share, ramp
from roomsweep.analysis.dsp import grid_fraction, remembered
from roomsweep.analysis.features import Features
from roomsweep.standards import LTE_SUBFRAME_S

MIN_BURSTS = 10  # fewer bursts than this say too little about whole subframes
# A burst lasts a whole number of subframes to within this (the detector's edges)
WIDTH_TOLERANCE_S = 0.2e-3
# A burst starts within this of the subframe grid: about one sample at 8 kS/s;
# random starts come this close 30 % of the time
GRID_TOLERANCE_S = 0.15e-3
GRID_MAX_MULTIPLE = 40  # gaps of up to 40 subframes (a handset scheduled now and then)
# Share of whole-subframe bursts, and of intervals on the grid: from 50 % to
# fully at 85 %
WHOLE = (0.5, 0.85)
ON_GRID = (0.5, 0.85)
# Uplink power is set per subframe (3GPP TS 36.213 5.1.1.1: P_PUSCH(i) for
# subframe i), so the level steps only at subframe boundaries: as power control
# moves subframes in and out of a level, and another kind's bursts fall in the
# gaps, successive intervals lose the grid, but the edges that are the handset's,
# rises and falls alike, still sit at one phase of the 1 ms lattice. Share of all
# edges within GRID_TOLERANCE_S of the best phase: random edges about 0.3 (0.4
# with the best phase picked out of a window's), a DECT slot's (10 ms frames,
# 417 us slots) 0.5 (its rises on one phase, falls on another); counts from
# 0.55, fully from 0.75.
EDGE_LATTICE = (0.55, 0.75)
# ... with fewer bursts than this the best phase of random edges reaches 0.55
LATTICE_MIN_BURSTS = 30
# ... and a share of whole-subframe bursts from 30 % (fragments where another
# kind's bursts cut in) to fully at 60 %
WHOLE_MIXED = (0.3, 0.6)
# How far the edges' best phase stands above what edges at random times reach,
# in standard errors of a share of 2 x count edges (lattice_z). Random edges
# fall in the 2 x GRID_TOLERANCE_S window 30 % of the time, or, where they sit
# on the samples (a burst's end is a whole sample), on up to 3 of the 8 sample
# phases of a subframe at 8 kS/s: the larger share is chance. A window of
# hundreds of bursts whose edges keep one phase far beyond it is a handset's
# subframes, however many of its bursts power control and other traffic have
# cut: from 4 standard errors (one-sided 3e-5, 3e-4 over the 8 phases the best
# is picked from), fully from 7. A DECT base keeps the lattice too (its 10 ms
# frame is ten subframes) but its 417 us slots are no whole subframes, which
# the score still asks for (WHOLE_MIXED).
LATTICE_Z = (4.0, 7.0)
# Whole subframes on the grid of intervals are not enough with many bursts:
# a regular train whose interval is near a whole number of milliseconds keeps
# that grid too (a 6 Mbit/s Wi-Fi frame of 1500 bytes lasts 2.02 ms, the next
# one follows 0.08-0.15 ms later), but its edges drift across the subframe
# lattice. A handset's edges keep one phase of it: from LATTICE_MIN_BURSTS
# bursts on, the edges' best phase must stand ALONE_LATTICE_Z standard errors
# above chance (lattice_z), fully from the upper figure. Measured on
# components of 30 bursts or more (docs/benchmarks.md, round 21): handsets'
# 1st percentile 7.8 on our sets and 7.0 on the second outsider's (the fourth
# outsider's 5th percentile 6.5), Wi-Fi cameras' all under 4 (the best of
# eight phases of random edges: 82-95 % under 2.5)
ALONE_LATTICE_Z = (2.5, 4.0)


def score(f: Features) -> float:
    if f.count < MIN_BURSTS:
        return 0.0
    k = np.round(f.widths_s / LTE_SUBFRAME_S)
    whole = float(
        np.mean((k >= 1) & (np.abs(f.widths_s - k * LTE_SUBFRAME_S) <= WIDTH_TOLERANCE_S))
    )
    grid, _ = grid_fraction(
        f.starts_s, LTE_SUBFRAME_S, GRID_TOLERANCE_S, max_multiple=GRID_MAX_MULTIPLE
    )
    alone = ramp(whole, *WHOLE) * ramp(grid, *ON_GRID)
    if alone and f.count >= LATTICE_MIN_BURSTS:
        alone *= ramp(lattice_z(f), *ALONE_LATTICE_Z)
    mixed = ramp(whole, *WHOLE_MIXED)
    if f.count < LATTICE_MIN_BURSTS or mixed <= alone:
        return alone  # cheap tests first: the lattice cannot raise the score
    locked = max(ramp(edge_lattice(f), *EDGE_LATTICE), ramp(lattice_z(f), *LATTICE_Z))
    return max(alone, locked * mixed)


def edge_lattice(f: Features) -> float:
    """The share of the bursts' edges (starts and ends) within GRID_TOLERANCE_S
    of one phase of the subframe lattice.

    Examples
    --------
    >>> from roomsweep.analysis.dsp import find_bursts
    >>> on = np.zeros(8000, bool)
    >>> for k in range(0, 1000, 3):
    ...     on[k * 8 + 2 : k * 8 + 10] = True  # 1 ms subframes at 8 kS/s
    >>> (st, w), p = find_bursts(on, 8000.0)
    >>> edge_lattice(Features(8000.0, 1.0, -30.0, on, st, w, p["duty"]))
    1.0
    """
    edges = np.concatenate((f.starts_s, f.starts_s + f.widths_s))  # np.r_'s, cheaper
    return phase_share(edges, LTE_SUBFRAME_S, GRID_TOLERANCE_S)


def lattice_z(f: Features) -> float:
    """How many standard errors the edges' best phase of the subframe lattice
    (edge_lattice) stands above chance for edges at random times (0 with no
    bursts).

    Examples
    --------
    >>> from roomsweep.analysis.dsp import find_bursts
    >>> rng = np.random.default_rng(0)
    >>> on = np.zeros(12000, bool)
    >>> for k in range(0, 1490, 4):  # whole subframes: far beyond chance
    ...     on[k * 8 + 3 : k * 8 + 11] = True
    >>> (st, w), p = find_bursts(on, 8000.0)
    >>> lattice_z(Features(8000.0, 1.5, -30.0, on, st, w, p["duty"])) > 20
    True
    >>> on[:] = False
    >>> for s in rng.choice(11990, 300, replace=False):  # frames at random
    ...     on[s : s + 4] = True
    >>> (st, w), p = find_bursts(on, 8000.0)
    >>> lattice_z(Features(8000.0, 1.5, -30.0, on, st, w, p["duty"])) < 4
    True
    """
    if f.count == 0:
        return 0.0
    # asked of each component by lte and wifi_stream, several times: once
    key = ("lattice_z", f.fs, f.widths_s.tobytes())
    z, _ = remembered(f.starts_s, key, lambda: (_lattice_z(f), {}))
    return float(z)


def _lattice_z(f: Features) -> float:
    per_subframe = f.fs * LTE_SUBFRAME_S
    chance = max(
        2 * GRID_TOLERANCE_S / LTE_SUBFRAME_S,
        (np.floor(2 * GRID_TOLERANCE_S * f.fs) + 1) / per_subframe,
    )
    n = 2 * f.count
    return float((edge_lattice(f) - chance) / np.sqrt(chance * (1 - chance) / n))


CLASSIFIER = Classifier(
    "lte", "LTE handset (1 ms subframes)", "3GPP TS 36.211 4.1", score, period_s=LTE_SUBFRAME_S
)
