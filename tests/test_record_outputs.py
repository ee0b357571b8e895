"""Recording into files safely: a refused setting touches no capture, a second
client on a busy port is refused, appended runs and cut frames count right, and
bad ports and captures get one-line errors."""

from __future__ import annotations

from roomsweep.cli import main
from roomsweep.link import capture as C
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
