"""A peak that makes no finding beside one that does (peaks.evidence_after):
for a kind sent at one power its stop stays out of the other's in-room fit,
for a kind under power control it is that device's and counts (issue 14)."""

from __future__ import annotations

from roomsweep.analysis import inroom
from roomsweep.analysis.components import SATURATION_DBM
from roomsweep.analysis.peaks import evidence_after
from tests.test_in_room import class_track

# Outsider round 7, room 45 (a 4.3 x 6 m hotel room): a camera 0.8 m from the
# air conditioner's stop reads -26.3 dBm there and, by a fade, -26.6 dBm at
# the door 3 m off, where it truly reads about -31 dBm
STOPS = {
    "door": (3.53, 0.64),
    "window": (2.34, 0.81),
    "ac-unit": (1.99, 3.6),
    "minibar": (3.84, 4.47),
    "desk": (3.08, 2.39),
    "curtain": (0.52, 2.23),
}
LEVELS = {
    "door": -26.6,
    "window": -33.7,
    "ac-unit": -26.3,
    "minibar": -28.4,
    "desk": -34.6,
    "curtain": -42.2,
}


def _peaks(cls: str):
    """The track, the door's and the air conditioner's peaks, and each one's
    in-room evidence with the other as a rival."""
    parts, track, best_in = class_track(LEVELS, STOPS, cls)
    door, ac = best_in[0], best_in[2]
    rooms = {
        p.stretch: inroom.room_evidence(track, parts, p, [door, ac], STOPS) for p in (door, ac)
    }
    return parts, track, door, ac, rooms


def _after(cls: str, one_power: bool) -> dict:
    parts, track, _, ac, rooms = _peaks(cls)
    # the door's peak makes no finding; the air conditioner's does
    return evidence_after(track, parts, [ac], rooms, STOPS, SATURATION_DBM, one_power)[2]


def test_a_fade_at_a_stop_is_no_fall_for_a_kind_sent_at_one_power():
    kept = _after("wifi_camera", one_power=True)
    assert kept["in_room"] and not inroom.beyond_walls(kept, -26.3)


def test_a_power_controlled_kinds_burst_at_a_stop_is_its_own_fall():
    again = _after("gsm", one_power=False)
    assert not again["in_room"] and inroom.beyond_walls(again, -26.3)


def test_all_standing_keeps_every_peaks_evidence():
    parts, track, door, ac, rooms = _peaks("gsm")
    assert evidence_after(track, parts, [door, ac], rooms, STOPS, SATURATION_DBM, False) == rooms
