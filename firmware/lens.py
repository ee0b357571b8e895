# On-device lens finder: a lock-in amplitude per LED group from each block of
# photodiode samples, and a glint alert (docs/lens.md, "On the device").
#
# configure() builds the reference tables (int8, 2 x 3 x block bytes, from a
# 256-entry sine table with an integer phase; allocation, once); process() then
# runs in viper without touching the heap: one pass for the block's mean, one pass
# correlating with cos/sin of each group's frequency. Amplitudes are in 1/8 ADC
# count (fundamental of each group's return).
#
# The alert is the ring-profile test of a retro-reflector (issue 16). Each ring's
# return is predicted from the outer ring's by the walls' ratio of the last blocks
# (a running ratio, 1/8 a block, that a glint does not teach: the rings calibrate
# each other on the walls); what a ring gets beyond that is its excess. A lens
# returns its light into a narrow cone around the source, so the inner ring's
# excess rises while the outer ring's light does not rise with it (a rise the
# outer ring shares is what the prediction removes), and the middle ring's excess
# holds -0.1 .. 0.4 of the inner ring's (its share of the cone's halo: none far
# off, up to about a third at arm's length). A mirror, a window or a TV faced
# squarely, and the walls, light the rings by their aim, not their radius: their
# excesses come from the rings' aim differences, in which the middle ring moves as
# much as the inner one or more (in the simulator's build about 1.7 x), or the
# inner ring's is negative. The alert fires when the inner excess stands _K_DEV x
# its usual deviation and at least _MIN_RISE above the prediction while the middle
# ring's lies in that band, for _PERSIST blocks in a row. The ratios hold at any
# drive level, so a level change leaves them alone; a ratio (not a running level
# of the excess) also follows the walls' light when it changes tenfold.
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
# Stalls: a Wi-Fi scan (radios.py) stops sampling for about 1.6 s; the sampler
# then skips the lost slots (its `missed` count). The carried phase no longer
# matches the LEDs', and the integrated blocks saw another part of the room, so
# process() takes that count and, when it changed, starts the integration and the
# walls' ratios again (the beam turned by up to 100 degrees meanwhile): no alert
# for _WARMUP blocks.
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
# state words (array 'i'), shared with the viper code; amplitudes x 16 (1/128 count)
# ptr32 loads are unsigned on 64-bit ports: the state holds no negative numbers,
# signed words are stored + _EX_ZERO
_EX_ZERO = const(0x20000000)
_S_N = const(0)  # block length
_S_K0 = const(1)  # the walls' ratio inner / outer ring, x 4096 (0: not known yet)
_S_K1 = const(2)  # the walls' ratio middle / outer ring, x 4096
_S_DEV0 = const(3)  # average absolute deviation of the inner ring's excess (x 16)
_S_DEV1 = const(4)  # ... of the middle ring's excess (x 16)
_S_ALERT = const(5)  # 1 while a retro-reflector's glint stands out
_S_CLIP = const(6)  # 1 when the block held a clipped sample
_S_BLOCKS = const(7)  # blocks processed since reset or a stall
_S_RUN = const(8)  # blocks in a row that passed the ring-profile test
_S_FILLED = const(9)  # blocks in the integration since it (re)started, up to SPAN
_S_MISSED = const(10)  # the sampler's missed-slot count at the last block
_S_CALM = const(11)  # blocks in a row with room for a brighter level
_S_SETTLE = const(12)  # 1 for the block after a level change: the alert skips it
_S_COUNT = const(13)  # words 1.._S_COUNT-1 are averages and counters: reset() clears them
# settings, kept by reset()
_S_LEVEL = const(13)  # drive level of the block being processed (current full / 2**level)
_S_NEXT = const(14)  # drive level chosen for the next block
_S_AUTO = const(15)  # 1: the level follows the light; 0: stays where configured
# the drive rule (defaults.DRIVE_*), copied into the state once: the viper code reads
# words, and the rule has one definition shared with the host
_S_TOP_LEVEL = const(16)  # DRIVE_LEVELS - 1, the dimmest level
_S_LOWER_AT = const(17)
_S_RAISE_BELOW = const(18)
_S_CALM_BLOCKS = const(19)
_S_RATE = const(20)  # sample rate (the reference phase's unit)
_S_SPAN_AT = const(21)  # ring slot of the next block
_S_WORDS = const(22)
SPAN = const(5)  # blocks integrated for the alert (see above)
# The alert's thresholds (tuned on generated rooms, docs/benchmarks.md "Device
# glint alert"; amplitudes x 16 of 1/8 count, i.e. 1/128 count):
_WARMUP = const(16)  # blocks (0.5 s) after START or a stall: the walls' ratios settle
_RATIO_AT = const(128)  # the ratios learn where the outer ring reads a count or more
_K_MAX = const(16384)  # a walls' ratio at most 4 (x 4096): keeps products in 31 bits
_MIN_RISE = const(128)  # one count at the block's drive level: the ADC's step
_K_DEV = const(4)  # the inner excess over 4 x its average absolute deviation
_MID_HI = const(4)  # the middle ring's share of the inner's excess at most 0.4 (tenths)
_MID_LO = const(1)  # ... and at least -0.1 (tenths): a lens never takes light away
_MID_DEV = const(1)  # ... give or take the middle excess's own deviation (its noise)
_PERSIST = const(2)  # blocks in a row: a glint spans the 5-block integration, noise rarely

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
        for i in (_S_DEV0, _S_DEV1):  # (the ratios hold at any level)
            s[i] = s[i] >> k if k > 0 else s[i] << -k
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

    def process(self, samples, missed=0):
        """Amplitudes of the block in `samples` (array 'H', 12-bit); updates the alert.
        `missed`: the sampler's count of skipped slots (Sampler.missed); when it
        changed, sampling stalled before this block: the integration and the
        walls' ratios start again, and the alert waits _WARMUP blocks."""
        s = self.state
        if missed != s[_S_MISSED]:  # the beam faces another part of the room now:
            s[_S_MISSED] = missed  # integrate and learn the walls' ratios afresh
            s[_S_FILLED] = 0
            s[_S_RUN] = 0
            s[_S_BLOCKS] = 0
            s[_S_K0] = 0
            s[_S_K1] = 0
            iq = self._iq
            for i in range(len(iq)):
                iq[i] = _EX_ZERO
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
    filled = st[_S_FILLED]  # blocks in the integration (it restarts after a stall)
    if filled < SPAN:
        filled += 1
        st[_S_FILLED] = filled
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
        st[_S_RUN] = 0
        return
    if on[0] == 0 or on[1] == 0 or on[2] == 0 or st[_S_CLIP]:  # no profile to judge
        st[_S_ALERT] = 0
        st[_S_RUN] = 0
        return
    a0 = sa[0] << 4  # the alert: amplitudes clear of mains flicker (SPAN blocks)
    a1 = sa[1] << 4
    a2 = sa[2] << 4
    # each ring's excess over the walls' prediction from the outer ring: the walls'
    # ratios of the last blocks (x 4096; a2 / 4 x k / 1024 keeps products in 31 bits)
    k0 = st[_S_K0]
    k1 = st[_S_K1]
    learn = a2 >= _RATIO_AT
    if k0 == 0 and k1 == 0:  # the first block with light on the outer ring
        if not learn:
            st[_S_ALERT] = 0
            return
        k0 = (a0 << 12) // a2
        k1 = (a1 << 12) // a2
        if k0 > _K_MAX:
            k0 = _K_MAX
        if k1 > _K_MAX:
            k1 = _K_MAX
    q = a2 >> 2
    e0 = a0 - ((q * k0) >> 10)
    e1 = a1 - ((q * k1) >> 10)
    dev0 = st[_S_DEV0]
    dev1 = st[_S_DEV1]
    cand = 0
    if blocks > _WARMUP and filled >= SPAN and e0 > _MIN_RISE and e0 > _K_DEV * dev0:
        # the ring profile: the middle ring's excess within -0.1 .. 0.4 of the inner's
        slack = 10 * _MID_DEV * dev1
        if 10 * e1 <= _MID_HI * e0 + slack and 10 * e1 >= 0 - _MID_LO * e0 - slack:
            cand = 1
    run = 0
    if cand:
        run = st[_S_RUN] + 1
    st[_S_RUN] = run
    alert = 0
    if run >= _PERSIST:
        alert = 1
    st[_S_ALERT] = alert
    if not cand:  # a glint does not teach the walls' ratios
        if learn:
            k0 += (((a0 << 12) // a2) - k0) >> 3
            k1 += (((a1 << 12) // a2) - k1) >> 3
        if e0 < 0:
            e0 = 0 - e0
        if e1 < 0:
            e1 = 0 - e1
        st[_S_DEV0] = dev0 + ((e0 - dev0) >> 4)
        st[_S_DEV1] = dev1 + ((e1 - dev1) >> 4)
    if k0 > _K_MAX:
        k0 = _K_MAX
    if k1 > _K_MAX:
        k1 = _K_MAX
    if k0 < 1:
        k0 = 1
    if k1 < 1:
        k1 = 1
    st[_S_K0] = k0
    st[_S_K1] = k1
