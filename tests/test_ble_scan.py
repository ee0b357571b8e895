"""Issue 14, round 5: the device's own BLE scan as in-room evidence for BLE
advertisers (analysis/blescan.py), and the simulator's scan hearing what the RF
detector hears (every wide ble emitter advertises to the scan; wall loss on
the scan's path)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from roomsweep.analysis import blescan
from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.recording import Recording, WaypointMark
from roomsweep.analysis.wifiscan import placed_in_room, scan_cameras
from roomsweep.analyst.analysed import is_rf
from roomsweep.cli.output import format_findings
from roomsweep.errors import ScenarioError
from roomsweep.eval.evaluate import hidden_emitters, score_scenario
from roomsweep.eval.fastpath import from_scenario
from roomsweep.network.findings import merge_findings
from roomsweep.protocol.observations import BleSighting
from roomsweep.sim.generate import generate_scenarios
from roomsweep.sim.radios import mean_rssi_dbm
from roomsweep.sim.scenario import load_scenario
from roomsweep.sim.walls import path_wall_loss_db
from tests.test_analysis import FS
from tests.test_decide_wide import ROOM, _from, _track
from tests.test_in_room import class_track

AIRTAG = bytes.fromhex("1eff4c00121910" + "2a" * 22 + "0100")  # Find My, offline finding
GADGET = bytes.fromhex("02010603030f18")  # flags, battery service: names no kind


def _adv(
    levels: dict[str, float], payload: bytes = AIRTAG, positions: dict | None = None
) -> blescan.Advertiser:
    """An advertiser as blescan.advertisers makes it from the scan's sightings."""
    marks = [WaypointMark(10.0 * i, w, "button") for i, w in enumerate(levels)]
    sightings = [
        BleSighting(10.0 * i + 1.0, "c1:22:33:44:55:66", 1, level, 1, payload)
        for i, level in enumerate(levels.values())
    ]
    rec = Recording(
        np.zeros(8, dtype=np.uint16), FS, marks=marks, waypoint_positions=positions or ROOM
    )
    rec.ble = sightings
    (got,) = blescan.advertisers(rec)
    return got


def test_advertisers_read_each_stop_and_what_the_payload_says():
    levels = {"door": -60.0, "table": -31.0, "tv": -52.0}
    tag = _adv(levels)
    assert tag.levels == levels and tag.strongest == "table"
    assert tag.kind == "tracker" and "Find My" in (tag.what or "")
    assert tag.time_s == pytest.approx(11.0)
    assert _adv(levels, GADGET).kind is None


def test_a_tracker_the_scan_puts_in_the_room_is_reported_from_the_scan_alone():
    """An AirTag above the table, never heard by the RF detector as BLE (its
    three PDUs a second sit beneath the room's other traffic): its adverts fall
    10 dB and more to the walls and fit inside the stops, so it is a finding at
    the table from the scan alone, with the scan's fall as its in-room
    evidence; through the network merge its tracker finding joins it."""
    tag = _adv(_from((2.25, 2.0), 0.5, -40.0))
    parts, _, _ = _track({"door": -50.0})
    (got,) = blescan.vouched_by_ble_scan({}, parts, ROOM, [tag], [])
    adv, top, room = got
    assert adv is tag and top is None and room["in_room"] and room["fall_db"] > 9
    near = {i: [j for j in range(len(parts)) if j != i] for i in range(len(parts))}
    finding = blescan.scan_only_finding(adv, room, parts, near)
    assert (finding["type"], finding["class"], finding["waypoint"]) == ("rf", "ble", "table")
    assert finding["sources"] == ["ble"] and 0.5 < finding["confidence"] < 1.0
    finding["evidence"]["ble_scan"] = blescan.scan_evidence(adv)
    network = {
        "type": "ble",
        "class": "tracker",
        "waypoint": "table",
        "level_dbm": -31.0,
        "confidence": 0.85,
        "why": "BLE tracker",
        "evidence": {"mac": tag.address},
    }
    (merged,) = merge_findings([finding], [network], ROOM)
    assert merged["evidence"]["ble"]["mac"] == tag.address
    assert merged["confidence"] == finding["confidence"]  # the scan is not counted twice


