"""GSM handset or GSM audio bug.

3GPP TS 45.002 (GSM/EDGE multiplexing and multiple access on the radio path):
a TDMA frame lasts 120/26 ms = 4.615 ms and holds 8 timeslots of 576.9 us; a
handset in a call transmits one slot per frame (1/8 duty), so its envelope has a
216.7 Hz line and harmonics; frame 25 of each 26-frame traffic multiframe is idle
(8.33 Hz). An idle handset sends only occasional bursts, still on the frame grid.
"""

from roomsweep.analysis.features import Features
from roomsweep.analysis.classifiers.base import Classifier, tdma_score

FRAME_S = 0.120 / 26
SLOT_S = 576.9e-6


def score(f: Features) -> float:
    return tdma_score(f, FRAME_S, width_s=(0.4e-3, 0.8e-3), duty=(0.03, 0.2))


CLASSIFIER = Classifier("gsm", "GSM handset or bug (TDMA 4.615 ms, 216.7 Hz)",
                        "3GPP TS 45.002", score,
                        # the least a handset or bug sends is 5 dBm (GSM900) or 0 dBm
                        # (DCS1800) [3GPP TS 45.005 4.1.1]: within 0.5 m of a waypoint
                        # (FSPL 37.5 dB at 1 m at 1.8 GHz, n = 2.5) that reads above
                        # -30 dBm; a weaker GSM peak is a phone beyond a wall
                        in_room_dbm=-32.0)
