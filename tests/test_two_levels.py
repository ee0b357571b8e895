"""Two devices of one kind at neighbouring stops (peaks.peaks `levels_at`,
peaks._own_beside): a Wi-Fi camera at the bed reads -4 dBm there and a second
camera at the nightstand 1.5 m away reads -18 dBm at its own stop. The
nightstand is no peak by the plain rule (the bed is louder), but there the bed
camera is heard at the same time at a level of its own, 22 dB down from the
bed: one device sends at one power, so the nightstand's louder level is
another device's. The shapes follow an outsider's rooms (benchmarks.md round
20, r3room00 and r3room06)."""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.components import Component, Stretch
from roomsweep.analysis.features import Features
from roomsweep.analysis.peaks import peaks, peaks_apart, stretch_levels

DWELL_S = 3.0
WINDOW_S = 1.5


def _component(stretch: int, level: float, start_s: float, seconds: float = WINDOW_S) -> Component:
    """A level read from the window [start_s, start_s + seconds)."""
    f = Features(8000.0, seconds, level, np.zeros(1, bool), np.zeros(0), np.zeros(0))
    return Component(stretch, "wifi_camera", 1.0, level, start_s + 0.5, f, window_start_s=start_s)


def _found(
    positions: dict[str, tuple[float, float]],
    loudest: dict[str, float],
    extra: dict[str, list[Component]],
    with_levels: bool = True,
) -> tuple[set[str | None], set[str | None]]:
    """The peaks of a track whose loudest level at each stop is `loudest`,
    each read in the stop's first window, with `extra` levels heard there too
    (stop -> components; stretch index filled in), and those of them that are
    peaks by a level of their own beside a rival (peaks.peaks_apart)."""
    labels = list(positions)
    parts = [Stretch(i, lab, 10.0 * i, 10.0 * i + DWELL_S) for i, lab in enumerate(labels)]
    best_in = {i: _component(i, loudest[lab], 10.0 * i) for i, lab in enumerate(labels)}
    levels_at = {i: [c] for i, c in best_in.items()}
    for lab, comps in extra.items():
        i = labels.index(lab)
        for c in comps:
            c.stretch = i
            c.window_start_s += 10.0 * i
            levels_at[i].append(c)
    near = {
        i: [
            j
            for j, b in enumerate(labels)
            if j != i and np.hypot(*np.subtract(positions[a], positions[b])) <= 2.0
        ]
        for i, a in enumerate(labels)
    }
    track = stretch_levels(best_in, len(parts))
    found, apart = peaks_apart(
        track, best_in, parts, near, positions, levels_at=levels_at if with_levels else None
    )
    assert found == peaks(
        track, best_in, parts, near, positions, levels_at=levels_at if with_levels else None
    )
    return {parts[c.stretch].label for c in found}, {parts[i].label for i in apart}


def _peaks(
    positions: dict[str, tuple[float, float]],
    loudest: dict[str, float],
    extra: dict[str, list[Component]],
    with_levels: bool = True,
) -> set[str | None]:
    """The peaks _found finds."""
    return _found(positions, loudest, extra, with_levels)[0]


BED = {"bed": (0.0, 0.0), "nightstand": (1.5, 0.0), "door": (2.8, 0.0), "wardrobe": (1.5, 1.7)}
BED_LOUDEST = {"bed": -4.0, "nightstand": -18.0, "door": -25.0, "wardrobe": -24.0}
# the bed camera's device, D(1.5 m) = 14.2 dB down from the bed, may read
# -28.2 to -18.2 dBm at the nightstand (and at most 6 dB beneath its -18)


def _bed_extra(level: float | None, start_s: float = 0.0, seconds: float = WINDOW_S) -> dict:
    """The bed camera's level heard at the nightstand (none for None)."""
    return {} if level is None else {"nightstand": [_component(0, level, start_s, seconds)]}


def _bed(level: float | None, start_s: float = 0.0, seconds: float = WINDOW_S, **kw) -> set:
    extra = _bed_extra(level, start_s, seconds)
    return _peaks(BED, {**BED_LOUDEST, **kw.pop("loudest", {})}, extra, **kw)


def test_a_second_camera_beside_a_louder_one_is_a_peak():
    assert _bed(-26.0) == {"bed", "nightstand"}
    # by its own level; the bed is a plain peak
    assert _found(BED, BED_LOUDEST, _bed_extra(-26.0))[1] == {"nightstand"}


def test_without_the_levels_heard_the_nightstand_is_no_peak():
    assert _bed(-26.0, with_levels=False) == {"bed"}
    assert _found(BED, BED_LOUDEST, _bed_extra(-26.0), with_levels=False)[1] == set()


def test_a_level_over_the_whole_dwell_is_heard_at_once():
    """A slow advertiser's component spans the dwell (components._sparse_component):
    it overlaps every window of the stop, the second as well as the first."""
    assert _bed(-26.0, start_s=-WINDOW_S, seconds=DWELL_S) == {"bed", "nightstand"}


@pytest.mark.parametrize(
    "level, start_s",
    [
        (None, 0.0),  # the bed camera not heard at the nightstand: no second level
        (-40.0, 0.0),  # far quieter than the bed camera can be there: a third device's
        (-21.0, 0.0),  # 3 dB beneath the nightstand's: one level, not two
        (-26.0, WINDOW_S),  # in the next window only: one device's level may have moved
    ],
)
def test_no_second_device_without_the_louder_ones_level_beneath(level, start_s):
    assert _bed(level, start_s) == {"bed"}


