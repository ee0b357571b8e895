"""DECT cordless phone base or handset.

ETSI EN 300 175-2 (DECT physical layer): a 10 ms frame of 24 slots of 416.7 us;
a base transmits at least one slot per frame (dummy bearer when idle), so the
envelope repeats every 10 ms: a 100 Hz line and harmonics.
"""

from ..dsp import partner_fraction
from ..features import Features
from .base import Classifier, ramp, within

FRAME_S = 10e-3


def score(f: Features) -> float:
    if f.count < 8:
        return 0.0
    width = within(f.width_median_s, 0.25e-3, 0.65e-3, 0.3e-3) * within(f.duty, 0.02, 0.15, 0.1)
    if width == 0:
        return 0.0
    _, props = partner_fraction(f.starts_s, FRAME_S, 0.3e-3, multiples=(1, 2, 3))
    # on the frame grid beyond what busy random traffic (Wi-Fi) reaches by chance
    periodic = ramp(props["regularity"] - props["chance"], 0.25, 0.55)
    return width * periodic


CLASSIFIER = Classifier("dect", "DECT phone (10 ms frames, 100 Hz)", "ETSI EN 300 175-2", score)
