"""A recording: the RF channel as plain arrays with its rate, and the waypoint marks.

Two clocks. The analysis works on the samples as one contiguous array: its
*sample clock* is sample index / fs. The device's own clock (*device time*,
seconds from the first RF sample, on one clock across device restarts as
`roomsweep.link.capture.load` gives it) runs on while sampling stands still (a
Wi-Fi scan stalls it for about 1.6 s, a lost frame or link leaves a gap too).
A recording carries the mapping between the two (`clock_breaks`, its gaps as
`scan_gaps`); every time that leaves the analysis (a finding's `time_s`, mark
times and durations in reports) is device time, through `device_time`.

Made from a capture file here; the evaluation harness makes one straight from
the simulator's signal source (``roomsweep.eval.fastpath``). What this reader
takes from a capture's header and its device's INFO is listed in
docs/capture-format.md and docs/protocol.md (`HEADER_KEYS_READ`; the doc test
holds the pages to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.analysis.rfrange import RF_PAD_DB, padded_dbm, settle_samples
from roomsweep.analysis.slotclock import block_repeats, grid_times, on_grid, photodiode_on_rf
from roomsweep.errors import RoomsweepError
from roomsweep.link.capture import Capture, load
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.observations import BleSighting, RadioBusy, WifiSighting
from roomsweep.protocol.plan import HEADER_KEYS_READ as PLAN_KEYS_READ
from roomsweep.protocol.plan import RoomPlan, read_plan, with_plan
from roomsweep.protocol.records import BleAdv, Lens, Mark, WifiScan
from roomsweep.protocol.settings import settings_values

# Every header key this reader consults (dotted: a key inside a section): the
# device's INFO, the CONFIGURE text sent before START, and the room's plan with
# the places older captures kept it (roomsweep.protocol.plan.PLACES).
HEADER_KEYS_READ: tuple[str, ...] = ("device", "settings") + PLAN_KEYS_READ


# A step in the samples' device times longer than one sample period plus this
# is a gap (no samples): sampling at 8 kS/s steps 125 us, give or take 1 us.
GAP_MIN_S = 0.002
# The level figures, defined once (the report, `roomsweep demo` and the live view):
# a stop's level is the loudest LOUDEST_WINDOW_S of mean detector power (linear
# mean of the dBm samples' powers, any 50 ms: a sliding window)
LOUDEST_WINDOW_S = 0.05
# ... and a level at or above the detector's ceiling is only a lower bound: the
# AD8318 saturates near 0 dBm input (0.5 V; datasheet, 60 dB range). The same
# figure as roomsweep.analysis.analyze.SATURATION_DBM (tests hold them equal).
DETECTOR_CEILING_DBM = -3.0


@dataclass
class WaypointMark:
    time_s: float  # seconds from the first sample, on the sample clock (index / fs)
    label: str  # the waypoint's name, or "mark N"
    source: str  # "button" or "host"
    # when the button was pressed, device time; None: the same as time_s (a mark
    # pressed while sampling stood still is at the next sample on the sample clock)
    device_time_s: float | None = None

    @property
    def device_s(self) -> float:
        return self.time_s if self.device_time_s is None else self.device_time_s


@dataclass
class Recording:
    rf_counts: np.ndarray  # 12-bit ADC counts
    fs: float  # samples per second
    marks: list[WaypointMark] = field(default_factory=list)
    calibration: Calibration = field(default_factory=Calibration)
    waypoint_positions: dict[str, tuple[float, float]] | None = None  # (x, y) metres
    source: str = ""
    # network radios (roomsweep.protocol.observations): sightings and the
    # stretches where the device's own radio was busy scanning
    wifi: list[Any] = field(default_factory=list)
    ble: list[Any] = field(default_factory=list)
    radio_busy: list[Any] = field(default_factory=list)
    # photodiode channel (lens finder): 12-bit counts at the same rate as rf_counts,
    # the LED groups' modulation frequencies and which groups were lit
    pd_counts: np.ndarray | None = None
    led_hz: tuple[float, ...] = ()
    led_lit: tuple[bool, ...] = ()
    # the LED drive level (full current / 2**level) as steps: from sample
    # pd_level_start[i] on, pd_level[i] (NaN: not known, a LENS frame was lost);
    # None: full current throughout
    pd_level_start: np.ndarray | None = None
    pd_level: np.ndarray | None = None
    # the room's floor polygon from the capture's plan, (x, y) metres in the
    # waypoints' frame; None when the capture has none (no finding uses it)
    room_outline: list[tuple[float, float]] | None = None
    # the RF range as steps: from sample rf_pad_start[i] on, the samples were
    # taken with the switchable pad in front of the detector, rf_pad_db[i] dB
    # down (0: without it); None: never padded (older firmware, or nothing loud)
    rf_pad_start: np.ndarray | None = None
    rf_pad_db: np.ndarray | None = None
    # the sample clock -> device time mapping: (sample index, device time s) at
    # the first sample and at the first sample after each gap; between them
    # device time runs with the samples (1/fs each). Empty: no gaps, the two
    # clocks are one (a recording straight from a scenario).
    clock_breaks: list[tuple[int, float]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Seconds of samples: the sample clock's end (what the analysis cuts)."""
        return self.rf_counts.size / self.fs if self.fs else 0.0

    @property
    def device_duration_s(self) -> float:
        """Seconds of device time from the first sample to the end of the last:
        the sweep's duration (the samples' plus the gaps')."""
        return float(self.device_time(self.duration_s))

    def sample_at(self, t: float) -> int:
        """The index of the sample whose period holds sample-clock time `t`
        (a clock break's time i / fs is sample i, not i - 1 by a rounding error)."""
        return int(t * self.fs + 1e-6)

    def unbroken(self, start_s: float, end_s: float) -> tuple[int, int]:
        """The samples (first, end) of the longest part of `start_s`..`end_s`
        without a clock break: a slow advertiser's few events, timed against
        each other, are not joined across a 1.6 s scan stall."""
        w0, w1 = max(self.segments(start_s, end_s), key=lambda w: w[1] - w[0])
        return self.sample_at(w0), self.sample_at(w1)

    def segments(self, start_s: float, end_s: float) -> list[tuple[float, float]]:
        """`start_s`..`end_s` (sample clock) cut at its clock breaks, in order."""
        at = [i / self.fs for i, _ in self.clock_breaks]
        cuts = [start_s, *sorted(t for t in at if start_s < t < end_s), end_s]
        return list(zip(cuts[:-1], cuts[1:]))

    def windows(self, start_s: float, end_s: float, window_s: float) -> list[tuple[float, float]]:
        """The samples from `start_s` to `end_s` (sample clock) in windows of
        about `window_s`, none across a clock break: a window joined across a
        Wi-Fi scan's 1.6 s stall would put two stretches of air side by side as
        one (a frame train's phase jumping at the join, its bursts read as
        another kind's), so each side of a break is windowed on its own.

        >>> r = Recording(np.zeros(40000, np.uint16), 8000.0, clock_breaks=[(0, 0.0), (16000, 4)])
        >>> r.windows(2.0, 5.0, 1.5), r.windows(0.0, 5.0, 1.5)
        ([(2.0, 3.5), (3.5, 5.0)], [(0.0, 2.0), (2.0, 3.5), (3.5, 5.0)])
        """
        out: list[tuple[float, float]] = []
        for a, b in self.segments(start_s, end_s):
            edges = np.linspace(a, b, max(1, int(round((b - a) / window_s))) + 1)
            out += [(float(w0), float(w1)) for w0, w1 in zip(edges[:-1], edges[1:])]
        return out

    @property
    def scan_gaps(self) -> list[tuple[float, float]]:
        """Device-time stretches with no samples, (start, end) seconds: where the
        samples would have gone on, to the first sample after the gap."""
        out = []
        for (i0, t0), (i1, t1) in zip(self.clock_breaks, self.clock_breaks[1:]):
            start = t0 + (i1 - i0) / self.fs
            if t1 > start:
                out.append((round(start, 6), round(t1, 6)))
        return out

    def _breaks(self) -> tuple[np.ndarray, np.ndarray] | None:
        if len(self.clock_breaks) < 2 and not any(t for _, t in self.clock_breaks):
            return None
        idx = np.array([i for i, _ in self.clock_breaks], dtype=float)
        return idx / self.fs, np.array([t for _, t in self.clock_breaks], dtype=float)

    def device_time(self, t_sample_s: Any) -> Any:
        """Device time (s) of sample-clock time(s) `t_sample_s`: a float for a
        float, an array for an array. The one conversion for every time that
        leaves the analysis.

        Examples
        --------
        >>> r = Recording(np.zeros(16000, np.uint16), 8000.0, clock_breaks=[(0, 0.0), (8000, 2.6)])
        >>> r.device_time(0.5), r.device_time(1.5), r.device_duration_s, r.scan_gaps
        (0.5, 3.1, 3.6, [(1.0, 2.6)])
        """
        b = self._breaks()
        if b is None:
            return t_sample_s if np.ndim(t_sample_s) else float(t_sample_s)
        starts, times = b
        t = np.asarray(t_sample_s, dtype=float)
        k = np.maximum(np.searchsorted(starts, t, side="right") - 1, 0)
        out = times[k] + (t - starts[k])
        return out if out.ndim else float(out)

    def sample_time(self, t_device_s: Any) -> Any:
        """Sample-clock time(s) of device time(s) `t_device_s` (the inverse of
        `device_time`); a time inside a gap is the first sample after it."""
        b = self._breaks()
        if b is None:
            return t_device_s if np.ndim(t_device_s) else float(t_device_s)
        starts, times = b
        t = np.asarray(t_device_s, dtype=float)
        k = np.maximum(np.searchsorted(times, t, side="right") - 1, 0)
        ends = np.append(starts[1:], np.inf)
        out = np.minimum(starts[k] + (t - times[k]), ends[k])
        return out if out.ndim else float(out)

    def repeat(self, n: int) -> Recording:
        """This recording n times over, end to end (the benchmarks' long sweeps):
        samples and step values tiled; marks, sightings, scans, step starts and
        clock breaks moved on by one recording's length per repetition (sample
        clock; device clock for device times); the rest the same. Every field
        has a rule in `_REPEAT_RULES`, looked up through `dataclasses.fields`: a
        field without one is a TypeError, not a recording quietly missing it."""
        if not (isinstance(n, int) and n >= 1):
            raise ValueError(f"repeat: n must be a whole number >= 1, not {n!r}")
        size, span, dev = self.rf_counts.size, self.duration_s, self.device_duration_s
        if self.pd_counts is not None and self.pd_counts.size != size:
            raise ValueError("repeat: the photodiode and RF channels differ in length")
        out: dict[str, Any] = {}
        for f in fields(self):
            v, rule = getattr(self, f.name), _REPEAT_RULES.get(f.name)
            if rule is None:
                raise TypeError(f"Recording.repeat has no rule for the field {f.name!r}")
            if rule == "same" or v is None:
                out[f.name] = v
            elif rule == "tile":
                out[f.name] = np.tile(v, n)
            elif rule == "starts":
                out[f.name] = np.concatenate([v + k * size for k in range(n)])
            elif rule == "events":
                out[f.name] = [_later(x, k * span, k * dev) for k in range(n) for x in v]
            else:  # clock breaks; one at sample 0 and time 0 is no gap after the first
                out[f.name] = [
                    (i + k * size, t + k * dev)
                    for k in range(n)
                    for i, t in v
                    if k == 0 or i > 0 or t != 0.0
                ]
        return Recording(**out)

    def findings_in_device_time(self, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`findings` with every time in them on device time: `time_s`, the
        `time_s` of what their evidence lists (glints, other sightings), and
        "(at N s)" in their `why`. The analysis works on the sample clock; this
        is where its findings leave it (the end of `analyze`)."""
        if self._breaks() is None:
            return findings
        return [self._device_times(f) for f in findings]

    def _device_times(self, item: Any) -> Any:
        if isinstance(item, list):
            return [self._device_times(x) for x in item]
        if not isinstance(item, dict):
            return item
        out: dict[str, Any] = {}
        for k, v in item.items():
            if k == "time_s" and isinstance(v, (int, float)) and not isinstance(v, bool):
                out[k] = round(float(self.device_time(float(v))), 3)
            elif k == "why" and isinstance(v, str):
                out[k] = _AT_SECONDS.sub(
                    lambda m: f"(at {self.device_time(float(m.group(1))):.1f} s)", v
                )
            else:
                out[k] = self._device_times(v)
        return out

    @property
    def ceiling_dbm(self) -> float:
        """The level at and above which the detector saturated: its ceiling, and
        with auto-ranging (padded blocks in the recording) the ceiling with the
        pad in (a level under it was measured, one at it is a lower bound)."""
        if self.rf_pad_db is None or not self.rf_pad_db.size:
            return DETECTOR_CEILING_DBM
        return DETECTOR_CEILING_DBM + float(np.max(self.rf_pad_db))

    def rf_pad(self) -> np.ndarray | None:
        """dB the pad took off each sample (0.0 unpadded); None if never padded."""
        if self.rf_pad_start is None or self.rf_pad_db is None or not self.rf_pad_db.any():
            return None
        n = self.rf_counts.size
        ends = np.append(self.rf_pad_start[1:], n)
        lengths = np.clip(np.minimum(ends, n) - np.minimum(self.rf_pad_start, n), 0, None)
        return np.repeat(self.rf_pad_db, lengths)

    def rf_settling(self) -> np.ndarray:
        """Indices of the RF samples taken while the detector's filter settled
        after a range switch: the first `settle_samples(fs)` of every range step
        but the first (a block whose range differs from the one before it)."""
        if self.rf_pad_start is None or self.rf_pad_db is None or not self.rf_pad_db.size:
            return np.zeros(0, np.int64)
        starts = np.asarray(self.rf_pad_start, dtype=np.int64)
        db = np.asarray(self.rf_pad_db, dtype=float)
        n = self.rf_counts.size
        change = (db != np.r_[0.0, db[:-1]]) & (starts > 0) & (starts < n)
        idx = (starts[change][:, None] + np.arange(settle_samples(self.fs))).ravel()
        return idx[idx < n]

    @property
    def rf_settling_masked(self) -> int:
        """How many RF samples rf_dbm() masked as settling (`rf_settling`)."""
        return int(self.rf_settling().size)

    def rf_dbm(self) -> np.ndarray:
        """The RF input level of every sample, dBm: the calibration's law, plus
        the pad's dB where it was in (levels run on across a range switch) and
        the reading is above the floor (rfrange.padded_dbm). The samples taken while
        the detector's filter settled after a switch (`rf_settling`) read the
        first settled sample's level after them (the one before them if the
        recording ends first), so no level, burst or saturation figure sees
        the step's tail."""
        # 12-bit counts: one lookup table instead of the conversion per sample
        table = self.calibration.rf_dbm(np.arange(4096))
        if self.rf_counts.dtype.kind == "u":  # one pass (clip, index) instead of two
            dbm = table.take(self.rf_counts.astype(np.intp), mode="clip")
        else:
            dbm = table[np.minimum(self.rf_counts, 4095)]
        pad = self.rf_pad()
        if pad is None:
            return dbm
        dbm = padded_dbm(dbm, pad)
        settling = self.rf_settling()
        if settling.size:
            k = settle_samples(self.fs)
            first = settling - np.arange(settling.size) % k  # each switch's first sample
            after = first + k  # ... and its first settled one
            dbm[settling] = dbm[np.where(after < dbm.size, after, first - 1)]
        return dbm


