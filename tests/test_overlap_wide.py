"""Issue 14, parts 2-3 on rooms we did not write: a GSM call in discontinuous
transmission is GSM; one loud TDMA device heard at several stops is one
source by its frame timing, two at different timeslots are two; a level no
transmitter of its kind can give from beyond the walls is in the room; a
louder neighbour is the peak, not a co-peak; a quieter device of its own at a
louder one's stop is kept; a fit far beyond the walls is beyond them."""

from __future__ import annotations

import numpy as np

from roomsweep.analysis import inroom, timing
from roomsweep.analysis.components import Component, classify
from roomsweep.analysis.echoes import drop_echoes
from roomsweep.analysis.features import component
from roomsweep.standards import GSM_FRAME_S
from tests.test_analysis import FS, _peaks_of, envelope
from tests.test_in_room import ROOM, _from, _track


def test_a_gsm_call_in_dtx_is_gsm_clearly():
    """DTX sends 12 of 104 frames (3GPP TS 45.008 8.3): 1.4 % on air."""
    x = envelope("gsm", 1.5, params={"dtx": True})
    f = component(x, FS, -25.0, 3.0, top=True)
    assert 0.008 < f.duty < 0.02
    cls, conf, scores = classify(f)
    assert cls == "gsm" and conf >= 0.9, scores


def _gsm_component(x: np.ndarray, start_s: float, stretch: int, level: float) -> Component:
    a = int(start_s * FS)
    w = x[a : a + int(1.5 * FS)]
    f = component(w, FS, level, 3.0, top=True)
    cls, conf, scores = classify(f)
    assert cls == "gsm", scores
    return Component(stretch, cls, conf, level, start_s + 0.1, f, scores, window_start_s=a / FS)


def test_one_gsm_heard_at_several_stops_is_one_source_two_slots_are_two():
    x = envelope("gsm", 12.0)
    here = _gsm_component(x, 0.0, 0, -25.0)
    there = _gsm_component(x, 6.0, 3, -25.0)  # the same device, six seconds on
    groups = timing.same_source_groups([here, there])
    assert groups[id(here)] == groups[id(there)]
    assert timing.one_per_source([here, there], groups) == [here]
    # a second handset two timeslots later (3GPP TS 45.002: 577 us each)
    shift = int(round(2 * 0.577e-3 * FS))
    other = _gsm_component(np.roll(x, shift), 6.0, 3, -25.0)
    p_here, p_other = timing.frame_phase(here), timing.frame_phase(other)
    assert p_here is not None and p_other is not None
    d = abs(p_here - p_other) % GSM_FRAME_S
    assert min(d, GSM_FRAME_S - d) > timing.PHASE_TOLERANCE_S
    groups = timing.same_source_groups([here, other])
    assert groups[id(here)] != groups[id(other)]
    assert len(timing.one_per_source([here, other], groups)) == 2


def test_a_dect_too_loud_for_beyond_the_walls_is_in_the_room():
    """A level the fit would put 1.3 m beyond the bed's wall: as loud as a
    250 mW DECT base reads 1 m away (-14 dBm) or louder, it cannot be there."""
    assert -14.5 < inroom.loudest_from_beyond("dect") < -13.5
    # 2 W at 450 MHz: only a level read with the RF pad in (above the bare
    # detector's -3 dBm ceiling) says anything
    assert 7.0 < inroom.loudest_from_beyond("gsm") < 8.0
    assert inroom.loudest_from_beyond("unknown_periodic") is None
    for at_1m, inside in ((0.0, True), (-25.0, False)):
        levels = _from((4.8, 1.5), at_1m, exponent=2.0)
        parts, track, best_in = _track(levels, "dect")
        bed = next(st.index for st in parts if st.label == "bed")
        evidence = inroom.room_evidence(track, parts, best_in[bed], [], ROOM)
        assert evidence["too_loud_for_outside"] is inside
        assert evidence["in_room"] is inside
        assert inroom.beyond_walls(evidence, levels["bed"]) is not inside


def test_a_louder_neighbour_is_the_peak_not_a_co_peak():
    room = {
        "tv": (0.37, 3.3),
        "open-floor": (1.2, 1.83),
        "door-side": (2.03, 0.36),
        "power-socket": (5.12, 2.0),
    }
    levels = {"tv": -8.8, "open-floor": -15.9, "door-side": -26.3, "power-socket": -28.1}
    assert "open-floor" not in _peaks_of(levels, room, "dect")


def _finding(cls: str, waypoint: str, level: float, in_room: bool) -> dict:
    return {
        "class": cls,
        "waypoint": waypoint,
        "level_dbm": level,
        "evidence": {},
        "in_room_evidence": {"in_room": in_room},
    }


def test_a_quieter_device_of_its_own_at_a_louder_ones_stop_is_kept():
    loud = _finding("dect", "desk", 0.0, True)
    own = _finding("analog_video", "desk", -24.0, True)  # 24 dB beneath: a level of its own
    echo = _finding("wifi_camera", "desk", -3.0, True)  # at the louder level: mixed bursts
    outside = _finding("ble", "desk", -30.0, False)
    kept = drop_echoes([loud, own, echo, outside])
    assert kept == [loud, own]


def test_a_fit_far_beyond_the_walls_is_beyond_them_however_steep():
    room = {"fall_db": 14.7, "outside_hull_m": 6.0, "room_fit_outside_hull_m": 6.0}
    assert inroom.beyond_walls(room, -5.0)
    near = {**room, "outside_hull_m": 1.5, "room_fit_outside_hull_m": 1.5}
    assert not inroom.beyond_walls(near, -5.0)  # steep fall, just beyond: the fit may err


