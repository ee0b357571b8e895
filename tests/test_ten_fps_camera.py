"""A camera at 10 frames a second, and the surest window at a stop's level
(issue 14; analysis.classifiers.wifi_stream.CLUSTER_RATE_HZ,
analysis.peaks.surest_per_stretch).

Cameras send 10-30 video frames a second, each a run of packets back to back.
At 10 fps a 1.5 s window holds 15 such clusters, fewer where one is lost
beneath other traffic: the camera must count fully all the same. Outsider
round 4's 10 fps cameras scored 0.5 and were not reported.
"""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.classifiers.wifi_stream import score as stream_score
from roomsweep.analysis.components import Component, classify
from roomsweep.analysis.features import component
from roomsweep.analysis.peaks import SAME_LEVEL_DB, loudest_per_stretch, surest_per_stretch
from tests.test_wifi_frames import FLOOR_DBM, FS, HALF_WIDTH_DB, _bursts


def _video(fps: float, seed: int, lost: int = 0) -> list[tuple[float, float]]:
    """A camera's video frames: every 1/fps s a run of packets back to back
    (0.3-0.9 ms apiece at 12-54 Mbit/s, then SIFS, the ACK and a backoff of
    0.1-0.25 ms), 2-6 packets a P-frame, 12 for the I-frame; `lost` frames
    missing."""
    rng = np.random.default_rng(seed)
    n = int(1.5 * fps)
    gone = set(rng.choice(np.arange(1, n), size=lost, replace=False).tolist())
    out = []
    for k in range(n):
        if k in gone:
            continue
        t = 0.01 + k / fps + rng.uniform(0, 4e-3)
        for _ in range(12 if k == 0 else int(rng.integers(2, 7))):
            airtime = rng.uniform(0.3e-3, 0.9e-3)
            out.append((t, t + airtime))
            t += airtime + rng.uniform(0.1e-3, 0.25e-3)
    return out


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("fps", "lost"), [(10, 0), (10, 1), (15, 0)])
def test_a_ten_fps_camera_counts_fully(fps, lost, seed):
    x = _bursts(_video(fps, seed, lost), seed)
    f = component(x, FS, FLOOR_DBM + 30.0, HALF_WIDTH_DB, top=True)
    cls, confidence, scores = classify(f)
    assert cls == "wifi_camera", scores
    assert confidence >= 0.75, (f.count, f.burst_rate_hz, scores)


def _at(stretch: int, level: float, confidence: float) -> Component:
    return Component(stretch, "wifi_camera", confidence, level, 0.0, None)  # type: ignore[arg-type]


def test_the_surest_window_within_a_decibel_speaks_for_the_stop():
    # outsider round 4, room 12: a camera's two windows at a stop
    loud, sure = _at(4, -24.2, 0.48), _at(4, -24.4, 0.67)
    quieter = _at(4, -24.2 - SAME_LEVEL_DB - 0.2, 0.99)  # another device's level
    elsewhere = _at(5, -40.0, 0.3)
    comps = [loud, sure, quieter, elsewhere]
    assert loudest_per_stretch(comps) == {4: loud, 5: elsewhere}
    assert surest_per_stretch(comps) == {4: sure, 5: elsewhere}
    # below `above`, nothing; the first of equals stays
    assert surest_per_stretch(comps, above=-30.0) == {4: sure}
    twin = _at(4, -24.3, 0.67)
    assert surest_per_stretch([loud, sure, twin])[4] is sure
    assert surest_per_stretch([loud, sure], same_level_db=0.1)[4] is loud


def _ticks(period: float, jitter, seed: int, width: float = 0.4e-3) -> list[tuple[float, float]]:
    """Alike bursts, one per tick of `period`, each jitter(rng) after its tick."""
    rng = np.random.default_rng(seed)
    n = int(1.45 / period)
    return [(t, t + width) for t in 0.01 + period * np.arange(n) + jitter(rng, n)]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("fps", [30])
def test_a_low_bitrate_cameras_alike_frames_keep_its_frame_clock(fps, seed):
    """Outsider round 4's room 20: 30 fps at 0.5 Mbit/s and 65 Mbit/s, each
    P-frame one 0.4 ms burst, none wider than the rest; each leaves 0-4 ms
    after its capture tick (encoding, the medium). Its clusters' sizes say
    nothing, its frame clock names it. At 20 fps or less a 1.5 s window holds
    too few intervals to show the clock beyond doubt (ble.CLOCKED_Z), and
    such alike bursts may read as an advertiser's."""
    x = _bursts(_ticks(1 / fps, lambda rng, n: rng.uniform(0, 4e-3, n), seed), seed)
    f = component(x, FS, FLOOR_DBM + 30.0, HALF_WIDTH_DB, top=True)
    cls, confidence, scores = classify(f)
    assert cls == "wifi_camera" and confidence >= 0.6, (f.count, scores)


