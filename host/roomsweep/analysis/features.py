"""Features of one component of the envelope: the bursts of one transmitter,
seen as the samples that sit at its level."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from roomsweep.analysis.dsp import _median, find_bursts

# A level mode's samples lie within this of it, either side (components reads
# each window's modes with it; analysis.carrier asks a carrier's edge to
# wander more than a mode's whole width)
MODE_HALF_WIDTH_DB = 3.0


@dataclass(eq=False)  # holds arrays: compared by identity
class Features:
    fs: float
    duration_s: float
    level_dbm: float
    on: np.ndarray = field(repr=False)  # indicator: the component is on
    starts_s: np.ndarray = field(repr=False)
    widths_s: np.ndarray = field(repr=False)
    duty: float = 0.0
    _events: dict = field(default_factory=dict, repr=False)
    dbm: np.ndarray | None = field(default=None, repr=False)  # the window it was read from

    @property
    def count(self) -> int:
        return int(self.starts_s.size)

    @property
    def burst_rate_hz(self) -> float:
        return self.count / self.duration_s if self.duration_s > 0 else 0.0

    @cached_property
    def width_median_s(self) -> float:
        return _median(self.widths_s) if self.count else 0.0

    def intervals_s(self) -> np.ndarray:
        return np.diff(self.starts_s)

    @cached_property
    def gaps_s(self) -> np.ndarray:
        """The quiet between successive bursts: each one's start less the end
        of the one before (count - 1 of them)."""
        return self.starts_s[1:] - (self.starts_s[:-1] + self.widths_s[:-1])

    def events(self, max_gap_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Bursts closer than max_gap_s merged into events: (starts, widths)."""
        got = self._events.get(max_gap_s)
        if got is None:
            got = self._events[max_gap_s] = self._merge_events(max_gap_s)
        return got

    def _merge_events(self, max_gap_s: float) -> tuple[np.ndarray, np.ndarray]:
        if not self.count:
            return self.starts_s, self.widths_s
        ends = self.starts_s + self.widths_s
        new = np.empty(self.count, bool)
        new[0] = True
        np.greater(self.gaps_s, max_gap_s, out=new[1:])
        idx = np.flatnonzero(new)
        if idx.size == self.count:
            # nothing merged: the bursts' own starts, the very array (the
            # classifiers' questions about it are answered once, dsp.remembered)
            ev_start = self.starts_s
        else:
            ev_start = self.starts_s[idx]
            ev_start.flags.writeable = False  # as the bursts' starts
        last = np.empty_like(idx)
        np.subtract(idx[1:], 1, out=last[:-1])
        last[-1] = self.count - 1
        return ev_start, ends[last] - ev_start


def subset(f: Features, keep: np.ndarray) -> Features:
    """The component with only the bursts marked in `keep` (one flag per burst,
    in order): one of two transmitters that share a level, told apart by timing.

    Examples
    --------
    >>> on = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1], bool)
    >>> (st, w), p = find_bursts(on, 1000.0)
    >>> f = Features(1000.0, 0.01, -20.0, on, st, w, p["duty"])
    >>> g = subset(f, np.array([True, False, True]))
    >>> g.on.astype(int).tolist(), g.count, g.duty
    ([0, 1, 1, 0, 0, 0, 0, 1, 1, 1], 2, 0.5)
    """
    padded = np.zeros(f.on.size + 2, bool)
    padded[1:-1] = f.on
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    run_start, run_end = edges[0::2], edges[1::2]
    keep = np.asarray(keep, bool)
    change = np.zeros(f.on.size + 1, np.intp)
    # runs are apart: no index is two runs' edges (no np.add.at needed)
    change[run_start[keep]] = 1
    change[run_end[keep]] = -1
    on = np.cumsum(change[:-1]) > 0
    starts = f.starts_s[keep].copy()
    starts.flags.writeable = False  # as features.component makes them (dsp.remembered)
    widths = f.widths_s[keep]
    return Features(
        fs=f.fs,
        duration_s=f.duration_s,
        level_dbm=f.level_dbm,
        on=on,
        starts_s=starts,
        widths_s=widths,
        duty=float(np.count_nonzero(on) / on.size) if on.size else 0.0,
        dbm=f.dbm,
    )


EDGE_SAMPLES = 2  # an edge of a stronger burst can straddle two samples
# A log detector reads the sum of what is on air: a louder burst on top of a
# quieter transmitter's hides it, it does not switch it off. A gap in a level's
# bursts where the envelope never fell below that level, with the level on
# either side, was covered, not silent. Bridged up to the longest short burst
# of the kinds here, a beacon of about 300 bytes at 1 Mb/s (2.4 ms and the
# 192 us long preamble, IEEE 802.11-2020 16.2.2), and two edge samples either
# side (0.5 ms at 8 kS/s); longer covers (streams, carriers) say nothing of
# what went on beneath them.
BRIDGE_MAX_S = 3.1e-3


