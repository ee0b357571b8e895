"""The benchmarks' shared input: ten minutes of the bundled hotel-room sweep."""

from __future__ import annotations

import math

import pytest

from roomsweep.analysis.recording import Recording
from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim.scenario import load_scenario

MINUTES = 10


@pytest.fixture(scope="session")
def ten_minute_sweep() -> Recording:
    """The hotel-room sweep (60 s) repeated to ten minutes, whole repetitions, by
    `Recording.repeat`, so every field goes with it: RF and photodiode channels
    at 8 kS/s, 100 waypoint marks, the network sightings and the radio's scans,
    the LED drive level of every block (the firmware's automatic level) and its
    RF range steps (auto-ranging)."""
    rec = from_scenario(load_scenario("hotel-room"))
    return rec.repeat(math.ceil(MINUTES * 60 / rec.duration_s - 1e-9))
