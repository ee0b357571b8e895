# Auto-ranging of the RF detector: the switchable 20 dB pad in front of the AD8318
# (hardware/README.md "Attenuator"; its 20 dB: defaults.RF_PAD_DB, which the host
# adds back; the rule's figures and their sources below). The sampler owns the
# driver (sampler.py, Sampler.range) and asks update() after each block for the
# next block's range: the pad goes in when the detector pinned at its top for a
# sizeable share of the block, and comes out after _RF_CALM_BLOCKS blocks in a row
# that would have stayed clearly below the ceiling without it. Every SAMPLES frame
# of the RF channel says which range its block was taken in
# (rsproto.SAMPLES_FLAG_RF_PAD, set by app.py). CONFIGURE rf_pad= forces it.

import micropython
from micropython import const

from rsproto import SAMPLES_FLAG_RF_PAD

_MASK = const(0x3FFFFFFF)  # ticks_us() wraps at 2**30 (rsproto.TICKS_PERIOD)
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
# After a switch the 1 kohm x 39 nF video filter (tau 39 us, hardware/README.md)
# settles a 20 dB step (0.5 V) to 0.1 dB (2.5 mV): ln(200) x 39 us = 207 us; the
# HMC624A itself switches in well under a microsecond (datasheet tON/tOFF, [unconf.]).
_RF_SETTLE_US = const(210)
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
    """The pad's driver: the control pin (None: a board without the pad) and the
    tick function as arguments; update() runs without touching the heap."""

    def __init__(self, pin, ticks_us):
        self.pin = pin
        self._ticks_us = ticks_us
        self.padded = 0 if pin is None else 1  # as from reset
        self.flag = 0  # SAMPLES_FLAG_RF_PAD while padded
        self.mode = RF_AUTO
        self.calm = 0  # calm blocks in a row with the pad in
        self.switches = 0
        self.set_mode(RF_AUTO)

    def check(self, mode):
        """CONFIGURE rf_pad=`mode`, checked before anything is applied."""
        if mode not in (0, 1, 2):
            raise ValueError("rf_pad 0 (out), 1 (in) or 2 (auto)")
        return mode

    def set_mode(self, mode):
        """0 pad out, 1 pad in, 2 auto, which starts without the pad (the most
        sensitive range); also on START."""
        self.mode = self.check(mode)
        self.set(1 if mode == 1 else 0)

    def update(self, rf, n):
        """After a block of `n` RF samples (12-bit counts in `rf`, taken in the
        range `padded` says): set the range of the next block."""
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
        self.calm = 0
        pin = self.pin
        if pin is None:
            return
        pin.value(_PIN_PAD_IN if padded else _PIN_PAD_OUT)
        if padded != self.padded:
            self.padded = padded
            self.flag = SAMPLES_FLAG_RF_PAD if padded else 0
            self.switches += 1
            # the detector's video filter takes _RF_SETTLE_US to follow the
            # step: the next block's first sample must not see it (the sampler
            # counts the slots it skips, if any)
            t0 = self._ticks_us()
            while (self._ticks_us() - t0) & _MASK < _RF_SETTLE_US:
                pass
