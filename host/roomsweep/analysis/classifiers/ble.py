"""Bluetooth Low Energy advertising (beacons, trackers, some cameras).

Bluetooth Core Specification 5.4, Vol 6, Part B, 4.4.2.2: advertising events
every advInterval (20 ms to 10.24 s, in 0.625 ms steps) plus a pseudo-random
advDelay of 0-10 ms; each event sends the PDU on channels 37, 38 and 39 in turn
(about 0.3 ms each), which a sampled envelope sees as one short event.
"""

import numpy as np

from ..dsp import partner_fraction
from ..features import Features
from .base import Classifier, ramp, within

BEACON_S = 0.1024  # a strict 102.4 ms period is a Wi-Fi beacon, not advDelay jitter


def score(f: Features) -> float:
    quiet = within(f.duty, 0.0, 0.08, 0.05)
    if quiet == 0:
        return 0.0
    starts, widths = f.events(0.6e-3)
    if starts.size < 4:
        return 0.0
    iv = np.diff(starts)
    q1, med, q3 = np.percentile(iv, [25, 50, 75])
    # advDelay uniform on 0-10 ms: intervals spread over ~10 ms, IQR about 5 ms
    jitter = within(float(q3 - q1), 1.5e-3, 8e-3, 2e-3)
    interval = within(float(med), 20e-3, 10.25, 5e-3)
    short = within(float(np.median(widths)), 0.1e-3, 1.6e-3, 0.5e-3)
    if jitter * interval * short == 0:
        return 0.0
    _, props = partner_fraction(starts, BEACON_S, 0.8e-3, multiples=(1, 2, 3, 4, 5))
    strict = 1 - ramp(props["regularity"], 0.25, 0.5)
    return jitter * interval * short * quiet * strict


CLASSIFIER = Classifier("ble", "Bluetooth Low Energy advertising",
                        "Bluetooth Core 5.4 Vol 6 Part B 4.4.2.2", score,
                        # a -10..0 dBm advertiser within about 0.5 m (FSPL 40 dB at
                        # 1 m, n = 2.5); weaker BLE-like timing is room traffic
                        in_room_dbm=-37.0)
