"""The firmware's auto-ranging, block by block, for the simulator's fast path.

The device switches a 20 dB pad in front of its RF detector when the detector
pins at its top and takes it out again when the level has stayed clearly below
the ceiling for a while (firmware/rfrange.py, the rule and its sources). The fast
path (roomsweep.eval.fastpath) has both of the feed's RF columns, without and with
the pad (sim/signals.py), and picks per block the one the firmware would have
read: the same rule on the same counts. The constants mirror firmware/rfrange.py
(a test holds them equal; the firmware keeps them private for its heap).

The firmware does not wait for the detector's video filter after a switch
(firmware/rfrange.py): the first samples of the block after it still carry part
of the old range's level, decaying with the filter's time constant, as the
simulated board renders them (sim/mpboard/board.py, `pad_switched`). The counts
here carry the same tail, the rule sees it as the firmware does, and the reader
masks it (analysis/recording.py, `Recording.rf_settling`).
"""

from __future__ import annotations

import math

import numpy as np

from roomsweep.protocol.device_defaults import DEFAULT_BLOCK, DEFAULT_RATE_HZ
from roomsweep.sim.signals import VIDEO_TAU_S

SAT_COUNT = 537  # at or below: the detector pinned (-3 dBm on the nominal ADC line)
IN_SHIFT = 5  # the pad goes in after block >> IN_SHIFT pinned samples
OUT_COUNT = 1344  # with the pad in, a block whose every sample reads above is calm
CALM_BLOCKS = 16  # ... and this many calm blocks in a row take it out
# When the pad switches: between blocks, after the last slot's photodiode read,
# one ADC conversion after that slot's RF sample (the simulated board charges
# ADC_READ_US = 30 us a conversion, RF first, and nothing for the firmware's
# Python between blocks: sim/mpboard/board.py), so the next block's first RF
# sample comes one slot less 30 us after the switch.
SWITCH_AFTER_RF_US = 30.0
# The filter's tail is followed for this long: 8 time constants leave 0.03 % of
# the step (0.2 mV of 0.5 V), as the simulated board's _SETTLED_US (320 us).
TAIL_S = 8 * VIDEO_TAU_S


def auto_range(
    unpadded: np.ndarray,
    padded: np.ndarray,
    block: int = DEFAULT_BLOCK,
    fs: float = float(DEFAULT_RATE_HZ),
) -> tuple[np.ndarray, np.ndarray]:
    """(counts, padded blocks): the 12-bit RF counts the firmware records from the
    two ranges' streams (same length, one value per sample at `fs`) and, per
    block, whether it was taken with the pad in. Starts without the pad, as the
    firmware does on START; a last partial block keeps the last block's range.
    The first samples after a switch carry the old range's level decaying with
    the video filter (VIDEO_TAU_S), from where it stood at the previous block's
    last sample."""
    unpadded = np.asarray(unpadded)
    padded = np.asarray(padded)
    if unpadded.shape != padded.shape:
        raise ValueError("the two ranges' streams must have the same length")
    n = unpadded.size
    m = -(-n // block) if n else 0
    flags = np.zeros(m, dtype=bool)
    out = np.array(unpadded, dtype=np.uint16, copy=True)
    period_s = 1.0 / fs
    tail = np.arange(min(block, math.ceil(TAIL_S / period_s) + 1))
    decay = np.exp(-((period_s - SWITCH_AFTER_RF_US * 1e-6) + tail * period_s) / VIDEO_TAU_S)
    pad = False
    calm = 0
    step = 0  # the old range's reading less the new one's at the switch
    for k in range(m):
        sl = slice(k * block, min(n, (k + 1) * block))
        flags[k] = pad
        x = padded[sl] if pad else unpadded[sl]
        if step:
            j = min(tail.size, x.size)
            x = np.array(x, dtype=np.int64)
            x[:j] = np.clip(np.rint(x[:j] + step * decay[:j]), 0, 4095)
            step = 0
        out[sl] = x
        if sl.stop - sl.start < block:
            break  # the firmware only sends whole blocks
        was = pad
        if not pad:
            if int(np.count_nonzero(x <= SAT_COUNT)) >= block >> IN_SHIFT:
                pad, calm = True, 0
        elif int(x.min()) > OUT_COUNT:
            calm += 1
            if calm >= CALM_BLOCKS:
                pad, calm = False, 0
        else:
            calm = 0
        if pad != was:
            last = sl.stop - 1
            step = int(x[-1]) - int(padded[last] if pad else unpadded[last])
    return out, flags
