"""An LTE handset heard through other traffic by its subframe lattice.

Uplink power is set per subframe (3GPP TS 36.213 5.1.1.1: P_PUSCH(i) for
subframe i, from the allocation and transport format of that subframe), and a
handset is scheduled whole 1 ms subframes (3GPP TS 36.211 4.1). So its
envelope is a staircase whose every step, on, off or up or down, falls on one
phase of a 1 ms lattice, and it is flat in between. With power control spread
over 10-20 dB its samples fill a range of levels instead of one, and a level
mode (components.py) holds only fragments of it, which other kinds' bursts in
the gaps break up further. The lattice is found instead from the steps in the
envelope: rises and falls alike on one phase, which no other kind here makes
(DECT's 10 ms frame also puts its rises on one phase of the millisecond, but
its falls a slot, 417 us, later; GSM's 4.615 ms frame and Wi-Fi's and
Bluetooth's timing spread theirs over the phases).
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.features import Features, of_bursts
from roomsweep.standards import LTE_SUBFRAME_S

# A step between successive samples this large is an edge (a power change of
# a subframe or a burst starting or ending): 75 mV at the AD8318's -25 mV/dB
# (datasheet, docs/sources.md section 1), five times the ESP32 ADC's reported
# noise of about 25 LSB (0.6 mV each at 11 dB, MicroPython quickref and forum,
# ../shared/reference/hardware-and-signals.md)
STEP_DB = 3.0
# The phase of a step is known to one sample: a step's time is that of the
# sample interval it lies in, and the lattice's phases are counted in bins of
# one sample (at 8 kS/s a millisecond is 8 samples, so every subframe boundary
# falls in the same one of the 8); a step the detector's filter spreads over
# two samples lands in the next bin, so a rise's and a fall's best bins may
# differ by one. Rises and falls are each concentrated on one bin, the same
# for both, beyond chance: random edges land in a bin 1 in fs x 1 ms (1/8) of
# the time; the share on the best phase is scored by how many standard
# errors of a binomial count it stands above that, from 6 (a chance count
# reaches it about once in 10^8 tries, however many bins are tried), fully
# from 12. A DECT's falls are a slot (417 us) after its rises: not one phase.
CONCENTRATION_Z = (6.0, 12.0)
MIN_STEPS = 40  # fewer edges of each sign in a window say too little
# A subframe's samples away from its edges (one sample either side skipped for
# the detector's filter) lie within this of each other: flat, one power level
# (37 mV, over twice the ADC noise above)
FLAT_DB = 1.5
# Subframe levels this far above the window's quietest level are on air (the
# detector's floor plus 10 dB, where its law holds: components.MIN_FINDING_DBM),
# or where it is raised, a step over it and over the law floor (subframe_component)
ON_ABOVE_FLOOR_DB = 10.0
# The handset's level: the loudest at which its runs of subframes outnumber
# chance's (runs on a lattice half a subframe off) by MIN_SUBFRAMES and by
# SIGNIFICANCE standard errors (one chance count in 740 goes beyond 3), near
# the top of its power control range (the range moves with distance as a whole)
MIN_SUBFRAMES = 20
# a cell needs a sample either side for the edges and two between to be flat
MIN_CELL_SAMPLES = 4
SIGNIFICANCE = 3.0


def _steps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the sample intervals holding a rising and a falling edge
    (interval i lies between samples i and i + 1)."""
    d = np.diff(x)
    return np.flatnonzero(d > STEP_DB), np.flatnonzero(d < -STEP_DB)


def _best_bin(steps: np.ndarray, fs: float, bins: int) -> tuple[int, float]:
    """The one-sample bin of the 1 ms lattice holding most steps, and its share."""
    k = np.floor(np.mod((steps + 0.5) / fs, LTE_SUBFRAME_S) * fs).astype(np.intp)
    counts = np.bincount(np.minimum(k, bins - 1), minlength=bins)
    best = int(np.argmax(counts))
    return best, float(counts[best] / steps.size)


def lattice_score(x: np.ndarray, fs: float) -> tuple[float, float]:
    """How clearly the window's edges keep one phase of the subframe lattice,
    rises and falls alike (0..1), and that phase (seconds from the window's
    start, modulo 1 ms: a subframe boundary).

    Examples
    --------
    >>> fs = 8000.0
    >>> rng = np.random.default_rng(3)
    >>> level = np.where(rng.random(1500) < 0.5, -30 - rng.uniform(0, 15, 1500), -65.0)
    >>> x = np.repeat(level, 8) + rng.normal(0, 0.1, 12000)  # 1 ms subframes
    >>> round(lattice_score(x, fs)[0], 2)
    1.0
    >>> burst = np.where(np.arange(12000) % 80 < 3, -30.0, -65.0)  # a DECT slot
    >>> lattice_score(burst + rng.normal(0, 0.1, 12000), fs)[0]
    0.0
    """
    rise, fall = _steps(x)
    bins = int(np.ceil(LTE_SUBFRAME_S * fs - 1e-9))
    if rise.size < MIN_STEPS or fall.size < MIN_STEPS or bins < 2:
        return 0.0, 0.0
    b_rise, c_rise = _best_bin(rise, fs, bins)
    b_fall, c_fall = _best_bin(fall, fs, bins)
    apart = abs(b_rise - b_fall)
    if min(apart, bins - apart) > 1:
        return 0.0, 0.0
    chance = 1.0 / bins
    sd = np.sqrt(chance * (1 - chance))
    z = min((c_rise - chance) * np.sqrt(rise.size), (c_fall - chance) * np.sqrt(fall.size)) / sd
    lo, hi = CONCENTRATION_Z
    # the boundary: the end of the rises' bin (a step is complete by then)
    return float(np.clip((z - lo) / (hi - lo), 0.0, 1.0)), (b_rise + 1) / fs


