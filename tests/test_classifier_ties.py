"""Two kinds that score alike: the pattern that implies the other names it
(classifiers.named). A DECT frame is 16 Bluetooth slots, so a DECT base scores
full for both; which of two full scores is a hair higher must not decide."""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.classifiers import named, nests
from roomsweep.analysis.components import classify
from roomsweep.analysis.features import component
from tests.test_analysis import FS, envelope


def two_sample_dect(seconds: float = 1.5, seed: int = 0) -> np.ndarray:
    """A DECT base's envelope at 8 kS/s whose slots read two samples wide (as
    an outsider's capture writer made them), one every 10 ms."""
    n = int(seconds * FS)
    x = np.full(n, -63.0)
    for k in range(0, n - 2, 80):
        x[k : k + 2] = -25.0
    return x + np.random.default_rng(seed).normal(0, 0.3, n)


@pytest.mark.parametrize("rate_ppm", [-31.25, 0.0, 31.25])
def test_a_dect_base_is_dect_whatever_its_rate_reads(rate_ppm):
    # at a rate read 31 ppm fast the bursts fall a hair under DECT's width bound
    fs = FS * (1 + rate_ppm * 1e-6)
    cls, _, scores = classify(component(two_sample_dect(), fs, -25.0, 3.0, top=True))
    assert scores["bt_classic"] > 0.98 and scores["dect"] > 0.98  # the tie is real
    assert cls == "dect", scores


def test_a_piconet_is_still_bluetooth():
    x = envelope("bt_classic", 1.5)
    cls, _, scores = classify(component(x, FS, -25.0, 3.0, top=True))
    assert cls == "bt_classic", scores


def test_named_breaks_only_ties_and_only_by_nesting():
    assert named({"dect": 0.99997, "bt_classic": 1.0, "gsm": 0.0}) == "dect"
    assert named({"dect": 0.9, "bt_classic": 1.0}) == "bt_classic"  # no tie
    # a GSM frame is 7.38 slots: no nesting, the higher score stands
    assert named({"gsm": 0.999, "bt_classic": 1.0}) == "bt_classic"
    assert named({"dect": 1.0, "bt_classic": 0.999, "lte": 0.995}) == "dect"
    assert nests(10e-3, 1e-3) and not nests(1e-3, 625e-6) and not nests(None, 1e-3)
