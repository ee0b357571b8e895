"""Typed records: what the decoder makes of each valid frame.

Plain data only (dataclasses and numpy arrays), so every layer above the decoder
can use them without knowing about bytes. Times are microseconds on the sender's
clock, unwrapped to a monotonically growing integer (``ts_us``).

Text fields (labels, log and reply text, notes, SSIDs, the strings in INFO) come
from outside; the decoder makes them `untrusted.printable`, so they hold no raw
control character. Raw bytes (``ssid_raw``, ``adv_data``, ``payload``) are kept
as sent: never show them without `untrusted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(slots=True)
class Record:
    type: int
    seq: int
    ts_us: int
    raw: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Info(Record):
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Samples(Record):
    """One block of one channel. ``samples`` are ADC counts (12-bit)."""

    channel: int = 0
    encoding: int = 0
    t_first_us: int = 0  # unwrapped device time of samples[0]
    span_us: int = 0  # device time from the first to the last sample
    rate_hz: float = 0.0  # measured by the device over this block
    dropped: int = 0  # samples dropped on this channel since START (device count)
    samples: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))
    # RF channel: taken with the switchable pad in front of the detector
    # (rsproto.SAMPLES_FLAG_RF_PAD; its dB in INFO "rf_pad"); False for older firmware
    rf_pad: bool = False


@dataclass(slots=True)
class Status(Record):
    uptime_ms: int = 0
    heap_free: int = 0
    heap_used: int = 0
    dropped: int = 0
    late: int = 0
    missed: int = 0
    battery_mv: int = 0
    link_errors: int = 0
    command_errors: int = 0
    streaming: bool = False


@dataclass(slots=True)
class Lens(Record):
    """LENS (0x12): the device's lock-in amplitude per LED group for one block."""

    t_first_us: int = 0  # device time of the block's first photodiode sample
    count: int = 0  # samples in the block
    amplitudes: tuple = ()  # per group, ADC counts (fundamental of the return)
    alert: bool = False  # the device's glint alert was on
    clipped: bool = False  # the block held a clipped sample
    drive_level: int = 0  # the LEDs ran at full current / 2**drive_level (0: full)


@dataclass(slots=True)
class Mark(Record):
    number: int = 0
    source: int = 0  # rsproto.MARK_FROM_HOST or MARK_FROM_BUTTON
    label: str = ""


@dataclass(slots=True)
class Log(Record):
    level: int = 0
    text: str = ""


@dataclass(slots=True)
class Ack(Record):
    cmd_seq: int = 0
    cmd_type: int = 0
    text: str = ""


@dataclass(slots=True)
class Error(Record):
    cmd_seq: int = 0
    cmd_type: int = 0
    code: int = 0
    text: str = ""


@dataclass(slots=True)
class Command(Record):
    """A host-to-device command frame (seen when decoding what a host sent)."""

    text: str = ""


@dataclass(slots=True)
class HostTime(Record):
    """Capture-only: the host's wall clock (Unix seconds) when a frame arrived."""

    unix_time: float = 0.0


@dataclass(slots=True)
class RxStats(Record):
    """Capture-only: the live decoder's counters at the time of writing."""

    counters: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Note(Record):
    """Capture-only: a free-form note added by the host or the user."""

    text: str = ""


@dataclass(slots=True)
class Unknown(Record):
    """A frame with a valid CRC that this reader cannot interpret."""

    payload: bytes = b""
    reason: str = ""


@dataclass(slots=True)
class AccessPoint:
    """One access point in a Wi-Fi scan."""

    bssid: str  # "aa:bb:cc:dd:ee:ff"
    ssid: str  # UTF-8 with replacement, control characters escaped; "" when hidden
    channel: int
    rssi_dbm: int
    authmode: int  # ESP-IDF wifi_auth_mode_t: 0 open, 1 WEP, 2 WPA-PSK, 3 WPA2-PSK, ...
    hidden: bool
    ssid_raw: bytes = b""  # as sent


@dataclass(slots=True)
class WifiScan(Record):
    """A Wi-Fi access-point scan. Sampling stood still from ``t_start_us`` for
    ``duration_us`` (the scan blocks the device's CPU)."""

    t_start_us: int = 0  # unwrapped device time the scan began
    duration_us: int = 0
    active: bool = False  # the device sent probe requests during the scan
    failed: bool = False
    truncated: bool = False
    access_points: list[AccessPoint] = field(default_factory=list)


@dataclass(slots=True)
class BleAdvertiser:
    """One BLE advertiser heard in a window, deduplicated by address."""

    address: str  # "aa:bb:cc:dd:ee:ff", most significant byte first
    address_type: int  # 0 public, 1 random
    adv_type: int  # 0 ADV_IND, 1 ADV_DIRECT_IND, 2 ADV_SCAN_IND, 3 ADV_NONCONN_IND, 4 SCAN_RSP
    rssi_max_dbm: int
    rssi_last_dbm: int
    seen: int  # advertisements heard in the window
    adv_data: bytes = b""


@dataclass(slots=True)
class BleAdv(Record):
    """BLE advertisers heard from ``t_start_us`` for ``span_us``."""

    t_start_us: int = 0
    span_us: int = 0
    lost: int = 0  # advertisements the device could not store (table full)
    advertisers: list[BleAdvertiser] = field(default_factory=list)
