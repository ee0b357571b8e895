"""Bluetooth classic data links send multi-slot packets (DH3 up to 1.622 ms,
DH5 up to 2.871 ms: an audio bug's A2DP stream), still on the 625 us slot
grid; an LTE handset's 1 ms subframes every 5 ms (eight slots) keep that grid
too, and are told apart by their 1 ms subframe lattice
(classifiers.bt_classic.SINGLE_SLOT_S). Found by an outsider's rooms
(docs/benchmarks.md round 17)."""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.components import classify
from roomsweep.analysis.features import component
from roomsweep.standards import BT_SLOT_S
from tests.test_analysis import FS, burst_envelope


def _data_link(slots: int, longest_s: float, seed: int, seconds: float = 1.5):
    """One side of an ACL link sending messages as `slots`-slot packets: each
    message some full packets and a shorter last one, a packet every
    slots + 1 slots (the other side's one-slot reply between), messages at
    random, the slot clock 20 ppm off."""
    rng = np.random.default_rng(seed)
    slot = BT_SLOT_S * (1 + 20e-6)
    k = int(rng.integers(0, 8)) * 2
    starts, widths = [], []
    while k * slot < seconds:
        for i in range(int(rng.integers(2, 6))):
            full = i < 1 or rng.random() < 0.7
            starts.append(k * slot)
            widths.append(longest_s if full else rng.uniform(0.3, 1.0) * longest_s)
            k += slots + 1
        k += 2 * int(rng.integers(1, 12))  # idle until the next message
    return np.array(starts) + 0.01, np.array(widths)


@pytest.mark.parametrize("slots,longest_s", [(3, 1.622e-3), (5, 2.871e-3)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_data_link_of_multi_slot_packets_is_bluetooth(slots, longest_s, seed):
    starts, widths = _data_link(slots, longest_s, seed)
    f = component(burst_envelope(starts, widths, 1.5, seed), FS, -25.0, 3.0, top=True)
    cls, conf, scores = classify(f)
    assert cls == "bt_classic", scores


@pytest.mark.parametrize("width_s", [1.0e-3, 2.0e-3])
def test_subframes_every_five_ms_are_no_headset(width_s):
    """VoLTE-like: a subframe (or two) every 5 ms, on the slot grid as on the
    subframe lattice."""
    starts = 0.0123 + 5e-3 * np.arange(290)
    f = component(
        burst_envelope(starts, np.full(starts.size, width_s), 1.5, 4), FS, -25.0, 3.0, top=True
    )
    cls, conf, scores = classify(f)
    assert cls != "bt_classic", scores
    assert scores.get("bt_classic", 0.0) < 0.5, scores
