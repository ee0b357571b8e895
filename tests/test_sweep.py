"""The traveler's live sweep: the view rendered headless from recorded data, the
keys, the locate cue, a pulled cable, and whole sweeps against the simulator."""

from __future__ import annotations

import json
import os
import threading
import time
import tty
from pathlib import Path

import numpy as np
import pytest

from roomsweep.cli import main
from roomsweep.cli.traveler import FLIGHT_MODE_TIP
from roomsweep.link.capture import iter_records, load, read_header
from roomsweep.live.state import LiveState, beep_interval_s
from roomsweep.live.view import HEIGHT, WIDTH, render_text
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.records import Mark, Note, Samples
from tests.fakedevice import FakeDevice

CAL = Calibration()


def _counts_for(dbm: float) -> int:
    # default law (AD8318 datasheet, ESP32 ADC characteristic): dBm = 20 + mV / -25,
    # mV = adc_offset_mv + counts x adc_mv_per_count
    return int(round(((20.0 - dbm) * 25 - CAL.adc_offset_mv) / CAL.adc_mv_per_count))


def _rf_blocks(
    levels_dbm: list[float], block: int = 256, fs: float = 8000.0, t0_us: int = 0, seq0: int = 0
) -> list[Samples]:
    out = []
    for i, level in enumerate(levels_dbm):
        t = t0_us + int(i * block / fs * 1e6)
        out.append(
            Samples(
                P.T_SAMPLES,
                seq0 + i,
                t,
                channel=P.CH_RF,
                t_first_us=t,
                span_us=int((block - 1) / fs * 1e6),
                rate_hz=fs,
                samples=np.full(block, _counts_for(level), np.uint16),
            )
        )
    return out


def _fits(text: str) -> list[str]:
    lines = text.rstrip("\n").split("\n")
    assert len(lines) <= HEIGHT, f"{len(lines)} lines"
    assert max(len(x) for x in lines) <= WIDTH
    return lines


# --- the view, headless -------------------------------------------------------------


def test_view_from_records_shows_the_right_numbers_in_80x24():
    state = LiveState(
        capture_path="/tmp/room214.cap",
        port="/dev/ttyUSB0",
        sweep_names=["door", "desk"],
        title="room 214",
    )
    # 2 s at -50 dBm, a 0.5 s burst at -20 dBm, 1 s at -40 dBm
    state.feed(_rf_blocks([-50.0] * 62 + [-20.0] * 16 + [-40.0] * 31))
    state.feed(
        [
            Mark(P.T_MARK, 200, 0, number=1, source=P.MARK_FROM_BUTTON, label="button"),
            Mark(P.T_MARK, 201, 0, number=2, source=P.MARK_FROM_HOST, label="under the bed"),
        ]
    )
    state.link = "connected"
    state.frames_written = 111
    lines = _fits(render_text(state))
    text = "\n".join(lines)
    level = float(CAL.rf_dbm(_counts_for(-40.0)))
    burst = float(CAL.rf_dbm(_counts_for(-20.0)))
    assert f"RF  {level:.1f} dBm" in text
    assert f"peak {burst:.1f}" in text  # held: the burst was under 3 s ago
    assert f"loudest 50 ms so far: {burst:.1f} dBm at 00:02" in text
    assert "Elapsed 00:03" in text  # 109 blocks of 256 at 8 kS/s
    assert "last waypoint #2 under the bed at 00:03" in text
    assert "#1 door at 00:03 (button)" in text  # button press named after the sweep
    assert "Lens —  (no lens data" in text and "Wi-Fi —   BLE —" in text
    assert "● connected  /dev/ttyUSB0" in text and "111 frames on disk" in text
    assert "Locate cue off" in text
    # the peak hold lets go 3 s after the burst
    state.feed(_rf_blocks([-40.0] * 100, t0_us=4_000_000))
    assert f"peak {level:.1f}" in render_text(state)


def test_view_when_the_cable_is_pulled_and_while_typing_a_label():
    state = LiveState(capture_path="x.cap", port="/dev/ttyACM0")
    state.feed(_rf_blocks([-30.0] * 10))
    state.link, state.lost_for_s = "lost", 7.4
    state.key("m")
    for ch in "lamp":
        state.key(ch)
    state.wall_s = 75.0
    text = "\n".join(_fits(render_text(state)))
    assert "LOST 7 s: cable pulled? waiting for the device" in text
    assert "Elapsed 00:00" in text and "recorded" not in text  # one clock: device time
    assert "Waypoint label: lamp" in text
    narrow = render_text(state, width=50).rstrip("\n").split("\n")
    assert max(len(x) for x in narrow) <= 50 and "LOST" in "\n".join(narrow)


