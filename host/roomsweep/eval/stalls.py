"""A fast-path recording with its Wi-Fi scans stalling sampling, as the device's do.

The fast path (`eval.fastpath`) samples the room without a break, and its
network sightings say when the device's radio was busy scanning (`RadioBusy`).
The device itself stops sampling while it scans, for about 1.6 s after each
waypoint mark (docs/protocol.md, WIFI_SCAN; `firmware/radios.py`), while the
room's transmitters go on: a capture's samples jump across each scan, and its
clock breaks map the sample clock back to device time (`Recording.clock_breaks`).
`stalled` makes the recording the device would have made: the samples of each
busy stretch left out, the marks, sightings and range steps moved onto the new
sample clock, and the breaks added. What the analysis then sees of each stop is
what a real sweep gives it, some 1.6 s less than the fast path's.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from roomsweep.analysis.recording import Recording, WaypointMark
from roomsweep.errors import RoomsweepError


def stalled(rec: Recording) -> Recording:
    """`rec` without the samples taken while its radio was busy (`radio_busy`),
    on a sample clock with a break after each such stretch; a new Recording
    (`rec` is not changed). Each mark keeps its device time.

    Examples
    --------
    >>> from roomsweep.protocol.observations import RadioBusy
    >>> r = Recording(np.arange(8000, dtype=np.uint16), 1000.0,
    ...               radio_busy=[RadioBusy(2.0, 3.5, True)])
    >>> s = stalled(r)
    >>> s.rf_counts.size, s.clock_breaks, s.scan_gaps, s.device_duration_s
    (6500, [(0, 0.0), (2000, 3.5)], [(2.0, 3.5)], 8.0)
    """
    if rec.clock_breaks:
        raise RoomsweepError("stalled: the recording already has gaps (a capture's)")
    fs, n = rec.fs, rec.rf_counts.size
    keep = np.ones(n, dtype=bool)
    for busy in rec.radio_busy:
        i0 = min(n, max(0, int(np.ceil(busy.start_s * fs))))
        i1 = min(n, max(0, int(np.ceil(busy.end_s * fs))))
        keep[i0:i1] = False
    if keep.all():
        return replace(rec)
    # one gap per run of stalled samples (overlapping scans are one stall)
    ends = np.flatnonzero(~keep[:-1] & keep[1:]) + 1
    # samples kept before each index: the new sample clock's index there
    kept = np.concatenate(([0], np.cumsum(keep)))

    def on_clock(t_s: float) -> float:
        """Device time -> the new sample clock, at the first sample kept at or
        after it (a time inside a stall: its end). Recording.sample_time of
        the result would keep the fraction of a sample instead; the marks and
        sightings here stay on samples, as the fast path's rounds them."""
        return float(kept[min(n, max(0, int(np.ceil(t_s * fs - 1e-9))))] / fs)

    def moved(
        starts: np.ndarray | None, values: np.ndarray | None
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Steps moved onto the new clock; of steps a stall put at one sample,
        the last (the one in force when sampling resumed)."""
        if starts is None or values is None:
            return starts, values
        at = kept[np.asarray(starts, dtype=np.int64)]
        last = np.r_[at[1:] != at[:-1], True]
        return at[last], np.asarray(values)[last]

    pad_start, pad_db = moved(rec.rf_pad_start, rec.rf_pad_db)
    level_start, level = moved(rec.pd_level_start, rec.pd_level)
    breaks = [(0, 0.0)] + [(int(kept[i]), i / fs) for i in ends.tolist()]
    return replace(
        rec,
        rf_counts=rec.rf_counts[keep],
        pd_counts=None if rec.pd_counts is None else rec.pd_counts[keep],
        marks=[
            WaypointMark(on_clock(m.device_s), m.label, m.source, m.device_s) for m in rec.marks
        ],
        wifi=[replace(w, time_s=on_clock(w.time_s)) for w in rec.wifi],
        ble=[replace(b, time_s=on_clock(b.time_s)) for b in rec.ble],
        radio_busy=[
            replace(b, start_s=on_clock(b.start_s), end_s=on_clock(b.end_s))
            for b in rec.radio_busy
        ],
        rf_pad_start=pad_start,
        rf_pad_db=pad_db,
        pd_level_start=level_start,
        pd_level=level,
        clock_breaks=breaks,
    )
