"""Network radios on the host: frames, vendor registry, evidence, findings,
merging with RF, redaction, scenario radios and the evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.recording import Recording, WaypointMark
from roomsweep.cli import main
from roomsweep.errors import ScenarioError
from roomsweep.eval.fastpath import from_scenario
from roomsweep.eval.network_eval import network_only, score_network
from roomsweep.network.devices import build_devices
from roomsweep.network.findings import is_camera_claim, network_findings, score_device
from roomsweep.network.redact import redact_findings
from roomsweep.network.registry import lookup
from roomsweep.network.signatures import ble_verdict, camera_ssid, parse_adv
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import decode_all
from roomsweep.protocol.observations import BleSighting, WifiSighting
from roomsweep.protocol.records import BleAdv, WifiScan
from roomsweep.sim.generate import generate_scenarios
from roomsweep.sim.scenario import load_scenario

from .conftest import REAL_DATA
from .test_decide_wide import ROOM

IOT_MACS = REAL_DATA / "iot_sentinel" / "device_macs.tsv"
CAMERAS = {"D-LinkCam", "D-LinkDayCam", "EdimaxCam1", "EdimaxCam2", "EdnetCam1", "EdnetCam2"}
AIRTAG = bytes.fromhex("1eff4c001219102a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f0100")


# --- wire ---------------------------------------------------------------------------


def test_wifi_and_ble_frames_round_trip():
    aps = [
        (b"HDWiFiCam-3A2F10", b"\x54\x8c\x81\x3a\x2f\x10", 6, -41, 0, False),
        (b"", b"\x02\x00\x00\x00\x00\x01", 11, -90, 3, True),
    ]
    stream = P.encode_frame(
        P.T_WIFI_SCAN, 0, 2_000_000, P.encode_wifi_scan(400_000, 1_600_000, P.WIFI_ACTIVE, aps)
    )
    stream += P.encode_frame(
        P.T_BLE_ADV,
        1,
        3_000_000,
        P.encode_ble_adv(
            2_000_000, 1_000_000, 3, [(b"\xd2\x4f\x1a\x9c\x33\x07", 1, 3, -30, -33, 2, AIRTAG)]
        ),
    )
    (scan, adv), counters = decode_all(stream)
    assert counters.bad_payload == counters.unknown_type == 0
    assert isinstance(scan, WifiScan) and scan.active and not scan.failed
    assert scan.t_start_us == 400_000 and scan.duration_us == 1_600_000
    assert [
        (a.ssid, a.bssid, a.channel, a.rssi_dbm, a.authmode, a.hidden) for a in scan.access_points
    ] == [
        ("HDWiFiCam-3A2F10", "54:8c:81:3a:2f:10", 6, -41, 0, False),
        ("", "02:00:00:00:00:01", 11, -90, 3, True),
    ]
    assert isinstance(adv, BleAdv) and adv.lost == 3 and adv.span_us == 1_000_000
    (d,) = adv.advertisers
    assert (d.address, d.address_type, d.rssi_max_dbm, d.seen, d.adv_data) == (
        "d2:4f:1a:9c:33:07",
        1,
        -30,
        2,
        AIRTAG,
    )


def test_too_many_access_points_are_cut_and_flagged():
    aps = [(b"x" * 40, bytes(6), 1, -50, 3, False)] * 100
    payload = P.encode_wifi_scan(0, 1, 0, aps)
    assert len(payload) <= P.MAX_PAYLOAD
    (scan,), _ = decode_all(P.encode_frame(P.T_WIFI_SCAN, 0, 0, payload))
    assert scan.truncated and len(scan.access_points) == P.WIFI_SCAN_MAX_APS
    assert scan.access_points[0].ssid == "x" * 32


def test_a_lying_length_is_a_bad_payload_not_a_crash():
    payload = bytearray(P.encode_wifi_scan(0, 1, 0, [(b"abc", bytes(6), 1, -50, 3, False)]))
    payload[-4] = 200  # SSID length beyond the payload
    records, counters = decode_all(P.encode_frame(P.T_WIFI_SCAN, 0, 0, bytes(payload)))
    assert counters.bad_payload == 1 and type(records[0]).__name__ == "Unknown"


# --- registry and signatures -----------------------------------------------------------


def test_vendor_lookup_is_offline_and_skips_local_addresses():
    assert "Hikvision" in lookup("54:8C:81:00:00:01").vendor
    info = lookup("d2:4f:1a:9c:33:07", random_address=True)
    assert info.vendor is None and info.locally_administered
    assert lookup("06:11:22:33:44:55").vendor is None  # locally administered bit


@pytest.mark.skipif(not IOT_MACS.exists(), reason=f"real data absent: {IOT_MACS}")
def test_vendor_prefix_alone_never_makes_a_camera_on_real_macs():
    rows = [line.split("\t") for line in IOT_MACS.read_text().splitlines() if line.strip()]
    edimax = {name: lookup(mac.strip()).vendor for name, mac in rows if "Edimax" in name}
    assert len(set(edimax.values())) == 1  # the plugs share the cameras' vendor: a hard case
    for name, mac in rows:
        mac = mac.strip()
        # heard in the room, as an access point with a bland SSID and as a BLE advertiser
        wifi = build_devices(
            [WifiSighting(1.0, mac, name, 6, -35.0, 3, False)],
            [],
            [WaypointMark(0.5, "desk", "button")],
        )
        ble = build_devices(
            [],
            [BleSighting(1.0, mac, 0, -35.0, 3, b"\x02\x01\x06")],
            [WaypointMark(0.5, "desk", "button")],
        )
        for d in wifi + ble:
            s = score_device(d)
            assert s.category is None, (name, s.reasons)
        # the vendor is still reported as a reason, weak
        if name in CAMERAS and "D-Link" in name:
            assert "vendor" in score_device(wifi[0]).parts


def test_camera_ssids_and_tracker_payloads():
    for ssid in ("HDWiFiCam-8F2A", "IPC-12AB34", "Nax_210000211234", "dafang-a1b2c3"):
        assert camera_ssid(ssid) is not None, ssid
    for ssid in ("Hotel-Guest", "FRITZ!Box 7530 XY", "EdiPlug.Setup 49", "MyIPCam"):
        assert camera_ssid(ssid) is None, ssid
    assert ble_verdict(parse_adv(AIRTAG)).kind == "tracker"
    tile = bytes([2, 1, 6, 3, 3, 0xED, 0xFE])
    tag = bytes([2, 1, 6, 4, 0x16, 0x5A, 0xFD, 0x01])
    assert ble_verdict(parse_adv(tile)).kind == ble_verdict(parse_adv(tag)).kind == "tracker"
    # a Chipolo tag's offline-finding service data, 16-bit UUID 0xFE33 [AGD, SIG]
    chipolo = bytes([2, 1, 6, 3, 3, 0x33, 0xFE, 9, 0x16, 0x33, 0xFE, 1, 2, 3, 4, 5, 6, 7])
    assert ble_verdict(parse_adv(chipolo)).what == "Chipolo tracker"
    phone = bytes.fromhex("02011a0aff4c0010050318f0a1b2")
    assert ble_verdict(parse_adv(phone)).kind == "phone"
    assert ble_verdict(parse_adv(b"\x05\xff")).kind is None  # cut short: ignored


def test_an_access_point_named_as_a_camera_counts_at_a_lower_weight():
    # setup access points named for what they are, and the unit's id [NAM]
    for ssid in ("WIFICAM_1A2B3C", "Mini-Cam-F90A", "Hidden-Cam-8BBD", "IPCAM-004211", "CAM-1A2B"):
        pat = camera_ssid(ssid)
        assert pat is not None and pat.source == "NAM", ssid
        assert pat.weight < camera_ssid("HDWiFiCam-8F2A").weight
    # the word alone, or run on into a longer one, is no camera (a review's list)
    for ssid in (
        "Cam's iPhone",
        "CAM_HOME",
        "Cam_5G",
        "Vodafone-CAM9",
        "FRITZ!Box 7590 CAM",
        "UCAM",
        "Hôtel Camélia Guest",
        "Scam Likely",
        "Scam-ABCD",
        "Camera Club",
        "Cambridge_WiFi",
        "CAMDEN-HOTEL",
    ):
        assert camera_ssid(ssid) is None, ssid


# --- findings ---------------------------------------------------------------------------


def _rec(wifi=(), ble=(), marks=("door", "desk", "bed")):
    return Recording(
        rf_counts=np.zeros(0, np.uint16),
        fs=8000.0,
        marks=[WaypointMark(5.0 * i, m, "button") for i, m in enumerate(marks)],
        wifi=list(wifi),
        ble=list(ble),
    )


def test_camera_ap_is_found_at_its_strongest_waypoint_with_reasons():
    mac = "54:8c:81:3a:2f:10"
    rec = _rec(
        wifi=[
            WifiSighting(t, mac, "HDWiFiCam-3A2F10", 6, r, 0, False)
            for t, r in ((0.2, -60), (5.2, -31), (5.8, -33), (10.2, -58))
        ]
    )
    (f,) = network_findings(rec)
    assert (f["type"], f["class"], f["waypoint"]) == ("wifi", "camera_ap", "desk")
    assert f["confidence"] >= 0.9 and f["evidence"]["ssid"] == "HDWiFiCam-3A2F10"
    assert any("HDWiFiCam" in r for r in f["evidence"]["reasons"])
    assert any("Hikvision" in r for r in f["evidence"]["reasons"])
    assert f["evidence"]["rssi_by_waypoint"]["desk"] == -32.0


def test_a_scan_finding_says_where_by_the_stops_its_rssi_is_loudest_at():
    """A camera's access point and a Chipolo tag on the coat hook, by the wall:
    their scans read them 2.5 dB quieter at the door and 5 dB at the desk, each
    1.5 m away, and the in-room test leaves them unplaced (no RF finding takes
    them). Which of those stops is nearest is the fading's choice, so each
    finding's region holds the three, as an RF finding's does (inroom.region)."""
    levels = {"door": -53.5, "coat-hook": -51.0, "desk": -56.0, "window": -60.0}
    levels |= {"radiator": -63.0, "shelf": -64.0, "tv": -62.0, "bed": -60.5, "lamp": -61.0}
    levels |= {"wardrobe": -58.0, "table": -59.0, "rug-left": -58.5}
    chipolo = bytes([2, 1, 6, 3, 3, 0x33, 0xFE, 9, 0x16, 0x33, 0xFE, 1, 2, 3, 4, 5, 6, 7])
    marks = [WaypointMark(5.0 * i, w, "button") for i, w in enumerate(levels)]
    ble = [
        BleSighting(5.0 * i + 1.0, "da:f0:2a:61:e2:1a", 1, rssi, 2, chipolo)
        for i, rssi in enumerate(levels.values())
    ]
    wifi = [
        WifiSighting(5.0 * i + 2.0, "54:8c:81:3a:2f:10", "HDWiFiCam-3A2F10", 6, rssi, 0, False)
        for i, rssi in enumerate(levels.values())
    ]
    quiet = np.random.default_rng(1).integers(100, 120, 8000 * 5 * len(levels))
    rec = Recording(
        quiet.astype(np.uint16), 8000.0, marks=marks, waypoint_positions=ROOM, wifi=wifi, ble=ble
    )
    found = {(f["type"], f["class"]): f for f in analyze(rec)}
    assert set(found) == {("wifi", "camera_ap"), ("ble", "tracker")}
    for f in found.values():
        assert f["waypoint"] == "coat-hook" and f["region"] == ["coat-hook", "door", "desk"]


def test_merged_with_the_rf_camera_at_the_same_waypoint():
    findings = analyze(from_scenario(load_scenario("hotel-room")))
    cams = [f for f in findings if is_camera_claim(f)]
    assert len(cams) == 1, cams  # one finding carrying both kinds of evidence
    (cam,) = cams
    assert cam["type"] == "rf" and cam["class"] == "wifi_camera"
    assert cam["sources"] == ["rf", "wifi"] and cam["waypoint"] == "smoke-detector"
    assert cam["evidence"]["wifi"]["ssid"].startswith("HDWiFiCam")
    # the AirTag: a BLE transmitter by the scan (analysis/blescan.py), its tracker
    # finding folded into it
    tracker = next(f for f in findings if f["class"] == "ble")
    assert tracker["type"] == "rf" and tracker["waypoint"] == "bed-right"
    assert tracker["sources"] == ["ble"] and tracker["evidence"]["ble"]["score_parts"]["tracker"]
    # the hotel's open AP, the neighbour's, the Edimax plug, the phone, the beacon: not
    # (and the SD-card camera's lens: tests/test_lens.py)
    assert {f["class"] for f in findings} == {"wifi_camera", "gsm", "ble", "camera_lens"}
    json.dumps(findings)


def test_redact_hides_ssids_and_macs_everywhere():
    findings = analyze(from_scenario(load_scenario("hotel-room")))
    a = redact_findings(findings, salt="room214")
    text = json.dumps(a)
    assert "HDWiFiCam-3A2F10" not in text and "54:8c:81" not in text and "d2:4f:1a" not in text
    assert a == redact_findings(findings, salt="room214")  # stable for one salt
    assert a != redact_findings(findings, salt="other")
    assert a[0]["evidence"]["wifi"]["ssid"].startswith("ssid-")
    # the AirTag's payload carries its rotating key: a token, and nowhere in clear
    payload = next(f["evidence"]["ble"]["adv_data"] for f in findings if f["evidence"].get("ble"))
    assert len(payload) > 20 and payload not in text
    (tracker,) = [f for f in a if f["evidence"].get("ble")]
    assert tracker["evidence"]["ble"]["adv_data"].startswith("adv-")


def test_cli_analyze_redact(tmp_path, capsys, monkeypatch):
    from roomsweep import cli
    from roomsweep.analyst.caveats import Caveats

    monkeypatch.setattr(
        "roomsweep.cli.analyst.load_recording",
        lambda path, plan=None: (from_scenario(load_scenario("hotel-room")), Caveats()),
    )
    cap = tmp_path / "x.cap"
    cap.write_bytes(b"")
    assert main(["analyze", str(cap), "--json", "--redact", "--salt", "s"]) == 0
    out = capsys.readouterr().out
    assert "HDWiFiCam-3A2F10" not in out and "ssid-" in out
    assert cli.build_parser().parse_args(["analyze", "x", "--redact"]).redact


# --- scenarios --------------------------------------------------------------------------


def test_scenario_network_keys_are_checked(tmp_path):
    base = Path(load_scenario("hotel-room").source).read_text()
    bad = {
        'bssid = "54:8c:81:3a:2f:10"': 'bssid = "54:8c:81"',
        'authmode = "wpa2-psk"': 'authmode = "wpa9"',
        'kind = "tracker"': 'kind = "spy"',
    }
    for old, new in bad.items():
        p = tmp_path / "bad.toml"
        p.write_text(base.replace(old, new, 1))
        with pytest.raises(ScenarioError):
            load_scenario(p)


def test_rssi_follows_the_rf_channels_law():
    from roomsweep.sim.radios import mean_rssi_dbm
    from roomsweep.sim.signals import received_dbm

    sc = load_scenario("hotel-room")
    sc.shadowing_db = 0.0
    tracker = next(b for b in sc.ble_devices if b.kind == "tracker")
    t = sc.sweep[0].arrive_s + 1.0
    d = np.linalg.norm(sc.position_at(t) - np.asarray(tracker.position_m))
    assert mean_rssi_dbm(sc, tracker, t, 1) == pytest.approx(
        received_dbm(tracker.eirp_dbm, tracker.band_mhz, d, sc.exponent)
    )


def test_generated_scenarios_meet_the_network_targets(tmp_path):
    """Committed regression: every camera AP and tracker placed in the room is
    reported, no false camera flag, strongest waypoint right >= 90 %."""
    paths = generate_scenarios(31, 30, tmp_path)
    out = network_only(paths)
    assert out["devices_to_report"] >= 15
    assert out["recall"] == 1.0, [d for d in out["details"] if d["network"]["missed"]]
    assert out["false_camera_flags"] == 0
    assert out["waypoint_accuracy"] >= 0.9


def test_score_network_counts_false_camera_flags():
    sc = load_scenario("hotel-room")
    plug = next(a for a in sc.access_points if a.kind == "iot")
    fake = {
        "type": "wifi",
        "class": "camera_ap",
        "waypoint": "desk",
        "evidence": {"mac": plug.bssid},
    }
    r = score_network([fake], sc)
    assert r["false_camera"] == [{"mac": plug.bssid, "kind": "iot", "id": plug.id}]
    assert {m["id"] for m in r["missed"]} == {"smoke-detector-camera-ap", "bed-airtag"}


def test_a_router_beyond_the_wall_is_not_corroborated_by_the_rf_camera():
    """Seen in s2718-022: the corridor router is strongest at the waypoint of an RF
    camera finding, 49 dB weaker than the camera: not the same transmitter."""
    router = "38:10:d5:2f:ab:bc"
    rec = _rec(
        wifi=[
            WifiSighting(t, router, "Room582-Guest", 1, r, 7, False)
            for t, r in ((0.2, -56), (5.2, -45), (10.2, -53))
        ]
    )
    rf = [
        {
            "type": "rf",
            "class": "wifi_camera",
            "waypoint": "desk",
            "level_dbm": 4.0,
            "confidence": 0.9,
            "evidence": {},
            "why": "camera",
        }
    ]
    assert network_findings(rec, rf) == []
    camera = _rec(
        wifi=[
            WifiSighting(t, "02:11:22:33:44:55", "Room582-Guest", 1, r, 3, False)
            for t, r in ((0.2, -40), (5.2, 0), (10.2, -38))
        ]
    )
    (f,) = network_findings(camera, rf)  # a camera's own AP at the camera's level: yes
    assert f["class"] == "camera_ap" and "rf" in f["evidence"]["score_parts"]


def test_a_scan_region_counts_only_stops_the_scan_heard_on_its_own_scale():
    """RSSI below the detector's floor is still a reading, and a stop where the
    scan never heard the tag says nothing of it: the region is the stops
    around each visit of the strongest stop heard within 6 dB (no plan here,
    so the stops before and after each visit in the sweep)."""
    route = ["door", "coat-hook", "desk", "door", "wardrobe"]
    marks = [WaypointMark(5.0 * i, w, "button") for i, w in enumerate(route)]
    heard = {0: -80.0, 2: -90.0, 3: -70.0, 4: -74.0}  # by visit; the coat hook never
    ble = [
        BleSighting(5.0 * i + 1.0, "c3:d1:cb:75:7c:9c", 1, rssi, 2, AIRTAG)
        for i, rssi in heard.items()
    ]
    quiet = np.random.default_rng(2).integers(2395, 2405, 8000 * 5 * len(route))
    rec = Recording(quiet.astype(np.uint16), 8000.0, marks=marks, ble=ble)
    (tag,) = [f for f in analyze(rec) if f["class"] == "tracker"]
    assert tag["waypoint"] == "door" and tag["region"] == ["door", "wardrobe"]
    # heard only before the first mark: no waypoint, and an empty region
    rec.ble = [BleSighting(0.5, "c3:d1:cb:75:7c:9c", 1, -60.0, 2, AIRTAG)]
    rec.marks = [WaypointMark(2.0, "door", "button")]
    (tag,) = [f for f in analyze(rec) if f["class"] == "tracker"]
    assert tag["waypoint"] is None and tag["region"] == []
