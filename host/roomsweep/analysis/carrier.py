"""A continuous carrier whose level wanders with the hand's fading.

A log detector reads an analog video sender's FM carrier (constant envelope)
as a flat level, and components.components hears it as one level mode. But
the device is held in a hand: at a stop it moves by a centimetre or two, and
a transmitter's small-scale fading (Rayleigh to Rician, the multipath
correlation distance about a quarter wavelength: 1.3 cm at 5.8 GHz, 3 cm at
2.4 GHz; ITU-R P.1238, Jakes) swings its level by several dB within one
analysis window. Such a carrier spreads across two level modes or more, each
taken for a bursty source that drops out whenever the level wanders out of
it, and none reads as a carrier.

What still tells it: the envelope never falls to the floor. Its low edge (each
block's low percentile, as dsp.above_carrier takes it) moves smoothly, and
hardly a sample falls beneath that edge by more than a level mode's half
width; louder bursts on top only raise the reading. This module finds that
edge; components.components makes the carrier's component from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from roomsweep.analysis.classifiers import UNKNOWN, UNKNOWN_PERIODIC
from roomsweep.analysis.dsp import low_edge
from roomsweep.analysis.features import MODE_HALF_WIDTH_DB, Features, of_bursts

if TYPE_CHECKING:  # components imports this module
    from roomsweep.analysis.components import Component

# The edge is taken over blocks this long (dsp.above_carrier's default, its 20th
# percentile, EDGE_PERCENTILE): far
# shorter than a fade at walking-still hand speeds (a quarter wavelength at a
# few cm/s takes 0.3 s or more), longer than any burst gap of a TDMA kind
# (GSM's 4.6 ms frame, DECT's 10 ms) or a stream's
BLOCK_S = 0.025
EDGE_PERCENTILE = 20.0
# A burst is on top of a carrier where the reading stands this many noise
# deviations above the carrier's low edge (its 20th percentile, dsp.above_carrier):
# 3.2 above its mean, which about ten samples of a 1.5 s window pass by chance,
# scattered in time, so they keep no kind's timing (and only a known kind counts)
CARRIER_RISE_SIGMA = 4.0
# and at least this much: a 12-bit reading of the AD8318 (about 25 mV/dB,
# datasheet) steps 0.03 dB per code at 0.8 mV, so a carrier held within a code
# or two shows no noise to scale by; 0.3 dB is ten codes, a burst 11 dB
# beneath the carrier
CARRIER_MIN_RISE_DB = 0.3
# a carrier's envelope dips below its level only in the detector's noise
STEADY_GAP_FRACTION = 0.01
# and it fades smoothly: a hand at a few cm/s moves the device about a
# millimetre in a block, a fortieth of a wavelength at 5.8 GHz, and the fading
# changes little over that but in its deep nulls. So 95 % of the edge's steps
# from block to block stay within this; another transmitter switching on over
# the carrier, its bursts filling the blocks, lifts the edge by its own level
# at once (6-13 dB in a step: w6611-025's coat stand). Outsider round 5's
# fading carriers stepped 0.6-1.9 dB at the 95th percentile, and 4.3 dB at
# most (in a null); no step of a fade spans a level mode's whole width.
EDGE_STEP_DB = 2.5
EDGE_STEP_PERCENTILE = 95.0
EDGE_JUMP_DB = 2 * MODE_HALF_WIDTH_DB
# Beneath its low edge's median a carrier's readings are the detector's and
# the ADC's noise alone: the AD8318's few mV and a few counts of the ESP32's
# 12-bit ADC (0.8 mV each at 11 dB), 0.1-0.35 dB at 25 mV/dB, so its rise
# over the edge spans 1.4 deviations, 0.5 dB or less, from the 5th to the
# 40th percentile (outsider round 5's fading carriers: 0.28-0.49 dB in 97 of
# 99 windows). A transmitter sending flat out spans more with its own levels:
# an LTE handset uploading in every subframe, its power stepping from
# subframe to subframe, 1.2-2.7 dB (a helper's review, 2026-12-07).
LOW_HALF_DB = 0.8


def wandering_edge(dbm: np.ndarray, fs: float, floor_dbm: float) -> np.ndarray | None:
    """The low edge of a continuous carrier at every sample of `dbm`, where the
    window holds one whose level wanders by more than a level mode's width;
    None where it holds none, or one that a single level mode holds.

    Parameters
    ----------
    dbm : 1-D array, detector input power (dBm), one analysis window.
    fs : sample rate, Hz.
    floor_dbm : the detector's floor: a carrier's edge stays above it.

    Returns
    -------
    The edge (dBm), one value per sample, or None.

    Examples
    --------
    >>> fs = 8000.0
    >>> t = np.arange(12000) / fs
    >>> fading = -30.0 + 4.0 * np.sin(2 * np.pi * 0.8 * t)  # a hand's slow fade
    >>> edge = wandering_edge(fading, fs, -58.0)
    >>> bool(edge is not None and edge.max() - edge.min() > 6.0)
    True
    >>> bursts = np.where((t * 100) % 1 < 0.5, fading, -60.0)  # it falls to the floor
    >>> wandering_edge(bursts, fs, -58.0) is None
    True
    """
    x = np.asarray(dbm, dtype=np.float64)
    n = max(1, int(round(BLOCK_S * fs)))  # samples a block
    if x.size < 4 * n:
        return None
    # first, cheaply, what most windows fail: a reading within a half width of
    # the floor lies more than that beneath any edge this test accepts (over
    # floor + 2 half widths), so more than STEADY_GAP_FRACTION of them is a
    # window that falls silent, whatever the edge would be
    if np.count_nonzero(x < floor_dbm + MODE_HALF_WIDTH_DB) > STEADY_GAP_FRACTION * x.size:
        return None
    edge = low_edge(x, n, EDGE_PERCENTILE)
    if not np.isfinite(edge).all() or edge.min() <= floor_dbm + 2 * MODE_HALF_WIDTH_DB:
        return None
    if edge.max() - edge.min() <= 2 * MODE_HALF_WIDTH_DB:
        return None  # one level mode holds it: components reads it as it is
    if np.count_nonzero(x < edge - MODE_HALF_WIDTH_DB) > STEADY_GAP_FRACTION * x.size:
        return None  # it falls silent: bursts, not a carrier
    low, mid = np.percentile(x - edge, [5.0, 40.0])
    if mid - low > LOW_HALF_DB:
        return None  # its low half is a transmitter's own levels, not noise
    steps = np.abs(np.diff(edge[n // 2 :: n]))
    if np.percentile(steps, EDGE_STEP_PERCENTILE) > EDGE_STEP_DB or steps.max() > EDGE_JUMP_DB:
        return None  # it jumps: something else switched on over it
    return edge


def steady_floor(x: np.ndarray, level: float) -> bool:
    """The envelope never falls below this level: a continuous carrier, heard
    under louder bursts (a log detector reads the sum, so their gaps show the
    carrier, not the floor)."""
    return bool(np.count_nonzero(x < level - MODE_HALF_WIDTH_DB) <= STEADY_GAP_FRACTION * x.size)


def carrier_features(dbm: np.ndarray, fs: float, edge: np.ndarray) -> Features:
    """The carrier's component, read at its edge's median: on wherever the
    reading stands at or above the edge less a half width (a burst on top
    covers it, the carrier is still there), which is all but its noise.

    Examples
    --------
    >>> fs = 8000.0
    >>> t = np.arange(12000) / fs
    >>> fading = -30.0 + 4.0 * np.sin(2 * np.pi * 0.8 * t)
    >>> f = carrier_features(fading, fs, wandering_edge(fading, fs, -58.0))
    >>> f.count, round(f.duty, 2)
    (1, 1.0)
    """
    level = float(np.median(edge))
    return of_bursts(np.asarray(dbm) >= edge - MODE_HALF_WIDTH_DB, fs, level, np.asarray(dbm))


def piece_of(
    c: Component, stretch: int, window_start_s: float, edge: np.ndarray, cls: str
) -> bool:
    """Whether component `c` is a piece of the wandering carrier read at `edge`
    in that stretch's window: one of the level modes it spread across (within
    a half width of the edge's range), read as the carrier's own kind `cls` or
    as no known kind. A known kind of another class at those levels is another
    source, and stays."""
    return (
        c.stretch == stretch
        and c.window_start_s == window_start_s
        and c.cls in (cls, UNKNOWN, UNKNOWN_PERIODIC)
        and edge.min() - MODE_HALF_WIDTH_DB <= c.level_dbm <= edge.max() + MODE_HALF_WIDTH_DB
    )
