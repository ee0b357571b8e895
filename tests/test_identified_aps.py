"""Access points whose own beacons say what they are (network.identified): the
building's network, a printer, a TV. An RF access-point finding that is one of
them is left out, and the caveats say so; a camera's access point is not."""

from __future__ import annotations

from dataclasses import astuple

import numpy as np

from roomsweep.analysis.recording import Recording, WaypointMark
from roomsweep.analyst.caveats import Caveats, identified_text
from roomsweep.network.devices import build_devices
from roomsweep.network.findings import add_network_findings, network_findings
from roomsweep.network.identified import explained, identify
from roomsweep.protocol.observations import WifiSighting

STOPS = ("door", "desk", "bed")
POSITIONS = {"door": (0.5, 0.5), "desk": (3.0, 0.5), "bed": (3.0, 4.0)}


def _heard(mac: str, ssid: str, at: dict[str, float], authmode: int = 3) -> list[WifiSighting]:
    """One access point's sightings: RSSI `at` each stop (a reading 0.2 s and
    0.8 s after its mark, 1 dB apart)."""
    out = []
    for i, stop in enumerate(STOPS):
        if stop in at:
            for dt, dr in ((0.2, 0.5), (0.8, -0.5)):
                out.append(
                    WifiSighting(5.0 * i + dt, mac, ssid, 6, at[stop] + dr, authmode, False)
                )
    return out


def _rec(*aps: list[WifiSighting]) -> Recording:
    return Recording(
        rf_counts=np.zeros(0, np.uint16),
        fs=8000.0,
        marks=[WaypointMark(5.0 * i, m, "button") for i, m in enumerate(STOPS)],
        wifi=[s for ap in aps for s in ap],
        ble=[],
        waypoint_positions=POSITIONS,
    )


LOUD_AT_DESK = {"door": -50.0, "desk": -22.0, "bed": -48.0}
# a hotel's access point: three networks from one radio (Cisco Systems: a maker
# of cameras too, so its prefix alone names nothing)
HOTEL = [
    _heard(f"00:1b:d4:12:34:5{k}", name, LOUD_AT_DESK)
    for k, name in enumerate(("Marriott_Bonvoy", "Marriott_Conference", ""))
]


def _named(*aps: list[WifiSighting]) -> list[str]:
    return [k.what for k in identify(build_devices(_rec(*aps).wifi, [], _rec().marks))]


def test_what_the_beacons_say():
    assert _named(*HOTEL) == ["a building's access point (2 networks from one radio)"]
    aruba = _heard("00:0b:86:aa:bb:cc", "Guests", LOUD_AT_DESK)
    assert _named(aruba) == [
        "a network access point (made by Aruba, a Hewlett Packard Enterprise Company)"
    ]
    for ssid in ("DIRECT-4B-HP OfficeJet Pro 9010", "DIRECT-xy-BRAVIA", "[TV] Samsung Q60"):
        assert _named(_heard("02:11:22:33:44:55", ssid, LOUD_AT_DESK)) == [
            "a printer's or TV's Wi-Fi Direct"
        ]
    # a name anyone can give a camera's network says nothing
    for ssid in ("Hotel_Guest", "Room582-Guest", "eduroam", "Staff"):
        assert _named(_heard("02:11:22:33:44:56", ssid, LOUD_AT_DESK)) == [], ssid
    # what says nothing of the sort: a camera's setup network (a camera maker's
    # prefix), a home router of a maker of cameras too, a phone's hotspot, a
    # phone's Wi-Fi Direct
    for mac, ssid in (
        ("54:8c:81:3a:2f:10", "HDWiFiCam-3A2F10"),
        ("a0:40:a0:e3:81:24", "NETGEAR39"),
        ("50:c7:bf:11:22:33", "TP-Link_6734"),
        ("02:aa:bb:cc:dd:ee", "Guestroom camera"),
        ("02:aa:bb:cc:dd:ef", "DIRECT-ab-Android_1234"),
        ("02:aa:bb:cc:dd:f0", "DIRECT-a1-LG V30"),
    ):
        assert _named(_heard(mac, ssid, LOUD_AT_DESK)) == [], ssid
    # an address or a name that is a camera's: a printer's name on an Espressif
    # module, an infrastructure maker's name with a camera's network beside it
    assert _named(_heard("24:0a:c4:12:34:56", "DIRECT-5x-HP LaserJet", LOUD_AT_DESK)) == []
    sham = _heard("00:0b:86:aa:bb:cd", "IPC-4411", LOUD_AT_DESK)
    assert _named(aruba, sham) == []
    # one radio is one place: two networks of one batch's prefix, each
    # strongest at its own stop, are two radios (two cameras from one batch
    # are not a building's access point), however alike the other stops
    apart = _heard("02:11:22:33:44:70", "cam-a", {"door": -50.0, "desk": -22.0, "bed": -40.0})
    other = _heard("02:11:22:33:44:71", "cam-b", {"door": -50.0, "desk": -40.0, "bed": -22.0})
    assert _named(apart, other) == []
    # ... while one radio's networks read a few dB apart stop by stop
    alike = _heard("02:11:22:33:44:71", "cam-b", {"door": -55.0, "desk": -25.0, "bed": -44.0})
    assert _named(apart, alike) == ["a building's access point (2 networks from one radio)"]
    # a hidden network beside a camera's own is no building's either
    hidden_too = _heard("54:8c:81:3a:2f:11", "", LOUD_AT_DESK)
    assert _named(_heard("54:8c:81:3a:2f:10", "HDWiFiCam-3A2F10", LOUD_AT_DESK), hidden_too) == []