@pytest.mark.slow
def test_view_from_a_recorded_simulator_capture(sim_sweep):
    cap, _ = sim_sweep
    header, _ = read_header(cap)
    state = LiveState(capture_path=str(cap), sweep_names=header["sweep"])
    records = list(iter_records(cap))
    # replay up to the headboard stop plus two seconds, as the view saw it live
    marks = [i for i, r in enumerate(records) if isinstance(r, Mark)]
    upto = marks[header["sweep"].index("headboard")] + 2 * 31 * 2
    state.feed(records[:upto])
    guess = state.update_guess()
    assert guess is not None and guess.cls == "gsm"  # the bug behind the headboard
    text = "\n".join(_fits(render_text(state)))
    assert "last waypoint #8 headboard" in text and "class: GSM" in text


def test_lens_meter_and_radio_counts_from_their_frames():
    """LENS (0x12), WIFI_SCAN (0x10) and BLE_ADV (0x11) records as their decoders
    make them (attributes of roomsweep.protocol.records.Lens, WifiScan, BleAdv)."""
    from types import SimpleNamespace as NS

    state = LiveState(sweep_names=["bed-right"])
    state.feed(_rf_blocks([-50.0] * 40))
    state.feed([Mark(P.T_MARK, 1, 0, number=1, source=P.MARK_FROM_BUTTON, label="button")])
    walls = [
        NS(type=0x12, seq=i, ts_us=0, amplitudes=(400.0, 380.0, 390.0), alert=False)
        for i in range(10)
    ]
    glint = [
        NS(type=0x12, seq=10 + i, ts_us=0, amplitudes=(425.0, 381.0, 389.0), alert=True)
        for i in range(3)
    ]
    state.feed(walls + glint)
    assert state.lens_return == 425.0 and state.lens_alert
    assert state.lens_alerts == 1  # three alerting blocks in a row are one glint
    from roomsweep.protocol.records import AccessPoint, BleAdv, BleAdvertiser, WifiScan

    aps = [
        AccessPoint(f"aa:bb:cc:00:00:0{i}", ssid, 6, rssi, 3, not ssid)
        for i, (ssid, rssi) in enumerate([("HotelGuest", -48), ("", -70), ("IPC-4411", -39)])
    ]
    state.feed([WifiScan(0x10, 50, 0, access_points=aps)])
    adv = [BleAdvertiser(f"11:22:33:44:55:{i:02x}", 1, 0, -60, -62, 3) for i in range(5)]
    state.feed([BleAdv(0x11, 51, 0, advertisers=adv)])
    text = "\n".join(_fits(render_text(state)))
    assert "Lens  425.0 " in text and "glints 1 GLINT!" in text
    assert "Wi-Fi 3   BLE 5" in text and "strongest: IPC-4411 -39 dBm" in text
    # BLE advertisers not heard for BLE_RECENT_S drop out of the count
    state.feed(_rf_blocks([-50.0] * 400))
    state.feed([BleAdv(0x11, 52, 0, advertisers=adv[:1])])
    assert state.ble_devices == 1
    assert not state.lens_alert and state.lens_alerts == 1
    assert "glints 1, last near bed-right at 00:01" in render_text(state)


def test_a_device_restart_is_noticed_from_its_uptime():
    from roomsweep.protocol.records import Status

    state = LiveState()
    state.feed(
        [Status(P.T_STATUS, 1, 0, uptime_ms=90_000)]
        + _rf_blocks([-50.0] * 40)
        + [Status(P.T_STATUS, 2, 0, uptime_ms=91_000)]
    )
    assert state.device_restarts == 0
    state.feed([Status(P.T_STATUS, 0, 0, uptime_ms=1_200)])
    assert state.device_restarts == 1 and "the device restarted at 00:01" in state.message


# --- keys and the locate cue --------------------------------------------------------


def test_keys_label_quick_mark_locate_finish():
    s = LiveState()
    assert s.key("m") is None and s.label_input == ""
    for ch in "bedx":
        s.key(ch)
    s.key("\x7f")
    assert s.key("\r") == ("mark", "bed") and s.label_input is None
    s.key("m")
    s.key("\x1b")
    assert s.label_input is None and s.message == "mark cancelled"
    assert s.key(" ") == ("mark", "mark 1")
    s.key("l")
    assert s.locate
    assert s.key("q") == ("finish", "")


