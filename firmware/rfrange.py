# Auto-ranging of the RF detector: the switchable 20 dB pad in front of the AD8318
# (hardware/README.md "Attenuator"; its 20 dB: defaults.RF_PAD_DB, which the host
# adds back; the rule's figures and their sources below). The sampler owns the
# driver (sampler.py, Sampler.range) and asks update() after each block for the
# next block's range: the pad goes in when the detector pinned at its top for a
# sizeable share of the block, and comes out after _RF_CALM_BLOCKS blocks in a row
# that would have stayed clearly below the ceiling without it. Every SAMPLES frame
# of the RF channel says which range its block was taken in
# (rsproto.SAMPLES_FLAG_RF_PAD, set by app.py). CONFIGURE rf_pad= forces it.
#
# A switch never holds up sampling: the detector's video filter takes
# defaults.RF_SETTLE_US (210 us) to follow the step, longer than a slot (125 us
# at 8 kS/s), and the sampler samples on through it. set() and set_mode() only
# say which range the next block wants; the pin moves in apply(), which the
# sampler calls once, just before each block (and on START), so the range
# changes at most once between two blocks, and only there (two CONFIGUREs
# between blocks leave no switch the stream does not show). The samples taken
# while the filter settled are then among the first ceil(RF_SETTLE_US x rate /
# 1e6) + 1 of each block whose range flag differs from the block before it (the
# block's first slot may be up to a slot late: sampler.py keeps the schedule's
# phase), and the host masks those (docs/protocol.md, "The RF range"). A switch
# at START, before the schedule begins, delays the first slot instead
# (Sampler.restart): that block has no block before it in the stream.

import micropython
from micropython import const

from rsproto import SAMPLES_FLAG_RF_PAD

RF_AUTO = const(2)  # CONFIGURE rf_pad=: 0 pad out, 1 pad in, 2 auto (the default)
# The rule (sim/ranging.py mirrors it for the fast path; a test holds the two equal).
# Counts (12-bit) at or below which an RF sample is saturated: the AD8318 pins at
# its 0.5 V output floor near 0 dBm; 3 dB above the floor (0.575 V at -25 mV/dB,
# defaults.CALIBRATION) is the analyzer's ceiling (-3 dBm,
# recording.DETECTOR_CEILING_DBM): (575 - 142) / 0.8056335 = 537 on the ADC line.
_RF_SAT_COUNT = const(537)
# The pad goes in after a block with at least block >> _RF_IN_SHIFT saturated
# samples (1/32: 8 of 256). A GSM burst (577 us in each 4.615 ms frame, 1 slot of
# 8; 3GPP TS 45.002) puts about 4 samples at 8 kS/s at its peak, 7 frames a
# block; a lone BLE PDU (at most 376 us; Bluetooth Core 5.x Vol 6 Part B 2.1) or
# an ADC spike does not.
_RF_IN_SHIFT = const(5)
# With the pad in, a block whose every sample reads above _RF_OUT_COUNT is calm:
# at most -29 dBm at the detector, -9 dBm without the pad, 6 dB below the ceiling
# (hysteresis): 20 - (-29) = 49 dB x 25 mV = 1.225 V, (1225 - 142) / 0.8056335.
_RF_OUT_COUNT = const(1344)
# ... and the pad comes out after _RF_CALM_BLOCKS calm blocks in a row (0.5 s at
# the defaults: 16 x 256 / 8000): a GSM or video burst train keeps it in, so the
# range does not toggle with the bursts, nor more than twice a second.
_RF_CALM_BLOCKS = const(16)
# HMC624A parallel control: an input high selects the bit's reference (0 dB)
# state, low switches its attenuation in (datasheet truth table), so the pin is
# low with the pad in; the board creates it low: the pad is in from reset.
_PIN_PAD_IN = const(0)
_PIN_PAD_OUT = const(1)


@micropython.viper
def block_stats(buf, n: int) -> int:
    """Of the first `n` samples of `buf` (array 'H'): how many read at or below
    _RF_SAT_COUNT, x 65536, plus the lowest (the strongest input: the detector's
    output falls as its input rises). One pass, no heap."""
    a = ptr16(buf)
    k = 0
    m = 0xFFFF
    for i in range(n):
        v = int(a[i])
        if v <= _RF_SAT_COUNT:
            k += 1
        if v < m:
            m = v
    return (k << 16) | m


class RfRange:
    """The pad's driver: the control pin (None: a board without the pad) as its
    argument; update() and apply() run without touching the heap, and nothing
    waits for the filter."""

    def __init__(self, pin):
        self.pin = pin
        self.padded = 0 if pin is None else 1  # the pin's range: in from reset
        self.want = 0  # the range the next block is to be taken in
        self.flag = 0  # SAMPLES_FLAG_RF_PAD while padded
        self.mode = RF_AUTO
        self.calm = 0  # calm blocks in a row with the pad in
        self.switches = 0
        self.set_mode(RF_AUTO)
        self.apply()

    def check(self, mode):
        """CONFIGURE rf_pad=`mode`, checked before anything is applied."""
        if mode not in (0, 1, 2):
            raise ValueError("rf_pad 0 (out), 1 (in) or 2 (auto)")
        return mode

    def set_mode(self, mode):
        """0 pad out, 1 pad in, 2 auto, which starts without the pad (the most
        sensitive range); also on START. Takes effect at the next apply()."""
        self.mode = self.check(mode)
        self.set(1 if mode == 1 else 0)

    def update(self, rf, n):
        """After a block of `n` RF samples (12-bit counts in `rf`, taken in the
        range `padded` says): choose the range of the next block."""
        if self.mode != RF_AUTO:
            return
        stats = int(block_stats(rf, n))
        if not self.padded:
            if stats >> 16 >= n >> _RF_IN_SHIFT:
                self.set(1)
        elif (stats & 0xFFFF) > _RF_OUT_COUNT:
            self.calm += 1
            if self.calm >= _RF_CALM_BLOCKS:
                self.set(0)
        else:
            self.calm = 0

    def set(self, padded):
        """Ask for the pad in (1) or out (0) from the next block on."""
        self.calm = 0
        self.want = padded

    def apply(self):
        """Move the pin to the range asked for (between blocks): 1 if the range
        changed. The filter settles while the next block's first samples are
        taken (above)."""
        pin = self.pin
        if pin is None or self.want == self.padded:
            return 0
        padded = self.want
        pin.value(_PIN_PAD_IN if padded else _PIN_PAD_OUT)
        self.padded = padded
        self.flag = SAMPLES_FLAG_RF_PAD if padded else 0
        self.switches += 1
        return 1
