"""Issue 14, parts 2 and 3: "is it in this room?" apart from "where?", two kinds
at one level told apart by timing, a saturating device found and placed, the
confidence as a probability, and the region in the evaluation's scoring."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis import analyze as A
from roomsweep.analysis import inroom
from roomsweep.analysis import peaks as P
from roomsweep.analysis.components import components
from roomsweep.analysis.confidence import probability
from roomsweep.analysis.locate import (
    FIT_CREDIT_M,
    FIT_RADIUS_M,
    HULL_MARGIN_M,
    IN_ROOM_FALL_DB,
    fit_position,
    hull_distance,
    in_room,
)
from roomsweep.analysis.recording import Recording
from roomsweep.analyst.evidence import as_text, describe
from roomsweep.eval.evaluate import Truth, score_scenario, summarize
from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim.scenario import load_scenario
from tests.test_analysis import FS, _power_sum, envelope

ROOM = {
    "door": (0.0, 0.0),
    "desk": (1.0, 0.0),
    "lamp": (1.0, 1.0),
    "bed": (3.5, 0.5),
    "window": (3.5, 3.0),
    "wardrobe": (0.0, 3.0),
}


def class_track(
    levels: dict[str, float],
    room: dict[str, tuple[float, float]],
    cls: str,
    confidence: float = 1.0,
):
    """parts, track and best_in for one class's levels (dBm; absent: not heard)
    at the stops of `room`, one 3 s stretch each."""
    parts = [A.Stretch(i, label, 3.0 * i, 3.0 * i + 3.0) for i, label in enumerate(room)]
    track = np.full(len(parts), A.DETECTOR_FLOOR_DBM)
    best_in = {}
    for st in parts:
        if st.label in levels:
            track[st.index] = levels[st.label]
            best_in[st.index] = A.Component(st.index, cls, confidence, levels[st.label], 0.0, None)
    return parts, track, best_in


def _track(levels: dict[str, float], cls: str = "dect", confidence: float = 1.0):
    return class_track(levels, ROOM, cls, confidence)


def _from(source: tuple[float, float], at_1m: float, exponent: float = 2.5) -> dict[str, float]:
    return {
        k: at_1m - 10 * exponent * np.log10(max(0.2, np.hypot(p[0] - source[0], p[1] - source[1])))
        for k, p in ROOM.items()
    }


def test_a_device_between_two_stops_is_in_the_room_with_a_region():
    """A DECT base amid door, desk and lamp reads alike at all three: no single
    stop stands 6 dB above its neighbours, but it falls 17 dB across the room."""
    levels = _from((0.6, 0.45), -10.0)  # as far from door, desk and lamp
    parts, track, best_in = _track(levels)
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=ROOM)
    near = P.neighbours(parts, rec)
    peaks = P.peaks(track, best_in, parts, near, ROOM)
    assert peaks == []  # the old rule: nothing
    found = inroom.regional_peaks(track, best_in, parts, near, ROOM, peaks, -28.0)
    assert len(found) == 1
    (idx, evidence), *_ = found.items()
    assert evidence["in_room"] and evidence["fall_db"] > 15
    assert set(inroom.region(track, parts, idx, near)) == {"door", "desk", "lamp"}


# A Wi-Fi camera 1.1 m above the plant stop (an outsider's room, r3room14's
# layout, the camera on the ceiling): the stops around it read within 2 dB of
# each other, and the fading made the radiator stop, 1.9 m from it, the loudest
CEILING_ROOM = {
    "door": (0.5, 0.4),
    "window": (3.53, 0.88),
    "tv": (2.7, 1.68),
    "plant": (2.68, 3.42),
    "wardrobe": (3.4, 2.57),
    "smoke-detector": (0.35, 2.73),
    "nightstand": (4.46, 2.11),
    "radiator": (1.23, 2.17),
}
CEILING_LEVELS = {
    "radiator": -29.7,
    "tv": -30.7,
    "nightstand": -31.2,
    "wardrobe": -31.5,
    "plant": -31.9,
    "window": -34.4,
    "smoke-detector": -38.0,
    "door": -38.1,
}


def _near(parts, room: dict[str, tuple[float, float]]):
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=room)
    return P.neighbours(parts, rec)


def _regional(levels: dict[str, float], room: dict[str, tuple[float, float]]) -> list[str]:
    parts, track, best_in = class_track(levels, room, "wifi_camera")
    found = inroom.regional_peaks(track, best_in, parts, _near(parts, room), room, [], -38.0)
    return [parts[i].label for i in found]


def test_a_ceiling_source_is_found_at_a_stop_beneath_it_when_the_loudest_is_the_fadings_pick():
    """The loudest stop's fall across the room is 2 dB (the stops across the
    room from it are the ones beneath the camera): no in-room evidence there.
    The TV stop, 1 dB down, falls 7 dB across the room and its fit with the
    source's height free lands among the stops: it speaks for the camera."""
    parts, track, best_in = class_track(CEILING_LEVELS, CEILING_ROOM, "wifi_camera")
    radiator = next(st.index for st in parts if st.label == "radiator")
    assert not inroom.room_evidence(track, parts, best_in[radiator], [], CEILING_ROOM)["in_room"]
    assert _regional(CEILING_LEVELS, CEILING_ROOM) == ["tv"]
    # a stop more than REGION_DB beneath a louder neighbour speaks for nothing
    louder = {**CEILING_LEVELS, "radiator": CEILING_LEVELS["tv"] + inroom.REGION_DB + 0.5}
    assert _regional(louder, CEILING_ROOM) == []