def test_locate_cue_speeds_up_as_the_level_rises():
    levels = np.arange(-54.0, 0.0, 0.5)
    intervals = [beep_interval_s(v) for v in levels]
    assert all(a >= b for a, b in zip(intervals, intervals[1:]))
    assert intervals[0] > 10 * intervals[-1]
    assert beep_interval_s(-60.0) is None and beep_interval_s(float("nan")) is None
    s = LiveState()
    s.feed(_rf_blocks([-20.0] * 8))
    assert s.beep_interval() is None  # the cue is off until `l`
    s.key("l")
    assert s.beep_interval() == beep_interval_s(s.level_dbm)


# --- a pulled cable -----------------------------------------------------------------


class UnpluggableDevice(FakeDevice):
    """A battery-powered device whose USB cable is pulled and put back: its port
    (a symlink, as udev names a USB serial device) vanishes and comes back, and
    the device keeps running (sequence numbers, clock, streaming)."""

    def __init__(self, link: Path, **kw):
        super().__init__(**kw)
        self.link = link
        self.lock = threading.Lock()
        self.plugged = True
        link.symlink_to(self.port)

    def _send(self, msg_type: int, payload: bytes, ts: int | None = None) -> int:
        with self.lock:
            if not self.plugged:  # into a cable that is not there
                seq = self._seq
                self._seq = (seq + 1) & 0xFFFF
                return seq
            return super()._send(msg_type, payload, ts)

    def _swap(self, master: int, slave: int) -> None:
        old = (self.master, self.slave)
        self.master, self.slave = master, slave
        for fd in old:
            os.close(fd)

    def unplug(self) -> None:
        with self.lock:
            self.plugged = False
            self.link.unlink()
            r, w = os.pipe()  # nothing to read while unplugged
            os.set_blocking(r, False)
            self._swap(r, w)

    def replug(self) -> None:
        with self.lock:
            master, slave = os.openpty()
            tty.setraw(slave)
            os.set_blocking(master, False)
            self._swap(master, slave)
            self.port = os.ttyname(slave)
            self.link.symlink_to(self.port)
            self.plugged = True


def test_pulled_cable_keeps_everything_and_resumes_into_the_same_capture(tmp_path, capsys):
    link = tmp_path / "ttyUSB0"
    out = tmp_path / "sweep.cap"
    with UnpluggableDevice(link, frames_per_s=100) as dev:

        def pull_and_put_back():
            # pull once the host has 50 SAMPLES frames (548 bytes each) on disk
            while not out.exists() or out.stat().st_size < 50 * 548:
                time.sleep(0.01)
            dev.unplug()
            time.sleep(1.2)
            dev.replug()

        t = threading.Thread(target=pull_and_put_back, daemon=True)
        t.start()
        rc = main(
            [
                "sweep",
                "--port",
                str(link),
                "--out",
                str(out),
                "--no-tty",
                "--seconds",
                "12",
                "--json",
                "--no-report",
            ]
        )
        t.join(5)
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    assert result["reconnects"] == 1 and result["capture"] == str(out)
    cap = load(out)
    notes = [r.text for r in cap.records if isinstance(r, Note)]
    assert notes[0].startswith("link lost:") and notes[1].startswith("link resumed after")
    rf = [r for r in cap.records if isinstance(r, Samples)]
    note_at = [i for i, r in enumerate(cap.records) if isinstance(r, Note)]
    before = [r for r in cap.records[: note_at[0]] if isinstance(r, Samples)]
    after = [r for r in cap.records[note_at[1] :] if isinstance(r, Samples)]
    assert len(before) >= 50 and len(after) >= 50
    seqs = [r.seq for r in rf]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # nothing twice
    # the frames sent while the cable was out are missing, and counted as a gap
    assert after[0].seq - before[-1].seq > 1
    assert cap.counters.crc_errors == 0
    # the live counters stored last cover both connections
    assert cap.live_counters is not None and cap.live_counters["frames"] >= len(rf)
    # --seconds is device time, which ran on while the cable was out: the sweep
    # ends 12 s after the first sample, and what arrived falls short by the gap
    block_us = 32000  # the fake device's blocks: 256 samples at 8 kHz
    span_s = (rf[-1].t_first_us + block_us - rf[0].t_first_us) / 1e6
    gap_s = (after[0].t_first_us - before[-1].t_first_us - block_us) / 1e6
    sampled_s = sum(len(r.samples) for r in rf) / 8000
    assert 12.0 <= span_s < 13.0 and gap_s > 1.0
    assert sampled_s == pytest.approx(span_s - gap_s) == pytest.approx(result["sampled_s"])


