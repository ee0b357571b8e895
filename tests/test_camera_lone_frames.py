"""A camera that aggregates each video frame into one A-MPDU at a high PHY
rate (outsider round 3's 150 Mbit/s cameras, docs/benchmarks.md round 23)
sends each P-frame as one burst of 0.1-0.3 ms: lone short bursts at its frame
rate, no spread of cluster lengths to show. Its frame clock, each frame a
varying delay after its capture tick (wifi_stream._video_clock), names it a
camera; an advertiser's random walk of intervals and a strict clock's lone
bursts stay what they were."""

from __future__ import annotations

import numpy as np
import pytest

import roomsweep.analysis.classifiers.wifi_stream as wifi_stream
from roomsweep.analysis.components import classify
from roomsweep.analysis.features import component
from tests.test_analysis import FS, burst_envelope, envelope

WIDTH_S = 0.25e-3  # 6 x 1500 bytes at 300 Mbit/s, or 4 at 150, with the preamble


def _lone(starts: np.ndarray, seed: int):
    return component(burst_envelope(starts, WIDTH_S, 1.5, seed=seed), FS, -25.0, 3.0, top=True)


def _camera(seed: int, fps: float = 25.0) -> np.ndarray:
    """A frame every 1/fps s, each 0-3 ms after its tick (encoding, then the
    medium), a tenth lost beneath other traffic."""
    rng = np.random.default_rng(seed)
    ticks = np.arange(0.01, 1.49, 1 / fps)
    starts = ticks + rng.uniform(0, 3e-3, ticks.size)
    return starts[rng.random(ticks.size) >= 0.1]


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_a_cameras_lone_frames_on_its_clock_are_a_camera(seed):
    f = _lone(_camera(seed), seed)
    starts, widths = f.events(wifi_stream.CLUSTER_GAP_S)
    assert np.median(widths) < wifi_stream.CLUSTER_MIN_WIDTH_S  # lone short bursts
    assert wifi_stream._video_clock(starts) == 1.0
    cls, _, scores = classify(f)
    assert cls == "wifi_camera", scores


def test_the_simulators_aggregating_camera_at_30_fps_is_a_camera():
    """The simulator's camera at 150 Mbit/s, six MPDUs an A-MPDU, 1 Mbit/s
    at 30 fps: a window whose clusters are lone 0.25 ms bursts."""
    params = {"phy_mbps": 150.0, "bitrate_kbps": 1000.0, "fps": 30.0, "ampdu_mpdus": 6.0}
    params |= {"gop_s": 2.0, "iframe_x": 5.0}
    f = component(envelope("wifi_camera", 1.5, seed=3, params=params), FS, -25.0, 3.0, top=True)
    _, widths = f.events(wifi_stream.CLUSTER_GAP_S)
    assert np.median(widths) < wifi_stream.CLUSTER_MIN_WIDTH_S
    cls, _, scores = classify(f)
    assert cls == "wifi_camera", scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_advertisers_lone_pdus_stay_ble(seed):
    """advDelay adds to each interval afresh: a random walk, no clock."""
    rng = np.random.default_rng(seed)
    starts = 0.01 + np.cumsum(0.04 + rng.uniform(0, 10e-3, 40))
    f = _lone(starts[starts < 1.49], seed)
    cls, _, scores = classify(f)
    assert cls == "ble", scores


def test_a_strict_clocks_lone_bursts_are_no_camera():
    """A BLE connection's anchor every 30 ms keeps +-16 us (Core 5.4 Vol 6
    Part B 4.5.7): most intervals to the sample, no camera's jitter."""
    rng = np.random.default_rng(2)
    f = _lone(0.01 + 0.03 * np.arange(49) + rng.uniform(0, 16e-6, 49), 2)
    cls, _, scores = classify(f)
    assert cls != "wifi_camera", scores
