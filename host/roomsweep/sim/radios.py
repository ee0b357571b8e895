"""What the device's own radios hear in a scenario: Wi-Fi scans and BLE adverts.

One model serves the fast path (``sightings``: observations straight into a
Recording) and the simulated board (``radio_table``: a table the MicroPython
board layer reads to answer ``WLAN.scan()`` and to raise BLE scan IRQs), so
both hear the same thing.

RSSI is the RF channel's law (``signals.received_dbm``: free-space loss at
1 m, log-distance exponent, the same per-device log-normal shadowing drawn the
same way, the same wall loss for a device beyond a face with [walls]), plus a
fast-fading term per reading.

Constants:
- ESP32 receive sensitivity: 802.11b 1 Mbit/s -98 dBm, BLE -97 dBm (ESP32
  datasheet, RF characteristics); a scan lists what is a few dB above it.
- Scan timing: ESP-IDF defaults, active scan up to 120 ms per channel, 13
  channels (esp_wifi_scan_start docs; shared reference §5): 1.56 s, plus 40 ms
  to start and collect results [assumed].
- BLE: advertising interval plus a random 0-10 ms advDelay (Bluetooth Core
  spec Vol 6 Part B 4.4.2.2); every event is heard once (the scanner listens on
  one channel at a time, window = interval); none while a Wi-Fi scan holds the
  shared antenna (ESP32 coexistence time-slices the radio [assumed]).
- Fast fading per reading: sigma 2 dB [assumed], RSSI reported as whole dBm.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

import numpy as np

from roomsweep.protocol.observations import BleSighting, RadioBusy, WifiSighting
from roomsweep.sim.scenario import Scenario
from roomsweep.sim.signals import _SEED_SHADOW, _rng, received_dbm
from roomsweep.sim.walls import path_wall_loss_db

WIFI_SENSITIVITY_DBM = -95.0
BLE_SENSITIVITY_DBM = -94.0
SCAN_CHANNEL_S = 0.120
SCAN_CHANNELS = 13
SCAN_OVERHEAD_S = 0.040
SCAN_DURATION_S = SCAN_CHANNELS * SCAN_CHANNEL_S + SCAN_OVERHEAD_S
SCAN_AFTER_MARK_S = 0.05  # the firmware starts a scan at the next loop after a mark
ADV_DELAY_MAX_S = 0.010
FADING_DB = 2.0
BLE_WINDOW_S = 1.0  # the firmware reports BLE advertisers once a second
# CONFIGURE settings that switch the device's radios on (off by default: a Wi-Fi
# scan stalls sampling); the simulator uses them when a scenario has radios
RADIO_SETTINGS = "wifi_scan=1 ble_scan=1"
_SEED_RADIO = 0x5241444F  # "RADO"


def _shadow_db(scenario: Scenario, key_id: str, seed: int) -> float:
    """The same draw signals._Source makes for an emitter of this id."""
    if scenario.shadowing_db <= 0:
        return 0.0
    sigma = scenario.shadowing_db
    key = zlib.crc32(key_id.encode("utf-8"))
    return float(
        np.clip(
            _rng(seed & 0xFFFFFFFFFFFFFFFF, _SEED_SHADOW, key).normal(0.0, sigma),
            -2 * sigma,
            2 * sigma,
        )
    )


def mean_rssi_dbm(scenario: Scenario, device, t_s, seed: int) -> np.ndarray:
    """Mean received power of a network device at the sweep's position(s) at t_s."""
    pos = scenario.position_at(np.asarray(t_s, dtype=float))
    d = np.sqrt(np.sum((pos - np.asarray(device.position_m)) ** 2, axis=-1))
    key = getattr(device, "emitter", None) or device.id
    loss = device.loss_db + _shadow_db(scenario, key, seed)
    if scenario.walls:
        # the face crossed, as the RF detector's path has it (signals._Source)
        walls = path_wall_loss_db(
            scenario.walls, scenario.room_size_m, device.position_m, pos, device.band_mhz
        )
        loss = loss + walls.reshape(d.shape)
    return received_dbm(device.eirp_dbm, device.band_mhz, d, scenario.exponent, loss_db=loss)


def scan_times(scenario: Scenario, seconds: float | None = None) -> list[float]:
    """When the firmware scans Wi-Fi: once after each waypoint mark."""
    end = scenario.duration_s if seconds is None else seconds
    return [
        s.arrive_s + SCAN_AFTER_MARK_S
        for s in scenario.sweep
        if s.arrive_s + SCAN_AFTER_MARK_S + SCAN_DURATION_S <= end
    ]


@dataclass
class Sightings:
    wifi: list[WifiSighting]
    ble: list[BleSighting]
    busy: list[RadioBusy]


def wifi_scan(
    scenario: Scenario, t0: float, seed: int, rng: np.random.Generator
) -> list[WifiSighting]:
    """One scan starting at t0: each access point is heard while its channel is."""
    out = []
    for ap in scenario.access_points:
        t = t0 + SCAN_OVERHEAD_S / 2 + (ap.channel - 0.5) * SCAN_CHANNEL_S
        rssi = float(mean_rssi_dbm(scenario, ap, t, seed)) + rng.normal(0.0, FADING_DB)
        if rssi < WIFI_SENSITIVITY_DBM:
            continue
        out.append(
            WifiSighting(
                round(t, 6),
                ap.bssid,
                "" if ap.ssid_hidden else ap.ssid,
                ap.channel,
                float(round(rssi)),
                ap.authmode,
                ap.ssid_hidden,
            )
        )
    return out