def test_the_scan_vouches_for_no_tracker_beyond_the_walls_nor_a_gadget_the_detector_missed():
    parts, track, best_in = _track({"table": -33.0, "door": -50.0}, "ble")
    beyond = _adv(_from((3.0, -1.5), 0.0, -30.0))  # a neighbour's AirTag behind the desk
    assert blescan.vouched_by_ble_scan(best_in, parts, ROOM, [beyond], []) == []
    inside = _from((2.25, 2.0), 0.5, -40.0)
    gadget = _adv(inside, GADGET)
    # a gadget naming no kind, only heard by the scan: the room's own, as likely
    assert blescan.vouched_by_ble_scan({}, parts, ROOM, [gadget], []) == []
    # ... heard by the detector as BLE at its stop, at a like level: that level's
    (got,) = blescan.vouched_by_ble_scan(best_in, parts, ROOM, [gadget], [])
    assert got[1] is best_in[next(i for i, st in enumerate(parts) if st.label == "table")]
    # an RF ble finding within 3 m already stands for it; a second tracker beside
    # it, further from that finding, keeps its own
    found = [{"class": "ble", "waypoint": "rug-left", "level_dbm": -35.0}]
    assert blescan.vouched_by_ble_scan({}, parts, ROOM, [_adv(inside)], found) == []
    second = _adv(_from((4.5, 2.0), 0.5, -40.0))  # at the radiator
    (got,) = blescan.vouched_by_ble_scan({}, parts, ROOM, [_adv(inside), second], found)
    assert got[0] is second


def test_a_tag_too_loud_for_any_beyond_the_walls_is_in_the_room_where_its_fit_fails():
    """An AirTag on the ceiling 1.8 m above the table reads alike at every stop
    (5 dB of fall), so its fit flies 4 m off and the in-room test cannot place
    it; at -31.4 dBm at the table it is louder than any tag (+8 dBm at most)
    reads from 1 m beyond the stops (-32.1 dBm), so it is reported there all
    the same, without a position. The same tag 1 dB quieter is reported by the
    in-room test alone; a gadget whose payload names no tag is not."""
    parts, _, _ = _track({"door": -50.0})
    loud = _adv(_from((2.25, 2.0), 1.8, -25.0))
    assert loud.strongest == "table" and loud.levels["table"] == pytest.approx(-31.4, abs=0.05)
    assert placed_in_room(loud.levels, "table", ROOM, set(ROOM)) is None  # the fit fails
    (got,) = blescan.vouched_by_ble_scan({}, parts, ROOM, [loud], [])
    room = got[2]
    assert room["in_room"] and room["too_loud_for_outside"] and room["fit_xy"] is None
    near = {i: [j for j in range(len(parts)) if j != i] for i in range(len(parts))}
    finding = blescan.scan_only_finding(loud, room, parts, near)
    assert finding["waypoint"] == "table" and finding["position_m"] is None
    # 1 dB quieter it is no longer too loud for a tag beyond the walls; the
    # in-room test itself puts it in the room (its fit with the height free lands
    # among the stops), and a tracker's payload is reported at its strongest
    # stop however far the plane's fit flies (its position left out)
    quieter = _adv(_from((2.25, 2.0), 1.8, -26.0))
    (got,) = blescan.vouched_by_ble_scan({}, parts, ROOM, [quieter], [])
    room = got[2]
    assert room["in_room"] and not room.get("too_loud_for_outside") and room["fit_xy"] is None
    assert placed_in_room(quieter.levels, "table", ROOM, set(ROOM)) is None  # not an AP's
    gadget = _adv(_from((2.25, 2.0), 1.8, -25.0), GADGET)
    assert blescan.vouched_by_ble_scan({}, parts, ROOM, [gadget], []) == []


