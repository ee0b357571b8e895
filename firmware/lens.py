# On-device lens finder: a lock-in amplitude per LED group from each block of
# photodiode samples, and a glint alert (docs/lens.md).
#
# configure() builds the reference tables (int8, 2 x 3 x block bytes, from a
# 256-entry sine table with an integer phase; allocation, once); process() then
# runs in viper without touching the heap: one pass for the block's mean, one pass
# correlating with cos/sin of each group's frequency. Amplitudes are in 1/8 ADC
# count (fundamental of each group's return). The alert compares the inner ring's
# return with what the outer ring says the walls give it (a lens returns the inner
# ring's light far more, docs/lens.md) and fires on a sudden rise of that excess.
#
# Mains flicker: every LED frequency sits 25 Hz from a harmonic of 100 Hz (and
# 25 or 95 Hz from one of 120 Hz). One 32 ms block is 0.8 of a 31.25 Hz bin from
# it, so a block's lock-in passes such a line at -12.6 dB (issue 15): no window
# over 32 ms can do better. The alert therefore works on the lock-in integrated
# over the last SPAN = 5 blocks (160 ms at the defaults) with the reference's phase
# carried from block to block: a whole number of 25 Hz periods, so every line
# 25 and 75 Hz away (50 Hz grids) falls on a null, and the 60 Hz grid's 95 Hz
# offset 38 dB down (sinc(15.2)). The per-block amplitudes (LENS frames, drive
# rule) stay one block's: the host filters its own (analysis/lens.py).
#
# Automatic drive level: the LED current of all three groups is full / 2**level
# (level 0..7, one shared reference: walls return every ring's light alike, so
# they clip the ADC together, and one level keeps the rings' ratio). After each
# block the level for the next one is chosen: one step dimmer when the block's
# highest sample reached the top of the ADC's linear range, one step brighter
# after a few blocks in which twice the LED light would still fit. The level of
# each block travels in its LENS frame, so the host scales the amplitudes back
# (docs/lens.md, "Drive level").

import micropython
from array import array
from micropython import const

from defaults import DRIVE_CALM_BLOCKS, DRIVE_LEVELS, DRIVE_LOWER_AT, DRIVE_RAISE_BELOW

GROUPS = const(3)
_SCALE = const(127)  # reference tables hold round(127 cos), round(127 sin)
# state words (array 'i'), shared with the viper code
_S_N = const(0)  # block length
_S_EMA0 = const(1)  # slow average of the inner ring's amplitude (x 16)
_S_EMA2 = const(2)  # slow average of the outer ring's amplitude (x 16)
_S_EX = const(3)  # average of the retro excess (x 16), stored + _EX_ZERO
# ptr32 loads are unsigned on 64-bit ports: the state holds no negative numbers
_EX_ZERO = const(0x20000000)
_S_DEV = const(4)  # average absolute deviation of the excess (x 16)
_S_ALERT = const(5)  # 1 while the excess stands out
_S_CLIP = const(6)  # 1 when the block held a clipped sample
_S_BLOCKS = const(7)  # blocks processed since reset
_S_LEVEL = const(8)  # drive level of the block being processed (current full / 2**level)
_S_NEXT = const(9)  # drive level chosen for the next block
_S_CALM = const(10)  # blocks in a row with room for a brighter level
_S_AUTO = const(11)  # 1: the level follows the light; 0: stays where configured
_S_SETTLE = const(12)  # 1 for the block after a level change: the alert skips it
_S_COUNT = const(13)  # words 1.._S_COUNT-1 are averages: reset() clears them
# the drive rule (defaults.DRIVE_*), copied into the state once: the viper code reads
# words, and the rule has one definition shared with the host
_S_TOP_LEVEL = const(13)  # DRIVE_LEVELS - 1, the dimmest level
_S_LOWER_AT = const(14)
_S_RAISE_BELOW = const(15)
_S_CALM_BLOCKS = const(16)
_S_RATE = const(17)  # sample rate (the reference phase's unit)
_S_SPAN_AT = const(18)  # ring slot of the next block
_S_WORDS = const(19)
SPAN = const(5)  # blocks integrated for the alert (see above)
_WARMUP = const(8)  # blocks before the alert may fire
_MIN_RISE = const(16)  # 2 counts (1/8 units) at least
_K_DEV = const(5)


