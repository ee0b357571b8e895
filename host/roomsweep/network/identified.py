"""Access points that say what they are: the building's network, a printer, a TV.

The detector hears an access point's beacons (wifi_beacon) wherever one is,
and the device's own Wi-Fi scan names it. Some names and addresses say the
beacons are no hidden camera's:

- **Several networks from one radio.** Hotel, office and many home access
  points send a beacon per network (guest, staff, IoT, eduroam), each from its
  own BSSID of the same radio: addresses that differ only in their last octet
  (IEEE 802.11-2020 11.1.3.8, multiple BSSIDs). A camera in access-point mode
  runs the one network its app joins.
- **A maker of network infrastructure and nothing else.** Enterprise access
  points (Aruba, Cisco Meraki, Ruckus, Juniper Mist, Extreme, Aerohive,
  Cambium, Fortinet) and home routers from AVM (FRITZ!Box): no cameras under
  their prefixes (MIXED_VENDORS in network.signatures lists the makers of both).
- **Wi-Fi Direct of an appliance.** A Wi-Fi Direct group owner's SSID begins
  "DIRECT-" and two characters (Wi-Fi P2P Technical Specification 3.2.1);
  printers and TVs add their maker or model ("DIRECT-4B-HP OfficeJet Pro",
  "DIRECT-xy-BRAVIA"), Samsung TVs name themselves "[TV] Samsung ...".

A name alone ("Guest", "Staff") is not enough: anyone can give a camera's
network that name, and a camera in a hotel room has every reason to.

An RF access-point finding at the stop where such an access point is
strongest, at a like level, with no other access point strongest there, is
that access point: it is left out of the findings and said in the caveats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roomsweep.network.devices import Device
from roomsweep.network.registry import lookup

INFRASTRUCTURE_VENDORS = (
    "aruba",
    "cisco meraki",
    "ruckus",
    "juniper",
    "mist systems",
    "extreme networks",
    "aerohive",
    "cambium",
    "fortinet",
    "avm audiovisuelles",
)
APPLIANCE_DIRECT = re.compile(
    r"^DIRECT-[0-9A-Za-z]{2}-?.*\b(HP|EPSON|Brother|Canon|Xerox|Lexmark|Kyocera|Ricoh|"
    r"BRAVIA|LG|LGTV|Samsung|Roku|Philips|Hisense|TCL|Sharp)",
    re.I,
)
APPLIANCE_TAGGED = re.compile(r"^\[(TV|Printer|AV|Monitor)\]", re.I)
# BSSIDs of one radio differ in the last octet only (the first 5 octets: 14
# characters of "aa:bb:cc:dd:ee:ff")
RADIO_PREFIX = 14
# its networks are heard alike: strongest within this of one another
SAME_RADIO_DB = 6.0
# an RF level and an RSSI of the same transmitter (network.findings)
LEVEL_MATCH_DB = 15.0
# another access point strongest at that stop within this of the identified one
# could be the source as well: the finding stays
RIVAL_DB = 10.0


@dataclass
class Identified:
    device: Device
    what: str  # e.g. "a printer's or TV's Wi-Fi Direct" (no names: they are personal data)
    networks: list[str]  # every SSID its radio sends


def identify(devices: Sequence[Device]) -> list[Identified]:
    """The Wi-Fi devices whose name, maker or radio says what they are
    (module docstring): one per radio, its strongest BSSID standing for it."""
    wifi = [d for d in devices if d.radio == "wifi"]
    radios: dict[str, list[Device]] = {}
    for d in wifi:
        radios.setdefault(d.mac.lower()[:RADIO_PREFIX], []).append(d)
    out = []
    for members in radios.values():
        top = max(members, key=lambda d: d.strongest_dbm)
        alike = [d for d in members if top.strongest_dbm - d.strongest_dbm <= SAME_RADIO_DB]
        names = list(dict.fromkeys(s for d in alike for s in (d.ssids or [""])))
        # named networks: a hidden one beside a camera's own is no building's
        what = _what(top, names, len({n for n in names if n}))
        if what is not None:
            out.append(Identified(top, what, names))
    return out


def radios_of(known: list[Identified]) -> set[str]:
    """The radio prefixes (RADIO_PREFIX) of the identified access points: every
    BSSID of such a radio is that access point."""
    return {k.device.mac.lower()[:RADIO_PREFIX] for k in known}


def _what(d: Device, names: list[str], networks: int) -> str | None:
    if networks >= 2:
        return f"a building's access point ({networks} networks from one radio)"
    vendor = lookup(d.mac).vendor or ""
    if any(v in vendor.lower() for v in INFRASTRUCTURE_VENDORS):
        return f"a network access point (made by {vendor})"
    for name in names:
        if APPLIANCE_DIRECT.search(name) or APPLIANCE_TAGGED.search(name):
            return "a printer's or TV's Wi-Fi Direct"
    return None


def explained(
    rf: list[dict[str, Any]],
    devices: Sequence[Device],
    known: list[Identified],
    positions: Mapping[str, tuple[float, float]] | None = None,
    radius_m: float = 1.5,
) -> dict[int, Identified]:
    """Index in `rf` -> the identified access point an RF access-point finding
    is: one strongest at its stop (or within `radius_m` of it), at a level
    within LEVEL_MATCH_DB of the finding's, with no access point it does not
    identify strongest there within RIVAL_DB of it, and no camera evidence
    merged into the finding (a camera's own access point)."""
    pos = positions or {}
    ids = {id(k.device) for k in known}

    def at(d: Device, here: str | None) -> bool:
        if here is None or d.strongest_waypoint is None:
            return False  # no stops (no marks): no place to say they share
        if d.strongest_waypoint == here:
            return True
        a, b = pos.get(here or ""), pos.get(d.strongest_waypoint or "")
        return a is not None and b is not None and math.dist(a, b) <= radius_m

    out: dict[int, Identified] = {}
    for i, f in enumerate(rf):
        if f.get("type", "rf") != "rf" or f.get("class") != "wifi_ap":
            continue
        if "wifi" in f.get("evidence", {}):
            continue  # a camera access point's evidence merged into it
        here = f.get("waypoint")
        for k in known:
            d = k.device
            if not at(d, here) or abs(d.strongest_dbm - f["level_dbm"]) > LEVEL_MATCH_DB:
                continue
            rivals = [
                o
                for o in devices
                if o.radio == "wifi"
                and id(o) not in ids
                and o.mac.lower()[:RADIO_PREFIX] != d.mac.lower()[:RADIO_PREFIX]
                and at(o, here)
                and d.strongest_dbm - o.strongest_dbm <= RIVAL_DB
            ]
            if not rivals:
                out[i] = k
                break
    return out
