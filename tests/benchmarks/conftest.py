"""The benchmarks' shared input: ten minutes of the bundled hotel-room sweep."""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.recording import Recording, WaypointMark
from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim.scenario import load_scenario

MINUTES = 10


@pytest.fixture(scope="session")
def ten_minute_sweep() -> Recording:
    """The hotel-room sweep repeated to ten minutes: RF and photodiode channels
    at 8 kS/s, 100 waypoint marks, and the LED drive level of every block (the
    firmware's automatic level) and its RF range steps (auto-ranging), repeated
    with them."""
    rec = from_scenario(load_scenario("hotel-room"))
    reps = int(np.ceil(MINUTES * 60 / rec.duration_s))
    span = rec.duration_s
    n = int(MINUTES * 60 * rec.fs)
    marks = [
        WaypointMark(m.time_s + k * span, m.label, m.source)
        for k in range(reps)
        for m in rec.marks
    ]
    starts = np.concatenate([rec.pd_level_start + k * rec.pd_counts.size for k in range(reps)])
    levels = np.tile(rec.pd_level, reps)
    pad_start = pad_db = None
    if rec.rf_pad_start is not None and rec.rf_pad_db is not None:  # auto-ranging steps
        ps = np.concatenate([rec.rf_pad_start + k * rec.rf_counts.size for k in range(reps)])
        pad_start, pad_db = ps[ps < n], np.tile(rec.rf_pad_db, reps)[ps < n]
    return Recording(
        np.tile(rec.rf_counts, reps)[:n],
        rec.fs,
        [m for m in marks if m.time_s < MINUTES * 60],
        rec.calibration,
        rec.waypoint_positions,
        pd_counts=np.tile(rec.pd_counts, reps)[:n],
        led_hz=rec.led_hz,
        led_lit=rec.led_lit,
        pd_level_start=starts[starts < n],
        pd_level=levels[starts < n],
        rf_pad_start=pad_start,
        rf_pad_db=pad_db,
    )
