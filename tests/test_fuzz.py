"""Fuzzers as tests (issue 17), each bounded to seconds.

- The host decoder (hypothesis): random garbage and valid frames of any type,
  interleaved and fed in random pieces, never raise; the counters add up; every
  valid frame is recovered.
- The capture reader (hypothesis): a valid capture file truncated, with bytes
  flipped, with garbage (and CRC-valid junk frames) appended, gives records or a
  typed roomsweep error, never another exception.
- The firmware's command intake on the MicroPython unix port: more than 10,000
  malformed commands between valid PINGs while the firmware streams; every PING
  answered, every reply the one docs/protocol.md prescribes, streaming never
  stops, the heap flat.

The million-input run of the decoder fuzzer is tests/benchmarks/fuzz_decoder.py
(figures in docs/benchmarks.md, "Fuzzing").
"""

from __future__ import annotations

import functools
import json
import random
import struct
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roomsweep.errors import RoomsweepError
from roomsweep.link import capture as C
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Decoder, decode_all
from roomsweep.protocol.records import Ack, Error, Samples, Status, Unknown
from tests.test_decoder_properties import chunkings, delivered_frames, streams
from tests.test_firmware_intake import expected_replies, replies_of

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# --- the decoder ------------------------------------------------------------------------

garbage = st.one_of(
    st.binary(min_size=1, max_size=80),
    st.lists(st.binary(max_size=16), min_size=2, max_size=5).map(P.MAGIC.join),
    st.builds(  # a plausible header of any type and length, and a few bytes
        lambda t, seq, length, tail: (
            struct.pack(P.HEADER_FORMAT, P.MAGIC0, P.MAGIC1, 1, t, seq, length, 0) + tail
        ),
        st.integers(0, 255),
        st.integers(0, 0xFFFF),
        st.one_of(st.integers(0, 600), st.integers(0, 0xFFFF)),
        st.binary(max_size=20),
    ),
)
any_payload = st.one_of(
    st.binary(max_size=96),
    st.builds(lambda a, b: a + b, st.binary(min_size=20, max_size=20), st.binary()),
    st.builds(
        lambda v: json.dumps(v).encode(), st.dictionaries(st.text(max_size=8), st.integers())
    ),
)
any_frame = st.tuples(st.integers(0, 255), any_payload)


def feed_pieces(data: bytes, sizes) -> tuple[list, Decoder]:
    dec = Decoder(keep_raw=True)
    records, pos, k = [], 0, 0
    sizes = [s for s in sizes if s > 0] or [len(data) or 1]
    while pos < len(data):
        n = sizes[k % len(sizes)]
        records += dec.feed(data[pos : pos + n])
        pos, k = pos + n, k + 1
        assert dec.counters.garbage_bytes + sum(len(r.raw) for r in records) + dec.pending + (
            dec.cut_bytes
        ) == (dec.counters.bytes_total)
    records += dec.finish()
    return records, dec


@FUZZ
@given(st.lists(st.tuples(any_frame, st.lists(garbage, max_size=2)), max_size=10), chunkings)
def test_decoder_garbage_and_frames_of_any_type_interleaved(items, sizes):
    frames, data = [], bytearray()
    for k, ((msg_type, payload), junk) in enumerate(items):
        data += b"".join(junk)
        frame = P.encode_frame(msg_type, k, 1000 * k, payload)
        frames.append(frame)
        data += frame
    records, dec = feed_pieces(bytes(data), sizes)  # never raises
    c = dec.counters
    found = delivered_frames(frames, bytes(data))
    assert len(found) == len(frames)  # the garbage cannot hide a frame's own bytes
    assert [r.raw for r in records] == frames  # every valid frame, in order, nothing else
    assert c.frames == len(frames) and c.bytes_total == len(data)
    assert c.garbage_bytes + dec.cut_bytes == len(data) - sum(len(f) for f in frames)
    assert sum(isinstance(r, Unknown) for r in records) == c.unknown_type + c.bad_payload


