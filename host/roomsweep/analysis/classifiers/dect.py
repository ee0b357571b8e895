"""DECT cordless phone base or handset.

ETSI EN 300 175-2 (DECT physical layer): a 10 ms frame of 24 slots of 416.7 us;
a base transmits at least one slot per frame (dummy bearer when idle), so the
envelope repeats every 10 ms: a 100 Hz line and harmonics.
"""

from roomsweep.analysis.features import Features
from roomsweep.analysis.classifiers.base import Classifier, tdma_score

FRAME_S = 10e-3


def score(f: Features) -> float:
    return tdma_score(f, FRAME_S, width_s=(0.25e-3, 0.65e-3), duty=(0.02, 0.15))


CLASSIFIER = Classifier("dect", "DECT phone (10 ms frames, 100 Hz)", "ETSI EN 300 175-2", score,
                        # 250 mW (24 dBm) peak [ETSI EN 300 175-2]; within 0.5 m of a
                        # waypoint (FSPL 38 dB at 1 m at 1.9 GHz, n = 2.5) about -6 dBm,
                        # -28 dBm even 20 dB down behind furniture; weaker is a
                        # neighbour's base station or handset
                        in_room_dbm=-28.0)
