"""A finding's confidence as a probability: how often a finding like it is a
real hidden transmitter.

The analyzer's raw score (classifier score times how clearly the level stands
above the room) ranks findings but is not a frequency. A logistic model over
the score and the in-room evidence (the fall across the room, locate.in_room)
maps it to one. Its coefficients are fitted on the outcomes of the tuning sets
named at COEFFICIENTS (findings scored against ground truth by
``roomsweep eval``); docs/benchmarks.md has the reliability table (confidence
bin -> fraction true) on sets it was not fitted on. It is an empirical fit, not
physics: refit it when real sweeps with ground truth exist.
"""

from __future__ import annotations

import math

# Logistic model: p = 1 / (1 + exp(-(b0 + b1 * logit(score) + b2 * fall + b3 * unknown)))
# with fall = the fall across the room in units of 10 dB, clipped to FALL_CLIP_DB
# (beyond it the evidence is the same), and unknown = 1 when no stop is across
# the room to measure it (a stop where the kind was not heard beneath louder
# traffic shows no fall). Fitted (maximum likelihood, a ridge of 1 on the
# slopes) on the 471 findings the analyzer made on its tuning sets:
# `roomsweep scenarios generate --seed 1` and `--seed 2 --count 40` (classic
# profile), the committed suite tests/scenarios, and `--profile wide --seed 101`,
# `1101`, `1102`, `1103` and `1104 --count 40`.
COEFFICIENTS = (-0.254, 0.243, 1.377, -0.01)
# Falls beyond these say nothing more: 25 dB is a device at the stop in any room,
# -10 dB a level the other traffic across the room could hide entirely
FALL_CLIP_DB = (-10.0, 25.0)
# Scores are kept off 0 and 1 so that their logit stays finite
SCORE_CLIP = (0.02, 0.98)


def probability(score: float, fall_db: float | None) -> float:
    """The calibrated probability that a finding with this raw score and this
    fall across the room is a real transmitter.

    Examples
    --------
    >>> 0.0 < probability(0.9, 20.0) <= 1.0
    True
    """
    s = min(max(score, SCORE_CLIP[0]), SCORE_CLIP[1])
    logit = math.log(s / (1 - s))
    unknown = 1.0 if fall_db is None else 0.0
    fall = 0.0 if fall_db is None else min(max(fall_db, FALL_CLIP_DB[0]), FALL_CLIP_DB[1]) / 10
    b0, b1, b2, b3 = COEFFICIENTS
    z = b0 + b1 * logit + b2 * fall + b3 * unknown
    return 1.0 / (1.0 + math.exp(-z))
