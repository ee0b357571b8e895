"""Wi-Fi frames shorter than a sample against the detector's own noise
(issue 14 part 4; analysis.classifiers.wifi_stream._beyond_noise).

A 1500-byte frame at 54-300 Mbit/s is on the air 80-250 us: one or two samples
at 8 kS/s, under 1 % of the air for a camera's 40-180 frames a second. What
tells such frames from the samples where the detector's noise crosses a level
is not their airtime but how far above the floor they stand: a Gaussian floor
crosses a level z standard deviations above its median in a fraction Q(z) of
its samples, and no more. These tests build both from the same floor.
"""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.classifiers import wifi_stream
from roomsweep.analysis.classifiers.lte import LATTICE_MIN_BURSTS, lattice_z
from roomsweep.analysis.classifiers.wifi_stream import (
    NO_LATTICE_Z,
    _beyond_noise,
    _subframes_lattice_z,
)
from roomsweep.analysis.components import classify, components
from roomsweep.analysis.dsp import find_bursts
from roomsweep.analysis.features import Features, component, subset
from roomsweep.analysis.recording import Recording
from tests.test_analysis import _power_sum, burst_envelope, envelope

FS = 8000.0  # the device's RF sample rate (docs/protocol.md)
FLOOR_DBM = -63.0
HALF_WIDTH_DB = 3.0  # components.MODE_HALF_WIDTH_DB


