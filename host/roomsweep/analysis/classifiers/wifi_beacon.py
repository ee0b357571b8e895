"""Wi-Fi access point beacons.

IEEE 802.11-2020, 11.1.3: beacons at the Target Beacon Transmission Time, every
dot11BeaconPeriod time units of 1024 us, 100 TU (102.4 ms) by default; a beacon
at 1 Mb/s lasts about 1-2 ms and may slip when the medium is busy.
"""

from roomsweep.analysis.dsp import partner_fraction
from roomsweep.analysis.features import Features
from roomsweep.analysis.classifiers.base import Classifier, ramp, within

GSM_FRAME_S = 0.120 / 26  # 22 GSM frames (101.5 ms) come within 1 ms of a beacon period

TU_S = 1024e-6
INTERVAL_S = 100 * TU_S


def score(f: Features) -> float:
    low_duty = within(f.duty, 0.0, 0.06, 0.06)
    if low_duty == 0:
        return 0.0
    starts, widths = f.events(0.3e-3)
    if starts.size < 4:
        return 0.0
    _, props = partner_fraction(starts, INTERVAL_S, 0.8e-3, multiples=(1, 2, 3, 4, 5))
    # beacons come back on the dot; data frames in between have no partners
    periodic = ramp(props["regularity"], 0.25, 0.5)
    if periodic == 0:
        return 0.0
    tdma, _ = partner_fraction(starts, GSM_FRAME_S, 0.3e-3, multiples=(1, 2, 3))
    return periodic * low_duty * (1 - ramp(tdma, 0.3, 0.6))


CLASSIFIER = Classifier("wifi_ap", "Wi-Fi access point beacons (102.4 ms)",
                        "IEEE 802.11-2020 11.1.3", score,
                        # a 13-20 dBm AP within about 1 m (FSPL 40 dB at 1 m, n = 2.5);
                        # the hotel's own APs are 2 m or more from any waypoint
                        in_room_dbm=-22.0)