@FUZZ
@given(streams(max_frames=8), st.lists(garbage, max_size=8), st.randoms(), chunkings)
def test_decoder_device_streams_with_garbage_anywhere(s, junk, rnd, sizes):
    """Garbage spliced in at random places, inside frames too: the frames left
    whole are recovered exactly, and the counters add up."""
    data = bytearray(s.data)
    for g in junk:
        at = rnd.randint(0, len(data))
        data[at:at] = g
    data = bytes(data)
    records, dec = feed_pieces(data, sizes)
    c = dec.counters
    whole = [k for k, _ in delivered_frames(s.frames, data)]
    assert [r.raw for r in records] == [s.frames[k] for k in whole]
    assert c.frames == len(records) and c.bytes_total == len(data)
    assert c.garbage_bytes + sum(len(r.raw) for r in records) + dec.cut_bytes == len(data)


# --- the capture reader -------------------------------------------------------------


@functools.cache
def clean_capture() -> bytes:
    """A small valid capture: INFO, SAMPLES, MARK, STATUS, HOST_TIME and NOTE."""
    with tempfile.TemporaryDirectory() as tmp:
        return _capture_bytes(Path(tmp))


def _capture_bytes(tmp_path: Path) -> bytes:
    samples = struct.pack(P.SAMPLES_HEADER_FORMAT, 0, P.ENC_PACKED12, 4, 100, 375, 8000000, 0)
    info = {"firmware": "0.1.0", "protocol": 1, "rate_hz": 8000, "block": 4, "channels": []}
    frames = [P.encode_frame(P.T_INFO, 0, 10, json.dumps(info).encode())]
    for k in range(1, 9):
        ch = k % 2
        head = bytearray(samples)
        head[0] = ch
        struct.pack_into("<I", head, 4, 100 + 500 * k)
        frames.append(P.encode_frame(P.T_SAMPLES, k, 100 + 500 * k, bytes(head) + bytes(6)))
    frames.append(P.encode_frame(P.T_MARK, 9, 5000, P.encode_mark(1, 0, "desk")))
    status = struct.pack(P.STATUS_FORMAT, 5, 40000, 50000, 0, 0, 0, 3700, 0, 0, 1)
    frames.append(P.encode_frame(P.T_STATUS, 10, 5100, status))
    path = tmp_path / "clean.cap"
    header = {"device": info, "notes": "fuzz", "created_unix": 1.8e9, "created_utc": "2027"}
    with C.CaptureWriter(path, header) as w:  # the same bytes every time
        w.write_frames(frames[:5])
        w.write_host_time()
        w.write_frames(frames[5:])
        w.write_note("checked")
    return path.read_bytes()


@st.composite
def corruptions(draw, size):
    """(kind, arguments) of one damage to a file of `size` bytes."""
    kind = draw(st.sampled_from(["truncate", "flip", "append", "splice", "mixed"]))
    flips = st.lists(
        st.tuples(st.integers(0, size - 1), st.integers(1, 255)), min_size=1, max_size=8
    )
    known = P.DEVICE_TYPES + P.HOST_TYPES + (P.T_WIFI_SCAN, P.T_BLE_ADV)
    junk_frames = st.lists(
        st.tuples(st.one_of(st.sampled_from(known), st.integers(0, 255)), any_payload),
        max_size=4,
    )
    return {
        "kind": kind,
        "cut": draw(st.integers(0, size)),
        "flips": draw(flips),
        "garbage": draw(st.binary(max_size=300)),
        "frames": draw(junk_frames),
        "at": draw(st.integers(0, size)),
    }


def corrupt(clean: bytes, d) -> bytes:
    out = bytearray(clean)
    kind = d["kind"]
    if kind in ("flip", "mixed"):
        for at, mask in d["flips"]:
            out[at] ^= mask
    junk = d["garbage"] + b"".join(P.encode_frame(t, 7, 0, p) for t, p in d["frames"])
    if kind in ("append", "mixed"):
        out += junk
    if kind == "splice":
        out[d["at"] : d["at"]] = junk
    if kind in ("truncate", "mixed"):
        del out[d["cut"] :]
    return bytes(out)


def test_capture_fuzz_baseline_reads_clean(tmp_path):
    path = tmp_path / "a.cap"
    path.write_bytes(clean_capture())
    cap = C.load(path)
    assert sum(isinstance(r, Samples) for r in cap.records) == 8
    assert cap.counters.garbage_bytes == 0 and cap.counters.crc_errors == 0
    assert C.summarize(path)["marks"][0]["label"] == "desk"


