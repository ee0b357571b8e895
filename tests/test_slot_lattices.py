"""Issue 14, round 4 (classes): the slot lattices of Bluetooth BR/EDR and LTE
tell their components from a Wi-Fi camera's where the intervals lose the grid.

A piconet's packets start at its master's 625 us slot boundaries (Bluetooth
Core 5.4 Vol 2 Part B 2.2); when another kind's bursts fall in the gaps, or a
detector edge moves a start by a sample, half the intervals leave the slot grid
and the wide tuning sets read such headsets as Wi-Fi cameras (45 components).
Their starts still crowd one phase of the slot lattice (bt_classic.
slot_lattice_z), which random frames, an LTE handset's subframes (1 ms walks the
five sample phases of a slot) and a DECT frame (10 ms, ten subframes: told by
the 1 ms lattice) do not give the piconet's score.
"""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.classifiers import bt_classic
from roomsweep.analysis.classifiers.base import lattice_z
from roomsweep.analysis.components import MIN_SCORE
from roomsweep.analysis.dsp import find_bursts, grid_fraction
from roomsweep.analysis.features import Features
from roomsweep.standards import BT_SLOT_S, LTE_SUBFRAME_S

FS = 8000.0  # the device's RF sample rate (docs/protocol.md)
SECONDS = 1.5  # components.ANALYSIS_WINDOW_S
N = int(FS * SECONDS)
SLOT = 5  # samples in a 625 us slot at 8 kS/s


def _features(on: np.ndarray) -> Features:
    (st, w), p = find_bursts(on, FS)
    return Features(FS, SECONDS, -40.0, on, st, w, p["duty"])


def _piconet(rng, occupancy: float, moved: float, others_hz: float) -> np.ndarray:
    """A DH1 link (3 samples, 375 us) in a share of the slots, some starts a
    sample late (a blurred edge), and another kind's short frames at random
    times in the gaps at the same level."""
    on = np.zeros(N, bool)
    for k in np.flatnonzero(rng.random(N // SLOT - 1) < occupancy):
        s = k * SLOT + 1 + int(rng.random() < moved)
        on[s : s + 3] = True
    for s in rng.choice(N - 4, int(others_hz * SECONDS), replace=False):
        if not on[max(s - 1, 0) : s + 3].any():
            on[s : s + 2] = True
    return on


@pytest.mark.parametrize("seed", range(4))
def test_a_piconet_whose_intervals_lost_the_grid_is_bluetooth(seed):
    rng = np.random.default_rng(seed)
    f = _features(_piconet(rng, occupancy=0.25, moved=0.5, others_hz=150.0))
    grid, _ = grid_fraction(f.starts_s, BT_SLOT_S, bt_classic.SLOT_TOLERANCE_S, max_multiple=16)
    # the intervals alone no longer make it Bluetooth ...
    assert bt_classic.ramp(grid, *bt_classic.ON_GRID) < MIN_SCORE
    # ... its starts' phase does
    assert bt_classic.slot_lattice_z(f) >= bt_classic.SLOT_LATTICE_Z[1]
    assert bt_classic.score(f) >= MIN_SCORE


@pytest.mark.parametrize("seed", range(4))
def test_frames_at_random_keep_no_slot_lattice(seed):
    rng = np.random.default_rng(seed)
    on = np.zeros(N, bool)
    for s in rng.choice(N - 4, 400, replace=False):
        on[s : s + 3] = True
    f = _features(on)
    assert bt_classic.slot_lattice_z(f) < bt_classic.SLOT_LATTICE_Z[0]
    assert bt_classic.score(f) < MIN_SCORE


@pytest.mark.parametrize("period_ms", [5, 10])
def test_subframes_every_five_ms_are_no_piconet(period_ms):
    """LTE scheduled every 5 or 10 ms (or a DECT frame) starts on one slot
    phase too (5 ms is eight slots), but on the 1 ms lattice as well."""
    rng = np.random.default_rng(period_ms)
    on = np.zeros(N, bool)
    per = int(period_ms * 1e-3 * FS)
    for s in range(3, N - 8, per):
        w = 8 if rng.random() < 0.5 else 3  # a whole subframe or one cut short
        on[s : s + w] = True
    f = _features(on)
    assert lattice_z(f.starts_s, FS, BT_SLOT_S, bt_classic.SLOT_TOLERANCE_S) > 7
    assert bt_classic.slot_lattice_z(f) == 0.0


def test_lattice_z_counts_sample_phases_as_chance():
    """Starts on the samples at random fill the window's two of a slot's five
    sample phases 40 % of the time: no lattice."""
    rng = np.random.default_rng(3)
    t = rng.integers(0, N, 2000) / FS
    assert abs(lattice_z(t, FS, BT_SLOT_S, bt_classic.SLOT_TOLERANCE_S)) < 3
    assert abs(lattice_z(t, FS, LTE_SUBFRAME_S, 0.15e-3)) < 3


def _echo_window(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dBm at FS of a quiet piconet (-50 dBm) and a louder handset's runs of
    subframes (-46 dBm) over a -63 dBm floor, summed in power; and the two
    on-masks."""
    rng = np.random.default_rng(seed)
    bt = _piconet(rng, occupancy=0.3, moved=0.5, others_hz=0.0)
    phone = np.zeros(N, bool)
    k = 0
    while k < N // 8:
        run = int(rng.integers(3, 12))
        if rng.random() < 0.3:
            phone[k * 8 : (k + run) * 8] = True
        k += run
    mw = 10 ** (-63.0 / 10) + bt * 10 ** (-50.0 / 10) + phone * 10 ** (-46.0 / 10)
    x = 10 * np.log10(mw) + rng.normal(0, 0.1, N)
    return x, bt, phone


@pytest.mark.parametrize("seed", range(3))
def test_a_quiet_piconet_seen_through_louder_bursts_is_no_link_of_its_own(seed):
    """Where the piconet's packets overlap the handset's subframes the detector
    reads their power sum, a level above both on the piconet's lattice: every
    packet there begins inside the handset's burst, the lattice is the quieter
    piconet's, and the level is none of its own (the committed s2718-012
    bathroom's ghost)."""
    x, bt, phone = _echo_window(seed)
    on = bt & phone
    (st, w), p = find_bursts(on, FS)
    echo = Features(FS, SECONDS, -44.8, on, st, w, p["duty"], dbm=x)
    assert bt_classic.slot_lattice_z(echo) >= bt_classic.SLOT_LATTICE_Z[1]
    assert bt_classic.riding_share(echo) >= bt_classic.RIDING_SHARE[1]
    assert bt_classic.score(echo) < MIN_SCORE
    # the piconet at its own level begins its packets from the free air
    (st, w), p = find_bursts(bt & ~phone, FS)
    own = Features(FS, SECONDS, -50.0, bt & ~phone, st, w, p["duty"], dbm=x)
    assert bt_classic.riding_share(own) < bt_classic.RIDING_SHARE[0]
    assert bt_classic.score(own) >= MIN_SCORE