# how Recording.repeat carries each field over (a new field needs its rule here)
_REPEAT_RULES = {
    **dict.fromkeys(("rf_counts", "pd_counts", "pd_level", "rf_pad_db"), "tile"),
    **dict.fromkeys(("pd_level_start", "rf_pad_start"), "starts"),
    **dict.fromkeys(("marks", "wifi", "ble", "radio_busy"), "events"),
    "clock_breaks": "breaks",
    **dict.fromkeys(("fs", "calibration", "waypoint_positions", "source", "led_hz"), "same"),
    **dict.fromkeys(("led_lit", "room_outline"), "same"),
}
_MOVED = {WifiSighting: ("time_s",), BleSighting: ("time_s",), RadioBusy: ("start_s", "end_s")}


def _later(x: Any, by_s: float, by_device_s: float) -> Any:
    """Mark or network sighting `x` moved `by_s` on the sample clock (a mark's
    device time `by_device_s` on the device clock)."""
    if isinstance(x, WaypointMark):
        d = None if x.device_time_s is None else x.device_time_s + by_device_s
        return replace(x, time_s=x.time_s + by_s, device_time_s=d)
    names = _MOVED.get(type(x))
    if names is None:
        raise TypeError(f"Recording.repeat has no rule to move a {type(x).__name__}")
    return replace(x, **{a: getattr(x, a) + by_s for a in names})