# Wide room w7722-031 (a living room, 4.5 x 5.9 m): its stops, and a Samsung
# SmartTag's mean RSSI at each as the device's scan heard it; the tag sits by the
# TV, loudest there
SMARTTAG_ROOM = {
    "door": (0.7, 0.31), "door-side": (1.25, 0.31), "open-floor": (2.73, 1.6),
    "tv-side": (4.21, 2.89), "tv": (4.21, 3.22), "coffee-table": (2.4, 3.21),
    "coffee-table-side": (1.93, 3.21), "window": (2.04, 5.68),
    "smart-speaker": (0.78, 5.6), "plant": (0.42, 5.61), "plant-side": (0.25, 5.36),
}  # fmt: skip
SMARTTAG_RSSI = {
    "door": -73.0, "door-side": -76.0, "open-floor": -65.0, "tv-side": -59.0, "tv": -56.0,
    "coffee-table": -65.5, "coffee-table-side": -67.0, "window": -72.0,
    "smart-speaker": -69.0, "plant": -74.0, "plant-side": -69.0,
}  # fmt: skip


def test_a_tracker_the_in_room_test_passes_is_reported_wherever_its_fit_lands():
    """The SmartTag falls 14.5 dB across the room and its fit lands within the
    in-room test's margin, 1.6 m from the TV stop (a tag's few adverts a stop,
    each faded, pull it off): a camera access point's beacons so placed are
    put away from that stop, a tracker's payload is reported at it. A payload
    naming nothing, heard by the scan alone, is not."""
    stops = set(SMARTTAG_ROOM)
    room = placed_in_room(SMARTTAG_RSSI, "tv", SMARTTAG_ROOM, stops)
    assert room is None  # the fit is too far from the TV stop for an access point
    room = placed_in_room(SMARTTAG_RSSI, "tv", SMARTTAG_ROOM, stops, fit_near_strongest=False)
    assert room is not None and room["in_room"] and room["fall_db"] > 10
    parts = class_track({"door": -50.0}, SMARTTAG_ROOM, "ble")[0]
    tag = _adv(SMARTTAG_RSSI, positions=SMARTTAG_ROOM)
    (got,) = blescan.vouched_by_ble_scan({}, parts, SMARTTAG_ROOM, [tag], [])
    assert got[0] is tag and got[1] is None and got[2]["in_room"]
    gadget = _adv(SMARTTAG_RSSI, GADGET, positions=SMARTTAG_ROOM)
    assert blescan.vouched_by_ble_scan({}, parts, SMARTTAG_ROOM, [gadget], []) == []


def test_the_hotel_rooms_airtag_is_a_ble_transmitter_at_the_bed():
    """Through the fast path and analyze: the bundled hotel room's AirTag under
    the bed (no RF emitter: the simulator draws no bursts for it) is reported
    as a BLE transmitter at bed-right, carrying the scan's and the network's
    evidence, once."""
    sc = load_scenario("hotel-room")
    findings = analyze(from_scenario(sc))
    ble = [f for f in findings if f["class"] in ("ble", "tracker")]
    assert len(ble) == 1, ble
    (tag,) = ble
    assert (tag["type"], tag["class"], tag["waypoint"]) == ("rf", "ble", "bed-right")
    assert tag["title"] == "BLE tracker advertising"
    assert tag["evidence"]["ble_scan"]["address"] == "d2:4f:1a:9c:33:07"
    assert tag["evidence"]["ble"]["mac"] == "d2:4f:1a:9c:33:07"
    # told as the scan's finding: no RF level on the detector's scale, no crash
    # on its position without a detector fit (`roomsweep analyze` text)
    assert not is_rf(tag) and tag["position_uncertainty_m"] is not None
    text = format_findings(findings, width=100, evidence=True)
    assert "Made from the device's own BLE scan alone" in text
    assert "Heard by the device's BLE scan as d2:4f:1a:9c:33:07: Apple Find My" in text
    truth = [t for t in hidden_emitters(sc) if t.id == "bed-airtag"]
    assert truth and truth[0].kind == "ble"
    scored = score_scenario([f for f in findings if f["type"] == "rf"], truth, from_scenario(sc))
    assert [m["truth"] for m in scored["matches"]] == ["bed-airtag"]


