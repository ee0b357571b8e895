"""What the live sweep view shows, as plain state: fed with decoded records, read
by the renderer (liveview.py). No terminal, no port, no clock of its own, so a
frame of the view can be rebuilt from recorded data and tested headless.

- RF level: the loudest level held for at least two samples over the last
  LEVEL_WINDOW_S (a log detector shows each burst at its own power; one-sample
  spikes are noise), with a peak hold and the sweep's maximum.
- Class guess: the analyzer's own classifiers (analysis.analyze.components) on
  the last GUESS_WINDOW_S of RF, the window length the analyzer uses.
- Waypoints: MARK frames (device button or the host's MARK command); button
  presses are named after the planned sweep when one is known.
- Locate cue: `beep_interval_s` turns the level into a tick interval that
  shortens as the level rises.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roomsweep.analysis.analyze import DETECTOR_FLOOR_DBM, components
from roomsweep.analysis.classifiers import BY_NAME, UNKNOWN, UNKNOWN_PERIODIC
from roomsweep.analysis.recording import Recording
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.records import Info, Mark, Record, Samples, Status
from roomsweep.protocol.untrusted import printable

LEVEL_WINDOW_S = 0.25
GUESS_WINDOW_S = 1.5  # analysis.analyze.ANALYSIS_WINDOW_S
PEAK_HOLD_S = 3.0
HISTORY_STEP_S = 1.0  # one column of the level history per second of sweep
HISTORY_LEN = 74
# Locate cue: silent below the detector's useful range, one tick every
# BEEP_SLOWEST_S at LOCATE_FLOOR_DBM, ten times faster every BEEP_DECADE_DB above.
LOCATE_FLOOR_DBM = -55.0  # AD8318: its range ends near -60 dBm (analysis DETECTOR_FLOOR_DBM)
BEEP_SLOWEST_S = 1.2
BEEP_FASTEST_S = 0.05
BEEP_DECADE_DB = 30.0
MAX_LABEL = 40
# Lens meter: the inner LED ring's lock-in return (LENS frames, 0x12), the light
# the room sends back, on a log scale; the device judges glints itself (alert flag)
LENS_ALERT_HOLD_S = 1.5  # the device's glint alert stays on the view this long
LENS_METER_MIN = 1.0  # ADC counts of lock-in amplitude at the meter's ends
LENS_METER_MAX = 1000.0
BLE_RECENT_S = 10.0  # BLE advertisers heard within this much sweep time are counted
T_WIFI_SCAN, T_BLE_ADV, T_LENS = 0x10, 0x11, 0x12  # rsproto (network and lens helpers)
METER_MIN_DBM = -60.0  # the meter's scale: the AD8318's 60 dB range
METER_MAX_DBM = 0.0


def beep_interval_s(level_dbm: float | None) -> float | None:
    """Seconds between locate ticks at `level_dbm`; None: silent.

    Examples
    --------
    >>> beep_interval_s(-70.0) is None
    True
    >>> beep_interval_s(-55.0), beep_interval_s(-25.0), beep_interval_s(0.0)
    (1.2, 0.12, 0.05)
    """
    if level_dbm is None or not np.isfinite(level_dbm) or level_dbm < LOCATE_FLOOR_DBM:
        return None
    interval = BEEP_SLOWEST_S * 10 ** (-(level_dbm - LOCATE_FLOOR_DBM) / BEEP_DECADE_DB)
    return round(max(BEEP_FASTEST_S, interval), 3)


@dataclass
class Waypoint:
    number: int  # 1, 2, ... in the order they arrived
    label: str
    source: str  # "button" or "host"
    elapsed_s: float  # sweep time (seconds of RF sampled) when it arrived


@dataclass
class ClassGuess:
    cls: str
    title: str
    confidence: float
    level_dbm: float


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
    sampled_s: float = 0.0  # seconds of RF received, over every connection
    wall_s: float | None = None  # seconds since the sweep started (set by the loop)
    level_dbm: float | None = None
    peak_dbm: float | None = None
    peak_at_s: float = 0.0
    max_dbm: float | None = None
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
    _table: np.ndarray | None = field(default=None, repr=False)
    _recent: deque = field(default_factory=deque, repr=False)  # recent RF count blocks
    _recent_n: int = 0
    _button_presses: int = 0
    _history_t: float = 0.0
    _history_max: float = -np.inf
    _lens_alert_at: float = -np.inf
    _lens_peak_at: float = 0.0
    _lens_alerting: bool = False
    _ble_seen: dict = field(default_factory=dict, repr=False)  # address -> sweep time

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

    def feed(self, records: list[Record]) -> None:
        for r in records:
            self.frames += 1
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
                        f"the device restarted at {clock(self.sampled_s)}: "
                        "check the waypoint times after it"
                    )
                self._uptime_ms = r.uptime_ms
            elif r.type == T_LENS and hasattr(r, "amplitudes"):
                self._lens_frame(r)
            elif r.type == T_WIFI_SCAN and hasattr(r, "access_points"):
                self._wifi_scan(r)
            elif r.type == T_BLE_ADV and hasattr(r, "advertisers"):
                self._ble_adv(r)

    def _lens_frame(self, r: Any) -> None:
        if not len(r.amplitudes):
            return
        inner = float(r.amplitudes[0])
        self.lens_return = inner
        if (
            self.lens_peak is None
            or inner >= self.lens_peak
            or (self.sampled_s - self._lens_peak_at > PEAK_HOLD_S)
        ):
            self.lens_peak = inner
            self._lens_peak_at = self.sampled_s
        alerting = bool(getattr(r, "alert", False))
        if alerting:
            if not self._lens_alerting:
                self.lens_alerts += 1
                last = self.marks[-1].label if self.marks else None
                self.lens_alert_where = (
                    f"near {last} " if last else ""
                ) + f"at {clock(self.sampled_s)}"
            self._lens_alert_at = self.sampled_s
        self._lens_alerting = alerting
        self.lens_alert = self.sampled_s - self._lens_alert_at <= LENS_ALERT_HOLD_S

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
            self._ble_seen[a.address] = self.sampled_s
        recent = self.sampled_s - BLE_RECENT_S
        self._ble_seen = {k: t for k, t in self._ble_seen.items() if t >= recent}
        self.ble_devices = len(self._ble_seen)

    def _rf_block(self, r: Samples) -> None:
        if r.rate_hz > 0:
            self.fs = r.rate_hz
        counts = r.samples
        self._recent.append(counts)
        self._recent_n += counts.size
        keep = int(GUESS_WINDOW_S * self.fs)
        while self._recent and self._recent_n - self._recent[0].size >= keep:
            self._recent_n -= self._recent.popleft().size
        self.sampled_s += counts.size / self.fs
        self.lens_alert = self.sampled_s - self._lens_alert_at <= LENS_ALERT_HOLD_S
        x = self.dbm(self.recent_counts(LEVEL_WINDOW_S))
        # loudest level held for two consecutive samples
        level = float(np.minimum(x[1:], x[:-1]).max()) if x.size > 1 else float(x.max())
        self.level_dbm = level
        if (
            self.peak_dbm is None
            or level >= self.peak_dbm
            or (self.sampled_s - self.peak_at_s > PEAK_HOLD_S)
        ):
            self.peak_dbm = level
            self.peak_at_s = self.sampled_s
        if self.max_dbm is None or level > self.max_dbm:
            self.max_dbm = level
            last = self.marks[-1].label if self.marks else None
            self.max_where = (f"near {last} " if last else "") + f"at {clock(self.sampled_s)}"
        self._history_max = max(self._history_max, level)
        while self.sampled_s - self._history_t >= HISTORY_STEP_S:
            self.history.append(self._history_max)
            del self.history[:-HISTORY_LEN]
            self._history_t += HISTORY_STEP_S
            self._history_max = level

    def recent_counts(self, seconds: float) -> np.ndarray:
        """The last `seconds` of RF ADC counts (at most GUESS_WINDOW_S)."""
        want = max(1, int(seconds * self.fs))
        parts, n = [], 0
        for block in reversed(self._recent):  # only the blocks needed
            parts.append(block)
            n += block.size
            if n >= want:
                break
        if not parts:
            return np.zeros(0, np.uint16)
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
        self.marks.append(Waypoint(len(self.marks) + 1, label, source, self.sampled_s))

    # --- the class guess ------------------------------------------------------------
    def update_guess(self) -> ClassGuess | None:
        """Run the analyzer's classifiers on the last GUESS_WINDOW_S of RF; the
        loudest classified component names the guess."""

        counts = self.recent_counts(GUESS_WINDOW_S)
        if counts.size < 0.5 * GUESS_WINDOW_S * self.fs:
            return self.guess
        rec = Recording(rf_counts=counts, fs=self.fs, calibration=self.calibration)
        comps, _ = components(rec, self.dbm(counts))
        known = [c for c in comps if c.cls != UNKNOWN]
        if not known:
            top = max((c.level_dbm for c in comps), default=DETECTOR_FLOOR_DBM)
            self.guess = ClassGuess(UNKNOWN, "nothing recognised", 0.0, top)
            return self.guess
        best = max(known, key=lambda c: (c.level_dbm, c.confidence))
        title = (
            "periodic, kind unknown" if best.cls == UNKNOWN_PERIODIC else BY_NAME[best.cls].title
        )
        self.guess = ClassGuess(best.cls, title, best.confidence, best.level_dbm)
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
        return beep_interval_s(self.level_dbm) if self.locate else None


def clock(seconds: float) -> str:
    """mm:ss.

    Examples
    --------
    >>> clock(83.4)
    '01:23'
    """
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"
