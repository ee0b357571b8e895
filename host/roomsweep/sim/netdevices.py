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
                    interval_ms (100; 20-10240), position_m or emitter (the id of
                    the RF emitter whose advertising this is: its position, EIRP,
                    outside, loss and advertising interval are taken), eirp_dbm
                    (0), outside, loss_db, kind (tracker | camera | phone | beacon
                    | iot)

Ground truth: access points of kind camera and BLE devices of kind tracker or
camera inside the room are what a sweep must report; the waypoint it should
name is the one nearest the device.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from roomsweep.sim.tomlcheck import Bad, check_keys

AUTHMODES = {
    "open": 0,
    "wep": 1,
    "wpa-psk": 2,
    "wpa2-psk": 3,
    "wpa-wpa2-psk": 4,
    "wpa2-enterprise": 5,
    "wpa3-psk": 6,
    "wpa2-wpa3-psk": 7,
}
AP_KINDS = ("camera", "router", "hotspot", "iot")
BLE_KINDS = ("tracker", "camera", "phone", "beacon", "iot")
REPORTABLE_AP_KINDS = ("camera",)
REPORTABLE_BLE_KINDS = ("tracker", "camera")
WIFI_CHANNEL_MHZ = {c: 2407.0 + 5.0 * c for c in range(1, 14)}  # IEEE 802.11 2.4 GHz
BLE_BAND_MHZ = 2440.0
_AP_KEYS = {
    "id",
    "bssid",
    "ssid",
    "channel",
    "authmode",
    "ssid_hidden",
    "position_m",
    "emitter",
    "eirp_dbm",
    "outside",
    "loss_db",
    "kind",
}
_BLE_KEYS = {
    "id",
    "address",
    "address_type",
    "adv_data",
    "interval_ms",
    "position_m",
    "emitter",
    "eirp_dbm",
    "outside",
    "loss_db",
    "kind",
}
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
    emitter: str | None = None

    @property
    def reportable(self) -> bool:
        return self.kind in REPORTABLE_BLE_KINDS and not self.outside


def parse_network(
    doc: dict, size: tuple[float, float, float], emitters: list[Any]
) -> tuple[list[AccessPointSpec], list[BleDeviceSpec]]:
    """Read [[access_points]] and [[ble_devices]]; problems raise tomlcheck.Bad."""
    by_id = {e.id: e for e in emitters}
    aps = [_ap(t, i, size, by_id) for i, t in enumerate(_array(doc, "access_points"))]
    bles = [_ble(t, i, size, by_id) for i, t in enumerate(_array(doc, "ble_devices"))]
    seen: set[str] = set()
    devices: list[AccessPointSpec | BleDeviceSpec] = [*aps, *bles]
    for d in devices:
        if d.id in seen:
            raise Bad(f"network device {d.id!r}: duplicate id")
        seen.add(d.id)
    return aps, bles


