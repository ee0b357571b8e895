"""The firmware's auto-ranging, block by block, for the simulator's fast path.

The device switches a 20 dB pad in front of its RF detector when the detector
pins at its top and takes it out again when the level has stayed clearly below
the ceiling for a while (firmware/rfrange.py, the rule and its sources). The fast
path (roomsweep.eval.fastpath) has both of the feed's RF columns, without and with
the pad (sim/signals.py), and picks per block the one the firmware would have
read: the same rule on the same counts. The constants mirror firmware/rfrange.py
(a test holds them equal; the firmware keeps them private for its heap).
"""

from __future__ import annotations

import numpy as np

from roomsweep.protocol.device_defaults import DEFAULT_BLOCK

SAT_COUNT = 537  # at or below: the detector pinned (-3 dBm on the nominal ADC line)
IN_SHIFT = 5  # the pad goes in after block >> IN_SHIFT pinned samples
OUT_COUNT = 1344  # with the pad in, a block whose every sample reads above is calm
CALM_BLOCKS = 16  # ... and this many calm blocks in a row take it out


def auto_range(
    unpadded: np.ndarray, padded: np.ndarray, block: int = DEFAULT_BLOCK
) -> tuple[np.ndarray, np.ndarray]:
    """(counts, padded blocks): the 12-bit RF counts the firmware records from the
    two ranges' streams (same length, one value per sample) and, per block, whether
    it was taken with the pad in. Starts without the pad, as the firmware does on
    START; a last partial block keeps the last block's range."""
    unpadded = np.asarray(unpadded)
    padded = np.asarray(padded)
    if unpadded.shape != padded.shape:
        raise ValueError("the two ranges' streams must have the same length")
    n = unpadded.size
    m = -(-n // block) if n else 0
    flags = np.zeros(m, dtype=bool)
    out = np.array(unpadded, dtype=np.uint16, copy=True)
    pad = False
    calm = 0
    for k in range(m):
        sl = slice(k * block, min(n, (k + 1) * block))
        flags[k] = pad
        x = padded[sl] if pad else unpadded[sl]
        if pad:
            out[sl] = x
        if sl.stop - sl.start < block:
            break  # the firmware only sends whole blocks
        if not pad:
            if int(np.count_nonzero(x <= SAT_COUNT)) >= block >> IN_SHIFT:
                pad, calm = True, 0
        elif int(x.min()) > OUT_COUNT:
            calm += 1
            if calm >= CALM_BLOCKS:
                pad, calm = False, 0
        else:
            calm = 0
    return out, flags
