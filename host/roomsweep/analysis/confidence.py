"""A finding's confidence as a probability: how often a finding like it is a
real hidden transmitter.

The analyzer's raw score (classifier score times how clearly the level stands
above the room) ranks findings but is not a frequency. A logistic model over
the score and the in-room evidence (the fall across the room, locate.in_room)
maps it to one: of findings given 0.9, about nine in ten are real
(docs/findings.md, "What `confidence` means").

Its coefficients are fitted by tests/benchmarks/reliability.py --fit on the
outcomes of the tuning sets named at COEFFICIENTS (every candidate finding
scored against ground truth as `roomsweep eval` scores it); `--table` prints
the reliability table (confidence bin -> fraction true), which
docs/benchmarks.md gives on sets it was not fitted on. It is an empirical fit
to simulated sweeps, not physics: refit it (the same command) whenever the
analysis changes, and on real sweeps when they exist with ground truth.
"""

from __future__ import annotations

import math

# The model's terms, in the order of COEFFICIENTS after the intercept (terms()):
# the score's logit; the fall across the room in units of 10 dB, clipped to
# FALL_CLIP_DB; 1 when no fall could be measured (no stop across the room to
# measure it: a stop where the kind was not heard beneath louder traffic shows
# no fall). The first MONOTONE slopes are fitted at 0 or above: more score or
# more fall never lowers the probability.
TERMS = ("logit_score", "fall_10db", "no_fall")
MONOTONE = 2
# p = 1 / (1 + exp(-(b0 + b1 logit_score + b2 fall_10db + b3 no_fall)))
# Fitted (maximum likelihood, a ridge of 1 on the slopes, the first 2 at 0 or above) on
# the 234 candidate findings (214 true, a wrong-class match true) of 133 rooms,
# 2026-12-04, by `.venv/bin/python tests/benchmarks/reliability.py --fit
# /tmp/rs19/cache/w101 /tmp/rs19/cache/w202 tests/scenarios /tmp/rs19/conf/c1212`
# (wide `--profile wide --seed 101` and `202 --count 40`, the committed suite,
# classic `--seed 1212 --count 40`; all with `roomsweep scenarios generate`),
# the analysis as it stood at 19:35 UTC
COEFFICIENTS = (-0.104, 0.277, 1.083, 0.613)
# Falls beyond these say nothing more: 25 dB is a device at the stop in any room,
# -10 dB a level the other traffic across the room could hide entirely
FALL_CLIP_DB = (-10.0, 25.0)
# Scores are kept off 0 and 1 so that their logit stays finite
SCORE_CLIP = (0.02, 0.98)


def terms(score: float, fall_db: float | None) -> tuple[float, ...]:
    """The model's inputs (TERMS) for a finding: what probability() weighs,
    and what tests/benchmarks/reliability.py fits on. A score that is not a
    number counts as the least score; a fall that is not one as no fall."""
    s = score if math.isfinite(score) else SCORE_CLIP[0]
    s = min(max(s, SCORE_CLIP[0]), SCORE_CLIP[1])
    fall = 0.0
    measured = fall_db is not None and math.isfinite(fall_db)
    if fall_db is not None and measured:
        fall = min(max(fall_db, FALL_CLIP_DB[0]), FALL_CLIP_DB[1])
    return (math.log(s / (1 - s)), fall / 10, 0.0 if measured else 1.0)


def probability(score: float, fall_db: float | None) -> float:
    """The calibrated probability that a finding with this raw score and this
    fall across the room (None: not measured) is a real transmitter; strictly
    between 0 and 1.

    Examples
    --------
    >>> 0.0 < probability(0.9, 20.0) < 1.0
    True
    >>> probability(0.9, 20.0) > probability(0.9, 5.0) > probability(0.7, 5.0)
    True
    """
    b0, *slopes = COEFFICIENTS
    z = b0 + sum(b * t for b, t in zip(slopes, terms(score, fall_db)))
    # every term is clipped, so z is bounded; held within +-30 all the same,
    # where the logistic is still strictly inside (0, 1) in floating point
    z = min(max(z, -30.0), 30.0)
    return 1.0 / (1.0 + math.exp(-z))
