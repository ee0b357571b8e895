"""Issue 14, round 4 (hearing): an LTE handset under per-subframe power control
(3GPP TS 36.213 5.1.1.1) among other kinds is not a Wi-Fi camera.

Its bursts at one level are runs of subframes that power control's steps and
the detector's video filter cut anywhere, so their intervals lose the 1 ms grid
and their lengths vary like a video stream's; the wide tuning sets read 335 such
components as wifi_camera. Their edges still keep one phase of the subframe
lattice (3GPP TS 36.211 4.1) far beyond chance (lte.lattice_z), which a
camera's frames, sent whenever the encoder has them, do not.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from roomsweep.analysis.classifiers import lte, wifi_stream
from roomsweep.analysis.components import MIN_SCORE, classify
from roomsweep.analysis.dsp import level_modes
from roomsweep.analysis.features import component, loudest_near
from roomsweep.sim.signals import VIDEO_TAU_S
from tests.test_hear import summed_power

FS = 8000.0  # the device's RF sample rate (docs/protocol.md)
STEP_S = 10e-6  # the simulator's feed step (sim.signals.FeedGenerator)
SECONDS = 1.5  # components.ANALYSIS_WINDOW_S


def _mix(*sources: tuple[str, float, dict], seed: int) -> np.ndarray:
    """dBm at FS of several transmitters with the simulator's timing and power
    control, summed in power, through the detector's video filter (one pole,
    sim.signals.VIDEO_TAU_S) and sampled every 125 us, as the device reads it."""
    t = 5.0 + STEP_S * np.arange(int(SECONDS / STEP_S))
    dbm = 10 * np.log10(summed_power(sources, t, seed))
    a = np.exp(-STEP_S / VIDEO_TAU_S)
    y, _ = lfilter([1 - a], [1, -a], dbm, zi=[a * dbm[0]])
    y = y[np.round(np.arange(int(SECONDS * FS)) / FS / STEP_S).astype(int)]
    return y + np.random.default_rng(seed).normal(0, 0.1, y.size)


def _levels(x: np.ndarray):
    """Each level mode's component, as components.components reads a window."""
    modes, _ = level_modes(x, separation_db=6.0, min_fraction=12 / x.size)
    modes = modes[modes > -58.0]
    near = loudest_near(x)
    for j, m in enumerate(modes):
        yield component(x, FS, float(m), 3.0, top=j == modes.size - 1, near_max=near)


@pytest.mark.parametrize("seed", range(1, 7))
def test_power_controlled_handset_beside_an_access_point_is_not_a_camera(seed):
    """A handset 2 dB under an access point, a DECT base above both (the
    bathroom of w101-001): before the lattice test its levels scored 0.3-1.0
    as a Wi-Fi camera in every one of these seeds (one read as a camera)."""
    handset = ("lte", -33.0, {"load": 0.69, "pc_range_db": 8.0})
    x = _mix(handset, ("wifi_ap", -31.0, {}), ("dect", -19.0, {}), seed=seed)
    # the handset's levels (power control spreads it over 8 dB), not the DECT
    # base's: its slots keep the lattice too (10 ms frames), and read as DECT
    handset_levels = [
        f for f in _levels(x) if f.level_dbm < -25.0 and f.count >= 100 and lte.lattice_z(f) > 7
    ]
    read = [classify(f) for f in handset_levels]
    assert all(scores["wifi_camera"] == 0.0 for _, _, scores in read), read
    # at the access point's level the handset's subframes mix with its beacons
    assert "lte" in {cls for cls, _, _ in read}, read


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_camera_beside_an_access_point_keeps_no_lattice(seed):
    """The simulator's Wi-Fi camera in the handset's place: its frames keep
    no subframe phase, so the lattice takes nothing from its camera score."""
    camera = ("wifi_camera", -33.0, {"phy_mbps": 24.0, "ampdu_mpdus": 1.0})
    x = _mix(camera, ("dect", -19.0, {}), seed=seed)
    f = next(f for f in _levels(x) if abs(f.level_dbm + 33.0) <= 3.0)
    assert lte.lattice_z(f) < wifi_stream.NO_LATTICE_Z[0]
    _, _, scores = classify(f)
    assert scores["wifi_camera"] >= MIN_SCORE, scores
