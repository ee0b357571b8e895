"""Emitters for the scenario generator: hidden transmitters at the room's fixtures
(`draw_hidden`) and friendly ones outside it, in the corridor, next door, upstairs
or in the street (`draw_ambient`), each with the comments its TOML lines carry.

Sources: "ref §n" is docs/sources.md, section n.
Numbers marked [std] come from the named standard and are not in the reference
notes; [judgement] marks plain choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomsweep.sim.gen_room import Place, Room, r2v
from roomsweep.sim.scenario import Emitter

# --- hidden emitters --------------------------------------------------------------------

MAX_OFFSET_M = 0.3  # a generated hidden emitter is this close to its waypoint
MIN_OFFSET_M = 0.1  # and this far from it (it is in the fixture, not in the hand)
HIDDEN_KINDS = (
    "gsm",
    "dect",
    "wifi_camera",
    "ble",
    "bt_classic",
    "lte",
    "analog_video",
    "wifi_ap",
)


@dataclass
class Draw:
    """One emitter drawn, with the comments written beside it."""

    emitter: Emitter
    note: str  # after kind =
    eirp_note: str
    loss_note: str = ""
    role: str = ""  # for the description


WIFI_CHANNELS_MHZ = (2412.0, 2437.0, 2462.0)  # channels 1, 6, 11
# DECT carriers (EN 300 175-2 [std]): 1897.344 - c x 1.728 MHz, c = 0..9
DECT_CARRIERS_MHZ = tuple(round(1897.344 - c * 1.728, 3) for c in range(10))
# 5.8 GHz FPV "raceband" and 1.2 GHz video channels (fpvhandbook.com via ref §6/§7)
VIDEO_CHANNELS_MHZ = (
    5658.0,
    5695.0,
    5732.0,
    5769.0,
    5806.0,
    5843.0,
    5880.0,
    5917.0,
    1080.0,
    1120.0,
    1160.0,
    1200.0,
    1240.0,
    1280.0,
)
# BLE advertising intervals, multiples of 0.625 ms within 20 ms..10.24 s (ref §6);
# the values past 100 ms are Apple's recommended ones [std: Apple Accessory Design
# Guidelines], kept to at most ~1 s so a 3-6 s dwell holds a few events.
BLE_INTERVALS_MS = (20.0, 100.0, 152.5, 211.25, 318.75, 417.5, 546.25, 1022.5)
BLE_TX_DBM = (-12.0, -9.0, -6.0, -3.0, 0.0, 3.0, 6.0, 9.0)  # ESP32 steps, ref §7


def _gsm_uplink(rng: np.random.Generator) -> tuple[float, float, str]:
    """(band MHz, max power dBm, band name): GSM900 class 4 33 dBm, DCS1800 class 1
    30 dBm (ref §7); uplink carriers every 200 kHz, 880-915 / 1710-1785 MHz [std:
    3GPP TS 45.005]."""
    if rng.random() < 0.6:
        return round(880.2 + 0.2 * int(rng.integers(174)), 1), 33.0, "GSM900"
    return round(1710.2 + 0.2 * int(rng.integers(374)), 1), 30.0, "DCS1800"


def _lte_uplink(rng: np.random.Generator) -> tuple[float, str]:
    """Uplink centre of EU bands 20 (832-862), 3 (1710-1785), 7 (2500-2570) MHz [std:
    3GPP TS 36.101]."""
    band, lo, hi = [("20", 832.0, 862.0), ("3", 1710.0, 1785.0), ("7", 2500.0, 2570.0)][
        int(rng.integers(3))
    ]
    return round(float(rng.uniform(lo + 5, hi - 5)), 1), f"band {band}"


def unique_id(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not yet taken."""
    if base not in taken:
        return base
    k = 2
    while f"{base}-{k}" in taken:
        k += 1
    return f"{base}-{k}"


