"""What a capture's findings cannot speak for is said wherever they are shown:
an unfinished sweep (the live sweep's own verdict), a capture too short to clear
the room, a damaged one; and the analyst commands' one-line refusals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from roomsweep.analyst import plot
from roomsweep.analyst.analysed import analyse_capture, is_rf, summary_row
from roomsweep.analyst.evidence import as_text, describe
from roomsweep.cli import main
from roomsweep.link.capture import load

UNFINISHED = re.compile(
    r"sweep incomplete: 7 of 10 stops not visited \(desk, .*smoke-detector\)", re.IGNORECASE
)


def _prefix(src: Path, dst: Path, n: int) -> Path:
    dst.write_bytes(src.read_bytes()[:n])
    return dst


@pytest.fixture(scope="module")
def unfinished(hotel_capture, tmp_path_factory):
    """The hotel sweep's first 15 s: three of its ten stops (the traveler quit)."""
    return _prefix(hotel_capture, tmp_path_factory.mktemp("cav") / "quit.cap", 400_000)


@pytest.fixture(scope="module")
def blip(hotel_capture, tmp_path_factory):
    """The first 5000 bytes: one block of samples, 0.03 s."""
    return _prefix(hotel_capture, tmp_path_factory.mktemp("cav") / "blip.cap", 5000)


@pytest.fixture(scope="module")
def damaged(hotel_capture, tmp_path_factory):
    """The whole sweep with five stretches of 1500 bytes overwritten."""
    data = bytearray(hotel_capture.read_bytes())
    for k in range(5):
        at = 400_000 + k * 100_000
        data[at : at + 1500] = bytes((x * 7 + 13) & 255 for x in range(1500))
    out = tmp_path_factory.mktemp("cav") / "damaged.cap"
    out.write_bytes(bytes(data))
    return out


def test_an_unfinished_sweep_says_so_wherever_its_findings_are_shown(unfinished, tmp_path, capsys):
    assert main(["analyze", str(unfinished)]) == 0
    out = capsys.readouterr().out
    assert UNFINISHED.search(" ".join(out.split()))
    assert "the findings speak only for the 3 visited" in " ".join(out.split())
    assert main(["analyze", str(unfinished), "--json"]) == 0
    captured = capsys.readouterr()
    assert isinstance(json.loads(captured.out), list)  # the documented array, unchanged
    assert UNFINISHED.search(captured.err) and len(captured.err.splitlines()) >= 1
    report = tmp_path / "quit.html"
    assert main(["report", str(unfinished), "-o", str(report)]) == 0
    html = report.read_text()
    assert 'id="caveats"' in html and UNFINISHED.search(html)
    assert "No suspicious transmitter found.</p>" not in html  # not as good news
    row = summary_row(analyse_capture(unfinished))
    assert UNFINISHED.search(row["caveats"])


def test_the_finished_sweep_has_no_caveat(hotel_capture, capsys):
    assert main(["analyze", str(hotel_capture)]) == 0
    assert "caveat" not in capsys.readouterr().out
    assert summary_row(analyse_capture(hotel_capture))["caveats"] == ""


