"""Recording into files safely: a refused setting touches no capture, a second
client on a busy port is refused, appended runs and cut frames count right, and
bad ports and captures get one-line errors."""

from __future__ import annotations

import pytest

from roomsweep.cli import main
from roomsweep.link import capture as C
from roomsweep.link.transport import open_port
from roomsweep.protocol import rsproto as P

from .fakedevice import FakeDevice


def _one_line_error(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("roomsweep: error:") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in err, err
    return err


def _a_capture(path) -> bytes:
    frames = [P.encode_frame(P.T_LOG, i, i, P.encode_log(20, f"kept {i}")) for i in range(5)]
    with C.CaptureWriter(path, {"notes": "the first sweep"}) as w:
        w.write_frames(frames)
    return path.read_bytes()


def test_a_refused_setting_leaves_an_existing_capture_as_it_was(tmp_path, capsys):
    keep = tmp_path / "keep.cap"
    before = _a_capture(keep)
    with FakeDevice(refuse_settings=("foo",)) as dev:
        argv = ["record", "--port", dev.port, "--out", str(keep), "--seconds", "1"]
        assert main(argv + ["--force", "--set", "foo=1"]) == 1
    _one_line_error(capsys, "unknown setting foo")
    assert keep.read_bytes() == before


def test_a_refused_setting_leaves_no_stub_and_a_corrected_one_records(tmp_path, capsys):
    out = tmp_path / "fresh.cap"
    with FakeDevice(refuse_settings=("foo",)) as dev:
        argv = ["record", "--port", dev.port, "--out", str(out), "--seconds", "0.2"]
        assert main(argv + ["--set", "foo=1"]) == 1
        _one_line_error(capsys, "unknown setting foo")
        assert not out.exists()
        assert main(argv + ["--set", "bar=1"]) == 0  # not "already exists"
    assert C.summarize(out)["frames_by_type"]["SAMPLES"] > 0


def test_a_second_client_on_a_busy_port_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "second.cap"
    with FakeDevice() as dev:
        first = open_port(dev.port)  # a recording or monitor already on it
        try:
            argv = ["record", "--port", dev.port, "--out", str(out), "--seconds", "0.2"]
            assert main(argv) == 1
            _one_line_error(capsys, "port busy", dev.port)
        finally:
            first.close()
        assert main(argv) == 0  # free again once the first client closed it


@pytest.mark.parametrize("url", ["socket://", "socket://localhost", "rfc2217://"])
def test_a_url_without_host_and_port_is_named_as_such(capsys, url):
    assert main(["monitor", "--port", url, "--seconds", "0.1"]) == 1
    _one_line_error(capsys, "bad port URL", "needs host:port")