def test_a_ceiling_source_in_the_room_by_its_height_fit_is_not_beyond_the_walls():
    """The TV stop's evidence for that camera: the fits in the stops' plane
    put it 5 m outside them (flat levels read as far away) and it falls 7 dB,
    less than IN_ROOM_FALL_DB: by the plane's fits alone, a phone next door.
    The fit with its height free lands among the stops, so it stays."""
    parts, track, best_in = class_track(CEILING_LEVELS, CEILING_ROOM, "wifi_camera")
    tv = next(st.index for st in parts if st.label == "tv")
    room = inroom.room_evidence(track, parts, best_in[tv], [], CEILING_ROOM)
    assert room["in_room"] and room["fall_db"] < IN_ROOM_FALL_DB
    assert room["outside_hull_m"] > HULL_MARGIN_M < room["room_fit_outside_hull_m"]
    assert room["high_fit_outside_hull_m"] <= 0 and inroom.above_the_stops(room)
    assert not inroom.beyond_walls(room, CEILING_LEVELS["tv"])
    # where the plane's fit near the source lands among the stops too, the
    # height fit explains nothing the plane's did not: the fit over every stop
    # that heard it still puts a source beyond the walls
    flat = {**room, "outside_hull_m": -0.3}
    assert not inroom.above_the_stops(flat) and inroom.beyond_walls(flat, CEILING_LEVELS["tv"])
    # ... as it does where the in-room test failed
    failed = {**room, "in_room": False}
    assert not inroom.above_the_stops(failed) and inroom.beyond_walls(failed, CEILING_LEVELS["tv"])


def test_a_ceiling_sources_confidence_comes_from_the_fit_that_placed_it():
    """The TV stop's camera above the stops: its probability and the report's
    "its fitted position lies ... the area the stops cover" take the fit with
    the height free (among the stops), not the plane fit 5 m out. A plane fit
    among the stops is used as before."""
    from roomsweep.analysis.confidence import probability

    parts, track, best_in = class_track(CEILING_LEVELS, CEILING_ROOM, "wifi_camera")
    tv = next(st.index for st in parts if st.label == "tv")
    room = inroom.room_evidence(track, parts, best_in[tv], [], CEILING_ROOM)
    assert inroom.above_the_stops(room)

    def made(room):
        finding = {"class": "wifi_camera", "level_dbm": -30.7, "confidence": 0.9}
        finding.update(waypoint="tv", evidence={}, why="")
        return inroom.with_region(finding, ["tv", "radiator"], room, False)

    high, plane = room["high_fit_outside_hull_m"], room["outside_hull_m"]
    f = made(room)
    assert f["in_room_evidence"]["outside_stops_hull_m"] == round(high, 2)
    assert f["confidence"] == round(probability(0.9, room["fall_db"], high, 0.0), 3)
    assert f["confidence"] > probability(0.9, room["fall_db"], plane, 0.0) + 0.1
    flat = {**room, "outside_hull_m": -0.3}  # no longer above the stops
    f = made(flat)
    assert f["in_room_evidence"]["outside_stops_hull_m"] == -0.3
    assert f["confidence"] == round(probability(0.9, room["fall_db"], -0.3, 0.0), 3)


def _evidence_at(in_room_at: set[int], among_at: set[int]):
    """A stand-in for inroom.room_evidence: in the room at `in_room_at`, its
    fit among the stops at `among_at` and 0.5 m outside their hull elsewhere."""

    def evidence(track, parts, top, *args, **kwargs):
        outside = -0.2 if top.stretch in among_at else 0.5
        return {
            "in_room": top.stretch in in_room_at,
            "outside_hull_m": outside,
            "high_fit_outside_hull_m": outside,
        }

    return evidence


