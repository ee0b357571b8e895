"""The capture reader's inputs: one check of what a file is, one decode per `info`.

- `roomsweep.link.inputs.check_input_path` is the only check that an input is an
  existing regular file: the commands call it before any work and the capture
  reader (`open_capture`) on every open, so both say the same thing.
- `roomsweep info` decodes the capture once and hands the records to both the
  summary (`link.capture.summarize_capture`) and the analysis's reader
  (`analysis.recording.from_capture(path, loaded)`), with the same output as
  reading the file twice.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from roomsweep.analysis.recording import from_capture
from roomsweep.cli import main
from roomsweep.cli.analyst import on_capture_clock
from roomsweep.errors import UsageError
from roomsweep.link import capture as C
from roomsweep.link.inputs import check_input_path
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.encoding import samples_payload

RATE = 8000
BLOCK = 256


def _capture(path, runs: list[tuple[float, float]], marks: list[tuple[float, str]]):
    """RF noise SAMPLES over each (start_s, seconds) run of device time (the space
    between runs is a stretch without samples, like a Wi-Fi scan), with host
    MARKs (time_s, label), written as a raw capture."""
    rng = np.random.default_rng(3)
    span = int((BLOCK - 1) * 1e6 / RATE)
    items = []
    for start, seconds in runs:
        for b in range(int(seconds * RATE / BLOCK)):
            t = int((start + b * BLOCK / RATE) * 1e6)
            items.append((t, 1, rng.integers(2300, 2900, BLOCK)))
    items += [(int(t * 1e6), 0, label) for t, label in marks]
    path.write_bytes(capture_bytes(items, span, {"notes": "inputs"}))
    return path


def capture_bytes(items: list, span_us: int, header: dict, mark_source: int = 0) -> bytes:
    """A raw capture of `items`, (device time us, 1, RF counts) for a SAMPLES
    block of `span_us` at RATE or (device time us, 0, label) for a MARK from
    `mark_source` (0 host, 1 button), in time order, samples after a mark
    at the same time."""
    frames, number = [], 0
    for seq, (t, is_samples, what) in enumerate(sorted(items, key=lambda x: (x[0], x[1]))):
        if is_samples:
            body = samples_payload(0, what, t, span_us, RATE * 1000, 0)
            frames.append(P.encode_frame(P.T_SAMPLES, seq, t, body))
        else:
            number += 1
            mark = P.encode_mark(number, mark_source, what)
            frames.append(P.encode_frame(P.T_MARK, seq, t, mark))
    return C.encode_header(header) + b"".join(frames)


@pytest.fixture
def gappy(tmp_path):
    """3 s of samples, 1.6 s without (a scan), 2 s more; three marks, one in the gap."""
    return _capture(
        tmp_path / "gappy.cap",
        [(0.0, 3.0), (4.6, 2.0)],
        [(1.0, "desk"), (4.0, "tv"), (5.5, "bed")],
    )


def test_info_decodes_the_capture_once_and_says_what_two_reads_said(gappy, capsys, monkeypatch):
    two_reads = on_capture_clock(C.summarize(gappy), str(gappy))
    assert two_reads["scan_gaps"] and two_reads["marks"][1]["time_s"] is not None

    decodes = []
    real = C.iter_records

    def counted(path, decoder=None):
        decodes.append(str(path))
        return real(path, decoder)

    monkeypatch.setattr(C, "iter_records", counted)
    assert main(["info", str(gappy), "--json"]) == 0
    assert decodes == [str(gappy)]
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(two_reads))
    decodes.clear()
    assert main(["info", str(gappy)]) == 0
    assert decodes == [str(gappy)] and "mark      #2 tv at 4.000 s" in capsys.readouterr().out


def test_from_capture_on_a_loaded_capture_is_the_same_recording_and_leaves_it_alone(gappy):
    loaded = C.load(gappy)
    records = list(loaded.records)
    a, b = from_capture(gappy), from_capture(gappy, loaded)
    assert np.array_equal(a.rf_counts, b.rf_counts) and a.fs == b.fs
    assert a.clock_breaks == b.clock_breaks and len(a.clock_breaks) == 2
    assert [(m.time_s, m.device_s, m.label) for m in a.marks] == [
        (m.time_s, m.device_s, m.label) for m in b.marks
    ]
    assert loaded.records == records and C.summarize_capture(loaded) == C.summarize(gappy)


def test_channel_times_are_each_blocks_span_evenly(gappy):
    """The block times, computed for all blocks at once, are what each block says:
    t_first + round(i * span / (n - 1)) for the i-th of its n samples."""
    cap = C.load(gappy)
    blocks = [r for r in cap.records if r.type == P.T_SAMPLES]
    _, times, rate = cap.channel(0)
    want = np.concatenate(
        [
            b.t_first_us + np.round(np.arange(len(b.samples)) * b.span_us / (len(b.samples) - 1))
            for b in blocks
        ]
    ).astype(np.int64)
    assert rate == RATE and times.dtype == np.int64 and np.array_equal(times, want)
    assert times[0] == 0 and np.all(np.diff(times) > 0)


def _refusal(call, path) -> str:
    with pytest.raises(UsageError) as e:
        call(path)
    return str(e.value)


@pytest.mark.parametrize("kind", ["fifo", "directory", "device", "missing"])
def test_the_reader_refuses_what_the_commands_refuse_in_the_same_words(kind, tmp_path):
    path = {"directory": tmp_path, "device": "/dev/null", "missing": tmp_path / "no.cap"}.get(
        kind, tmp_path / "x.cap"
    )
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block: it must not be opened
    said = _refusal(lambda p: check_input_path(p, "capture"), path)
    for reader in (C.load, C.read_header, lambda p: list(C.iter_records(p)), C.open_capture):
        assert _refusal(reader, path) == said
    words = {"fifo": "a FIFO", "directory": "a directory", "device": "a device"}
    assert said == (
        f"no such capture: {path}"
        if kind == "missing"
        else f"{path}: {words[kind]}, not a capture (a regular file)"
    )