def _rf(level: float = -20.0, cls: str = "wifi_ap", **extra) -> dict:
    return {
        "type": "rf",
        "class": cls,
        "waypoint": "desk",
        "level_dbm": level,
        "confidence": 0.9,
        "evidence": {},
        "why": "beacons",
        **extra,
    }


def _explained(rf: list[dict], *aps: list[WifiSighting]) -> dict:
    rec = _rec(*aps)
    devices = build_devices(rec.wifi, [], rec.marks)
    return explained(rf, devices, identify(devices), POSITIONS)


def test_an_rf_access_point_that_is_the_hotels_is_left_out_and_said():
    rec = _rec(*HOTEL)
    camera = {**_rf(level=-30.0, cls="wifi_camera"), "waypoint": "bed"}
    kept = add_network_findings([_rf(), camera], rec)
    assert [f["class"] for f in kept] == ["wifi_camera"]
    said = identified_text(rec)
    assert said is not None and "2 networks from one radio" in said and "desk" in said
    assert "Marriott" not in said  # names are personal data: --redact does not reach here
    notes = Caveats(identified=said)
    assert notes.lines() == [said] and notes.as_dict()["identified"] == said


def test_only_where_it_is_the_one_access_point_strongest_there_at_a_like_level():
    assert _explained([_rf()], *HOTEL)
    assert not _explained([_rf(level=-31.0)], *HOTEL)  # 9 dB off: another transmitter
    assert not _explained([{**_rf(), "waypoint": "bed"}], *HOTEL)  # strongest elsewhere
    # its stop 1.5 m or less from the finding's is the finding's place; further, not
    near = {**POSITIONS, "bed": (3.0, 1.9)}
    rec = _rec(*HOTEL)
    devices = build_devices(rec.wifi, [], rec.marks)
    moved = [{**_rf(), "waypoint": "bed"}]
    assert explained(moved, devices, identify(devices), near)
    assert not explained(moved, devices, identify(devices), POSITIONS)
    # a camera's access point at that stop at the finding's level: it may be
    # the source, the finding stays; the hotel's own finding, nearer the
    # hotel's level, still goes
    camera = _heard("24:0a:c4:3a:2f:10", "ESP_3A2F10", {"door": -60.0, "desk": -35.0})
    found = _explained([_rf(level=-22.0), _rf(level=-34.0)], *HOTEL, camera)
    assert list(found) == [0]
    # one access point is one finding: the nearest to its level
    assert list(_explained([_rf(level=-25.0), _rf(level=-21.0)], *HOTEL)) == [1]
    # a finding a camera's own access point joined (network merge) stays
    assert not _explained([_rf(evidence={"wifi": {"ssid": "IPC-4411"}})], *HOTEL)
    # ... and one a camera's stream was heard with (echoes.one_radio): a camera
    # within 3 dB of the hotel's access point stays a finding
    assert not _explained([_rf(evidence={"stream_too": True})], *HOTEL)
    # an access point heard weaker than FLOOR_DBM takes nothing away, and is
    # not in the caveat
    weak = _heard("00:0b:86:aa:bb:cc", "x", {"door": -60.0, "desk": -50.0, "bed": -60.0})
    assert not _explained([_rf(level=-48.0)], weak)
    assert identified_text(_rec(weak)) is None
    assert identified_text(_rec(_heard("00:0b:86:aa:bb:cc", "x", {"desk": -44.0})))
    # without marks no finding and no access point has a stop: nothing is matched
    unmarked = [WifiSighting(s.time_s + 100.0, *astuple(s)[1:]) for ap in HOTEL for s in ap]
    rec = _rec(unmarked)
    devices = build_devices(rec.wifi, [], rec.marks)
    assert all(d.strongest_waypoint is None for d in devices)
    assert explained([{**_rf(), "waypoint": None}], devices, identify(devices), POSITIONS) == {}


def test_an_identified_access_point_is_not_taken_for_a_camera_by_an_rf_camera_finding():
    """An RF camera finding at an access point's stop at its level makes that
    access point a camera (network.findings); not the building's, whose own
    traffic the finding may have heard."""
    camera_rf = [{**_rf(level=-20.0, cls="wifi_camera")}]
    assert network_findings(_rec(*HOTEL), camera_rf) == []
    plain = _heard("02:11:22:33:44:99", "Room582-Guest", LOUD_AT_DESK)
    (f,) = network_findings(_rec(plain), camera_rf)
    assert f["class"] == "camera_ap" and "rf" in f["evidence"]["score_parts"]