def test_a_stop_beneath_a_louder_neighbour_needs_a_fit_among_the_stops(monkeypatch):
    """The second chance asks more than the in-room test: a fit within reach of
    the hull (a phone just beyond a wall, one stop further in) is not enough
    for a stop that is not its neighbourhood's loudest, and is for the loudest."""
    levels = {"door": -20.0, "desk": -22.0, "lamp": -30.0, "bed": -40.0, "window": -42.0,
              "wardrobe": -41.0}  # fmt: skip
    parts, track, best_in = _track(levels)
    near = _near(parts, ROOM)
    door = next(st.index for st in parts if st.label == "door")
    desk = next(st.index for st in parts if st.label == "desk")
    assert door in near[desk] and track[door] > track[desk]
    for in_room_at, among_at, found in (
        ({desk}, set(), []),  # in the room by its fall, its fit just outside
        ({desk}, {desk}, [desk]),
        ({door}, set(), [door]),  # the loudest needs only the in-room test
    ):
        monkeypatch.setattr(inroom, "room_evidence", _evidence_at(in_room_at, among_at))
        assert list(inroom.regional_peaks(track, best_in, parts, near, ROOM, [], -28.0)) == found


def test_a_region_holds_every_stop_close_enough_to_be_the_nearest():
    """A second stop 0.5 m beside the loudest (a doubled stop at a fixture)
    belongs in the region, down to a fade beneath the region's 6 dB: a device
    within reach of the loudest (inroom.HOLD_M) may be nearer it. One 0.7 m
    away need not."""
    for beside, inside in ((0.5, True), (0.7, False)):
        room = {**ROOM, "desk-side": (1.0, beside)}
        levels = {k: -45.0 for k in room}
        levels.update({"desk": -10.0, "desk-side": -20.0, "door": -30.0})  # 10 dB faded
        parts, track, _ = class_track(levels, room, "dect", 1.0)
        rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=room)
        near = P.neighbours(parts, rec)
        desk = next(st.index for st in parts if st.label == "desk")
        assert inroom.region(track, parts, desk, near) == ["desk"]  # by level alone
        assert ("desk-side" in inroom.region(track, parts, desk, near, room)) is inside
        # the door, 1 m away and 20 dB down, is no part of it either way
        assert "door" not in inroom.region(track, parts, desk, near, room)
    # close, but 20 dB down: deeper than a fade makes a nearer stop read
    room = {**ROOM, "desk-side": (1.0, 0.5)}
    levels = {k: -45.0 for k in room}
    levels.update({"desk": -10.0, "desk-side": -30.0})
    parts, track, _ = class_track(levels, room, "dect", 1.0)
    near = P.neighbours(
        parts, Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=room)
    )
    desk = next(st.index for st in parts if st.label == "desk")
    assert inroom.region(track, parts, desk, near, room) == ["desk"]


def _drowned_room(levels: dict[str, float], room: dict[str, tuple[float, float]], extra=()):
    """parts, track and near for a wifi_camera's `levels` at `room`'s stops,
    `extra` (label, position) stops visited again at the end."""
    parts, track, _ = class_track(levels, room, "wifi_camera")
    for label, _pos in extra:
        parts.append(A.Stretch(len(parts), label, 3.0 * len(parts), 3.0 * len(parts) + 3.0))
        track = np.append(track, A.DETECTOR_FLOOR_DBM)
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=room)
    return parts, track, P.neighbours(parts, rec)


def _loud_at(parts, label: str, dbm: float) -> None:
    for i, st in enumerate(parts):
        if st.label == label:
            parts[i] = dataclasses.replace(st, loudest_mode_dbm=dbm)