_SINE = (  # round(127 sin(2 pi k / 256)), k = 0..255, as int8 two's complement
    b"\x00\x03\x06\x09\x0c\x10\x13\x16\x19\x1c\x1f\x22\x25\x28\x2b\x2e"
    b"\x31\x33\x36\x39\x3c\x3f\x41\x44\x47\x49\x4c\x4e\x51\x53\x55\x58"
    b"\x5a\x5c\x5e\x60\x62\x64\x66\x68\x6a\x6b\x6d\x6f\x70\x71\x73\x74"
    b"\x75\x76\x78\x79\x7a\x7a\x7b\x7c\x7d\x7d\x7e\x7e\x7e\x7f\x7f\x7f"
    b"\x7f\x7f\x7f\x7f\x7e\x7e\x7e\x7d\x7d\x7c\x7b\x7a\x7a\x79\x78\x76"
    b"\x75\x74\x73\x71\x70\x6f\x6d\x6b\x6a\x68\x66\x64\x62\x60\x5e\x5c"
    b"\x5a\x58\x55\x53\x51\x4e\x4c\x49\x47\x44\x41\x3f\x3c\x39\x36\x33"
    b"\x31\x2e\x2b\x28\x25\x22\x1f\x1c\x19\x16\x13\x10\x0c\x09\x06\x03"
    b"\x00\xfd\xfa\xf7\xf4\xf0\xed\xea\xe7\xe4\xe1\xde\xdb\xd8\xd5\xd2"
    b"\xcf\xcd\xca\xc7\xc4\xc1\xbf\xbc\xb9\xb7\xb4\xb2\xaf\xad\xab\xa8"
    b"\xa6\xa4\xa2\xa0\x9e\x9c\x9a\x98\x96\x95\x93\x91\x90\x8f\x8d\x8c"
    b"\x8b\x8a\x88\x87\x86\x86\x85\x84\x83\x83\x82\x82\x82\x81\x81\x81"
    b"\x81\x81\x81\x81\x82\x82\x82\x83\x83\x84\x85\x86\x86\x87\x88\x8a"
    b"\x8b\x8c\x8d\x8f\x90\x91\x93\x95\x96\x98\x9a\x9c\x9e\xa0\xa2\xa4"
    b"\xa6\xa8\xab\xad\xaf\xb2\xb4\xb7\xb9\xbc\xbf\xc1\xc4\xc7\xca\xcd"
    b"\xcf\xd2\xd5\xd8\xdb\xde\xe1\xe4\xe7\xea\xed\xf0\xf4\xf7\xfa\xfd"
)


class LockIn:
    def __init__(self, block, rate_hz, freqs_hz):
        self.state = array("i", bytes(4 * _S_WORDS))
        self.amps = array("i", bytes(4 * GROUPS))  # last block, 1/8 count
        self.lit = array("i", bytes(4 * GROUPS))  # 1 if the group is lit
        # mains-rejecting amplitudes (1/8 count) over the last SPAN blocks, and
        # their state: per group the reference phase at the next block and its
        # step a block (units of 1 / rate turn), then SPAN x GROUPS x (I, Q)
        self.span_amps = array("i", bytes(4 * GROUPS))
        self._phase = array("i", bytes(4 * 2 * GROUPS))
        self._iq = array("i", bytes(4 * 2 * GROUPS * SPAN))
        self._acc = array("i", bytes(4 * 2 * GROUPS))  # this block's signed (I, Q)
        self._cos = None
        self._sin = None
        self.state[_S_AUTO] = 1
        self.state[_S_TOP_LEVEL] = DRIVE_LEVELS - 1
        self.state[_S_LOWER_AT] = DRIVE_LOWER_AT
        self.state[_S_RAISE_BELOW] = DRIVE_RAISE_BELOW
        self.state[_S_CALM_BLOCKS] = DRIVE_CALM_BLOCKS
        self.configure(block, rate_hz, freqs_hz)

    def configure(self, block, rate_hz, freqs_hz):
        """Reference tables for `block` samples at `rate_hz` (allocates)."""
        self._cos = None
        self._sin = None
        n = block
        cos_t = array("b", bytes(n * GROUPS))  # int8: 768 bytes each at 256 samples
        sin_t = array("b", bytes(n * GROUPS))
        for g in range(GROUPS):
            # integer phase in 1/256 turns: (i f mod rate) / rate, no floats
            f = freqs_hz[g]
            for i in range(n):
                k = (i * f) % rate_hz * 256 // rate_hz
                c = _SINE[(k + 64) & 255]
                s = _SINE[k]
                cos_t[g * n + i] = c - 256 if c > 127 else c
                sin_t[g * n + i] = s - 256 if s > 127 else s
        self._cos = cos_t
        self._sin = sin_t
        self.state[_S_N] = n
        self.state[_S_RATE] = rate_hz
        for g in range(GROUPS):
            self._phase[GROUPS + g] = (n * freqs_hz[g]) % rate_hz
        self.reset()

    def reset(self):
        s = self.state
        level = s[_S_LEVEL]
        auto = s[_S_AUTO]
        for i in range(1, _S_COUNT):
            s[i] = 0
        s[_S_EX] = _EX_ZERO
        for g in range(GROUPS):
            self.amps[g] = 0
            self.span_amps[g] = 0
            self._phase[g] = 0
        for i in range(len(self._iq)):
            self._iq[i] = _EX_ZERO
        s[_S_SPAN_AT] = 0
        s[_S_LEVEL] = level  # settings, not averages: kept
        s[_S_NEXT] = level
        s[_S_AUTO] = auto

    def set_lit(self, group, lit):
        self.lit[group] = 1 if lit else 0

    def set_auto(self, auto):
        self.state[_S_AUTO] = 1 if auto else 0

    @property
    def auto(self):
        """1 while the drive level follows the light, 0 while it stays put."""
        return self.state[_S_AUTO]

    @property
    def level(self):
        """Drive level of the block last processed."""
        return self.state[_S_LEVEL]

    @property
    def next_level(self):
        """Drive level the last block asks for (apply it, then `set_level`)."""
        return self.state[_S_NEXT]

    def set_level(self, level):
        """The LEDs now run at `level`: the alert's averages follow the light."""
        s = self.state
        old = s[_S_LEVEL]
        s[_S_LEVEL] = level
        s[_S_NEXT] = level
        s[_S_CALM] = 0
        if level == old:
            return
        s[_S_SETTLE] = 1
        k = level - old  # amplitudes scale by 2**-(level - old)
        for i in (_S_EMA0, _S_EMA2, _S_DEV):
            s[i] = s[i] >> k if k > 0 else s[i] << -k
        ex = s[_S_EX] - _EX_ZERO
        s[_S_EX] = (ex >> k if k > 0 else ex << -k) + _EX_ZERO
        iq = self._iq  # the integrated blocks follow the light too
        for i in range(len(iq)):
            v = iq[i] - _EX_ZERO
            iq[i] = (v >> k if k > 0 else v << -k) + _EX_ZERO

    @property
    def alert(self):
        return self.state[_S_ALERT] != 0

    @property
    def clipped(self):
        return self.state[_S_CLIP] != 0

    def process(self, samples):
        """Amplitudes of the block in `samples` (array 'H', 12-bit); updates the alert."""
        _process(samples, self._cos, self._sin, self.amps, self.lit, self.state, self._acc)
        _span(self.lit, self.state, self._acc, self._phase, self._iq, self.span_amps, _SINE)


