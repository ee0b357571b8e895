"""QA round 43's reproducers: each user mistake one line and the README's exit code
(2 a usage mistake, 1 the work failed, 130 interrupted), checked before any work
or prompt, never a traceback."""

from __future__ import annotations

import _thread
import functools
import io
import json
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
import serial

from roomsweep.cli import main
from roomsweep.errors import CalibrationFileError, CaptureFormatError, UsageError
from roomsweep.eval.evaluate import stderr_progress
from roomsweep.link import capture as C
from roomsweep.link.outputs import check_output_path
from roomsweep.protocol.calibration import Calibration
from roomsweep.tools.calibrate import run_calibration

from .fakedevice import FakeDevice
from .test_hardening import _frames, _one_line, _raw_capture

UNWRITABLE = Path("/proc")  # a directory no one, root included, creates files in


@pytest.fixture
def small(tmp_path) -> Path:
    return _raw_capture(tmp_path / "in.cap", {"notes": "x"}, _frames(2.0))


# --- calibrate: port and output checked before the first prompt ----------------------


@pytest.mark.parametrize("port", ["/dev/nonexistent", "socket://127.0.0.1:1", "loop://"])
def test_calibrate_checks_the_port_before_asking_for_the_bench(
    port, monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n" * 100))  # Enter at every prompt
    assert main(["calibrate", "--port", port, "--out", str(tmp_path / "c.json")]) == 1
    out, err = capsys.readouterr()
    assert "Press Enter" not in out
    assert err.startswith("roomsweep: error:") and err.count("\n") == 1, err


def test_calibrate_says_one_line_when_standard_input_ends(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal, no answers
    out = tmp_path / "c.json"
    with FakeDevice() as dev:
        assert main(["calibrate", "--port", dev.port, "--out", str(out)]) == 2
    _one_line(capsys, "standard input ended")
    assert not out.exists()


def test_calibrate_opens_the_port_once(monkeypatch, tmp_path, capsys):
    """The port checked before the first prompt is the one every capture uses."""
    opens: list[str] = []
    serial_for_url = serial.serial_for_url

    def counting(url, *args, **kwargs):
        opens.append(url)
        return serial_for_url(url, *args, **kwargs)

    monkeypatch.setattr(serial, "serial_for_url", counting)
    short = functools.partial(
        run_calibration, bands_mhz=(900.0,), levels_dbm=(-50.0, -20.0), seconds=0.2
    )
    monkeypatch.setattr("roomsweep.cli.calibration.run_calibration", short)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n" * 100))
    with FakeDevice() as dev:
        # the impostor's samples are one level whatever the generator: the fit fails
        main(["calibrate", "--port", dev.port, "--out", str(tmp_path / "c.json")])
    out, err = capsys.readouterr()
    assert out.count("Press Enter") == 3, (out, err)  # the dark and the two levels
    assert "need at least two levels" in err
    assert opens == [dev.port]


def test_calibrate_refuses_an_unwritable_output_before_the_work(monkeypatch, capsys):
    def work(*args, **kwargs):
        raise AssertionError("the calibration ran")

    monkeypatch.setattr("roomsweep.cli.calibration.run_calibration", work)
    assert main(["calibrate", "--sim", "--out", str(UNWRITABLE / "cal.json")]) == 2
    _one_line(capsys, "cannot write the calibration file")


def test_a_calibration_file_that_cannot_be_written_is_a_typed_error():
    with pytest.raises(CalibrationFileError, match="cannot write the calibration file"):
        Calibration().save(UNWRITABLE / "cal.json")


# --- the LED groups of a capture's header ----------------------------------------------


@pytest.mark.parametrize(
    "header, field",
    [
        ({"device": {"leds": [{"hz": 0}]}}, "leds[0].hz"),
        ({"device": {"rate_hz": 8000, "leds": [{"hz": 1175}, {"hz": 4000}]}}, "leds[1].hz"),
        ({"device": {"leds": [{"duty_permille": 500}]}}, "leds[0].hz"),
        ({"device": {"leds": [{"hz": 1175}]}, "settings": "led0_hz=-5"}, "led0_hz"),
        ({"device": {"leds": [{"hz": 1175}]}, "settings": "rate=2000"}, "leds[0].hz"),
        # a key given twice, the later not a number: the analysis takes the earlier
        ({"device": {"leds": [{"hz": 1175}]}, "settings": "led0_hz=5000 led0_hz=x"}, "led0_hz"),
        # a group's hz that is not a number: the analysis takes INFO's, at this rate
        ({"device": {"leds": [{"hz": 1175}]}, "settings": "led0_hz=x rate=2000"}, "leds[0].hz"),
    ],
)
def test_an_led_frequency_the_lock_in_cannot_use_is_a_damaged_header(
    header, field, tmp_path, capsys
):
    cap = _raw_capture(tmp_path / "leds.cap", header, _frames(1.0))
    with pytest.raises(CaptureFormatError, match=field.replace("[", r"\[")):
        C.read_header(cap)
    assert main(["analyze", str(cap)]) == 1
    _one_line(capsys, field)


def test_led_frequencies_inside_the_range_are_read(tmp_path):
    header = {"device": {"rate_hz": 8000, "leds": [{"hz": 1175}, {"hz": 3999}]}}
    cap = _raw_capture(tmp_path / "ok.cap", {**header, "settings": "led0_hz=2000"}, _frames(1.0))
    assert C.read_header(cap)[0]["device"]["leds"][1]["hz"] == 3999


# --- exit codes and messages ------------------------------------------------------------


def test_outputs_that_cannot_be_written_are_usage_mistakes_before_the_work(small, capsys):
    with pytest.raises(UsageError, match="cannot write the summary"):
        check_output_path(UNWRITABLE / "s.csv", what="summary")
    csv = str(UNWRITABLE / "a.csv")
    assert main(["export", str(small), "--format", "csv", "-o", csv]) == 2
    _one_line(capsys, "cannot write the csv export")
    cap = str(UNWRITABLE / "x.cap")
    assert main(["sim", "hotel-room", "--seconds", "1", "--out", cap]) == 2
    _one_line(capsys, "cannot write the capture")


def test_scenarios_generate_says_one_line_in_the_common_style(tmp_path, capsys):
    file = tmp_path / "hotel-room.cap"
    file.write_text("")
    argv = ["scenarios", "generate", "--seed", "7", "--count", "2", "--out"]
    assert main([*argv, str(file)]) == 2
    _one_line(capsys, "is not a directory")
    assert main([*argv, str(UNWRITABLE / "rooms")]) == 2
    err = _one_line(capsys, "cannot write the scenarios")
    assert "Errno" not in err


def test_a_file_the_user_wrote_wrong_is_a_usage_mistake(small, tmp_path, capsys):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"waypoints": {"door": [0.6]}}))
    assert main(["analyze", str(small), "--plan", str(plan)]) == 2
    _one_line(capsys, "waypoints 'door'")
    room = tmp_path / "room.toml"
    room.write_text("this is = not [toml\n")
    assert main(["sim", str(room), "--out", str(tmp_path / "x.cap")]) == 2
    _one_line(capsys, "bad TOML")


