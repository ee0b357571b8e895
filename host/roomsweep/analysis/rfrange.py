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
# ... except a padded reading at the floor (up to 1 dB above -58 dBm, a unit's
# floor with its noise; a test ties it to components.DETECTOR_FLOOR_DBM): the
# input was anywhere under floor + pad; +20 dB made a carrier that was not there.
PAD_FLOOR_DBM = -57.0
PADDED_FLOOR_DBM = -60.0  # AD8318: about -60 dBm is the bottom of its range
# After a range switch the detector's video filter takes RF_SETTLE_US to follow
# the 20 dB step (firmware/defaults.py, its derivation: ln(200) x 39 us to 0.1 dB),
# and the device samples on through it: the first settle_samples(fs) samples of a
# block whose range differs from the block before it are settling (3 at 8 kS/s),
# and rf_dbm() holds the first settled level over them (docs/protocol.md, "The RF
# range").
RF_SETTLE_US = float(device_defaults.RF_SETTLE_US)


def padded_dbm(dbm: np.ndarray, pad_db: np.ndarray | float) -> np.ndarray:
    """Readings taken with `pad_db` of pad in (0: none) as input levels: plus
    the pad, but a padded reading at the floor reads PADDED_FLOOR_DBM."""
    floor = (np.broadcast_to(pad_db, np.shape(dbm)) > 0) & (dbm <= PAD_FLOOR_DBM)
    return np.where(floor, PADDED_FLOOR_DBM, dbm + pad_db)


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
