"""Capture files: crash safety, replay through the decoder, damaged files."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time

import numpy as np
import pytest

from roomsweep.cli import main
from roomsweep.errors import CaptureFormatError
from roomsweep.link import capture as C
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.records import Log, Samples

from .fakedevice import FakeDevice


def _log_frames(n: int, start_seq: int = 0) -> list[bytes]:
    return [
        P.encode_frame(P.T_LOG, start_seq + i, i * 10, P.encode_log(20, f"line {i}"))
        for i in range(n)
    ]


def test_round_trip_header_frames_and_host_records(tmp_path):
    path = tmp_path / "a.cap"
    with C.CaptureWriter(path, {"notes": "room 214", "device": {"board": "x"}}) as w:
        w.write_frames(_log_frames(5))
        w.write_host_time()
        w.write_note("bed frame checked")
    header, offset = C.read_header(path)
    assert header["notes"] == "room 214" and header["format"] == "roomsweep-capture"
    cap = C.load(path)
    logs = [r.text for r in cap.records if isinstance(r, Log)]
    assert logs == [f"line {i}" for i in range(5)]
    assert cap.counters.crc_errors == 0 and cap.counters.garbage_bytes == 0
    assert C.summarize(path)["notes"] == ["bed frame checked"]


def test_append_resumes_into_the_same_capture(tmp_path):
    path = tmp_path / "a.cap"
    with C.CaptureWriter(path, {"notes": "first"}) as w:
        w.write_frames(_log_frames(3))
    with C.CaptureWriter(path, {"notes": "ignored"}, append=True) as w:
        w.write_frames(_log_frames(2, start_seq=3))
    cap = C.load(path)
    assert cap.header["notes"] == "first"
    assert [r.seq for r in cap.records if isinstance(r, Log)] == [0, 1, 2, 3, 4]
    assert cap.counters.seq_gaps == 0


def test_torn_last_frame_is_skipped_and_everything_before_reads_back(tmp_path):
    path = tmp_path / "a.cap"
    frames = _log_frames(10)
    with C.CaptureWriter(path, {}) as w:
        w.write_frames(frames)
    with open(path, "ab") as f:
        f.write(frames[0][:7])  # a frame cut by a crash
    cap = C.load(path)
    assert [r.seq for r in cap.records] == list(range(10))
    assert cap.counters.truncated == 1


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda b: b"not a capture at all", "not a roomsweep capture"),
        (lambda b: b[:20], "cut short"),
        (lambda b: b[:16] + bytes([b[16] ^ 0x20]) + b[17:], "CRC"),
        (lambda b: b[:8] + struct.pack("<H", 99) + b[10:], "version 99"),
    ],
)
def test_damaged_headers_give_clear_errors(tmp_path, damage, words):
    good = tmp_path / "good.cap"
    with C.CaptureWriter(good, {"notes": "x" * 40}) as w:
        w.write_frames(_log_frames(1))
    bad = tmp_path / "bad.cap"
    bad.write_bytes(damage(good.read_bytes()))
    with pytest.raises(CaptureFormatError, match=words):
        C.load(bad)
    assert main(["info", str(bad)]) == 1


def test_info_on_missing_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.cap")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("roomsweep: error:") and err.count("\n") == 1


def test_recorder_killed_with_sigkill_keeps_every_frame_received(tmp_path):
    """kill -9 mid-capture: every frame sent more than a second before reads back."""
    out = tmp_path / "crash.cap"
    noise = b"ets Jun  8 2016 00:22:57\r\nrst:0x1 (POWERON_RESET),boot:0x13\r\n" + b"\xa7\x5e\x01"
    with FakeDevice(frames_per_s=300, boot_noise=noise) as dev:
        proc = subprocess.Popen(
            [sys.executable, "-m", "roomsweep", "record", "--port", dev.port, "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while len(dev.sent) < 600 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(dev.sent) >= 600, proc.stderr.read().decode() if proc.poll() else "slow"
        killed_at = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        sent = list(dev.sent)
    must_have = {seq for seq, t in sent if t < killed_at - 1.0}
    cap = C.load(out)
    got = {r.seq for r in cap.records if isinstance(r, Samples)}
    assert must_have <= got, f"lost {len(must_have - got)} frames"
    assert cap.counters.crc_errors == 0
    assert cap.counters.truncated <= 1  # at most the frame being written at the kill
    info = subprocess.run(
        [sys.executable, "-m", "roomsweep", "info", str(out), "--json"],
        capture_output=True,
        text=True,
    )
    assert info.returncode == 0, info.stderr
    summary = json.loads(info.stdout)
    assert summary["frames_by_type"]["SAMPLES"] == len(got)
    assert summary["channels"]["0"]["samples"] == 256 * len(got)
    assert summary["device"]["firmware"] == "fake"
    assert set(summary["replay_counters"]) >= {
        "crc_errors",
        "seq_gaps",
        "garbage_bytes",
        "bad_length",
        "unknown_type",
        "device_dropped",
    }


def test_a_device_restart_puts_the_second_run_after_the_first(hotel_capture, tmp_path, capsys):
    """A board that restarts mid-sweep starts its clock again at zero (the
    decoder counts a device reset). Written as the recorder would see it: the
    simulated hotel sweep's frames, then the same device booting and sweeping
    again. The second run's samples, marks and LENS blocks must follow the
    first's on one clock, so its findings are its own and not the first run's
    waypoints: before, its marks fell back onto the first run's times."""
    from roomsweep.analysis.analyze import analyze
    from roomsweep.analysis.recording import from_capture
    from roomsweep.protocol.records import Mark

    _, offset = C.read_header(hotel_capture)
    data = hotel_capture.read_bytes()
    twice = tmp_path / "restart.cap"
    twice.write_bytes(data + data[offset:])

    one = C.load(hotel_capture, one_clock=False)
    assert one.on_one_clock() is one  # nothing to move without a restart
    cap = C.load(twice, one_clock=False)
    assert cap.counters.device_resets == 1
    moved = cap.on_one_clock()
    assert moved.header["restarts"] == 1
    first = from_capture(hotel_capture)
    both = from_capture(twice)
    run = first.rf_counts.size / first.fs
    assert both.rf_counts.size == 2 * first.rf_counts.size
    marks = [m.time_s for m in both.marks]
    assert len(marks) == 2 * len(first.marks)
    half = len(first.marks)
    # each mark of the second run: its first-run time plus the first run's length
    # (device time against the sample count at the median rate: a few ms apart)
    assert max(abs(b - a - run) for a, b in zip(marks[:half], marks[half:])) < 0.005
    assert sorted(marks) == marks
    # the device times themselves, as `roomsweep info` reports them
    s = C.summarize(twice)
    assert s["device_restarts"] == 1 and abs(s["duration_s"] - 2 * run) < 0.01
    dev_marks = [m.ts_us for m in moved.records if isinstance(m, Mark)]
    assert dev_marks == sorted(dev_marks)
    # the lens the first run finds at bed-right, the second run finds at its own
    # seventh waypoint, one run later
    lens_first = [f for f in analyze(first) if f["type"] == "lens"]
    lens_both = [f for f in analyze(both) if f["type"] == "lens"]
    again = [f for f in lens_both if f["time_s"] > run]
    assert lens_first and again
    # (the second run's marks carry no plan positions, so a glint it also sees
    # from the headboard, 1.3 m from the same lens, is not merged into it: look
    # for the one the first run reported, not at the top of the ranking)
    same = min(again, key=lambda f: abs(f["time_s"] - run - lens_first[0]["time_s"]))
    assert abs(same["time_s"] - run - lens_first[0]["time_s"]) < 0.05
    assert same["waypoint"] == both.marks[half + 6].label
    # and `roomsweep info` says so
    capsys.readouterr()
    assert main(["info", str(twice)]) == 0
    assert "the device restarted 1 time" in capsys.readouterr().out