def test_a_capture_shorter_than_a_dwell_never_reads_as_a_clean_room(blip, tmp_path, capsys):
    assert main(["analyze", str(blip)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "capture too short to clear the room: 0.03 s of samples" in out
    assert "no suspicious" not in out and "found" not in out.replace("nothing found in", "")
    assert main(["analyze", str(blip), "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) == [] and "too short to clear the room" in captured.err
    report = tmp_path / "blip.html"
    assert main(["report", str(blip), "-o", str(report)]) == 1
    html = report.read_text()
    assert report.exists() and "too short to clear the room" in html  # written all the same
    assert "No suspicious transmitter found" not in html and "nothing suspicious" not in html
    an = analyse_capture(blip)
    assert "too short" in summary_row(an)["caveats"]
    fig = plot.timeline(an)  # says so on the figure, no legend for lines not drawn
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "too short to clear the room" in texts
    assert fig.axes[0].get_legend() is None


def test_a_damaged_capture_says_what_was_lost(damaged, capsys):
    counters = load(damaged).counters
    assert counters.crc_errors and counters.seq_gaps
    assert main(["analyze", str(damaged)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    said = re.search(
        r"capture damaged: (\d+) frames rejected .*, (\d+) frames missing \(sequence gaps\), "
        r"([\d,]+) bytes of garbage; about ([\d.]+) s of samples lost",
        out,
    )
    assert said, out[:400]
    assert int(said[1]) == counters.rejected + counters.bad_payload
    assert int(said[2]) == counters.seq_gaps
    assert int(said[3].replace(",", "")) == counters.garbage_bytes
    assert float(said[4]) > 0
    assert "1. " in out  # still analysed: what was received
    assert main(["analyze", str(damaged), "--json"]) == 0
    assert "capture damaged" in capsys.readouterr().err
    assert "capture damaged" in summary_row(analyse_capture(damaged))["caveats"]


def test_a_lens_plot_of_a_capture_without_photodiode_is_one_line(blip, tmp_path, capsys):
    assert main(["plot", str(blip), "-o", str(tmp_path / "x.png"), "--kind", "lens"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no photodiode channel" in err and str(blip) in err
    assert not (tmp_path / "x.png").exists()


def test_finding_without_kind_spectrum_is_a_usage_error(hotel_capture, tmp_path, capsys):
    out = tmp_path / "t.png"
    assert main(["plot", str(hotel_capture), "-o", str(out), "--finding", "gsm"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--finding is for --kind spectrum" in err
    assert not out.exists()


def test_the_timeline_keeps_scan_and_lens_findings_off_the_rf_axis(hotel_capture):
    hotel = analyse_capture(hotel_capture)
    tracker = {  # a BLE scan's finding: its level a radio's RSSI
        "type": "ble",
        "class": "tracker",
        "title": "BLE tracker advertising",
        "time_s": 30.0,
        "level_dbm": -27.7,
        "sources": ["ble"],
        "confidence": 0.9,
        "why": "a tracker",
    }
    an = type(hotel)(hotel.path, hotel.header, hotel.rec, hotel.findings + [tracker], hotel.stops)
    off = [r for r, f in enumerate(an.findings, 1) if not is_rf(f) and f.get("time_s")]
    assert len(off) >= 2, "the hotel sweep has a lens finding, and the tracker"
    fig = plot.timeline(an)
    ax, strip = fig.axes[0], fig.axes[1]
    on_rf_axis = " ".join(str(line.get_label()) for line in ax.get_lines())
    for rank in off:
        assert f"#{rank} " not in on_rf_axis  # no marker at a made-up dBm
        assert any(str(line.get_label()).startswith(f"#{rank} ") for line in strip.get_lines())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("dBm RSSI" in t and "top strip" in t for t in legend)  # the BLE scan's unit
    assert any("counts" in t and "top strip" in t for t in legend)  # the lens's
    assert any("not a level on the RF axis" in t.get_text() for t in strip.texts)


def test_in_room_evidence_reads_as_a_sentence():
    finding = {
        "class": "wifi_camera",
        "evidence": {"fit_at_1m_dbm": -27.7},
        "in_room_evidence": {
            "single_stop_peak": True,
            "in_room": True,
            "fall_across_room_db": 25.7,
            "fall_to_nearer_stops_db": None,  # as inroom.with_region writes it: not shown
            "outside_stops_hull_m": -1.5,
            "below_in_room_level_db": 0,
        },
    }
    text = " ".join(as_text(describe(finding)).split())
    assert (
        "Is it in this room? Yes: its level falls 25.7 dB across the room, its fitted "
        "position lies 1.5 m inside the area the stops cover and it stands out at one stop."
    ) in text
    assert "below in room level" not in text and "(dB) 0" not in text
    assert "nearer stops" not in text and "—" not in text
    finding["in_room_evidence"].update(fall_across_room_db=None, fall_to_nearer_stops_db=7.5)
    text = " ".join(as_text(describe(finding)).split())
    assert "Is it in this room? Yes: it falls 7.5 dB to the nearer stops, its fitted" in text
    finding["in_room_evidence"]["fall_across_room_db"] = 25.7
    assert "fit at 1m" not in text and "would read -27.7 dBm 1 m away" in text
    finding["in_room_evidence"].update(in_room=False, below_in_room_level_db=4.0)
    text = " ".join(as_text(describe(finding)).split())
    assert "Is it in this room? Perhaps not:" in text and "4.0 dB weaker" in text


def test_the_pause_between_appended_recordings_is_not_samples_lost(tmp_path):
    # two recordings of one device into one capture (record --append), its
    # clock 2 s on between them: a pause, not samples lost; a gap within a
    # recording still is
    import numpy as np

    from roomsweep.analysis.recording import from_capture
    from roomsweep.analyst.caveats import lost_seconds
    from roomsweep.link.capture import CaptureWriter
    from roomsweep.protocol import rsproto as P
    from roomsweep.protocol.encoding import samples_payload

    rate, block = 8000, 256
    span = int((block - 1) * 1e6 / rate)

    def blocks(seq0: int, t0_s: float, n: int) -> list[bytes]:
        out = []
        for b in range(n):
            t = int((t0_s + b * block / rate) * 1e6)
            s = np.full(block, 2500)
            payload = samples_payload(0, s, t, span, rate * 1000, 0)
            out.append(P.encode_frame(P.T_SAMPLES, seq0 + b, t, payload))
        return out

    out = tmp_path / "two.cap"
    first = blocks(0, 0.0, 40)
    lost_within = first[:20] + first[25:]  # 5 blocks (0.16 s) lost in the first recording
    for frames, append in ((lost_within, False), (blocks(200, 3.28, 40), True)):
        with CaptureWriter(out, {}, append=append) as w:
            w.write_host_time()
            w.write_frames(frames)
    rec = from_capture(out)
    assert sum(b - a for a, b in rec.scan_gaps) > 2.0  # the pause is in the clock
    assert lost_seconds(load(out), rec) == pytest.approx(5 * block / rate, abs=0.01)
