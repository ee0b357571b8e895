"""Analog video transmitter (FM carrier, 1.2/2.4/5.8 GHz camera senders).

A frequency-modulated carrier has constant amplitude (ITU-R BT.470 video on an FM
carrier; FPV practice): the log detector sees a flat level with no bursts at all.
"""

from roomsweep.analysis.features import Features
from roomsweep.analysis.classifiers.base import Classifier, ramp


def score(f: Features) -> float:
    if f.duration_s < 0.2:
        return 0.0
    return ramp(f.duty, 0.85, 0.97) * (1.0 - ramp(f.burst_rate_hz, 5, 50))


CLASSIFIER = Classifier("analog_video", "Analog video sender (continuous carrier)",
                        "FM video carrier (constant envelope)", score)
