"""The radios in a scenario that the device's Wi-Fi and BLE scans hear.

Scenario keys (TOML, documented in docs/scenarios.md):

[[access_points]]   id, bssid, ssid, channel (1-13), authmode (open | wep | wpa-psk |
                    wpa2-psk | wpa-wpa2-psk | wpa2-enterprise | wpa3-psk |
                    wpa2-wpa3-psk), ssid_hidden (false), position_m or emitter (the
                    id of the RF emitter that is the same device: its position,
                    EIRP, outside and loss are taken), eirp_dbm (20), outside
                    (false), loss_db (0), kind (camera | router | hotspot | iot)
[[ble_devices]]     id, address, address_type (public | random), adv_data (hex
                    string, the legacy advertising payload, at most 31 bytes),
                    interval_ms (100; 20-10240), position_m, eirp_dbm (0), outside,
                    loss_db, kind (tracker | camera | phone | beacon | iot)

Ground truth: access points of kind camera and BLE devices of kind tracker or
camera inside the room are what a sweep must report; the waypoint it should
name is the one nearest the device.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

AUTHMODES = {"open": 0, "wep": 1, "wpa-psk": 2, "wpa2-psk": 3, "wpa-wpa2-psk": 4,
             "wpa2-enterprise": 5, "wpa3-psk": 6, "wpa2-wpa3-psk": 7}
AP_KINDS = ("camera", "router", "hotspot", "iot")
BLE_KINDS = ("tracker", "camera", "phone", "beacon", "iot")
REPORTABLE_AP_KINDS = ("camera",)
REPORTABLE_BLE_KINDS = ("tracker", "camera")
WIFI_CHANNEL_MHZ = {c: 2407.0 + 5.0 * c for c in range(1, 14)}  # IEEE 802.11 2.4 GHz
BLE_BAND_MHZ = 2440.0
_AP_KEYS = {"id", "bssid", "ssid", "channel", "authmode", "ssid_hidden", "position_m",
            "emitter", "eirp_dbm", "outside", "loss_db", "kind"}
_BLE_KEYS = {"id", "address", "address_type", "adv_data", "interval_ms", "position_m",
             "eirp_dbm", "outside", "loss_db", "kind"}
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


@dataclass
class AccessPointSpec:
    id: str
    bssid: str
    ssid: str
    channel: int
    authmode: int
    ssid_hidden: bool
    position_m: tuple[float, float, float]
    eirp_dbm: float
    outside: bool
    loss_db: float
    kind: str
    emitter: str | None = None

    @property
    def band_mhz(self) -> float:
        return WIFI_CHANNEL_MHZ[self.channel]

    @property
    def reportable(self) -> bool:
        return self.kind in REPORTABLE_AP_KINDS and not self.outside


@dataclass
class BleDeviceSpec:
    id: str
    address: str
    random_address: bool
    adv_data: bytes
    interval_ms: float
    position_m: tuple[float, float, float]
    eirp_dbm: float
    outside: bool
    loss_db: float
    kind: str

    band_mhz: float = BLE_BAND_MHZ

    @property
    def reportable(self) -> bool:
        return self.kind in REPORTABLE_BLE_KINDS and not self.outside


def parse_network(doc: dict, size: tuple[float, float, float], emitters: list[Any],
                  bad: type[Exception]) -> tuple[list[AccessPointSpec], list[BleDeviceSpec]]:
    """Read [[access_points]] and [[ble_devices]]; problems raise `bad`."""
    by_id = {e.id: e for e in emitters}
    aps = [_ap(t, i, size, by_id, bad) for i, t in enumerate(_array(doc, "access_points", bad))]
    bles = [_ble(t, i, size, bad) for i, t in enumerate(_array(doc, "ble_devices", bad))]
    seen: set[str] = set()
    for d in [*aps, *bles]:
        if d.id in seen:
            raise bad(f"network device {d.id!r}: duplicate id")
        seen.add(d.id)
    return aps, bles


def _array(doc: dict, key: str, bad: type[Exception]) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise bad(f"{key} must be an array of tables ([[{key}]])")
    return value


def _check(t: dict, allowed: set[str], where: str, bad: type[Exception]) -> None:
    for k in t:
        if k not in allowed:
            raise bad(f"unknown key {k!r} in {where} (expected: {', '.join(sorted(allowed))})")


def _str(t: dict, key: str, where: str, bad: type[Exception], default: str | None = None) -> str:
    v = t.get(key, default)
    if not isinstance(v, str) or (default is None and not v):
        raise bad(f"{where}: {key} must be a string" + ("" if key in t else " (missing)"))
    return v


def _num(t: dict, key: str, where: str, bad: type[Exception], default: float,
         lo: float, hi: float) -> float:
    v = t.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
            or not lo <= v <= hi:
        raise bad(f"{where}: {key} must be a number between {lo:g} and {hi:g}, not {v!r}")
    return float(v)


def _bool(t: dict, key: str, where: str, bad: type[Exception]) -> bool:
    v = t.get(key, False)
    if not isinstance(v, bool):
        raise bad(f"{where}: {key} must be true or false")
    return v


def _mac(t: dict, key: str, where: str, bad: type[Exception]) -> str:
    v = _str(t, key, where, bad).lower()
    if not _MAC.match(v):
        raise bad(f"{where}: {key} must look like aa:bb:cc:dd:ee:ff, not {v!r}")
    return v


def _position(t: dict, where: str, size, outside: bool, bad: type[Exception]):
    p = t.get("position_m")
    if (not isinstance(p, list) or len(p) != 3
            or any(isinstance(c, bool) or not isinstance(c, (int, float)) for c in p)):
        raise bad(f"{where}: position_m must be three numbers [x, y, z]")
    pos = (float(p[0]), float(p[1]), float(p[2]))
    inside = all(0.0 <= c <= s for c, s in zip(pos, size))
    if inside == outside:
        raise bad(f"{where} at {list(pos)} is {'inside' if inside else 'outside'} the room "
                  f"but outside = {str(outside).lower()}")
    return pos


def _ap(t: dict, i: int, size, emitters: dict, bad: type[Exception]) -> AccessPointSpec:
    where = f"access point {t.get('id', i + 1)!r}"
    _check(t, _AP_KEYS, where, bad)
    eid = _str(t, "id", where, bad)
    bssid = _mac(t, "bssid", where, bad)
    ssid = _str(t, "ssid", where, bad, "")
    if len(ssid.encode()) > 32:
        raise bad(f"{where}: ssid is longer than 32 bytes")
    channel = _num(t, "channel", where, bad, 6, 1, 13)
    if channel != int(channel):
        raise bad(f"{where}: channel must be an integer 1..13")
    auth = _str(t, "authmode", where, bad, "wpa2-psk")
    if auth not in AUTHMODES:
        raise bad(f"{where}: authmode must be one of {', '.join(AUTHMODES)}, not {auth!r}")
    kind = _str(t, "kind", where, bad, "router")
    if kind not in AP_KINDS:
        raise bad(f"{where}: kind must be one of {', '.join(AP_KINDS)}, not {kind!r}")
    emitter = t.get("emitter")
    if emitter is not None:
        if emitter not in emitters:
            raise bad(f"{where}: emitter {emitter!r} is not an emitter id")
        for k in ("position_m", "eirp_dbm", "outside", "loss_db"):
            if k in t:
                raise bad(f"{where}: {k} comes from emitter {emitter!r}; do not give both")
        e = emitters[emitter]
        pos, eirp, outside, loss = e.position_m, e.eirp_dbm, e.outside, e.loss_db
    else:
        outside = _bool(t, "outside", where, bad)
        pos = _position(t, where, size, outside, bad)
        eirp = _num(t, "eirp_dbm", where, bad, 20.0, -40.0, 36.0)
        loss = _num(t, "loss_db", where, bad, 0.0, 0.0, 100.0)
    return AccessPointSpec(eid, bssid, ssid, int(channel), AUTHMODES[auth],
                           _bool(t, "ssid_hidden", where, bad), pos, eirp, outside, loss, kind,
                           emitter)


def _ble(t: dict, i: int, size, bad: type[Exception]) -> BleDeviceSpec:
    where = f"ble device {t.get('id', i + 1)!r}"
    _check(t, _BLE_KEYS, where, bad)
    eid = _str(t, "id", where, bad)
    address = _mac(t, "address", where, bad)
    atype = _str(t, "address_type", where, bad, "random")
    if atype not in ("public", "random"):
        raise bad(f"{where}: address_type must be public or random")
    try:
        data = bytes.fromhex(_str(t, "adv_data", where, bad, ""))
    except ValueError:
        raise bad(f"{where}: adv_data must be a hex string") from None
    if len(data) > 31:
        raise bad(f"{where}: adv_data is longer than 31 bytes (legacy advertising)")
    kind = _str(t, "kind", where, bad, "beacon")
    if kind not in BLE_KINDS:
        raise bad(f"{where}: kind must be one of {', '.join(BLE_KINDS)}, not {kind!r}")
    outside = _bool(t, "outside", where, bad)
    return BleDeviceSpec(
        eid, address, atype == "random", data,
        _num(t, "interval_ms", where, bad, 100.0, 20.0, 10240.0),
        _position(t, where, size, outside, bad),
        _num(t, "eirp_dbm", where, bad, 0.0, -40.0, 20.0), outside,
        _num(t, "loss_db", where, bad, 0.0, 0.0, 100.0), kind)