def classic_hidden_params(
    rng: np.random.Generator, kind: str
) -> tuple[float, float, dict, str, str]:
    """(eirp, band, params, what, eirp note) of a hidden transmitter of `kind`."""
    if kind == "wifi_camera":
        lo = round(float(rng.uniform(0.1, 0.35)), 2)
        hi = round(min(0.8, lo + float(rng.uniform(0.1, 0.4))), 2)
        return (
            round(float(rng.uniform(10.0, 20.0)) * 2) / 2,
            WIFI_CHANNELS_MHZ[int(rng.integers(3))],
            {"duty_min": lo, "duty_max": hi},
            "camera streaming video over 2.4 GHz Wi-Fi",
            "ref §7: ESP32 Wi-Fi TX setting 10-20 dBm, S3 module 20 dBm EIRP",
        )
    if kind == "wifi_ap":
        return (
            round(float(rng.uniform(10.0, 20.0)) * 2) / 2,
            WIFI_CHANNELS_MHZ[int(rng.integers(3))],
            {"data_rate_hz": round(float(rng.uniform(1.0, 10.0)), 1)},
            "camera in access-point mode, beaconing, waiting for a viewer",
            "ref §7: ESP32-class Wi-Fi, 10-20 dBm",
        )
    if kind == "ble":
        return (
            BLE_TX_DBM[int(rng.integers(len(BLE_TX_DBM)))],
            2440.0,
            {"interval_ms": BLE_INTERVALS_MS[int(rng.integers(len(BLE_INTERVALS_MS)))]},
            "BLE tracker advertising",
            "ref §7: ESP32 BLE -12..+9 dBm, typical tags 0 dBm",
        )
    if kind == "gsm":
        band, top, name = _gsm_uplink(rng)
        eirp = top - 2.0 * int(rng.integers(0, 11))
        return (
            eirp,
            band,
            {},
            f"{name} audio bug in a call (traffic channel)",
            f"ref §7: {top:g} dBm peak; power control lowers it in 2 dB steps "
            f"[std: 3GPP TS 45.005]",
        )
    if kind == "dect":
        return (
            24.0,
            DECT_CARRIERS_MHZ[int(rng.integers(10))],
            {},
            "DECT base (baby monitor / phone) used as an audio bug",
            "ref §7: DECT 250 mW",
        )
    if kind == "lte":
        band, name = _lte_uplink(rng)
        return (
            round(float(rng.uniform(10.0, 23.0))),
            band,
            {"load": round(float(rng.uniform(0.2, 0.8)), 2)},
            f"4G camera/bug uploading ({name} uplink)",
            "ref §7: class 3 UE 23 dBm max [unconf.], power-controlled below",
        )
    if kind == "analog_video":
        return (
            round(float(rng.uniform(-1.0, 21.0)) * 2) / 2,
            VIDEO_CHANNELS_MHZ[int(rng.integers(len(VIDEO_CHANNELS_MHZ)))],
            {},
            "analog video sender (continuous FM carrier)",
            "ref §7: -1.2 dBm (FCC 15.249) .. 14 dBm (EU 25 mW) .. ~21 dBm measured",
        )
    if kind == "bt_classic":
        eirp = 4.0 if rng.random() < 0.7 else round(float(rng.uniform(10.0, 20.0)))
        return (
            eirp,
            round(2402.0 + int(rng.integers(79)), 1),
            {"occupancy": round(float(rng.uniform(0.15, 0.6)), 2)},
            "Bluetooth audio bug (classic, frequency hopping)",
            "[std: Bluetooth Core spec power class 2 4 dBm, class 1 20 dBm]",
        )
    raise ValueError(f"no hidden {kind}")


HIDDEN_LABELS = {
    "gsm": "gsm-bug",
    "dect": "dect-bug",
    "wifi_camera": "wifi-camera",
    "ble": "ble-tracker",
    "bt_classic": "bt-bug",
    "lte": "4g-bug",
    "analog_video": "video-sender",
    "wifi_ap": "wifi-ap-camera",
}


HIDDEN_WORDS = {
    "gsm": "GSM bug",
    "dect": "DECT bug",
    "wifi_camera": "Wi-Fi camera",
    "ble": "BLE tracker",
    "bt_classic": "Bluetooth bug",
    "lte": "4G bug",
    "analog_video": "analog video sender",
    "wifi_ap": "Wi-Fi camera in access-point mode",
}


def draw_hidden(rng: np.random.Generator, room: Room, place: Place, kind: str, eid: str) -> Draw:
    t = np.asarray(place.toward)
    off = t * rng.uniform(0.08, 0.25) + rng.uniform(-0.1, 0.1, 3)
    norm = float(np.linalg.norm(off))
    if norm > MAX_OFFSET_M:
        off *= (MAX_OFFSET_M - 0.01) / norm
    elif norm < MIN_OFFSET_M:  # not where the device itself is held
        off *= MIN_OFFSET_M / max(norm, 1e-9)
    size = np.array([room.w, room.l, room.h])
    pos = np.clip(np.asarray(place.position) + off, 0.02, size - 0.02)
    position = r2v(pos)
    eirp, band, params, what, eirp_note = classic_hidden_params(rng, kind)
    em = Emitter(
        id=eid,
        kind=kind,
        position_m=position,
        eirp_dbm=float(eirp),
        band_mhz=float(band),
        hidden=True,
        params=params,
    )
    return Draw(em, what, eirp_note, role=f"{HIDDEN_WORDS[kind]} at the {place.name}")


