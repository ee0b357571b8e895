"""One clock in every output (issue 16): a waypoint's time is the same in
`roomsweep info`, `analyze`, the report and the CSV export, on a capture whose
Wi-Fi scans paused the samples (where the device clock and the samples' count
part ways); and `analyze` words its evidence as the report does."""

from __future__ import annotations

import csv
import json
import re

import pytest

from roomsweep.cli import main

GAP_S = 1.0  # a Wi-Fi scan pauses the samples for about 1.6 s (roomsweep.sim.radios)


@pytest.fixture(scope="module")
def radio_capture(tmp_path_factory):
    """24 s of the hotel room through the firmware with its Wi-Fi and BLE scans on."""
    from roomsweep.sim.radios import RADIO_SETTINGS
    from roomsweep.sim.runner import simulate
    from roomsweep.sim.scenario import load_scenario

    out = tmp_path_factory.mktemp("radios") / "radios.cap"
    simulate(load_scenario("hotel-room"), out, seconds=24, settings=RADIO_SETTINGS)
    return out


def _run(capsys, *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_a_waypoint_has_one_time_in_info_analyze_report_and_csv(radio_capture, tmp_path, capsys):
    cap = str(radio_capture)
    info = json.loads(_run(capsys, "info", cap, "--json"))
    gaps = info["scan_gaps"]
    assert gaps and all(b - a > GAP_S for a, b in gaps)  # the scans paused the samples
    marks = {m["waypoint"]: m["time_s"] for m in info["marks"]}
    assert list(marks)[:3] == ["door", "bathroom-door", "wardrobe"]
    # by the last mark the device clock runs ahead of the samples by the gaps
    assert info["duration_s"] - info["sampled_s"] > 2 * GAP_S
    # ... and not on the device's uptime: the first sample is its zero
    assert min(marks.values()) < info["marks"][0]["device_time_s"]

    text = _run(capsys, "info", cap)
    for name, t in marks.items():
        assert re.search(rf"#\d+ {re.escape(name)} at {t:.3f} s \(button\)", text), (name, text)

    report = json.loads(_run(capsys, "report", cap, "-o", str(tmp_path / "r.html"), "--json"))
    stops = {s["waypoint"]: s for s in report["stops"] if s["waypoint"]}
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    for name, t in marks.items():
        assert stops[name]["start_s"] == pytest.approx(t, abs=1e-3)
        assert f'<td>{name}</td><td class="num">{t:.1f}</td>' in html

    _run(capsys, "export", cap, "--format", "csv", "-o", str(tmp_path / "s.csv"))
    first: dict[str, float] = {}
    with open(tmp_path / "s.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["waypoint"] and row["waypoint"] not in first:
                first[row["waypoint"]] = float(row["time_s"])
    for name, t in marks.items():
        in_gap = any(a < t < b for a, b in gaps)
        assert not in_gap  # the device scans after a press, so none falls in a gap
        # within the millisecond info prints (the recording steps 1/fs, fs the
        # median rate; the CSV has each sample's own time: they differ by µs)
        assert first[name] == pytest.approx(t, abs=1e-3), name

    findings = json.loads(_run(capsys, "analyze", cap, "--json"))
    ends = sorted(marks.values()) + [info["duration_s"]]
    assert findings
    for fd in findings:  # each found in the dwell of the waypoint it names
        if fd.get("waypoint") in marks:
            start = marks[fd["waypoint"]]
            end = next(e for e in ends if e > start)
            assert start <= fd["time_s"] <= end, fd
    text = _run(capsys, "analyze", cap)
    for rank, fd in enumerate(findings, 1):
        head = f"{rank}. {fd['title']} near {fd['waypoint'] or ''}"
        assert head in " ".join(text.split()), head
        if fd["type"] == "lens":
            assert f"glint at {fd['time_s']:.1f} s" in text


def test_analyze_words_the_evidence_as_the_report_does(radio_capture, capsys, monkeypatch):
    from roomsweep.analysis.analyze import analyze
    from roomsweep.analysis.recording import from_capture
    from roomsweep.analyst.analysed import with_level_bounds
    from roomsweep.analyst.evidence import as_text, describe

    monkeypatch.setenv("COLUMNS", "80")
    text = _run(capsys, "analyze", str(radio_capture))
    rec = from_capture(radio_capture)
    findings = analyze(rec)  # in the analyzer's key order
    assert findings and "Signal strength at each waypoint" in text
    for fd in findings:  # every sentence and table row of the report, in words
        for line in as_text(describe(fd), indent="").split("\n"):
            assert " ".join(line.split()) in " ".join(text.split()), line
    for raw in ("rssi_by_waypoint", "True", "False", "['", "{'", "score_parts"):
        assert raw not in text, raw
    for line in text.split("\n"):  # 80 columns, but a word too long for any line
        assert len(line) <= 80 or max(len(w) for w in line.split()) > 40, line
    # the JSON stays the analyzer's own data, each RF level flagged a lower
    # bound or not (a saturated one then the ceiling, as the text says it)
    data = json.loads(_run(capsys, "analyze", str(radio_capture), "--json"))
    flagged = with_level_bounds(findings, rec.ceiling_dbm)
    assert data == json.loads(json.dumps(flagged, default=str))
    assert all(isinstance(f["level_is_lower_bound"], bool) for f in data if f["type"] == "rf")


def test_monitor_times_are_the_captures():
    """The monitor's clock: seconds from the first RF sample, frames before it
    held and shown with negative times; without samples, from the first frame."""
    import numpy as np

    from roomsweep.link.monitor import TimeBase, as_json, describe
    from roomsweep.protocol import rsproto as P
    from roomsweep.protocol.records import Ack, Samples

    base = TimeBase()
    ack = Ack(P.T_ACK, 1, 5_000_000, cmd_seq=1, cmd_type=P.T_CMD_START, text="")
    rf = Samples(
        P.T_SAMPLES,
        2,
        5_040_000,
        channel=P.CH_RF,
        rate_hz=8000.0,
        t_first_us=5_008_000,
        span_us=31875,
        samples=np.zeros(256, np.uint16),
    )
    assert base.take(ack) == []  # held: no time base yet
    assert base.take(rf) == [ack, rf] and base.t0_us == 5_008_000
    assert describe(ack, base.t0_us).lstrip().startswith("-0.008000 ACK")
    assert as_json(rf, base.t0_us)["time_s"] == pytest.approx(0.032)
    assert "first RF sample" in base.note

    idle = TimeBase()
    assert idle.take(ack) == [] and idle.flush(held_for_s=0.1) == []
    assert idle.flush(held_for_s=5.0) == [ack] and idle.t0_us == 5_000_000
    assert "not streaming" in idle.note


def test_compare_says_a_saturated_level_is_a_lower_bound():
    from roomsweep.analyst.compare import format_comparison

    gsm = {"type": "rf", "class": "gsm", "title": "GSM bug", "waypoint": "headboard"}
    d = {
        "a": "a.cap",
        "b": "b.cap",
        "ceiling_dbm": {"a": -3.0, "b": -3.0},
        "new": [],
        "vanished": [],
        "persisting": [
            {
                "a": {**gsm, "level_dbm": -0.0},
                "b": {**gsm, "level_dbm": -1.0},
                "level_change_db": -1.0,
            }
        ],
        "not_comparable": [],
        "waypoints": [
            {
                "waypoint": "headboard",
                "a_dbm": -0.0,
                "b_dbm": -1.0,
                "change_db": -1.0,
                "moved": False,
            },
            {"waypoint": "desk", "a_dbm": -30.0, "b_dbm": -2.0, "change_db": 28.0, "moved": True},
        ],
        "waypoints_only_in_a": [],
        "waypoints_only_in_b": [],
        "changed": True,
    }
    text = format_comparison(d, width=80)
    assert "-0.0" not in text and "+0.0" not in text and "-1.0 dBm" not in text
    assert "near headboard at ≥ -3 dBm (saturated) (change not known)" in " ".join(text.split())
    rows = {line.split()[0]: line.split()[1:] for line in text.split("\n") if line[:1].islower()}
    assert rows["headboard"] == ["≥-3.0", "≥-3.0", "?"]
    assert rows["desk"][:2] == ["-30.0", "≥-3.0"] and "moved" in " ".join(rows["desk"])
    assert "lower bound" in text and max(len(x) for x in text.split("\n")) <= 80


def test_redact_covers_the_report_and_the_exports_too(radio_capture, tmp_path, capsys):
    # the report "can be mailed": with --redact it names no network, address or
    # advertising payload the findings hold in clear
    cap = str(radio_capture)
    clear = json.loads(_run(capsys, "analyze", cap, "--json"))
    secrets: set[str] = set()

    def collect(obj, key=None):
        if isinstance(obj, dict):
            for k, v in obj.items():
                collect(v, k)
        elif isinstance(obj, list):
            for v in obj:
                collect(v, key)
        elif (
            isinstance(obj, str) and obj and key in ("ssid", "mac", "bssid", "address", "adv_data")
        ):
            secrets.add(obj)

    collect(clear)
    assert secrets  # the radios heard someone
    report = tmp_path / "r.html"
    _run(capsys, "report", cap, "-o", str(report), "--redact", "--salt", "s")
    jsonl = tmp_path / "f.jsonl"
    _run(capsys, "export", cap, "--format", "jsonl", "-o", str(jsonl), "--redact")
    for path in (report, jsonl):
        text = path.read_text().lower()
        assert not [s for s in secrets if s.lower() in text], path
    capsys.readouterr()
    assert main(["report", cap, "-o", str(tmp_path / "x.html"), "--salt", "s"]) == 2
    assert "--salt is for --redact" in capsys.readouterr().err