def _narrow_video(fps: float, seed: int) -> list[tuple[float, float]]:
    """A camera at 0.3-0.6 Mbit/s and 65 Mbit/s: each P-frame one A-MPDU of
    0.15-0.3 ms (a sample or two at 8 kS/s), 0-4 ms after its capture tick,
    the I-frame 3 ms."""
    rng = np.random.default_rng(seed)
    n = int(1.45 * fps)
    ticks = 0.01 + np.arange(n) / fps + rng.uniform(0, 4e-3, n)
    return [
        (t, t + (3e-3 if k == 0 else rng.uniform(0.15e-3, 0.3e-3))) for k, t in enumerate(ticks)
    ]


@pytest.mark.parametrize(("fps", "least"), [(30, 10), (25, 8), (20, 8)])
def test_a_cameras_narrow_clusters_count_by_its_frame_clock(fps, least):
    """Outsider round 6b's room 44: clusters of a sample or two (median 0.25
    ms, under CLUSTER_MIN_WIDTH_S) at 20 fps, clocked beyond doubt, read as
    nothing. Of ten such windows, `least` must read as a camera (the frame
    clock's test has chance misses at 20-25 fps, ble.CLOCKED_Z)."""
    named = []
    for seed in range(10):
        x = _bursts(_narrow_video(fps, seed), seed)
        f = component(x, FS, FLOOR_DBM + 30.0, HALF_WIDTH_DB, top=True)
        named.append(classify(f)[0])
    assert named.count("wifi_camera") >= least, named


@pytest.mark.parametrize("width", [0.4e-3, 0.2e-3])
@pytest.mark.parametrize("seed", range(3))
def test_a_strict_clock_or_an_advertisers_walk_is_no_frame_clock(seed, width):
    """The same bursts every 33 ms on a strict clock (a BLE connection's
    anchors keep +-16 us), or as an advertiser's random walk (advInterval 30
    ms plus advDelay 0-10 ms afresh each event): no camera's frame clock."""
    strict = _ticks(1 / 30, lambda rng, n: rng.uniform(-16e-6, 16e-6, n), seed, width)
    rng = np.random.default_rng(seed)
    walk_starts = 0.01 + np.cumsum(0.030 + rng.uniform(0, 0.010, 40))
    walk = [(t, t + width) for t in walk_starts[walk_starts < 1.45]]
    for intervals in (strict, walk):
        x = _bursts(intervals, seed)
        f = component(x, FS, FLOOR_DBM + 30.0, HALF_WIDTH_DB, top=True)
        assert stream_score(f) < 0.45, (f.count, classify(f))


def test_the_surest_window_keeps_above_and_a_clipped_loudest():
    loud, sure = _at(4, -57.5, 0.5), _at(4, -58.3, 0.9)
    # a surer reading beneath `above` is not taken
    assert surest_per_stretch([loud, sure], above=-58.0)[4] is loud
    # a clipped loudest is the stop's lower bound: it stays
    clipped, under = _at(4, -3.0, 0.5), _at(4, -3.6, 0.9)
    assert surest_per_stretch([clipped, under], clipped_dbm=-3.0)[4] is clipped
    assert surest_per_stretch([clipped, under])[4] is under


def test_analyze_takes_each_stops_surest_window(monkeypatch):
    """analyze reads each kind's stops through surest_per_stretch, with the
    detector's ceiling as the clipped level."""
    import dataclasses
    from pathlib import Path

    import roomsweep.analysis.analyze as A
    from roomsweep.eval.fastpath import from_scenario
    from roomsweep.sim.scenario import load_scenario

    sc = load_scenario(str(Path(__file__).parent / "scenarios" / "s2718-012-bathroom.toml"))
    rec = from_scenario(sc)
    asked = []

    def spy(comps, above=-np.inf, same_level_db=SAME_LEVEL_DB, clipped_dbm=np.inf):
        asked.append(clipped_dbm)
        return surest_per_stretch(comps, above, same_level_db, clipped_dbm)

    monkeypatch.setattr(A, "surest_per_stretch", spy)
    A.analyze(dataclasses.replace(rec, waypoint_positions=None))
    assert asked and all(c == rec.ceiling_dbm for c in asked)
