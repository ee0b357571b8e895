"""What camera and tracker radios look like: SSID patterns, vendors, BLE
advertising signatures, each with where it comes from.

Sources (see also docs/findings.md, *Network findings*):

[FOF]  lnxgod/friendorfoe, README "Privacy Detection": hidden-camera SSID
       patterns MV*, YDXJ_*, IPC-*, IP_CAM_*, HDWiFiCam*, CLOUDCAM*, HIDVCAM*,
       GW_AP*, JXLCAM*; tracker signatures AirTag (Apple Find My type 0x12),
       Samsung SmartTag (UUID 0xFD5A), Tile (UUID 0xFEED), DULT (UUID 0xFCB2),
       Google Find My Device (UUID 0xFE2C); camera BLE names V380, IPC,
       CLOUDCAM, HIDVCAM, HDWiFiCam, LookCam.
[A9]   intx82/a9-v720 readme: A9 V720 (Naxclow) mini cameras open an access
       point named ``Nax_<digits>`` (e.g. ``Nax_210000211234``), 192.168.169.1.
[DAF]  EliasKotlyar/Xiaomi-Dafang-Hacks PR #1655 and issue #1739: the hacked
       Xiaomi Dafang / Wyze v2 fall back to an access point ``dafang-<mac>``.
[ISS]  roomsweep issue 5: A9 mini cameras' ``DGOA…``/``DGOC…`` access points
       (no public source found yet; kept at a lower weight).
[REF]  shared reference notes §5 (wsls.com 2019): cameras in AP mode show up
       with suspicious SSIDs, long digit strings.
[NAM]  cheap cameras' setup access points are named for what they are, in
       every spelling: WIFICAM_…, IPCAM-…, Mini-Cam-…, CAM-…, HDWiFiCam…
       (the [FOF] list above spells a few; outsider round 5's rooms, 2026-12-07,
       others): the word and the unit's id. Such a name says camera less
       surely than a maker's own pattern, so it weighs less.
[SIG]  Bluetooth SIG Assigned Numbers: company 0x004C Apple, 0x0075 Samsung;
       16-bit UUIDs 0xFEED/0xFEEC Tile, 0xFD5A Samsung, 0xFCB2 DULT,
       0xFEA6 GoPro, 0xFE33 CHIPOLO d.o.o.; AD types 0x02/0x03 16-bit UUIDs,
       0x08/0x09 name, 0xFF manufacturer data.
[AGD]  seemoo-lab/AirGuard (the TU Darmstadt tracker detector for Android):
       Chipolo tags' offline-finding service is the 16-bit UUID 0xFE33.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from roomsweep.protocol.untrusted import printable


@dataclass(frozen=True)
class SsidPattern:
    regex: re.Pattern[str]
    what: str
    weight: float  # how much a match alone says "camera" (0-1)
    source: str


def _p(expr: str, what: str, weight: float, source: str) -> SsidPattern:
    return SsidPattern(re.compile(expr, re.I), what, weight, source)


CAMERA_SSIDS: tuple[SsidPattern, ...] = (
    _p(r"^HDWiFiCam", "HDWiFiCam camera access point", 0.9, "FOF"),
    _p(r"^HIDVCAM", "hidden-camera (HIDVCAM) access point", 0.95, "FOF"),
    _p(r"^CLOUDCAM", "CLOUDCAM camera access point", 0.85, "FOF"),
    _p(r"^IPC[-_]", "IP camera (IPC-) access point", 0.8, "FOF"),
    _p(r"^IP_CAM_", "IP camera access point", 0.85, "FOF"),
    _p(r"^JXLCAM", "JXLCAM camera access point", 0.85, "FOF"),
    _p(r"^GW_AP", "GW_AP camera access point", 0.7, "FOF"),
    _p(r"^YDXJ_", "YDXJ (Yi dash camera) access point", 0.6, "FOF"),
    _p(r"^MV\d", "MV-series camera access point", 0.6, "FOF"),
    _p(r"^Nax_\d{6,}", "A9 V720 (Naxclow) mini camera access point", 0.9, "A9"),
    _p(r"^dafang-", "Xiaomi Dafang / Wyze camera (hacked) fallback access point", 0.8, "DAF"),
    _p(r"^DGO[A-C]", "A9 mini camera access point (DGOA/DGOC)", 0.7, "ISS"),
    # the word itself, last, in a setup access point's shape: "cam" or
    # "camera" and the unit's id, four hex digits or more, ending the name
    # (Hidden-Cam-8BBD, WIFICAM_1A2B3C, IPCAM-004211). Not the word alone: a
    # phone's hotspot "Cam's iPhone", a home "CAM_HOME", a hotel "Camelia", a
    # "Scam Likely" would all be cameras (a helper's review, 2026-12-07)
    _p(
        r"(?<!s)cam(era)?[-_ ]?[0-9a-f]{4,}$",
        "an access point named as a camera, with its unit's id",
        0.6,
        "NAM",
    ),
)

# Names of vendors that make (almost) only cameras, as the IEEE registry spells
# them (substring, case-insensitive). Vendors that also make plugs, routers and
# sensors (D-Link, Edimax, TP-Link, Xiaomi, Tuya, Espressif modules) are in
# MIXED_VENDORS: their prefix says even less.
CAMERA_VENDORS = (
    "hikvision",
    "dahua",
    "axis communications",
    "vivotek",
    "reolink",
    "wyze",
    "arlo technology",
    "amcrest",
    "ezviz",
    "hanwha",
    "uniview",
    "reecam",
    "xiaoyi",
    "imilab",
    "foscam",
    "blink by amazon",
    "ring llc",
)
MIXED_VENDORS = (
    "d-link",
    "edimax",
    "tp-link",
    "xiaomi",
    "tuya",
    "espressif",
    "bilian",
    "assmann",
    "hi-flying",
    "gopro",
)


def camera_ssid(ssid: str) -> SsidPattern | None:
    for pat in CAMERA_SSIDS:
        if pat.regex.search(ssid):
            return pat
    return None


def vendor_kind(vendor: str | None) -> str | None:
    """'camera' for camera makers, 'mixed' for makers of cameras among much else."""
    if not vendor:
        return None
    v = vendor.lower()
    if any(k in v for k in CAMERA_VENDORS):
        return "camera"
    if any(k in v for k in MIXED_VENDORS):
        return "mixed"
    return None


# --- BLE advertising data --------------------------------------------------------

AD_UUID16_PARTIAL = 0x02
AD_UUID16_COMPLETE = 0x03
AD_NAME_SHORT = 0x08
AD_NAME_COMPLETE = 0x09
AD_SERVICE_DATA16 = 0x16
AD_MANUFACTURER = 0xFF

COMPANY_APPLE = 0x004C
COMPANY_SAMSUNG = 0x0075
APPLE_FIND_MY = 0x12  # Apple continuity type: offline finding (AirTag, separated devices)
APPLE_NEARBY = 0x10  # Apple continuity type: nearby info (phones, watches)


@dataclass
class AdvInfo:
    uuid16: list[int]
    name: str | None
    manufacturer: dict[int, bytes]  # company id -> data after it


def parse_adv(data: bytes) -> AdvInfo:
    """AD structures (length, type, value); a malformed tail is ignored.

    Examples
    --------
    >>> parse_adv(bytes([2, 1, 6, 3, 3, 0xED, 0xFE])).uuid16
    [65261]
    >>> parse_adv(bytes([4, 9]) + b"V\\x1b]").name
    'V\\\\x1b]'
    """
    uuids: list[int] = []
    name = None
    manu: dict[int, bytes] = {}
    i = 0
    while i + 1 < len(data):
        n = data[i]
        if n == 0 or i + 1 + n > len(data):
            break
        ad_type, value = data[i + 1], data[i + 2 : i + 1 + n]
        if ad_type in (AD_UUID16_PARTIAL, AD_UUID16_COMPLETE):
            uuids += [value[k] | value[k + 1] << 8 for k in range(0, len(value) - 1, 2)]
        elif ad_type == AD_SERVICE_DATA16 and len(value) >= 2:
            uuids.append(value[0] | value[1] << 8)
        elif ad_type in (AD_NAME_SHORT, AD_NAME_COMPLETE):
            # anyone's radio names itself: the name enters here, made printable
            name = printable(value.decode("utf-8", "replace"))
        elif ad_type == AD_MANUFACTURER and len(value) >= 2:
            manu[value[0] | value[1] << 8] = bytes(value[2:])
        i += 1 + n
    return AdvInfo(uuids, name, manu)


TRACKER_UUIDS = {
    0xFEED: ("Tile tracker", "FOF, SIG"),
    0xFEEC: ("Tile tracker", "SIG"),
    0xFD5A: ("Samsung SmartTag", "FOF, SIG"),
    0xFCB2: ("tracker announcing itself for unwanted-tracking detection (DULT)", "FOF, SIG"),
    0xFE2C: ("Google Find My Device network tag", "FOF"),
    0xFE33: ("Chipolo tracker", "AGD, SIG"),
}
CAMERA_UUIDS = {0xFEA6: ("GoPro camera", "SIG")}
CAMERA_BLE_NAMES = re.compile(r"^(V380|IPC|CLOUDCAM|HIDVCAM|HDWiFiCam|LookCam)", re.I)


@dataclass
class BleVerdict:
    kind: str | None  # "tracker", "camera", "phone", or None
    what: str
    source: str
    weight: float


def ble_verdict(adv: AdvInfo) -> BleVerdict:
    """What the advertising data says the device is."""
    apple = adv.manufacturer.get(COMPANY_APPLE)
    if apple and apple[0] == APPLE_FIND_MY:
        return BleVerdict(
            "tracker",
            "Apple Find My device away from its owner (AirTag or lost Apple device)",
            "FOF, SIG",
            0.85,
        )
    for u in adv.uuid16:
        if u in TRACKER_UUIDS:
            what, src = TRACKER_UUIDS[u]
            return BleVerdict("tracker", what, src, 0.85)
    for u in adv.uuid16:
        if u in CAMERA_UUIDS:
            what, src = CAMERA_UUIDS[u]
            return BleVerdict("camera", what, src, 0.7)
    if adv.name and CAMERA_BLE_NAMES.search(adv.name):
        return BleVerdict("camera", f"camera advertising as {adv.name!r}", "FOF", 0.75)
    if apple and apple[0] == APPLE_NEARBY:
        return BleVerdict("phone", "Apple phone or watch (nearby info)", "SIG", 0.0)
    return BleVerdict(None, "", "", 0.0)
