"""Emitters of the wide generation profile (sim/gen_wide.py): the parameters of
each hidden kind (PHY rates, power control, video, advertising) and the
neighbours' devices behind the walls, each range with its source.

Numbers marked [std] come from the named standard, [judgement] marks plain choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomsweep.sim.gen_emitters import (
    BLE_TX_DBM,
    DECT_CARRIERS_MHZ,
    WIFI_CHANNELS_MHZ,
    Draw,
    classic_hidden_params,
    unique_id,
)
from roomsweep.sim.gen_room import Room, Vec, r2v
from roomsweep.sim.scenario import Emitter
from roomsweep.sim.walls import Wall

# Wi-Fi PHY rates (Mb/s): 802.11g OFDM 6-54 (no aggregation); 802.11n HT20 1-2
# streams MCS 0-15 (6.5-144.4, short GI), HT40 2 streams up to 300 [std: IEEE
# 802.11-2016 clauses 18 and 19]
WIFI_LEGACY_MBPS = (6.0, 12.0, 24.0, 36.0, 54.0)
WIFI_HT_MBPS = (6.5, 13.0, 26.0, 39.0, 52.0, 65.0, 72.2, 130.0, 144.4, 300.0)
# A-MPDU length in MPDUs: ESP-IDF's Wi-Fi TX Block Ack window (CONFIG_ESP_WIFI_TX_BA_WIN,
# default 6, range 2-32) for ESP32 cameras; larger for Linux/Realtek cameras [judgement]
AMPDU_MPDUS = (2, 4, 6, 6, 6, 8, 16, 32)
VIDEO_BITRATE_KBPS = (300.0, 4000.0)  # 720p-1080p H.264 camera streams [judgement]
VIDEO_FPS = (10.0, 12.0, 15.0, 20.0, 25.0, 30.0)  # common camera settings [judgement]
VIDEO_GOP_S = (1.0, 4.0)  # [judgement]
VIDEO_IFRAME_X = (3.0, 10.0)  # I-frame over P-frame size [judgement]
VIDEO_MAX_AIRTIME = 0.6  # a stream needing more airtime is encoded leaner [judgement]
# GSM: power control levels GSM900 PCL 5-19 = 33-5 dBm, DCS1800 PCL 0-15 = 30-0 dBm
# in 2 dB steps [std: 3GPP TS 45.005 clause 4.1.1]
GSM_MIN_DBM = {"GSM900": 5.0, "DCS1800": 0.0}
GSM_DTX_P = 0.5  # a call in DTX: a bug in a quiet room, a phone listening [judgement;
#   DTX itself: 3GPP TS 45.008 clause 8.3, TS 46.031]
# LTE: class 3 UE 23 dBm maximum, minimum output power -40 dBm [std: 3GPP TS 36.101
# clauses 6.2.2 and 6.3.2]; a UE's set power depends on its uplink path loss
LTE_MAX_DBM, LTE_MIN_DBM = 23.0, -40.0
LTE_SET_DBM = (-15.0, 23.0)  # the set powers drawn [judgement: most indoor UEs
#   transmit far below the maximum]
LTE_SPREAD_DB = (3.0, 20.0)  # per-subframe power spread (allocation size) [judgement;
#   10 log10 of 1..100 resource blocks spans 20 dB, TS 36.213 clause 5.1.1.1]

# --- neighbours behind the walls -------------------------------------------------------

NEIGHBOUR_COUNT_WEIGHTS = (0.1, 0.25, 0.3, 0.2, 0.15)  # P(1..5) [judgement]
NEIGHBOUR_DEPTH_M = (0.0, 3.0)  # issue 14: right behind the wall, 0-3 m
STREET_DEPTH_M = (1.0, 8.0)  # beyond the window wall [judgement]
_WHERE = {
    "x0": "next door (x0)",
    "x1": "next door (x1)",
    "y0": "in the corridor",
    "y1": "beyond the window wall",
    "ceiling": "upstairs",
    "floor": "downstairs",
}
NLOS_K_DB = -30.0  # through a wall: Rayleigh fading (sim/fading.py)
EXTRA_LOSS_DB = (0.0, 6.0)  # studs, furniture, a body beside the wall [judgement]


@dataclass
class WideDraw:
    """A drawn emitter and how it was placed (for the file's comments)."""

    draw: Draw
    how: str = ""


def r1(x: float, nd: int = 1) -> float:
    return round(float(x), nd) + 0.0


# --- emitter parameters ---------------------------------------------------------------


def _gsm(rng: np.random.Generator, hidden: bool) -> tuple[float, float, dict, str, str]:
    if rng.random() < 0.6:
        band, top, name = round(880.2 + 0.2 * int(rng.integers(174)), 1), 33.0, "GSM900"
    else:
        band, top, name = round(1710.2 + 0.2 * int(rng.integers(374)), 1), 30.0, "DCS1800"
    low = GSM_MIN_DBM[name]
    steps = int((top - low) // 2)
    eirp = top - 2.0 * int(rng.integers(0, steps + 1))
    params: dict = {}
    what = f"{name} {'audio bug' if hidden else 'phone'} in a call (traffic channel)"
    if rng.random() < 0.25:  # idle: paging/location-update signalling only
        params = {"idle_frame": False, "group_frames": 51, "burst_frames": 4}
        what = f"{name} {'bug' if hidden else 'phone'} idle (signalling bursts)"
    else:
        room_db = eirp - low
        pc = 2.0 * int(rng.integers(0, 6))
        if pc and room_db > 0:
            params.update({"pc_range_db": min(pc, room_db), "pc_period_ms": 480})
        if rng.random() < GSM_DTX_P:
            params["dtx"] = True
            what = f"{name} {'audio bug' if hidden else 'phone'} in a call, DTX (speech pauses)"
    note = (
        f"[std: 3GPP TS 45.005] {name} {top:g} dBm maximum, power control in 2 dB steps "
        f"down to {low:g} dBm"
    )
    return eirp, band, params, what, note


def _lte_band(rng: np.random.Generator) -> tuple[float, str]:
    band, lo, hi = [("20", 832.0, 862.0), ("3", 1710.0, 1785.0), ("7", 2500.0, 2570.0)][
        int(rng.integers(3))
    ]
    return round(float(rng.uniform(lo + 5, hi - 5)), 1), f"band {band}"


def _lte(rng: np.random.Generator, hidden: bool) -> tuple[float, float, dict, str, str]:
    band, bname = _lte_band(rng)
    eirp = float(round(rng.uniform(*LTE_SET_DBM)))
    spread = min(round(float(rng.uniform(*LTE_SPREAD_DB))), eirp - LTE_MIN_DBM)
    load = round(float(rng.uniform(0.2, 0.8) if hidden else rng.uniform(0.02, 0.5)), 2)
    params = {"load": load, "pc_range_db": float(spread)}
    what = f"4G {'camera/bug uploading' if hidden else 'phone'} ({bname} uplink)"
    note = (
        "[std: 3GPP TS 36.101] class 3 UE 23 dBm max, -40 dBm min; PUSCH power per "
        "subframe follows the allocation (TS 36.213)"
    )
    return eirp, band, params, what, note


def _video_params(rng: np.random.Generator) -> dict:
    if rng.random() < 0.3:
        phy = WIFI_LEGACY_MBPS[int(rng.integers(len(WIFI_LEGACY_MBPS)))]
        mpdus = 1
    else:
        phy = WIFI_HT_MBPS[int(rng.integers(len(WIFI_HT_MBPS)))]
        mpdus = AMPDU_MPDUS[int(rng.integers(len(AMPDU_MPDUS)))]
    rate = float(np.exp(rng.uniform(*np.log(VIDEO_BITRATE_KBPS))))
    # airtime of the stream at this PHY rate: at most VIDEO_MAX_AIRTIME
    per_mpdu_s = 1500 * 8 / (phy * 1e6) + (150e-6 / mpdus)
    airtime = rate * 1000 / 8 / 1440 * per_mpdu_s
    if airtime > VIDEO_MAX_AIRTIME:
        rate *= VIDEO_MAX_AIRTIME / airtime
    return {
        "phy_mbps": phy,
        "bitrate_kbps": float(round(rate)),
        "fps": VIDEO_FPS[int(rng.integers(len(VIDEO_FPS)))],
        "gop_s": r1(rng.uniform(*VIDEO_GOP_S)),
        "iframe_x": r1(rng.uniform(*VIDEO_IFRAME_X)),
        "ampdu_mpdus": mpdus,
    }


def _ap_params(rng: np.random.Generator) -> tuple[dict, str]:
    """Beacon length by basic rate: ~250-byte beacon at 1 Mb/s DSSS (192 us long
    preamble + 2 ms) or at 6 Mb/s OFDM (20 us + 0.33 ms) [std: IEEE 802.11-2016]."""
    if rng.random() < 0.6:
        beacon, rate = round(float(rng.uniform(1.8, 2.6)), 2), "1 Mb/s"
    else:
        beacon, rate = round(float(rng.uniform(0.3, 0.5)), 2), "6 Mb/s"
    return {
        "beacon_ms": beacon,
        "jitter_ms": round(float(rng.uniform(0.2, 2.0)), 1),
        "data_rate_hz": round(float(rng.uniform(1.0, 25.0)), 1),
        "data_ms_max": round(float(rng.uniform(0.3, 3.0)), 1),
    }, rate


def hidden_params(rng: np.random.Generator, kind: str) -> tuple[float, float, dict, str, str]:
    if kind == "gsm":
        return _gsm(rng, True)
    if kind == "lte":
        return _lte(rng, True)
    if kind == "wifi_camera":
        p = _video_params(rng)
        agg = f"A-MPDU of {p['ampdu_mpdus']}" if p["ampdu_mpdus"] > 1 else "no aggregation"
        return (
            round(float(rng.uniform(10.0, 20.0)) * 2) / 2,
            WIFI_CHANNELS_MHZ[int(rng.integers(3))],
            p,
            f"camera streaming video at {p['phy_mbps']:g} Mb/s PHY, {agg}, frames "
            f"sent back to back",
            "ref §7: ESP32 Wi-Fi TX setting 10-20 dBm, S3 module 20 dBm EIRP",
        )
    if kind == "wifi_ap":
        p, rate = _ap_params(rng)
        return (
            round(float(rng.uniform(10.0, 20.0)) * 2) / 2,
            WIFI_CHANNELS_MHZ[int(rng.integers(3))],
            p,
            f"camera in access-point mode, beaconing at {rate}",
            "ref §7: ESP32-class Wi-Fi, 10-20 dBm",
        )
    if kind == "ble":
        # advInterval 20 ms-10.24 s; PDUs of 8-47 bytes at 1 Mb/s last 128-376 us
        # [std: Bluetooth Core spec Vol 6 Part B]; intervals beyond 2 s are left out
        # (a few events per dwell) [judgement]
        interval = 0.625 * int(rng.integers(32, 3201))
        pdu = round(float(rng.uniform(0.128, 0.376)), 3)
        return (
            BLE_TX_DBM[int(rng.integers(len(BLE_TX_DBM)))],
            2440.0,
            {
                "interval_ms": interval,
                "pdus": int(rng.integers(1, 4)),
                "pdu_ms": pdu,
                "pdu_spacing_ms": round(pdu + float(rng.uniform(0.15, 0.4)), 3),
            },
            "BLE tracker advertising",
            "ref §7: ESP32 BLE -12..+9 dBm, typical tags 0 dBm",
        )
    if kind in ("dect", "analog_video"):
        return classic_hidden_params(rng, kind)  # drawn as in the classic profile
    if kind == "bt_classic":
        eirp = 4.0 if rng.random() < 0.7 else round(float(rng.uniform(10.0, 20.0)))
        return (
            eirp,
            round(2402.0 + int(rng.integers(79)), 1),
            {"occupancy": round(float(rng.uniform(0.1, 0.7)), 2)},
            "Bluetooth audio bug (classic, frequency hopping)",
            "[std: Bluetooth Core spec power class 2 4 dBm, class 1 20 dBm]",
        )
    raise ValueError(f"no hidden {kind}")


# --- neighbours ------------------------------------------------------------------------

NEIGHBOUR_ROLES = (
    "phone",
    "phone",
    "ap",
    "ap",
    "dect",
    "headset",
    "ble",
    "corridor-ap",
    "upstairs-phone",
    "street-phone",
)


def _behind(
    rng: np.random.Generator, room: Room, walls: dict[str, Wall], face: str, z: tuple
) -> Vec:
    """A point 0-3 m behind `face` (beyond the wall's thickness), anywhere along it."""
    depth = walls[face].thickness_m + float(rng.uniform(*NEIGHBOUR_DEPTH_M)) + 0.02
    w, l, h = room.w, room.l, room.h
    if face in ("x0", "x1"):
        x = -depth if face == "x0" else w + depth
        return r2v((x, float(rng.uniform(-0.3, l + 0.3)), float(rng.uniform(*z))))
    if face in ("y0", "y1"):
        y = -depth if face == "y0" else l + depth
        return r2v((float(rng.uniform(-0.3, w + 0.3)), y, float(rng.uniform(*z))))
    zz = h + walls["ceiling"].thickness_m + float(rng.uniform(*z)) if face == "ceiling" else 0.0
    if face == "floor":
        zz = -walls["floor"].thickness_m - float(rng.uniform(0.3, 2.4))
    return r2v((float(rng.uniform(0.2, w - 0.2)), float(rng.uniform(0.2, l - 0.2)), zz))


def _neighbour(
    rng: np.random.Generator, room: Room, walls: dict[str, Wall], role: str
) -> tuple[Emitter, str, str, str]:
    side = ("x0", "x1")[int(rng.integers(2))]
    extra = float(round(rng.uniform(*EXTRA_LOSS_DB)))
    params: dict
    if role in ("phone", "upstairs-phone", "street-phone"):
        if role == "street-phone":
            face = "y1"
            d = walls["y1"].thickness_m + float(rng.uniform(*STREET_DEPTH_M))
            pos = r2v((float(rng.uniform(0, room.w)), room.l + d, float(rng.uniform(0.5, 1.6))))
        else:
            face = (
                "ceiling" if role == "upstairs-phone" else ("y0", side, side)[int(rng.integers(3))]
            )
            pos = _behind(rng, room, walls, face, (0.3, 1.6))
        if rng.random() < 0.65:
            eirp, band, params, what, note = _lte(rng, False)
            kind = "lte"
        else:
            eirp, band, params, what, note = _gsm(rng, False)
            kind = "gsm"
        name = {"y0": "corridor-phone", "y1": "street-phone", "ceiling": "upstairs-phone"}.get(
            face, "neighbour-phone"
        )
        return (
            Emitter(name, kind, pos, float(eirp), float(band), False, params, True, extra),
            (what),
            note,
            f"a phone {_WHERE[face]}",
        )
    if role in ("ap", "corridor-ap"):
        face = (
            "y0"
            if role == "corridor-ap"
            else (side, side, "ceiling", "floor")[int(rng.integers(4))]
        )
        pos = _behind(rng, room, walls, face, (0.3, 2.6) if face != "y0" else (2.0, 2.8))
        params, rate = _ap_params(rng)
        eirp = float(round(rng.uniform(14.0, 20.0)))
        band = WIFI_CHANNELS_MHZ[int(rng.integers(3))]
        name = "corridor-ap" if face == "y0" else f"{face}-neighbour-ap"
        return (
            Emitter(name, "wifi_ap", pos, eirp, band, False, params, True, extra),
            (f"a Wi-Fi router behind the {face} wall, beacons at {rate}"),
            "2.4 GHz EU limit 20 dBm EIRP [std: ETSI EN 300 328]",
            f"an access point {_WHERE[face]}",
        )
    if role == "dect":
        face = (side, side, "ceiling", "floor")[int(rng.integers(4))]
        pos = _behind(rng, room, walls, face, (0.3, 1.5))
        band = DECT_CARRIERS_MHZ[int(rng.integers(10))]
        return (
            Emitter(f"{face}-neighbour-dect", "dect", pos, 24.0, band, False, {}, True, extra),
            (f"the neighbour's DECT base behind the {face} wall"),
            "ref §7: DECT 250 mW",
            f"a DECT base {_WHERE[face]}",
        )
    if role == "headset":
        face = (side, "y0")[int(rng.integers(2))]
        pos = _behind(rng, room, walls, face, (0.8, 1.6))
        params = {"occupancy": round(float(rng.uniform(0.2, 0.5)), 2)}
        band = round(2402.0 + int(rng.integers(79)), 1)
        return (
            Emitter(
                f"{face}-neighbour-headset",
                "bt_classic",
                pos,
                4.0,
                band,
                False,
                params,
                True,
                extra,
            ),
            "a Bluetooth headset next door",
            "[std: Bluetooth Core spec class 2, 4 dBm]",
            (f"a Bluetooth headset {_WHERE[face]}"),
        )
    face = (side, "ceiling")[int(rng.integers(2))]
    pos = _behind(rng, room, walls, face, (0.3, 2.0))
    interval = 0.625 * int(rng.integers(32, 1700))
    return (
        Emitter(
            f"{face}-neighbour-ble",
            "ble",
            pos,
            BLE_TX_DBM[int(rng.integers(len(BLE_TX_DBM)))],
            2440.0,
            False,
            {"interval_ms": interval},
            True,
            extra,
        ),
        "a neighbour's BLE gadget advertising",
        "ref §7: ESP32 BLE -12..+9 dBm",
        (f"a BLE gadget {_WHERE[face]}"),
    )


def neighbours(
    rng: np.random.Generator, room: Room, walls: dict[str, Wall], taken: set[str]
) -> list[WideDraw]:
    n = 1 + int(rng.choice(len(NEIGHBOUR_COUNT_WEIGHTS), p=NEIGHBOUR_COUNT_WEIGHTS))
    out = []
    for _ in range(n):
        role = NEIGHBOUR_ROLES[int(rng.integers(len(NEIGHBOUR_ROLES)))]
        em, what, note, desc = _neighbour(rng, room, walls, role)
        em.id = unique_id(em.id, taken)
        em.fading_k_db = NLOS_K_DB
        taken.add(em.id)
        loss_note = (
            "beyond the wall's own loss ([walls]): studs, furniture, a body [judgement: 0-6 dB]"
        )
        out.append(WideDraw(Draw(em, what, note, loss_note, role=desc)))
    return out
