"""What the live sweep view shows, as plain state: fed with decoded records, read
by the renderer (liveview.py). No terminal, no port, no clock of its own, so a
frame of the view can be rebuilt from recorded data and tested headless.

- One clock: device time, seconds from the first RF sample on the device's
  clock (`device_s`), joined across device restarts as the capture reader
  joins them (roomsweep.link.capture.Capture.on_one_clock), so the view's
  times are the findings' and the report's. RF samples stand still while the
  device scans Wi-Fi; device time runs on (`sampled_s` counts the samples).
- RF level: the loudest level held for at least two samples over the last
  LEVEL_WINDOW_S (a log detector shows each burst at its own power; one-sample
  spikes are noise), with a peak hold; the sweep's loudest is the report's
  figure, the loudest 50 ms (`recording.loudest_dbm`). A level at the
  detector's ceiling reads "≥ -3 dBm (saturated)" (`recording.level_text`).
- Class guess: the analyzer's own classifiers (analysis.analyze.components) on
  the last GUESS_WINDOW_S of RF, the window length the analyzer uses, with the
  analyzer's confidence rule: the classifier's score times how far the level
  stands above the class's typical level so far in the sweep (heard alike
  everywhere: half), and the other kinds heard in the window.
- Waypoints: MARK frames (device button or the host's MARK command); button
  presses are named after the planned sweep when one is known; `coverage`
  says which planned stops were visited.
- Locate cue: `beep_interval_s` turns the level into a tick interval that
  shortens as the level rises, across the detector's range as auto-ranging
  extends it: blocks the device took with its 20 dB pad in (SAMPLES_FLAG_RF_PAD)
  read 20 dB up (rfrange.RF_PAD_DB; a reading at the floor, rfrange.PAD_FLOOR_DBM
  or less, reads -60 dBm: silent), so the cue goes on speeding up where the
  detector alone would pin, up to its ceiling with the pad in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roomsweep.analysis.analyze import (
    DETECTOR_FLOOR_DBM,
    PROXIMITY_CONFIDENCE_BASE,
    PROXIMITY_FULL_SCALE_DB,
    components,
)
from roomsweep.analysis.classifiers import BY_NAME, UNKNOWN, UNKNOWN_PERIODIC
from roomsweep.analysis.components import DWELL_S
from roomsweep.analysis.motion import is_stimulus
from roomsweep.analysis.recording import (
    DETECTOR_CEILING_DBM,
    LOUDEST_WINDOW_S,
    Recording,
    loudest_dbm,
)
from roomsweep.analysis.rfrange import RF_PAD_DB, padded_dbm, settle_samples
from roomsweep.link.capture import RESTART_BACKSTEP_US
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.plan import Coverage, sweep_coverage
from roomsweep.protocol.records import Info, Mark, Record, Samples, Status
from roomsweep.protocol.untrusted import printable

LEVEL_WINDOW_S = 0.25
GUESS_WINDOW_S = 1.5  # analysis.analyze.ANALYSIS_WINDOW_S
PEAK_HOLD_S = 3.0
HISTORY_STEP_S = 1.0  # one column of the level history per second of sweep
HISTORY_LEN = 74
# Locate cue: silent at the detector's floor, one tick every BEEP_SLOWEST_S just
# above it, and faster by the same factor every dB up to BEEP_FASTEST_S at its
# ceiling: the whole of the AD8318's range (-60..0 dBm) and the 20 dB the pad adds
# above it (auto-ranging) change the rate, so the cue still speeds up right at a
# loud transmitter.
LOCATE_FLOOR_DBM = -60.0  # AD8318: its range ends near -60 dBm (analysis DETECTOR_FLOOR_DBM)
# ... and saturates near 0 dBm (recording.DETECTOR_CEILING_DBM); once the device
# has put its pad in, 20 dB higher (LiveState.beep_interval)
LOCATE_TOP_DBM = DETECTOR_CEILING_DBM + 3.0
BEEP_SLOWEST_S = 1.2
BEEP_FASTEST_S = 0.05
MAX_LABEL = 40
# The guess is "sure" (no question mark) from this confidence on
GUESS_SURE = 0.8
# Short names of the kinds, for the view's one line
SHORT_NAMES = {
    "gsm": "GSM",
    "dect": "DECT",
    "wifi_ap": "Wi-Fi AP",
    "wifi_camera": "Wi-Fi camera",
    "ble": "BLE",
    "bt_classic": "Bluetooth",
    "lte": "LTE",
    "analog_video": "analog video",
    UNKNOWN_PERIODIC: "periodic, kind unknown",
}
# Lens meter: the inner LED ring's lock-in return (LENS frames, 0x12), the light
# the room sends back, on a log scale; the device judges glints itself (alert flag)
LENS_ALERT_HOLD_S = 1.5  # the device's glint alert stays on the view this long
LENS_METER_MIN = 1.0  # ADC counts of lock-in amplitude at the meter's ends
LENS_METER_MAX = 1000.0
BLE_RECENT_S = 10.0  # BLE advertisers heard within this much sweep time are counted
T_WIFI_SCAN, T_BLE_ADV, T_LENS = 0x10, 0x11, 0x12  # rsproto (network and lens helpers)
METER_MIN_DBM = -60.0  # the meter's scale: the AD8318's 60 dB range
METER_MAX_DBM = 0.0
_HOST_TYPES = frozenset((P.T_HOST_TIME, P.T_HOST_RXSTATS, P.T_HOST_NOTE))


def beep_interval_s(level_dbm: float | None, top_dbm: float = LOCATE_TOP_DBM) -> float | None:
    """Seconds between locate ticks at `level_dbm`, the fastest at `top_dbm`
    (the detector's ceiling, or with auto-ranging its ceiling with the pad in);
    None: silent.

    Examples
    --------
    >>> beep_interval_s(-70.0) is None, beep_interval_s(-60.0) is None
    (True, True)
    >>> [beep_interval_s(v) for v in (-59.99, -30.0, -8.6, -1.0, 0.0)]
    [1.199, 0.245, 0.079, 0.053, 0.05]
    >>> [beep_interval_s(v, top_dbm=20.0) for v in (-30.0, 0.0, 10.0, 20.0)]
    [0.364, 0.111, 0.074, 0.05]
    """
    if level_dbm is None or not np.isfinite(level_dbm) or level_dbm <= LOCATE_FLOOR_DBM:
        return None
    frac = min(1.0, (level_dbm - LOCATE_FLOOR_DBM) / (top_dbm - LOCATE_FLOOR_DBM))
    return round(BEEP_SLOWEST_S * (BEEP_FASTEST_S / BEEP_SLOWEST_S) ** frac, 3)


@dataclass
class Waypoint:
    number: int  # 1, 2, ... in the order they arrived
    label: str
    source: str  # "button" or "host"
    elapsed_s: float  # device time of the mark (seconds from the first RF sample)
    sampled_at_s: float = 0.0  # RF samples received by the mark (LiveState.sampled_s)


@dataclass
class ClassGuess:
    cls: str
    title: str
    confidence: float  # score x how far it stands above its level so far (the analyzer's rule)
    level_dbm: float
    score: float = 0.0  # the classifier's own score (how well the pattern fits)
    also: list[str] = field(default_factory=list)  # other kinds heard, loudest first

    @property
    def short(self) -> str:
        return SHORT_NAMES.get(self.cls, self.title)

    @property
    def sure(self) -> bool:
        return self.confidence >= GUESS_SURE

    def text(self) -> str:
        """One line: "GSM? 0.62 · also Wi-Fi camera, BLE" (a question mark
        while the confidence is under GUESS_SURE)."""
        if self.cls == UNKNOWN:
            head = self.title
        else:
            head = f"{self.short}{'' if self.sure else '?'} {self.confidence:.2f}"
        return head + (f" · also {', '.join(self.also)}" if self.also else "")


@dataclass
class LiveState:
    """Everything the live view shows. Feed records with `feed`; ask for a class
    guess with `update_guess`; handle keys with `key`."""

    capture_path: str = ""
    port: str = ""
    sweep_names: list[str] = field(default_factory=list)  # planned stops, in order
    title: str = ""
    calibration: Calibration = field(default_factory=Calibration)
    device: dict[str, Any] | None = None
    fs: float = 8000.0
    device_s: float = 0.0  # device time: seconds from the first RF sample, one clock
    sampled_s: float = 0.0  # seconds of RF samples received, over every connection
    wall_s: float | None = None  # seconds since the sweep started (set by the loop)
    level_dbm: float | None = None
    peak_dbm: float | None = None
    peak_at_s: float = 0.0
    max_dbm: float | None = None  # the loudest 50 ms so far (recording.loudest_dbm)
    max_where: str = ""
    guess: ClassGuess | None = None
    lens_return: float | None = None  # inner LED ring's return, ADC counts
    lens_peak: float | None = None  # held PEAK_HOLD_S, like the RF peak
    lens_alert: bool = False  # the device's glint alert, held LENS_ALERT_HOLD_S
    lens_alerts: int = 0  # glint alerts so far (a run of alerting blocks is one)
    lens_alert_where: str = ""
    wifi_devices: int | None = None  # access points in the last Wi-Fi scan
    wifi_strongest: str = ""
    ble_devices: int | None = None  # BLE advertisers heard in the last BLE_RECENT_S
    marks: list[Waypoint] = field(default_factory=list)
    motion_test_key: bool = False  # `t` starts/ends the guided motion test (live.stimulus)
    frames: int = 0
    frames_written: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    link: str = "connecting"  # connecting, connected, lost, finished
    link_note: str = ""
    lost_for_s: float = 0.0
    reconnects: int = 0
    device_restarts: int = 0  # STATUS uptime went backwards: the device rebooted
    _uptime_ms: int = -1
    locate: bool = False
    label_input: str | None = None  # text being typed for a waypoint label
    message: str = ""
    history: list[float] = field(default_factory=list)  # loudest level per HISTORY_STEP_S
    # saturated at and above: the detector's ceiling, and once the device has
    # switched its pad in (auto-ranging), the ceiling with the pad
    ceiling_dbm: float = DETECTOR_CEILING_DBM
    _table: np.ndarray | None = field(default=None, repr=False)
    # recent RF blocks: (counts, dBm: the pad's dB added where it was in)
    _recent: deque = field(default_factory=deque, repr=False)
    _recent_n: int = 0
    _rf_pad_last: bool | None = None  # the last RF block's range (settling after a switch)
    _tail_dbm: np.ndarray | None = field(default=None, repr=False)  # for the loudest 50 ms
    _button_presses: int = 0
    _history_t: float = 0.0
    _history_max: float = -np.inf
    _lens_alert_at: float = -np.inf
    _lens_peak_at: float = 0.0
    _lens_alerting: bool = False
    _ble_seen: dict = field(default_factory=dict, repr=False)  # address -> sweep time
    # the device clock (Capture.on_one_clock, live): a run of the firmware starts
    # at `_run_at_s` of device time, its first samples at device time `_run_first_us`
    _run_first_us: int | None = None
    _run_at_s: float = 0.0
    _run_latest_us: int | None = None
    _samples_end_s: float = 0.0  # where the samples would go on
    _guess_levels: dict = field(default_factory=dict, repr=False)  # class -> levels so far
    _guesses: int = 0

    def __post_init__(self) -> None:
        # names from outside (a scenario, a capture header, the command line) enter
        # here; what records bring is printable already (the decoder made it so)
        self.sweep_names = [printable(n) for n in self.sweep_names]
        self.title, self.port = printable(self.title), printable(self.port)
        self.capture_path = printable(self.capture_path)

    # --- feeding --------------------------------------------------------------------
    def set_device(self, info: dict[str, Any]) -> None:
        self.device = info
        self.calibration = Calibration.from_info(info)
        self._table = None

    def dbm(self, counts: np.ndarray) -> np.ndarray:
        if self._table is None:
            self._table = self.calibration.rf_dbm(np.arange(4096))
        return self._table[np.minimum(counts, 4095)]

    # --- the one clock --------------------------------------------------------------
    def _new_run(self) -> None:
        """The device restarted: its clock starts again. The new run joins where
        the samples would have gone on (at its first samples)."""
        self._run_first_us = None
        self._run_latest_us = None

    def at(self, ts_us: int) -> float:
        """Device time (s from the first RF sample, on one clock) of device
        timestamp `ts_us` of the current run; before the run's first samples,
        where the samples would go on."""
        if self._run_first_us is None:
            return self._samples_end_s
        return max(0.0, self._run_at_s + (ts_us - self._run_first_us) / 1e6)

    def _clock(self, r: Record) -> None:
        """Follow the device clock: a step back of over RESTART_BACKSTEP_US is a
        restart whose hello was lost (the capture reader's rule)."""
        ts = getattr(r, "ts_us", None)
        if not isinstance(ts, int) or r.type in _HOST_TYPES:
            return
        if self._run_latest_us is not None and ts < self._run_latest_us - RESTART_BACKSTEP_US:
            self._new_run()
        if (
            isinstance(r, Samples)
            and r.samples.size
            and self._run_first_us is None
            and (r.channel == P.CH_RF or self._samples_end_s > 0)  # time 0: the first RF sample
        ):
            self._run_first_us, self._run_at_s = r.t_first_us, self._samples_end_s
        if self._run_first_us is not None:
            self._run_latest_us = max(ts, self._run_latest_us or ts)
            self.device_s = max(self.device_s, self.at(ts))
        if isinstance(r, Samples) and r.samples.size and self._run_first_us is not None:
            period = r.span_us / max(len(r.samples) - 1, 1)
            end = self.at(int(round(r.t_first_us + r.span_us + period)))
            self._samples_end_s = max(self._samples_end_s, end)
            self.device_s = max(self.device_s, end)

    def feed(self, records: list[Record]) -> None:
        for r in records:
            self.frames += 1
            if isinstance(r, Status) and r.uptime_ms < self._uptime_ms:
                self._new_run()  # before its time is read: a clock of its own
            self._clock(r)
            if isinstance(r, Samples):
                if r.channel == P.CH_RF and r.samples.size:
                    self._rf_block(r)
            elif isinstance(r, Mark):
                self._mark(r)
            elif isinstance(r, Info):
                self.set_device(r.info)
            elif isinstance(r, Status):
                if r.uptime_ms < self._uptime_ms:
                    self.device_restarts += 1
                    self.message = (
                        f"the device restarted at {clock(self.device_s)}: "
                        "its clock starts again, joined where the samples stopped"
                    )
                self._uptime_ms = r.uptime_ms
            elif r.type == T_LENS and hasattr(r, "amplitudes"):
                self._lens_frame(r)
            elif r.type == T_WIFI_SCAN and hasattr(r, "access_points"):
                self._wifi_scan(r)
            elif r.type == T_BLE_ADV and hasattr(r, "advertisers"):
                self._ble_adv(r)

    def _where(self) -> str:
        last = self.marks[-1].label if self.marks else None
        return (f"near {last} " if last else "") + f"at {clock(self.device_s)}"

    def _lens_frame(self, r: Any) -> None:
        if not len(r.amplitudes):
            return
        inner = float(r.amplitudes[0])
        self.lens_return = inner
        if (
            self.lens_peak is None
            or inner >= self.lens_peak
            or (self.device_s - self._lens_peak_at > PEAK_HOLD_S)
        ):
            self.lens_peak = inner
            self._lens_peak_at = self.device_s
        alerting = bool(getattr(r, "alert", False))
        if alerting:
            if not self._lens_alerting:
                self.lens_alerts += 1
                self.lens_alert_where = self._where()
            self._lens_alert_at = self.device_s
        self._lens_alerting = alerting
        self.lens_alert = self.device_s - self._lens_alert_at <= LENS_ALERT_HOLD_S

    def _wifi_scan(self, r: Any) -> None:
        if getattr(r, "failed", False):
            return
        aps = list(r.access_points)
        self.wifi_devices = len({ap.bssid for ap in aps})
        if aps:
            top = max(aps, key=lambda ap: ap.rssi_dbm)
            self.wifi_strongest = f"{top.ssid or '(hidden)'} {top.rssi_dbm} dBm"

    def _ble_adv(self, r: Any) -> None:
        for a in r.advertisers:
            self._ble_seen[a.address] = self.device_s
        recent = self.device_s - BLE_RECENT_S
        self._ble_seen = {k: t for k, t in self._ble_seen.items() if t >= recent}
        self.ble_devices = len(self._ble_seen)

    def _rf_block(self, r: Samples) -> None:
        if r.rate_hz > 0:
            self.fs = r.rate_hz
        counts = r.samples
        block = self.dbm(counts)
        if r.rf_pad:  # taken with the pad in: the input was RF_PAD_DB louder
            block = padded_dbm(block, RF_PAD_DB)
            self.ceiling_dbm = DETECTOR_CEILING_DBM + RF_PAD_DB
        k = settle_samples(self.fs)  # taken while the filter settled (protocol.md)
        if self._rf_pad_last not in (None, r.rf_pad) and block.size > k:
            block = np.r_[np.full(k, block[k]), block[k:]]
        self._rf_pad_last = r.rf_pad
        self._recent.append((counts, block))
        self._recent_n += counts.size
        keep = int(GUESS_WINDOW_S * self.fs)
        while self._recent and self._recent_n - self._recent[0][0].size >= keep:
            self._recent_n -= self._recent.popleft()[0].size
        self.sampled_s += counts.size / self.fs
        self.lens_alert = self.device_s - self._lens_alert_at <= LENS_ALERT_HOLD_S
        x = self.recent_dbm(LEVEL_WINDOW_S)
        level = held_level_dbm(x)
        self.level_dbm = level
        if (
            self.peak_dbm is None
            or level >= self.peak_dbm
            or (self.device_s - self.peak_at_s > PEAK_HOLD_S)
        ):
            self.peak_dbm = level
            self.peak_at_s = self.device_s
        # the loudest 50 ms so far, the report's figure: over this block and the
        # end of the one before (a window may straddle them)
        tail = block if self._tail_dbm is None else np.concatenate((self._tail_dbm, block))
        loudest = loudest_dbm(tail, self.fs)
        if loudest is not None and (self.max_dbm is None or loudest > self.max_dbm):
            self.max_dbm = loudest
            self.max_where = self._where()
        self._tail_dbm = tail[-max(1, int(round(self.fs * LOUDEST_WINDOW_S)) - 1) :]
        self._history_max = max(self._history_max, level)
        while self.device_s - self._history_t >= HISTORY_STEP_S:
            self.history.append(self._history_max)
            del self.history[:-HISTORY_LEN]
            self._history_t += HISTORY_STEP_S
            self._history_max = level

    def recent_counts(self, seconds: float) -> np.ndarray:
        """The last `seconds` of RF ADC counts (at most GUESS_WINDOW_S)."""
        return self._recent_part(seconds, 0, np.uint16)

    def recent_dbm(self, seconds: float) -> np.ndarray:
        """The last `seconds` of RF level, dBm, the pad added back where it was in."""
        return self._recent_part(seconds, 1, float)

    def _recent_part(self, seconds: float, which: int, dtype: Any) -> np.ndarray:
        want = max(1, int(seconds * self.fs))
        parts, n = [], 0
        for block in reversed(self._recent):  # only the blocks needed
            parts.append(block[which])
            n += block[which].size
            if n >= want:
                break
        if not parts:
            return np.zeros(0, dtype)
        return np.concatenate(parts[::-1])[-want:]

    def _mark(self, r: Mark) -> None:
        if r.source == P.MARK_FROM_BUTTON:
            i = self._button_presses
            self._button_presses += 1
            label = self.sweep_names[i] if i < len(self.sweep_names) else f"mark {i + 1}"
            source = "button"
        else:
            label = r.label or f"mark {len(self.marks) + 1}"
            source = "host"
            if is_stimulus(label):
                return  # a motion-test phase (analysis.motion), not a place
        self.marks.append(
            Waypoint(len(self.marks) + 1, label, source, self.at(r.ts_us), self.sampled_s)
        )

    def hold_s(self) -> float | None:
        """How many more seconds of RF samples the last waypoint needs before
        its dwell is heard whole (the analysis hears a spot over the DWELL_S of
        samples after its mark: components.stretches); 0 once it is, None
        before the first mark. A Wi-Fi scan after the mark stops the samples
        for about 1.6 s and this with them: walking on sooner puts the walk
        into the spot's dwell."""
        if not self.marks:
            return None
        return max(0.0, DWELL_S - (self.sampled_s - self.marks[-1].sampled_at_s))

    def coverage(self) -> Coverage:
        """Which planned stops a waypoint mark named (in plan order), and which not.
        A stop the sweep returns to (the door at the start and the end) counts
        once: the findings speak for places, not for visits."""
        return sweep_coverage(self.sweep_names, [m.label for m in self.marks])

    # --- the class guess ------------------------------------------------------------
    def update_guess(self) -> ClassGuess | None:
        """Run the analyzer's classifiers on the last GUESS_WINDOW_S of RF; the
        loudest classified component names the guess. Its confidence is the
        analyzer's (analysis.analyze._finding): the classifier's score times
        PROXIMITY_CONFIDENCE_BASE + (level above the class's median level over
        the guesses so far) / PROXIMITY_FULL_SCALE_DB, at most 1: a kind heard
        alike everywhere so far (the door, the first window) is half sure."""

        counts = self.recent_counts(GUESS_WINDOW_S)
        if counts.size < 0.5 * GUESS_WINDOW_S * self.fs:
            return self.guess
        rec = Recording(rf_counts=counts, fs=self.fs, calibration=self.calibration)
        comps, _ = components(rec, self.recent_dbm(GUESS_WINDOW_S))
        known = [c for c in comps if c.cls != UNKNOWN]
        heard: dict[str, float] = {}
        for c in known:
            heard[c.cls] = max(heard.get(c.cls, DETECTOR_FLOOR_DBM), c.level_dbm)
        self._guesses += 1
        for cls in set(heard) | set(self._guess_levels):
            seen = self._guess_levels.setdefault(cls, [DETECTOR_FLOOR_DBM] * (self._guesses - 1))
            seen.append(heard.get(cls, DETECTOR_FLOOR_DBM))
        if not known:
            top = max((c.level_dbm for c in comps), default=DETECTOR_FLOOR_DBM)
            self.guess = ClassGuess(UNKNOWN, "nothing recognised", 0.0, top)
            return self.guess
        best = max(known, key=lambda c: (c.level_dbm, c.confidence))
        title = (
            "periodic, kind unknown" if best.cls == UNKNOWN_PERIODIC else BY_NAME[best.cls].title
        )
        typical = float(np.median(self._guess_levels[best.cls]))
        above = max(0.0, best.level_dbm - typical)
        confidence = best.confidence * min(
            1.0, PROXIMITY_CONFIDENCE_BASE + above / PROXIMITY_FULL_SCALE_DB
        )
        also = [
            SHORT_NAMES.get(cls, cls)
            for cls in sorted(heard, key=lambda k: -heard[k])
            if cls not in (best.cls, UNKNOWN_PERIODIC)
        ]
        self.guess = ClassGuess(
            best.cls, title, round(confidence, 2), best.level_dbm, best.confidence, also
        )
        return self.guess

    # --- keys -----------------------------------------------------------------------
    def key(self, ch: str) -> tuple[str, str] | None:
        """One key press. Returns an action for the session: ("mark", label),
        ("finish", "") or None. `m` starts a label (Enter sends, Esc cancels),
        space marks at once, `l` toggles the locate cue, `q` finishes."""
        if self.label_input is not None:
            if ch in ("\r", "\n"):
                label = self.label_input.strip() or f"mark {len(self.marks) + 1}"
                self.label_input = None
                return ("mark", label)
            if ch == "\x1b":
                self.label_input = None
                self.message = "mark cancelled"
            elif ch in ("\x7f", "\b"):
                self.label_input = self.label_input[:-1]
            elif ch.isprintable() and len(self.label_input) < MAX_LABEL:
                self.label_input += ch
            return None
        if ch in ("m", "M"):
            self.label_input = ""
        elif ch == " ":
            return ("mark", f"mark {len(self.marks) + 1}")
        elif ch in ("l", "L"):
            self.locate = not self.locate
            self.message = f"locate cue {'on' if self.locate else 'off'}"
        elif ch in ("q", "Q"):
            return ("finish", "")
        return None

    def beep_interval(self) -> float | None:
        if not self.locate:
            return None
        # the cue spans the range the device has: 20 dB more once its pad went in
        top = LOCATE_TOP_DBM + (self.ceiling_dbm - DETECTOR_CEILING_DBM)
        return beep_interval_s(self.level_dbm, top)


def held_level_dbm(x: np.ndarray) -> float:
    """The live RF level: the loudest level held for two consecutive samples of
    `x` (dBm; a single sample is its own level)."""
    return float(np.minimum(x[1:], x[:-1]).max()) if x.size > 1 else float(x.max())


def clock(seconds: float) -> str:
    """mm:ss.

    Examples
    --------
    >>> clock(83.4)
    '01:23'
    """
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"
