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
from typing import TypeGuard

# The model's terms, in the order of COEFFICIENTS after the intercept (terms()):
# the score's logit; the fall across the room in units of 10 dB, clipped to
# FALL_CLIP_DB; 1 when no fall could be measured (no stop across the room to
# measure it: a stop where the kind was not heard beneath louder traffic shows
# no fall); how far the position fit lands outside the stops' hull (metres,
# clipped to OUTSIDE_CLIP_M; 0 inside); 1 when there was no fit (fewer than
# three stops heard it); how far the level lies beneath its kind's in-room
# level (inroom.in_room_level) in units of 10 dB, clipped to BELOW_CLIP_DB.
# SIGNS fixes each slope's sign (+1: 0 or above, -1: 0 or below, 0: free): more
# score or fall never lowers the probability; a fit further out or a level
# further beneath its kind's never raises it.
TERMS = ("logit_score", "fall_10db", "no_fall", "outside_m", "no_fit", "below_10db")
SIGNS = (1, 1, 0, -1, 0, -1)
# p = 1 / (1 + exp(-(b0 + sum of slope x term)))
# Fitted (maximum likelihood, a ridge of 1 on the slopes, their signs held to
# confidence.SIGNS) on the 688 candidate findings (618 true, a wrong-class match true)
# of 296 rooms, 2026-12-05, by `.venv/bin/python tests/benchmarks/reliability.py --fit
# /tmp/rs21/cache/w101 /tmp/rs21/cache/w202 /tmp/rs21/cache/w4141 /tmp/rs21/cache/w5252
# /tmp/rs21/cache/w1357 /tmp/rs21/cache/w2468 tests/scenarios /tmp/rs21/cache/c1212`
# (wide `roomsweep scenarios generate --profile wide --seed S --count 40` for S =
# 101, 202, 4141, 5252, 1357, 2468; the committed suite; classic `--seed 1212
# --count 40`), the analysis as it stood at 597dcea
COEFFICIENTS = (-0.266, 0.344, 1.265, 1.586, -0.370, -1.427, -1.193)
# Falls beyond these say nothing more: 25 dB is a device at the stop in any room,
# -10 dB a level the other traffic across the room could hide entirely
FALL_CLIP_DB = (-10.0, 25.0)
# A fit 2 m or more beyond the stops' hull is beyond the walls whatever else
# (twice locate.HULL_MARGIN_M, inroom.FAR_BEYOND_M): further says nothing more
OUTSIDE_CLIP_M = 2.0
# 20 dB beneath its kind's in-room level is 10 times further from every stop
# than its kind's reach at n = 2: further says nothing more
BELOW_CLIP_DB = 20.0
# Scores are kept off 0 and 1 so that their logit stays finite
SCORE_CLIP = (0.02, 0.98)


def _finite(v: float | None) -> TypeGuard[float]:
    return v is not None and math.isfinite(v)


def terms(
    score: float,
    fall_db: float | None,
    outside_m: float | None = None,
    below_db: float | None = None,
) -> tuple[float, ...]:
    """The model's inputs (TERMS) for a finding: what probability() weighs,
    and what tests/benchmarks/reliability.py fits on. A score that is not a
    number counts as the least score; a fall that is not one as no fall; an
    outside distance that is not one as no fit; a `below_db` that is not one
    (or None) as not beneath."""
    s = score if math.isfinite(score) else SCORE_CLIP[0]
    s = min(max(s, SCORE_CLIP[0]), SCORE_CLIP[1])
    fall = 0.0
    if _finite(fall_db):
        fall = min(max(fall_db, FALL_CLIP_DB[0]), FALL_CLIP_DB[1])
    out = 0.0
    if _finite(outside_m):
        out = min(max(outside_m, 0.0), OUTSIDE_CLIP_M)
    below = 0.0
    if _finite(below_db):
        below = min(max(below_db, 0.0), BELOW_CLIP_DB)
    return (
        math.log(s / (1 - s)),
        fall / 10,
        0.0 if _finite(fall_db) else 1.0,
        out,
        0.0 if _finite(outside_m) else 1.0,
        below / 10,
    )


def probability(
    score: float,
    fall_db: float | None,
    outside_m: float | None = None,
    below_db: float | None = None,
) -> float:
    """The calibrated probability that a finding with this raw score, this
    fall across the room (None: not measured), its position fit this far
    outside the stops' hull (None: no fit) and its level this far beneath its
    kind's in-room level (None or 0: not beneath) is a real transmitter;
    strictly between 0 and 1.

    Examples
    --------
    >>> 0.0 < probability(0.9, 20.0) < 1.0
    True
    >>> probability(0.9, 20.0) > probability(0.9, 5.0) > probability(0.7, 5.0)
    True
    """
    b0, *slopes = COEFFICIENTS
    z = b0 + sum(b * t for b, t in zip(slopes, terms(score, fall_db, outside_m, below_db)))
    # every term is clipped, so z is bounded; held within +-30 all the same,
    # where the logistic is still strictly inside (0, 1) in floating point
    z = min(max(z, -30.0), 30.0)
    return 1.0 / (1.0 + math.exp(-z))
