"""`roomsweep export`: SigMF (checked by the sigmf package's own validator), CSV, JSONL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from roomsweep.analyst import progress
from roomsweep.analyst.analysed import analyse_capture
from roomsweep.analyst.export import segments
from roomsweep.cli import main
from roomsweep.link.capture import load

SIGMF_VALIDATE = Path(sys.executable).parent / "sigmf_validate"


@pytest.fixture(scope="module")
def hotel(hotel_capture):
    return analyse_capture(hotel_capture)


@pytest.fixture(scope="module")
def sigmf_export(hotel_capture, tmp_path_factory):
    base = tmp_path_factory.mktemp("sigmf") / "room214"
    assert main(["export", str(hotel_capture), "--format", "sigmf", "-o", str(base)]) == 0
    return base


def test_sigmf_passes_the_sigmf_validator(sigmf_export):
    metas = sorted(sigmf_export.parent.glob("*.sigmf-meta"))
    assert [m.name for m in metas] == ["room214-photodiode.sigmf-meta", "room214-rf.sigmf-meta"]
    run = subprocess.run(
        [str(SIGMF_VALIDATE), "-v", *map(str, metas)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "Validated all 2 files OK" in run.stderr
    # and in-process, with the namespace check as an error (roomsweep: is declared)
    import sigmf

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for m in metas:
            sigmf.fromfile(str(m)).validate()  # also checks the data file's SHA-512
        coll = sigmf.sigmffile.fromfile(str(sigmf_export) + ".sigmf-collection")
    assert coll.get_stream_names() == ["room214-rf", "room214-photodiode"]


def test_sigmf_holds_the_samples_and_the_findings(sigmf_export, hotel, hotel_capture):
    import sigmf

    cap = load(hotel_capture)
    for ch, name in ((0, "rf"), (1, "photodiode")):
        data = np.fromfile(f"{sigmf_export}-{name}.sigmf-data", dtype="<u2")
        assert np.array_equal(data, cap.channel(ch)[0])
    rf = sigmf.fromfile(f"{sigmf_export}-rf.sigmf-meta")
    assert rf.get_global_field("core:datatype") == "ru16_le"
    assert rf.get_global_field("core:sample_rate") == pytest.approx(hotel.rec.fs)
    assert rf.get_global_field("roomsweep:calibration")["rf_slope_mv_per_db"] == -25.0
    notes = rf.get_annotations()
    found = [a["roomsweep:finding"] for a in notes if "roomsweep:finding" in a]
    not_lens = [f for f in hotel.findings if f.get("type") != "lens"]
    assert found == sorted(not_lens, key=lambda f: f["time_s"])
    # lens findings annotate the photodiode channel
    pd_notes = sigmf.fromfile(f"{sigmf_export}-photodiode.sigmf-meta").get_annotations()
    lenses = [a["roomsweep:finding"] for a in pd_notes if "roomsweep:finding" in a]
    assert lenses and all(f["type"] == "lens" for f in lenses)
    for a in notes:
        if "roomsweep:finding" in a:
            t = _sample_index(hotel.rec, a["roomsweep:finding"]["time_s"])
            assert a["core:sample_start"] <= t <= a["core:sample_start"] + a["core:sample_count"]
    stops = [a["roomsweep:waypoint"] for a in notes if "roomsweep:waypoint" in a]
    assert stops == [s["waypoint"] for s in hotel.stops if s["waypoint"]]
    assert rf.get_captures()[0]["core:datetime"].endswith("Z")


def test_segments_start_at_gaps_in_the_device_clock():
    t = np.r_[np.arange(100) * 125, 60_000_000 + np.arange(50) * 125]
    assert segments(t, 8000.0) == [0, 100]
    assert segments(np.arange(10) * 125, 8000.0) == [0]


def _sample_index(rec, t_device_s: float) -> float:
    """The sample at device time `t_device_s` (findings and stops are on device
    time; a Wi-Fi scan pauses the samples)."""
    to_samples = getattr(rec, "sample_time", None)
    return float(to_samples(t_device_s) if to_samples else t_device_s) * rec.fs


def test_csv_one_row_per_sample(hotel_capture, hotel, tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["export", str(hotel_capture), "--format", "csv", "-o", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == hotel.rec.rf_counts.size
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == hotel.rec.rf_counts.size
    dbm = hotel.rec.rf_dbm()
    for i in (0, 12345, len(rows) - 1):
        assert int(rows[i]["rf_counts"]) == hotel.rec.rf_counts[i]
        assert float(rows[i]["rf_dbm"]) == pytest.approx(dbm[i], abs=0.006)
    stop = hotel.stops[3]
    mid = int(_sample_index(hotel.rec, (stop["start_s"] + stop["end_s"]) / 2))
    assert rows[mid]["waypoint"] == stop["waypoint"]
    assert rows[mid]["photodiode_counts"].isdigit()


def test_jsonl_one_finding_per_line_to_stdout(hotel_capture, hotel, capsys):
    assert main(["export", str(hotel_capture), "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(hotel.findings)
    for line, finding in zip(lines, hotel.findings):
        obj = json.loads(line)
        assert obj["time"].endswith("Z") and obj["model"] == finding["title"]
        assert {k: obj[k] for k in finding} == finding


def test_export_to_a_missing_directory_is_one_line(hotel_capture, tmp_path, capsys):
    code = main(
        ["export", str(hotel_capture), "--format", "sigmf", "-o", str(tmp_path / "nowhere" / "x")]
    )
    err = capsys.readouterr().err
    assert code == 2 and "no such directory" in err and len(err.strip().splitlines()) == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    tty = _Terminal()
    with progress.stages(["load", "analyze"], "report", file=tty) as step:
        step("load")
        step("analyze")
    assert "report:" in tty.getvalue() and "/2 [" in tty.getvalue()
    pipe = io.StringIO()
    with progress.bar(10, "export", file=pipe) as b:
        b.update(10)
    assert pipe.getvalue() == ""


def test_cli_choices_match_the_modules_and_stay_light():
    import subprocess

    from roomsweep.analyst import export, plot
    from roomsweep.cli import commands

    assert commands.PLOT_KINDS == plot.KINDS
    assert commands.EXPORT_FORMATS == export.FORMATS
    # building the parser (every command does) must pull in neither matplotlib nor
    # scipy nor the simulator: a command's code is imported when it runs
    code = (
        "import sys; from roomsweep.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('matplotlib', 'scipy', 'roomsweep.sim', "
        "'roomsweep.analysis') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.strip() == "[]", run.stderr


def test_csv_to_a_terminal_refuses_unless_asked(hotel_capture, tmp_path, capsys, monkeypatch):
    """A row per sample would flood the terminal: -o FILE, or -o - on purpose."""
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(["export", str(hotel_capture), "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert "-o -" in err and len(err.strip().splitlines()) == 1
    assert main(["export", str(hotel_capture), "--format", "jsonl"]) == 0  # a line per finding
    capsys.readouterr()
