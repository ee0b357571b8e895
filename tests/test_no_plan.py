"""A sweep without a plan (no waypoint positions, as a real sweep records
them): the scans' in-room test is the fall alone (locate.planless_in_room),
and an RF finding claims the scanned device strongest at its own waypoint or
in its region instead of within a distance."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.locate import IN_ROOM_FALL_DB
from roomsweep.analysis.wifiscan import claimed, placed_in_room, scan_in_room
from roomsweep.eval.evaluate import hidden_emitters, score_scenario
from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim.scenario import load_scenario

STOPS = ("door", "desk", "bed", "window", "wardrobe")


def test_a_scanned_device_without_positions_is_in_the_room_by_its_fall():
    tag = {"desk": -30.0, "door": -44.0, "bed": -47.0, "window": -52.0}
    room = scan_in_room(tag, "desk", {}, STOPS)
    assert room is not None and room["fit_xy"] is None
    assert room["fall_db"] == 17.0 and room["in_room"]
    assert placed_in_room(tag, "desk", {}, STOPS)["in_room"]
    # along the wall from next door: as loud at the stops either side
    beyond = {"desk": -50.0, "door": -53.0, "bed": -54.0, "window": -60.0}
    assert scan_in_room(beyond, "desk", {}, STOPS)["fall_db"] < IN_ROOM_FALL_DB
    assert placed_in_room(beyond, "desk", {}, STOPS) is None
    # heard at too few stops to show a fall; strongest at a stop not swept
    assert not scan_in_room({"desk": -30.0, "door": -50.0}, "desk", {}, STOPS)["in_room"]
    assert scan_in_room({"attic": -30.0, **beyond}, "attic", {}, STOPS) is None


def test_without_positions_a_finding_claims_the_device_at_its_own_stop_or_region():
    found = [{"waypoint": "desk", "region": ["desk", "bed"], "level_dbm": -31.0}]
    heard = [("window", -30.0), ("bed", -33.0), ("desk", -45.0)]
    assert claimed(heard, found, {}) == {2: 0}  # its own waypoint first
    assert claimed(heard[:2], found, {}) == {1: 0}  # else a stop of its region
    assert claimed(heard[:1], found, {}) == {}  # never one elsewhere


def test_a_bathroom_swept_without_a_plan_reports_the_scans_devices_once():
    """The committed bathroom s2718-012 swept with no plan: the tracker by
    the door and the camera's setup access point at the sink are placed by
    the fall of their adverts and beacons alone, and no scanned device is
    reported beside the RF finding that stands for it."""
    sc = load_scenario(str(Path(__file__).parent / "scenarios" / "s2718-012-bathroom.toml"))
    rec = from_scenario(sc)
    findings = analyze(dataclasses.replace(rec, waypoint_positions=None))
    rf = [f for f in findings if f["type"] == "rf"]
    r = score_scenario(rf, hidden_emitters(sc), rec)
    assert {m["truth"] for m in r["matches"]} == {t.id for t in hidden_emitters(sc)}
    assert not r["false"]
    made = [(f["class"], f["waypoint"]) for f in rf]
    assert len(made) == len(set(made))
    assert any(f.get("sources") == ["ble"] and f["waypoint"] == "door" for f in rf)