def bridge_covered(on: np.ndarray, above: np.ndarray, max_len: int) -> np.ndarray:
    """`on` with its gaps of at most `max_len` samples filled where every sample
    of the gap is `above` (the envelope stayed at or over the level) and `on`
    holds on both sides.

    Examples
    --------
    >>> on = np.array([1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1], bool)
    >>> above = np.array([1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1], bool)
    >>> bridge_covered(on, above, 2).astype(int).tolist()
    [1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1]
    """
    padded = np.ones(on.size + 2, bool)
    padded[1:-1] = on
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    gap_start, gap_end = edges[0::2], edges[1::2]
    inner = (gap_start > 0) & (gap_end < on.size) & (gap_end - gap_start <= max_len)
    if not inner.any():
        return on
    gap_start, gap_end = gap_start[inner], gap_end[inner]
    below = np.r_[0, np.cumsum(~above)]
    fill = below[gap_end] == below[gap_start]
    if not fill.any():
        return on
    change = np.zeros(on.size + 1, np.intp)
    change[gap_start[fill]] = 1  # gaps are apart: no index twice
    change[gap_end[fill]] = -1
    return on | (np.cumsum(change[:-1]) > 0)


def loudest_near(dbm: np.ndarray) -> np.ndarray:
    """Each sample's loudest neighbour within EDGE_SAMPLES either side (itself
    included; NaN ignored): one array serves every level of a window."""
    out = np.array(dbm, dtype=np.float64)
    for k in range(1, EDGE_SAMPLES + 1):
        np.fmax(out[k:], dbm[:-k], out=out[k:])
        np.fmax(out[:-k], dbm[k:], out=out[:-k])
    return out


def component(
    dbm: np.ndarray,
    fs: float,
    level_dbm: float,
    half_width_db: float,
    top: bool,
    near_max: np.ndarray | None = None,
) -> Features:
    """The samples within half_width_db of level_dbm (or above it, for the top
    level: a saturating transmitter has no level above it). `near_max`:
    `loudest_near(dbm)`, when the caller has it already."""
    if top:
        on = dbm >= level_dbm - half_width_db
    else:
        off = dbm - level_dbm
        on = np.abs(off, out=off) <= half_width_db
        # The detector's video filter draws every edge of a stronger burst through
        # the levels below it: samples next to a stronger one are not this level's.
        if near_max is None:
            near_max = loudest_near(dbm)
        on &= ~(near_max > level_dbm + half_width_db)
        on = bridge_covered(on, dbm >= level_dbm - half_width_db, int(BRIDGE_MAX_S * fs))
    return of_bursts(on, fs, level_dbm, dbm, edge_dbm=level_dbm - half_width_db)


def of_bursts(
    on: np.ndarray,
    fs: float,
    level_dbm: float,
    dbm: np.ndarray | None = None,
    edge_dbm: float | None = None,
) -> Features:
    """The Features of the bursts marked in `on`, read at level_dbm from the
    window `dbm`; with `edge_dbm`, each burst starts where its rising edge
    crossed that level between samples (_refine_starts)."""
    (starts, widths), props = find_bursts(on, fs)
    if dbm is not None and edge_dbm is not None:
        starts = _refine_starts(dbm, fs, starts, edge_dbm)
    # read only: the classifiers' repeated questions about it are answered once
    # (dsp.remembered)
    starts.flags.writeable = False
    return Features(
        fs=fs,
        duration_s=on.size / fs,
        level_dbm=level_dbm,
        on=on,
        starts_s=starts,
        widths_s=widths,
        duty=props["duty"],
        dbm=dbm,
    )


def _refine_starts(dbm: np.ndarray, fs: float, starts: np.ndarray, threshold: float) -> np.ndarray:
    """Burst starts between samples: where the rising edge crossed the threshold,
    interpolated from the samples either side. A whole-sample start jitters by
    one sample (125 us at 8 kS/s) whenever noise lifts an edge sample over the
    threshold, which is as much as a slot grid's tolerance (Bluetooth: 625 us)."""
    if starts.size == 0:
        return starts
    idx = np.rint(starts * fs).astype(np.intp)
    ok = idx > 0
    i = idx[ok]
    cur, prev = dbm[i], dbm[i - 1]
    rise = cur - prev
    up = rise > 0
    frac = np.zeros(rise.size)
    frac[up] = (cur[up] - threshold) / rise[up]
    out = starts.astype(np.float64, copy=True)
    out[ok] -= np.clip(frac, 0.0, 1.0) / fs
    return out
