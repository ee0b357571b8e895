"""One record per device heard: its RSSI track along the sweep and the waypoint
where it was strongest.

A sighting belongs to the waypoint whose button mark precedes it by at most
WAYPOINT_WINDOW_S (the user holds the device there for a few seconds after
pressing), and to no waypoint while walking. Per waypoint the RSSI readings are
averaged (fading is a few dB per reading); a waypoint visited twice keeps its
best visit. The strongest waypoint is the one with the highest mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roomsweep.protocol.observations import BleSighting, WifiSighting
from roomsweep.protocol.untrusted import printable

WAYPOINT_WINDOW_S = 4.0


@dataclass
class Device:
    radio: str  # "wifi" or "ble"
    mac: str
    random_address: bool = False  # BLE address type 1
    ssids: list[str] = field(default_factory=list)
    channel: int | None = None
    authmode: int | None = None
    hidden: bool = False
    adv_data: bytes = b""
    times_s: list[float] = field(default_factory=list)
    rssi_dbm: list[float] = field(default_factory=list)
    by_waypoint: dict[str, float] = field(default_factory=dict)  # mean RSSI per waypoint
    time_by_waypoint: dict[str, float] = field(default_factory=dict)  # its first reading
    strongest_waypoint: str | None = None
    strongest_dbm: float = -127.0
    strongest_time_s: float = 0.0

    @property
    def ssid(self) -> str:
        return self.ssids[-1] if self.ssids else ""

    @property
    def median_dbm(self) -> float:
        """Typical level over the waypoints where it was heard."""
        if not self.by_waypoint:
            return self.strongest_dbm
        return float(np.median(list(self.by_waypoint.values())))


def _waypoint_of(times: np.ndarray, marks: list[Any]) -> list[str | None]:
    if not marks:
        return [None] * len(times)
    mt = np.array([m.time_s for m in marks])
    order = np.argsort(mt, kind="stable")
    mt = mt[order]
    labels = [marks[i].label for i in order]
    out: list[str | None] = []
    for t in times:
        i = int(np.searchsorted(mt, t, side="right")) - 1
        out.append(labels[i] if i >= 0 and t - mt[i] <= WAYPOINT_WINDOW_S else None)
    return out


def build_devices(
    wifi: list[WifiSighting], ble: list[BleSighting], marks: list[Any]
) -> list[Device]:
    """Group sightings by address (Wi-Fi BSSID, BLE address) into devices."""
    devices: dict[tuple[str, str], Device] = {}
    for w in wifi:
        d = devices.setdefault(("wifi", w.bssid), Device("wifi", w.bssid))
        # printable already when decoded; sightings made elsewhere (the
        # simulator's fast path) are cleaned here, where they enter
        ssid = printable(w.ssid)
        if ssid and ssid not in d.ssids:
            d.ssids.append(ssid)
        d.channel, d.authmode, d.hidden = w.channel, w.authmode, d.hidden or w.hidden
        d.times_s.append(w.time_s)
        d.rssi_dbm.append(w.rssi_dbm)
    for b in ble:
        d = devices.setdefault(
            ("ble", b.address), Device("ble", b.address, random_address=b.address_type == 1)
        )
        if b.adv_data:
            d.adv_data = b.adv_data
        d.times_s.append(b.time_s)
        d.rssi_dbm.append(b.rssi_dbm)
    for d in devices.values():
        _track(d, marks)
    return list(devices.values())


def devices_of(rec: Any) -> list[Device]:
    """build_devices over a recording's sightings (either scan may be absent)
    and its waypoint marks."""
    return build_devices(
        getattr(rec, "wifi", None) or [], getattr(rec, "ble", None) or [], rec.marks
    )


def _track(d: Device, marks: list[Any]) -> None:
    t = np.asarray(d.times_s)
    r = np.asarray(d.rssi_dbm, dtype=float)
    best = int(np.argmax(r))
    d.strongest_dbm, d.strongest_time_s = float(r[best]), float(t[best])
    labels = _waypoint_of(t, marks)
    # per visit (consecutive readings at one waypoint), then the best visit per waypoint
    visits: list[tuple[str, list[float], list[float]]] = []
    for label, ti, ri in sorted(zip(labels, t, r), key=lambda x: x[1]):
        if label is None:
            continue
        if visits and visits[-1][0] == label and ti - visits[-1][1][-1] <= WAYPOINT_WINDOW_S:
            visits[-1][1].append(ti)
            visits[-1][2].append(ri)
        else:
            visits.append((label, [ti], [ri]))
    for label, ts, rs in visits:
        mean = float(np.mean(rs))
        if mean > d.by_waypoint.get(label, -np.inf):
            d.by_waypoint[label] = round(mean, 1)
            d.time_by_waypoint[label] = float(ts[0])
    if d.by_waypoint:
        d.strongest_waypoint = max(d.by_waypoint, key=d.by_waypoint.__getitem__)
        d.strongest_dbm = d.by_waypoint[d.strongest_waypoint]
        at = [ti for label, ti in zip(labels, t) if label == d.strongest_waypoint]
        d.strongest_time_s = float(at[0]) if at else d.strongest_time_s
