"""Analysis speed: a 10-minute capture's RF channel at 8 kS/s, against a bare
scipy.fft over the same samples (issue target: >= 1000x real time, within 5x of
the FFT). `make bench` times both; with benchmarks disabled each runs once."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.recording import Recording, WaypointMark, from_scenario
from roomsweep.sim.scenario import load_scenario

MINUTES = 10


@pytest.fixture(scope="module")
def ten_minutes() -> Recording:
    rec = from_scenario(load_scenario("hotel-room"))
    reps = int(np.ceil(MINUTES * 60 / rec.duration_s))
    span = rec.duration_s
    marks = [WaypointMark(m.time_s + k * span, m.label, m.source)
             for k in range(reps) for m in rec.marks]
    counts = np.tile(rec.rf_counts, reps)[: int(MINUTES * 60 * rec.fs)]
    return Recording(counts, rec.fs, [m for m in marks if m.time_s < MINUTES * 60],
                     rec.calibration, rec.waypoint_positions)


def test_analysis_of_ten_minutes(benchmark, ten_minutes):
    findings = benchmark(analyze, ten_minutes)
    assert {f["class"] for f in findings} >= {"wifi_camera"}
    if benchmark.stats:
        median = benchmark.stats.stats.median
        benchmark.extra_info["real_time_factor"] = round(MINUTES * 60 / median, 1)


def test_bare_fft_of_the_same_samples(benchmark, ten_minutes):
    # two channels' worth, as the issue's reference
    x = np.concatenate([ten_minutes.rf_counts, ten_minutes.rf_counts]).astype(np.float64)
    out = benchmark(scipy.fft.rfft, x)
    assert out.size == x.size // 2 + 1