def ble_events(scenario: Scenario, device, seed: int, end_s: float) -> np.ndarray:
    """Advertising event times of one device over [0, end_s)."""
    rng = _rng(seed & 0xFFFFFFFFFFFFFFFF, _SEED_RADIO, zlib.crc32(device.id.encode()))
    step = device.interval_ms / 1000.0
    n = int(end_s / step) + 2
    t = rng.uniform(0.0, step) + np.cumsum(step + rng.uniform(0.0, ADV_DELAY_MAX_S, n))
    return t[t < end_s]


def sightings(
    scenario: Scenario, seed: int | None = None, seconds: float | None = None
) -> Sightings:
    """Everything the device's radios report over the sweep (the fast path)."""
    seed = scenario.seed if seed is None else int(seed)
    end = scenario.duration_s if seconds is None else seconds
    rng = _rng(seed & 0xFFFFFFFFFFFFFFFF, _SEED_RADIO)
    wifi: list[WifiSighting] = []
    busy = []
    for t0 in scan_times(scenario, end):
        busy.append(RadioBusy(t0, t0 + SCAN_DURATION_S, True))
        wifi += wifi_scan(scenario, t0, seed, rng)
    ble: list[BleSighting] = []
    edges = np.arange(0.0, end + 1e-9, BLE_WINDOW_S)
    for dev in scenario.ble_devices:
        t = ble_events(scenario, dev, seed, end)
        for b in busy:
            t = t[(t < b.start_s) | (t >= b.end_s)]
        if t.size == 0:
            continue
        rssi = mean_rssi_dbm(scenario, dev, t, seed) + rng.normal(0.0, FADING_DB, t.size)
        rssi = np.round(rssi)
        heard = rssi >= BLE_SENSITIVITY_DBM
        t, rssi = t[heard], rssi[heard]
        win = np.searchsorted(edges, t, side="right") - 1
        for w in np.unique(win):
            sel = win == w
            ble.append(
                BleSighting(
                    round(float(t[sel][0]), 6),
                    dev.address,
                    1 if dev.random_address else 0,
                    float(rssi[sel].max()),
                    int(sel.sum()),
                    dev.adv_data,
                )
            )
    ble.sort(key=lambda b: b.time_s)
    return Sightings(wifi, ble, busy)


RADIO_GRID_S = 0.1  # the simulated board reads RSSI from a grid of this step
NOT_HEARD = -128


def radio_table(scenario: Scenario, seed: int | None = None, seconds: float | None = None) -> dict:
    """What the simulated board's WLAN and BLE objects answer: per device its
    static data and an RSSI grid (int8 bytes, NOT_HEARD below the receiver's
    sensitivity, fading included) over the scenario's time."""
    seed = scenario.seed if seed is None else int(seed)
    end = scenario.duration_s + 5.0 if seconds is None else seconds
    rng = _rng(seed & 0xFFFFFFFFFFFFFFFF, _SEED_RADIO, 1)
    t = np.arange(0.0, end + RADIO_GRID_S, RADIO_GRID_S)

    def grid(device, floor: float) -> bytes:
        r = mean_rssi_dbm(scenario, device, t, seed) + rng.normal(0.0, FADING_DB, t.size)
        r = np.clip(np.round(r), -127, 0)
        r[r < floor] = NOT_HEARD
        return r.astype(np.int8).tobytes()

    return {
        "grid_us": int(RADIO_GRID_S * 1e6),
        "grid_len": int(t.size),
        "scan_channel_us": int(SCAN_CHANNEL_S * 1e6),
        "scan_overhead_us": int(SCAN_OVERHEAD_S * 1e6),
        "scan_channels": SCAN_CHANNELS,
        "adv_delay_max_us": int(ADV_DELAY_MAX_S * 1e6),
        "aps": [
            {
                "ssid": ("" if ap.ssid_hidden else ap.ssid).encode().hex(),
                "bssid": ap.bssid.replace(":", ""),
                "channel": ap.channel,
                "authmode": ap.authmode,
                "hidden": int(ap.ssid_hidden),
                "rssi": grid(ap, WIFI_SENSITIVITY_DBM),
            }
            for ap in scenario.access_points
        ],
        "ble": [
            {
                "addr": b.address.replace(":", ""),
                "addr_type": int(b.random_address),
                "adv_type": 0 if b.kind == "phone" else 3,
                "data": b.adv_data.hex(),
                "interval_us": int(b.interval_ms * 1000),
                "phase_us": int(rng.uniform(0.0, b.interval_ms * 1000)),
                "rssi": grid(b, BLE_SENSITIVITY_DBM),
            }
            for b in scenario.ble_devices
        ],
    }


def write_radio_table(table: dict, path: str) -> None:
    """The file the simulated board reads: one line of JSON (everything but the
    RSSI grids), then the grids as raw int8, access points first, in order.
    The board reads it piecewise into buffers: no big string on its heap."""
    head = {k: v for k, v in table.items() if k not in ("aps", "ble")}
    head["aps"] = [{k: v for k, v in a.items() if k != "rssi"} for a in table["aps"]]
    head["ble"] = [{k: v for k, v in b.items() if k != "rssi"} for b in table["ble"]]
    with open(path, "wb") as f:
        f.write(json.dumps(head, separators=(",", ":")).encode() + b"\n")
        for d in [*table["aps"], *table["ble"]]:
            f.write(d["rssi"])