def _firmware_run(
    start_us: int, blocks: int, marks: dict[int, str], *, samples=True, hello=True
) -> list[bytes]:
    """Frames of one run of the firmware: its hello (INFO, sequence 0) at
    `start_us` of its own clock, then `blocks` blocks of both channels (256
    samples at 8 kS/s each), a MARK after the blocks named in `marks`, a STATUS
    (uptime) every 32 blocks."""
    from roomsweep.protocol.encoding import samples_payload, status_payload

    frames: list[bytes] = []

    def frame(t: int, ts: int, payload: bytes) -> None:
        frames.append(P.encode_frame(t, len(frames), ts % P.TICKS_PERIOD, payload))

    if hello:
        frame(P.T_INFO, start_us, json.dumps({"firmware": "test", "board": "b"}).encode())
    t, span = start_us + 200_000, 255 * 125
    for b in range(blocks):
        if b % 32 == 0:
            frame(P.T_STATUS, t, status_payload(t // 1000, 9000, 1000, 0, 0, 0, 0, 0, 0, True))
        if samples:
            for ch in (0, 1):
                frame(
                    P.T_SAMPLES,
                    t + span + 100,
                    samples_payload(ch, np.full(256, 100 + ch, np.uint16), t, span, 8_000_000, 0),
                )
        if b in marks:
            frame(P.T_MARK, t + span + 300, P.encode_mark(b, 1, marks[b]))
        t += 256 * 125
    return frames


def test_restarts_of_any_length_join_runs_end_to_end(tmp_path):
    """A run shorter than a second (a brownout right after START), a run that
    sent no samples, and a run whose clock starts later than the one before ended
    are each a run of their own, found from the hello and joined end to end: every
    sample 125 us after the one before, each mark on its own run's samples."""
    from roomsweep.analysis.recording import from_capture
    from roomsweep.protocol.records import Mark

    runs = [
        _firmware_run(500_000, 20, {5: "a"}),  # 0.84 s of samples
        _firmware_run(600_000, 3, {1: "b"}, samples=False),  # hello, a press, no samples
        _firmware_run(900_000, 10, {2: "c"}),  # boots later than the first run ended
        _firmware_run(400_000, 10, {9: "d"}),
    ]
    path = tmp_path / "runs.cap"
    with C.CaptureWriter(path, {}) as w:
        for frames in runs:
            w.write_frames(frames)
            w.write_note("device restarted")
    cap = C.load(path, one_clock=False)
    assert cap.counters.device_resets == 3
    one = cap.on_one_clock()
    assert one.header["restarts"] == 3
    for ch in (0, 1):
        _, times, _ = one.channel(ch)
        assert times.size == 40 * 256 and set(np.diff(times).tolist()) <= {125}
    t0 = one.channel(0)[1][0]
    marks = {m.label: (m.ts_us - t0) / 1e6 for m in one.records if isinstance(m, Mark)}
    block = 256 / 8000
    # a mark follows its block by 0.3 ms (+100 us of the samples frame's own lag)
    assert abs(marks["a"] - 6 * block) < 0.001
    assert abs(marks["b"] - 20 * block) < 0.001  # sampled nothing: at the join
    assert abs(marks["c"] - (20 + 3) * block) < 0.001
    assert abs(marks["d"] - (30 + 10) * block) < 0.001
    times = [m.time_s for m in from_capture(path).marks]
    assert len(times) == 4 and times == sorted(times)
    assert max(abs(a - b) for a, b in zip(times, marks.values())) < 0.001


def test_a_restart_whose_hello_was_lost_after_long_uptime_is_seen_from_the_uptime(tmp_path):
    """After 2**29 us (537 s) of uptime a restarted clock reads as a wrap forward,
    not a step back; with its hello lost, only the STATUS uptime going back shows
    the restart. The second run still follows the first."""
    runs = [
        _firmware_run(600_000_000, 40, {3: "a"}),  # 600 s of uptime
        _firmware_run(700_000, 40, {3: "b"}, hello=False),
    ]
    path = tmp_path / "lost-hello.cap"
    with C.CaptureWriter(path, {}) as w:
        for frames in runs:
            w.write_frames(frames)
    cap = C.load(path, one_clock=False)
    assert cap.counters.device_resets == 0  # the decoder saw no hello
    one = cap.on_one_clock()
    assert one.header["restarts"] == 1
    _, times, _ = one.channel(0)
    assert times.size == 80 * 256 and set(np.diff(times).tolist()) == {125}
    assert C.summarize(path)["device_restarts"] == 1


def test_info_names_every_message_type_the_protocol_defines():
    # `info`'s frames_by_type and the monitor name frames by P_NAMES: a type
    # missing there read as "0x10" in --json while the text output named it
    defined = {
        v
        for k, v in vars(P).items()
        if k.startswith("T_") and k not in ("T_RESERVED_FIRST", "T_RESERVED_LAST")
    }
    assert {P.T_WIFI_SCAN, P.T_BLE_ADV, P.T_LENS} <= defined
    assert defined <= set(C.P_NAMES), sorted(hex(t) for t in defined - set(C.P_NAMES))
