"""Bluetooth BR/EDR (classic): headsets, audio links, some bugs.

Bluetooth Core Specification 5.4, Vol 2, Part B, 2.2: 625 us time slots, a new
hop frequency per slot (1600 hops/s); single-slot packets last up to 366 us.
A wideband detector sees every hop, so bursts start on the 625 us grid. The
slot is in roomsweep.standards (BT_SLOT_S).
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers.base import Classifier, lattice_z, ramp, within
from roomsweep.analysis.classifiers.wifi_stream import FLOOR_SEPARATION_DB, floor_noise
from roomsweep.analysis.dsp import grid_fraction
from roomsweep.analysis.features import Features
from roomsweep.standards import BT_SLOT_S, LTE_SUBFRAME_S

MIN_BURSTS = 20  # fewer packets than this say too little about a slot grid
# A packet starts within this of the slot grid: under one sample at 8 kS/s (the
# starts are interpolated); random starts come this close 29 % of the time
SLOT_TOLERANCE_S = 90e-6
SLOT_MAX_MULTIPLE = 16  # gaps of up to 16 slots (idle slots between packets)
# Share of intervals on the grid: from 50 % (well above that chance) to fully at 85 %
ON_GRID = (0.5, 0.85)
# Single-slot packets last up to 366 us (DH1), multi-slot ones up to 1.622 ms
# (DH3) and 2.871 ms (DH5: an audio link's A2DP stream sends them), Core 5.4
# Vol 2 Part B 6.5.4; a data link's last segment of each message is shorter,
# so a component's median lies anywhere in between. Fading out 0.2 ms outside
# the window, so a 126 us POLL/NULL packet still scores partly
PACKET_WIDTH_S = (0.2e-3, 2.95e-3)
PACKET_WIDTH_SOFT_S = 0.2e-3
# Packets longer than a slot's share (beyond DH1's 366 us and the blur of its
# edges) are what LTE's 1 ms subframes also make, and a handset scheduled every
# 5 ms (eight slots: semi-persistent VoLTE, 3GPP TS 36.321 5.10) keeps the slot
# grid as well as a piconet. A piconet's intervals are any whole number of
# slots (a DH3 link's four, a DH5 link's six, idle gaps at random), a multiple
# of eight slots one time in four or less; so wide packets whose intervals are
# nearly all such multiples (FIVE_MS_SHARE: from 60 % the slots count less, not
# at all from 90 %) are that handset's subframes. An outsider's VoLTE handset
# read as a headset until this.
SINGLE_SLOT_S = 0.45e-3
SUBFRAME_PERIOD_SLOTS = 8  # 5 ms: the least common multiple of a slot and a subframe
FIVE_MS_SHARE = (0.6, 0.9)
FIVE_MS_MAX_MULTIPLE = 8  # up to 40 ms: a 20 ms voice period with a packet lost or hidden
# A link in use sends hundreds of packets a second (an HV3 audio link: two every six
# slots, 533 a second); from 20 a second it starts to count, fully from 100
BURST_RATE_HZ = (20, 100)
# Every packet of a piconet starts at a slot boundary of the master's clock
# (Core 5.4 Vol 2 Part B 2.2.1: the master at even slots, slaves at odd), so the
# starts keep one phase of the 625 us lattice however many slots lie between
# them. Where another kind's bursts fall in the gaps, or a blurred edge moves a
# start by a sample (125 us at 8 kS/s), successive intervals lose the grid
# (half of them off it on the wide tuning sets' headsets read as Wi-Fi
# cameras), yet the starts still crowd
# one phase: share within SLOT_TOLERANCE_S of the best phase, in standard
# errors above what starts at random times reach (base.lattice_z); from 4
# (one-sided 3e-5), fully from 7, as lte.LATTICE_Z asks of a subframe lattice.
# A Wi-Fi frame or BLE advertisement starts at random, an LTE subframe walks
# through all five sample phases of a slot (1 ms is 1.6 slots) and a GSM frame
# (4.615 ms, 7.38 slots) too; a DECT frame (10 ms, 16 slots) keeps the lattice
# and is told by its frame (where both score alike, classifiers.named gives DECT).
SLOT_LATTICE_Z = (4.0, 7.0)
LATTICE_MIN_BURSTS = 30  # with fewer the best phase of random starts stands out
# An LTE handset's subframes (1 ms, 3GPP TS 36.211 4.1) at a 5 ms multiple
# (periodic scheduling) or a DECT frame (10 ms, ETSI EN 300 175-2) start on one
# slot phase too (5 ms is eight slots); a piconet's slots walk all eight phases
# of the 1 ms lattice (625 us is 5/8 ms), so its starts sit on that lattice no
# better than chance. Starts within this (lte.GRID_TOLERANCE_S) of one phase of
# 1 ms beyond chance: from 2.5 standard errors the slot lattice counts less, not
# at all from 5 (wifi_stream.NO_LATTICE_Z's ramp).
SUBFRAME_TOLERANCE_S = 0.15e-3
SUBFRAME_LATTICE_Z = (2.5, 5.0)
# A piconet's packets begin from the air its own link leaves free. A quieter
# piconet seen through a louder transmitter's bursts (a log detector reads
# overlapping bursts at their power sum) makes a level of its own, on the same
# lattice, whose packets all begin inside the other's bursts: two samples
# (250 us, before a blurred edge) ahead of its starts the window already stands
# a level mode (wifi_stream.FLOOR_SEPARATION_DB) above its floor. Such riding
# starts: a link among the wide tuning sets' busy traffic has up to 72 % of
# them; from 75 % the lattice counts less, not at all from 90 % (the one such
# echo on the committed scenarios: 88 %).
RIDING_BACK_SAMPLES = 2
RIDING_SHARE = (0.75, 0.9)


def slot_lattice_z(f: Features) -> float:
    """The starts' slot lattice beyond chance (base.lattice_z on BT_SLOT_S),
    counted only while the starts keep no 1 ms subframe lattice (an LTE
    handset's, or a DECT frame's: ten subframes); 0 with fewer than
    LATTICE_MIN_BURSTS."""
    if f.count < LATTICE_MIN_BURSTS:
        return 0.0
    z = lattice_z(f.starts_s, f.fs, BT_SLOT_S, SLOT_TOLERANCE_S)
    if z < SLOT_LATTICE_Z[0]:
        return z
    lte = lattice_z(f.starts_s, f.fs, LTE_SUBFRAME_S, SUBFRAME_TOLERANCE_S)
    return z * (1.0 - ramp(lte, *SUBFRAME_LATTICE_Z))


def riding_share(f: Features) -> float:
    """The share of packets that begin inside another transmitter's burst: the
    window RIDING_BACK_SAMPLES before their start a level mode above its floor
    (wifi_stream.floor_noise); 0 where the window shows no floor."""
    if f.dbm is None or f.count == 0:
        return 0.0
    got = floor_noise(f.dbm)
    if got is None:
        return 0.0
    before = np.round(f.starts_s * f.fs).astype(np.intp) - RIDING_BACK_SAMPLES
    before = before[(before >= 0) & (before < f.dbm.size)]
    if before.size == 0:
        return 0.0
    return float(np.mean(f.dbm[before] > got[0] + FLOOR_SEPARATION_DB))


def score(f: Features) -> float:
    if f.count < MIN_BURSTS:
        return 0.0
    short = within(f.width_median_s, *PACKET_WIDTH_S, PACKET_WIDTH_SOFT_S)
    busy = ramp(f.burst_rate_hz, *BURST_RATE_HZ)
    if short * busy == 0:
        return 0.0  # cheap tests first
    grid, _ = grid_fraction(
        f.starts_s, BT_SLOT_S, SLOT_TOLERANCE_S, max_multiple=SLOT_MAX_MULTIPLE
    )
    slotted = ramp(grid, *ON_GRID)
    if slotted < 1.0:
        lattice = ramp(slot_lattice_z(f), *SLOT_LATTICE_Z)
        if lattice > slotted:
            lattice *= 1.0 - ramp(riding_share(f), *RIDING_SHARE)
        slotted = max(slotted, lattice)
    if slotted > 0 and f.width_median_s > SINGLE_SLOT_S:
        every_five_ms, _ = grid_fraction(
            f.starts_s,
            SUBFRAME_PERIOD_SLOTS * BT_SLOT_S,
            SLOT_TOLERANCE_S,
            max_multiple=FIVE_MS_MAX_MULTIPLE,
        )
        slotted *= 1.0 - ramp(every_five_ms, *FIVE_MS_SHARE)
    return slotted * short * busy


CLASSIFIER = Classifier(
    "bt_classic",
    "Bluetooth classic (625 us slots)",
    "Bluetooth Core 5.4 Vol 2 Part B 2.2",
    score,
    # the weakest power class (class 3: 1 mW, Core 5.4 Vol 2 Part A 3)
    # within 0.5 m of a waypoint (FSPL 40 dB at 1 m, n = 2.5)
    # reads about -32 dBm; 8 dB below that is a headset next door
    in_room_dbm=-40.0,
    period_s=BT_SLOT_S,
)
