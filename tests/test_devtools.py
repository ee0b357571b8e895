"""Firmware-developer tools: monitor, flash and deploy (dry runs, argument checks,
and deploy's version check against the fake and the simulated device)."""

from __future__ import annotations

import json
import os
import shlex
import time

import numpy as np
import pytest

from roomsweep.cli import main
from roomsweep.link.flashing import (
    MICROPYTHON_VERSION,
    board_profile,
    deploy_plan,
    firmware_version,
)
from roomsweep.link.monitor import as_json, counters_line, describe
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.records import Error, Mark, Samples, Status
from tests.fakedevice import FakeDevice


def _one_line_error(capsys, words: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.startswith("roomsweep: error:") and words in err and "\n" not in err, err


class NoisyFakeDevice(FakeDevice):
    """Prints a line of text (as a crashed firmware would) before its INFO."""

    def _send(self, msg_type: int, payload: bytes, ts: int | None = None) -> int:
        if msg_type == P.T_INFO:
            os.write(self.master, b"\xa7\x5e\x01garbage")
        return super()._send(msg_type, payload, ts)


# --- monitor ------------------------------------------------------------------------


def test_describe_and_json_of_each_kind_of_record():
    s = Samples(
        P.T_SAMPLES,
        3,
        2_000_000,
        channel=1,
        rate_hz=8000.0,
        t_first_us=1_968_000,
        span_us=31875,
        samples=np.array([10, 20, 30], np.uint16),
    )
    assert "photodiode 3 samples @ 8000.0 S/s, counts 10..30 mean 20.0" in describe(s)
    j = as_json(s)
    assert j["type"] == "SAMPLES" and j["channel"] == "photodiode" and j["max"] == 30
    m = Mark(P.T_MARK, 4, 0, number=2, source=P.MARK_FROM_BUTTON, label="bed")
    assert "waypoint 2 from button: 'bed'" in describe(m)
    e = Error(
        P.T_ERROR,
        5,
        0,
        cmd_seq=9,
        cmd_type=P.T_CMD_START,
        code=P.ERR_BAD_STATE,
        text="already streaming",
    )
    assert "CMD_START #9 refused: bad-state: already streaming" in describe(e)
    assert as_json(e)["code"] == "bad-state"
    st = Status(P.T_STATUS, 6, 0, heap_free=1000, streaming=True)
    assert as_json(st)["heap_free"] == 1000 and "streaming" in describe(st)
    json.dumps([as_json(r) for r in (s, m, e, st)])  # all serialisable
    assert counters_line({"frames": 3, "bytes_total": 9}) == "frames 3, bytes 9; errors: none"


def test_describe_radio_scans():
    from roomsweep.protocol.records import AccessPoint, BleAdv, BleAdvertiser, WifiScan

    scan = WifiScan(
        0x10,
        1,
        0,
        duration_us=120000,
        access_points=[
            AccessPoint("aa:bb:cc:dd:ee:01", "HotelGuest", 6, -48, 3, False),
            AccessPoint("aa:bb:cc:dd:ee:02", "", 11, -40, 3, True),
        ],
    )
    assert "WIFI_SCAN" in describe(scan)
    assert "2 access points in 120 ms: (hidden) ch11 -40 dBm, HotelGuest ch6 -48" in describe(scan)
    assert as_json(scan)["access_points"][0]["ssid"] == "HotelGuest"
    ble = BleAdv(
        0x11,
        2,
        0,
        span_us=1_000_000,
        lost=2,
        advertisers=[BleAdvertiser("11:22:33:44:55:66", 1, 0, -60, -61, 4)],
    )
    assert "1 BLE advertisers in 1000 ms, 2 lost" in describe(ble)
    assert as_json(ble)["advertisers"][0]["seen"] == 4


def test_monitor_json_lines_from_a_streaming_device(capsys):
    with FakeDevice(frames_per_s=400) as dev:
        rc = main(
            [
                "monitor",
                "--port",
                dev.port,
                "--start",
                "--json",
                "--frames",
                "30",
                "--seconds",
                "10",
                "--counters-every",
                "0",
            ]
        )
    assert rc == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    types = [x["type"] for x in lines]
    assert "ACK" in types and "INFO" in types
    samples = [x for x in lines if x["type"] == "SAMPLES"]
    assert samples and all(x["count"] == 256 and x["channel"] == "rf" for x in samples)
    assert len(lines) == 31 and types[-1] == "counters"  # 30 frames, then the counters
    assert lines[-1]["frames"] >= 30 and lines[-1]["crc_errors"] == 0


def test_monitor_start_takes_a_device_left_streaming(capsys):
    # a device still streaming for an earlier, killed host refuses START until
    # stopped: --start stops it first, as record does
    with FakeDevice(frames_per_s=400) as dev:
        dev.streaming = True
        time.sleep(0.05)
        argv = ["monitor", "--port", dev.port, "--start", "--json", "--frames", "40"]
        assert main(argv + ["--seconds", "10", "--counters-every", "0"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert not [x for x in lines if x["type"] == "ERROR"]
    assert [x for x in lines if x["type"] == "SAMPLES"]


def test_monitor_text_shows_frames_and_error_counters(capsys):
    with NoisyFakeDevice(frames_per_s=400) as dev:
        assert main(["monitor", "--port", dev.port, "--hello", "--frames", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "CMD_HELLO" in out[0] and "accepted" in out[0]
    assert "INFO" in out[1] and "firmware fake" in out[1]
    assert out[-1].startswith("-- frames 2,") and "garbage_bytes 10" in out[-1]


def test_monitor_user_mistakes(capsys):
    assert main(["monitor", "--port", "/dev/does-not-exist"]) == 1
    _one_line_error(capsys, "cannot open port")
    assert main(["monitor", "--port", "loop://", "--frames", "0"]) == 2
    _one_line_error(capsys, "--frames must be positive")


# --- flash --------------------------------------------------------------------------


def _image(path, chip_id: int = 0x0000, size: int = 128 * 1024):
    """A file with esptool's image header: magic 0xE9, 3 segments, DIO, 4 MB,
    an entry point, then the extended header with `chip_id` at its bytes 4-5."""
    header = bytes([0xE9, 3, 2, 0x20]) + (0x40080000).to_bytes(4, "little")
    extended = bytes([0xEE, 0, 0, 0]) + chip_id.to_bytes(2, "little") + bytes(10)
    path.write_bytes(header + extended + bytes(size - 24))
    return path


def test_flash_dry_run_prints_the_exact_esptool_commands(capsys, tmp_path):
    image = _image(tmp_path / "mp.bin")
    assert main(["flash", "--port", "/dev/ttyUSB0", "--dry-run", "--image", str(image)]) == 0
    cmds = [shlex.split(x) for x in capsys.readouterr().out.splitlines() if not x.startswith("#")]
    assert cmds[0][1:] == ["--chip", "esp32", "--port", "/dev/ttyUSB0", "erase-flash"]
    assert cmds[1][1:] == [
        "--chip",
        "esp32",
        "--port",
        "/dev/ttyUSB0",
        "--baud",
        "460800",
        "write-flash",
        "0x1000",
        str(image),
    ]
    assert cmds[0][0].endswith("esptool")


def test_flash_board_profile_decides_image_and_offset(capsys):
    assert main(["flash", "--port", "COM7", "--board", "esp32s3", "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["chip"] == "esp32s3" and plan["offset"] == 0
    assert plan["image_url"] == (
        "https://micropython.org/resources/firmware/"
        f"ESP32_GENERIC_S3-20251209-v{MICROPYTHON_VERSION}.bin"
    )
    assert plan["commands"][-1][-2:] == ["0x0", plan["image"]]
    # the pins.toml board names work too
    assert board_profile("esp32-s3-devkitc") is board_profile("esp32s3")


@pytest.mark.parametrize(
    "argv, code, words",
    [
        (
            ["flash", "--port", "x", "--board", "esp8266", "--dry-run"],
            2,
            "unknown board 'esp8266'",
        ),
        (["flash", "--port", "x", "--image", "/no/such.bin", "--dry-run"], 2, "no such image"),
        (["flash", "--port", "x", "--sha256", "abc", "--dry-run"], 2, "64 hexadecimal digits"),
        (["flash", "--port", "", "--dry-run"], 2, "not a usable port"),
        (["deploy", "--port", "", "--dry-run"], 2, "not a usable port"),
    ],
)
def test_flash_and_deploy_user_mistakes(argv, code, words, capsys):
    assert main(argv) == code
    _one_line_error(capsys, words)


def test_flash_checks_a_given_image_against_its_sha256(capsys, tmp_path):
    image = _image(tmp_path / "mp.bin")
    assert (
        main(["flash", "--port", "/dev/null-port", "--image", str(image), "--sha256", "0" * 64])
        == 2
    )
    _one_line_error(capsys, "is not the expected")


def test_image_download_is_cached_and_checked_against_its_first_digest(tmp_path, monkeypatch):
    """The real download path, from a file:// mirror: stored with its SHA-256,
    reused, and refused once the cached file no longer matches."""
    from roomsweep.link import flashing

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    profile = board_profile("esp32")
    (mirror / profile.image_name).write_bytes(b"\xe9" + bytes(range(256)) * 8)
    monkeypatch.setattr(flashing, "DOWNLOAD_BASE", mirror.as_uri() + "/")
    monkeypatch.setattr(flashing, "CACHE_DIR", tmp_path / "cache")
    logged: list[str] = []
    path, digest = flashing.fetch_image(profile, log=logged.append)
    assert path.parent == tmp_path / "cache" / "micropython" and len(digest) == 64
    assert logged == [f"downloading {mirror.as_uri()}/{profile.image_name}"]
    assert flashing.fetch_image(profile, log=logged.append) == (path, digest)
    assert len(logged) == 1  # cached: not downloaded again
    with pytest.raises(flashing.ToolError, match="is not the expected"):
        flashing.fetch_image(profile, expected_sha256="0" * 64)
    path.write_bytes(b"tampered")
    with pytest.raises(flashing.ToolError, match="delete the file"):
        flashing.fetch_image(profile)
    monkeypatch.setattr(flashing, "CACHE_DIR", tmp_path / "empty")
    monkeypatch.setattr(flashing, "DOWNLOAD_BASE", (tmp_path / "nowhere").as_uri() + "/")
    with pytest.raises(flashing.ToolError, match="pass --image FILE"):
        flashing.fetch_image(profile)


@pytest.mark.parametrize(
    "content, board, words",
    [
        (b"shopping list\n" * 10000, "esp32", "not an ESP32 firmware image (first byte 0x73"),
        (b"", "esp32", "not an ESP32 firmware image (empty)"),
        ("s3", "esp32", "an image for esp32s3, not for --board esp32"),
        ("esp32", "esp32s3", "an image for esp32, not for --board esp32s3"),
        ("small", "esp32", "not a whole MicroPython image"),
    ],
)
def test_flash_checks_the_image_before_erasing(
    content, board, words, tmp_path, capsys, monkeypatch
):
    from roomsweep.cli import developer

    ran: list = []
    monkeypatch.setattr(developer, "run_commands", ran.append)
    path = tmp_path / "notes.txt"
    if content == "s3":
        _image(path, 0x0009)
    elif content == "esp32":
        _image(path, 0x0000)
    elif content == "small":
        _image(path, 0x0000, size=4096)
    else:
        path.write_bytes(content)
    for dry in ([], ["--dry-run"]):
        argv = ["flash", "--port", "/dev/ttyUSB0", "--board", board, "--image", str(path)]
        assert main(argv + dry + ["--yes"]) == 2
        _one_line_error(capsys, words)
    assert ran == []  # esptool never ran


def test_flash_asks_before_erasing_and_refuses_without_a_terminal(tmp_path, capsys, monkeypatch):
    from roomsweep.cli import developer

    ran: list = []
    monkeypatch.setattr(developer, "run_commands", ran.append)
    image = _image(tmp_path / "mp.bin")
    argv = ["flash", "--port", "/dev/ttyUSB0", "--image", str(image)]
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(argv) == 2
    _one_line_error(capsys, "add --yes to confirm (no terminal to ask on)")
    assert ran == []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _q: "n")
    assert main(argv) == 2 and ran == []
    _one_line_error(capsys, "not confirmed")
    monkeypatch.setattr("builtins.input", lambda _q: "y")
    assert main(argv) == 0 and len(ran) == 1
    assert ran[0][0][-1] == "erase-flash"
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(argv + ["--yes"]) == 0 and len(ran) == 2


def test_image_check_reads_esptools_header(tmp_path):
    from roomsweep.link.flashing import check_image

    assert check_image(_image(tmp_path / "a.bin", 0x0009), board_profile("esp32s3")) == "esp32s3"
    assert check_image(_image(tmp_path / "b.bin", 0x0000), board_profile("esp32")) == "esp32"


# --- deploy -------------------------------------------------------------------------


def test_deploy_dry_run_compiles_every_module_but_main_and_copies(capsys, tmp_path):
    build = tmp_path / "b"
    assert (
        main(["deploy", "--port", "/dev/ttyACM0", "--dry-run", "--json", "--build", str(build)])
        == 0
    )
    plan = json.loads(capsys.readouterr().out)
    assert plan["expected_firmware"] == firmware_version()
    compiles = [c for c in plan["commands"] if c[0].endswith("mpy-cross")]
    names = sorted(c[-1].rsplit("/", 1)[-1] for c in compiles)
    assert "main.py" not in names and "app.py" in names and "sampler.py" in names
    assert all(c[1] == "-march=xtensawin" for c in compiles)
    mp = [c for c in plan["commands"] if c[0].endswith("mpremote")]
    assert all(c[1:3] == ["connect", "/dev/ttyACM0"] for c in mp)
    assert mp[0][3] == "exec" and '"app.py"' in mp[0][4]  # stale .py would shadow .mpy
    assert mp[1][3:5] == ["fs", "cp"] and mp[1][-1] == ":"
    assert len(mp[1]) - 6 == len(compiles)
    assert mp[2][-1] == ":main.py" and mp[-1][-1] == "reset"


def test_deploy_dry_run_commands_really_compile(tmp_path):
    """The printed mpy-cross commands are the ones that work (run them here)."""
    import subprocess

    plan = deploy_plan("/dev/ttyUSB0", build=tmp_path)
    for argv in plan.compile[:3]:
        assert subprocess.run(argv, capture_output=True).returncode == 0, argv
    assert (tmp_path / "app.mpy").read_bytes()[:1] == b"M"  # .mpy magic


def test_deploy_version_check_against_a_device_with_other_firmware(capsys):
    import time

    with FakeDevice() as dev:
        t0 = time.monotonic()
        assert main(["deploy", "--port", dev.port, "--check-only"]) == 1
        assert time.monotonic() - t0 < 3.0  # HELLO answered: no waiting out a timeout
    _one_line_error(capsys, "reports firmware 'fake', this tree has")


@pytest.mark.slow
def test_deploy_version_check_against_the_simulated_device(capsys):
    from roomsweep.sim.runner import SimulatedDevice
    from roomsweep.sim.scenario import load_scenario

    with SimulatedDevice(load_scenario("hotel-room"), seconds=60) as sim:
        assert main(["deploy", "--port", sim.port, "--check-only"]) == 0
    out = capsys.readouterr().out
    assert f"firmware {firmware_version()} on esp32-devkitc: the same as this tree" in out


@pytest.mark.slow
def test_monitor_the_firmware_on_the_simulated_device(capsys):
    from roomsweep.sim.runner import SimulatedDevice
    from roomsweep.sim.scenario import load_scenario

    with SimulatedDevice(load_scenario("hotel-room"), seconds=60) as sim:
        assert (
            main(
                [
                    "monitor",
                    "--port",
                    sim.port,
                    "--start",
                    "--json",
                    "--frames",
                    "150",
                    "--counters-every",
                    "0",
                ]
            )
            == 0
        )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    by_type = {}
    for x in lines[:-1]:
        by_type.setdefault(x["type"], []).append(x)
    info = by_type["INFO"][0]["info"]
    assert info["firmware"] == firmware_version() and info["simulated"] is True
    channels = {x["channel"] for x in by_type["SAMPLES"]}
    assert channels == {"rf", "photodiode"}
    assert all(x["rate_hz"] > 7900 and x["count"] == info["block"] for x in by_type["SAMPLES"])
    assert by_type["STATUS"][0]["streaming"] is True
    counters = lines[-1]
    assert counters["type"] == "counters" and counters["crc_errors"] == 0
    assert counters["seq_gaps"] == 0 and counters["frames"] >= 150


@pytest.mark.parametrize("command", ["sweep", "monitor", "flash", "deploy"])
def test_every_new_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: roomsweep {command}") and "--port" in out


# --- ports and info -------------------------------------------------------------------


def test_ports_say_which_is_likely_the_device_and_why():
    from roomsweep.link.transport import PortInfo, format_ports, port_reason

    likely, why = port_reason("/dev/ttyUSB0", 0x10C4, 0xEA60)
    assert likely and "CP210x" in why and "10c4:ea60" in why
    assert port_reason("/dev/ttyACM0", 0x303A, 0x1001)[0]  # ESP32-S3 native USB
    assert port_reason("/dev/ttyUSB1", 0x1A86, 0x7523)[0]  # CH340
    assert port_reason("/dev/ttyUSB2", 0x0403, 0x6001)[0]  # FTDI
    assert port_reason("/dev/ttyS0", None, None) == (
        False,
        "built-in serial port, not a USB device",
    )
    assert not port_reason("/dev/ttyUSB3", 0x046D, 0xC52B)[0]  # a mouse receiver
    text = format_ports(
        [
            PortInfo("/dev/ttyUSB0", "CP2102", "", *port_reason("/dev/ttyUSB0", 0x10C4, 0xEA60)),
            PortInfo("/dev/ttyS0", "n/a", "", *port_reason("/dev/ttyS0", None, None)),
        ]
    )
    first, second = text.splitlines()
    assert first.startswith("* /dev/ttyUSB0") and "likely the device" in first
    assert second.startswith("  /dev/ttyS0") and "not a USB device" in second
    assert "sim hotel-room --pty" in format_ports([])