def test_a_region_holds_a_neighbour_where_louder_traffic_hid_the_kind():
    """A camera between the desk and the lamp (1 m apart), drowned at the lamp
    by an analog sender's carrier: its level at the lamp is unknown, so the
    lamp joins the region, and the finding names it. Not so where the traffic
    there was too quiet to hide the camera at the region's level ("not heard"
    is then a fall), nor without a plan (no distance says which stops are
    near), nor where the camera was heard at another visit of the lamp."""
    levels = {"desk": -28.0, "door": -45.0}
    parts, track, near = _drowned_room(levels, ROOM)
    desk = next(st.index for st in parts if st.label == "desk")
    for loudest_there, joins in ((-22.0, True), (-34.0, True), (-34.5, False), (-58.0, False)):
        _loud_at(parts, "lamp", loudest_there)
        assert ("lamp" in inroom.region(track, parts, desk, near, ROOM)) is joins, loudest_there
        assert inroom.region(track, parts, desk, near, ROOM)[0] == "desk"
    _loud_at(parts, "lamp", -22.0)
    where = inroom.region(track, parts, desk, near, ROOM)
    assert inroom.not_heard(track, parts, where, -28.0) == ["lamp"]
    assert "lamp" not in inroom.region(track, parts, desk, near)  # no plan
    # heard at the lamp at -45 dBm (17 dB down) beneath -22 dBm traffic: a fall
    heard_parts, heard_track, heard_near = _drowned_room({**levels, "lamp": -45.0}, ROOM)
    _loud_at(heard_parts, "lamp", -22.0)
    assert "lamp" not in inroom.region(heard_track, heard_parts, desk, heard_near, ROOM)
    # ... and so at one visit, drowned at the other
    twice, twice_track, twice_near = _drowned_room(
        {**levels, "lamp": -45.0}, ROOM, extra=[("lamp", ROOM["lamp"])]
    )
    _loud_at(twice, "lamp", -22.0)
    assert "lamp" not in inroom.region(twice_track, twice, desk, twice_near, ROOM)

    # the finding says so in its evidence, and the report with its region
    room = {
        "fall_db": 20.0,
        "in_room": True,
        "outside_hull_m": -0.5,
        "high_fit_outside_hull_m": -0.5,
        "near_fall_db": None,
    }
    made = {
        "type": "rf",
        "class": "wifi_camera",
        "waypoint": "desk",
        "level_dbm": -28.0,
        "confidence": 1.0,
        "evidence": {},
    }
    made = A._placed(made, track, parts, desk, near, ROOM, room, True)
    assert made["region"] == where and made["evidence"]["region_not_heard"] == ["lamp"]
    text = " ".join(as_text(describe(made)).split())
    assert "lamp (not heard at lamp beneath louder traffic: it may be as near)." in text
    assert "region not heard" not in text  # said once, with the region


def test_a_drowned_stop_joins_a_region_only_near_and_unless_a_fall_between_denies_it():
    """A drowned stop 2.5 m from a lone stop (its nearest, the peak rule's
    neighbour however far) is no part of its region; a stop that heard the
    kind between the two, 6 dB down or more, says the source is not as near
    the drowned one. And a stop that joined by another rule, quiet, is no
    drowned one in the finding's evidence."""
    lone = {"bed": (0.0, 0.0), "window": (2.5, 0.0), "door": (0.0, 2.6)}
    parts, track, near = _drowned_room({"bed": -28.0, "door": -45.0}, lone)
    bed = next(st.index for st in parts if st.label == "bed")
    _loud_at(parts, "window", -20.0)
    assert "window" not in inroom.region(track, parts, bed, near, lone)
    # 1 m apart, with a stop 0.3 m from the middle between them that heard
    # the camera 12 dB down: no source as near the lamp as the desk
    between = {**ROOM, "aisle": (1.3, 0.5)}
    for aisle_dbm, joins in ((-40.0, False), (-31.0, True)):
        parts, track, near = _drowned_room(
            {"desk": -28.0, "door": -45.0, "aisle": aisle_dbm}, between
        )
        _loud_at(parts, "lamp", -22.0)
        desk = next(st.index for st in parts if st.label == "desk")
        assert ("lamp" in inroom.region(track, parts, desk, near, between)) is joins, aisle_dbm
    # a quiet stop 0.5 m away joins by the close-stop rule (a fade), not drowned
    close = {**ROOM, "desk-side": (1.0, 0.5)}
    parts, track, near = _drowned_room({"desk": -45.0}, close)
    desk = next(st.index for st in parts if st.label == "desk")
    where = inroom.region(track, parts, desk, near, close)
    assert "desk-side" in where and inroom.not_heard(track, parts, where, -45.0) == []
    # a weak source 4 dB over the detector's floor: stops that heard nothing
    # join by the 6 dB rule, with no traffic there to have drowned it
    parts, track, near = _drowned_room({"desk": -54.0}, ROOM)
    desk = next(st.index for st in parts if st.label == "desk")
    where = inroom.region(track, parts, desk, near, ROOM)
    assert "lamp" in where and inroom.not_heard(track, parts, where, -54.0) == []


def test_a_phone_beyond_the_wall_is_not_in_the_room():
    """A phone 2 m beyond the wall behind the door: loudest at the door, little
    fall across the room, and the fit puts it outside the stops."""
    levels = _from((-2.5, -0.5), 0.0)
    parts, track, best_in = _track(levels, "lte")
    door = next(st.index for st in parts if st.label == "door")
    evidence = inroom.room_evidence(track, parts, best_in[door], [], ROOM)
    assert not evidence["in_room"]
    assert evidence["room_fit_outside_hull_m"] > 1.0
    assert inroom.beyond_walls(evidence, levels["door"])