_AT_SECONDS = re.compile(r"\(at (\d+(?:\.\d+)?) s\)")


def clock_breaks(times_us: np.ndarray, rate: float) -> list[tuple[int, float]]:
    """(sample index, device time s from the first sample) at the first sample
    and at every sample after a gap: a step of more than one period plus
    GAP_MIN_S. Empty when there is no gap (device time is the sample clock).

    Examples
    --------
    >>> t = np.r_[np.arange(4) * 125, 1_600_000 + np.arange(4) * 125]
    >>> clock_breaks(t, 8000.0)
    [(0, 0.0), (4, 1.6)]
    """
    if times_us.size < 2 or not rate > 0:
        return []
    step = np.diff(times_us.astype(np.float64))
    gaps = np.nonzero(step > 1e6 / rate + GAP_MIN_S * 1e6)[0] + 1
    if gaps.size == 0:
        return []
    t0 = int(times_us[0])
    return [(0, 0.0)] + [(int(i), (int(times_us[i]) - t0) / 1e6) for i in gaps]


def loudest_dbm(dbm: np.ndarray, fs: float) -> float | None:
    """The loudest LOUDEST_WINDOW_S of `dbm` (samples at `fs`): the greatest mean
    power over any window of that length, in dBm; None when there are fewer
    samples than one window. The one definition of a stop's "loudest 50 ms".

    Examples
    --------
    >>> x = np.full(8000, -50.0); x[1000:1400] = -20.0
    >>> round(loudest_dbm(x, 8000.0), 1)
    -20.0
    """
    n = max(1, int(round(fs * LOUDEST_WINDOW_S)))
    x = np.asarray(dbm, dtype=float)
    if x.size < n:
        return None
    c = np.concatenate(([0.0], np.cumsum(10 ** (x / 10))))
    return float(10 * np.log10((c[n:] - c[:-n]).max() / n))