@pytest.fixture(scope="module")
def wide_rooms(tmp_path_factory):
    """Four wide rooms of seed 5: five ble emitters, four hidden, one upstairs."""
    return generate_scenarios(5, 4, tmp_path_factory.mktemp("wide"), optics=False, profile="wide")


def test_every_wide_ble_emitter_advertises_to_the_scan(wide_rooms):
    linked = 0
    for p in wide_rooms:
        sc = load_scenario(str(p))
        adverts = {b.emitter: b for b in sc.ble_devices if b.emitter is not None}
        for e in sc.emitters:
            if e.kind != "ble":
                continue
            b = adverts[e.id]
            assert b.position_m == e.position_m and b.eirp_dbm == e.eirp_dbm
            assert b.interval_ms == e.params["interval_ms"] and b.outside == e.outside
            assert e.hidden or not b.reportable  # a neighbour's tracker is not to report
            linked += 1
        # no tracker in the room that is not an RF emitter: the RF truth is whole
        assert not [b for b in sc.ble_devices if b.reportable and b.emitter is None]
    assert linked == 5


def test_the_scan_hears_a_device_beyond_a_wall_through_the_walls_loss(wide_rooms):
    """The upstairs neighbour's BLE gadget: through the concrete ceiling the
    scan's RSSI carries the same wall loss as the RF detector's path."""
    sc = load_scenario(str(wide_rooms[3]))
    (up,) = [b for b in sc.ble_devices if b.emitter == "ceiling-neighbour-ble"]
    t = np.array([1.0, 20.0])
    walled = mean_rssi_dbm(sc, up, t, 1)
    bare = mean_rssi_dbm(dataclasses.replace(sc, walls=None), up, t, 1)
    loss = path_wall_loss_db(sc.walls, sc.room_size_m, up.position_m, sc.position_at(t), 2440.0)
    assert np.all(loss > 3) and walled == pytest.approx(bare - loss)


@pytest.mark.parametrize(
    "old,new",
    [
        ('emitter = "ceiling-neighbour-ble"', 'emitter = "nobody"'),
        (
            'emitter = "ceiling-neighbour-ble"',
            'emitter = "ceiling-neighbour-ble"\ninterval_ms = 100',
        ),
        ('emitter = "armchair-ble-tracker"', 'emitter = "ceiling-neighbour-ble"\nloss_db = 3'),
    ],
)
def test_a_linked_advert_is_checked(wide_rooms, tmp_path, old, new):
    text = wide_rooms[3].read_text()
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ScenarioError, match="emitter"):
        load_scenario(str(bad))


def test_a_linked_advert_must_be_a_ble_emitters(wide_rooms, tmp_path):
    text = wide_rooms[3].read_text()
    other = next(e.id for e in load_scenario(str(wide_rooms[3])).emitters if e.kind != "ble")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('emitter = "armchair-ble-tracker"', f'emitter = "{other}"', 1))
    with pytest.raises(ScenarioError, match="not ble"):
        load_scenario(str(bad))


def test_a_scan_device_strongest_at_a_mark_without_samples_makes_no_finding():
    """A mark pressed as the samples end (no stretch of its own): the scan's
    readings after it name a stop the sweep has no samples at; the in-room
    test leaves such a device out rather than fail."""
    from roomsweep.analysis.wifiscan import scan_in_room

    levels = _from((2.25, 2.0), 0.5, -40.0)
    stops = [w for w in ROOM if w != "table"]
    assert scan_in_room(levels, "table", ROOM, stops) is None
    assert scan_in_room(levels, "table", ROOM, list(ROOM))["in_room"]


def test_the_baseline_silences_the_scans_devices_by_address():
    sc = load_scenario("hotel-room")
    rec = from_scenario(sc)
    assert scan_cameras(rec) and blescan.advertisers(rec)
    assert scan_cameras(rec, rec) == [] and blescan.advertisers(rec, rec) == []