def test_a_device_that_falls_silent_is_treated_as_lost_and_restarted(tmp_path):
    from roomsweep.live.session import SweepSession

    out = tmp_path / "silent.cap"
    with FakeDevice(frames_per_s=200) as dev:
        state = LiveState()
        session = SweepSession(dev.port, out, state, silence_timeout_s=0.3, reconnect_every_s=0.1)
        session.connect()
        deadline = time.monotonic() + 10
        while state.sampled_s < 2.0 and time.monotonic() < deadline:
            session.step()
        dev.streaming = False  # the firmware hangs: the port stays, the data stops
        while state.link != "lost" and time.monotonic() < deadline:
            session.step()
        assert state.link == "lost" and "no data for" in state.link_note
        while state.link != "connected" and time.monotonic() < deadline:
            session.step()  # the port is still there: HELLO, STOP, START again
        before = state.sampled_s
        while state.sampled_s < before + 2.0 and time.monotonic() < deadline:
            session.step()
        session.finish()
    assert state.reconnects == 1 and state.sampled_s >= 4.0
    notes = [r.text for r in load(out).records if isinstance(r, Note)]
    assert len(notes) == 2 and "no data for" in notes[0]


def test_sweep_user_mistakes(capsys, tmp_path):
    assert (
        main(
            [
                "sweep",
                "--port",
                "/dev/does-not-exist",
                "--out",
                str(tmp_path / "x.cap"),
                "--no-tty",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err.strip()
    assert err.startswith("roomsweep: error:") and "cannot open port" in err and "\n" not in err
    assert main(["sweep", "--port", "loop://", "--speed", "2", "--out", "x.cap"]) == 2
    assert "--speed is for the simulated device" in capsys.readouterr().err
    assert main(["sweep", "--sim", "hotel-room", "--speed", "-1", "--out", "x.cap"]) == 2
    assert "--speed must be 0" in capsys.readouterr().err
    assert main(["sweep", "--sim", "hotel-room", "--out", "/no/such/dir/x.cap"]) == 2
    assert "no such directory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sweep", "--out", "x.cap"])  # neither --port nor --sim


# --- whole sweeps against the simulated device ----------------------------------------


@pytest.fixture(scope="module")
def sim_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "hotel.cap"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(
            [
                "sweep",
                "--sim",
                "hotel-room",
                "--out",
                str(out),
                "--no-tty",
                "--speed",
                "0",
                "--json",
            ]
        )
    assert rc == 0
    return out, json.loads(buf.getvalue())


@pytest.mark.slow
def test_whole_simulated_sweep_finds_the_camera_and_the_bug(sim_sweep):
    out, result = sim_sweep
    assert result["capture"] == str(out) and result["sampled_s"] >= 59.9
    assert [w["label"] for w in result["waypoints"]][:3] == ["door", "bathroom-door", "wardrobe"]
    assert len(result["waypoints"]) == 10
    rf = [f for f in result["findings"] if f.get("type", "rf") == "rf"]  # lens, network apart
    top = {(f["class"], f["waypoint"]) for f in rf[:2]}
    assert top == {("wifi_camera", "smoke-detector"), ("gsm", "headboard")}, result["findings"]
    assert result["link_counters"]["crc_errors"] == 0
    assert result["link_counters"]["device_dropped"] == 0
    # the IR LEDs lit for the lens scan, and the device took the setting
    assert "led0_duty=500" in read_header(out)[0]["settings"]
    assert any(
        type(r).__name__ == "Ack" and r.cmd_type == P.T_CMD_CONFIGURE for r in load(out).records
    )
    report = Path(result["report"])
    assert report == out.with_suffix(".html") and "smoke-detector" in report.read_text()


@pytest.mark.slow
def test_keys_during_a_simulated_sweep_mark_waypoints_and_finish(tmp_path):
    from roomsweep.live.session import SweepSession, run_sweep
    from roomsweep.sim.runner import SimulatedDevice
    from roomsweep.sim.scenario import load_scenario

    class ScriptedView:
        """Types keys at given seconds of the sweep; counts the locate ticks."""

        def __init__(self, state, script):
            self.state, self.script, self.beeps = state, list(script), 0

        def keys(self):
            while self.script and self.state.sampled_s >= self.script[0][0]:
                yield from self.script.pop(0)[1]

        def draw(self, state):
            pass

        def beep(self):
            self.beeps += 1

    scenario = load_scenario("hotel-room")
    out = tmp_path / "keys.cap"
    with SimulatedDevice(scenario, seconds=20) as sim:
        state = LiveState(capture_path=str(out), port=sim.port)
        view = ScriptedView(
            state, [(1.0, "l"), (2.0, "munder the lamp\r"), (3.0, " "), (4.0, "q")]
        )
        session = SweepSession(sim.port, out, state)
        session.connect()
        run_sweep(session, view, seconds=15, alive=sim.alive)
    assert 4.0 <= state.sampled_s < 6.0  # `q` finished it
    host_marks = [r for r in load(out).records if isinstance(r, Mark) and r.source == 0]
    assert [m.label for m in host_marks] == ["under the lamp", "mark 3"]
    assert view.beeps > 0  # the hotel room is loud: the locate cue ticks
    assert state.link == "finished"


@pytest.mark.slow
def test_sweep_with_radios_records_the_scans_and_reports_the_network(tmp_path, capsys):
    """--radios turns the device's Wi-Fi and BLE scans on: the capture holds their
    frames and the findings name the hotel room's camera access point or tracker."""
    from roomsweep.analysis.recording import from_capture

    out = tmp_path / "radios.cap"
    rc = main(
        [
            "sweep",
            "--sim",
            "hotel-room",
            "--out",
            str(out),
            "--no-tty",
            "--speed",
            "0",
            "--json",
            "--radios",
            "--no-report",
        ]
    )
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    rec = from_capture(out)
    assert rec.wifi and rec.ble
    # one clock: each scan stalls the samples about 1.6 s; the sweep, the
    # waypoints and the findings are all on device time (issue 16)
    assert len(rec.scan_gaps) >= 8 and result["duration_s"] >= 59.9
    assert result["sampled_s"] < result["duration_s"] - 8 * 1.5
    assert rec.device_duration_s == pytest.approx(result["duration_s"], abs=0.2)
    waypoints = {w["label"]: w["elapsed_s"] for w in result["waypoints"]}
    assert [w["elapsed_s"] for w in result["waypoints"]] == pytest.approx(
        [m.device_s for m in rec.marks], abs=0.05
    )
    for f in result["findings"]:
        assert 0 <= f["time_s"] <= result["duration_s"]
        if f["waypoint"] in waypoints:  # strongest while the device was at that stop
            assert f["time_s"] >= waypoints[f["waypoint"]] - 0.5, f
    assert {f.get("type") for f in result["findings"]} & {"wifi", "ble"} or any(
        "wifi" in f.get("evidence", {}) for f in result["findings"]
    )


def test_a_sweep_too_short_to_clear_the_room_does_not_say_nothing_was_found(tmp_path, capsys):
    out = tmp_path / "short.cap"
    with FakeDevice(frames_per_s=200) as dev:
        argv = ["sweep", "--port", dev.port, "--out", str(out), "--no-tty", "--no-report"]
        assert main(argv + ["--seconds", "1"]) == 1  # as analyze: not a clean room
    text = capsys.readouterr().out
    assert "too short to clear the room" in text
    assert "no suspicious" not in text.lower()
    # the sweep starts by asking for the sweeper's own phone in flight mode
    assert text.splitlines()[0] == FLIGHT_MODE_TIP


def test_the_sweeps_printout_says_the_phone_and_the_access_points_caveats(
    tmp_path, capsys, monkeypatch
):
    """What `analyze` and the report say beside the findings, the sweep's own
    printout says too: a phone that moved with the device, and the room's own
    access points left out of the findings (analyst.caveats)."""
    import roomsweep.cli.traveler as traveler
    from roomsweep.analyst.analysed import analyse_capture

    def with_caveats(path, *args, **kwargs):
        an = analyse_capture(path, *args, **kwargs)
        an.caveats.carried = "a phone moved with the device"
        an.caveats.identified = "access points that say what they are, not reported"
        return an

    monkeypatch.setattr(traveler, "analyse_capture", with_caveats)
    out = tmp_path / "caveats.cap"
    with FakeDevice(frames_per_s=200) as dev:
        argv = ["sweep", "--port", dev.port, "--out", str(out), "--no-tty", "--no-report"]
        main(argv + ["--seconds", "3"])
    text = capsys.readouterr().out
    assert "A phone moved with the device." in text
    assert "Access points that say what they are, not reported." in text