def test_a_binary_file_given_as_calibration_says_it_is_not_one(small, tmp_path, capsys):
    png = tmp_path / "some.cap"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert main(["analyze", str(small), "--calibration", str(png)]) == 2
    err = _one_line(capsys, "not a calibration file")
    assert "codec" not in err


# --- Ctrl-C during record ---------------------------------------------------------------


def _ctrl_c_once_recording(out: Path, frames_bytes: int = 20_000) -> threading.Thread:
    """Ctrl-C once `out` holds some frames (not on a timer: on a loaded machine
    opening the port and starting the stream may take longer than any fixed wait)."""

    def wait_then_interrupt() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out.exists() and out.stat().st_size > frames_bytes:
                break
            time.sleep(0.02)
        _thread.interrupt_main()

    t = threading.Thread(target=wait_then_interrupt, daemon=True)
    t.start()
    return t


@pytest.fixture
def ctrl_c_reaches_python():
    """Python's own SIGINT handler, as in a terminal. A shell starts background jobs
    with SIGINT ignored, and then interrupt_main() does nothing."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_ctrl_c_before_record_seconds_is_an_interruption_and_keeps_the_frames(
    tmp_path, capsys, ctrl_c_reaches_python
):
    out, again = tmp_path / "r.cap", tmp_path / "again.cap"
    with FakeDevice(frames_per_s=300) as dev:
        _ctrl_c_once_recording(out)
        assert main(["record", "--port", dev.port, "--out", str(out), "--seconds", "600"]) == 130
        assert "interrupted before --seconds" in capsys.readouterr().err
        assert len(C.load(out).records) > 10
        _ctrl_c_once_recording(again)
        # no --seconds: Ctrl-C is how a recording ends
        assert main(["record", "--port", dev.port, "--out", str(again)]) == 0


# --- progress only on a terminal --------------------------------------------------------


def test_eval_progress_stays_out_of_a_log(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    stderr_progress(1, 3, "s7-000-living-room")
    stderr_progress(3, 3, "s7-002-bathroom")
    assert log.getvalue() == ""


# --- outputs and services ----------------------------------------------------------


def test_every_output_refuses_a_missing_directory_and_creates_none(small, tmp_path, capsys):
    missing = tmp_path / "nowhere"
    for argv, what in (
        (["report", str(small), "-o", str(missing / "r.html")], "report"),
        (["plot", str(small), "-o", str(missing / "t.png")], "image"),
        (["export", str(small), "--format", "csv", "-o", str(missing / "a.csv")], "csv export"),
        (["export", str(small), "--format", "sigmf", "-o", str(missing / "a")], "sigmf export"),
    ):
        assert main(argv) == 2
        _one_line(capsys, f"no such directory for the {what}")
        assert not missing.exists()


def test_an_unreachable_scheduler_is_a_failure_not_a_usage_mistake(small, capsys):
    out = small.parent / "s.csv"
    scheduler = "tcp://127.0.0.1:1"
    assert main(["batch", str(small.parent), "--out", str(out), "--scheduler", scheduler]) == 1
    _one_line(capsys, "cannot reach the Dask scheduler")


def test_a_capture_is_not_its_own_baseline(small, capsys):
    assert main(["analyze", str(small), "--baseline", str(small)]) == 2
    assert "--baseline is the capture itself" in capsys.readouterr().err


def test_a_map_without_positions_says_how_to_give_them(small, tmp_path, capsys):
    assert main(["plot", str(small), "-o", str(tmp_path / "m.png"), "--kind", "map"]) == 2
    assert "--plan FILE" in capsys.readouterr().err
