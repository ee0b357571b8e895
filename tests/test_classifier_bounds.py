"""The analyzer's shortcuts answer what the full tests answer.

- `Classifier.at_most` (a classifier's bound, or its score) is never under its
  score: `components._separate` skips classifying a frame-grid part when no
  bound reaches SEPARATED_MIN_SCORE, which is right only if that holds. It is
  checked on every component of the bundled hotel room, on their frame-grid
  parts and the rest, and on random halves of them.
- `wifi_beacon.deferred_train` stops once an upper bound of its answer (the
  controls fitted over a few candidates) is under BEACON_REGULARITY[0]: above
  that foot it must answer exactly what the whole fit answers, and at or
  beneath it nothing above the foot.
- `dsp.partner_counts` reads the counts from partner_fraction's answer when
  that was asked first: the same counts as its own search.
"""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis import dsp
from roomsweep.analysis.classifiers import CLASSIFIERS, wifi_beacon
from roomsweep.analysis.classifiers.base import FRAME_MULTIPLES, FRAME_TOLERANCE_S
from roomsweep.analysis.components import SEPARABLE_FRAMES_S, TRAIN_MIN_PARTNERS
from roomsweep.analysis.features import Features, subset
from roomsweep.standards import WIFI_BEACON_INTERVAL_S

SECONDS = 1.5  # components.ANALYSIS_WINDOW_S


@pytest.fixture(scope="module")
def features(hotel_room_features) -> list[Features]:
    """The hotel room's components, their frame-grid parts and the rest (as
    _separate cuts them), and a random half of each component's bursts."""
    rng = np.random.default_rng(0)
    out = []
    for f in hotel_room_features:
        out.append(f)
        if f.count < 2:
            continue
        for frame in SEPARABLE_FRAMES_S:
            counts, _ = dsp.partner_counts(f.starts_s, frame, FRAME_TOLERANCE_S, FRAME_MULTIPLES)
            member = counts >= TRAIN_MIN_PARTNERS
            if member.any() and not member.all():
                out += [subset(f, member), subset(f, ~member)]
        out.append(subset(f, rng.random(f.count) < 0.5))
    return out


def test_every_bound_is_at_least_its_score(features):
    assert len(features) > 200
    bounded = [c for c in CLASSIFIERS if c.bound is not None]
    assert {c.name for c in bounded} >= {"wifi_ap", "wifi_camera"}
    for f in features:
        for c in bounded:
            assert c.at_most(f) >= c.score(f), (c.name, f.count, f.level_dbm)


def _whole_fit(t: np.ndarray, duration_s: float) -> float:
    """deferred_train as it reads, every control fitted over every candidate."""
    filled = wifi_beacon._filled(t, duration_s, (WIFI_BEACON_INTERVAL_S,))[0]
    poisson = 1.0 - np.exp(-(t.size / duration_s) * np.asarray(wifi_beacon.LATENESS_STEPS_S))
    filled -= poisson
    control = np.mean(wifi_beacon._filled(t, duration_s, wifi_beacon._CONTROL_PERIODS_S), axis=0)
    return float(np.max(filled + poisson - np.maximum(control, poisson)))


def _events(rng: np.random.Generator, kind: str) -> np.ndarray:
    n = int(rng.integers(40, 500))
    if kind == "random":
        return np.sort(rng.uniform(0, SECONDS, n))
    tbtt = rng.uniform(0, WIFI_BEACON_INTERVAL_S) + WIFI_BEACON_INTERVAL_S * np.arange(15)
    tbtt = tbtt[tbtt < SECONDS]
    keep = rng.random(tbtt.size) < rng.uniform(0.3, 1.0)  # some hidden
    late = rng.uniform(0, rng.choice([0.5e-3, 2e-3, 6e-3]), tbtt.size)
    return np.sort(np.r_[(tbtt + late)[keep], rng.uniform(0, SECONDS, n)])


@pytest.mark.parametrize("kind", ["random", "beacons among data"])
def test_the_fit_stops_only_beneath_the_foot(kind):
    rng = np.random.default_rng(5)
    foot = wifi_beacon.BEACON_REGULARITY[0]
    above = 0
    for _ in range(60):
        t = _events(rng, kind)
        got, whole = wifi_beacon.deferred_train(t, SECONDS), _whole_fit(t, SECONDS)
        if whole > foot:
            above += 1
            assert got == whole
        else:
            assert whole <= got <= foot
    if kind != "random":
        assert above > 10  # the exact side is asked too


def test_partner_counts_the_same_either_way(features):
    for f in features[:300]:
        for frame in SEPARABLE_FRAMES_S:
            t = f.starts_s.copy()  # writeable: never remembered, its own search
            alone, _ = dsp.partner_counts(t, frame, FRAME_TOLERANCE_S, FRAME_MULTIPLES)
            dsp.partner_fraction(f.starts_s, frame, FRAME_TOLERANCE_S, FRAME_MULTIPLES)
            kept, _ = dsp.partner_counts(f.starts_s, frame, FRAME_TOLERANCE_S, FRAME_MULTIPLES)
            assert kept.tolist() == alone.tolist()
