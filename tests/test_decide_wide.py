"""Issue 14, round 3, the decision layer on wide rooms: the in-room fit with
the source's height free (a ceiling source amid the stops), and a source the
stops surround reported below its kind's in-room level."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from roomsweep.analysis import inroom, wifiscan
from roomsweep.analysis import peaks as P
from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.components import Stretch
from roomsweep.analysis.echoes import unexplained
from roomsweep.analysis.locate import HULL_MARGIN_M, in_room
from roomsweep.analysis.recording import Recording
from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim.scenario import load_scenario
from tests.test_analysis import FS
from tests.test_in_room import class_track

# a 5 x 4 m room swept along its walls and through its middle
ROOM = {
    "door": (0.0, 0.0),
    "coat-hook": (1.5, 0.0),
    "desk": (3.0, 0.0),
    "window": (4.5, 0.0),
    "radiator": (4.5, 2.0),
    "shelf": (4.5, 4.0),
    "tv": (3.0, 4.0),
    "bed": (1.5, 4.0),
    "lamp": (0.0, 4.0),
    "wardrobe": (0.0, 2.0),
    "table": (2.25, 2.0),
    "rug-left": (1.0, 2.0),
    "rug-right": (3.5, 2.0),
}
LEAST = -22.0  # a kind whose in-room level is -22 dBm (wifi_beacon's)


def _track(levels: dict[str, float], cls: str = "wifi_ap"):
    return class_track(levels, ROOM, cls)


def _from(source: tuple[float, float], height_m: float, at_1m: float) -> dict[str, float]:
    """Levels at the stops (held 1 m up) from a source `height_m` above them, n = 2.5."""
    return {
        k: at_1m
        - 25.0 * np.log10(np.sqrt((p[0] - source[0]) ** 2 + (p[1] - source[1]) ** 2 + height_m**2))
        for k, p in ROOM.items()
    }


def _regional(levels: dict[str, float]):
    parts, track, best_in = _track(levels)
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=ROOM)
    near = P.neighbours(parts, rec)
    peaks = P.peaks(track, best_in, parts, near, ROOM)
    return parts, inroom.regional_peaks(track, best_in, parts, near, ROOM, peaks, LEAST)


def test_a_ceiling_source_amid_the_stops_is_reported_below_its_kinds_in_room_level():
    """A camera-AP in a fitting above the table, 1 m over the held detector:
    -24 dBm at the table, 5 dB more than at the rug's stops either side (no
    single stop stands out), under the -22 dBm a kind this common must read
    within reach of a stop; but it falls 10 dB to the walls and the fit (with
    the source's height free) lands amid the stops, where no source beyond
    the walls is fitted."""
    levels = _from((2.25, 2.0), 1.0, -24.0)
    assert max(levels.values()) < LEAST
    parts, found = _regional(levels)
    assert [parts[i].label for i in found] == ["table"]
    (evidence,) = found.values()
    assert inroom.among_stops(evidence) and evidence["fall_db"] > 9


def test_the_same_weak_level_from_beyond_a_wall_is_not():
    """The same kind 1.5 m beyond the wall behind the desk, as loud at the desk
    as the ceiling source at the table: loudest at the wall's stops, its fit on
    its own side of them. Below the kind's in-room level it stays unreported."""
    levels = _from((3.0, -1.5), 0.0, -19.0)
    assert max(levels.values()) < LEAST
    _, found = _regional(levels)
    assert found == {}


def test_among_stops_needs_the_in_room_test_and_a_fit_inside_the_hull():
    assert inroom.among_stops({"in_room": True, "outside_hull_m": -0.3})
    assert not inroom.among_stops({"in_room": True, "outside_hull_m": 0.4})
    assert not inroom.among_stops({"in_room": False, "outside_hull_m": -0.3})
    assert not inroom.among_stops({"in_room": True, "outside_hull_m": None})


def test_the_height_free_fit_only_adds_among_the_stops():
    """The source's height free moves a ceiling source's fit amid the stops;
    a source beyond a wall keeps the plane's fit (outside_hull_m) and stays
    out."""
    pts = np.array(list(ROOM.values()))
    lv = np.array(list(_from((2.25, 2.0), 1.0, -24.0).values()))
    e = in_room(pts, lv, lv, np.ones(lv.size, bool), int(np.argmax(lv)))
    assert e["high_fit_outside_hull_m"] <= 0.0 and e["in_room"]
    lv = np.array(list(_from((3.0, -1.5), 0.0, -19.0).values()))
    e = in_room(pts, lv, lv, np.ones(lv.size, bool), int(np.argmax(lv)))
    assert e["outside_hull_m"] > HULL_MARGIN_M and e["high_fit_outside_hull_m"] > 0.0
    assert not e["in_room"]


def test_a_source_on_the_ceiling_needs_only_the_fall_its_height_allows():
    """A bug on the ceiling over the table, 1.5 m above the held detector: it
    falls 6.4 dB (n = 2.5) from the table to the stops across the room (2.25
    m off, median), less than the 7.0 dB (20 log10 2.25) a source beside the
    table must fall. The fit with its height free lands amid the stops at
    1.5 m, and a source that high need fall only 3.5 dB there
    (locate._slant_fall_db): in the room. The same flat fall from beyond a
    wall is not, nor one from the floor above: a source 2.2 m up fits best
    higher than a ceiling (locate.BEYOND_CEILING_M) and is asked the usual
    fall."""
    pts = np.array(list(ROOM.values()))
    lv = np.array(list(_from((2.25, 2.0), 1.5, -20.0).values()))
    e = in_room(pts, lv, lv, np.ones(lv.size, bool), int(np.argmax(lv)))
    assert 3.5 < e["fall_db"] < 20 * np.log10(2.25)
    assert e["high_fit_outside_hull_m"] <= 0.0 and e["in_room"]
    # a neighbour's device 1 m beyond the wall behind the desk, at its
    # height: as flat, but its fits land on its own side of the wall
    lv = np.array(list(_from((3.0, -1.0), 1.5, -14.0).values()))
    e = in_room(pts, lv, lv, np.ones(lv.size, bool), int(np.argmax(lv)))
    assert e["fall_db"] > 3.5 and e["high_fit_outside_hull_m"] > 0.0
    assert not e["in_room"]
    # upstairs, above the table: its ceiling-height fit lands amid the stops too
    lv = np.array(list(_from((2.25, 2.0), 2.2, -20.0).values()))
    e = in_room(pts, lv, lv, np.ones(lv.size, bool), int(np.argmax(lv)))
    assert 3.5 < e["fall_db"] and e["high_fit_outside_hull_m"] <= 0.0
    assert not e["in_room"]


def _fitted(cls: str, waypoint: str, level: float, xy, at_1m) -> dict:
    return {
        "class": cls,
        "waypoint": waypoint,
        "level_dbm": level,
        "confidence": 0.9,
        "position_m": list(xy) if xy is not None else None,
        "evidence": {} if at_1m is None else {"fit_at_1m_dbm": at_1m},
    }


def test_a_second_peak_the_louder_sources_fit_explains_is_the_same_device():
    """A lamp camera fitted at (1.5, 0.3), -20 dBm at 1 m: at the desk, 1.5 m
    from it, its fit reads -20 - 25 log10(1.5) = -24.4 dBm. A -26 dBm peak there
    is that camera again (fading made a second maximum), and so is a -19 dBm one
    (a fade lifts a level up to 6 dB over its mean); a -18 dBm one is a
    second device the first cannot make; another kind, or a louder finding with
    no fit, explains nothing."""
    lamp = _fitted("wifi_camera", "coat-hook", -12.0, (1.5, 0.3), -20.0)
    again = _fitted("wifi_camera", "desk", -26.0, None, None)
    faded_up = _fitted("wifi_camera", "desk", -19.0, None, None)
    second = _fitted("wifi_camera", "desk", -18.0, None, None)
    assert unexplained([again, lamp], ROOM) == [lamp]
    assert unexplained([faded_up, lamp], ROOM) == [lamp]
    assert unexplained([second, lamp], ROOM) == [lamp, second]  # loudest first
    unfitted = _fitted("wifi_camera", "coat-hook", -12.0, None, None)
    assert unexplained([unfitted, again], ROOM) == [unfitted, again]


def _regions(levels: dict[str, float]) -> dict[str, list[str]]:
    """Each stop's region (inroom.region) on a track reading `levels` along a
    row of stops 1.5 m apart (ROOM's door, coat hook, desk and window), each
    the next one's neighbour."""
    labels = list(levels)
    parts = [Stretch(i, label, 10.0 * i, 10.0 * i + 3.0) for i, label in enumerate(labels)]
    near = {i: [j for j in (i - 1, i + 1) if 0 <= j < len(labels)] for i in range(len(labels))}
    track = np.array([levels[label] for label in labels])
    return {label: inroom.region(track, parts, i, near, ROOM) for i, label in enumerate(labels)}


def test_a_weaker_finding_sharing_a_louder_ones_region_both_ways_is_the_same_device():
    """No fit to go by (too few stops near): a -16.1 dBm GSM finding at the
    coat hook and a -16.7 dBm one at the desk beside it, each stop in the
    other's region, are one source between the two stops. Where the desk
    reads more than 6 dB under the coat hook (-23 dBm: a second device's own
    stop, or the first one's fall), the desk is no part of the coat hook's
    region and both stay; so do two clipped levels (lower bounds say nothing
    of a distance), a level of its own heard beside the louder one
    (peaks.peaks_apart), another phase of the kind's frame, and two sources
    that the frame timing tells apart."""
    row = {"door": -30.0, "coat-hook": -16.1, "desk": -16.7, "window": -30.0}
    regions = _regions(row)
    assert regions["coat-hook"] == ["coat-hook", "desk"] and "coat-hook" in regions["desk"]

    def gsm(waypoint: str, level: float, regions: dict[str, list[str]], **extra) -> dict:
        made = {**_fitted("gsm", waypoint, level, None, None), "region": regions[waypoint]}
        made["evidence"].update(extra.pop("evidence", {}))
        return {**made, **extra}

    hook, desk = gsm("coat-hook", -16.1, regions), gsm("desk", -16.7, regions)
    assert unexplained([desk, hook], ROOM) == [hook]
    apart = _regions({**row, "desk": -23.0})
    assert "desk" not in apart["coat-hook"] and "coat-hook" in apart["desk"]
    lone, second = gsm("coat-hook", -16.1, apart), gsm("desk", -23.0, apart)
    assert unexplained([second, lone], ROOM) == [lone, second]
    clipped = gsm("coat-hook", -16.1, regions, level_is_lower_bound=True)
    assert unexplained([desk, clipped], ROOM) == [clipped, desk]
    heard = gsm("desk", -16.7, regions, evidence={"heard_apart": True})
    assert unexplained([heard, hook], ROOM) == [hook, heard]
    beside = gsm("coat-hook", -16.1, regions, evidence={"heard_apart": True})
    assert unexplained([desk, beside], ROOM) == [beside, desk]  # either one heard apart
    phase = gsm("desk", -16.7, regions, evidence={"own_frame_phase": True})
    assert unexplained([phase, hook], ROOM) == [hook, phase]
    # two sources by their frame timing (timing.one_device_groups): both stay;
    # one source, or no phase known for one of them: the region decides
    assert unexplained([desk, hook], ROOM, {id(hook): 1, id(desk): 2}) == [hook, desk]
    assert unexplained([desk, hook], ROOM, {id(hook): 1, id(desk): 1}) == [hook]
    assert unexplained([desk, hook], ROOM, {id(hook): 1}) == [hook]
    # one level, one source: the surer of the two is kept whichever comes first
    twin = {**gsm("desk", -16.1, regions), "confidence": 0.95}
    assert unexplained([hook, twin], ROOM) == [twin] == unexplained([twin, hook], ROOM)


def _claim(rssi: dict[str, float]) -> dict:
    """A camera access point as the Wi-Fi scan reports it (network.findings)."""
    loudest = max(rssi, key=rssi.__getitem__)
    return {
        "type": "wifi",
        "class": "camera_ap",
        "waypoint": loudest,
        "level_dbm": rssi[loudest],
        "evidence": {"rssi_by_waypoint": rssi, "score_parts": {"ssid": 0.8, "in_room": 0.2}},
    }


def _wifi_kinds(levels: dict[str, float]):
    parts, track, best_in = _track(levels, "wifi_ap")
    return parts, {"wifi_ap": (track, best_in, float(np.median(track)), [])}


def test_the_scans_camera_in_the_room_vouches_for_the_rf_level_at_its_stop():
    """A camera access point in a fitting above the table: its beacons, read by
    the device's own scan, fall 10 dB and more to the walls; the RF detector
    heard a Wi-Fi level at the table 3 dB under the beacons' RSSI, which the RF
    rules alone left out (below its kind's in-room level, no stop standing
    out). The scan's evidence makes it a finding at the table, with the
    beacons' fall as its in-room evidence."""
    rssi = _from((2.25, 2.0), 1.0, -24.0)
    parts, kinds = _wifi_kinds({"table": -27.0, "rug-left": -29.0, "door": -40.0})
    claim = _claim(rssi)
    (got,) = wifiscan.vouched_by_scan(kinds, parts, ROOM, [claim], [])
    cls, top, room, by = got
    assert (cls, parts[top.stretch].label, by) == ("wifi_ap", "table", claim)
    assert room["in_room"] and room["fall_db"] > 9


def test_the_scans_camera_with_no_rf_level_of_its_own_is_a_finding_from_the_scan():
    """The same camera whose RSSI is 20 dB over the only Wi-Fi level heard at
    its stop: that level is another transmitter, and the camera access point
    stands on the scan alone (kind wifi_ap, no component)."""
    parts, kinds = _wifi_kinds({"desk": -22.0, "table": -27.0})
    inside = _from((2.25, 2.0), 1.0, -4.0)  # -7 dBm at the table, the RF level -27
    (got,) = wifiscan.vouched_by_scan(kinds, parts, ROOM, [_claim(inside)], [])
    assert got[:2] == ("wifi_ap", None) and got[2]["in_room"]
    near = {i: [j for j in range(len(parts)) if j != i] for i in range(len(parts))}
    claim = _claim(inside)
    f = inroom.scan_finding("wifi_ap", inside, "table", 12.0, got[2], parts, near, "wifi", "x")
    assert (f["type"], f["class"], f["waypoint"], f["sources"]) == (
        "rf",
        "wifi_ap",
        "table",
        ["wifi"],
    )
    assert f["level_dbm"] == round(claim["level_dbm"], 1) and 0.5 < f["confidence"] < 1


def test_the_scan_vouches_for_nothing_beyond_the_walls_nor_what_a_finding_claims():
    """The same camera 1.5 m beyond the wall behind the desk: its beacons fit on
    their own side of the stops, so the scan does not put it in the room. One
    already reported as an RF Wi-Fi finding within 3 m is that finding's, for
    the network merge; but a second camera's access point beside it, further
    from that finding, keeps its own."""
    parts, kinds = _wifi_kinds({"desk": -22.0, "table": -27.0})
    # -22 dBm at 1 m: 18 dBm EIRP, under the 20 dBm a camera may radiate
    beyond = _from((3.0, -1.5), 0.0, -22.0)
    assert wifiscan.vouched_by_scan(kinds, parts, ROOM, [_claim(beyond)], []) == []
    rssi = _from((2.25, 2.0), 1.0, -24.0)
    found = [{"class": "wifi_camera", "waypoint": "rug-left", "level_dbm": -30.0}]
    assert wifiscan.vouched_by_scan(kinds, parts, ROOM, [_claim(rssi)], found) == []
    other = _claim(_from((4.5, 2.0), 0.5, -30.0))  # at the radiator, 3.5 m from rug-left
    near_it = _claim(_from((3.5, 2.0), 0.5, -30.0))  # at rug-right, 2.5 m from rug-left
    heard = [(c["waypoint"], c["level_dbm"]) for c in (near_it, other)]
    assert wifiscan.claimed(heard, found, ROOM) == {0: 0}
    heard = [(c["waypoint"], c["level_dbm"]) for c in (_claim(rssi), near_it)]
    assert wifiscan.claimed(heard, found, ROOM) == {0: 0}  # the nearer: the table's
    assert (wifiscan.vouched_by_scan(kinds, parts, ROOM, [_claim(rssi), other], found))[0][
        3
    ] is other


def test_a_camera_too_loud_for_any_beyond_the_walls_is_in_the_room_where_its_fit_fails():
    """A camera's access point on the ceiling 1.8 m above the table reads alike
    at every stop (5 dB of fall), so its fit flies off and the in-room test
    cannot place it; at -18.4 dBm at the table it is louder than any camera
    (20 dBm EIRP at most, ETSI EN 300 328) reads from 1 m beyond the stops
    (-20.1 dBm), so the scan vouches for it there, without a position, even
    with no in-room sign of the network scan's own; 2 dB quieter it does not."""
    parts, kinds = _wifi_kinds({"door": -50.0})
    loud = _claim(_from((2.25, 2.0), 1.8, -12.0))
    loud["evidence"]["score_parts"] = {"ssid": 0.8}
    assert loud["waypoint"] == "table" and -18.5 < loud["level_dbm"] < -18.3
    rssi = loud["evidence"]["rssi_by_waypoint"]
    assert wifiscan.placed_in_room(rssi, "table", ROOM, set(ROOM)) is None
    (got,) = wifiscan.vouched_by_scan(kinds, parts, ROOM, [loud], [])
    assert got[0] == "wifi_ap" and got[1] is None and got[3] is loud
    assert got[2]["in_room"] and got[2]["too_loud_for_outside"] and got[2]["fit_xy"] is None
    quieter = _claim(_from((2.25, 2.0), 1.8, -14.0))
    assert wifiscan.vouched_by_scan(kinds, parts, ROOM, [quieter], []) == []


def test_an_rf_wifi_finding_gains_the_stop_the_scan_hears_its_access_point_strongest_at():
    """The camera's access point above the table, claimed by the RF finding at
    rug-left (1.25 m away): the table, where its beacons read strongest, joins
    that finding's region, and its `why` says so; once, however often the
    claim is made."""
    parts, kinds = _wifi_kinds({"desk": -22.0, "table": -27.0})
    claim = _claim(_from((2.25, 2.0), 1.0, -24.0))
    assert claim["waypoint"] == "table"
    found = [
        {
            "class": "wifi_camera",
            "waypoint": "rug-left",
            "level_dbm": -30.0,
            "region": ["rug-left"],
            "why": "Wi-Fi camera streaming",
        }
    ]
    for _ in range(2):
        assert wifiscan.vouched_by_scan(kinds, parts, ROOM, [claim], found) == []
        assert found[0]["region"] == ["rug-left", "table"]
        assert found[0]["why"] == (
            "Wi-Fi camera streaming; the device's own scan heard it strongest at table"
        )


def test_a_second_camera_at_a_reported_ones_stop_stands_on_the_scan_alone():
    """Two cameras' access points strongest at the table, one RF Wi-Fi finding
    there made of the table's Wi-Fi level: the finding claims the access point
    closer to its level; the other is a device of its own, but that level is
    the first one's, so it stands on the scan alone (no component)."""
    parts, kinds = _wifi_kinds({"table": -27.0, "rug-left": -29.0, "door": -40.0})
    first = _claim(_from((2.25, 2.0), 1.0, -24.0))  # -24 dBm at the table
    second = _claim(_from((2.25, 2.0), 1.0, -16.0))  # -16 dBm at the table
    found = [{"class": "wifi_ap", "waypoint": "table", "level_dbm": -27.0}]
    assert wifiscan.in_findings({"wifi_ap": kinds["wifi_ap"][1]}, parts, found) == {
        ("wifi_ap", i, -27.0) for i, st in enumerate(parts) if st.label == "table"
    }
    (got,) = wifiscan.vouched_by_scan(kinds, parts, ROOM, [first, second], found)
    assert got[:2] == ("wifi_ap", None) and got[3] is second
    # without the finding, the first one vouched is made of that level, the second not
    (a, b) = wifiscan.vouched_by_scan(kinds, parts, ROOM, [first, second], [])
    assert (a[3], b[3]) == (first, second) and a[1] is not None and b[1] is None


DECT_BY_THE_DOOR = Path(__file__).parent / "data" / "dect_by_the_door.toml"


def test_a_peak_that_makes_no_finding_claims_no_stops_from_the_others():
    """A DECT bug between the door stops reads -10 dBm at both, so neither
    stands out; a shadow fade makes the air-conditioner stop, 2.3 m away and
    10 dB down, a peak of its own. That peak is the same bug's echo and makes
    no finding (it falls little across the room), so it must not take the
    far side of the room from the door stops' in-room test."""
    rf = [
        f
        for f in analyze(from_scenario(load_scenario(str(DECT_BY_THE_DOOR))))
        if f["type"] == "rf"
    ]
    dect = [f for f in rf if f["class"] == "dect"]
    assert len(dect) == 1, rf
    assert "door-side" in [dect[0]["waypoint"], *dect[0]["region"]]
    assert dect[0]["in_room_evidence"]["fall_across_room_db"] > 10


def test_an_rf_finding_whose_access_point_the_scan_hears_there_is_no_echo():
    """w1357-023: a GSM bug and a camera's access point both near -22 dBm at the
    TV. The access point's RF finding claims the beacons the scan places in the
    room, strongest at its own stop and at its level: the scan heard this very
    device, so the GSM finding at the same level does not drop it as an echo.
    Claimed from another stop, or beyond the walls, it gains nothing."""
    from roomsweep.analysis.echoes import drop_echoes

    parts, kinds = _wifi_kinds({"table": -27.0, "rug-left": -29.0, "door": -40.0})
    rssi = _from((2.25, 2.0), 1.0, -24.0)
    claim = _claim(rssi)
    assert claim["waypoint"] == "table"

    def wifi_ap(waypoint: str) -> dict:
        return {"class": "wifi_ap", "waypoint": waypoint, "level_dbm": -27.0, "evidence": {}}

    gsm = {"class": "gsm", "waypoint": "table", "level_dbm": -27.0, "evidence": {}}
    here = wifi_ap("table")
    assert wifiscan.vouched_by_scan(kinds, parts, ROOM, [claim], [here]) == []
    assert here["evidence"]["vouched_by_wifi_scan"]
    assert drop_echoes([gsm, here]) == [gsm, here]
    beside = wifi_ap("rug-left")  # claims it from the next stop: no word on its own
    wifiscan.vouched_by_scan(kinds, parts, ROOM, [claim], [beside])
    assert "vouched_by_wifi_scan" not in beside["evidence"]
    beyond = _claim(_from((3.0, -1.5), 0.0, -22.0))
    behind = wifi_ap(beyond["waypoint"])
    wifiscan.vouched_by_scan(kinds, parts, ROOM, [beyond], [behind])
    assert "vouched_by_wifi_scan" not in behind["evidence"]
    unvouched = wifi_ap("table")
    assert drop_echoes([gsm, unvouched]) == [gsm]


def test_a_finding_dropped_as_an_echo_claims_no_scanned_camera():
    """As in s2718-012 (there swept without a plan): a DECT bug at 0 dBm and a
    camera's setup access point (its beacons the loudest at the table) share
    the table; the detector's Wi-Fi pattern there reads -37 dBm, the DECT's
    bursts mixed with other traffic.
    That finding is dropped as an echo of the DECT (echoes.drop_echoes), so it
    stands for no device and must not take the scan's camera from it: the
    access point keeps a finding of its own. A finding the echo test keeps
    still claims it."""
    parts, kinds = _wifi_kinds({"table": -37.0, "rug-left": -45.0, "door": -50.0})
    rssi = _from((2.25, 2.0), 0.3, -4.0)
    dect = {"class": "dect", "waypoint": "table", "level_dbm": 0.0, "evidence": {}}
    echo = {"class": "wifi_camera", "waypoint": "table", "level_dbm": -37.0, "evidence": {}}
    (got,) = wifiscan.vouched_by_scan(kinds, parts, ROOM, [_claim(rssi)], [dect, echo])
    assert got[0] == "wifi_ap" and got[3]["waypoint"] == "table"
    alone = {"class": "wifi_camera", "waypoint": "table", "level_dbm": -37.0, "evidence": {}}
    assert wifiscan.vouched_by_scan(kinds, parts, ROOM, [_claim(rssi)], [alone]) == []