def _corridor_name(room: Room) -> str:
    return {"bathroom": "hall", "living-room": "stairwell"}.get(room.kind, "corridor")


# Friendly emitters to draw from, each at most once a room (neighbours on both sides
# may both have Wi-Fi; several phones may pass).
AMBIENT_ROLES = (
    "corridor-ap",
    "neighbour-ap",
    "neighbour-ap",
    "upstairs-ap",
    "corridor-phone",
    "corridor-phone",
    "neighbour-dect",
    "neighbour-phone",
    "street-phone",
    "neighbour-headset",
)


def draw_ambient(rng: np.random.Generator, room: Room, role: str) -> Draw:
    """One friendly emitter outside the room, of `role` (one of AMBIENT_ROLES)."""
    side = "x0" if rng.random() < 0.5 else "x1"  # drawn for every role, used by some
    if role in ("corridor-ap", "neighbour-ap", "upstairs-ap"):
        return _ambient_ap(rng, room, role, side)
    if role in ("corridor-phone", "neighbour-phone", "street-phone"):
        return _ambient_phone(rng, room, role, side)
    return _ambient_next_door(rng, room, role, side)


_WALL_NOTE = "masonry wall [judgement: 6-12 dB]"
_DOOR_NOTE = "door and partition wall [judgement: 3-8 dB]"


def _beyond_side(
    rng: np.random.Generator, room: Room, side: str, lo: float, hi: float
) -> tuple[float, float]:
    """(x, y) in the neighbouring room beyond wall `side` (x0 or x1), lo..hi m away."""
    d = float(rng.uniform(lo, hi))
    return (-d if side == "x0" else room.w + d), float(rng.uniform(0.3, room.l - 0.3))


def _friendly(
    name: str,
    kind: str,
    pos,
    eirp: float,
    band: float,
    loss: float,
    params: dict,
    notes: tuple[str, str, str],
    desc: str,
) -> Draw:
    """The Draw of a friendly emitter; notes: after kind, EIRP and loss."""
    em = Emitter(
        id=name,
        kind=kind,
        position_m=r2v(pos),
        eirp_dbm=float(eirp),
        band_mhz=float(band),
        hidden=False,
        params=params,
        outside=True,
        loss_db=float(loss),
    )
    return Draw(em, notes[0], notes[1], notes[2], role=desc)


def _ambient_ap(rng: np.random.Generator, room: Room, role: str, side: str) -> Draw:
    """A Wi-Fi access point: the building's in the corridor, the neighbour's, upstairs."""
    w, l, h = room.w, room.l, room.h
    corridor = _corridor_name(room)
    if role == "corridor-ap":
        pos = (
            float(rng.uniform(0.2 * w, 0.8 * w)),
            -float(rng.uniform(1.0, 3.0)),
            float(rng.uniform(2.2, 2.8)),
        )
        eirp = float(round(rng.uniform(15.0, 20.0)))
        band = WIFI_CHANNELS_MHZ[int(rng.integers(3))]
        loss = round(float(rng.uniform(3.0, 8.0)))
        params = {"data_rate_hz": round(float(rng.uniform(2.0, 15.0)), 1)}
        note = f"the building's access point on the {corridor} ceiling"
        loss_note, name = _DOOR_NOTE, f"{corridor}-ap"
        desc = f"an access point in the {corridor}"
    elif role == "neighbour-ap":
        x, y = _beyond_side(rng, room, side, 1.0, 4.0)
        pos = (x, y, float(rng.uniform(0.5, 2.2)))
        eirp = float(round(rng.uniform(14.0, 20.0)))
        band = WIFI_CHANNELS_MHZ[int(rng.integers(3))]
        loss = round(float(rng.uniform(6.0, 12.0)))
        params = {"data_rate_hz": round(float(rng.uniform(1.0, 10.0)), 1)}
        note = "the neighbour's Wi-Fi router"
        loss_note, name = _WALL_NOTE, "neighbour-ap"
        desc = "the neighbour's Wi-Fi"
    else:  # upstairs-ap
        pos = (
            float(rng.uniform(0.2 * w, 0.8 * w)),
            float(rng.uniform(0.2 * l, 0.8 * l)),
            h + float(rng.uniform(1.2, 2.2)),
        )
        eirp = float(round(rng.uniform(14.0, 20.0)))
        band = WIFI_CHANNELS_MHZ[int(rng.integers(3))]
        loss = round(float(rng.uniform(10.0, 18.0)))
        params = {"data_rate_hz": round(float(rng.uniform(1.0, 10.0)), 1)}
        note = "Wi-Fi router in the room above"
        loss_note, name = "concrete floor slab [judgement: 10-18 dB]", "upstairs-ap"
        desc = "a router upstairs"
    eirp_note = "2.4 GHz EU limit 20 dBm EIRP [std: ETSI EN 300 328]"
    return _friendly(
        name, "wifi_ap", pos, eirp, band, loss, params, (note, eirp_note, loss_note), desc
    )


