"""Wi-Fi device streaming (a network camera sending video).

IEEE 802.11-2020 data frames: bursts of variable length (a 1500-byte frame takes
about 0.2-2 ms depending on the rate) at no fixed period; video encoders make
the traffic heavy and variable (DeWiCam, MobiSys 2018; hiddenwebcam). What sets it
apart: a high duty and burst rate with no slot grid (GSM, DECT, Bluetooth, LTE
all have one).
"""

import numpy as np

from roomsweep.analysis.dsp import grid_fraction
from roomsweep.analysis.features import Features
from roomsweep.analysis.classifiers.base import Classifier, frame_regularity, ramp


def score(f: Features) -> float:
    if f.count < 20:
        return 0.0
    # a camera sending 0.7 Mbit/s at 24 Mbit/s is on air only 3-5 % of the time
    # (NESL SnoopDog traces), a busy one 20-60 %
    # and sends 60-180 frames a second; an access point's data traffic far fewer
    busy = ramp(f.duty, 0.01, 0.03) * ramp(f.burst_rate_hz, 40, 70)
    not_continuous = 1.0 - ramp(f.duty, 0.85, 0.97)
    if busy * not_continuous == 0:
        return 0.0
    grids = [grid_fraction(f.starts_s, p, tol, max_multiple=16)[0]
             for p, tol in ((625e-6, 90e-6), (1e-3, 140e-6), (0.120 / 26, 0.3e-3))]
    no_grid = 1.0 - ramp(max(grids), 0.45, 0.75)
    if no_grid == 0:
        return 0.0
    # nor a frame period, even when two TDMA transmitters interleave (GSM, DECT)
    tdma = max(frame_regularity(f.starts_s, period) for period in (0.120 / 26, 10e-3))
    no_grid *= 1.0 - ramp(tdma, 0.15, 0.35)
    spread = ramp(float(np.std(f.widths_s)) if f.count else 0.0, 0.1e-3, 0.3e-3)
    # full-size frames all last alike; varied lengths are only a hint
    return busy * no_grid * max(spread, 0.8) * not_continuous


CLASSIFIER = Classifier("wifi_camera", "Wi-Fi camera streaming video",
                        "IEEE 802.11-2020 data frames", score,
                        # a camera module sends 13-20 dBm (ESP32-CAM class, docs/
                        # sources.md §7): within 0.5 m (FSPL 40 dB at 1 m, n = 2.5)
                        # above -20 dBm; -38 dBm leaves 18 dB for what hides it
                        in_room_dbm=-38.0)
