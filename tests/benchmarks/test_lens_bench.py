"""Lens analysis speed: ten minutes of the photodiode channel at 8 kS/s (the
hotel-room sweep repeated) through the lens finder (analysis/lens.py: lock-in
tracks, glints, findings). Target: keep pace with the live stream with >= 100x
headroom. `make bench` times it; with benchmarks disabled it runs once."""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.lens import lens_findings
from roomsweep.analysis.recording import Recording, WaypointMark, from_scenario
from roomsweep.sim.scenario import load_scenario

MINUTES = 10


@pytest.fixture(scope="module")
def ten_minutes() -> Recording:
    rec = from_scenario(load_scenario("hotel-room"))
    reps = int(np.ceil(MINUTES * 60 / rec.duration_s))
    span = rec.duration_s
    n = int(MINUTES * 60 * rec.fs)
    marks = [WaypointMark(m.time_s + k * span, m.label, m.source)
             for k in range(reps) for m in rec.marks]
    # the LED drive level of every block (the firmware's automatic level), repeated
    starts = np.concatenate([rec.pd_level_start + k * rec.pd_counts.size for k in range(reps)])
    levels = np.tile(rec.pd_level, reps)
    return Recording(np.tile(rec.rf_counts, reps)[:n], rec.fs,
                     [m for m in marks if m.time_s < MINUTES * 60],
                     rec.calibration, rec.waypoint_positions,
                     pd_counts=np.tile(rec.pd_counts, reps)[:n], led_hz=rec.led_hz,
                     led_lit=rec.led_lit, pd_level_start=starts[starts < n],
                     pd_level=levels[starts < n])


def test_lens_analysis_of_ten_minutes(benchmark, ten_minutes):
    findings = benchmark(lens_findings, ten_minutes)
    assert any(f["waypoint"] == "bed-right" for f in findings)
    if benchmark.stats:
        median = benchmark.stats.stats.median
        benchmark.extra_info["real_time_factor"] = round(MINUTES * 60 / median, 1)
