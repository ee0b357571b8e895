"""End to end: the unchanged firmware on MicroPython, a pseudo-terminal, the host."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from roomsweep.cli import main
from roomsweep.link.capture import load, summarize
from roomsweep.link.device import Device, encode_command
from roomsweep.link.transport import open_port
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.records import Ack, Error, Samples, Status
from roomsweep.sim.runner import SimulatedDevice, simulate
from roomsweep.sim.scenario import load_scenario

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hotel():
    return load_scenario("hotel-room")


@pytest.fixture(scope="module")
def long_capture(tmp_path_factory):
    out = tmp_path_factory.mktemp("e2e") / "hotel.cap"
    assert main(["sim", "hotel-room", "--seconds", "32", "--out", str(out)]) == 0
    return out


def test_thirty_seconds_through_the_pty_without_a_single_error(long_capture):
    s = summarize(long_capture)
    assert s["duration_s"] >= 30.0
    live = s["live_counters"]
    replay = s["replay_counters"]
    for counters in (live, replay):
        assert counters["crc_errors"] == 0
        assert counters["seq_gaps"] == 0
        assert counters["device_dropped"] == 0
        assert counters["bad_length"] == counters["bad_payload"] == 0
    assert replay["garbage_bytes"] == 0  # a capture holds frames only
    for ch in ("0", "1"):
        c = s["channels"][ch]
        assert c["rate_hz_median"] >= 8000 * 0.999
        assert c["samples"] >= 30 * 8000
        assert c["device_dropped"] == 0
    assert s["device"]["simulated"] is True and s["device"]["board"] == "esp32-devkitc"
    assert s["last_status"]["missed"] == 0
    # the simulated user pressed the button on arriving at each stop it reached
    assert len(s["marks"]) >= 4 and all(m["label"] == "button" for m in s["marks"])


def test_samples_are_contiguous_in_device_time(long_capture):
    cap = load(long_capture)
    rf = [r for r in cap.records if isinstance(r, Samples) and r.channel == 0]
    firsts = np.array([r.t_first_us for r in rf], dtype=np.int64)
    steps = np.diff(firsts)
    # one uniform schedule across blocks: every block starts 256 slots after the
    # previous one, give or take the few us a sample may be late (never half a slot)
    assert np.all(np.abs(steps - 256 * 125) < 125 / 2), (steps.min(), steps.max())
    assert np.median(steps) == 256 * 125


def test_info_json_from_the_command_line(long_capture):
    proc = subprocess.run(
        [sys.executable, "-m", "roomsweep", "info", str(long_capture), "--json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["frames_by_type"]["SAMPLES"] > 1800
    assert data["header"]["simulation"]["scenario"] == "hotel-room"


def test_same_seed_same_samples(hotel, tmp_path):
    a, b = tmp_path / "a.cap", tmp_path / "b.cap"
    simulate(hotel, a, seconds=2.0, seed=7)
    simulate(hotel, b, seconds=2.0, seed=7)
    ra = [r.samples for r in load(a).records if isinstance(r, Samples)][:100]
    rb = [r.samples for r in load(b).records if isinstance(r, Samples)][:100]
    assert len(ra) == 100
    assert all(np.array_equal(x, y) for x, y in zip(ra, rb))


def test_slow_link_drops_oldest_and_counts_it(hotel, tmp_path):
    out = tmp_path / "slow.cap"
    # 2 x 8 kS/s packed needs ~26 kB/s; a 115200-baud UART carries 11.5 kB/s
    summary = simulate(hotel, out, seconds=3.0, baud=115200)
    c = summary["counters"]
    assert c["device_dropped"] > 0
    assert c["crc_errors"] == 0 and c["seq_gaps"] == 0  # dropped on the device, not the link
    cap = load(out)
    blocks = [r for r in cap.records if isinstance(r, Samples)]
    sent_samples = sum(len(r.samples) for r in blocks)
    # the link carries ~44 % of what is sampled; both channels thinned alike
    assert 0.3 < sent_samples / (sent_samples + c["device_dropped"]) < 0.6
    per_channel = [sum(r.channel == ch for r in blocks) for ch in (0, 1)]
    assert abs(per_channel[0] - per_channel[1]) <= 2, per_channel
    # sent + dropped (device STATUS, all channels) accounts for every sample slot
    status = [r for r in cap.records if isinstance(r, Status)][-1]
    assert status.dropped > 0 and status.missed == 0


def test_garbage_and_bad_commands_mid_stream_get_errors_and_streaming_goes_on(hotel):
    with SimulatedDevice(hotel, seconds=600) as sim:  # runs ~20x faster than real time
        port = open_port(sim.port)
        try:
            dev = Device(port)
            dev.hello()
            dev.request(P.T_CMD_START)
            bad_crc = bytearray(encode_command(P.T_CMD_PING, 900, "x")[0])
            bad_crc[-2] ^= 0x55
            port.write(
                b"\x00\xff garbage \xa7" + bytes(bad_crc) + P.encode_frame(0x5E, 901, 0, b"")
            )
            ack = dev.request(P.T_CMD_PING, "after the garbage")
            assert ack.text == "after the garbage"
            with pytest.raises(Exception, match="bad-state"):
                dev.request(P.T_CMD_START)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not any(
                isinstance(r, Error) and r.code == P.ERR_UNKNOWN_COMMAND for r in dev.backlog
            ):
                dev.backlog.extend(dev.read())
            errors = {r.code for r in dev.backlog if isinstance(r, Error)}
            assert {P.ERR_BAD_CRC, P.ERR_UNKNOWN_COMMAND, P.ERR_BAD_STATE} <= errors
            n_before = sum(isinstance(r, Samples) for r in dev.backlog)
            t_end = time.monotonic() + 1.0
            while time.monotonic() < t_end:
                dev.backlog.extend(dev.read())
            assert sum(isinstance(r, Samples) for r in dev.backlog) > n_before
            dev.request(P.T_CMD_STOP)
            assert dev.decoder.counters.crc_errors == 0
            assert dev.decoder.counters.seq_gaps == 0
        finally:
            port.close()
        assert sim.alive()


def test_a_host_mark_becomes_a_mark_frame(hotel):
    with SimulatedDevice(hotel, seconds=600) as sim:
        port = open_port(sim.port)
        try:
            dev = Device(port)
            dev.hello()
            dev.request(P.T_CMD_MARK, "under the bed")
            deadline = time.monotonic() + 3
            marks = []
            while not marks and time.monotonic() < deadline:
                dev.backlog.extend(dev.read())
                marks = [r for r in dev.backlog if type(r).__name__ == "Mark"]
            assert marks and marks[0].label == "under the bed" and marks[0].source == 0
            assert any(isinstance(r, Ack) for r in dev.backlog)
        finally:
            port.close()


def test_socket_url_reaches_a_device_through_serial_for_url():
    """socket:// needs no code of its own: a TCP peer streaming frames."""
    frames = b"".join(P.encode_frame(P.T_LOG, i, 0, P.encode_log(20, f"n{i}")) for i in range(50))
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port_no = srv.getsockname()[1]

    done = threading.Event()

    def serve():
        conn, _ = srv.accept()
        conn.recv(1)  # pyserial empties the input buffer on open: speak when spoken to
        conn.sendall(b"noise" + frames)
        done.wait(5)  # pyserial's socket:// drops a read's data if EOF comes within it
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    port = open_port(f"socket://127.0.0.1:{port_no}")
    try:
        dev = Device(port)
        port.write(b"?")
        got = []
        deadline = time.monotonic() + 5
        while len(got) < 50 and time.monotonic() < deadline:
            got += dev.read()
    finally:
        done.set()
        port.close()
        srv.close()
    assert [r.text for r in got] == [f"n{i}" for i in range(50)]
    assert dev.decoder.counters.garbage_bytes == 5


def test_loop_url_round_trip():
    port = open_port("loop://")
    try:
        assert port.dtr is False and port.rts is False
        frame, _ = encode_command(P.T_CMD_PING, 1, "loop")
        port.write(frame)
        got = Device(port).read()
        assert got[0].text == "loop"
    finally:
        port.close()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["sim", "no-such-room", "--out", "x.cap"], "no-such-room"),
        (["record", "--port", "/dev/does-not-exist", "--out", "x.cap"], "cannot open port"),
        (["sim", "hotel-room", "--out", "x.cap", "--seconds", "-1"], None),
    ],
)
def test_user_mistakes_are_one_line_errors(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if words is None:
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        return
    assert main(argv) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("roomsweep: error:") and words in err and "\n" not in err
