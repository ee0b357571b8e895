"""`roomsweep compare` and `roomsweep batch` (Dask), driven through main(argv)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from roomsweep.analyst.analysed import analyse_capture
from roomsweep.cli import main
from roomsweep.sim.scenario import bundled_scenarios


@pytest.fixture(scope="module")
def without_bug(tmp_path_factory) -> Path:
    """The hotel room again, the GSM bug behind the headboard taken away."""
    from roomsweep.sim.runner import simulate
    from roomsweep.sim.scenario import load_scenario

    assert "hotel-room" in bundled_scenarios()
    text = (
        Path(__file__).resolve().parent.parent
        / "host"
        / "roomsweep"
        / "scenarios"
        / "hotel-room.toml"
    ).read_text()
    text, n = re.subn(r'\[\[emitters\]\]\nid = "headboard-gsm-bug".*?\n\n', "", text, flags=re.S)
    assert n == 1
    text = text.replace('headboard-gsm-bug = "headboard"\n', "")
    d = tmp_path_factory.mktemp("rooms")
    (d / "hotel-room-clean.toml").write_text(text)
    out = d / "hotel-clean.cap"
    simulate(load_scenario(str(d / "hotel-room-clean.toml")), out)
    return out


@pytest.mark.slow
def test_compare_sees_the_bug_go_and_come(hotel_capture, without_bug, capsys):
    assert main(["compare", str(hotel_capture), str(without_bug), "--json"]) == 1  # changed
    d = json.loads(capsys.readouterr().out)
    assert [f["class"] for f in d["vanished"]] == ["gsm"]
    assert d["vanished"][0]["waypoint"] == "headboard"
    # whatever else the analyzer makes of the quieter room, no GSM bug appears
    assert "gsm" not in [f["class"] for f in d["new"]]
    still = [p["b"]["class"] for p in d["persisting"]]
    assert "wifi_camera" in still and "gsm" not in still
    assert "camera_lens" in still  # the SD-card camera's lens is still there
    moved = {w["waypoint"]: w for w in d["waypoints"] if w["moved"]}
    assert "headboard" in moved and moved["headboard"]["change_db"] <= -6
    assert "smoke-detector" not in moved and d["changed"]

    assert main(["compare", str(without_bug), str(hotel_capture)]) == 1
    text = capsys.readouterr().out
    assert re.search(r"^NEW\s+GSM .* near headboard", text, re.M), text
    assert re.search(r"^STILL\s+Wi-Fi camera", text, re.M)
    assert re.search(r"^headboard .* <- moved$", text, re.M)


def test_compare_a_sweep_with_itself_changes_nothing(hotel_capture, capsys):
    assert main(["compare", str(hotel_capture), str(hotel_capture), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert not d["changed"] and not d["new"] and not d["vanished"]
    assert len(d["persisting"]) == len(analyse_capture(hotel_capture).findings)
    for p in d["persisting"]:  # findings without a level in dBm (lens) have no change
        assert p["level_change_db"] == (0 if p["a"]["level_dbm"] is not None else None)


def test_compare_does_not_call_a_tracker_new_when_the_other_sweep_had_no_scans(
    hotel_capture, capsys
):
    from roomsweep.analyst.compare import compare, format_comparison, radio_scans

    b = analyse_capture(hotel_capture)
    tracker = {
        "type": "ble",
        "class": "tracker",
        "title": "BLE tracker",
        "waypoint": "bed-right",
        "level_dbm": -28.0,
        "confidence": 0.9,
        "time_s": 20.0,
    }
    b.findings = [*b.findings, tracker]
    a = analyse_capture(hotel_capture)
    a.rec.wifi, a.rec.ble, a.rec.radio_busy = [], [], []
    a.header = {**a.header, "settings": ""}
    assert "ble" not in radio_scans(a)
    d = compare(a, b)
    assert not d["new"] and not d["changed"]
    (nc,) = [f for f in d["not_comparable"] if f["class"] == "tracker"]
    assert nc["reason"] == "the earlier sweep had no radio scans (BLE)"
    text = format_comparison(d)
    assert "NEW" not in text and "NOT COMPARABLE  BLE tracker near bed-right" in text
    back = compare(b, a)  # the other way round: not vanished either
    assert not back["vanished"] and "later sweep had no radio scans" in str(back)


def test_a_finding_the_scan_made_alone_needs_that_scan_in_the_other_sweep(hotel_capture):
    # the device's BLE scan alone placed a tracker: an "rf" finding whose only
    # source is the scan, which a sweep without BLE scans could not have made
    from roomsweep.analyst.compare import compare

    b = analyse_capture(hotel_capture)
    alone = {
        "type": "rf",
        "class": "ble",
        "sources": ["ble"],
        "title": "BLE tracker advertising",
        "waypoint": "bed-right",
        "level_dbm": -27.7,
        "confidence": 0.98,
    }
    b.findings = [*b.findings, alone]
    a = analyse_capture(hotel_capture)
    a.rec.wifi, a.rec.ble, a.rec.radio_busy = [], [], []
    a.header = {**a.header, "settings": ""}
    back = compare(b, a)
    assert not [f for f in back["vanished"] if f["class"] == "ble"]
    (nc,) = [f for f in back["not_comparable"] if f["class"] == "ble"]
    assert nc["reason"] == "the later sweep had no radio scans (BLE)"


def test_a_finding_where_the_other_sweep_never_stopped_is_not_comparable(hotel_capture, capsys):
    # a sweep quit early: what the first sweep found at the stops it never
    # reached has not vanished, nothing was heard there
    from roomsweep.analyst.compare import compare, format_comparison

    a = analyse_capture(hotel_capture)
    b = analyse_capture(hotel_capture)
    gone = {f.get("waypoint") for f in a.findings if f.get("waypoint")}
    assert gone
    b.stops = [s for s in b.stops if s["waypoint"] not in gone]
    b.findings = []
    d = compare(a, b)
    assert not d["vanished"] and len(d["not_comparable"]) == len(a.findings)
    assert all("the later sweep did not stop at" in f["reason"] for f in d["not_comparable"])
    assert "VANISHED" not in format_comparison(d)


def test_a_stop_where_the_kind_was_drowned_is_no_place_the_finding_vanished_from(hotel_capture):
    # a region's stop where the first sweep did not hear the finding's kind
    # beneath louder traffic (evidence.region_not_heard): a later sweep that
    # stopped only there could not have heard it either
    from roomsweep.analyst.compare import compare

    for drowned in (True, False):
        a = analyse_capture(hotel_capture)
        b = analyse_capture(hotel_capture)
        f = next(f for f in a.findings if f.get("type") == "rf" and f.get("waypoint"))
        places = {f["waypoint"], *(f.get("region") or [])}
        other = next(s["waypoint"] for s in a.stops if s["waypoint"] not in places)
        f["region"] = [f["waypoint"], other]
        f["evidence"]["region_not_heard"] = [other] if drowned else []
        b.stops = [s for s in b.stops if s["waypoint"] == other]
        b.findings = []
        d = compare(a, b)
        gone = [v for v in d["vanished"] if v["waypoint"] == f["waypoint"]]
        skipped = [n for n in d["not_comparable"] if n["waypoint"] == f["waypoint"]]
        assert (not gone and len(skipped) >= 1) if drowned else gone, drowned


@pytest.fixture(scope="module")
def capture_dir(hotel_capture, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("captures")
    shutil.copy(hotel_capture, d / "room-101.cap")
    shutil.copy(hotel_capture, d / "room-102.cap")
    (d / "room-103.cap").write_bytes(b"\x00garbage, not a capture" * 50)
    (d / "room-104.cap").write_bytes(hotel_capture.read_bytes()[:3000])  # cut off early
    (d / "notes.txt").write_text("not a capture, ignored")
    return d


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_batch_on_local_processes_reports_failures_per_file(capture_dir, tmp_path, capsys):
    out = tmp_path / "summary.csv"
    code = main(["batch", str(capture_dir), "--out", str(out), "--workers", "2"])
    captured = capsys.readouterr()
    assert code == 1  # some captures failed; the summary is complete all the same
    rows = _rows(out)
    assert [Path(r["capture"]).name for r in rows] == [
        "room-101.cap",
        "room-102.cap",
        "room-103.cap",
        "room-104.cap",
    ]
    good, bad = rows[:2], rows[2:]
    expected = analyse_capture(capture_dir / "room-101.cap")  # the same analysis, in-process
    for r in good:
        assert r["error"] == "" and r["findings"] == str(len(expected.findings))
        assert {"gsm", "wifi_camera"} <= set(r["classes"].split(";"))
        assert r["top_class"] == expected.findings[0]["class"]
        assert r["top_waypoint"] == expected.findings[0]["waypoint"]
    assert "not a roomsweep capture" in bad[0]["error"]
    assert "no RF samples" in bad[1]["error"]
    assert "4 captures, 2 failed" in captured.out
    errors = [line for line in captured.err.splitlines() if line.startswith("roomsweep:")]
    assert len(errors) == 2 and all("room-10" in line for line in errors)


@pytest.mark.slow
def test_batch_on_an_existing_scheduler(capture_dir, tmp_path, capsys):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        protocol="tcp",
        host="127.0.0.1",
    ) as cluster:
        out = tmp_path / "summary.csv"
        main(
            [
                "batch",
                str(capture_dir),
                "--out",
                str(out),
                "--json",
                "--scheduler",
                cluster.scheduler_address,
            ]
        )
        d = json.loads(capsys.readouterr().out)
    assert d["captures"] == 4 and d["failed"] == 2
    n = str(len(analyse_capture(capture_dir / "room-101.cap").findings))
    assert [r["findings"] for r in _rows(out)] == [n, n, "", ""]


def test_batch_user_mistakes(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "none"), "--out", str(tmp_path / "s.csv")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "s.csv")]) == 2
    assert "no captures" in capsys.readouterr().err
