# Two-channel block sampler: RF detector and photodiode, read alternately on a
# uniform schedule paced by a microsecond tick counter.
#
# The driver takes its ADC objects and tick function as constructor arguments
# (micropython-lib style); only the board layer creates hardware objects.
# configure() allocates the buffers; acquire() then runs without touching the heap.

import micropython
from array import array
from micropython import const

from defaults import DEFAULT_BLOCK, DEFAULT_RATE_HZ, RF_SETTLE_US
from rfrange import RfRange

MIN_RATE_HZ = const(500)
# The ADC sets the ceiling: one read_u16() is about 30 us at 240 MHz on the ESP32
# (adc_oneshot_read, micropython issue #7495; sim/mpboard/esp32model.py), so a
# slot of two reads and the tick takes about 63 us: 15.9 kS/s at best. 12.5 kS/s
# per channel (80 us slots) leaves ~17 us a slot for the GIL yields and late
# wake-ups (docs/protocol.md, "Link budget").
MAX_RATE_HZ = const(12500)
MIN_BLOCK = const(16)
MAX_BLOCK = const(1024)  # keeps (count - 1) * 1e6 inside 31 bits for the rate maths

_MASK = const(0x3FFFFFFF)  # timestamps travel modulo 2**30 (rsproto.TICKS_PERIOD)
_HALF = const(0x20000000)

# indexes into the int32 state array shared with the viper loop
_S_NEXT = const(0)  # tick of the next sample slot
_S_PERIOD = const(1)  # whole microseconds per slot
_S_FRAC = const(2)  # 1e6 % rate: Bresenham remainder per slot
_S_RATE = const(3)
_S_ERR = const(4)  # accumulated remainder
_S_FIRST = const(5)  # tick of the block's first sample
_S_LAST = const(6)  # tick of the block's last sample
_S_LATE = const(7)  # samples taken more than half a slot late (since start)
_S_MISSED = const(8)  # slots skipped at resynchronisation (since start)
_S_RATE_MHZ = const(9)  # measured rate of the last block, millihertz
_S_COUNT = const(10)
# With a pause function, a block is taken in chunks of this many slots and the
# pause runs between them (board.gil_yield: NimBLE's callbacks get the GIL,
# which a viper loop never releases); the chunks keep one schedule.
_CHUNK = const(32)


def link_rate(board, asked, current, block):
    """(rate, note) for CONFIGURE rate=`asked` (None: `current`): a rate the
    board's link cannot carry (board.link_bytes_per_s) falls back to the highest
    that fits (uartlink.fit_rate), and `note` announces it; "" otherwise."""
    if asked is None:
        return current, ""
    cap = getattr(board, "link_bytes_per_s", 0)
    if not cap or not MIN_RATE_HZ <= asked <= MAX_RATE_HZ:
        return asked, ""
    from uartlink import fit_rate

    return fit_rate(asked, block, cap, MIN_RATE_HZ)


