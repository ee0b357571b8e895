"""Signal source of the room simulator: what the simulated device's ADCs read.

Why this module is long: it is one signal chain (burst processes of every
emitter kind, path loss, detector, RC filter, ADC) whose envelope models share
the seeded block machinery of `_Process`; the parts that stand alone already live
apart (walls, the unit's laws, power control, the video-frame model, optics).

`FeedGenerator` turns a `Scenario` into the feed of the simulated board
(sim/mpboard/board.py): FEED_COLUMNS little-endian uint16 per step of `step_us`
microseconds, (RF detector ADC value, photodiode ADC value with every LED off,
flags, then per LED group the photodiode counts x 16 that group's light adds while
the group is on at full LED current, coded by `optics.feed_code`, then the RF
detector ADC value with the switchable pad in, PAD_DB down: the board reads it
while the firmware has the rf_attenuator pin low), the ADC values
as MicroPython's ``ADC.read_u16()`` returns them (12-bit count << 4) and flags
bit 0 set while the button is held. The board adds
the returns of the groups its PWM has on at the moment of each read
(sim/optics.py: lenses, walls, specular clutter, ambient light). Scenario time
zero is step 0.

Chain for the RF column, per step:
  emitter on/off envelope (kind-specific burst process)
  (x the kind's power-control gain, sim/power_control.py, when it has one)
  x received power (log-distance path loss at the device's position, plus the
    loss of the wall crossed, sim/walls.py, the unit's intercept at the carrier,
    sim/unit.py, and the multipath fading there, sim/fading.py, when the scenario
    gives [walls] / [detector] / fading_k_db)
  + noise floor, summed as linear power              -> rf_dbm()
  -> AD8318-class log detector (slope, intercept, soft-clipped output swing)
  + detector noise -> first-order video/anti-alias RC low-pass
  -> ESP32 ADC at 11 dB attenuation: the chip's ESP-IDF characteristic at the
     default Vref 1100 mV (sim/unit.py: dead zone below its 142 mV offset, its
     lookup-table bend above 2880 counts), or at the unit's own eFuse Vref
     ([detector] adc_law = "esp-idf"); + count noise, 12 bits.

Determinism: all randomness comes from generators seeded with (seed, purpose,
emitter, absolute block index), bursts per 0.1 s block of scenario time and noise
per render block of ``round(0.1 s / step)`` steps; the RC filter state carries over
from block to block. The output therefore depends only on the scenario and the
seed, never on how the caller cuts it into chunks.

Physics facts and sources: docs/sources.md ("ref §n" = section n)
(sections 1, 2, 6, 7), cited as "ref §n" below.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
from scipy.signal import lfilter, lfilter_zi

from roomsweep.sim import optics
from roomsweep.sim.fading import DEFAULT_BANDWIDTH_MHZ, DEFAULT_DELAY_SPREAD_NS, MultipathField
from roomsweep.sim.kinds import check_params
from roomsweep.sim.power_control import PowerWalk, SubframePower
from roomsweep.sim.scenario import Emitter, Scenario
from roomsweep.sim.unit import VREF_NOMINAL_MV, DetectorUnit, esp_idf_counts
from roomsweep.sim.walls import path_wall_loss_db
from roomsweep.sim.wifi_video import VideoStream

BLOCK_S = 0.1  # randomness of the bursts is drawn per emitter per 0.1 s of scenario time
FEED_DTYPE = np.dtype("<u2")
FLAG_BUTTON = 1
# rf, photodiode base, flags, return of LED group 0, 1, 2, rf with the pad in
FEED_COLUMNS = 7
PADDED_COLUMN = 6
LED_GROUPS = 3

# --- RF detector: AD8318 (ref §1; AD8318 datasheet: -25 mV/dB, intercept ~ +20 dBm,
# output 0.5 V (strong) ... 2.1 V (weak); cheap modules measure 2.10 V at minimum
# input and ~0.6 V at maximum, siliconchip.com.au "El Cheapo Modules 14").
DET_SLOPE_V_PER_DB = -0.025
DET_INTERCEPT_DBM = 20.0
DET_V_MIN = 0.5
DET_V_MAX = 2.1
DET_KNEE_V = 0.03  # softness of the clipping at both ends (~1.2 dB) [assumed]
DET_NOISE_V = 0.002  # output noise after the RC filter, "a few mV" [assumed]
# The detector itself responds in ~10 ns (ref §1), so the envelope reaching the ADC
# is shaped by the RC anti-alias stage the reference recommends [derived]: 40 us.
VIDEO_TAU_S = 40e-6
# The switchable pad in front of the detector (hardware/README.md "Attenuator"):
# the HMC624A step attenuator's 16 dB and 4 dB bits, 20 dB relative to its
# reference state (HMC624A datasheet). Its insertion loss is in the path in both
# states and is part of the unit's intercept, so only the 20 dB switches.
PAD_DB = 20.0

# --- ESP32 ADC, ATTN_11DB (ref §2, micropython docs/esp32/quickref.rst: linear
# 150-2450 mV; less linear near the top). The transfer is the chip's ESP-IDF
# characteristic at the default Vref (sim/unit.py, sources there): count =
# (mV - 142) / 0.8056 up to 2880 counts (about 2462 mV), reading 0 at and below
# the 142 mV offset, then ESP-IDF's lookup table to 4095 at about 3.13 V. It is
# the law the host decodes with when told nothing else (protocol/calibration.py,
# firmware/defaults.py CALIBRATION), so simulated levels come back exact as on a
# nominal chip.
ADC_MAX_COUNT = 4095
ADC_NOISE_LSB = 2  # uniform integer noise in -2..+2 counts [assumed; forum reports
# up to ~25 LSB on noisy boards, ref §2]
ADC_U16_SHIFT = 4  # read_u16() scales the 12-bit count to 16 bits (quickref)


# --- path loss (ref §7): PL(d) = FSPL(1 m, f) + 10 n log10(d / 1 m) + X_sigma,
# FSPL(dB) = 20 log10(d_km) + 20 log10(f_MHz) + 32.44, so at 1 m (d_km = 1e-3):
FSPL_1M_OFFSET_DB = 32.44 - 60.0
MIN_DISTANCE_M = 0.1

# Seed purposes (second word of every seed).
_SEED_SHADOW, _SEED_PHASE, _SEED_BURSTS, _SEED_EVENTS, _SEED_NOISE = 1, 2, 3, 4, 5
_SEED_VIDEO = 6  # 7: sim/power_control.py
_SEED_FADING = 8
_INDEX_OFFSET = 1 << 40  # block indices can be negative (-1 at t = 0); seeds cannot


def _rng(*words: int) -> np.random.Generator:
    return np.random.default_rng([int(w) for w in words])


def fspl_1m_db(band_mhz: float) -> float:
    """Free-space path loss at 1 m: 31.5 dB at 900 MHz, 40.2 dB at 2.44 GHz (ref §7)."""
    return 20.0 * math.log10(band_mhz) + FSPL_1M_OFFSET_DB


def received_dbm(
    eirp_dbm: float, band_mhz: float, distance_m, exponent: float, loss_db: float = 0.0
):
    """Mean power at the detector input while the transmitter is on: free-space
    loss at 1 m, then 10 n log10(d) (log-distance model, ref §7); distances below
    MIN_DISTANCE_M are clipped. The one law used by the simulator and the budgets."""
    d = np.maximum(np.asarray(distance_m, dtype=float), MIN_DISTANCE_M)
    return eirp_dbm - loss_db - fspl_1m_db(band_mhz) - 10.0 * exponent * np.log10(d)


def detector_volts(dbm: np.ndarray) -> np.ndarray:
    """Log detector output for input power `dbm` (no noise, no filter)."""
    v = DET_SLOPE_V_PER_DB * (np.asarray(dbm, dtype=float) - DET_INTERCEPT_DBM)
    k = DET_KNEE_V
    # lo + softplus(v - lo) - softplus(v - hi): v in the middle, smooth at both ends
    return (
        DET_V_MIN
        + k * np.logaddexp(0.0, (v - DET_V_MIN) / k)
        - k * np.logaddexp(0.0, (v - DET_V_MAX) / k)
    )


def adc_counts(volts: np.ndarray) -> np.ndarray:
    """Noise-free ESP32 ADC transfer (ATTN_11DB) of the nominal chip (Vref 1100 mV),
    float counts 0..4095."""
    return esp_idf_counts(volts, VREF_NOMINAL_MV)


def adc_u16(
    volts: np.ndarray, noise_lsb: np.ndarray | int = 0, unit: DetectorUnit | None = None
) -> np.ndarray:
    """What read_u16() returns for `volts`, with integer count noise added: the
    nominal chip's law, or the unit's own eFuse Vref (sim/unit.py, [detector])."""
    vref = VREF_NOMINAL_MV
    if unit is not None and unit.adc_law == "esp-idf":
        vref = unit.adc_vref_mv
    c = np.rint(esp_idf_counts(volts, vref)) + noise_lsb
    np.clip(c, 0, ADC_MAX_COUNT, out=c)
    return c.astype(np.uint16) << ADC_U16_SHIFT


# --- burst processes ----------------------------------------------------------------


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, non-overlapping union of the intervals [start, end)."""
    if starts.size <= 1:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    np.greater(s[1:], reach[:-1], out=new[1:])
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, s.size - 1)
    return s[first], reach[last]


