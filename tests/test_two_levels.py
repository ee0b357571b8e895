"""Two devices of one kind at neighbouring stops (peaks.peaks `heard`,
peaks._own_beside): a Wi-Fi camera at the bed reads -4 dBm there and a second
camera at the nightstand 1.5 m away reads -18 dBm at its own stop. The
nightstand is no peak by the plain rule (the bed is louder), but there the bed
camera is heard at the same time at a level of its own, 24 dB down from the
bed: one device sends at one power, so the nightstand's louder level is
another device's. The shape follows an outsider's room (benchmarks.md round
20, r3room00)."""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.components import Component, Stretch
from roomsweep.analysis.features import Features
from roomsweep.analysis.peaks import peaks, stretch_levels

POSITIONS = {
    "bed": (0.0, 0.0),
    "nightstand": (1.5, 0.0),
    "door": (2.8, 0.0),
    "wardrobe": (1.5, 1.7),
}
LABELS = list(POSITIONS)
LOUDEST = {"bed": -4.0, "nightstand": -18.0, "door": -25.0, "wardrobe": -24.0}


def _component(stretch: int, level: float, window_start_s: float) -> Component:
    f = Features(8000.0, 1.5, level, np.zeros(1, bool), np.zeros(0), np.zeros(0))
    return Component(
        stretch, "wifi_camera", 1.0, level, window_start_s + 0.5, f, window_start_s=window_start_s
    )


def _peaks_at(
    bed_camera_at_nightstand: float | None, same_window: bool = True, with_heard: bool = True
) -> set[str]:
    parts = [Stretch(i, label, 10.0 * i, 10.0 * i + 3.0) for i, label in enumerate(LABELS)]
    best_in = {i: _component(i, LOUDEST[label], 10.0 * i) for i, label in enumerate(LABELS)}
    heard = {i: [c] for i, c in best_in.items()}
    if bed_camera_at_nightstand is not None:
        start = 10.0 if same_window else 11.5
        heard[1].append(_component(1, bed_camera_at_nightstand, start))
    near = {}
    for i, a in enumerate(LABELS):
        near[i] = [
            j
            for j, b in enumerate(LABELS)
            if j != i and np.hypot(*np.subtract(POSITIONS[a], POSITIONS[b])) <= 2.0
        ]
    track = stretch_levels(best_in, len(parts))
    found = peaks(track, best_in, parts, near, POSITIONS, heard=heard if with_heard else None)
    return {parts[c.stretch].label for c in found}


def test_a_second_camera_beside_a_louder_one_is_a_peak():
    assert _peaks_at(-28.0) == {"bed", "nightstand"}


def test_without_the_levels_heard_the_nightstand_is_no_peak():
    assert _peaks_at(-28.0, with_heard=False) == {"bed"}


@pytest.mark.parametrize(
    "level, same_window",
    [
        (None, True),  # the bed camera not heard at the nightstand: no second level
        (-40.0, True),  # far quieter than the bed camera can be there: a third device's
        (-21.0, True),  # 3 dB beneath the nightstand's: one level, not two
        (-28.0, False),  # in another window: one device's level may have moved
    ],
)
def test_no_second_device_without_the_louder_ones_level_beneath(level, same_window):
    assert _peaks_at(level, same_window) == {"bed"}


# Two cameras 1.2 m apart (an outsider's r3room06): -9 dBm at the TV, -12 dBm
# at the radiator, neither 6 dB above the other, and at each stop the other
# camera is heard at once at its own level, 15-19 dB down.
PAIR_POSITIONS = {
    "tv": (0.0, 0.0),
    "radiator": (1.2, 0.0),
    "wardrobe": (-1.0, 0.0),
    "door": (2.4, 0.0),
    "bed-left": (1.2, 1.5),
}
# bed-left 9.5 dB beneath the radiator: short of a co-peak's 10 dB contrast
PAIR_LOUDEST = {"tv": -9.0, "radiator": -12.0, "wardrobe": -24.0, "door": -29.0, "bed-left": -21.5}


def _pair_peaks(radiator_camera_at_tv: float | None, tv_camera_at_radiator: float | None):
    labels = list(PAIR_POSITIONS)
    parts = [Stretch(i, label, 10.0 * i, 10.0 * i + 3.0) for i, label in enumerate(labels)]
    best_in = {i: _component(i, PAIR_LOUDEST[label], 10.0 * i) for i, label in enumerate(labels)}
    heard = {i: [c] for i, c in best_in.items()}
    for label, level in (("tv", radiator_camera_at_tv), ("radiator", tv_camera_at_radiator)):
        if level is not None:
            i = labels.index(label)
            heard[i].append(_component(i, level, 10.0 * i))
    near = {
        i: [
            j
            for j, b in enumerate(labels)
            if j != i and np.hypot(*np.subtract(PAIR_POSITIONS[a], PAIR_POSITIONS[b])) <= 2.0
        ]
        for i, a in enumerate(labels)
    }
    track = stretch_levels(best_in, len(parts))
    found = peaks(track, best_in, parts, near, PAIR_POSITIONS, heard=heard)
    return {parts[c.stretch].label for c in found}


def test_two_cameras_each_heard_at_the_others_stop_are_two_peaks():
    assert _pair_peaks(-27.0, -28.0) == {"tv", "radiator"}


@pytest.mark.parametrize("at_tv, at_radiator", [(None, None), (-27.0, None), (None, -28.0)])
def test_one_way_a_second_level_may_be_a_third_device(at_tv, at_radiator):
    """The radiator is no clear peak, so each stop must hear the other's
    device apart: one such level alone may be any third device's at a
    matching level. The TV stays what the co-peak rule makes it, the
    radiator nothing (bed-left is too loud for a co-peak's contrast)."""
    assert _pair_peaks(at_tv, at_radiator) == {"tv"}
