"""Analysis speed on a 10-minute capture at 8 kS/s per channel (issue 3 target:
>= 1000x real time, and within 5x of a bare scipy.fft over the same samples
measured in the same run).

- the whole capture, both channels: `analyze()` on a recording with the RF and
  photodiode channels, the function `roomsweep analyze` runs on a loaded capture
  (RF findings, lens findings from the photodiode, merged and ranked);
- the RF channel alone through `analyze()` (no photodiode: no lens work);
- `scipy.fft.rfft` over the two channels' samples (9.6 M), the reference.

`make bench` times them in one run (the FFT first, so the two-channel test can
put the ratio in its extra info); with benchmarks disabled each runs once.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.recording import Recording

MINUTES = 10  # as conftest.ten_minute_sweep
_MEDIANS: dict[str, float] = {}  # benchmark medians of this run, by test


@pytest.fixture(scope="module")
def two_channels(ten_minute_sweep: Recording) -> Recording:
    """The hotel-room sweep repeated to ten minutes: RF and photodiode channels,
    100 waypoint marks (conftest.py)."""
    return ten_minute_sweep


@pytest.fixture(scope="module")
def ten_minutes(two_channels: Recording) -> Recording:
    """The RF channel alone."""
    r = two_channels
    return Recording(
        r.rf_counts,
        r.fs,
        r.marks,
        r.calibration,
        r.waypoint_positions,
        rf_pad_start=r.rf_pad_start,
        rf_pad_db=r.rf_pad_db,
    )


def _record(benchmark, name: str) -> float | None:
    if not benchmark.stats:
        return None
    median = benchmark.stats.stats.median
    _MEDIANS[name] = median
    benchmark.extra_info["real_time_factor"] = round(MINUTES * 60 / median, 1)
    return median


def test_bare_fft_of_the_same_samples(benchmark, two_channels):
    # both channels' samples: the issue's reference
    x = np.concatenate([two_channels.rf_counts, two_channels.pd_counts]).astype(np.float64)
    out = benchmark(scipy.fft.rfft, x)
    assert out.size == x.size // 2 + 1
    _record(benchmark, "fft")


def test_analysis_of_a_two_channel_capture(benchmark, two_channels):
    findings = benchmark(analyze, two_channels)
    assert {f["class"] for f in findings} >= {"wifi_camera", "camera_lens"}
    median = _record(benchmark, "two_channels")
    if median is not None and "fft" in _MEDIANS:
        benchmark.extra_info["times_the_fft"] = round(median / _MEDIANS["fft"], 2)


def test_analysis_of_ten_minutes(benchmark, ten_minutes):
    findings = benchmark(analyze, ten_minutes)
    assert {f["class"] for f in findings} >= {"wifi_camera"}
    assert not any(f["type"] == "lens" for f in findings)
    median = _record(benchmark, "rf")
    if median is not None and "fft" in _MEDIANS:
        benchmark.extra_info["times_the_fft"] = round(median / _MEDIANS["fft"], 2)
