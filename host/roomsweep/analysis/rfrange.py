"""The RF range as the host reads it (auto-ranging, docs/protocol.md "The RF
range"): the pad's dB added back to a padded block's readings, the floor a
padded reading cannot measure under, and the samples a range switch leaves
settling. Used by `analysis.recording` (a capture) and `live.state` (the live
view) alike.
"""

from __future__ import annotations

import numpy as np

from roomsweep.protocol import device_defaults

# With auto-ranging (firmware/rfrange.py) a block taken with the switchable pad in
# reads its input that many dB down; rf_dbm() adds them back: the hardware's
# pad, the HMC624A's 16 + 4 dB bits (firmware/defaults.py RF_PAD_DB, its source).
RF_PAD_DB = float(device_defaults.RF_PAD_DB)
# ... except a padded reading at the detector's floor, which says only that the
# input was under floor + pad. The AD8318 puts out 2.1 V at its least input
# (datasheet); an ESP32 whose eFuse Vref is at the top of its 1000-1200 mV
# spread (ESP-IDF) converts that to a count the nominal line (protocol.md)
# reads as -57.5 dBm, so up to -57 dBm (with half a dB for its noise) a padded
# reading is the floor, not a carrier 20 dB above it (which made analog video
# senders that were not there). It reads PADDED_FLOOR_DBM instead: beneath the
# analyzer's DETECTOR_FLOOR_DBM (components.py), where no level mode counts.
PAD_FLOOR_DBM = -57.0
PADDED_FLOOR_DBM = -60.0
# After a range switch the detector's video filter takes RF_SETTLE_US to follow
# the 20 dB step (firmware/defaults.py, its derivation: ln(200) x 39 us to 0.1 dB),
# and the device samples on through it: the first settle_samples(fs) samples of a
# block whose range differs from the block before it are settling (3 at 8 kS/s),
# and rf_dbm() holds the first settled level over them (docs/protocol.md, "The RF
# range").
RF_SETTLE_US = float(device_defaults.RF_SETTLE_US)


def padded_dbm(dbm: np.ndarray, pad_db: np.ndarray | float) -> np.ndarray:
    """Calibrated readings (dBm at the detector) taken with `pad_db` of pad in
    (0: none; per reading or one for all) as input levels: plus the pad, but a
    padded reading of PAD_FLOOR_DBM or less, before the pad is added, reads
    PADDED_FLOOR_DBM."""
    dbm = np.asarray(dbm, dtype=np.float64)
    pad = np.broadcast_to(np.asarray(pad_db, dtype=np.float64), dbm.shape)
    return np.where((pad > 0) & (dbm <= PAD_FLOOR_DBM), PADDED_FLOOR_DBM, dbm + pad)


def settle_samples(fs: float) -> int:
    """How many samples at `fs` a range switch leaves settling: those of the
    block after it taken within RF_SETTLE_US of the switch. The switch comes
    before the block's first sample, and that sample may be up to a slot late
    (its schedule keeps its phase: firmware/sampler.py skips whole slots only),
    so sample i is at least (i - 1) slots after the switch: ceil(RF_SETTLE_US x
    fs / 1e6) + 1 (a thousandth of a sample's slack for a measured rate).

    Examples
    --------
    >>> settle_samples(8000.0), settle_samples(12500.0), settle_samples(500.0)
    (3, 4, 2)
    """
    if not fs > 0:
        return 0
    return int(np.ceil(RF_SETTLE_US * fs / 1e6 - 1e-3)) + 1
