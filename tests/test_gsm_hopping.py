"""A GSM call that hops (3GPP TS 45.002 6.2): each carrier fades by its own
amount, so a level mode holds a subset of the frames. Its bursts still start
in one timeslot: on one phase of the 4.615 ms frame lattice (gsm.hopping)."""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers import gsm
from roomsweep.analysis.dsp import find_bursts
from roomsweep.analysis.features import Features
from roomsweep.standards import DECT_FRAME_S, GSM_FRAME_S, GSM_SLOT_S

FS = 8000.0
SECONDS = 1.5


def _features(starts_s, width_s: float = GSM_SLOT_S, seconds: float = SECONDS) -> Features:
    on = np.zeros(int(FS * seconds), bool)
    for t in starts_s:
        a = int(round(t * FS))
        on[a : a + max(1, int(round(width_s * FS)))] = True
    (st, w), p = find_bursts(on, FS)
    return Features(FS, seconds, -20.0, on, st, w, p["duty"])


def _frames(keep) -> np.ndarray:
    """The starts of the frames `keep` (indices) of a handset in timeslot 3."""
    return np.asarray(keep) * GSM_FRAME_S + 3 * GSM_SLOT_S + 0.01


N = int(SECONDS / GSM_FRAME_S) - 1


def test_every_other_frame_or_a_random_half_still_reads_as_gsm():
    rng = np.random.default_rng(1)
    every_other = _features(_frames(range(0, N, 2)))
    random_half = _features(_frames(np.sort(rng.choice(N, N // 2, replace=False))))
    for f in (every_other, random_half):
        assert gsm.hopping(f) == 1.0 and gsm.score(f) == 1.0
    # the grid test alone sees a third of the neighbours it asks for
    from roomsweep.analysis.classifiers.base import tdma_score

    assert tdma_score(every_other, GSM_FRAME_S, gsm.BURST_WIDTH_S, gsm.DUTY) < 0.7


def test_no_other_kind_keeps_the_frame_lattice():
    rng = np.random.default_rng(2)
    dect = _features(np.arange(0.003, SECONDS - 0.01, DECT_FRAME_S), 0.4e-3)
    at_random = _features(np.sort(rng.uniform(0, SECONDS - 0.01, 120)))
    assert gsm.hopping(dect) == 0.0 and gsm.hopping(at_random) == 0.0
    # beacons with a handset's hops among them: on the phase only in part
    hops = _frames(np.sort(rng.choice(N, 40, replace=False)))
    others = np.sort(rng.uniform(0, SECONDS - 0.01, 40))
    mixed = _features(np.sort(np.r_[hops, others]))
    assert gsm.hopping(mixed) < 0.5
    # too few bursts to judge a phase: 29 of every other frame
    assert gsm.hopping(_features(_frames(range(0, 58, 2)))) == 0.0
    assert gsm.hopping(_features(_frames(range(0, 60, 2)))) == 1.0


def test_a_steady_train_at_a_whole_number_of_frames_is_not_a_call():
    """60 ms is 13 GSM frames, and a BLE connection interval (48 x 1.25 ms) or
    a Bluetooth sniff interval (96 slots): a call sends every frame, so a
    mode of its hops sees a burst every few frames, never every 13."""
    long = _features(np.arange(0.002, 3.6, 0.060), GSM_SLOT_S, seconds=3.6)
    assert long.count >= gsm.HOPPING_MIN_BURSTS and gsm.hopping(long) == 0.0
    # a mode holding every fourth frame of a call, over a window as long
    calls = _features(np.arange(0, 190, 4) * GSM_FRAME_S + 0.002, GSM_SLOT_S, seconds=3.6)
    assert calls.count >= gsm.HOPPING_MIN_BURSTS and gsm.hopping(calls) > 0.9  # duty 0.8 %


def test_a_burst_of_another_width_is_not_a_gsm_burst():
    wide = _features(_frames(range(0, N, 2)), 2.5e-3)  # 2.5 ms: no GSM slot
    assert gsm.hopping(wide) == 0.0
