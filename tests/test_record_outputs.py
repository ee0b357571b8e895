"""Recording into files safely: a refused setting touches no capture, a second
client on a busy port is refused, appended runs and cut frames count right, and
bad ports and captures get one-line errors."""

from __future__ import annotations

import pytest

from roomsweep.cli import main
from roomsweep.link import capture as C
from roomsweep.link.transport import open_port
from roomsweep.protocol import decoder
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


def test_a_url_that_does_not_parse_is_one_line(capsys):
    assert main(["monitor", "--port", "socket://[::1", "--seconds", "0.1"]) == 1
    _one_line_error(capsys, "bad port URL", "socket://[::1")


def _logs(seqs) -> list[bytes]:
    return [P.encode_frame(P.T_LOG, s, 1000 * s, P.encode_log(20, f"line {s}")) for s in seqs]


def _session(path, seqs, append: bool, before: bytes = b"") -> None:
    """One recorder's run into `path`, as record does: HOST_TIME first."""
    if before:
        with open(path, "ab") as f:
            f.write(before)
    with C.CaptureWriter(path, {}, append=append) as w:
        w.write_host_time()
        w.write_frames(_logs(seqs))
        w.write_host_time()


def test_an_appended_run_is_no_sequence_gap_but_a_gap_within_a_run_still_is(tmp_path):
    path = tmp_path / "ap.cap"
    _session(path, range(0, 5), append=False)
    _session(path, range(180, 185), append=True)  # the device sent 175 frames meanwhile
    _session(path, [190, 191, 195], append=True)  # and 4 frames lost within this run
    cap = C.load(path)
    assert [r.seq for r in cap.records if r.type == P.T_LOG][5:] == [
        180,
        181,
        182,
        183,
        184,
        190,
        191,
        195,
    ]
    assert cap.counters.seq_gaps == 3


@pytest.mark.parametrize("kept", [3, 7, 12, 13, 20, -4, -1])
def test_a_frame_cut_before_an_append_counts_once_as_truncated(tmp_path, kept):
    path = tmp_path / "cut.cap"
    _session(path, range(0, 5), append=False)
    torn = _logs([5])[0][:kept]  # the recorder was killed writing it
    _session(path, range(9, 12), append=True, before=torn)
    for sizes in (None, 1, 5):  # whole, and byte by byte as a live reader gets it
        dec = C.Decoder(keep_raw=True)
        records = list(C.iter_records(path, dec)) if sizes is None else []
        if sizes is not None:
            data = path.read_bytes()[C.read_header(path)[1] :]
            for at in range(0, len(data), sizes):
                records += dec.feed(data[at : at + sizes])
            records += dec.finish()
        c = dec.counters
        assert [r.seq for r in records if r.type == P.T_LOG] == [0, 1, 2, 3, 4, 9, 10, 11]
        assert (c.truncated, c.crc_errors, c.garbage_bytes, c.seq_gaps) == (1, 0, 0, 0)
        assert c.bad_length == c.bad_version == 0


def test_a_damaged_length_before_an_append_loses_no_valid_frame(tmp_path):
    # a LOG whose length field got corrupted, then two good LOGs, then an
    # append: the damage must not swallow the good frames up to the session start
    path = tmp_path / "dmg.cap"
    _session(path, range(0, 3), append=False)
    bad = bytearray(_logs([3])[0])
    bad[6] = 200  # the length (offset 6): the candidate now reaches past the next frames
    _session(path, range(9, 40), append=True, before=bytes(bad) + b"".join(_logs([4, 5])))
    for sizes in (None, 1, 7):
        dec = C.Decoder()
        if sizes is None:
            records = list(C.iter_records(path, dec))
        else:
            records = []
            data = path.read_bytes()[C.read_header(path)[1] :]
            for at in range(0, len(data), sizes):
                records += dec.feed(data[at : at + sizes])
            records += dec.finish()
        assert [r.seq for r in records if r.type == P.T_LOG] == [0, 1, 2, 4, 5, *range(9, 40)]
        c = dec.counters
        assert (c.truncated, c.crc_errors, c.seq_gaps) == (0, 1, 1)  # LOG 3 lost, and said


def test_a_capture_cut_at_its_end_counts_the_cut_frame_once(tmp_path):
    path = tmp_path / "tail.cap"
    frames = [P.encode_frame(P.T_LOG, s, s, P.encode_log(20, "x" * 600)) for s in range(4)]
    with C.CaptureWriter(path, {}) as w:
        w.write_frames(frames)
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size - 434)
    c = C.load(path).counters
    assert (c.truncated, c.garbage_bytes, c.crc_errors) == (1, 0, 0)


def test_a_port_where_no_device_answers_names_the_command_and_the_port(tmp_path, capsys):
    out = tmp_path / "l.cap"
    assert main(["record", "--port", "loop://", "--out", str(out), "--seconds", "1"]) == 1
    err = _one_line_error(capsys, "HELLO", "loop://")
    assert "0x40" not in err and not out.exists()


@pytest.mark.parametrize(
    "size, words", [(0, "empty file (0 bytes)"), (8, "cut short after 8 bytes"), (3, "after 3")]
)
def test_an_empty_or_cut_capture_says_so_not_bad_magic(tmp_path, capsys, size, words):
    good = tmp_path / "good.cap"
    bad = tmp_path / "bad.cap"
    bad.write_bytes(_a_capture(good)[:size])
    assert main(["info", str(bad)]) == 1
    err = _one_line_error(capsys, words)
    assert "bad magic" not in err


def test_ctrl_c_before_the_stream_starts_says_nothing_was_recorded(tmp_path, capsys, monkeypatch):
    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("roomsweep.cli.developer.record", interrupted)
    out = tmp_path / "none.cap"
    with FakeDevice(frames_per_s=100) as dev:
        assert main(["record", "--port", dev.port, "--out", str(out)]) == 130
    assert "nothing recorded" in capsys.readouterr().out and not out.exists()


def test_the_session_rule_scans_only_rejected_candidates_with_a_magic_inside(monkeypatch):
    """Garbage-heavy input stays cheap (docs/benchmarks.md, *Garbage-heavy input*):
    a rejected candidate that is all here and holds no magic holds no session
    start either, and the decoder tells so without _cut_by_session's scan."""
    calls: list[int] = []
    scan = decoder._cut_by_session
    monkeypatch.setattr(
        decoder, "_cut_by_session", lambda b, i, *a: calls.append(i) or scan(b, i, *a)
    )
    crc = [f[:-1] + bytes([f[-1] ^ 0xFF]) for f in _logs(range(50))]
    version = [f[:2] + b"\x09" + f[3:] for f in _logs(range(50, 60))]
    long = bytearray(_logs([60])[0])
    long[6] = 200  # its length now reaches past the next frame, whose magic is inside
    data = b"".join([*crc, *version, bytes(long), *_logs(range(61, 70))])
    dec = C.Decoder()
    records = dec.feed(data) + dec.finish()
    assert [r.seq for r in records] == list(range(61, 70))
    c = dec.counters
    assert (c.crc_errors, c.bad_version, c.truncated) == (51, 10, 0)
    assert calls == [data.index(bytes(long))]  # the one candidate with a magic inside