class _Process:
    """On/off envelope at the transmitter, as bursts [start, end) in seconds.

    Each burst belongs to the block (of BLOCK_S) its start falls in, or its nominal
    start for jittered ones, and ends at most `reach_s` after its block's end.
    """

    reach_s = 0.0
    period_s = 1.0  # for the random phase

    def __init__(self, p: dict, words: tuple[int, ...]):
        self.p = p
        self.words = words  # (seed, emitter key)
        self.phase = float(_rng(words[0], _SEED_PHASE, words[1]).random()) * self.period_s
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _block_rng(self, k: int) -> np.random.Generator:
        return _rng(self.words[0], _SEED_BURSTS, self.words[1], k + _INDEX_OFFSET)

    def _make(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def bursts(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        got = self._cache.get(k)
        if got is None:
            got = self._make(k)
            self._cache[k] = got
        return got

    def _frames(self, k: int, frame_s: float) -> np.ndarray:
        """Indices m of the frames phase + m * frame_s that start in block k."""
        t0, t1 = k * BLOCK_S, (k + 1) * BLOCK_S
        m0 = math.ceil((t0 - self.phase) / frame_s)
        m1 = math.ceil((t1 - self.phase) / frame_s)
        return np.arange(m0, m1, dtype=np.int64)

    def gain_db(self, t: np.ndarray) -> np.ndarray | None:
        """The transmit level relative to eirp_dbm at times `t` (None: always 0 dB)."""
        return None

    def on(self, t: np.ndarray) -> np.ndarray:
        """Whether the transmitter is on at each time in `t` (any order)."""
        if t.size == 0:
            return np.zeros(t.shape, dtype=bool)
        k0 = math.floor((float(t.min()) - self.reach_s) / BLOCK_S)
        k1 = math.floor(float(t.max()) / BLOCK_S)
        parts = [self.bursts(k) for k in range(k0, k1 + 1)]
        if len(self._cache) > 64:
            for k in [k for k in self._cache if k < k0 - 1 or k > k1 + 1]:
                del self._cache[k]
        starts = np.concatenate([s for s, _ in parts])
        ends = np.concatenate([e for _, e in parts])
        if starts.size == 0:
            return np.zeros(t.shape, dtype=bool)
        starts, ends = _merge(starts, ends)
        i = np.searchsorted(starts, t, side="right") - 1
        return (i >= 0) & (t < ends[np.maximum(i, 0)])


class _Periodic(_Process):
    """One slot per TDMA frame: GSM handset/bug and DECT base (ref §6).

    GSM: frame 120/26 ms = 4.615 ms, slot 577 us (1/8 duty), so lines at 216.7 Hz
    and harmonics; in the 26-frame traffic multiframe frame 25 is idle, adding the
    8.33 Hz line (ref §6: emf-portal.org glossary 2793, earchiv.cz; 3GPP TS 45.002).
    DECT: frame 10 ms, 24 slots of 417 us; an idle base sends a dummy bearer every
    frame, so 100 Hz and harmonics (ref §6: ktet.fh-muenster.de 14.2).
    """

    def __init__(
        self,
        p: dict,
        words: tuple[int, ...],
        frame_s: float,
        slot_s: float,
        idle_every: int = 0,
        group_frames: int = 0,
        burst_frames: int = 1,
    ):
        self.period_s = frame_s
        self.slot_s = slot_s
        self.idle_every = idle_every
        self.group_frames = group_frames
        self.burst_frames = burst_frames
        self.reach_s = slot_s
        super().__init__(p, words)
        self._walk = (
            PowerWalk(p.get("pc_period_ms", 480.0) * 1e-3, p["pc_range_db"], words)
            if p.get("pc_range_db")
            else None
        )

    def gain_db(self, t):
        return None if self._walk is None else self._walk.gain_db(t)

    def _make(self, k):
        m = self._frames(k, self.period_s)
        if self.idle_every:
            m = m[m % self.idle_every != self.idle_every - 1]
        if self.group_frames:
            # idle signalling: a few consecutive frames per multiframe only
            m = m[m % self.group_frames < self.burst_frames]
        if self.p.get("dtx"):
            # GSM DTX in speech pauses (3GPP TS 45.008 clause 8.3, TS 46.031): only the
            # SACCH frame of each 26-frame multiframe and the SID frames 52-59 of each
            # 104-frame (480 ms) block are sent
            m = m[(m % 26 == 12) | ((m % 104 >= 52) & (m % 104 <= 59))]
        starts = self.phase + m * self.period_s
        return starts, starts + self.slot_s


class _WifiAp(_Process):
    """Beacons every beacon_interval_tu x 1024 us (100 TU = 102.4 ms, cwnp.com via
    ref §6), each delayed 0..jitter_ms when the medium is busy, ~1.5 ms long at
    1 Mb/s (ref §6 [derived]); plus Poisson data bursts of 0.1..data_ms_max ms."""

    def __init__(self, p, words):
        self.period_s = p["beacon_interval_tu"] * 1.024e-3
        self.reach_s = (p["beacon_ms"] + p["jitter_ms"] + p["data_ms_max"]) * 1e-3
        super().__init__(p, words)

    def _make(self, k):
        p = self.p
        rng = self._block_rng(k)
        m = self._frames(k, self.period_s)
        b_start = self.phase + m * self.period_s + rng.uniform(0, p["jitter_ms"] * 1e-3, m.size)
        b_end = b_start + p["beacon_ms"] * 1e-3
        n = rng.poisson(p["data_rate_hz"] * BLOCK_S)
        d_start = rng.uniform(k * BLOCK_S, (k + 1) * BLOCK_S, n)
        d_max = p["data_ms_max"] * 1e-3
        d_end = d_start + rng.uniform(min(1e-4, d_max), d_max, n)
        return np.concatenate([b_start, d_start]), np.concatenate([b_end, d_end])


class _WifiCamera(_Process):
    """Streaming video: back-to-back bursts of burst_min..burst_max ms with
    exponential gaps; the duty (20-60 % by default) changes every block as the
    encoder's bit rate follows the scene (VBR, ref §6: DeWiCam / hiddenwebcam)."""

    def __init__(self, p, words):
        self.reach_s = p["burst_max_ms"] * 1e-3
        super().__init__(p, words)
        self.duty = (p["duty"], p["duty"]) if "duty" in p else (p["duty_min"], p["duty_max"])

    def _make(self, k):
        p = self.p
        rng = self._block_rng(k)
        duty = rng.uniform(*self.duty)
        b_lo, b_hi = p["burst_min_ms"] * 1e-3, p["burst_max_ms"] * 1e-3
        mean_burst = 0.5 * (b_lo + b_hi)
        mean_gap = mean_burst * (1.0 - duty) / duty
        t0, t1 = k * BLOCK_S, (k + 1) * BLOCK_S
        starts_all, ends_all = [], []
        t = t0
        n = int(BLOCK_S / (mean_burst + mean_gap) * 1.5) + 16
        while t < t1:
            gaps = rng.exponential(mean_gap, n) if mean_gap > 0 else np.zeros(n)
            durs = rng.uniform(b_lo, b_hi, n)
            steps = gaps + durs
            starts = t + np.cumsum(steps) - durs
            starts_all.append(starts)
            ends_all.append(starts + durs)
            t = float(starts[-1] + durs[-1])
        starts, ends = np.concatenate(starts_all), np.concatenate(ends_all)
        keep = starts < t1
        return starts[keep], ends[keep]


class _WifiVideo(_Process):
    """A Wi-Fi camera streaming video frame by frame (a wifi_camera with phy_mbps):
    the bursts of video frame n come from sim/wifi_video.VideoStream, seeded per
    frame, and belong to the block the frame's nominal time falls in."""

    def __init__(self, p, words):
        self.stream = VideoStream(p)
        self.period_s = self.stream.period_s
        self.reach_s = self.stream.reach_s
        super().__init__(p, words)

    def _make(self, k):
        parts = [
            self.stream.frame_bursts(
                _rng(self.words[0], _SEED_VIDEO, self.words[1], int(n) + _INDEX_OFFSET),
                int(n),
                self.phase,
            )
            for n in self._frames(k, self.period_s)
        ]
        if not parts:
            return np.empty(0), np.empty(0)
        return np.concatenate([s for s, _ in parts]), np.concatenate([e for _, e in parts])


class _Ble(_Process):
    """Advertising: events every interval_ms + advDelay (uniform 0..10 ms, accumulating),
    each event pdus x ~0.3 ms PDUs on channels 37/38/39 (ref §6: onsemi RSL10 KB,
    rfessentials; interval 20 ms..10.24 s). The event times form a random walk, so
    they are drawn in groups of _GROUP events (seeded per group) and kept."""

    _GROUP = 256

    def __init__(self, p, words):
        self.period_s = p["interval_ms"] * 1e-3
        self.reach_s = ((p["pdus"] - 1) * p["pdu_spacing_ms"] + p["pdu_ms"]) * 1e-3
        super().__init__(p, words)
        self._events = np.empty(0)
        self._next_event = self.phase
        self._groups = 0

    def _extend_to(self, t_end: float) -> None:
        parts = [self._events]
        while self._next_event < t_end:
            rng = _rng(self.words[0], _SEED_EVENTS, self.words[1], self._groups)
            steps = self.period_s + rng.uniform(0, self.p["adv_delay_ms"] * 1e-3, self._GROUP)
            times = self._next_event + np.concatenate(([0.0], np.cumsum(steps[:-1])))
            parts.append(times)
            self._next_event = float(times[-1] + steps[-1])
            self._groups += 1
        if len(parts) > 1:
            self._events = np.concatenate(parts)

    def _make(self, k):
        t0, t1 = k * BLOCK_S, (k + 1) * BLOCK_S
        self._extend_to(t1)
        ev = self._events[np.searchsorted(self._events, t0) : np.searchsorted(self._events, t1)]
        offsets = np.arange(int(self.p["pdus"])) * self.p["pdu_spacing_ms"] * 1e-3
        starts = (ev[:, None] + offsets[None, :]).ravel()
        return starts, starts + self.p["pdu_ms"] * 1e-3


class _Slotted(_Process):
    """Random occupancy of a slot grid.

    Bluetooth Classic: 625 us slots (1600 hops/s), a single-slot DH1 packet lasts up
    to 366 us; a broadband detector sees every hop (ref §6: kunz-pc carleton).
    LTE UE: 1 ms subframes, each scheduled with probability `load` (ref §6).
    """

    def __init__(self, p, words, slot_s: float, burst_s: float, prob: float):
        self.period_s = slot_s
        self.burst_s = burst_s
        self.prob = prob
        self.reach_s = burst_s
        super().__init__(p, words)
        spread = float(p.get("pc_range_db") or 0.0)
        self._power = SubframePower(spread, self.phase, slot_s, words) if spread else None

    def gain_db(self, t):
        return None if self._power is None else self._power.gain_db(t)

    def _make(self, k):
        m = self._frames(k, self.period_s)
        m = m[self._block_rng(k).random(m.size) < self.prob]
        starts = self.phase + m * self.period_s
        return starts, starts + self.burst_s


class _Continuous(_Process):
    """Analog video transmitter: a continuous FM carrier, flat envelope (ref §6)."""

    def _make(self, k):
        return np.array([k * BLOCK_S]), np.array([(k + 1) * BLOCK_S])


def make_process(emitter: Emitter, seed: int) -> _Process:
    """The burst process of `emitter` (parameters: kind defaults, then its own)."""
    p = check_params(emitter.kind, emitter.params, f"emitter {emitter.id!r}")
    words = (seed, zlib.crc32(emitter.id.encode("utf-8")))
    kind = emitter.kind
    # The transmitter keeps its frames and slots on its own clock; the
    # detector samples on the ESP32's. On that axis a frame (GSM, DECT) or
    # slot (Bluetooth, LTE) lasts 1 + clock_ppm 1e-6 times its nominal length,
    # so a train's phase walks (10 ppm: 1.2 ms over a 2-minute sweep, a
    # quarter of a GSM frame). GSM, DECT and Bluetooth bursts and the
    # power-control timer keep nominal time (a nanosecond's difference); an
    # LTE burst is its whole subframe and stretches with it
    clock = 1.0 + float(p.get("clock_ppm", 0.0)) * 1e-6
    if kind == "gsm":
        return _Periodic(
            p,
            words,
            p["frame_us"] * 1e-6 * clock,
            p["slot_us"] * 1e-6,
            26 if p["idle_frame"] else 0,
            int(p["group_frames"]),
            int(p["burst_frames"]),
        )
    if kind == "dect":
        return _Periodic(p, words, p["frame_ms"] * 1e-3 * clock, p["slot_us"] * 1e-6)
    if kind == "wifi_ap":
        return _WifiAp(p, words)
    if kind == "wifi_camera":
        return _WifiVideo(p, words) if "phy_mbps" in p else _WifiCamera(p, words)
    if kind == "ble":
        return _Ble(p, words)
    if kind == "bt_classic":
        return _Slotted(p, words, 625e-6 * clock, p["burst_us"] * 1e-6, p["occupancy"])
    if kind == "lte":
        return _Slotted(p, words, 1e-3 * clock, 1e-3 * clock, p["load"])
    if kind == "analog_video":
        return _Continuous(p, words)
    raise ValueError(f"no signal model for emitter kind {kind!r}")


class _Source:
    """One emitter as the device sees it: envelope x mean received power."""

    def __init__(self, emitter: Emitter, scenario: Scenario, seed: int):
        self.process = make_process(emitter, seed)
        self.position = np.asarray(emitter.position_m, dtype=float)
        shadow = 0.0
        if scenario.shadowing_db > 0:
            # log-normal shadowing X_sigma (ref §7), fixed per emitter, clipped at
            # 2 sigma so that one unlucky draw does not dominate a whole scenario
            key = zlib.crc32(emitter.id.encode("utf-8"))
            sigma = scenario.shadowing_db
            shadow = float(
                np.clip(_rng(seed, _SEED_SHADOW, key).normal(0.0, sigma), -2 * sigma, 2 * sigma)
            )
        self.shadow_db = shadow
        self.exponent = scenario.exponent
        self.emitter = emitter
        self.walls = scenario.walls
        self.room_size = scenario.room_size_m
        # the unit's detector intercept at this carrier (sim/unit.py): +1 dB of
        # intercept reads as 1 dB less input power
        unit = scenario.detector
        self.intercept_db = unit.intercept_offset_db(emitter.band_mhz) if unit else 0.0
        self.fading: MultipathField | None = None
        if emitter.fading_k_db is not None:
            key = zlib.crc32(emitter.id.encode("utf-8"))
            self.fading = MultipathField(
                emitter.position_m,
                emitter.band_mhz,
                emitter.bandwidth_mhz or DEFAULT_BANDWIDTH_MHZ[emitter.kind],
                emitter.fading_k_db,
                (scenario.delay_spread_ns or DEFAULT_DELAY_SPREAD_NS) * 1e-9,
                _rng(seed, _SEED_FADING, key),
            )

    def mean_dbm(self, positions: np.ndarray) -> np.ndarray:
        """Received power while the transmitter is on, at device positions (n, 3)."""
        e = self.emitter
        d = np.sqrt(np.sum((positions - self.position) ** 2, axis=-1))
        if not self.walls and not self.intercept_db and self.fading is None:
            return received_dbm(
                e.eirp_dbm, e.band_mhz, d, self.exponent, loss_db=e.loss_db + self.shadow_db
            )
        loss = e.loss_db + self.shadow_db + self.intercept_db
        if self.walls:
            walls = path_wall_loss_db(
                self.walls, self.room_size, self.position, positions, e.band_mhz
            )
            loss = loss + walls.reshape(d.shape)
        if self.fading is not None:
            loss = loss - self.fading.gain_db(positions).reshape(d.shape)
        return received_dbm(e.eirp_dbm, e.band_mhz, d, self.exponent, loss_db=loss)


class FeedGenerator:
    """The simulated device's ADC feed for `scenario`; see the module docstring."""

    def __init__(self, scenario: Scenario, seed: int | None = None, step_us: int = 10):
        if int(step_us) != step_us or step_us <= 0:
            raise ValueError(f"step_us must be a positive integer, not {step_us!r}")
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        self.step_us = int(step_us)
        self._seed_word = self.seed & 0xFFFFFFFFFFFFFFFF
        dt = self.step_us * 1e-6
        self.block_steps = max(1, round(BLOCK_S / dt))
        self._coarse = max(1, min(self.block_steps, round(1e-3 / dt)))  # power grid: 1 ms
        self._sources = [_Source(e, scenario, self._seed_word) for e in scenario.emitters]
        self._noise_mw = 10.0 ** (scenario.noise_floor_dbm / 10.0)
        a = math.exp(-dt / VIDEO_TAU_S)
        self._b = np.array([1.0 - a])
        self._a = np.array([1.0, -a])
        # white noise before the RC so that its output noise is DET_NOISE_V
        self._pre_noise_v = DET_NOISE_V / math.sqrt((1.0 - a) / (1.0 + a))
        self._zi: np.ndarray | None = None
        self._zi_pad: np.ndarray | None = None  # the filter in the padded column
        self._front_end = optics.ServoFrontEnd(dt)  # the photodiode's, state carried
        self._next_block = 0
        self._buf = np.empty((0, FEED_COLUMNS), dtype=FEED_DTYPE)
        self._pos = 0
        self.steps_done = 0

    @property
    def time_s(self) -> float:
        """Scenario time of the next step chunk() returns."""
        return self.steps_done * self.step_us / 1e6

    def step_times(self, first: int, n: int) -> np.ndarray:
        return (first + np.arange(n, dtype=np.int64)) * self.step_us / 1e6

    def rf_dbm(self, t_s) -> np.ndarray:
        """Input power at the detector (dBm) at times `t_s`: all emitters + noise floor."""
        t = np.asarray(t_s, dtype=float)
        flat = t.reshape(-1)
        pos = self.scenario.position_at(flat)
        total = np.full(flat.shape, self._noise_mw)
        for src in self._sources:
            power = 10.0 ** (src.mean_dbm(pos) / 10.0) * src.process.on(flat)
            gain = src.process.gain_db(flat)
            if gain is not None:
                power = power * 10.0 ** (gain / 10.0)
            total += power
        return (10.0 * np.log10(total)).reshape(t.shape)

    def chunk(self, n_steps: int) -> np.ndarray:
        """The next `n_steps` steps, shape (n_steps, FEED_COLUMNS), dtype '<u2'."""
        n = int(n_steps)
        if n < 0:
            raise ValueError("n_steps must not be negative")
        out = np.empty((n, FEED_COLUMNS), dtype=FEED_DTYPE)
        filled = 0
        while filled < n:
            if self._pos >= len(self._buf):
                self._buf = self._render(self._next_block)
                self._next_block += 1
                self._pos = 0
            take = min(n - filled, len(self._buf) - self._pos)
            out[filled : filled + take] = self._buf[self._pos : self._pos + take]
            filled += take
            self._pos += take
        self.steps_done += n
        return out

    def _render(self, r: int) -> np.ndarray:
        """Render block r: steps r * block_steps ... (r + 1) * block_steps - 1."""
        n = self.block_steps
        t = self.step_times(r * n, n)
        # Mean received power changes with the walk (~1 m/s), so it is computed on a
        # 1 ms grid and held; the on/off envelope is evaluated at every step.
        c = self._coarse
        pos = self.scenario.position_at(t[::c])
        total = np.full(n, self._noise_mw)
        for src in self._sources:
            on = src.process.on(t)
            if on.any():
                level = np.repeat(10.0 ** (src.mean_dbm(pos) / 10.0), c)[:n]
                gain = src.process.gain_db(t)
                if gain is not None:
                    level = level * 10.0 ** (gain / 10.0)
                total += level * on
        dbm = 10.0 * np.log10(total)
        volts = detector_volts(dbm)
        rng = _rng(self._seed_word, _SEED_NOISE, r)
        det_noise = rng.standard_normal(n) * self._pre_noise_v
        volts += det_noise
        # the same input 20 dB down, the same detector noise: the pad-in column
        padded = detector_volts(dbm - PAD_DB) + det_noise
        if self._zi is None:  # start settled at the first level
            self._zi = lfilter_zi(self._b, self._a) * volts[0]
            self._zi_pad = lfilter_zi(self._b, self._a) * padded[0]
        volts, self._zi = lfilter(self._b, self._a, volts, zi=self._zi)
        padded, self._zi_pad = lfilter(self._b, self._a, padded, zi=self._zi_pad)
        pd_normal = rng.standard_normal(n)  # drawn here so the RF noise stays the same
        unit = self.scenario.detector
        lsb = ADC_NOISE_LSB if unit is None else unit.adc_noise_lsb
        noise = rng.integers(-lsb, lsb + 1, size=(2, n))
        out = np.empty((n, FEED_COLUMNS), dtype=FEED_DTYPE)
        out[:, 0] = adc_u16(volts, noise[0], self.scenario.detector)
        base, returns = self._photodiode(t, pos, pd_normal, noise[1])
        out[:, 1] = base
        out[:, 2] = self.scenario.button_pressed(t) * FLAG_BUTTON
        out[:, 3 : 3 + LED_GROUPS] = returns.T
        out[:, PADDED_COLUMN] = adc_u16(padded, noise[0], self.scenario.detector)
        return out

    def _photodiode(
        self, t: np.ndarray, pos_coarse: np.ndarray, normal: np.ndarray, adc_noise: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Photodiode base column (read_u16 units) and per-group returns (counts x 16)."""
        # the room's light through the DC-servo TIA (sim/ambient.py)
        base = self._front_end.counts(optics.ambient_at(self.scenario, t), normal, adc_noise)
        n, c = t.size, self._coarse
        if self.scenario.optics is None:  # no lens-finder scene: LEDs light nothing
            return base.astype(np.uint16) << ADC_U16_SHIFT, np.zeros((LED_GROUPS, n), np.uint16)
        # the returns follow the hand (tens of ms per degree): computed on a 1 ms
        # grid that includes the next block's first point, interpolated between
        dt = self.step_us * 1e-6
        grid = t[0] + dt * c * np.arange(-(-n // c) + 1)
        ret = optics.return_counts(optics.group_returns(self.scenario, grid, LED_GROUPS))
        returns = np.empty((LED_GROUPS, n))
        for g in range(LED_GROUPS):
            returns[g] = np.interp(t, grid, ret[g])
        return base.astype(np.uint16) << ADC_U16_SHIFT, optics.feed_code(returns * 16)