def _ambient_phone(rng: np.random.Generator, room: Room, role: str, side: str) -> Draw:
    """A phone on 4G or in a GSM call, in the corridor, next door or in the street."""
    w, l = room.w, room.l
    corridor = _corridor_name(room)
    if role == "corridor-phone":
        pos = (
            float(rng.uniform(-0.5, w + 0.5)),
            -float(rng.uniform(0.8, 3.0)),
            float(rng.uniform(1.0, 1.6)),
        )
        loss = round(float(rng.uniform(3.0, 8.0)))
        loss_note, where = _DOOR_NOTE, corridor
    elif role == "neighbour-phone":
        x, y = _beyond_side(rng, room, side, 1.0, 4.0)
        pos = (x, y, float(rng.uniform(0.5, 1.6)))
        loss = round(float(rng.uniform(6.0, 12.0)))
        loss_note, where = _WALL_NOTE, "next room"
    else:  # street-phone
        pos = (
            float(rng.uniform(0.0, w)),
            l + float(rng.uniform(2.0, 8.0)),
            float(rng.uniform(0.5, 1.6)),
        )
        loss = round(float(rng.uniform(3.0, 8.0)))
        loss_note, where = "window and facade [judgement: 3-8 dB]", "street"
    params: dict
    if rng.random() < 0.65:
        kind = "lte"
        band, bname = _lte_uplink(rng)
        eirp = float(round(rng.uniform(0.0, 23.0)))
        params = {"load": round(float(rng.uniform(0.05, 0.4)), 2)}
        note = f"a phone in the {where} on 4G ({bname} uplink)"
        eirp_note = "ref §7: class 3 UE 23 dBm max [unconf.], power-controlled below"
    else:
        kind = "gsm"
        band, top, bname = _gsm_uplink(rng)
        eirp = top - 2.0 * int(rng.integers(0, 15))
        params = {}
        note = f"a phone in the {where} in a {bname} call"
        eirp_note = (
            f"ref §7: {top:g} dBm peak; power control lowers it in 2 dB steps "
            f"[std: 3GPP TS 45.005]"
        )
    name = {
        "corridor-phone": f"{corridor}-phone",
        "neighbour-phone": "neighbour-phone",
        "street-phone": "street-phone",
    }[role]
    return _friendly(
        name,
        kind,
        pos,
        eirp,
        band,
        loss,
        params,
        (note, eirp_note, loss_note),
        f"a phone in the {where}",
    )


def _ambient_next_door(rng: np.random.Generator, room: Room, role: str, side: str) -> Draw:
    """The neighbour's DECT base (neighbour-dect) or Bluetooth headset (neighbour-headset)."""
    x, y = _beyond_side(rng, room, side, 1.0, 4.0)
    params: dict
    if role == "neighbour-dect":
        pos = (x, y, float(rng.uniform(0.5, 1.5)))
        kind, eirp, band = "dect", 24.0, DECT_CARRIERS_MHZ[int(rng.integers(10))]
        loss = round(float(rng.uniform(6.0, 12.0)))
        params = {}
        note, eirp_note = "the neighbour's DECT phone base", "ref §7: DECT 250 mW"
        name, desc = "neighbour-dect", "a DECT base next door"
    else:  # neighbour-headset
        pos = (x, y, float(rng.uniform(0.8, 1.6)))
        kind, eirp, band = "bt_classic", 4.0, round(2402.0 + int(rng.integers(79)), 1)
        loss = round(float(rng.uniform(6.0, 12.0)))
        params = {"occupancy": round(float(rng.uniform(0.2, 0.5)), 2)}
        note = "the neighbour's Bluetooth headset"
        eirp_note = "[std: Bluetooth Core spec power class 2, 4 dBm]"
        name, desc = "neighbour-headset", "a Bluetooth headset next door"
    return _friendly(
        name, kind, pos, eirp, band, loss, params, (note, eirp_note, _WALL_NOTE), desc
    )
