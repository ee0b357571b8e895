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