def test_a_near_fit_too_unsure_to_place_the_source_does_not_put_it_beyond_the_walls():
    """A GSM bug in a ceiling fitting 1.4 m above the stops by the door (wide
    generator, room w7722-039): the four stops within 3 m of the loudest read
    alike (-13 to -15.5 dBm), the far ones 26 dB down. The fit over those four
    lands 4 m outside the stops with a 2.4 m uncertainty; the fit over all nine
    lands among them. The 17.7 dB fall puts it in the room."""
    pts = np.array(
        [(3.48, 0.31), (3.73, 1.15), (3.82, 1.69), (2.29, 1.98), (0.4, 1.99),
         (1.25, 3.56), (2.09, 5.13), (2.67, 5.13), (3.69, 5.13)]
    )  # fmt: skip
    lv = np.array([-14.5, -15.5, -13.0, -15.4, -21.2, -21.3, -30.7, -37.1, -40.7])
    e = in_room(pts, lv, lv, np.ones(lv.size, bool), 2)
    assert e["outside_hull_m"] > 2 * HULL_MARGIN_M
    assert e["fit_uncertainty_m"] > FIT_CREDIT_M
    assert e["room_fit_outside_hull_m"] <= 0.0
    assert e["in_room"]
    # the same plateau with the far stops beyond the walls too: the room's
    # fit no longer lands among the stops, and nothing vouches for the room
    far = lv.copy()
    far[6:] = lv[2] - 2.0
    assert not in_room(pts, far, far, np.ones(lv.size, bool), 2)["in_room"]


def test_a_fall_to_the_nearer_stops_speaks_where_the_room_across_is_drowned():
    """A 4G bug at a desk (wide generator, room w7722-017): heard at the desk's
    two stops (-35.4, -35.8 dBm) and 1.6 m away by the TV (-45.3), and nowhere
    else: every stop 2 m or more away heard a camera's access point or a DECT
    bug 20 dB louder, beneath which it could be anything. No fall across the
    room is known; the 10 dB to the TV's stop is what a device within reach of
    the desk shows there (4 dB at 1.6 m), and the fit lands among the stops."""
    pts = np.array(
        [(0.57, 0.39), (0.39, 2.64), (0.41, 3.89), (1.63, 5.75), (3.54, 5.68),
         (3.62, 4.17), (3.52, 3.14), (3.52, 2.6), (2.23, 3.89), (2.22, 2.65)]
    )  # fmt: skip
    floor = A.DETECTOR_FLOOR_DBM
    lv = np.array([floor] * 5 + [-45.3, -35.8, -35.4, floor, floor])
    bounds = np.array([-3.7, -16.9, -10.2, -8.7, -2.7, -45.3, -35.8, -35.4, -6.2, -7.4])
    heard = lv > floor
    e = in_room(pts, lv, bounds, heard, 7)
    assert e["fall_db"] is None  # nothing across the room shows one
    assert abs(e["near_fall_db"] - 9.9) < 0.2
    assert e["in_room"]
    # the same levels with the TV's stop only 2 dB down: no fall a device
    # within reach of the desk makes, however inside the fit lands
    flat = lv.copy()
    flat[5] = lv[7] - 2.0
    bounds_flat = np.where(heard, flat, bounds)
    assert not in_room(pts, flat, bounds_flat, heard, 7)["in_room"]


def test_a_silent_stop_beside_flat_levels_keeps_the_near_fit_in_the_room():
    """A GSM bug in a call that starts mid-sweep (outsider round 6c, room 1, a
    bathroom): heard at the shower (-14.2 dBm), the sink (-14.7) and the
    mirror (-18.3) alike, not at the vent 2.2 m from the shower where nothing
    rose above -50 dBm. Over the three that heard it the fit lands 2.5 m
    outside the stops; the vent's bound says the field fell there, as the
    21 dB fall already reads it: the near fit takes it as an upper bound and
    lands within reach of the stops."""
    pts = np.array([(2.63, 0.5), (2.68, 2.72), (1.53, 2.67), (0.45, 1.76), (1.43, 0.45)])
    floor = A.DETECTOR_FLOOR_DBM
    lv = np.array([floor, -14.7, -14.2, -18.3, floor])
    bounds = np.array([-20.5, -14.7, -14.2, -18.3, -50.3])
    heard = lv > floor
    e = in_room(pts, lv, bounds, heard, 2)
    assert e["fall_db"] > IN_ROOM_FALL_DB
    assert e["outside_hull_m"] <= HULL_MARGIN_M
    assert e["in_room"]
    # the fit over every stop that heard it keeps to heard levels
    assert e["room_fit_outside_hull_m"] > 2 * HULL_MARGIN_M
    # the vent heard louder traffic, beneath which the bug could hide: no
    # bound, no fall there, nothing to pull the fit in
    hidden = bounds.copy()
    hidden[4] = -12.0
    e = in_room(pts, lv, hidden, heard, 2)
    assert e["outside_hull_m"] > 2 * HULL_MARGIN_M
    assert not e["in_room"]