def _array(doc: dict, key: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Bad(f"{key} must be an array of tables ([[{key}]])")
    return value


def _str(t: dict, key: str, where: str, default: str | None = None) -> str:
    v = t.get(key, default)
    if not isinstance(v, str) or (default is None and not v):
        raise Bad(f"{where}: {key} must be a string" + ("" if key in t else " (missing)"))
    return v


def _num(t: dict, key: str, where: str, default: float, lo: float, hi: float) -> float:
    v = t.get(key, default)
    if (
        isinstance(v, bool)
        or not isinstance(v, (int, float))
        or not math.isfinite(v)
        or not lo <= v <= hi
    ):
        raise Bad(f"{where}: {key} must be a number between {lo:g} and {hi:g}, not {v!r}")
    return float(v)


def _bool(t: dict, key: str, where: str) -> bool:
    v = t.get(key, False)
    if not isinstance(v, bool):
        raise Bad(f"{where}: {key} must be true or false")
    return v


def _mac(t: dict, key: str, where: str) -> str:
    v = _str(t, key, where).lower()
    if not _MAC.match(v):
        raise Bad(f"{where}: {key} must look like aa:bb:cc:dd:ee:ff, not {v!r}")
    return v


def _position(t: dict, where: str, size, outside: bool):
    p = t.get("position_m")
    if (
        not isinstance(p, list)
        or len(p) != 3
        or any(isinstance(c, bool) or not isinstance(c, (int, float)) for c in p)
    ):
        raise Bad(f"{where}: position_m must be three numbers [x, y, z]")
    pos = (float(p[0]), float(p[1]), float(p[2]))
    inside = all(0.0 <= c <= s for c, s in zip(pos, size))
    if inside == outside:
        raise Bad(
            f"{where} at {list(pos)} is {'inside' if inside else 'outside'} the room "
            f"but outside = {str(outside).lower()}"
        )
    return pos


# what a network device linked to an RF emitter takes from it
_FROM_EMITTER = ("position_m", "eirp_dbm", "outside", "loss_db")


def _linked(
    t: dict, where: str, emitters: dict, taken: tuple[str, ...], kind: str | None = None
) -> Any | None:
    """The RF emitter a network device names as itself (`emitter`), or None;
    its id must be an emitter's (of `kind`, when given), and none of the keys
    it gives (`taken`) may be given too."""
    emitter = t.get("emitter")
    if emitter is None:
        return None
    if emitter not in emitters:
        raise Bad(f"{where}: emitter {emitter!r} is not an emitter id")
    e = emitters[emitter]
    if kind is not None and e.kind != kind:
        raise Bad(f"{where}: emitter {emitter!r} is of kind {e.kind!r}, not {kind}")
    for k in taken:
        if k in t:
            raise Bad(f"{where}: {k} comes from emitter {emitter!r}; do not give both")
    return e


def _ap(t: dict, i: int, size, emitters: dict) -> AccessPointSpec:
    where = f"access point {t.get('id', i + 1)!r}"
    check_keys(t, _AP_KEYS, where)
    eid = _str(t, "id", where)
    bssid = _mac(t, "bssid", where)
    ssid = _str(t, "ssid", where, "")
    if len(ssid.encode()) > 32:
        raise Bad(f"{where}: ssid is longer than 32 bytes")
    channel = _num(t, "channel", where, 6, 1, 13)
    if channel != int(channel):
        raise Bad(f"{where}: channel must be an integer 1..13")
    auth = _str(t, "authmode", where, "wpa2-psk")
    if auth not in AUTHMODES:
        raise Bad(f"{where}: authmode must be one of {', '.join(AUTHMODES)}, not {auth!r}")
    kind = _str(t, "kind", where, "router")
    if kind not in AP_KINDS:
        raise Bad(f"{where}: kind must be one of {', '.join(AP_KINDS)}, not {kind!r}")
    e = _linked(t, where, emitters, _FROM_EMITTER)
    if e is not None:
        pos, eirp, outside, loss = e.position_m, e.eirp_dbm, e.outside, e.loss_db
    else:
        outside = _bool(t, "outside", where)
        pos = _position(t, where, size, outside)
        eirp = _num(t, "eirp_dbm", where, 20.0, -40.0, 36.0)
        loss = _num(t, "loss_db", where, 0.0, 0.0, 100.0)
    return AccessPointSpec(
        eid,
        bssid,
        ssid,
        int(channel),
        AUTHMODES[auth],
        _bool(t, "ssid_hidden", where),
        pos,
        eirp,
        outside,
        loss,
        kind,
        e.id if e is not None else None,
    )


def _ble(t: dict, i: int, size, emitters: dict) -> BleDeviceSpec:
    where = f"ble device {t.get('id', i + 1)!r}"
    check_keys(t, _BLE_KEYS, where)
    eid = _str(t, "id", where)
    address = _mac(t, "address", where)
    atype = _str(t, "address_type", where, "random")
    if atype not in ("public", "random"):
        raise Bad(f"{where}: address_type must be public or random")
    try:
        data = bytes.fromhex(_str(t, "adv_data", where, ""))
    except ValueError:
        raise Bad(f"{where}: adv_data must be a hex string") from None
    if len(data) > 31:
        raise Bad(f"{where}: adv_data is longer than 31 bytes (legacy advertising)")
    kind = _str(t, "kind", where, "beacon")
    if kind not in BLE_KINDS:
        raise Bad(f"{where}: kind must be one of {', '.join(BLE_KINDS)}, not {kind!r}")
    # the RF emitter's advertising events as the scan hears them: one device
    e = _linked(t, where, emitters, (*_FROM_EMITTER, "interval_ms"), kind="ble")
    if e is not None:
        interval = float(e.params.get("interval_ms", 100.0))
        pos, eirp, outside, loss = e.position_m, e.eirp_dbm, e.outside, e.loss_db
    else:
        outside = _bool(t, "outside", where)
        pos = _position(t, where, size, outside)
        interval = _num(t, "interval_ms", where, 100.0, 20.0, 10240.0)
        eirp = _num(t, "eirp_dbm", where, 0.0, -40.0, 20.0)
        loss = _num(t, "loss_db", where, 0.0, 0.0, 100.0)
    return BleDeviceSpec(
        eid,
        address,
        atype == "random",
        data,
        interval,
        pos,
        eirp,
        outside,
        loss,
        kind,
        emitter=e.id if e is not None else None,
    )