@FUZZ
@given(st.data())
def test_damaged_capture_reads_or_raises_a_typed_error(tmp_path, data):
    clean = clean_capture()
    damaged = corrupt(clean, data.draw(corruptions(len(clean))))
    path = tmp_path / "damaged.cap"
    path.write_bytes(damaged)
    for read in (
        C.read_header,
        lambda p: list(C.iter_records(p)),
        C.load,
        lambda p: C.load(p, one_clock=False),
        C.summarize,
    ):
        try:
            read(path)
        except RoomsweepError as e:
            assert str(e)  # a one-line message the CLI can print
            assert "\n" not in str(e)


# --- the firmware's command intake, while streaming --------------------------------------

MALFORMED = 10_500
SEED = 17


def _text(rng: random.Random) -> str:
    n = rng.choice([0, 1, 3, rng.randint(0, 40), rng.randint(0, 256)])
    alphabet = "abcdefghijklmnopqrstuvwxyz ABC=0123456789-_.:;!?" + "é§^ü€"
    text = "".join(rng.choice(alphabet) for _ in range(n))
    while len(text.encode()) > 256:
        text = text[:-1]
    return text


def _frame(msg_type, seq, payload, version=P.PROTOCOL_VERSION, length=None) -> bytes:
    n = len(payload) if length is None else length
    head = struct.pack(P.HEADER_FORMAT, P.MAGIC0, P.MAGIC1, version, msg_type, seq, n, 0)
    body = head + payload
    return body + struct.pack("<I", zlib.crc32(body))