def saturated(dbm: float | None, ceiling: float = DETECTOR_CEILING_DBM) -> bool:
    """A level at the detector's ceiling (DETECTOR_CEILING_DBM, or a recording's
    `Recording.ceiling_dbm`: saturated even with the pad in): a lower bound."""
    return dbm is not None and dbm >= ceiling


def level_text(
    dbm: float | None,
    unit: str = " dBm",
    missing: str = "—",
    ceiling: float = DETECTOR_CEILING_DBM,
) -> str:
    """A detector level for people: "-23.4 dBm", or at the ceiling
    "≥ -3 dBm (saturated)" (never "-0.0 dBm": the true level may be far higher).
    With auto-ranging the ceiling is `Recording.ceiling_dbm` (17 dBm with the pad).

    Examples
    --------
    >>> level_text(-23.44), level_text(-0.0), level_text(None), level_text(5.0, ceiling=17.0)
    ('-23.4 dBm', '≥ -3 dBm (saturated)', '—', '5.0 dBm')
    """
    if dbm is None or not np.isfinite(dbm):
        return missing
    if saturated(dbm, ceiling):
        return f"≥ {ceiling:g}{unit} (saturated)"
    return f"{dbm:.1f}{unit}"


def label_marks(raw: list[tuple[float, str, str]], sweep: list[str] | None) -> list[WaypointMark]:
    """Names the marks: the n-th device-button press (counted from 1 in file
    order) is the plan's n-th sweep name, or "mark n" beyond the list or without
    one; a host mark is named by its own label and takes no sweep name."""
    out = []
    presses = 0
    for t, label, source in raw:
        if source == "button":
            name = sweep[presses] if sweep and presses < len(sweep) else f"mark {presses + 1}"
            presses += 1
        else:
            name = label
        out.append(WaypointMark(t, name, source))
    return out