def test_read_at_the_findings_stop_at_its_level_the_finding_is_that_access_point():
    """The scan reads an access point once or twice a stop and the detector
    its loudest beacon: a fade moves either one's loudest stop a few metres
    (outsider round 6c, room 36: a FRITZ!Box strongest by the scan at one stop,
    by the detector 3 m away). At the finding's own stop both read the same
    beacons: there at the finding's level, with no other access point there
    at that level, the finding is that access point."""
    fritz = _heard(
        "3c:a6:2f:80:be:2a", "FRITZ!Box 7590 AB", {"door": -45, "desk": -25, "bed": -29}
    )
    at_bed = [{**_rf(level=-27.0), "waypoint": "bed"}]  # 3.5 m from the desk
    assert list(_explained(at_bed, fritz)) == [0]
    # read there 9 dB off the finding's level: another transmitter
    assert not _explained([{**_rf(level=-38.0), "waypoint": "bed"}], fritz)
    # not heard at that stop at all: nothing to compare there
    far = _heard("3c:a6:2f:80:be:2b", "FRITZ!Box 7590 CD", {"door": -45, "desk": -25})
    assert not _explained(at_bed, far)
    # another access point the scan reads there at that level may be the
    # source, wherever it is strongest
    plain = _heard("02:11:22:33:44:99", "Room582-Guest", {"desk": -24.0, "bed": -31.0})
    assert not _explained(at_bed, fritz, plain)
    # ... and one that reads there far under it is not
    faint = _heard("02:11:22:33:44:98", "Room582-Guest", {"desk": -60.0, "bed": -50.0})
    assert list(_explained(at_bed, fritz, faint)) == [0]
    # a reading at the finding's stop under FLOOR_DBM places nothing there
    # (network.findings' "heard in the room"), however near the level
    weak_here = _heard("3c:a6:2f:80:be:2c", "FRITZ!Box 7590 EF", {"desk": -40, "bed": -50})
    assert not _explained([{**_rf(level=-48.0), "waypoint": "bed"}], weak_here)


def test_a_camera_finding_on_an_identified_access_points_beacons_is_its_traffic():
    """A busy access point's data frames beside its own beacon train read as a
    camera that is its own access point (classifiers.named): beside the
    beacons of an access point that says it is the building's, they are its
    clients' traffic (outsider round 7, rooms 43 and 48: a FRITZ!Box's and a
    Meraki's traffic reported as cameras). Not where the beacons were read
    faintly (a camera's own frames landing near the beacon grid), nor a
    camera finding the scan merged a camera's access point into."""
    fritz = _heard("3c:a6:2f:80:be:2a", "FRITZ!Box 7590 AB", LOUD_AT_DESK)
    beacons = {"scores": {"wifi_camera": 1.0, "wifi_ap": 0.75, "gsm": 0.0}}
    busy = [_rf(level=-21.0, cls="wifi_camera", evidence=beacons)]
    assert list(_explained(busy, fritz)) == [0]
    faint = {"scores": {"wifi_camera": 1.0, "wifi_ap": 0.48, "gsm": 0.0}}
    assert not _explained([_rf(level=-21.0, cls="wifi_camera", evidence=faint)], fritz)
    no_beacons = {"scores": {"wifi_camera": 1.0, "gsm": 0.0, "dect": 0.0}}
    assert not _explained([_rf(level=-21.0, cls="wifi_camera", evidence=no_beacons)], fritz)
    merged = {**beacons, "wifi": {"mac": "3c:a6:2f:80:be:2a"}}
    assert not _explained([_rf(level=-21.0, cls="wifi_camera", evidence=merged)], fritz)
    assert not _explained([_rf(level=-21.0, cls="ble", evidence=beacons)], fritz)


def test_an_identified_access_points_traffic_at_each_stop_it_was_read_at_is_its_own():
    """A busy access point's traffic makes a level at every stop near it, as
    its beacons do (outsider round 7, room 48: a Meraki's at three stops):
    each finding where the scan read it at the finding's level is that
    access point; one where it read 9 dB off is not."""
    meraki = [
        _heard(f"00:18:0a:c0:a4:b{k}", name, {"door": -35.0, "desk": -20.0, "bed": -26.0})
        for k, name in enumerate(("CorpNet", "Corp-Guest"))
    ]
    beacons = {"scores": {"wifi_camera": 1.0, "wifi_ap": 0.75}}
    at_desk = _rf(level=-19.0, cls="wifi_camera", evidence=beacons)
    at_bed = {**_rf(level=-25.0, cls="wifi_camera", evidence=beacons), "waypoint": "bed"}
    off = {**_rf(level=-44.0, cls="wifi_camera", evidence=beacons), "waypoint": "door"}
    assert sorted(_explained([at_desk, at_bed, off], *meraki)) == [0, 1]
