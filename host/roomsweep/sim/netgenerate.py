"""Network radios for generated scenarios: camera access points, trackers and
the benign crowd, including hard negatives that share camera makers' prefixes.

Drawn with their own generator (seed, index, NET_WORD), after the RF part of the
scenario is fixed, so adding them changes no RF emitter. Appended to the TOML
text by roomsweep.sim.generate.

Catalogue sources: SSID patterns and tracker payloads as in
roomsweep.network.signatures (friendorfoe README, intx82/a9-v720, Dafang hacks;
Bluetooth SIG assigned numbers); OUIs as registered with the IEEE (netaddr's
copy): 54:8c:81 Hikvision, 74:c9:29 Dahua, ec:71:db Reolink, d0:3f:27 Wyze,
74:da:38 Edimax, 90:8d:78 and b0:c5:54 D-Link, 50:c7:bf TP-Link, 24:0a:c4
Espressif, 38:10:d5 AVM, a0:40:a0 Netgear, ac:23:3f Shenzhen Minew.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomsweep.sim.netdevices import AUTHMODES
from roomsweep.sim.scenario import Scenario

NET_WORD = 0x4E4554  # "NET"
CAMERA_AP_WITH_EMITTER = 0.7  # share of hidden Wi-Fi cameras that also run an AP
EXTRA_CAMERA_AP = 0.3  # a camera in setup mode (no RF emitter of its own)
TRACKER = 0.45
# wide profile: what a BLE emitter's advertising says to a scanner. Its PDUs are
# the same whether the RF detector or the device's BLE scan hears them (Core 5.4
# Vol 6 Part B 2.3), so every RF ble emitter is also a scanned device. Hidden
# ones: a tracker's payload (AirTag, SmartTag, Tile) or a gadget's that names
# nothing [judgement]; neighbours' mostly gadgets, sometimes a tracker on keys
HIDDEN_BLE_TRACKER = 0.7
NEIGHBOUR_BLE_TRACKER = 0.3
# wide profile: a neighbour's own IP camera beyond a wall, its SSID a camera's
# (a hard negative for "is it in this room?": every sign but where it is)
NEIGHBOUR_CAMERA_AP = 0.3
CAMERA_OUIS = ("54:8c:81", "74:c9:29", "ec:71:db", "d0:3f:27")
MODULE_OUIS = ("24:0a:c4",)  # Espressif modules in cheap cameras
ROUTER_OUIS = ("38:10:d5", "a0:40:a0", "50:c7:bf")
HARD_NEGATIVES = (  # (OUI, SSID stem, authmode, what) - IoT that shares camera makers' prefixes
    (
        "74:da:38",
        "EdiPlug.Setup ",
        "open",
        "Edimax smart plug in setup mode (Edimax also makes cameras)",
    ),
    ("90:8d:78", "DCH-S150-", "wpa2-psk", "D-Link motion sensor (D-Link also makes cameras)"),
    ("b0:c5:54", "DSP-W215-", "open", "D-Link smart plug in setup mode"),
    ("24:0a:c4", "ESP_", "open", "an ESP32 gadget's setup access point"),
)
CAMERA_SSIDS = (
    "HDWiFiCam-{hex6}",
    "IPC-{hex6}",
    "Nax_{digits12}",
    "CLOUDCAM-{hex4}",
    "HIDVCAM-{hex4}",
    "IP_CAM_{hex4}",
    "JXLCAM_{hex6}",
    "dafang-{mac}",
)
ROUTER_SSIDS = (
    "FRITZ!Box 7530 {L}{L}",
    "NETGEAR{d2}",
    "TP-Link_{hex4}",
    "Room{d3}-Guest",
    "Vodafone-{hex6}",
)


def _hex(rng: np.random.Generator, n: int) -> str:
    return "".join(f"{int(b):02X}" for b in rng.integers(0, 256, (n + 1) // 2))[:n]


def _mac(rng: np.random.Generator, oui: str | None = None) -> str:
    if oui is None:  # locally administered, unicast: randomised or a random BLE address
        first = (int(rng.integers(0, 256)) | 0x02) & 0xFE
        oui = f"{first:02x}:{int(rng.integers(256)):02x}:{int(rng.integers(256)):02x}"
    return oui + "".join(f":{int(b):02x}" for b in rng.integers(0, 256, 3))


def _random_static(rng: np.random.Generator) -> str:
    b = rng.integers(0, 256, 6)
    b[0] |= 0xC0  # BLE random static address: two top bits set
    return ":".join(f"{int(x):02x}" for x in b)


def _ssid(rng: np.random.Generator, pattern: str, mac: str) -> str:
    return pattern.format(
        hex6=_hex(rng, 6),
        hex4=_hex(rng, 4),
        digits12="".join(str(int(d)) for d in rng.integers(0, 10, 12)),
        mac=mac.replace(":", "")[-6:],
        L=chr(65 + int(rng.integers(26))),
        d2=int(rng.integers(10, 99)),
        d3=int(rng.integers(100, 999)),
    )


def _tracker_adv(rng: np.random.Generator) -> tuple[str, str]:
    kind = int(rng.integers(3))
    if kind == 0:  # Apple Find My offline finding: 4c 00, type 0x12, length 0x19
        body = (
            bytes([0x1E, 0xFF, 0x4C, 0x00, 0x12, 0x19, 0x10])
            + bytes(int(x) for x in rng.integers(0, 256, 22))
            + bytes([0x01, 0x00])
        )
        return body.hex(), "an AirTag (Apple Find My)"
    if kind == 1:  # Tile: flags, 16-bit UUID FEED, service data
        body = bytes([2, 1, 6, 3, 3, 0xED, 0xFE, 11, 0x16, 0xED, 0xFE]) + bytes(
            int(x) for x in rng.integers(0, 256, 8)
        )
        return body.hex(), "a Tile tracker"
    body = bytes([2, 1, 6, 3, 3, 0x5A, 0xFD, 15, 0x16, 0x5A, 0xFD]) + bytes(
        int(x) for x in rng.integers(0, 256, 12)
    )
    return body.hex(), "a Samsung SmartTag"


def _near_waypoint(rng: np.random.Generator, scenario: Scenario, name: str) -> list[float]:
    w = np.asarray(scenario.waypoint(name).position_m)
    size = np.asarray(scenario.room_size_m)
    for _ in range(50):
        d = rng.normal(size=3)
        d *= rng.uniform(0.12, 0.3) / np.linalg.norm(d)
        p = np.clip(w + d, 0.02, size - 0.02)
        if scenario.nearest_waypoint(p) == name:
            return [round(float(c), 2) for c in p]
    return [round(float(c), 2) for c in np.clip(w + [0.0, 0.0, -0.15], 0.02, size - 0.02)]


def _outside(rng: np.random.Generator, scenario: Scenario) -> tuple[list[float], float]:
    w, l, h = scenario.room_size_m
    if rng.random() < 0.5:
        p = [float(rng.uniform(0.2, w - 0.2)), -float(rng.uniform(1.0, 3.0)), 2.4]
    else:
        p = [
            float(w + rng.uniform(1.0, 4.0)),
            float(rng.uniform(0.3, l - 0.3)),
            float(rng.uniform(0.5, 2.2)),
        ]
    return [round(c, 2) for c in p], float(round(rng.uniform(4.0, 10.0)))


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table(kind: str, items: dict[str, Any], comment: str) -> str:
    out = f"[[{kind}]]" + (f"                 # {comment}" if comment else "") + "\n"
    for k, v in items.items():
        if isinstance(v, bool):
            out += f"{k} = {str(v).lower()}\n"
        elif isinstance(v, str):
            out += f"{k} = {_q(v)}\n"
        elif isinstance(v, list):
            out += f"{k} = [" + ", ".join(f"{c:.2f}" for c in v) + "]\n"
        else:
            out += f"{k} = {v:g}\n"
    return out + "\n"


def _gadget_adv(rng: np.random.Generator) -> tuple[str, str]:
    """A BLE gadget's advertising that names no kind: flags and one 16-bit
    service UUID of the SIG's GATT services (battery 0x180F, heart rate 0x180D,
    environmental sensing 0x181A, device information 0x180A)."""
    uuid = int(rng.choice([0x180F, 0x180D, 0x181A, 0x180A]))
    return bytes([2, 1, 6, 3, 3, uuid & 0xFF, uuid >> 8]).hex(), "a BLE gadget naming no kind"


def _linked_ble(scenario: Scenario, rng: np.random.Generator) -> list[str]:
    """[[ble_devices]] for the scenario's RF ble emitters (wide profile): the
    same advertising as the device's BLE scan hears it."""
    tables = []
    for e in scenario.emitters:
        if e.kind != "ble":
            continue
        share = HIDDEN_BLE_TRACKER if e.hidden else NEIGHBOUR_BLE_TRACKER
        tracker = rng.random() < share
        adv, what = _tracker_adv(rng) if tracker else _gadget_adv(rng)
        tables.append(
            _table(
                "ble_devices",
                {
                    "id": f"{e.id}-adv",
                    "emitter": e.id,
                    "address": _random_static(rng),
                    "address_type": "random",
                    "adv_data": adv,
                    "kind": "tracker" if tracker else "iot",
                },
                f"{what}: the advertising of emitter {e.id}",
            )
        )
    return tables