def malformed(rng: random.Random, seq: int) -> tuple[str, bytes]:
    """One malformed command of a random kind."""
    kind = rng.choice(["random", "crc", "length", "type", "truncated", "version", "text", "magic"])
    ping = _frame(P.T_CMD_PING, seq, _text(rng).encode())
    if kind == "random":
        return kind, rng.randbytes(rng.randint(1, 60))
    if kind == "crc":
        bad = bytearray(ping)
        bit = rng.randrange(P.HEADER_SIZE * 8, len(bad) * 8)  # payload or CRC
        bad[bit // 8] ^= 1 << (bit % 8)
        return kind, bytes(bad)
    if kind == "length":
        length = rng.choice([257, rng.randint(257, 4096), rng.randint(4097, 0xFFFF)])
        return kind, _frame(P.T_CMD_PING, seq, rng.randbytes(rng.randint(0, 30)), length=length)
    if kind == "type":
        t = rng.choice([t for t in range(256) if t not in P.COMMAND_TYPES])
        return kind, _frame(t, seq, rng.randbytes(rng.randint(0, 20)))
    if kind == "truncated":
        return kind, ping[: rng.randint(1, len(ping) - 1)]
    if kind == "version":
        return kind, _frame(P.T_CMD_PING, seq, b"v", version=rng.choice([0, 2, 255]))
    if kind == "text":
        junk = bytes([rng.choice([0, 3, 10, 13, 27, 0x7F, 0xFF])]) + rng.randbytes(4)
        return kind, _frame(P.T_CMD_PING, seq, b"ok" + junk)
    return kind, (P.MAGIC + rng.randbytes(rng.randint(0, 10))) * rng.randint(1, 4)


def fuzz_stream(seed: int, n_malformed: int):
    """Malformed commands with valid PINGs between (one in four), ending on a PING,
    and the offsets after which the host falls silent (about one item in 60)."""
    rng = random.Random(seed)
    out = bytearray()
    pings, kinds, pauses = [], {}, []
    seq = 0
    for _ in range(n_malformed):
        if out and out[-1] != P.MAGIC0 and rng.random() < 1 / 60:
            pauses.append(len(out))
        seq = (seq + 1) & 0xFFFF
        kind, data = malformed(rng, seq)
        kinds[kind] = kinds.get(kind, 0) + 1
        out += data
        if rng.random() < 0.25:
            seq = (seq + 1) & 0xFFFF
            text = _text(rng)
            out += _frame(P.T_CMD_PING, seq, text.encode())
            pings.append(("ack", seq, P.T_CMD_PING, text.rstrip(" ")))
    seq = (seq + 1) & 0xFFFF
    out += _frame(P.T_CMD_PING, seq, b"the end")
    pings.append(("ack", seq, P.T_CMD_PING, "the end"))
    return bytes(out), pings, kinds, pauses


FUZZ_SCRIPT = """
import sys, gc
from fuzzboard import FuzzBoard
import app as appmod
board = FuzzBoard({path!r}, {seed}, {pauses!r})
a = appmod.App(board)
a.start()
blocks = 0
before = after = 0
def turn():
    board.arrive()
    a.service()
    a.sample_block()
for i in range(60):  # warm up: every reply path taken once, lazy allocations made
    turn()
blocks = 60
gc.collect()
before = gc.mem_free()
def quiet():  # the host is silent: the firmware reads what came, then waits
    global blocks
    k = 0
    while (board.input_ready() or a.parser.fill - getattr(a.parser, 'start', 0) >= 2) and k < 400:
        a.service()
        a.sample_block()
        blocks += 1
        k += 1
while board.remaining():
    turn()
    blocks += 1
    if board.paused:
        quiet()
        board.resume()
quiet()  # whatever is incomplete times out (500 ms each; a lone 0xA7 is no candidate)
a._queue_status()
a.link.pump()
gc.collect()
after = gc.mem_free()
sys.stderr.write('FUZZ blocks=%d heap_before=%d heap_after=%d errors=%d\\n'
                 % (blocks, before, after, a.parser.errors))
"""


def test_firmware_intake_fuzz_while_streaming(mp_run, tmp_path):
    stream, pings, kinds, pauses = fuzz_stream(SEED, MALFORMED)
    assert sum(kinds.values()) >= 10_000 and len(kinds) == 8 and len(pauses) > 100
    want = expected_replies(stream, pauses)
    assert [r for r in want if r[0] == "ack"] == pings  # the model answers every PING
    path = tmp_path / "commands.bin"
    path.write_bytes(stream)
    proc = mp_run(FUZZ_SCRIPT.format(path=str(path), seed=SEED, pauses=pauses), timeout=120)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, err[-2000:]
    line = next(x for x in err.splitlines() if x.startswith("FUZZ "))
    stats = dict(kv.split("=") for kv in line.split()[1:])
    blocks, before, after = (
        int(stats["blocks"]),
        int(stats["heap_before"]),
        int(stats["heap_after"]),
    )

    records, counters = decode_all(proc.stdout)
    assert counters.crc_errors == 0 and counters.seq_gaps == 0 and counters.garbage_bytes == 0
    got = replies_of(records)
    # every reply the protocol prescribes, in order: nothing dropped, nothing invented
    assert got == want
    acks = [r for r in got if r[0] == "ack"]
    assert acks == pings and len(acks) > 2000
    errors = [r for r in records if isinstance(r, Error)]
    assert len(errors) >= MALFORMED * 0.8 and int(stats["errors"]) == len(errors)
    assert {e.code for e in errors} == {
        P.ERR_BAD_CRC,
        P.ERR_TRUNCATED,
        P.ERR_UNKNOWN_COMMAND,
        P.ERR_BAD_ARGUMENT,
        P.ERR_BAD_VERSION,
        P.ERR_BAD_LENGTH,
    }
    # the stream never stopped: two SAMPLES frames for every block, in order
    samples = [r for r in records if isinstance(r, Samples)]
    assert len(samples) == 2 * blocks
    rf = [r.t_first_us for r in samples if r.channel == 0]
    assert rf == sorted(rf)
    status = [r for r in records if isinstance(r, Status)]
    assert all(s.streaming for s in status)
    assert status[-1].command_errors == len(errors) & 0xFFFF
    assert not any(isinstance(r, Ack) and r.cmd_type != P.T_CMD_PING for r in records)
    # heap flat: what the firmware holds after the flood is what it held before
    assert abs(after - before) <= 256, (before, after)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_stream_generator_is_seeded(seed):
    a = fuzz_stream(seed, 50)
    assert a == fuzz_stream(seed, 50) and a[0] != fuzz_stream(seed + 10, 50)[0]