def _floor(sigma_db: float, seed: int = 0, seconds: float = 1.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return FLOOR_DBM + sigma_db * rng.standard_normal(int(seconds * FS))


@pytest.mark.parametrize("sigma_db", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("z", [1.5, 2.0, 2.5])
def test_noise_crossings_are_not_a_camera(sigma_db, z):
    """Every sample of a noisy floor above z sigma: 30-500 single-sample
    "bursts" a second, 0.6-7 % of the air, at no grid. The classifier read
    these as a Wi-Fi camera before its noise test (1.5 and 2 sigma)."""
    x = _floor(sigma_db)
    f = component(x, FS, FLOOR_DBM + z * sigma_db + HALF_WIDTH_DB, HALF_WIDTH_DB, top=True)
    assert f.count > 10
    assert _beyond_noise(f) == 0.0
    cls, _, scores = classify(f)
    assert cls != "wifi_camera", (f.count, f.duty, scores)


@pytest.mark.parametrize("sigma_db", [0.1, 1.0, 3.0])
def test_sparse_frames_above_the_floor_are_a_camera(sigma_db):
    """80 frames a second, each one sample 30 dB above the same floors: 1 % of
    the air, below the duty a 24 Mbit/s camera keeps, and beyond any noise."""
    x = _floor(sigma_db, seed=1)
    rng = np.random.default_rng(2)
    frames = rng.choice(x.size, size=int(80 * x.size / FS), replace=False)
    x[frames] = FLOOR_DBM + 30.0 + 0.5 * rng.standard_normal(frames.size)
    f = component(x, FS, FLOOR_DBM + 30.0, HALF_WIDTH_DB, top=True)
    assert f.duty < 0.012
    assert _beyond_noise(f) == 1.0
    cls, _, scores = classify(f)
    assert cls == "wifi_camera", (f.count, f.duty, scores)


def _bursts(intervals, seed: int, seconds: float = 1.5) -> np.ndarray:
    """A transmitter 30 dB above a 0.3 dB floor for each (start, end), seconds."""
    x = _floor(0.3, seed=seed, seconds=seconds)
    for a, b in intervals:
        i = int(a * FS)
        x[i : max(i + 1, int(b * FS))] = FLOOR_DBM + 30.0
    return x


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("data_hz", [100, 150])
def test_busy_access_point_is_not_a_camera(data_hz, seed):
    """An access point serving a guest: 1.5 ms beacons every 102.4 ms (IEEE
    802.11-2020 11.1.3; 1 Mbit/s) among 100-150 short data frames a second at
    random, 3.5-4.5 % of the air. Its frames come as fast as a camera's, but a
    station sends no beacons."""
    rng = np.random.default_rng(seed)
    beacons = 0.013 + 0.1024 * np.arange(15) + rng.uniform(0, 1e-3, 15)
    data = rng.uniform(0, 1.5, int(data_hz * 1.5))
    intervals = [(t, t + 1.5e-3) for t in beacons]
    intervals += [(t, t + rng.uniform(1e-4, 3e-4)) for t in data]
    f = component(_bursts(intervals, seed), FS, FLOOR_DBM + 30.0, HALF_WIDTH_DB, top=True)
    assert f.burst_rate_hz > 70
    cls, _, scores = classify(f)
    assert cls != "wifi_camera", (f.count, f.duty, scores)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fps", [25, 30])
def test_a_camera_that_is_its_own_access_point_is_a_camera(fps, seed):
    """A camera serving its own hotspot: its 1.5 ms beacons every 102.4 ms
    (IEEE 802.11-2020 11.1.3) and, to the phone that joined, each video frame
    as a run of 2-6 packets back to back (0.3-0.9 ms apiece at 12-54 Mbit/s,
    the next after SIFS, ACK and a backoff), fps of them a second: about 100
    bursts a second, as an outsider's capture writer made them. An access
    point's beacons no longer make it a station-less access point."""
    rng = np.random.default_rng(seed)
    beacons = 0.013 + 0.1024 * np.arange(15) + rng.uniform(0, 1e-3, 15)
    intervals = [(t, t + 1.5e-3) for t in beacons]
    for k in range(int(1.5 * fps)):
        t = k / fps + rng.uniform(0, 4e-3)
        for _ in range(int(rng.integers(2, 7))):
            airtime = rng.uniform(0.3e-3, 0.9e-3)
            intervals.append((t, t + airtime))
            t += airtime + rng.uniform(0.1e-3, 0.3e-3)
    f = component(_bursts(intervals, seed), FS, FLOOR_DBM + 30.0, HALF_WIDTH_DB, top=True)
    cls, _, scores = classify(f)
    assert scores["wifi_ap"] > 0.45, scores  # its beacons are heard
    assert cls == "wifi_camera", (f.count, f.burst_rate_hz, scores)


@pytest.mark.parametrize("seed", range(3))
def test_long_frames_at_random_stay_a_camera(seed):
    """A camera's 1500-byte frames at 6 Mbit/s (2 ms each, as long as a beacon)
    60 a second at random: no beacon interval among them."""
    rng = np.random.default_rng(seed)
    intervals = [(t, t + 2e-3) for t in rng.uniform(0, 1.5, 90)]
    f = component(_bursts(intervals, seed), FS, FLOOR_DBM + 30.0, HALF_WIDTH_DB, top=True)
    cls, _, scores = classify(f)
    assert cls == "wifi_camera", (f.count, f.duty, scores)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("phy_mbps", [9.0, 12.0, 24.0, 36.0])
def test_frames_back_to_back_stay_one_camera(phy_mbps, seed):
    """A camera without aggregation sends a video frame's packets back to
    back, one every 0.6-1.6 ms at 36-9 Mbit/s (airtime, SIFS, the ACK, AIFS,
    backoff): four to seven such intervals come within a GSM frame's
    tolerance, so many bursts have partners one GSM frame apart. They are the
    multiples of its own cadence (base.own_cadence), not a handset's frame:
    at 9-12 Mbit/s the stream is no camera without that, at 24-36 Mbit/s a GSM
    train is split off beside it (components._separate)."""
    params = {"phy_mbps": phy_mbps, "ampdu_mpdus": 1, "bitrate_kbps": 3000.0}
    x = envelope("wifi_camera", 3.0, level=-20.0, seed=seed, floor=FLOOR_DBM, params=params)
    found, _ = components(Recording(np.zeros(x.size, dtype=np.uint16), FS), dbm=x)
    assert found and all(c.cls == "wifi_camera" for c in found), [
        (c.cls, c.separated, c.scores) for c in found
    ]


@pytest.mark.parametrize("seed", range(2))
def test_a_gsm_handset_beside_frames_back_to_back_is_still_told_apart(seed):
    """The cadence waiver is no blanket one: a GSM call at the camera's level
    breaks the camera's cadence, keeps its own frame, and is split off."""
    params = {"phy_mbps": 24.0, "ampdu_mpdus": 1, "bitrate_kbps": 3000.0}
    camera = envelope("wifi_camera", 3.0, level=-20.0, seed=seed, floor=-80.0, params=params)
    gsm = envelope("gsm", 3.0, level=-20.0, seed=seed + 10, floor=-80.0)
    x = _power_sum(camera, gsm, np.full(camera.size, FLOOR_DBM))
    found, _ = components(Recording(np.zeros(x.size, dtype=np.uint16), FS), dbm=x)
    assert {"gsm", "wifi_camera"} <= {c.cls for c in found}


def _paced_camera(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A camera at 25 fps sending each frame as 2-5 A-MPDUs of 0.1-0.3 ms within
    8 ms, a third of them started on one phase of the millisecond (a sender
    pacing on a 1 kHz timer): their intervals off any grid, their starts
    bunched on the lattice's phase 5-8 standard errors over chance."""
    rng = np.random.default_rng(seed)
    starts, widths = [], []
    t = 0.01
    while t < 1.45:
        for a in np.sort(t + rng.uniform(0, 0.008, rng.integers(2, 6))):
            if rng.random() < 0.3:
                a = np.floor(a * 1e3) / 1e3 + 0.3e-3
            starts.append(a)
            widths.append(rng.choice([0.125e-3, 0.25e-3]))
        t += 0.04 + rng.uniform(-0.004, 0.004)
    return np.array(starts), np.array(widths)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_cameras_short_frames_on_a_phase_are_no_handsets_subframes(seed):
    """An LTE handset sends whole 1 ms subframes: frames of one or two samples
    say nothing of its lattice, however their starts bunch on a phase of the
    millisecond (outsider round 6c, room 50: 4.7 standard errors, the camera
    read `unknown`). A handset's own subframes keep the lattice test."""
    x = burst_envelope(*_paced_camera(seed), 1.5, seed)
    f = component(x, FS, -25.0, HALF_WIDTH_DB, top=True)
    assert lattice_z(f) > NO_LATTICE_Z[1]  # the phase is there ...
    assert _subframes_lattice_z(f) == 0.0  # ... on no burst a subframe long
    cls, _, scores = classify(f)
    assert cls == "wifi_camera", scores
    handset = component(
        envelope("lte", 1.5, seed=seed, params={"load": 0.3}), FS, -25.0, HALF_WIDTH_DB, True
    )
    assert _subframes_lattice_z(handset) > NO_LATTICE_Z[1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_long_runs_on_a_phase_among_many_short_frames_are_no_handset(seed):
    """A camera's runs of frames sent back to back (1-3 ms) can start and end
    on one phase of the millisecond by chance; among 700 short frames at
    random the lattice over all the edges stays under the veto, and the
    lesser of the two is what counts (the NESL cameras' clustered windows)."""
    rng = np.random.default_rng(seed)
    on = np.zeros(12000, bool)
    for k in rng.choice(np.arange(10, 1480, 36), 40, replace=False):
        on[k * 8 + 2 : k * 8 + 2 + 8 * int(rng.integers(1, 4))] = True
    for s in rng.choice(11990, 900, replace=False):
        if not on[max(0, s - 2) : s + 4].any():
            on[s : s + int(rng.integers(1, 3))] = True
    (st, w), p = find_bursts(on, FS)
    f = Features(FS, 1.5, -30.0, on, st, w, p["duty"])
    whole = f.widths_s >= 1e-3 - 2 / FS
    assert np.count_nonzero(whole) >= LATTICE_MIN_BURSTS
    assert lattice_z(subset(f, whole)) > NO_LATTICE_Z[1]  # the runs alone: a lattice
    assert _subframes_lattice_z(f) == lattice_z(f) < NO_LATTICE_Z[1]


def test_a_handsets_fragmented_level_keeps_the_lattice_veto(hotel_room_features):
    """The bundled hotel room's LTE phone reads at several levels whose bursts
    are mostly fragments of its runs (23 of 114 a subframe long at -38 dBm):
    with so few whole ones the lattice over all the edges stands, on every
    component and on random halves of them, and none reads as a stream."""
    rng = np.random.default_rng(1)
    feats = hotel_room_features + [
        subset(f, rng.random(f.count) < 0.5) for f in hotel_room_features if f.count >= 8
    ]
    vetoed = [f for f in feats if lattice_z(f) >= NO_LATTICE_Z[1]]
    fragmented = [f for f in vetoed if 0 < np.count_nonzero(f.widths_s >= 0.75e-3) < f.count // 2]
    assert len(fragmented) >= 3
    for f in vetoed:
        assert _subframes_lattice_z(f) >= NO_LATTICE_Z[1]
        assert wifi_stream.score(f) == 0.0