class Sampler:
    def __init__(self, rf_adc, pd_adc, ticks_us, rate_hz=DEFAULT_RATE_HZ, block=DEFAULT_BLOCK,
                 pause=None, pad=None):
        # Bound once here: looking up adc.read_u16 inside the loop would allocate.
        self._read_rf = rf_adc.read_u16
        self._read_pd = pd_adc.read_u16
        self._ticks_us = ticks_us
        self._pause = pause
        # the RF range: the pad's pin (None: no pad), switched between blocks
        self.range = RfRange(pad)
        self.pad_flag = 0  # rsproto.SAMPLES_FLAG_RF_PAD: the last block was padded
        self.state = array("i", bytes(4 * _S_COUNT))
        self.rf = None
        self.pd = None
        self.block = 0
        self.rate_hz = 0
        self.configure(rate_hz, block)

    def configure(self, rate_hz, block):
        """Set the per-channel rate and block length; allocates the sample buffers."""
        if not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
            raise ValueError("rate out of range")
        if not MIN_BLOCK <= block <= MAX_BLOCK or block & 1:
            raise ValueError("block must be even, 16..1024")
        self.rate_hz = rate_hz
        if block != self.block:
            self.rf = None
            self.pd = None
            self.rf = array("H", bytes(2 * block))
            self.pd = array("H", bytes(2 * block))
            self.block = block
        s = self.state
        s[_S_PERIOD] = 1000000 // rate_hz
        s[_S_FRAC] = 1000000 % rate_hz
        s[_S_RATE] = rate_hz

    def restart(self):
        """Begin a new schedule at the current tick (call on START); auto-ranging
        begins without the pad. If that switched the pad, the schedule begins
        once the detector's filter has settled (defaults.RF_SETTLE_US): the
        stream's first block has no block before it whose range the host could
        see change (rfrange.py), and no slot is lost before the first."""
        r = self.range
        r.set_mode(r.mode)
        settle = RF_SETTLE_US if r.apply() else 0
        s = self.state
        s[_S_NEXT] = (self._ticks_us() + settle) & _MASK
        s[_S_ERR] = 0
        s[_S_LATE] = 0
        s[_S_MISSED] = 0

    @property
    def first_tick(self):
        return self.state[_S_FIRST]

    @property
    def span_us(self):
        return (self.state[_S_LAST] - self.state[_S_FIRST]) & _MASK

    @property
    def rate_mhz(self):
        return self.state[_S_RATE_MHZ]

    @property
    def late(self):
        return self.state[_S_LATE]

    @property
    def missed(self):
        return self.state[_S_MISSED]

    def acquire(self):
        """Fill self.rf and self.pd with one block of 12-bit samples (in the range
        `pad_flag` says), then choose the range of the next. The pad moves here,
        before the block, without waiting: the block's first samples see its
        filter settle, and the host masks them (rfrange.py)."""
        n = self.block
        pause = self._pause
        self.range.apply()
        self.pad_flag = self.range.flag
        if pause is None:
            self._acquire(0, n, n, self.rf, self.pd, self.state)
        else:
            start = 0
            while start < n:
                end = start + _CHUNK
                if end > n:
                    end = n
                self._acquire(start, end, n, self.rf, self.pd, self.state)
                if end < n:
                    pause()
                start = end
        self.range.update(self.rf, n)

    @micropython.viper
    def _acquire(self, i0: int, i1: int, n: int, rf, pd, state):
        # slots i0..i1-1 of a block of n; the stall check at the block's start,
        # the rate at its end
        read_rf = self._read_rf
        read_pd = self._read_pd
        ticks = self._ticks_us
        a = ptr16(rf)
        b = ptr16(pd)
        s = ptr32(state)
        t_next = s[_S_NEXT]
        period = s[_S_PERIOD]
        frac = s[_S_FRAC]
        rate = s[_S_RATE]
        err = s[_S_ERR]
        late = s[_S_LATE]
        # A stall between blocks (link write, command handling) longer than one
        # slot: skip the lost slots instead of bunching samples, and count them.
        now = int(ticks()) & _MASK
        if i0 == 0:
            behind = (now - t_next) & _MASK
            if behind < _HALF and behind > period and period > 0:
                skipped = behind // period
                s[_S_MISSED] = s[_S_MISSED] + skipped
                t_next = (t_next + skipped * period) & _MASK
        half_period = period >> 1
        first = s[_S_FIRST]
        for i in range(i0, i1):
            while True:
                now = int(ticks()) & _MASK
                behind = (now - t_next) & _MASK
                if behind < _HALF:
                    break
            if behind > half_period:
                late += 1
            if i == 0:
                first = now
            a[i] = int(read_rf()) >> 4
            b[i] = int(read_pd()) >> 4
            t_next += period
            err += frac
            if err >= rate:
                err -= rate
                t_next += 1
            t_next &= _MASK
        s[_S_NEXT] = t_next
        s[_S_ERR] = err
        s[_S_LATE] = late
        s[_S_FIRST] = first
        if i1 < n:
            return
        s[_S_LAST] = now
        span = (now - first) & _MASK
        if span == 0:
            s[_S_RATE_MHZ] = 0
        else:
            # (n-1)*1e6/span in mHz, split so nothing overflows 31 bits: n <= 1024
            # and span <= 1024 slots of 2000 us (MIN_RATE_HZ) keep rem*1000 < 2**31
            q = (n - 1) * 1000000
            whole = q // span
            rem = q - whole * span
            s[_S_RATE_MHZ] = whole * 1000 + (rem * 1000) // span