def test_a_level_near_its_kinds_median_is_weighed_not_dropped():
    """A Bluetooth bug amid the stops of a small room reads within 6 dB of its
    median everywhere: no "friendly background" veto drops it (outsider
    rounds 6-6c lost a GSM bug at -18 dBm and a camera at -21 dBm to one).
    Its calibrated confidence reports it whether or not the in-room test
    places it (-17 dBm is louder than any Bluetooth device can read from
    beyond the walls, inroom.loudest_from_beyond, which places it), less sure
    where nothing places it."""
    from roomsweep.analysis import analyze as A
    from roomsweep.analysis.recording import Recording
    from tests.test_analysis import FS, envelope

    levels = {"door": -22.0, "desk": -17.2, "lamp": -21.0, "bed": -23.0, "window": -23.5}
    levels["wardrobe"] = -23.0
    parts, track, best_in = _track(levels, "bt_classic")
    desk = next(st.index for st in parts if st.label == "desk")
    f = component(envelope("bt_classic", 1.0), FS, -25.0, 3.0, top=True)
    top = Component(desk, "bt_classic", 1.0, -17.2, 0.5, f, {"bt_classic": 1.0})
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=ROOM)
    labels = {st.index: st.label for st in parts}
    typical = float(np.median(track))
    assert levels["desk"] - typical < A.PROXIMITY_DB
    assert levels["desk"] > inroom.loudest_from_beyond("bt_classic")
    room = inroom.room_evidence(track, parts, top, [], ROOM)
    assert room["too_loud_for_outside"] and room["in_room"]
    assert not room["fall_db"] >= 6.0  # the fall alone would not place it
    quiet = {**room, "too_loud_for_outside": False, "in_room": False}
    args = ("bt_classic", top, track, typical, parts, labels, rec, 3.1, set())
    near = A.neighbours(parts, rec)

    def reported(evidence):
        made = A._finding(*args, evidence)
        assert made is not None and made["class"] == "bt_classic"
        made = A._placed(made, track, parts, desk, near, ROOM, evidence, True)
        assert made["confidence"] >= A.MIN_PROBABILITY  # as analyze keeps it
        return made["confidence"]

    assert reported(quiet) < reported(room)


def test_a_device_beneath_the_louder_ones_level_mode_is_its_own():
    """w1357-034: an LTE bug 5.4 dB beneath a BT bug at the plant, both in the
    room. Overlapping bursts read at their power sum, at or above the louder
    level, so a level below the louder one's ±3 dB mode is no mixture of it."""
    loud = _finding("bt_classic", "plant", -23.6, True)
    lte = _finding("lte", "plant", -29.0, True)
    mixed = _finding("ble", "plant", -25.1, True)  # within the BT level's mode
    assert drop_echoes([loud, lte, mixed]) == [loud, lte]


def test_a_stop_quieter_than_a_neighbour_that_is_no_peak_is_no_co_peak():
    """w202-007: a DECT bug between the smoke detector, the window and the
    dining table (0.5-1.1 m from each) read -13.6, -8.8 and -10.0 dBm there.
    The smoke detector, 18 dB over the open floor and within a free-space
    drop of the two louder stops, passed as a co-peak (a device at each of
    them), though neither louder stop is a peak: it is not one either."""
    room = {
        "door": (3.09, 0.49),
        "open-floor": (2.88, 2.04),
        "smoke-detector": (2.68, 3.59),
        "window": (2.71, 4.88),
        "dining-table": (1.49, 3.66),
    }
    levels = {
        "door": -16.2,
        "open-floor": -31.6,
        "smoke-detector": -13.6,
        "window": -8.8,
        "dining-table": -10.0,
    }
    assert "smoke-detector" not in _peaks_of(levels, room, "dect")
    # a real pair keeps its co-peak: the louder stop a peak of its own
    pair = {**levels, "window": -10.0, "dining-table": -30.0}
    assert {"smoke-detector", "window"} <= set(_peaks_of(pair, room, "dect"))


def test_a_camera_that_is_its_own_access_point_is_one_finding():
    """Its beacons and its stream come from one radio at one power: at one
    stop within 3 dB, one finding (the access point's, marked stream_too,
    with the surer confidence); a stream 4 dB apart or at another stop is a
    device of its own, and other kinds are left alone."""
    from roomsweep.analysis.echoes import one_radio

    ap = {**_finding("wifi_ap", "desk", -18.5, True), "confidence": 0.7}
    stream = {**_finding("wifi_camera", "desk", -16.6, True), "confidence": 0.9}
    other = {**_finding("wifi_camera", "desk", -14.4, True), "confidence": 0.8}
    elsewhere = {**_finding("wifi_camera", "tv", -18.0, True), "confidence": 0.8}
    dect = {**_finding("dect", "desk", -18.0, True), "confidence": 0.8}
    kept = one_radio([ap, stream, elsewhere, dect])
    assert kept == [ap, elsewhere, dect]
    assert ap["confidence"] == 0.9 and ap["evidence"]["stream_too"]
    assert one_radio([ap, other]) == [ap, other]  # 4.1 dB apart: two radios
    # two access points at the stop: the stream is the one nearer its level's
    loud = {**_finding("wifi_ap", "desk", -20.0, True), "confidence": 0.6}
    quiet = {**_finding("wifi_ap", "desk", -40.0, True), "confidence": 0.6}
    cam = {**_finding("wifi_camera", "desk", -21.0, True), "confidence": 0.8}
    assert one_radio([loud, quiet, cam]) == [loud, quiet]
    assert loud["evidence"] == {"stream_too": True} and quiet["evidence"] == {}