@micropython.viper
def _isqrt(x: int) -> int:
    if x <= 0:
        return 0
    r = x
    y = (r + 1) >> 1
    while y < r:
        r = y
        y = (r + x // r) >> 1
    return r


@micropython.viper
def _process(samples, cos_t, sin_t, amps, lit, state, acc_buf):
    x = ptr16(samples)
    c = ptr8(cos_t)
    s = ptr8(sin_t)
    a = ptr32(amps)
    on = ptr32(lit)
    st = ptr32(state)
    acc = ptr32(acc_buf)
    n = st[_S_N]
    total = 0
    clip = 0
    hi = 0
    for i in range(n):
        v = x[i]
        total += v
        if v > hi:
            hi = v
        if v >= 4095 or v == 0:
            clip = 1
    mean = total // n
    # 2 / (n 127) turns the correlation into the fundamental's amplitude; x 8 for
    # 1/8-count units: divide by n 127 / 16 (kept in 31 bits for n <= 1024)
    den = (n * _SCALE) >> 4
    for g in range(GROUPS):
        base = g * n
        acc_c = 0
        acc_s = 0
        for i in range(n):
            v = int(x[i]) - mean
            cv = int(c[base + i])
            if cv & 0x80:
                cv -= 0x100
            sv = int(s[base + i])
            if sv & 0x80:
                sv -= 0x100
            acc_c += v * cv
            acc_s += v * sv
        # signed correlations for _span, stored + _EX_ZERO (ptr32 loads are
        # unsigned on 64-bit ports); /4 keeps them inside 30 bits for n <= 1024
        acc[2 * g] = (acc_c >> 2) + _EX_ZERO
        acc[2 * g + 1] = (acc_s >> 2) + _EX_ZERO
        if acc_c < 0:
            acc_c = 0 - acc_c
        if acc_s < 0:
            acc_s = 0 - acc_s
        ic = acc_c // den
        isn = acc_s // den
        if on[g] == 0:
            a[g] = 0
        else:
            a[g] = int(_isqrt(ic * ic + isn * isn))
    st[_S_CLIP] = clip
    blocks = st[_S_BLOCKS] + 1
    st[_S_BLOCKS] = blocks
    # the next block's drive level
    level = st[_S_LEVEL]
    want = level
    calm = st[_S_CALM]
    if st[_S_AUTO]:
        if hi >= st[_S_LOWER_AT]:
            calm = 0
            if level < st[_S_TOP_LEVEL]:
                want = level + 1
        else:
            # a square wave's peak is pi/2 its fundamental: the LEDs' share of the
            # highest sample, counts (amplitudes in 1/8 count: x pi/16 ~ 201/1024)
            peak = ((a[0] + a[1] + a[2]) * 201) >> 10
            if level > 0 and hi + peak < st[_S_RAISE_BELOW]:
                calm += 1
                if calm >= st[_S_CALM_BLOCKS]:
                    want = level - 1
                    calm = 0
            else:
                calm = 0
    st[_S_CALM] = calm
    st[_S_NEXT] = want


@micropython.viper
def _span(lit, state, acc_buf, phase_buf, iq_buf, span_buf, sine):
    """The block's (I, Q) turned to the reference phase carried across blocks
    (cos/sin of 1/256 turns from the int8 sine table) into the ring of SPAN
    blocks; their sum's amplitude (span_amps); then the glint alert on it."""
    on = ptr32(lit)
    st = ptr32(state)
    acc = ptr32(acc_buf)
    ph = ptr32(phase_buf)
    iq = ptr32(iq_buf)
    sa = ptr32(span_buf)
    sn = ptr8(sine)
    n = st[_S_N]
    rate = st[_S_RATE]
    slot = st[_S_SPAN_AT]
    blocks = st[_S_BLOCKS]
    den = (n * _SCALE) >> 4
    filled = blocks
    if filled > SPAN:
        filled = SPAN
    dd = (filled * den) >> 5
    for g in range(GROUPS):
        k = (ph[g] * 256) // rate
        ck = int(sn[(k + 64) & 255])
        if ck & 0x80:
            ck -= 0x100
        sk = int(sn[k & 255])
        if sk & 0x80:
            sk -= 0x100
        c7 = (acc[2 * g] - _EX_ZERO) >> 5  # (acc / 4) / 32 = acc / 128
        s7 = (acc[2 * g + 1] - _EX_ZERO) >> 5
        at = (slot * GROUPS + g) * 2
        iq[at] = ((c7 * ck - s7 * sk) >> 7) + _EX_ZERO  # stored + _EX_ZERO (ptr32)
        iq[at + 1] = ((c7 * sk + s7 * ck) >> 7) + _EX_ZERO
        p2 = ph[g] + ph[GROUPS + g]
        if p2 >= rate:
            p2 -= rate
        ph[g] = p2
        sc = 0
        ss = 0
        j = 0
        while j < SPAN:
            sc += iq[(j * GROUPS + g) * 2] - _EX_ZERO
            ss += iq[(j * GROUPS + g) * 2 + 1] - _EX_ZERO
            j += 1
        if sc < 0:
            sc = 0 - sc
        if ss < 0:
            ss = 0 - ss
        if on[g] == 0 or dd == 0:
            sa[g] = 0
        else:
            i2 = (sc << 2) // dd
            q2 = (ss << 2) // dd
            sa[g] = int(_isqrt(i2 * i2 + q2 * q2))
    slot += 1
    if slot >= SPAN:
        slot = 0
    st[_S_SPAN_AT] = slot
    if st[_S_SETTLE]:  # the LED current was still settling to the new level
        st[_S_SETTLE] = 0
        st[_S_ALERT] = 0
        return
    if on[0] == 0 or on[2] == 0 or st[_S_CLIP]:
        st[_S_ALERT] = 0
        return
    a0 = sa[0] << 4  # the alert: amplitudes clear of mains flicker (SPAN blocks)
    a2 = sa[2] << 4
    ema0 = st[_S_EMA0]
    ema2 = st[_S_EMA2]
    if blocks == 1:
        ema0 = a0
        ema2 = a2
    else:
        ema0 += (a0 - ema0) >> 6  # the walls' ratio: slow (about 2 s)
        ema2 += (a2 - ema2) >> 6
    st[_S_EMA0] = ema0
    st[_S_EMA2] = ema2
    den2 = ema2 >> 4
    if den2 < 1:
        den2 = 1
    excess = a0 - (a2 * (ema0 >> 4)) // den2
    ex = st[_S_EX] - _EX_ZERO
    dev = st[_S_DEV]
    rise = excess - ex
    alert = 0
    if blocks > _WARMUP and rise > (_MIN_RISE << 4) and rise > _K_DEV * dev:
        alert = 1
    st[_S_ALERT] = alert
    if not alert:  # a glint does not teach the background
        ex += rise >> 3
        d = rise
        if d < 0:
            d = 0 - d
        dev += (d - dev) >> 4
        st[_S_EX] = ex + _EX_ZERO
        st[_S_DEV] = dev
