"""Access points that say what they are: the building's network, a printer, a TV.

The detector hears an access point's beacons (wifi_beacon) wherever one is,
and the device's own Wi-Fi scan names it. Some radios say the beacons are no
hidden camera's:

- **Several networks from one radio.** Hotel, office and many home access
  points send a beacon per network (guest, staff, IoT), each from its own
  BSSID of the same radio (IEEE 802.11-2020 11.1.3.8, multiple BSSIDs):
  addresses that differ only in their last octet, read alike at every stop
  (one place). A camera in access-point mode
  runs the one network its app joins.
- **A maker of network infrastructure and no cameras**: enterprise access
  points (Aruba, Ruckus, Juniper Mist, Extreme, Aerohive, Cambium) and home
  routers from AVM (FRITZ!Box).
- **A printer's or TV's Wi-Fi Direct.** A Wi-Fi Direct group owner's SSID
  begins "DIRECT-" and two characters (Wi-Fi P2P Technical Specification
  3.2.1); printers and Sony TVs follow them with their maker or model
  ("DIRECT-4B-HP OfficeJet Pro", "DIRECT-xy-BRAVIA"), Samsung TVs name
  themselves "[TV] Samsung ...".

None of this counts for a radio whose address is a camera maker's or a maker
of cameras among much else (network.signatures: Espressif, Tuya, Hikvision,
TP-Link, ...), or one of whose names is a camera's (a camera named
"DIRECT-5x-HP LaserJet" stays a camera). A name alone ("Guest", "Staff",
eduroam) counts for nothing: anyone can give a camera's network that name.

An RF access-point finding (or a camera finding heard with a clear beacon
train: a busy access point's clients' traffic beside its beacons reads as a
camera that is its own access point) at the stop where such an access point is
strongest, or at a stop where the scan read it, FLOOR_DBM or louder there, at
the level its RSSI gives (within LEVEL_MATCH_DB), with no other access point
at a like level there, is that access point: the nearest in level of such
findings, and the nearest at each other stop the scan read it at, are left
out of the findings, and the caveats say what and where.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from roomsweep.network.devices import Device
from roomsweep.network.registry import lookup
from roomsweep.network.signatures import camera_ssid, vendor_kind

INFRASTRUCTURE_VENDORS = (
    "aruba",
    "ruckus",
    "juniper",
    "mist systems",
    "extreme networks",
    "aerohive",
    "cambium",
    "avm audiovisuelles",
)
# the maker right after "DIRECT-xy-": printers, and Sony's TVs
APPLIANCE_DIRECT = re.compile(
    r"^DIRECT-[0-9A-Za-z]{2}-(HP|EPSON|Brother|Canon|Xerox|Lexmark|Kyocera|Ricoh|BRAVIA)\b",
    re.I,
)
APPLIANCE_TAGGED = re.compile(r"^\[(TV|Printer|AV|Monitor)\]", re.I)
# BSSIDs of one radio differ in the last octet only (the first 5 octets: 14
# characters of "aa:bb:cc:dd:ee:ff")
RADIO_PREFIX = 14
# One radio's networks are at one place: each reads within SAME_RADIO_DB of
# the other at the other's strongest stop, and at the median stop both were
# heard at (they share a channel; a stop's one or two scan readings vary by a
# few dB, more where weak). Two devices at two stops differ by tens of dB at
# each one's own stop.
SAME_RADIO_DB = 6.0
# A detector level and an RSSI of the same beacons agree within this (both
# read received power: the ESP32's RSSI to a few dB, the detector within 2 dB
# in its calibrated band). network.findings' 15 dB only tells a camera from a
# router 30-50 dB weaker; an access point that takes a finding away must be
# its level. Another access point at that stop within this of the finding's
# level may be its source as well: the finding stays.
LEVEL_MATCH_DB = 8.0
# heard in the room: what network.findings takes for inside it (a strongest
# reading this loud is within a few metres)
FLOOR_DBM = -45.0
# A camera finding whose frames keep a beacon train this clearly (its
# evidence's wifi_ap score): the surety analysis.classifiers.named asks of a
# stream before it calls beacons with frames beside them a camera
# (STREAM_BESIDE_BEACONS). A camera's own frames can land near the beacon grid
# and score about half that (outsider round 7, room 30: 0.48, a real camera)
BEACONS_SCORE = 0.7


@dataclass
class Identified:
    device: Device
    what: str  # e.g. "a printer's or TV's Wi-Fi Direct" (no names: they are personal data)
    members: list[Device]  # its BSSIDs


def identify(devices: Sequence[Device]) -> list[Identified]:
    """The Wi-Fi radios whose networks, maker or name say what they are
    (module docstring): one per radio, its strongest BSSID standing for it and
    `members` the BSSIDs found to be that radio."""
    wifi = [d for d in devices if d.radio == "wifi"]
    radios: dict[str, list[Device]] = {}
    for d in wifi:
        radios.setdefault(_radio(d), []).append(d)
    out = []
    for members in radios.values():
        left = sorted(members, key=lambda d: -d.strongest_dbm)
        while left:  # the loudest left and those at its place: one radio
            top = left[0]
            same = [d for d in left if d is top or _one_place(d, top)]
            left = [d for d in left if d not in same]
            if any(_camera_like(d) for d in same):
                continue
            names = list(dict.fromkeys(s for d in same for s in d.ssids if s))
            what = _what(top, names)
            if what is not None:
                out.append(Identified(top, what, same))
    return out


def _radio(d: Device) -> str:
    return d.mac.lower().replace("-", ":")[:RADIO_PREFIX]


def _one_place(d: Device, top: Device) -> bool:
    """Read alike with `top` (SAME_RADIO_DB) at each one's strongest stop and
    at the median stop both were heard at."""
    both = set(d.by_waypoint) & set(top.by_waypoint)
    if not both:
        return False
    for a, b in ((d, top), (top, d)):
        w = a.strongest_waypoint
        if w is None or w not in b.by_waypoint:
            return False
        if abs(a.by_waypoint[w] - b.by_waypoint[w]) > SAME_RADIO_DB:
            return False
    gaps = [abs(d.by_waypoint[w] - top.by_waypoint[w]) for w in both]
    return float(np.median(gaps)) <= SAME_RADIO_DB


def _camera_like(d: Device) -> bool:
    """A camera maker's or a maker of cameras among much else's address, or a
    camera's name."""
    return vendor_kind(lookup(d.mac).vendor) is not None or any(camera_ssid(s) for s in d.ssids)


