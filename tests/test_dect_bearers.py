"""A DECT base's two bearers are one device (timing.one_clock): its traffic
bearer and its dummy bearer keep a whole number of slots between them on the
base's one clock, however differently their carriers fade; two bases drift
apart, and a handset answers half a frame later."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from roomsweep.analysis import timing
from roomsweep.analysis.components import Component, _trains
from roomsweep.analysis.features import component
from roomsweep.standards import DECT_SLOT_S
from tests.test_analysis import FS, envelope

STOPS_S = (0.0, 10.0, 20.0, 30.0, 40.0)  # a window at each of five stops, 40 s in all


def _stop(
    t: float, stretch: int, level: float, second_db: float, shift_s: float
) -> list[Component]:
    """The two trains heard at one stop: a base at `level`, a second train
    `shift_s` later in the frame and `second_db` beneath it."""
    x = envelope("dect", 1.5, level=level)
    y = np.roll(envelope("dect", 1.5, level=level - second_db), int(round(shift_s * FS)))
    f = component(np.maximum(x, y), FS, level, 3.0, top=True)
    return [
        Component(stretch, cls, conf, g.level_dbm, t + 0.1, g, scores, window_start_s=t)
        for g, cls, conf, scores in _trains(f, "dect", FS)
    ]


def _sweep(slots: float, drift_ppm: float = 0.0, stops=STOPS_S) -> list[Component]:
    """A sweep past the two trains: loudest at the third stop, the second
    train 1.5 dB beneath the first there (its carrier faded), 0.2 dB elsewhere."""
    comps = []
    for i, t in enumerate(stops):
        level = -20.0 - 6.0 * abs(i - 2)
        # drifting about the whole slots: the mean offset on them all the same
        shift = slots * DECT_SLOT_S + drift_ppm * 1e-6 * (t - np.mean(stops))
        comps += _stop(t, i, level, 1.5 if i == 2 else 0.2, shift)
    assert len(comps) == 2 * len(stops)  # two trains at every stop
    return comps


def _devices(comps: list[Component]) -> tuple[int, list]:
    """How many sources one_device_groups leaves, and what sources_beside
    reports beside the loudest component."""
    phases = timing.frame_phases(comps)
    groups = timing.same_source_groups(comps, phases)
    top = max(comps, key=lambda c: c.level_dbm)
    devices = timing.one_device_groups(comps, groups, phases)
    return len(set(devices.values())), timing.sources_beside(comps, [top], groups, phases)


def test_a_base_and_its_dummy_bearer_are_one_device():
    count, beside = _devices(_sweep(6))
    assert count == 1
    assert beside == []


@pytest.mark.parametrize(
    "slots, drift_ppm, why",
    [
        (6, 5.0, "two bases drifting apart at 5 ppm"),
        (12, 0.0, "a handset answering its base half a frame later"),
        (6.5, 0.0, "half a slot off: no whole number of slots"),
    ],
)
def test_two_devices_stay_two(slots, drift_ppm, why):
    count, beside = _devices(_sweep(slots, drift_ppm))
    assert count == 2, why
    assert len(beside) == 1, why


def test_too_short_a_sweep_says_nothing_of_one_clock():
    """Heard together over 20 s only (under ONE_CLOCK_SPAN_S): two bases on
    clocks 1 ppm apart would not have drifted apart yet, so the trains 1.5 dB
    apart at one stop stay two."""
    count, beside = _devices(_sweep(6, stops=(0.0, 5.0, 10.0, 15.0, 20.0)))
    assert count == 2
    assert len(beside) == 1


def test_one_clock_is_for_dect_only():
    """GSM handsets in one cell all keep the base station's frame: slots apart
    on one clock says nothing there."""
    comps = _sweep(6)
    phases = timing.frame_phases(comps)
    a = [(c, phases[id(c)]) for c in comps[0::2]]
    b = [(c, phases[id(c)]) for c in comps[1::2]]
    assert timing.one_clock(a, b) or timing.one_clock(b, a)
    gsm = [(replace(c, cls="gsm"), p) for c, p in a]
    assert not timing.one_clock(gsm, b)


def test_one_per_source_takes_a_bases_two_bearers_for_one():
    """A fade makes the dummy bearer's train the louder at one stop and the
    traffic bearer's at another: two peaks of one device, one finding."""
    comps = _sweep(6)
    phases = timing.frame_phases(comps)
    groups = timing.same_source_groups(comps, phases)
    first = next(c for c in comps if c.stretch == 1)
    second = next(c for c in comps if c.stretch == 3 and groups[id(c)] != groups[id(first)])
    assert len(timing.one_per_source([first, second], groups)) == 2
    devices = timing.one_device_groups(comps, groups, phases)
    assert timing.one_per_source([first, second], devices) == [first] or timing.one_per_source(
        [first, second], devices
    ) == [second]


def test_analyze_takes_one_source_per_device(monkeypatch):
    """analyze dedupes a TDMA kind's peaks by device (one_device_groups), not
    by train: a base's dummy bearer peaking at a stop of its own is no
    second device."""
    from pathlib import Path

    from roomsweep.analysis import analyze as analyze_module
    from roomsweep.eval.fastpath import from_scenario
    from roomsweep.sim.scenario import load_scenario

    asked, real = [], analyze_module.one_device_groups

    def spy(comps, groups, phases):
        devices = real(comps, groups, phases)
        asked.append((comps[0].cls, devices))
        return devices

    monkeypatch.setattr(analyze_module, "one_device_groups", spy)
    monkeypatch.setattr(
        analyze_module,
        "one_per_source",
        lambda tops, groups: (
            timing.one_per_source(tops, groups)
            if any(groups is devices for _, devices in asked)
            else pytest.fail("one_per_source given the trains, not the devices")
        ),
    )
    scenario = Path(__file__).parent / "data" / "dect_twins.toml"
    found = analyze_module.analyze(from_scenario(load_scenario(str(scenario))))
    assert "dect" in {cls for cls, _ in asked}
    assert [f["waypoint"] for f in found if f.get("class") == "dect"] == ["desk", "desk"]
