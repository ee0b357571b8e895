"""Wi-Fi access point beacons.

IEEE 802.11-2020, 11.1.3: beacons at the Target Beacon Transmission Time, every
dot11BeaconPeriod time units of 1024 us, 100 TU (102.4 ms) by default; a beacon
at 1 Mb/s lasts about 1-2 ms and may slip when the medium is busy. The timings
are in roomsweep.standards (WIFI_TU_S, WIFI_BEACON_INTERVAL_S).
"""

from __future__ import annotations

from roomsweep.analysis.classifiers.base import (
    FRAME_MULTIPLES,
    FRAME_TOLERANCE_S,
    Classifier,
    ramp,
    within,
)
from roomsweep.analysis.dsp import partner_fraction
from roomsweep.analysis.features import Features
from roomsweep.standards import GSM_FRAME_S, WIFI_BEACON_INTERVAL_S

# A 2 ms beacon every 102.4 ms is 2 % on air; an access point's own data frames
# add some, up to 6 % fully; the score falls to nothing by 12 %.
MAX_DUTY = 0.06
# Bursts closer than this are one beacon (its edges can break up on the envelope).
EVENT_GAP_S = 0.3e-3
MIN_EVENTS = 4  # fewer than four beacons say nothing about an interval
# A beacon's partner comes back within this of one to five intervals later (beacons
# lost under other traffic skip some); one delayed longer by a busy medium is missing.
BEACON_TOLERANCE_S = 0.8e-3
BEACON_MULTIPLES = (1, 2, 3, 4, 5)
# Share of beacons coming back on the dot: from nothing at 0.25 to fully at 0.5
# (data frames in between have no partners and pull it down).
BEACON_REGULARITY = (0.25, 0.5)
# 22 GSM frames (101.5 ms) come within 1 ms of a beacon interval: a GSM train has
# partners at 102.4 ms too, but far more on its own frame grid; from 30 % of events
# with GSM partners the score falls, to nothing by 60 %.
GSM_PARTNERS = (0.3, 0.6)


def score(f: Features) -> float:
    low_duty = within(f.duty, 0.0, MAX_DUTY, MAX_DUTY)
    if low_duty == 0:
        return 0.0
    starts, widths = f.events(EVENT_GAP_S)
    if starts.size < MIN_EVENTS:
        return 0.0
    _, props = partner_fraction(
        starts, WIFI_BEACON_INTERVAL_S, BEACON_TOLERANCE_S, multiples=BEACON_MULTIPLES
    )
    # beacons come back on the dot; data frames in between have no partners
    periodic = ramp(props["regularity"], *BEACON_REGULARITY)
    if periodic == 0:
        return 0.0
    tdma, _ = partner_fraction(starts, GSM_FRAME_S, FRAME_TOLERANCE_S, multiples=FRAME_MULTIPLES)
    return periodic * low_duty * (1 - ramp(tdma, *GSM_PARTNERS))


CLASSIFIER = Classifier(
    "wifi_ap",
    "Wi-Fi access point beacons (102.4 ms)",
    "IEEE 802.11-2020 11.1.3",
    score,
    # a 13-20 dBm AP (802.11 EIRP, 20 dBm the ETSI EN 300 328 limit at
    # 2.4 GHz) within about 1 m (FSPL 40 dB at 1 m): -22 dBm needs even
    # the loudest AP within 1.3 m in free space (n = 2, the slowest
    # fall indoors), so an AP on a corridor ceiling or beyond a wall
    # (3-15 dB more, ITU-R P.2040 drywall to concrete) reads less
    in_room_dbm=-22.0,
    period_s=WIFI_BEACON_INTERVAL_S,
)