def _runs(x: np.ndarray, d: np.ndarray, bounds: np.ndarray, least_dbm: float):
    """The cells between `bounds` in runs of flat cells at one level, at
    `least_dbm` or above, that begin and end with a step at a boundary: (kept
    flags, each cell's level, the cells' first and end samples)."""
    lo, hi = bounds[:-1], bounds[1:]
    # each cell's samples but the first after each edge (the detector's filter):
    # [lo + 1, hi - 1), one reduceat over the pairs (every other segment)
    edges = np.column_stack((lo + 1, hi - 1)).ravel()
    top = np.maximum.reduceat(x, edges)[0::2]
    bottom = np.minimum.reduceat(x, edges)[0::2]
    level = np.add.reduceat(x, edges)[0::2] / (hi - lo - 2)
    flat = (top - bottom <= FLAT_DB) & (level >= least_dbm)
    # a step at each boundary: in the sample interval before it or the one after
    at = np.maximum(d[bounds - 1], d[np.minimum(bounds, d.size - 1)]) > STEP_DB
    # cell i runs on into cell i + 1: both flat, no step between, one level
    link = flat[:-1] & flat[1:] & ~at[1:-1] & (np.abs(np.diff(level)) <= FLAT_DB)
    first = flat & ~np.r_[False, link]
    last = flat & ~np.r_[link, False]
    run = np.cumsum(first) - 1  # each cell's run (meaningful where flat)
    ok = at[:-1][first] & at[1:][last]  # a step before its first cell and after its last
    keep = flat & ok[np.maximum(run, 0)] if ok.size else np.zeros(lo.size, bool)
    return keep, level, lo, hi


def subframe_component(
    x: np.ndarray, fs: float, phase_s: float, floor_dbm: float, law_floor_dbm: float | None = None
) -> Features | None:
    """The handset's subframes on the lattice at `phase_s` (a boundary), as a
    component: runs of flat cells at one level that begin and end with a step
    at a lattice boundary (another kind's frame can cover a cell flat, but its
    own edges fall between the boundaries, but for chance). Chance is measured
    on the lattice shifted by half a subframe: the level is the loudest where
    the runs on the handset's lattice outnumber those beyond doubt. None when
    they nowhere do. A subframe reads ON_ABOVE_FLOOR_DB over `floor_dbm`,
    the window's quietest level, or more. With `law_floor_dbm` (the least
    level the detector's law holds at) it may read less where the quietest
    level is raised (a carrier heard at every sample, an analog video
    sender's): at `law_floor_dbm` and STEP_DB over the quietest level (a
    subframe adds at least a step to the reading, or makes no edges) it is on
    air, as a flat cell stepping on the lattice is nothing else there.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> level = np.where(rng.random(1500) < 0.5, -30 - rng.uniform(0, 15, 1500), -65.0)
    >>> x = np.repeat(level, 8) + rng.normal(0, 0.1, 12000)  # 1 ms subframes
    >>> f = subframe_component(x, 8000.0, 0.0, -65.0)
    >>> -33 < f.level_dbm < -30, 0.3 < f.duty < 0.5
    (True, True)
    """
    step = LTE_SUBFRAME_S * fs
    if step < MIN_CELL_SAMPLES:
        return None
    least = floor_dbm + ON_ABOVE_FLOOR_DB
    if law_floor_dbm is not None:
        least = min(least, max(floor_dbm + STEP_DB, law_floor_dbm))
    d = np.abs(np.diff(x))
    found = []
    for shift in (0.0, 0.5):  # the lattice, and half a subframe off it
        t0 = (phase_s / LTE_SUBFRAME_S + shift) % 1.0 * step
        bounds = np.floor(np.arange(t0, x.size - step, step)).astype(np.intp)
        bounds = bounds[bounds >= 1]
        if bounds.size < 2:
            return None
        found.append(_runs(x, d, bounds, least))
        if np.count_nonzero(found[0][0]) < MIN_SUBFRAMES:
            return None  # too few on the lattice, whatever chance gives
    (keep, level, lo, hi), (k_off, l_off, _, _) = found
    on_lattice = np.sort(level[keep])[::-1]
    off_lattice = np.sort(l_off[k_off])[::-1]
    # the excess of runs on the lattice over chance at or above each level
    excess = np.arange(1, on_lattice.size + 1) - np.searchsorted(
        -off_lattice, -on_lattice, side="right"
    )
    # ... beyond what chance gives: SIGNIFICANCE standard errors of the
    # difference of two counts (Poisson: the root of their sum)
    n_off = np.arange(1, on_lattice.size + 1) - excess
    sure = excess >= np.maximum(MIN_SUBFRAMES, SIGNIFICANCE * np.sqrt(2 * n_off + excess))
    if not sure.any():
        return None
    level_dbm = float(on_lattice[int(np.argmax(sure))])  # the loudest level sure so
    # the handset's subframes: its runs at or under that level (and a little over)
    keep &= level <= level_dbm + FLAT_DB
    on = np.zeros(x.size, bool)
    for a, b in zip(lo[keep], hi[keep]):
        on[a:b] = True
    return of_bursts(on, fs, level_dbm)
