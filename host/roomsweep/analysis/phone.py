"""The sweeper's own phone's cellular bursts, read as a device at a stop.

A phone left on in the pocket of whoever sweeps sends now and then (background
data, a call) a few decimetres from the detector, wherever the stop: its GSM
or LTE bursts read alike at every stop where it happened to send, and make a
"peak" at each (outsider round 5: three LTE findings in one room, all the
phone's). The device's own BLE scan says when a phone moved with the device
(network.carried: a phone advertises on BLE all the while). Then a GSM or LTE
finding that stands no higher over the kind's level at the stops away from it
than the phone's own bursts spread (STANDS_OVER_PHONE_DB) cannot be told from
the phone's, and is not reported; the caveat says so and asks for a sweep with
the phone in flight mode (analyst.caveats.carried_text).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from roomsweep.analysis.components import DETECTOR_FLOOR_DBM, Stretch
from roomsweep.analysis.recording import Recording
from roomsweep.network.carried import CARRIED_MIN_STOPS, CARRIED_SPAN_M, carried_along

# The kinds a phone sends on its own: its cellular uplinks
PHONE_KINDS = ("gsm", "lte")
# A phone carried at the detector reads within a few dB from stop to stop as
# the body turns (network.carried, CARRIED_SPREAD_DB: 6 dB), and its power
# control moves it more over a sweep (outsider rounds 5 and 6c: 3-10 dB between
# the stops where it sent). A bug beside a stop reads 10 dB and more over what
# it reads a couple of metres away (free space, n = 2: 0.3 m -> 1 m is 10.5 dB),
# and over the phone where both are heard: this far over the kind's level
# elsewhere a finding stands out of the phone's spread
STANDS_OVER_PHONE_DB = 10.0


def phone_moved_along(rec: Recording) -> bool:
    """Whether the device's BLE scan heard a phone move with it (network.carried)."""
    return bool(carried_along(rec))


def not_the_phone(
    findings: list[dict[str, Any]],
    tracks: dict[str, np.ndarray],
    parts: list[Stretch],
    positions: dict[str, tuple[float, float]],
) -> list[dict[str, Any]]:
    """`findings` without the GSM and LTE ones that read like a phone carried
    along: where the kind (its level per stretch in `tracks`) was heard at
    stops CARRIED_SPAN_M or more apart (with `positions`; without, at
    CARRIED_MIN_STOPS stops or more), a finding less than
    STANDS_OVER_PHONE_DB over the kind's loudest level at the stops outside
    its region. Call it only where a phone moved with the device
    (phone_moved_along)."""
    phones = {
        cls: _heard_across_room(tracks[cls], parts, positions)
        for cls in PHONE_KINDS
        if cls in tracks
    }
    out = []
    for f in findings:
        heard = phones.get(str(f.get("class"))) if f.get("type", "rf") == "rf" else None
        if heard:
            own = {f.get("waypoint"), *(f.get("region") or [])}
            elsewhere = [level for w, level in heard.items() if w not in own]
            if elsewhere and f["level_dbm"] < max(elsewhere) + STANDS_OVER_PHONE_DB:
                continue  # as loud as the phone's own bursts read at other stops
        out.append(f)
    return out


def _heard_across_room(
    track: np.ndarray, parts: list[Stretch], positions: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """The kind's loudest level at each stop that heard it, where those stops
    lie CARRIED_SPAN_M or more apart (without `positions`, are
    CARRIED_MIN_STOPS or more); else {} (its levels cannot tell the phone)."""
    heard: dict[str, float] = {}
    for st in parts:
        if st.label and track[st.index] > DETECTOR_FLOOR_DBM:
            heard[st.label] = max(heard.get(st.label, -np.inf), float(track[st.index]))
    if not positions:
        return heard if len(heard) >= CARRIED_MIN_STOPS else {}
    placed = [positions[w] for w in heard if w in positions]
    wide = (
        len(placed) >= 2 and max(math.dist(a, b) for a in placed for b in placed) >= CARRIED_SPAN_M
    )
    return heard if wide else {}