def from_capture(
    path: str | Path, loaded: Capture | None = None, plan: RoomPlan | None = None
) -> Recording:
    """The recording of a capture file: RF and photodiode channels on one clock,
    the marks named from the header's plan, the calibration from the device's
    INFO. A malformed plan is a CaptureFormatError. `loaded`: the file as
    `roomsweep.link.capture.load` already read it (on one clock), so that a
    caller that needs both (`roomsweep info`) decodes it once; it is not changed.
    `plan`: a plan given apart from the capture (a plan file, `--plan`); each
    part it gives (waypoints, sweep, outline) is used instead of the header's."""

    cap = load(path) if loaded is None else loaded  # on one clock across device restarts
    counts, times_us, rate = cap.channel(0)
    if counts.size == 0:
        raise RoomsweepError(f"{path}: no RF samples in this capture")
    # skipped slots held over, so that the sample clock keeps device time (slotclock.py)
    rf_blocks = cap.blocks(0)
    rf_slots = block_repeats(rf_blocks, rate, GAP_MIN_S)
    t0 = int(times_us[0])
    raw = [
        ((m.ts_us - t0) / 1e6, m.label, "button" if m.source == 1 else "host")
        for m in cap.records
        if isinstance(m, Mark)
    ]
    pd = photodiode_on_rf(cap.blocks(1), rf_blocks)  # on the RF samples, block by block
    led_hz, led_lit = _leds(cap)
    level_start, level = _drive_levels(cap, times_us) if pd.size else (None, None)
    pad_start, pad_db = pad_steps(
        [b.rf_pad for b in rf_blocks], [len(b.samples) for b in rf_blocks]
    )
    pd = np.repeat(pd, rf_slots) if pd.size else pd
    level_start = on_grid(level_start, rf_slots)
    pad_start = on_grid(pad_start, rf_slots)
    counts, times_us = np.repeat(counts, rf_slots), grid_times(times_us, rf_slots, rate)
    plan = with_plan(read_plan(cap.header, str(path)), plan)
    rec = Recording(
        rf_counts=counts,
        fs=rate,
        marks=label_marks(raw, plan.sweep),
        calibration=Calibration.from_info(cap.device_info),
        waypoint_positions=plan.positions_xy(),
        source=str(path),
        pd_counts=pd if pd.size else None,
        led_hz=led_hz,
        led_lit=led_lit,
        pd_level_start=level_start,
        pd_level=level,
        rf_pad_start=pad_start,
        rf_pad_db=pad_db,
        room_outline=plan.outline,
        clock_breaks=clock_breaks(times_us, rate),
    )
    for m in rec.marks:  # the analysis cuts the sweep on the sample clock
        m.device_time_s = m.time_s
        m.time_s = float(rec.sample_time(m.time_s))
    _add_network(rec, cap.records, times_us)
    return rec


