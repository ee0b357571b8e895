"""The beacon-train fit's fast form answers exactly what its definition says.

wifi_beacon._filled finds, for every candidate grid (period apart, phase one
event's) and each lateness spread, the share of the grid's points inside the
window that an event starts 0..spread after (a rounding error early counts).
It does so for all candidates, grid points and periods at once, placing the
points among the events in one pass (_first_at_or_after). Here it is checked,
value for value, against that definition asked point by point, on event sets
of the kinds the analyzer meets: bursts at random, a deferred beacon train
among data frames, a strict slotted train, and a few events.
"""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.classifiers import wifi_beacon
from roomsweep.standards import WIFI_BEACON_INTERVAL_S

SECONDS = 1.5  # components.ANALYSIS_WINDOW_S
PERIODS = (
    WIFI_BEACON_INTERVAL_S,
    *(k * WIFI_BEACON_INTERVAL_S for k in wifi_beacon.CONTROL_PERIODS),
)


def _by_definition(t: np.ndarray, duration_s: float, period: float) -> np.ndarray:
    """Each candidate grid point asked alone: the first event at or after it
    (less the rounding allowance), late by that event's start less the point."""
    t = np.sort(t)
    out = np.zeros(len(wifi_beacon.LATENESS_STEPS_S))
    for phase in np.mod(t, period):
        points = max(int(np.floor((duration_s - phase) / period)) + 1, 1)
        late = []
        for k in range(points):
            g = phase + period * k
            i = int(np.searchsorted(t, g - wifi_beacon._ROUNDING_S, side="left"))
            late.append(max(t[i] - g, 0.0) if i < t.size else np.inf)
        for j, spread in enumerate(wifi_beacon.LATENESS_STEPS_S):
            out[j] = max(out[j], sum(x <= spread for x in late) / points)
    return out


def _random(rng: np.random.Generator, rate_hz: float) -> np.ndarray:
    return np.sort(rng.uniform(0, SECONDS, rng.poisson(rate_hz * SECONDS)))


def _deferred_beacons(rng: np.random.Generator) -> np.ndarray:
    tbtt = rng.uniform(0, WIFI_BEACON_INTERVAL_S) + WIFI_BEACON_INTERVAL_S * np.arange(15)
    beacons = tbtt[tbtt < SECONDS] + rng.uniform(0, 4e-3, tbtt[tbtt < SECONDS].size)
    return np.sort(np.r_[beacons, _random(rng, 80.0)])


def _slotted(rng: np.random.Generator) -> np.ndarray:
    slot = 625e-6  # Bluetooth (core spec vol 2 part B 2.2.1)
    n = rng.choice(int(SECONDS / slot), 200, replace=False)
    return np.sort(n * slot + 1.7e-4)


EVENT_SETS = {
    "random 40/s": lambda rng: _random(rng, 40.0),
    "random 300/s": lambda rng: _random(rng, 300.0),
    "deferred beacons among data": _deferred_beacons,
    "slotted": _slotted,
    "four events": lambda rng: np.sort(rng.uniform(0, SECONDS, 4)),
}


@pytest.mark.parametrize("kind", sorted(EVENT_SETS))
@pytest.mark.parametrize("seed", [1, 2])
def test_fast_fit_is_the_definition(kind, seed):
    t = EVENT_SETS[kind](np.random.default_rng(seed))
    fast = wifi_beacon._filled(t, SECONDS, PERIODS)
    assert fast.shape == (len(PERIODS), len(wifi_beacon.LATENESS_STEPS_S))
    for row, period in zip(fast, PERIODS):
        assert row.tolist() == _by_definition(t, SECONDS, period).tolist()


def test_each_period_alone_as_all_at_once():
    t = _deferred_beacons(np.random.default_rng(3))
    together = wifi_beacon._filled(t, SECONDS, PERIODS)
    for row, period in zip(together, PERIODS):
        assert row.tolist() == wifi_beacon._filled(t, SECONDS, (period,))[0].tolist()


@pytest.mark.parametrize("rising", [True, False])
def test_first_at_or_after_is_a_search(rising):
    rng = np.random.default_rng(4)
    t = np.sort(rng.uniform(0, 1, 50))
    points = rng.uniform(-0.1, 1.1, (3, 40))
    if rising:
        points.sort(axis=1)
    points[0, 5:8] = t[10:13]  # on an event: that event is the first at or after
    if rising:
        points.sort(axis=1)
    got = wifi_beacon._first_at_or_after(t, points)
    assert got.tolist() == np.searchsorted(t, points, side="left").tolist()
