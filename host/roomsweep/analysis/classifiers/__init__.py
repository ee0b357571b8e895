"""The classifier table: one module per signal kind, each citing its standard.

To add a kind, write a module with a CLASSIFIER and list it here; a standard's
timings go in roomsweep.standards, and the CLASSIFIER's period_s names the one
its envelope repeats at (None when there is none).
"""

from __future__ import annotations

from roomsweep.analysis.classifiers import (
    analog_video,
    ble,
    bt_classic,
    dect,
    gsm,
    lte,
    wifi_beacon,
    wifi_stream,
)
from roomsweep.analysis.classifiers.base import Classifier

CLASSIFIERS: tuple[Classifier, ...] = (
    gsm.CLASSIFIER,
    dect.CLASSIFIER,
    wifi_beacon.CLASSIFIER,
    wifi_stream.CLASSIFIER,
    ble.CLASSIFIER,
    bt_classic.CLASSIFIER,
    lte.CLASSIFIER,
    analog_video.CLASSIFIER,
)
BY_NAME = {c.name: c for c in CLASSIFIERS}
UNKNOWN_PERIODIC = "unknown_periodic"
UNKNOWN = "unknown"