def test_a_second_level_needs_the_other_neighbours_fall():
    """The wardrobe reads only 2 dB beneath the nightstand: whatever the bed's
    device does, the nightstand shows no fall of its own there."""
    assert _bed(-26.0, loudest={"wardrobe": -20.0}) == {"bed"}


# Two cameras 1.2 m apart (an outsider's r3room06): -9 dBm at the TV, -12 dBm
# at the radiator, neither 6 dB above the other, and at each stop the other
# camera is heard at once at its own level. D(1.2 m) = 12.3 dB: the radiator's
# camera may read -34.3 to -24.3 dBm at the TV, the TV's -31.3 to -21.3 dBm at
# the radiator (and at most 6 dB beneath the radiator's -12: -18).
PAIR = {
    "tv": (0.0, 0.0),
    "radiator": (1.2, 0.0),
    "wardrobe": (-1.0, 0.0),
    "door": (2.4, 0.0),
    "bed-left": (1.2, 1.5),
}
# bed-left 9.5 dB beneath the radiator: short of a co-peak's 10 dB contrast
PAIR_LOUDEST = {"tv": -9.0, "radiator": -12.0, "wardrobe": -24.0, "door": -29.0, "bed-left": -21.5}


def _pair_extra(at_tv: float | None, at_radiator: float | None) -> dict:
    """Each camera's level heard at the other's stop (none for None)."""
    return {
        stop: [_component(0, level, 0.0)]
        for stop, level in (("tv", at_tv), ("radiator", at_radiator))
        if level is not None
    }


def _pair(at_tv: float | None, at_radiator: float | None) -> set:
    return _peaks(PAIR, PAIR_LOUDEST, _pair_extra(at_tv, at_radiator))


def test_two_cameras_each_heard_at_the_others_stop_are_two_peaks():
    assert _pair(-29.0, -26.0) == {"tv", "radiator"}
    # each beside the other, by its own level
    assert _found(PAIR, PAIR_LOUDEST, _pair_extra(-29.0, -26.0))[1] == {"tv", "radiator"}


@pytest.mark.parametrize(
    "at_tv, at_radiator",
    [
        (None, None),
        (-29.0, None),
        (None, -26.0),
        (-20.0, -26.0),  # louder at the TV than the radiator's camera can be there
    ],
)
def test_one_way_a_second_level_may_be_a_third_device(at_tv, at_radiator):
    """The radiator is no clear peak, so each stop must hear the other's
    device apart: one such level alone may be any third device's at a
    matching level. The TV stays what the co-peak rule makes it, the
    radiator nothing (bed-left is too loud for a co-peak's contrast)."""
    assert _pair(at_tv, at_radiator) == {"tv"}


def test_the_louder_of_two_is_a_peak_by_the_quieter_ones_level_too():
    """With the wardrobe 9 dB beneath the TV, the TV is no co-peak either
    (short of 10 dB contrast): the radiator 3 dB beneath it is a rival that
    only its own level, heard apart at the TV, sets aside."""
    loudest = {**PAIR_LOUDEST, "wardrobe": -18.0}
    both = {"tv": [_component(0, -29.0, 0.0)], "radiator": [_component(0, -26.0, 0.0)]}
    assert _peaks(PAIR, loudest, both) == {"tv", "radiator"}
    assert _peaks(PAIR, loudest, {}) == set()


def test_a_stop_with_no_other_neighbour_shows_no_fall():
    """The nightstand's only neighbour is the bed: with that one set aside
    there is no fall left to show."""
    far = {"bed": (0.0, 0.0), "nightstand": (1.5, 0.0), "door": (-1.5, 0.0)}
    extra = {"nightstand": [_component(0, -26.0, 0.0)]}
    assert _peaks(far, {"bed": -4.0, "nightstand": -18.0, "door": -40.0}, extra) == {"bed"}


def test_analyze_keeps_a_bug_heard_apart_beside_a_louder_one_of_its_kind(monkeypatch):
    """A 1.8 x 2 m bathroom of the wide generator (seed 6611, room 33, with the
    device's scan stalls): Bluetooth bugs by the extractor fan (-14.5 dBm) and
    by the shower (-15.5 dBm), each stop in the other's region, each bug heard
    at the other's stop at once at a level of its own. analyze marks both
    `heard_apart` and reports both; without the mark (peaks_apart finding
    none apart) the region the two share makes them one finding."""
    from pathlib import Path

    from roomsweep.analysis import analyze as analyze_module
    from roomsweep.eval.fastpath import from_scenario
    from roomsweep.eval.stalls import stalled
    from roomsweep.sim.scenario import load_scenario

    rec = stalled(
        from_scenario(
            load_scenario(str(Path(__file__).parent / "data" / "bt_twins_bathroom.toml"))
        )
    )

    def bugs() -> list[dict]:
        found = analyze_module.analyze(rec)
        return [f for f in found if f.get("class") == "bt_classic" and f["type"] == "rf"]

    both = bugs()
    assert [f["waypoint"] for f in both] == ["extractor-fan", "shower"]
    assert all(f["evidence"].get("heard_apart") for f in both)
    real = analyze_module.peaks_apart
    monkeypatch.setattr(analyze_module, "peaks_apart", lambda *a: (real(*a)[0], set()))
    assert [f["waypoint"] for f in bugs()] == ["extractor-fan"]