def test_a_silent_stop_beyond_the_fit_radius_leaves_the_near_fit_alone():
    """The near fit takes silent stops within FIT_RADIUS_M only: one 3.7 m from
    the loudest, silent under -55 dBm, leaves it where a stop that heard
    louder traffic there (no bound) does."""
    pts = np.array(
        [(2.63, 0.5), (2.68, 2.72), (1.53, 2.67), (0.45, 1.76), (1.43, 0.45), (1.53, 6.37)]
    )
    floor = A.DETECTOR_FLOOR_DBM
    lv = np.array([floor, -14.7, -14.2, -18.3, floor, floor])
    heard = lv > floor
    silent_far = np.array([-20.5, -14.7, -14.2, -18.3, -50.3, -55.0])
    loud_far = silent_far.copy()
    loud_far[5] = -10.0
    a, b = in_room(pts, lv, silent_far, heard, 2), in_room(pts, lv, loud_far, heard, 2)
    assert np.hypot(*(pts[5] - pts[2])) > FIT_RADIUS_M
    assert np.array_equal(a["fit_xy"], b["fit_xy"])
    assert a["outside_hull_m"] == b["outside_hull_m"]


def test_an_upper_bound_counts_only_where_the_model_is_louder():
    """A bound far above what the source reads at that stop leaves the fit
    where the heard levels put it; the same number taken as a level pulls it."""
    pts = np.array(list(ROOM.values()))
    true = np.array([1.2, 0.8])
    lv = -15.0 - 25 * np.log10(np.maximum(0.2, np.hypot(*(pts - true).T)))
    far = int(np.argmax(np.hypot(*(pts - true).T)))
    raised = lv.copy()
    raised[far] = lv.max()  # nothing there but louder traffic than the source
    mark = np.zeros(lv.size, bool)
    mark[far] = True
    (bounded, _), _ = fit_position(pts, raised, at_most=mark)
    (levelled, _), _ = fit_position(pts, raised)
    assert np.hypot(*(bounded - true)) < 0.2
    assert np.hypot(*(levelled - true)) > 0.5


def test_fit_position_checks_its_marks():
    pts = np.array([(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)])
    lv = np.array([-20.0, -25.0, -25.0])
    for name in ("at_least", "at_most"):
        with pytest.raises(ValueError, match=name):
            fit_position(pts, lv, **{name: np.zeros(2, bool)})
        with pytest.raises(ValueError, match=name):
            fit_position(pts, lv, **{name: np.array([0, 0, 2])})  # indices, not a mask
    both = np.array([True, False, False])
    with pytest.raises(ValueError, match="not both"):
        fit_position(pts, lv, at_least=both, at_most=both)
    with pytest.raises(ValueError, match="not upper bounds"):
        fit_position(pts, lv, at_most=np.array([True, True, False]))


def test_hull_distance_and_in_room_evidence():
    pts = np.array(list(ROOM.values()))
    assert hull_distance(pts, np.array([2.0, 1.0])) < 0
    assert abs(hull_distance(pts, np.array([5.5, 1.5])) - 2.0) < 0.2
    lv = np.array(list(_from((1.3, 0.6), -15.0).values()))
    e = in_room(pts, lv, lv, np.ones(lv.size, bool), int(np.argmax(lv)))
    assert e["in_room"] and e["outside_hull_m"] <= 0


def test_clipped_levels_are_lower_bounds_in_the_fit():
    """A device at the desk pins the detector at the desk and the lamp: the
    clipped levels say "at least", and the fit still finds it."""
    pts = np.array(list(ROOM.values()))
    true = np.array([1.0, 0.2])
    lv = 5.0 - 25 * np.log10(np.maximum(0.2, np.hypot(*(pts - true).T)))
    clipped = lv > -3.0
    seen = np.where(clipped, -3.0, lv)
    assert clipped.sum() >= 2
    (xy, _), _ = fit_position(pts, seen, at_least=clipped)
    assert np.hypot(*(xy - true)) < 0.5