def _add_network(rec: Recording, records: list, times_us: np.ndarray) -> None:
    """Network sightings from WIFI_SCAN / BLE_ADV records, on the sample clock
    like the marks (`Recording.sample_time`): a Wi-Fi scan stalls sampling, so
    on the sample clock it takes no time."""

    scans = [r for r in records if isinstance(r, WifiScan)]
    advs = [r for r in records if isinstance(r, BleAdv)]
    if not scans and not advs:
        return
    t0 = int(times_us[0])

    def on_samples(ts_us: float) -> float:
        return float(rec.sample_time((ts_us - t0) / 1e6))

    for s in scans:
        start = on_samples(s.t_start_us)
        rec.radio_busy.append(RadioBusy(start, on_samples(s.t_start_us + s.duration_us), s.active))
        for ap in s.access_points:
            rec.wifi.append(
                WifiSighting(
                    start,
                    ap.bssid,
                    ap.ssid,
                    ap.channel,
                    float(ap.rssi_dbm),
                    ap.authmode,
                    ap.hidden,
                )
            )
    for a in advs:
        t = on_samples(a.t_start_us + a.span_us / 2)
        for d in a.advertisers:
            rec.ble.append(
                BleSighting(
                    t, d.address, d.address_type, float(d.rssi_max_dbm), d.seen, d.adv_data
                )
            )


