"""Analog video transmitter (FM carrier, 1.2/2.4/5.8 GHz camera senders).

A frequency-modulated carrier has constant amplitude (ITU-R BT.470 video on an FM
carrier; FPV practice): the log detector sees a flat level with no bursts at all,
so there is no repetition period to test (period_s is None) and no timing in
roomsweep.standards; its test is the duty (base.CARRIER_DUTY).
"""

from __future__ import annotations

from roomsweep.analysis.classifiers.base import (
    CARRIER_DUTY,
    CARRIER_DUTY_FULL,
    Classifier,
    ramp,
)
from roomsweep.analysis.features import Features

# A window shorter than 0.2 s cannot tell a carrier from one long burst
MIN_DURATION_S = 0.2
# Dips below the level (noise, the sender's own drop-outs) come a few a second
# at most; from 5 a second it starts to look bursty, by 50 it is traffic
BURST_RATE_HZ = (5, 50)


def score(f: Features) -> float:
    if f.duration_s < MIN_DURATION_S:
        return 0.0
    continuous = ramp(f.duty, CARRIER_DUTY, CARRIER_DUTY_FULL)
    return continuous * (1.0 - ramp(f.burst_rate_hz, *BURST_RATE_HZ))


CLASSIFIER = Classifier(
    "analog_video",
    "Analog video sender (continuous carrier)",
    "FM video carrier (constant envelope)",
    score,
    period_s=None,
)
