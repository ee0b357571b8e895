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

STOPS_S = tuple(7.0 * k for k in range(7))  # a window at each of seven stops, 42 s in all


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
        level = -20.0 - 3.0 * min(abs(i - 2), 8)
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


def test_clock_slots_is_for_dect_only():
    """GSM handsets in one cell all keep the base station's frame: slots apart
    on one clock says nothing there."""
    comps = _sweep(6)
    phases = timing.frame_phases(comps)
    groups = timing.same_source_groups(comps, phases)
    first, second = (
        [(c, phases[id(c)]) for c in comps if groups[id(c)] == g]
        for g in sorted(set(groups.values()))
    )
    assert timing.clock_slots(first, second) in (6, 18)
    gsm = [(replace(c, cls="gsm"), p) for c, p in first]
    assert timing.clock_slots(gsm, second) is None


def _three(slots: tuple[float, float], drift_ppm: float = 0.0, stops=STOPS_S) -> list:
    """Three trains heard at every stop: one at the stop's level, two more
    `slots` later (the second drifting by `drift_ppm`), each 0.2 dB under."""
    chains = [[], [], []]
    for i, t in enumerate(stops):
        level = -20.0 - 3.0 * min(abs(i - 3), 8)
        trains = [envelope("dect", 1.5, level=level)]
        for k, n in enumerate(slots):
            shift = n * DECT_SLOT_S + (drift_ppm * 1e-6 * (t - np.mean(stops)) if k else 0.0)
            trains.append(
                np.roll(envelope("dect", 1.5, level=level - 0.2 * (k + 1)), int(round(shift * FS)))
            )
        f = component(np.maximum.reduce(trains), FS, level, 3.0, top=True)
        parts = sorted(_trains(f, "dect", FS), key=lambda g: -g[0].level_dbm)
        assert len(parts) == 3
        for chain, (g, cls, conf, scores) in zip(chains, parts):
            chain.append(
                Component(i, cls, conf, g.level_dbm, t + 0.1, g, scores, window_start_s=t)
            )
    comps = [c for chain in chains for c in chain]
    phases = timing.frame_phases(comps)
    return [[(c, phases[id(c)]) for c in chain] for chain in chains]


def test_a_handset_beside_its_bases_dummy_bearer_stays_a_device():
    """Traffic bearer, dummy bearer 3 slots on, the handset 12 slots after the
    traffic bearer (9 after the dummy): two devices, whatever the order."""
    chains = _three((3, 12))
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        device = timing.one_device([chains[k] for k in order])
        assert len(set(device)) == 2, order


def test_bearers_joined_through_a_third_whatever_the_order():
    """The traffic bearer and two dummy-like bearers 3 and 7 slots on: one
    base, whichever chain comes first."""
    chains = _three((3, 7))
    for order in ([0, 1, 2], [0, 2, 1], [2, 0, 1]):
        assert len(set(timing.one_device([chains[k] for k in order]))) == 1, order


def test_bearers_joined_through_one_heard_with_both():
    """A heard over the first half of a long sweep, C over the second, B all
    along, 3 and 7 slots after A: A and C never heard together are one base
    through B, whatever the order the three come in."""
    long = tuple(7.0 * k for k in range(14))
    chains = _three((3, 7), stops=long)
    a = [x for x in chains[0] if x[0].window_start_s < 45.0]
    c = [x for x in chains[2] if x[0].window_start_s > 45.0]
    for order in ([a, chains[1], c], [a, c, chains[1]], [c, a, chains[1]]):
        assert len(set(timing.one_device(order))) == 1


def test_a_window_counts_once():
    """Six components in three windows are three windows: too few."""
    comps = _sweep(6, stops=STOPS_S[:3])
    phases = timing.frame_phases(comps)
    a = [(c, phases[id(c)]) for c in comps[0::2]]
    b = [(c, phases[id(c)]) for c in comps[1::2]]
    doubled = a + [(replace(c, level_dbm=c.level_dbm - 3.0), p) for c, p in a]
    assert timing.clock_slots(doubled, b + b) is None


def test_jittered_phases_need_their_drift_shown_under_1_ppm():
    """Offsets scattered by 20 us a window (a window's phase is good to tens
    of microseconds): over a sweep of 14 stops, 91 s, one clock shows and 2
    ppm of drift does not pass; 60 us over 7 stops leaves the line unsure
    beyond 1 ppm, so nothing is said."""
    long = tuple(7.0 * k for k in range(14))
    rng = np.random.default_rng(1)

    def pair(stops, drift_ppm, scatter_s=20e-6):
        comps = _sweep(6, stops=stops)
        phases = timing.frame_phases(comps)
        a = [(c, phases[id(c)]) for c in comps[0::2]]
        mid = float(np.mean(stops))
        b = [
            (
                c,
                phases[id(c)]
                + rng.normal(0, scatter_s)
                + drift_ppm * 1e-6 * (c.window_start_s - mid),
            )
            for c in comps[1::2]
        ]
        return a, b

    assert timing.clock_slots(*pair(long, 0.0)) is not None
    assert timing.clock_slots(*pair(long, 2.0)) is None
    assert timing.clock_slots(*pair(STOPS_S, 0.0, 60e-6)) is None


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
