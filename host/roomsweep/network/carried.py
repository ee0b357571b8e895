"""A radio that moved with the device: the sweeper's own phone.

A phone in the pocket of whoever sweeps is a transmitter a few decimetres from
the detector. Where it sends (background data, a call), its cellular or Wi-Fi
bursts read -20 to -10 dBm at that stop, as loud as a bug beside the stop, and
it can drown one there (outsider round 5, docs/benchmarks.md round 24). Phones
advertise on BLE all the while (Apple Continuity, Google Fast Pair, Find My),
so the device's own BLE scan hears it, and hears it alike at every stop.

No fixed device does that. A BLE transmitter of 10 dBm or less (phones, tags
and gadgets: Bluetooth Core 5.x Vol 6 Part A 3, power classes 2-3 and the
0-10 dBm such devices use) read at -35 dBm or more is within about 2.5 m of the
stop (free-space loss 40 dB at 1 m at 2.4 GHz, n = 2 the slowest fall), so
across stops 3 m or more apart its distance at least doubles and its level
falls by 6 dB or more. A strong BLE level that stays within 6 dB at every
stop of a sweep that wide moved with the device. (A rare class 1 radio of
20 dBm hung at the middle of the room, every stop 1.6-2.6 m from it, can read
so too; what it costs is a caveat that was not needed, no finding.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from roomsweep.network.devices import Device, devices_of

# strong enough that a fixed device would be within reach (module docstring)
CARRIED_MIN_DBM = -35.0
# within this at every stop: less than the fall across CARRIED_SPAN_M
CARRIED_SPREAD_DB = 6.0
# the stops it was heard at span this much: twice the distance to a fixed
# device 2.5 m off, or more
CARRIED_SPAN_M = 3.0
# heard at this share of the sweep's stops, and at this many at least (without
# positions, this many are taken for a room's width)
CARRIED_SHARE = 0.8
CARRIED_MIN_STOPS = 4
CARRIED_MIN_STOPS_UNPLACED = 6


def carried(
    devices: Sequence[Device],
    stops: Sequence[str],
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> list[Device]:
    """The BLE devices that moved with the sweeping device: heard at nearly
    every one of `stops` (the sweep's waypoint names), at CARRIED_MIN_DBM or
    more at the typical stop (the median), all within CARRIED_SPREAD_DB, over
    stops CARRIED_SPAN_M or more apart (`positions`: the plan's, metres;
    without them, at CARRIED_MIN_STOPS_UNPLACED stops or more)."""
    named = set(stops)
    out = []
    for d in devices:
        if d.radio != "ble":
            continue
        levels = {w: v for w, v in d.by_waypoint.items() if w in named}
        if len(levels) < max(CARRIED_MIN_STOPS, CARRIED_SHARE * len(named)):
            continue
        if float(np.median(list(levels.values()))) < CARRIED_MIN_DBM:
            continue
        if max(levels.values()) - min(levels.values()) > CARRIED_SPREAD_DB:
            continue
        placed = [positions[w] for w in levels if positions and w in positions]
        if len(placed) >= 2:
            span = max(math.dist(a, b) for a in placed for b in placed)
            if span < CARRIED_SPAN_M:
                continue
        elif len(levels) < CARRIED_MIN_STOPS_UNPLACED:
            continue
        out.append(d)
    return out


def carried_along(rec: Any, devices: Sequence[Device] | None = None) -> list[Device]:
    """carried over a recording's sweep: its waypoint marks' names and plan;
    `devices`: what build_devices made of `rec`'s sightings already."""
    if not getattr(rec, "ble", None):
        return []  # only a BLE advertiser is taken for a phone carried along
    if devices is None:
        devices = devices_of(rec)
    return carried(devices, [m.label for m in rec.marks], rec.waypoint_positions)
