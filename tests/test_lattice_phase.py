"""Frames of about 2 ms back to back (a Wi-Fi camera at 6 Mbit/s) keep the
1 ms grid by their intervals but drift across the subframe lattice: a camera,
not an LTE handset, whose subframes keep one phase of it (3GPP TS 36.211)."""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers import lte, wifi_stream
from roomsweep.analysis.components import classify
from roomsweep.analysis.features import component
from roomsweep.standards import LTE_SUBFRAME_S
from tests.test_analysis import FS, burst_envelope

SECONDS = 1.5
# IEEE 802.11-2020 17.4.3: a 1500-byte frame at 6 Mbit/s is 20 us of preamble
# and SIGNAL plus 4 us per 24 data bits, and at 2.4 GHz (ERP-OFDM, clause 18)
# 6 us of signal extension: 2030 us
FRAME_6M_S = (20 + 4 * np.ceil((16 + 8 * 1500 + 6) / 24) + 6) * 1e-6


def _camera_6m(seed: int) -> np.ndarray:
    """Video frames of 5-20 packets at 10 frames a second, each packet a 6
    Mbit/s frame, the next 82-145 us on (IEEE 802.11-2020 at 2.4 GHz: SIFS
    10 us, the ACK 44 us at 6 Mbit/s, AIFS for video 28 us, a backoff of 0-7
    slots of 9 us): intervals within 0.17 ms of 2 ms, on LTE's grid of
    intervals half the time, never on its lattice."""
    rng = np.random.default_rng(seed)
    starts = []
    # 10 a second: too few video frames in a window to judge by their clusters
    for frame_start in np.arange(0.01, SECONDS - 0.05, 1 / 10) + rng.uniform(0, 0.01, 15):
        t = frame_start
        for _ in range(rng.integers(5, 21)):
            if t + FRAME_6M_S > SECONDS:
                break
            starts.append(t)
            t += FRAME_6M_S + (10 + 44 + 28 + 9 * rng.integers(0, 8)) * 1e-6
    return burst_envelope(np.array(starts), FRAME_6M_S, SECONDS, seed)


def _handset(seed: int) -> np.ndarray:
    """An LTE handset scheduled 1-3 whole subframes at a time, every 2-6
    subframes, on the lattice."""
    rng = np.random.default_rng(seed)
    starts, widths, k = [], [], 3
    while (k + 3) * LTE_SUBFRAME_S < SECONDS:
        n = int(rng.integers(1, 4))
        starts.append(k * LTE_SUBFRAME_S + 0.2e-3)
        widths.append(n * LTE_SUBFRAME_S)
        k += n + int(rng.integers(1, 4))
    return burst_envelope(np.array(starts), np.array(widths), SECONDS, seed)


def test_a_camera_at_6_mbits_is_a_camera_not_a_handset():
    for seed in range(4):
        f = component(_camera_6m(seed), FS, -25.0, 3.0, top=True)
        assert f.count >= lte.LATTICE_MIN_BURSTS
        assert lte.lattice_z(f) < lte.ALONE_LATTICE_Z[0]  # no phase of the lattice
        assert lte.score(f) == 0.0, seed
        assert wifi_stream.score(f) >= 0.8, seed
        assert classify(f)[0] == "wifi_camera", seed


def test_a_handset_on_the_lattice_stays_a_handset():
    for seed in range(4):
        f = component(_handset(seed), FS, -25.0, 3.0, top=True)
        assert lte.lattice_z(f) > lte.ALONE_LATTICE_Z[1]
        assert classify(f)[0] == "lte", seed