def network_toml(scenario: Scenario, seed: int, index: int, wide: bool = False) -> str:
    """The [[access_points]] and [[ble_devices]] of one generated scenario.
    `wide`: every RF ble emitter is also a scanned BLE device (_linked_ble), and
    no tracker lies in the room that is not an RF emitter."""
    rng = np.random.default_rng([int(seed), int(index), NET_WORD])
    names = [w.name for w in scenario.waypoints]
    tables: list[str] = []
    channel = lambda: int(rng.choice([1, 6, 11]))  # noqa: E731
    for e in scenario.emitters:
        # a hidden wifi_ap emitter is a camera in access-point mode: it always has one
        if e.hidden and (
            e.kind == "wifi_ap"
            or (e.kind == "wifi_camera" and rng.random() < CAMERA_AP_WITH_EMITTER)
        ):
            oui = str(rng.choice(CAMERA_OUIS + MODULE_OUIS + (None,)))  # type: ignore[arg-type]
            mac = _mac(rng, None if oui == "None" else oui)
            ssid = _ssid(rng, str(rng.choice(CAMERA_SSIDS)), mac)
            tables.append(
                _table(
                    "access_points",
                    {
                        "id": f"{e.id}-ap",
                        "emitter": e.id,
                        "bssid": mac,
                        "ssid": ssid,
                        "channel": channel(),
                        "authmode": str(rng.choice(["open", "wpa2-psk"])),
                        "kind": "camera",
                    },
                    "the hidden camera's own access point",
                )
            )
    if rng.random() < EXTRA_CAMERA_AP:
        wp = names[int(rng.integers(len(names)))]
        mac = _mac(rng, str(rng.choice(CAMERA_OUIS + MODULE_OUIS)))
        tables.append(
            _table(
                "access_points",
                {
                    "id": f"{wp}-camera-setup-ap",
                    "bssid": mac,
                    "ssid": _ssid(rng, str(rng.choice(CAMERA_SSIDS)), mac),
                    "channel": channel(),
                    "authmode": "open",
                    "position_m": _near_waypoint(rng, scenario, wp),
                    "eirp_dbm": float(round(rng.uniform(10.0, 17.0))),
                    "kind": "camera",
                },
                "a camera in setup mode, not streaming",
            )
        )
    if wide and rng.random() < NEIGHBOUR_CAMERA_AP:
        pos, loss = _outside(rng, scenario)
        mac = _mac(rng, str(rng.choice(CAMERA_OUIS + MODULE_OUIS)))
        tables.append(
            _table(
                "access_points",
                {
                    "id": "neighbour-camera-ap",
                    "bssid": mac,
                    "ssid": _ssid(rng, str(rng.choice(CAMERA_SSIDS)), mac),
                    "channel": channel(),
                    "authmode": str(rng.choice(["open", "wpa2-psk"])),
                    "position_m": pos,
                    "eirp_dbm": float(round(rng.uniform(10.0, 20.0))),
                    "outside": True,
                    "loss_db": loss,
                    "kind": "camera",
                },
                "a neighbour's IP camera beyond the wall: not in this room",
            )
        )
    for k in range(int(rng.integers(1, 4))):  # routers beyond the walls
        pos, loss = _outside(rng, scenario)
        mac = _mac(rng, str(rng.choice(ROUTER_OUIS)))
        tables.append(
            _table(
                "access_points",
                {
                    "id": f"router-{k + 1}",
                    "bssid": mac,
                    "ssid": _ssid(rng, str(rng.choice(ROUTER_SSIDS)), mac),
                    "channel": channel(),
                    "authmode": str(
                        rng.choice(["wpa2-psk", "wpa2-wpa3-psk", "open"], p=[0.6, 0.3, 0.1])
                    ),
                    "position_m": pos,
                    "eirp_dbm": 20.0,
                    "outside": True,
                    "loss_db": loss,
                    "kind": "router",
                },
                "someone's router beyond a wall",
            )
        )
    for k in range(int(rng.integers(0, 3))):  # hard negatives inside the room
        oui, stem, auth, what = HARD_NEGATIVES[int(rng.integers(len(HARD_NEGATIVES)))]
        wp = names[int(rng.integers(len(names)))]
        mac = _mac(rng, oui)
        tables.append(
            _table(
                "access_points",
                {
                    "id": f"iot-{k + 1}",
                    "bssid": mac,
                    "ssid": stem + _hex(rng, 4),
                    "channel": channel(),
                    "authmode": auth,
                    "position_m": _near_waypoint(rng, scenario, wp),
                    "eirp_dbm": 15.0,
                    "kind": "iot",
                },
                what,
            )
        )
    if wide:
        tables += _linked_ble(scenario, rng)
    elif rng.random() < TRACKER:
        wp = names[int(rng.integers(len(names)))]
        adv, what = _tracker_adv(rng)
        tables.append(
            _table(
                "ble_devices",
                {
                    "id": f"{wp}-tracker",
                    "address": _random_static(rng),
                    "address_type": "random",
                    "adv_data": adv,
                    "interval_ms": float(rng.choice([1000.0, 2000.0])),
                    "position_m": _near_waypoint(rng, scenario, wp),
                    "eirp_dbm": float(rng.choice([-4.0, 0.0, 4.0])),
                    "kind": "tracker",
                },
                what,
            )
        )
    for k in range(int(rng.integers(0, 3))):  # phones passing, beacons, a BLE gadget
        pos, loss = _outside(rng, scenario)
        phone = rng.random() < 0.6
        adv = (
            ("02011a0aff4c001005" + _hex(rng, 10).lower()) if phone else ("020106" + "0303aafe")
        )  # Apple nearby info / Eddystone beacon
        tables.append(
            _table(
                "ble_devices",
                {
                    "id": f"ble-{k + 1}",
                    "address": _mac(rng, None if phone else "ac:23:3f"),
                    "address_type": "random" if phone else "public",
                    "adv_data": adv,
                    "interval_ms": 200.0 if phone else 100.0,
                    "position_m": pos,
                    "eirp_dbm": 4.0,
                    "outside": True,
                    "loss_db": loss,
                    "kind": "phone" if phone else "beacon",
                },
                "a phone passing" if phone else "a beacon next door",
            )
        )
    if rng.random() < 0.5:  # a BLE gadget in the room from a camera maker: not a camera
        wp = names[int(rng.integers(len(names)))]
        tables.append(
            _table(
                "ble_devices",
                {
                    "id": "wyze-sensor",
                    "address": _mac(rng, "d0:3f:27"),
                    "address_type": "public",
                    "adv_data": "020106",
                    "interval_ms": 500.0,
                    "position_m": _near_waypoint(rng, scenario, wp),
                    "eirp_dbm": 0.0,
                    "kind": "iot",
                },
                "a sensor from a camera maker (Wyze): its prefix alone says nothing",
            )
        )
    assert all(a in AUTHMODES for a in ("open", "wpa2-psk", "wpa2-wpa3-psk"))
    head = (
        "# --- network radios (Wi-Fi scans and BLE adverts; roomsweep.sim.netgenerate) "
        + "-" * 8
        + "\n\n"
    )
    return head + "".join(tables)