def test_an_rf_ble_finding_gains_the_advertiser_it_claims(monkeypatch):
    """The detector's own ble finding at the table and an AirTag the scan
    hears strongest there: one device, so the finding carries the advert's
    evidence (the network merge joins the tracker to it) and no second
    finding is made."""
    from roomsweep.analysis import analyze as analyze_module

    tag = _adv(_from((2.25, 2.0), 0.5, -40.0))
    monkeypatch.setattr(analyze_module, "advertisers", lambda rec, baseline=None: [tag])
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=ROOM)
    parts, _, _ = _track({"door": -50.0})
    found = [{"class": "ble", "waypoint": "table", "level_dbm": -33.0, "evidence": {}}]
    assert analyze_module._ble_scan_findings(rec, None, parts, {}, {}, None, found) == []
    assert found[0]["evidence"]["ble_scan"]["address"] == tag.address


def test_an_rf_ble_finding_gains_the_stop_the_scan_hears_its_advertiser_strongest_at():
    """The detector's ble finding at rug-left, region rug-left and wardrobe, and
    the AirTag it claims, which the scan hears strongest at the table (1.25 m
    away, within the claim's 3 m): the table joins the finding's region, once;
    a finding whose region holds the table already is left as it is."""
    tag = _adv(_from((2.25, 2.0), 0.5, -40.0))
    assert tag.strongest == "table"
    parts, _, _ = _track({"door": -50.0})
    found = [
        {
            "class": "ble",
            "waypoint": "rug-left",
            "level_dbm": -38.0,
            "region": ["rug-left", "wardrobe"],
        }
    ]
    assert blescan.vouched_by_ble_scan({}, parts, ROOM, [tag], found) == []
    assert found[0]["region"] == ["rug-left", "wardrobe", "table"]
    assert found[0]["evidence"]["ble_scan"]["address"] == tag.address
    blescan.vouched_by_ble_scan({}, parts, ROOM, [tag], found)
    assert found[0]["region"] == ["rug-left", "wardrobe", "table"]


def test_a_faint_detector_reading_does_not_sink_a_tracker_the_scan_places(monkeypatch):
    """The detector heard BLE at the table only faintly, among louder traffic:
    its own finding there falls short of analyze.MIN_PROBABILITY. The AirTag
    the scan hears strongest there, falling across the room and fitting
    inside it, is reported all the same, from the scan; a gadget whose
    payload names no kind, which has only the faint reading to go on, is not."""
    from roomsweep.analysis import analyze as analyze_module

    parts, track, best_in = _track({"table": -44.0, "door": -50.0}, "ble")
    kind = (track, best_in, float(np.median(track)), list(best_in.values()))
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=ROOM)
    near = {i: [j for j in range(len(parts)) if j != i] for i in range(len(parts))}
    faint = {"class": "ble", "waypoint": "table", "title": "BLE", "confidence": 0.4}
    monkeypatch.setattr(analyze_module, "_vouched", lambda *a: dict(faint, evidence={}))
    inside = _from((2.25, 2.0), 0.5, -40.0)
    tag = _adv(inside)
    monkeypatch.setattr(analyze_module, "advertisers", lambda rec, baseline=None: [tag])
    (got,) = analyze_module._ble_scan_findings(rec, None, parts, {}, near, kind, [])
    assert (got["class"], got["waypoint"], got["sources"]) == ("ble", "table", ["ble"])
    assert got["confidence"] >= analyze_module.MIN_PROBABILITY
    assert got["evidence"]["ble_scan"]["address"] == tag.address
    gadget = _adv(inside, GADGET)
    monkeypatch.setattr(analyze_module, "advertisers", lambda rec, baseline=None: [gadget])
    assert analyze_module._ble_scan_findings(rec, None, parts, {}, near, kind, []) == []
    # a detector reading that stands is the finding, as before
    monkeypatch.setattr(
        analyze_module, "_vouched", lambda *a: dict(faint, confidence=0.7, evidence={})
    )
    monkeypatch.setattr(analyze_module, "advertisers", lambda rec, baseline=None: [tag])
    (got,) = analyze_module._ble_scan_findings(rec, None, parts, {}, near, kind, [])
    assert got["confidence"] == 0.7 and "sources" not in got