def test_two_kinds_at_one_level_are_told_apart_by_timing():
    """A GSM bug and a BLE tag read alike at one stop: GSM's frame train and the
    BLE events in its gaps come out as two sources."""
    n = int(3 * FS)
    x = _power_sum(
        envelope("gsm", 3.0, level=-25.0, seed=3, floor=-80.0),
        envelope("ble", 3.0, level=-25.0, seed=5, floor=-80.0),
        np.full(n, -62.0),
    )
    found, _ = components(Recording(np.zeros(n, dtype=np.uint16), FS), dbm=x)
    classes = {c.cls for c in found}
    assert {"gsm", "ble"} <= classes, classes
    assert any(c.separated for c in found if c.cls == "ble")
    # one kind alone is not split
    alone, _ = components(
        Recording(np.zeros(n, dtype=np.uint16), FS),
        dbm=_power_sum(envelope("gsm", 3.0, level=-25.0, floor=-80.0), np.full(n, -62.0)),
    )
    assert {c.cls for c in alone} == {"gsm"} and not any(c.separated for c in alone)


def test_confidence_is_a_probability_that_grows_with_the_fall():
    assert 0 < probability(0.9, -5.0) < probability(0.9, 10.0) < probability(0.9, 25.0) < 1
    assert probability(1.0, 40.0) == probability(1.0, 25.0)  # clipped
    assert 0 < probability(0.7, None) < 1


def test_a_region_holding_the_truth_counts_as_waypoint_or_region():
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=ROOM)
    truth = [Truth("bug", "dect", (0.5, 3.0), "wardrobe")]
    finding = {
        "class": "dect",
        "waypoint": "window",
        "region": ["window", "wardrobe"],
        "position_m": None,
        "confidence": 0.9,
    }
    r = score_scenario([finding], truth, rec)
    assert len(r["matches"]) == 1  # 3.5 m away, but its region names the truth's stop
    rf = summarize([r])["rf"]
    assert rf["waypoint_accuracy"] == 0.0 and rf["waypoint_or_region_accuracy"] == 1.0


def test_the_scoring_pairs_findings_and_transmitters_at_their_best():
    """Two camera access points, at the door and at the desk 1 m on (ROOM), and
    two findings: one reported at the door whose fit lands by the desk, one at
    the lamp whose region holds the desk, 1.5 m from the desk camera and too far
    from the door's. Greedily (right class, then closest), the first finding
    takes the desk camera, its closest, which leaves the door camera missed and
    the second finding false. The best pairing matches both."""
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=ROOM)
    truth = [
        Truth("door-ap", "wifi_ap", (0.0, 0.1), "door"),
        Truth("desk-ap", "wifi_ap", (1.0, 0.1), "desk"),
    ]
    near_both = {
        "class": "wifi_ap",
        "waypoint": "door",
        "region": ["door", "desk"],
        "position_m": [0.9, 0.0],  # the fit lands by the desk
        "confidence": 0.9,
    }
    desk_only = {
        "class": "wifi_ap",
        "waypoint": "lamp",
        "region": ["lamp", "desk"],
        "position_m": [1.0, 1.6],  # 1.5 m from the desk camera, 1.9 m from the door's
        "confidence": 0.8,
    }
    r = score_scenario([near_both, desk_only], truth, rec)
    assert sorted((m["truth"], m["waypoint"]) for m in r["matches"]) == [
        ("desk-ap", "lamp"),
        ("door-ap", "door"),
    ]
    assert r["missed"] == [] and r["false"] == []


def test_three_kinds_at_one_level_are_told_apart_by_timing():
    """A GSM bug, a DECT base and a BLE tag read alike at one stop: once GSM's
    frame train is set aside the rest is still DECT's train and the tag's
    events together, no kind of its own; DECT's train is set aside from it
    in turn, and the tag's events come out as a third source."""
    n = int(3 * FS)
    x = _power_sum(
        envelope("gsm", 3.0, level=-25.0, seed=3, floor=-80.0),
        envelope("dect", 3.0, level=-25.0, seed=4, floor=-80.0),
        envelope("ble", 3.0, level=-25.0, seed=5, floor=-80.0),
        np.full(n, -62.0),
    )
    found, _ = components(Recording(np.zeros(n, dtype=np.uint16), FS), dbm=x)
    assert {"gsm", "dect", "ble"} <= {c.cls for c in found}
    assert any(c.separated for c in found if c.cls == "ble")


