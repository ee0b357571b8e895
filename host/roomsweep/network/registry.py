"""Vendor of a MAC address from the IEEE registry, offline.

The registry is the IEEE MA-L (OUI) list bundled with ``netaddr`` (no network
at run time). Locally administered addresses (bit 1 of the first octet: random
BLE addresses, randomised Wi-Fi MACs, virtual interfaces) are assigned by no
vendor and are never looked up: a lookup would name whoever happens to own
that number.

Examples
--------
>>> lookup("00:17:88:24:76:ff").vendor
'Philips Lighting BV'
>>> lookup("02:11:22:33:44:55").locally_administered
True
>>> lookup("02:11:22:33:44:55").vendor is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from netaddr import EUI
from netaddr.core import NotRegisteredError

from roomsweep.errors import RoomsweepError

_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-]?)[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$")


@dataclass(frozen=True)
class VendorInfo:
    mac: str
    oui: str  # "aa:bb:cc"
    vendor: str | None  # registered organisation, None when unknown or not looked up
    locally_administered: bool
    multicast: bool


def normalize_mac(mac: str) -> str:
    """'AA-BB-CC-DD-EE-FF' / 'aabbccddeeff' -> 'aa:bb:cc:dd:ee:ff'."""
    text = mac.strip()
    if not _MAC.match(text):
        raise RoomsweepError(f"not a MAC address: {mac!r}")
    digits = re.sub(r"[:-]", "", text).lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def is_locally_administered(mac: str) -> bool:
    return bool(int(normalize_mac(mac)[:2], 16) & 0x02)


@lru_cache(maxsize=4096)
def lookup(mac: str, random_address: bool = False) -> VendorInfo:
    """Vendor of `mac`. ``random_address`` marks a BLE random address (address
    type 1), which is never looked up whatever its bits say."""
    norm = normalize_mac(mac)
    first = int(norm[:2], 16)
    local = bool(first & 0x02)
    vendor = None
    if not local and not random_address:
        vendor = _registered(norm)
    return VendorInfo(norm, norm[:8], vendor, local or random_address, bool(first & 0x01))


def _registered(mac: str) -> str | None:
    try:
        return str(EUI(mac).oui.registration().org).strip() or None
    except (NotRegisteredError, IndexError, ValueError):
        return None
