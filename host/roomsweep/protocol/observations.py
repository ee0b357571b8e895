"""Network sightings as plain data: what the analysis layers above consume.

Made from decoded WIFI_SCAN / BLE_ADV records (``from_records``) or by the
simulator's fast path (``roomsweep.sim.radios``). Times are seconds from the
first RF sample of the recording, like the waypoint marks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class WifiSighting:
    time_s: float
    bssid: str  # "aa:bb:cc:dd:ee:ff"
    ssid: str
    channel: int
    rssi_dbm: float
    authmode: int  # 0 open, 1 WEP, 2 WPA-PSK, 3 WPA2-PSK, ... (ESP-IDF wifi_auth_mode_t)
    hidden: bool


@dataclass
class BleSighting:
    time_s: float  # middle of the window it was heard in
    address: str
    address_type: int  # 0 public, 1 random
    rssi_dbm: float  # strongest in the window
    seen: int
    adv_data: bytes


@dataclass
class RadioBusy:
    """The device's own radio was busy (a Wi-Fi scan): sampling stood still and,
    for an active scan, the device transmitted probe requests."""

    start_s: float
    end_s: float
    active: bool


AUTHMODE_NAMES = {
    0: "open",
    1: "WEP",
    2: "WPA-PSK",
    3: "WPA2-PSK",
    4: "WPA/WPA2-PSK",
    5: "WPA2-Enterprise",
    6: "WPA3-PSK",
    7: "WPA2/WPA3-PSK",
    8: "WAPI-PSK",
    9: "OWE",
}
