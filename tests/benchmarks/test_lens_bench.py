"""Lens analysis speed: ten minutes of the photodiode channel at 8 kS/s (the
hotel-room sweep repeated) through the lens finder (analysis/lens.py: lock-in
tracks, glints, findings). Target: keep pace with the live stream with >= 100x
headroom. `make bench` times it; with benchmarks disabled it runs once."""

from __future__ import annotations

import pytest

from roomsweep.analysis.lens import lens_findings
from roomsweep.analysis.recording import Recording

MINUTES = 10  # as conftest.ten_minute_sweep


@pytest.fixture(scope="module")
def ten_minutes(ten_minute_sweep: Recording) -> Recording:
    return ten_minute_sweep


def test_lens_analysis_of_ten_minutes(benchmark, ten_minutes):
    findings = benchmark(lens_findings, ten_minutes)
    assert any(f["waypoint"] == "bed-right" for f in findings)
    if benchmark.stats:
        median = benchmark.stats.stats.median
        benchmark.extra_info["real_time_factor"] = round(MINUTES * 60 / median, 1)