def test_without_a_plan_the_fall_across_the_sweep_alone_says_in_the_room():
    """A capture with no waypoint positions (a real sweep, no plan): no fit,
    so the in-room test is the fall from the loudest stop to the median of the
    other waypoints. A DECT bug 0.3 m from the bed falls well over
    locate.IN_ROOM_FALL_DB; a handset 2 m beyond the wall by the desk, reading
    alike along it, does not; and waypoints where the kind was not heard
    beneath louder traffic show no fall, so they are left out rather than
    read as a fall."""

    def at_loudest(levels):
        parts, track, best_in = _track(levels)
        return parts, track, best_in[int(np.argmax(track))]

    bug = _from((3.5, 0.2), -20.0)
    parts, track, top = at_loudest(bug)
    e = inroom.room_evidence(track, parts, top, [top], {})
    assert parts[top.stretch].label == "bed"
    assert e["in_room"] and e["fall_db"] >= IN_ROOM_FALL_DB and e["fit_xy"] is None
    parts, track, top = at_loudest(_from((2.25, -2.0), -12.0))
    e = inroom.room_evidence(track, parts, top, [top], {})
    assert e["fall_db"] is not None and 0 < e["fall_db"] < IN_ROOM_FALL_DB and not e["in_room"]
    # the bug heard only at the bed, every other stop beneath louder traffic:
    # no fall can be read there; with that traffic quieter than the bug, it can
    parts, track, top = at_loudest({"bed": bug["bed"]})
    for st in parts:
        st.loudest_mode_dbm = bug["bed"] + 3.0
    e = inroom.room_evidence(track, parts, top, [top], {})
    assert e["fall_db"] is None and not e["in_room"]
    for st in parts:
        st.loudest_mode_dbm = bug["bed"] - 20.0
    assert inroom.room_evidence(track, parts, top, [top], {})["in_room"]


def test_a_plan_that_names_none_of_the_stops_is_no_plan():
    """A plan without its sweep leaves the marks named "mark n": none of the
    stops has a position. The fall across the sweep still puts a bug in the
    room, as without any plan (before, the in-room test failed outright)."""
    parts, track, best_in = _track(_from((3.5, 0.2), -20.0))
    top = best_in[int(np.argmax(track))]
    elsewhere = {"planned-only": (9.0, 9.0), "another": (9.5, 9.0)}
    e = inroom.room_evidence(track, parts, top, [top], elsewhere)
    assert e == inroom.room_evidence(track, parts, top, [top], {})
    assert e["in_room"]


def test_a_sweep_without_a_plan_reports_what_falls_across_it():
    """The committed bathroom s2718-014 swept with no plan (as a real sweep
    is): two LTE bugs, by the door and in the ceiling light, read alike at
    those two stops, so neither stands out as a single-stop peak; they fall
    28 dB across the sweep, which puts them in the room without any fit."""
    sc = load_scenario(str(Path(__file__).parent / "scenarios" / "s2718-014-bathroom.toml"))
    rec = dataclasses.replace(from_scenario(sc), waypoint_positions=None)
    lte = [f for f in A.analyze(rec) if f["type"] == "rf" and f["class"] == "lte"]
    assert lte, "no LTE finding without a plan"
    (f,) = lte
    assert f["waypoint"] == "door" and "ceiling-light" in f["region"]
    assert f["position_m"] is None
    ev = f["in_room_evidence"]
    assert ev["in_room"] and ev["fall_across_room_db"] >= IN_ROOM_FALL_DB


def test_nothing_heard_before_the_first_press_is_a_finding_without_a_place():
    """A sweep with waypoint marks: a DECT base heard loud only while walking
    in, before the first press, is at no stop to search; the analysis reports
    no finding without a waypoint (docs/findings.md: `region` is empty only
    without waypoint marks). Without marks the same base is reported."""
    from roomsweep.analysis.analyze import analyze
    from roomsweep.analysis.recording import WaypointMark
    from roomsweep.eval.nesl import CALIBRATION, dbm_to_counts
    from roomsweep.protocol.calibration import Calibration
    from tests.test_analysis import envelope

    quiet = np.full(int(9 * FS), -63.0) + np.random.default_rng(1).normal(0, 0.3, int(9 * FS))
    dbm = np.concatenate((envelope("dect", 3.0, level=-20.0), quiet))
    marks = [WaypointMark(3.0 + 3.0 * i, name, "button") for i, name in enumerate("abc")]
    cal = Calibration.from_dict(CALIBRATION)

    def rf_findings(with_marks):
        rec = Recording(dbm_to_counts(dbm), FS, calibration=cal, marks=marks if with_marks else [])
        return [f for f in analyze(rec) if f.get("type", "rf") == "rf"]

    assert any(f["class"] == "dect" for f in rf_findings(False))
    assert all(f["waypoint"] for f in rf_findings(True))
