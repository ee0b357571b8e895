"""Issue 17's reproducers, one test each: nothing overwritten, nothing injected,
every bad input a one-line error (exit code 2 for a usage mistake, 1 otherwise)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from roomsweep.analyst.batch import COLUMNS, write_summary
from roomsweep.cli import main
from roomsweep.cli.commands import scheduler_address
from roomsweep.errors import CaptureFormatError, UsageError
from roomsweep.link import capture as C
from roomsweep.link.outputs import atomic_write, check_output_path
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Counters
from roomsweep.protocol.encoding import samples_payload
from roomsweep.protocol.records import Samples

from .fakedevice import FakeDevice

RATE = 8000
BLOCK = 256
HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2,3", "@SUM(A1)"]


def _frames(seconds: float = 4.0, marks=(), seq0: int = 0, t0_s: float = 0.0) -> list[bytes]:
    """RF SAMPLES (noise) for `seconds` from device time `t0_s`, with host MARKs
    (time_s, label) in between, numbered from `seq0`."""
    rng = np.random.default_rng(1)
    pending = sorted(marks)
    frames, seq = [], seq0
    for b in range(int(seconds * RATE / BLOCK)):
        t = int((t0_s + b * BLOCK / RATE) * 1e6)
        while pending and pending[0][0] * 1e6 <= t - t0_s * 1e6:
            _, label = pending.pop(0)
            frames.append(P.encode_frame(P.T_MARK, seq, t, P.encode_mark(seq, 0, label)))
            seq += 1
        span = int((BLOCK - 1) * 1e6 / RATE)
        s = rng.integers(2400, 2700, BLOCK)
        frames.append(
            P.encode_frame(P.T_SAMPLES, seq, t, samples_payload(0, s, t, span, RATE * 1000, 0))
        )
        seq += 1
    return frames


def _raw_capture(path: Path, header: dict, frames: list[bytes]) -> Path:
    """A capture written byte by byte: its header is not checked (CaptureWriter would)."""
    path.write_bytes(C.encode_header(header) + b"".join(frames))
    return path


@pytest.fixture
def small(tmp_path) -> Path:
    """A 4 s capture of noise, waypoints marked from the host with hostile names."""
    marks = [(0.2 + i, name) for i, name in enumerate(HOSTILE)]
    return _raw_capture(tmp_path / "in.cap", {"notes": "x"}, _frames(4.0, marks))


def _one_line(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("roomsweep: error:") and err.count("\n") == 1, err
    for w in words:
        assert w in err, err
    return err


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- 1. no command writes to its own input or replaces a capture unasked -------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sigmf"])
def test_export_refuses_to_write_over_its_input(small, fmt, capsys, tmp_path):
    before = _digest(small)
    link = tmp_path / "link.cap"
    link.symlink_to(small)
    out = {"csv": small, "jsonl": link, "sigmf": tmp_path / "in"}[fmt]
    if fmt == "sigmf":  # one of the files it would write is the capture (by another name)
        (tmp_path / "in-rf.sigmf-data").symlink_to(small)
    assert main(["export", str(small), "--format", fmt, "-o", str(out)]) == 2
    _one_line(capsys, "own input")
    assert _digest(small) == before


def test_export_replaces_a_capture_only_with_force(small, tmp_path, capsys):
    other = tmp_path / "other.cap"
    other.write_bytes(small.read_bytes())
    assert main(["export", str(small), "--format", "jsonl", "-o", str(other)]) == 2
    _one_line(capsys, "is a capture", "--force")
    assert main(["export", str(small), "--format", "jsonl", "-o", str(other), "--force"]) == 0
    assert not other.read_bytes().startswith(C.CAPTURE_MAGIC)


def test_batch_refuses_a_summary_over_one_of_its_captures(small, tmp_path, capsys):
    before = _digest(small)
    assert main(["batch", str(tmp_path), "--out", str(small)]) == 2
    _one_line(capsys, "own input")
    assert _digest(small) == before
    # the library refuses too, with the rows' captures as inputs
    with pytest.raises(UsageError, match="own input"):
        write_summary([{"capture": str(small)}], small)


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "{cap}", "-o", "{cap}"],
        ["plot", "{cap}", "-o", "{cap}"],
        ["report", "{cap}", "-o", "{html}"],
        ["plot", "{cap}", "-o", "{png}"],
    ],
)
def test_report_and_plot_refuse_their_input_or_a_capture(small, tmp_path, argv, capsys):
    html, png = tmp_path / "r.html", tmp_path / "p.png"
    html.write_bytes(small.read_bytes())  # captures that happen to be named so
    png.write_bytes(small.read_bytes())
    args = [a.format(cap=small, html=html, png=png) for a in argv]
    assert main(args) == 2
    capsys.readouterr()
    assert html.read_bytes().startswith(C.CAPTURE_MAGIC)
    assert png.read_bytes().startswith(C.CAPTURE_MAGIC)


def test_sim_refuses_an_existing_capture_and_a_missing_directory_before_simulating(
    small, tmp_path, capsys, monkeypatch
):
    import roomsweep.cli.simulation as simulation

    def no_simulation(*a, **kw):
        raise AssertionError("simulated although the output was wrong")

    monkeypatch.setattr(simulation, "simulate", no_simulation)
    before = _digest(small)
    t = time.monotonic()
    assert main(["sim", "hotel-room", "--out", str(small)]) == 2
    _one_line(capsys, "already exists", "--force")
    assert main(["sim", "hotel-room", "--out", str(tmp_path / "no" / "dir" / "x.cap")]) == 2
    _one_line(capsys, "no such directory")
    assert main(["sim", "hotel-room", "--out", str(tmp_path)]) == 2
    _one_line(capsys, "directory")
    assert time.monotonic() - t < 5 and _digest(small) == before


def test_sweep_refuses_an_existing_capture_before_opening_the_device(small, capsys):
    before = _digest(small)
    assert main(["sweep", "--sim", "hotel-room", "--out", str(small), "--no-tty"]) == 2
    _one_line(capsys, "already exists", "--append", "--force")
    assert main(["sweep", "--port", "loop://", "--out", str(small), "--no-tty"]) == 2
    _one_line(capsys, "already exists")
    assert _digest(small) == before


def test_record_refuses_an_existing_capture_and_appends_or_replaces_when_asked(tmp_path, capsys):
    out = tmp_path / "r.cap"
    with FakeDevice(frames_per_s=300) as dev:
        argv = ["record", "--port", dev.port, "--out", str(out), "--seconds", "0.3"]
        assert main(argv) == 0
        one = len(C.load(out).records)
        created = C.read_header(out)[0]["created_unix"]
        before = _digest(out)
        assert main(argv) == 2
        _one_line(capsys, "already exists", "--append", "--force")
        assert _digest(out) == before
        assert main([*argv, "--append"]) == 0  # the same header, more frames
        assert len(C.load(out).records) > one
        assert C.read_header(out)[0]["created_unix"] == created
        assert main([*argv, "--force"]) == 0  # a new capture
        assert C.read_header(out)[0]["created_unix"] != created
    with pytest.raises(SystemExit) as e:
        main([*argv, "--append", "--force"])
    assert e.value.code == 2


def test_capture_writer_never_replaces_when_told_not_to(small):
    before = _digest(small)
    with pytest.raises(UsageError, match="already exists"):
        C.CaptureWriter(small, {"notes": ""}, replace=False)
    assert _digest(small) == before


def test_atomic_write_leaves_the_old_file_or_the_whole_new_one(tmp_path):
    out = tmp_path / "a.csv"
    out.write_text("old\n")
    os.chmod(out, 0o640)
    with pytest.raises(RuntimeError):
        with atomic_write(out) as f:
            f.write("half")
            raise RuntimeError("killed halfway")
    assert out.read_text() == "old\n" and sorted(tmp_path.iterdir()) == [out]
    with atomic_write(out) as f:
        f.write("new\n")
    assert out.read_text() == "new\n" and sorted(tmp_path.iterdir()) == [out]
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_outputs_that_are_not_regular_files_are_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for out, words in [(fifo, "FIFO"), (tmp_path, "directory"), ("/dev/null", "device")]:
        with pytest.raises(UsageError, match=words):
            check_output_path(out)
    with pytest.raises(UsageError, match="regular file"):  # a FIFO would block the writer
        C.CaptureWriter(fifo, {"notes": ""})


# --- 5. CSV formula injection ------------------------------------------------------------


def test_csv_export_neutralises_formulas_in_waypoint_names(small, tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["export", str(small), "--format", "csv", "-o", str(out)]) == 0
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["time_s", "rf_counts", "rf_dbm", "photodiode_counts", "waypoint"]
    assert all(len(r) == 5 for r in rows)  # a comma in a name stays in its column
    names = {r[4] for r in rows[1:] if r[4]}
    assert names == {"'" + n for n in HOSTILE}


def test_batch_summary_neutralises_formulas_in_every_text_cell(tmp_path):
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        capture=str(tmp_path / "a.cap"),
        scenario="@x",
        classes="=1+1",
        top_class="gsm",
        top_waypoint=HOSTILE[0],
        loudest_waypoint="-2,3",
        error="+bad",
        findings=2,
        top_level_dbm=-40.5,
    )
    out = write_summary([row], tmp_path / "s.csv")
    with open(out, newline="") as f:
        (got,) = list(csv.DictReader(f))
    assert got["top_waypoint"] == "'" + HOSTILE[0] and got["loudest_waypoint"] == "'-2,3"
    assert got["scenario"] == "'@x" and got["classes"] == "'=1+1" and got["error"] == "'+bad"
    assert got["top_class"] == "gsm" and got["findings"] == "2"
    assert got["top_level_dbm"] == "-40.5"  # numbers stay numbers


# --- 6. header fields of the wrong type; blocks that span no time ------------------------

BAD_HEADERS = {
    "device a list": {"device": [1, 2]},
    "calibration a string": {"device": {"calibration": "hot"}},
    "calibration slope 0": {"device": {"calibration": {"rf_slope_mv_per_db": 0}}},
    "calibration not a number": {"device": {"calibration": {"rf_intercept_dbm": "20"}}},
    "rf band without slope": {"device": {"calibration": {"rf_bands": [{"band_mhz": 900}]}}},
    "leds not objects": {"device": {"leds": ["x"]}},
    "led hz a string": {"device": {"leds": [{"hz": "fast"}]}},
    "waypoints non-numeric": {"waypoints": {"door": ["a", 1]}},
    "waypoints a list": {"waypoints": [[1, 2]]},
    "waypoint NaN": {"waypoints": {"door": [float("nan"), 1.0]}},
    "sweep an int": {"sweep": 5},
    "sweep of numbers": {"sweep": [1, 2]},
    "simulation a string": {"simulation": "yes"},
    "simulation sweep a dict": {"simulation": {"sweep": {"a": 1}}},
    "plan a list": {"plan": [1]},
    "plan outline points": {"plan": {"outline": [[0, 0], [1], [1, 1]]}},
    "plan waypoints 4-d": {"plan": {"waypoints": {"a": [1, 2, 3, 4]}}},
    "plan waypoint far away": {"plan": {"waypoints": {"a": [1, 1e30]}}},
    "notes a list": {"notes": ["a"]},
    "settings an object": {"settings": {"rate": 1}},
    "created_unix a string": {"created_unix": "yesterday"},
}


@pytest.mark.parametrize("header", BAD_HEADERS.values(), ids=BAD_HEADERS.keys())
@pytest.mark.parametrize("command", ["info", "analyze", "report", "export", "plot"])
def test_wrong_header_types_are_one_line_errors(header, command, tmp_path, capsys):
    cap = _raw_capture(tmp_path / "bad.cap", header, _frames(1.0))
    out = {"report": ["-o", str(tmp_path / "r.html")], "plot": ["-o", str(tmp_path / "p.png")]}
    extra = {"export": ["--format", "csv", "-o", str(tmp_path / "x.csv")]}
    argv = [command, str(cap), *out.get(command, []), *extra.get(command, [])]
    assert main(argv) == 1
    field = next(iter(header))
    _one_line(capsys, field)
    with pytest.raises(CaptureFormatError):
        C.read_header(cap)


def test_an_info_frame_of_the_wrong_types_is_one_line(tmp_path, capsys):
    info = P.encode_frame(P.T_INFO, 0, 0, json.dumps({"calibration": [1]}).encode())
    cap = _raw_capture(tmp_path / "bad.cap", {"device": None}, [info, *_frames(1.0, seq0=1)])
    assert main(["analyze", str(cap)]) == 1
    _one_line(capsys, "INFO", "calibration")


def test_a_calibration_file_of_the_wrong_types_is_one_line(small, tmp_path, capsys):
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"format": "roomsweep-calibration", "rf_bands": [{"band_mhz": 1}]}))
    assert main(["analyze", str(small), "--calibration", str(cal)]) == 2
    _one_line(capsys, "rf_bands[0].slope_mv_per_db")


def test_no_recorder_writes_a_header_it_could_not_read(tmp_path):
    out = tmp_path / "x.cap"
    with pytest.raises(CaptureFormatError, match="sweep"):
        C.CaptureWriter(out, {"sweep": "door"})
    assert not out.exists()


@pytest.mark.parametrize("count", [1, 2])
def test_blocks_that_span_no_time(count, tmp_path, capsys):
    """1-2 samples per block, span 0: the rate says where they go; without a rate
    either, a one-line error instead of a division by zero."""

    def cap(rate_mhz: int) -> Path:
        frames = [
            P.encode_frame(
                P.T_SAMPLES,
                i,
                1000 * i,
                samples_payload(0, np.full(count, 2500), 1000 * i, 0, rate_mhz, 0),
            )
            for i in range(3)
        ]
        return _raw_capture(tmp_path / f"z{rate_mhz}.cap", {}, frames)

    # analysed without a division by zero, and (3 ms of samples) said too short
    assert main(["analyze", str(cap(RATE * 1000))]) == 1
    assert "too short to clear the room" in capsys.readouterr().out
    zero = cap(0)
    assert main(["info", str(zero)]) == 0
    capsys.readouterr()
    for command in (["analyze"], ["export", "--format", "jsonl"]):
        assert main([command[0], str(zero), *command[1:]]) == 1
        _one_line(capsys, "no sample rate")


# --- 7. every number checked before any work ---------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["sim", "hotel-room", "--out", "x.cap", "--seconds", "nan"],
        ["sim", "hotel-room", "--out", "x.cap", "--seconds", "inf"],
        ["sim", "hotel-room", "--out", "x.cap", "--seconds", "1e300"],
        ["sim", "hotel-room", "--out", "x.cap", "--seconds", "0"],
        ["sim", "hotel-room", "--out", "x.cap", "--seed", "-1"],
        ["sim", "hotel-room", "--out", "x.cap", "--baud", "-9600"],
        ["sweep", "--sim", "hotel-room", "--out", "x.cap", "--speed", "nan"],
        ["sweep", "--sim", "hotel-room", "--out", "x.cap", "--seconds", "inf"],
        ["sweep", "--port", "loop://", "--out", "x.cap", "--baud", "0"],
        ["record", "--port", "loop://", "--out", "x.cap", "--seconds", "-inf"],
        ["record", "--port", "loop://", "--out", "x.cap", "--baud", "fast"],
        ["monitor", "--port", "loop://", "--counters-every", "nan"],
        ["monitor", "--port", "loop://", "--counters-every", "-1"],
        ["monitor", "--port", "loop://", "--seconds", "1e999"],
        ["deploy", "--port", "loop://", "--timeout", "inf"],
        ["flash", "--port", "loop://", "--baud", "0", "--dry-run"],
        ["scenarios", "generate", "--seed", "1", "--count", "0", "--out", "d"],
        ["scenarios", "generate", "--seed", "nan", "--count", "1", "--out", "d"],
        ["eval", "d", "--seed", "-5"],
        ["batch", "d", "--out", "s.csv", "--workers", "0"],
        ["batch", "d", "--out", "s.csv", "--scheduler", "notaurl"],
        ["batch", "d", "--out", "s.csv", "--scheduler", "tcp://host"],
        ["batch", "d", "--out", "s.csv", "--scheduler", "http://host:8786"],
        ["batch", "d", "--out", "s.csv", "--scheduler", "tcp://host:99999"],
    ],
)
def test_bad_numbers_are_one_line_usage_errors_before_any_work(
    argv, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    t = time.monotonic()
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and time.monotonic() - t < 2
    _one_line(capsys, f"error: {argv[0]}", f"(roomsweep {argv[0]}", "--help)")


def test_sweep_speed_out_of_range(capsys, tmp_path):
    out = str(tmp_path / "x.cap")
    assert main(["sweep", "--sim", "hotel-room", "--out", out, "--speed", "1e9"]) == 2
    _one_line(capsys, "--speed")


@pytest.mark.parametrize(
    "address",
    ["tcp://dask-scheduler:8786", "tls://10.0.0.2:8786", "ucx://[::1]:13337", "inproc://x/1/2"],
)
def test_scheduler_addresses_dask_takes_are_accepted(address):
    assert scheduler_address(address) == address


def test_batch_scheduler_says_trusted_only(capsys):
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Trusted scheduler only" in out and "pickled" in out
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "trusted scheduler only" in readme.lower()


# --- 8. non-regular files are refused, not read ------------------------------------------


@pytest.mark.parametrize("command", ["info", "analyze"])
def test_a_fifo_is_refused_not_waited_for(command, tmp_path):
    fifo = tmp_path / "x.cap"
    os.mkfifo(fifo)
    r = subprocess.run(
        [sys.executable, "-m", "roomsweep", command, str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "FIFO" in r.stderr and "regular file" in r.stderr
    assert r.stderr.count("\n") == 1, r.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["info", "{dir}"],
        ["info", "/dev/null"],
        ["analyze", "{dir}"],
        ["report", "/dev/null", "-o", "{dir}/r.html"],
        ["plot", "{dir}", "-o", "{dir}/p.png"],
        ["export", "/dev/zero", "--format", "jsonl"],
        ["compare", "{cap}", "/dev/null"],
        ["analyze", "{cap}", "--calibration", "/dev/zero"],
    ],
)
def test_directories_and_devices_are_refused(argv, small, tmp_path, capsys):
    args = [a.format(dir=tmp_path, cap=small) for a in argv]
    assert main(args) == 2
    _one_line(capsys, "regular file")


# --- 9. the simulator's child dies with its parent ----------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie is dead, only not yet reaped


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc: Linux")
def test_a_killed_recorder_takes_micropython_with_it_and_its_dir_is_swept(tmp_path):
    from roomsweep.sim.runner import TMP_PREFIX, SimulatedDevice
    from roomsweep.sim.scenario import load_scenario

    out = tmp_path / "k.cap"
    proc = subprocess.Popen(
        [sys.executable, "-m", "roomsweep", "sim", "hotel-room", "--out", str(out)]
        + ["--seconds", "600"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    tmp = Path(tempfile.gettempdir())
    deadline = time.monotonic() + 30
    child, dirs = None, []
    while time.monotonic() < deadline and proc.poll() is None:
        kids = [k for k in _children(proc.pid) if b"micropython" in _cmdline(k)]
        dirs = list(tmp.glob(f"{TMP_PREFIX}{proc.pid}-*"))
        if kids and dirs and out.exists():
            child = kids[0]
            break
        time.sleep(0.05)
    assert child is not None, proc.stderr.read().decode() if proc.poll() is not None else "slow"
    assert os.getpgid(child) == child  # its own process group, killable as one
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone_by = time.monotonic() + 3
    while _running(child) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not _running(child), "the MicroPython child outlived its killed parent"
    assert all(d.exists() for d in dirs)  # nobody could clean up after a SIGKILL ...
    with SimulatedDevice(load_scenario("hotel-room"), seconds=1):
        pass
    assert not any(d.exists() for d in dirs)  # ... so the next start does


def test_a_stopped_simulator_leaves_no_directory():
    from roomsweep.sim.runner import TMP_PREFIX, SimulatedDevice
    from roomsweep.sim.scenario import load_scenario

    sim = SimulatedDevice(load_scenario("hotel-room"), seconds=1)
    sim.start()
    work = Path(sim._tmp or "")
    assert work.name.startswith(f"{TMP_PREFIX}{os.getpid()}-") and work.is_dir()
    sim.stop()
    assert not work.exists()


# --- 10. the live-link line is honest about a reconnect ----------------------------------


def test_info_does_not_call_a_link_clean_that_lost_frames_in_a_reconnect(tmp_path, capsys):
    out = tmp_path / "r.cap"
    with C.CaptureWriter(out, {"notes": ""}) as w:
        first = _frames(1.0)
        w.write_frames(first)
        w.write_rx_stats(Counters(frames=len(first)))
        w.write_note("link lost: device disconnected")
        w.write_frames(_frames(1.0, seq0=len(first) + 3390, t0_s=1.0))
        w.write_note("link resumed after 2.0 s: /dev/ttyUSB0")
        w.write_rx_stats(Counters(frames=2 * len(first)))  # each connection's reader: clean
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if x.startswith("live link"))
    assert "clean" not in line and "3390" in line and "lost 1 time" in line
    assert main(["info", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["link_losses"] == 1 and data["replay_counters"]["seq_gaps"] == 3390


def test_info_calls_a_clean_link_clean(tmp_path, capsys):
    out = tmp_path / "c.cap"
    with C.CaptureWriter(out, {"notes": ""}) as w:
        w.write_frames(_frames(1.0))
        w.write_rx_stats(Counters(frames=31))
    assert main(["info", str(out)]) == 0
    assert "live link clean" in capsys.readouterr().out


def test_record_takes_a_device_left_streaming(tmp_path):
    # an earlier recorder killed, or the host's cable pulled while the board kept
    # its power: the device still streams and refuses START until stopped
    out = tmp_path / "again.cap"
    with FakeDevice(frames_per_s=300) as dev:
        dev.streaming = True
        time.sleep(0.05)
        argv = ["record", "--port", dev.port, "--out", str(out), "--seconds", "0.3"]
        assert main(argv) == 0
        assert any(isinstance(r, Samples) for r in C.load(out).records)


def test_no_command_is_numbered_as_the_devices_unreadable_frame_reply():
    # the device answers a frame it could not read (bad CRC, truncated) with an
    # ERROR carrying NO_SEQ: a command numbered so would take it as its reply
    import struct

    from roomsweep.link.device import encode_command
    from roomsweep.protocol import rsproto

    frame, seq = encode_command(rsproto.T_CMD_PING, rsproto.NO_SEQ, "x")
    assert seq == 0  # on past the wrap
    assert struct.unpack_from(rsproto.HEADER_FORMAT, frame)[4] == 0