def _drive_levels(cap: Any, times_us: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The LED drive level of each photodiode block, from the LENS frames (each
    names its block's first sample time and length), given the photodiode
    samples' device times; samples no LENS frame covers get NaN (unknown).
    (None, None) when the capture has no LENS frame at all."""

    lens = [r for r in cap.records if isinstance(r, Lens)]
    n = times_us.size
    if not lens or n == 0:
        return None, None
    lens.sort(key=lambda r: r.t_first_us)
    first = np.searchsorted(times_us, np.array([r.t_first_us for r in lens]) - 0.5)
    starts: list[int] = []
    levels: list[float] = []
    end = 0
    for r, s in zip(lens, first.tolist()):
        if s >= n:
            break
        if s > end:  # samples no LENS frame speaks for
            starts.append(end)
            levels.append(np.nan)
        starts.append(s)
        levels.append(float(r.drive_level))
        end = max(end, s + r.count)
    if end < n:
        starts.append(end)
        levels.append(np.nan)
    return np.asarray(starts, dtype=np.int64), np.asarray(levels, dtype=float)


def pad_steps(padded: Any, lengths: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Blocks' ranges (padded or not, and their lengths in samples, in order) as
    the steps Recording.rf_pad_start / rf_pad_db hold; (None, None) when no block
    was padded.

    Examples
    --------
    >>> pad_steps([False, True, True, False], [256, 256, 256, 256])
    (array([  0, 256, 768]), array([ 0., 20.,  0.]))
    """
    flags = np.asarray(padded, dtype=bool)
    if not flags.any():
        return None, None
    at = np.concatenate(([0], np.cumsum(np.asarray(lengths, dtype=np.int64))[:-1]))
    change = np.flatnonzero(np.r_[True, flags[1:] != flags[:-1]])
    return at[change].astype(np.int64), np.where(flags[change], RF_PAD_DB, 0.0)


def _leds(cap: Any) -> tuple[tuple[float, ...], tuple[bool, ...]]:
    """LED group frequencies from the device's INFO and whether each was lit:
    duty from INFO, then any CONFIGURE the recorder sent (ledN_duty=, ledN_hz=)."""
    info = cap.device_info or {}
    leds = info.get("leds") or []
    hz = [float(g.get("hz", 0)) for g in leds]
    duty = [int(g.get("duty_permille", 0)) for g in leds]
    on = [bool(g.get("on", True)) for g in leds]
    values = settings_values(cap.header.get("settings"))
    for i in range(len(leds)):
        hz[i] = float(values.get(f"led{i}_hz", hz[i]))
        if isinstance(d := values.get(f"led{i}_duty"), int):  # duty and on: integers only
            duty[i] = d
        if isinstance(o := values.get(f"led{i}_on"), int):
            on[i] = bool(o)
    return tuple(hz), tuple(d > 0 and o for d, o in zip(duty, on))
