"""A recording: the RF channel as plain arrays with its rate, and the waypoint marks.

Made from a capture file here; the evaluation harness makes one straight from
the simulator's signal source (``roomsweep.eval.fastpath``). What this reader
takes from a capture's header and its device's INFO is listed in
docs/capture-format.md and docs/protocol.md (`HEADER_KEYS_READ`; the doc test
holds the pages to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.errors import RoomsweepError
from roomsweep.link.capture import load
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.observations import BleSighting, RadioBusy, WifiSighting
from roomsweep.protocol.plan import HEADER_KEYS_READ as PLAN_KEYS_READ
from roomsweep.protocol.plan import read_plan
from roomsweep.protocol.records import BleAdv, Lens, Mark, WifiScan

# Every header key this reader consults (dotted: a key inside a section): the
# device's INFO, the CONFIGURE text sent before START, and the room's plan with
# the places older captures kept it (roomsweep.protocol.plan.PLACES).
HEADER_KEYS_READ: tuple[str, ...] = ("device", "settings") + PLAN_KEYS_READ


@dataclass
class WaypointMark:
    time_s: float  # seconds from the first sample
    label: str  # the waypoint's name, or "mark N"
    source: str  # "button" or "host"


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

    @property
    def duration_s(self) -> float:
        return self.rf_counts.size / self.fs if self.fs else 0.0

    def rf_dbm(self) -> np.ndarray:
        # 12-bit counts: one lookup table instead of the conversion per sample
        table = self.calibration.rf_dbm(np.arange(4096))
        if self.rf_counts.dtype.kind == "u":  # one pass (clip, index) instead of two
            return table.take(self.rf_counts.astype(np.intp), mode="clip")
        return table[np.minimum(self.rf_counts, 4095)]


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


def from_capture(path: str | Path) -> Recording:
    """The recording of a capture file: RF and photodiode channels on one clock,
    the marks named from the header's plan, the calibration from the device's
    INFO. A malformed plan is a CaptureFormatError."""

    cap = load(path)  # on one clock across device restarts
    counts, times_us, rate = cap.channel(0)
    if counts.size == 0:
        raise RoomsweepError(f"{path}: no RF samples in this capture")
    t0 = int(times_us[0])
    raw = [
        ((m.ts_us - t0) / 1e6, m.label, "button" if m.source == 1 else "host")
        for m in cap.records
        if isinstance(m, Mark)
    ]
    pd, pd_times_us, _ = cap.channel(1)
    led_hz, led_lit = _leds(cap)
    level_start, level = _drive_levels(cap, pd_times_us)
    plan = read_plan(cap.header, str(path))
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
        room_outline=plan.outline,
    )
    _add_network(rec, cap.records, times_us, rate)
    return rec


def _add_network(rec: Recording, records: list, times_us: np.ndarray, rate: float) -> None:
    """Network sightings from WIFI_SCAN / BLE_ADV records. A Wi-Fi scan stalls
    sampling; when it does, device times are mapped onto the sample clock (the
    analyzer's time axis) and the marks after the stall are moved with them."""

    scans = [r for r in records if isinstance(r, WifiScan)]
    advs = [r for r in records if isinstance(r, BleAdv)]
    if not scans and not advs:
        return
    t0 = int(times_us[0])
    expected = t0 + np.arange(times_us.size) / rate * 1e6
    stalled = bool(times_us.size and times_us[-1] - expected[-1] > 0.5e6)

    def on_samples(ts_us: float) -> float:
        if not stalled:
            return (ts_us - t0) / 1e6
        return float(np.searchsorted(times_us, ts_us)) / rate

    if stalled:
        marks = [m for m in records if isinstance(m, Mark)]
        for wm, m in zip(rec.marks, marks):
            wm.time_s = on_samples(m.ts_us)
    for s in scans:
        start = on_samples(s.t_start_us)
        rec.radio_busy.append(
            RadioBusy(
                start,
                (s.t_start_us + s.duration_us - t0) / 1e6 if not stalled else start,
                s.active,
            )
        )
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


def _leds(cap: Any) -> tuple[tuple[float, ...], tuple[bool, ...]]:
    """LED group frequencies from the device's INFO and whether each was lit:
    duty from INFO, then any CONFIGURE the recorder sent (ledN_duty=, ledN_hz=)."""
    info = cap.device_info or {}
    leds = info.get("leds") or []
    hz = [float(g.get("hz", 0)) for g in leds]
    duty = [int(g.get("duty_permille", 0)) for g in leds]
    on = [bool(g.get("on", True)) for g in leds]
    settings = " ".join(str(s) for s in (cap.header.get("settings"),) if s)
    for item in settings.split():
        key, _, value = item.partition("=")
        for i in range(len(leds)):
            try:
                if key == f"led{i}_duty":
                    duty[i] = int(value)
                elif key == f"led{i}_hz":
                    hz[i] = float(value)
                elif key == f"led{i}_on":
                    on[i] = bool(int(value))
            except ValueError:
                pass
    return tuple(hz), tuple(d > 0 and o for d, o in zip(duty, on))