def identified_macs(known: list[Identified]) -> set[str]:
    """Every BSSID found to be one of the identified radios."""
    return {d.mac for k in known for d in k.members}


def _what(d: Device, names: list[str]) -> str | None:
    if len(names) >= 2:
        return f"a building's access point ({len(names)} networks from one radio)"
    vendor = lookup(d.mac).vendor or ""
    if any(v in vendor.lower() for v in INFRASTRUCTURE_VENDORS):
        return f"a network access point (made by {vendor})"
    for name in names:
        if APPLIANCE_DIRECT.search(name) or APPLIANCE_TAGGED.search(name):
            return "a printer's or TV's Wi-Fi Direct"
    return None


def _beacons_read(f: dict[str, Any]) -> bool:
    """An RF finding of an access point's beacons: an access point, or a
    camera whose evidence scores a beacon train BEACONS_SCORE or more
    (classifiers.named calls such a train with frames beside it a camera that
    is its own access point; beside an identified access point's beacons the
    frames are its clients' traffic)."""
    if f.get("class") == "wifi_ap":
        return True
    scores = f.get("evidence", {}).get("scores", {})
    return f.get("class") == "wifi_camera" and scores.get("wifi_ap", 0.0) >= BEACONS_SCORE


def explained(
    rf: list[dict[str, Any]],
    devices: Sequence[Device],
    known: list[Identified],
    positions: Mapping[str, tuple[float, float]] | None = None,
    radius_m: float = 1.5,
) -> dict[int, Identified]:
    """Index in `rf` -> the identified access point an RF access-point finding
    is: one heard at FLOOR_DBM or more, its RSSI within LEVEL_MATCH_DB of the
    finding's level where it is strongest, that stop the finding's (or within
    `radius_m` of it), or at the finding's own stop (the scan reads each
    access point once or twice a stop, the detector its loudest beacon: one
    fade moves either's loudest stop a few metres, but at one stop both read
    the same beacons), with no other access point there within
    LEVEL_MATCH_DB of that level, and no camera evidence merged into the
    finding (a camera's own access point, or a camera's stream heard with it:
    analysis.echoes.one_radio). By where it is strongest, each access point is
    at most one finding, the nearest to its RSSI; by its own reading at a
    finding's stop, at most one finding a stop, the nearest to that reading,
    at any stop it was so read (two levels at one stop are two transmitters;
    a busy access point's traffic makes a camera-like level at every stop
    near it, as its beacons do: outsider round 7, room 48, a Meraki's at
    three stops)."""
    pos = positions or {}
    theirs = identified_macs(known)

    def at(d: Device, here: str | None) -> bool:
        if here is None or d.strongest_waypoint is None:
            return False  # no stops (no marks): no place to say they share
        if d.strongest_waypoint == here:
            return True
        a, b = pos.get(here), pos.get(d.strongest_waypoint)
        return a is not None and b is not None and math.dist(a, b) <= radius_m

    def gap_here(d: Device, here: str | None, level: float) -> float:
        """How far from `level` the access point reads at `here` itself
        (FLOOR_DBM or louder there; else infinite)."""
        own = d.by_waypoint.get(here, -math.inf) if here is not None else -math.inf
        return abs(own - level) if own >= FLOOR_DBM else math.inf

    def gap_at(d: Device, here: str | None, level: float) -> float | None:
        """How far from `level` the access point reads: where it is strongest
        (that stop at `here`), or at `here` itself (gap_here); None beyond
        LEVEL_MATCH_DB."""
        gap = gap_here(d, here, level)
        if at(d, here):
            gap = min(gap, abs(d.strongest_dbm - level))
        return gap if gap <= LEVEL_MATCH_DB else None

    best: dict[int, tuple[float, int]] = {}  # known index -> (level gap, rf index)
    # (known index, stop) -> (level gap, rf index): read at the finding's own stop
    also: dict[tuple[int, str], tuple[float, int]] = {}
    for i, f in enumerate(rf):
        if f.get("type", "rf") != "rf" or not _beacons_read(f):
            continue
        if "wifi" in f.get("evidence", {}) or f.get("evidence", {}).get("stream_too"):
            continue  # a camera access point's evidence merged into it, or its stream
        here, level = f.get("waypoint"), float(f["level_dbm"])
        if any(
            o.radio == "wifi" and o.mac not in theirs and gap_at(o, here, level) is not None
            for o in devices
        ):
            continue  # another access point there at that level: it may be the source
        for j, k in enumerate(known):
            d = k.device
            gap = gap_at(d, here, level)
            if d.strongest_dbm < FLOOR_DBM or gap is None:
                continue
            if j not in best or gap < best[j][0]:
                best[j] = (gap, i)
            own = gap_here(d, here, level)
            if here is not None and own <= LEVEL_MATCH_DB:
                if (j, here) not in also or own < also[(j, here)][0]:
                    also[(j, here)] = (own, i)
    out = {i: known[j] for j, (_, i) in best.items()}
    # one finding a stop: two levels at one stop are two transmitters
    taken = {(j, rf[i].get("waypoint")) for j, (_, i) in best.items()}
    out.update({i: known[j] for (j, here), (_, i) in also.items() if (j, here) not in taken})
    return out
