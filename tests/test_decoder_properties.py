"""Property tests of the Decoder: chunking, damage, accounting, sequence and time.

Streams are random sequences of every device message type, encoded with the
shared rsproto helpers and numbered with consecutive sequence numbers (starting
near the 65535 -> 0 wrap in about half of the examples) and device ticks
(starting near the TICKS_PERIOD wrap in about half of them).

Damage is judged by outcome, not by intent: a frame counts as delivered when its
exact original bytes are in the damaged stream, not overlapping an earlier
delivered frame (garbage only ever holds strict prefixes of frames, so an
occurrence is the frame itself). The decoder must recover exactly those frames;
anything else would be a false accept, which needs a CRC-32 collision
(probability about 2**-32 per candidate).
"""

from __future__ import annotations

import dataclasses
import json
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Counters, Decoder, unpack12
from roomsweep.protocol.records import Ack, Error, Info, Log, Mark, Samples, Status
from roomsweep.protocol.untrusted import printable, printable_tree

# database=None: leave no .hypothesis directory in the work tree
FAST = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
MEDIUM = settings(FAST, max_examples=150)
THOROUGH = settings(FAST, max_examples=1200)
PERIOD = P.TICKS_PERIOD

# --- reference encoders (independent of the decoder) ------------------------------


def ref_pack12(samples) -> bytes:
    """ENC_PACKED12 as the firmware's fastframe.pack12_into writes it."""
    out = bytearray()
    n = len(samples)
    i = 0
    while i + 1 < n:
        a, b = samples[i] & 0xFFF, samples[i + 1] & 0xFFF
        out += bytes((a & 0xFF, (a >> 8) | ((b & 0x0F) << 4), b >> 4))
        i += 2
    if i < n:
        a = samples[i] & 0xFFF
        out += bytes((a & 0xFF, a >> 8))
    assert len(out) == P.packed12_size(n)
    return bytes(out)


# --- messages -----------------------------------------------------------------------
# A message is a dict: "type" plus the fields its payload is built from. Sequence
# number, timestamp and the cumulative per-channel `dropped` are filled in when a
# stream is built.

text = st.text(max_size=24)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)

REALISTIC_INFO = {
    "firmware": "0.1.0",
    "protocol": 1,
    "board": "esp32-devkitc",
    "simulated": False,
    "ticks_period": P.TICKS_PERIOD,
    "channels": [
        {"id": 0, "name": "rf", "pin": 34, "bits": 12, "atten_db": 11},
        {"id": 1, "name": "photodiode", "pin": 35, "bits": 12, "atten_db": 11},
    ],
    "rate_hz": 20000,
    "block": 256,
    "encoding": 1,
    "calibration": {"rf_offset": 0, "pd_gain": 1.0},
    "streaming": True,
}

info_msgs = st.builds(
    lambda info, ascii_only: {"type": P.T_INFO, "info": info, "ascii": ascii_only},
    st.one_of(
        st.just(REALISTIC_INFO), st.dictionaries(st.text(max_size=8), json_value, max_size=6)
    ),
    st.booleans(),
)
samples_msgs = st.fixed_dictionaries(
    {
        "type": st.just(P.T_SAMPLES),
        "channel": st.sampled_from([P.CH_RF, P.CH_PHOTODIODE]),
        "encoding": st.sampled_from([P.ENC_PACKED12, P.ENC_U16]),
        "count": st.one_of(st.integers(0, 9), st.integers(0, 300), st.just(256)),
        "seed": st.integers(0, 2**32 - 1),
        "back": st.integers(0, 100_000),  # frame time minus first-sample time, us
        "span": u32,
        "rate_mhz": u32,
        "drop_inc": st.one_of(st.just(0), st.just(0), st.integers(1, 1000), u16),
    }
)
status_msgs = st.fixed_dictionaries(
    {"type": st.just(P.T_STATUS), "values": st.tuples(*[u32] * 6, *[u16] * 4)}
)
mark_msgs = st.fixed_dictionaries(
    {
        "type": st.just(P.T_MARK),
        "number": u16,
        "source": st.sampled_from([P.MARK_FROM_HOST, P.MARK_FROM_BUTTON]),
        "label": text,
    }
)
log_msgs = st.fixed_dictionaries(
    {
        "type": st.just(P.T_LOG),
        "level": st.one_of(st.sampled_from([10, 20, 30, 40]), st.integers(0, 255)),
        "text": text,
    }
)
ack_msgs = st.fixed_dictionaries(
    {
        "type": st.just(P.T_ACK),
        "cmd_seq": u16,
        "cmd_type": st.sampled_from(P.COMMAND_TYPES),
        "text": text,
    }
)
error_msgs = st.fixed_dictionaries(
    {
        "type": st.just(P.T_ERROR),
        "cmd_seq": st.one_of(u16, st.just(P.NO_SEQ)),
        "cmd_type": st.one_of(st.sampled_from(P.COMMAND_TYPES), st.just(0)),
        "code": st.sampled_from(sorted(P.ERROR_NAMES)),
        "text": text,
    }
)
any_msg = st.one_of(
    info_msgs, samples_msgs, status_msgs, mark_msgs, log_msgs, ack_msgs, error_msgs
)


def make_samples(m) -> np.ndarray:
    return np.random.default_rng(m["seed"]).integers(0, 4096, m["count"], dtype=np.uint16)


def encode_payload(m, ts: int, dropped: dict[int, int]) -> bytes:
    t = m["type"]
    if t == P.T_INFO:
        return json.dumps(m["info"], ensure_ascii=m["ascii"]).encode()
    if t == P.T_SAMPLES:
        ch = m["channel"]
        dropped[ch] = (dropped[ch] + m["drop_inc"]) & 0xFFFFFFFF
        m["dropped"] = dropped[ch]
        samples = make_samples(m)
        if m["encoding"] == P.ENC_PACKED12:
            body = ref_pack12(samples.tolist())
        else:
            body = struct.pack(f"<{len(samples)}H", *samples.tolist())
        head = struct.pack(
            P.SAMPLES_HEADER_FORMAT,
            ch,
            m["encoding"],
            m["count"],
            (ts - m["back"]) % PERIOD,
            m["span"],
            m["rate_mhz"],
            dropped[ch],
        )
        return head + body
    if t == P.T_STATUS:
        return struct.pack(P.STATUS_FORMAT, *m["values"])
    if t == P.T_MARK:
        return P.encode_mark(m["number"], m["source"], m["label"])
    if t == P.T_LOG:
        return P.encode_log(m["level"], m["text"])
    if t == P.T_ACK:
        return P.encode_reply(m["cmd_seq"], m["cmd_type"], 0, m["text"])
    if t == P.T_ERROR:
        return P.encode_reply(m["cmd_seq"], m["cmd_type"], m["code"], m["text"])
    raise AssertionError(t)


@dataclasses.dataclass
class Stream:
    msgs: list[dict]
    frames: list[bytes]
    seqs: list[int]
    ticks: list[int]  # raw device timestamps
    elapsed: list[int]  # device microseconds since the first frame

    @property
    def data(self) -> bytes:
        return b"".join(self.frames)


def build_stream(msgs, seq0: int, ts0: int, dts) -> Stream:
    dropped = {P.CH_RF: 0, P.CH_PHOTODIODE: 0}
    frames, seqs, ticks, elapsed = [], [], [], []
    ts, total = ts0, 0
    for k, (m, dt) in enumerate(zip(msgs, dts)):
        if k:
            ts = (ts + dt) % PERIOD
            total += dt
        seq = (seq0 + k) & 0xFFFF
        frames.append(P.encode_frame(m["type"], seq, ts, encode_payload(m, ts, dropped)))
        seqs.append(seq)
        ticks.append(ts)
        elapsed.append(total)
    return Stream(msgs, frames, seqs, ticks, elapsed)


@st.composite
def streams(
    draw, min_frames=1, max_frames=12, msg=any_msg, max_dt=1_000_000, no_info_at_zero=False
):
    msgs = draw(st.lists(msg, min_size=min_frames, max_size=max_frames))
    seq0 = draw(st.one_of(u16, st.integers(0xFFFF - len(msgs), 0xFFFF)))
    ts0 = draw(st.one_of(st.integers(0, PERIOD - 1), st.integers(PERIOD - 2 * max_dt, PERIOD - 1)))
    dts = draw(st.lists(st.integers(0, max_dt), min_size=len(msgs), max_size=len(msgs)))
    if no_info_at_zero:
        # INFO with sequence 0 is how a restarted device introduces itself. When
        # the frame before it is lost, sequence numbers alone cannot tell that
        # from a wrap, and the decoder counts a restart: keep such INFO frames
        # out of streams that get damaged.
        for k, m in enumerate(msgs):
            if m["type"] == P.T_INFO and (seq0 + k) & 0xFFFF == 0 and k:
                msgs[k] = {"type": P.T_LOG, "level": 20, "text": "was info"}
    return build_stream(msgs, seq0, ts0, dts)


# --- decoding helpers -------------------------------------------------------------


def check_accounting(dec: Decoder, records) -> None:
    c = dec.counters
    accepted = sum(len(r.raw) for r in records)
    assert c.garbage_bytes + accepted + dec.cut_bytes + dec.pending == c.bytes_total


def decode_chunks(data: bytes, sizes=(), keep_raw=True):
    """Feed `data` in pieces of the given sizes (cycled; the rest in one piece)."""
    dec = Decoder(keep_raw=keep_raw)
    records = []
    pos = 0
    sizes = [s for s in sizes if s > 0]
    k = 0
    while pos < len(data):
        size = sizes[k % len(sizes)] if sizes else len(data)
        k += 1
        records += dec.feed(data[pos : pos + size])
        pos += size
        if keep_raw:
            check_accounting(dec, records)
    records += dec.finish()
    assert dec.pending == 0
    if keep_raw:
        check_accounting(dec, records)
    return records, dec


def field_values(rec):
    return {f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)}


def assert_same_record(a, b) -> None:
    assert type(a) is type(b)
    va, vb = field_values(a), field_values(b)
    assert va.keys() == vb.keys()
    for name in va:
        x, y = va[name], vb[name]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert isinstance(x, np.ndarray) and isinstance(y, np.ndarray), name
            assert x.dtype == y.dtype and np.array_equal(x, y), name
        else:
            assert x == y, (name, x, y)


def shifted(rec, us: int):
    """`rec` with its unwrapped device times moved by `us`."""
    rec = dataclasses.replace(rec, ts_us=rec.ts_us + us)
    if isinstance(rec, Samples):
        rec = dataclasses.replace(rec, t_first_us=rec.t_first_us + us)
    return rec


def assert_same_records(a, b) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert_same_record(x, y)


def assert_matches_messages(records, s: Stream) -> None:
    """Records decoded from an undamaged stream say exactly what was sent (text
    with its control characters shown as escapes: protocol.untrusted)."""
    assert len(records) == len(s.frames)
    t0 = records[0].ts_us
    for rec, m, seq, tick, el, frame in zip(records, s.msgs, s.seqs, s.ticks, s.elapsed, s.frames):
        assert rec.type == m["type"] and rec.seq == seq
        assert rec.ts_us == t0 + el and rec.ts_us % PERIOD == tick
        if rec.raw is not None:
            assert rec.raw == frame
        t = m["type"]
        if t == P.T_INFO:
            assert isinstance(rec, Info) and rec.info == printable_tree(m["info"])
        elif t == P.T_SAMPLES:
            assert isinstance(rec, Samples)
            assert (rec.channel, rec.encoding, rec.span_us, rec.dropped) == (
                m["channel"],
                m["encoding"],
                m["span"],
                m["dropped"],
            )
            assert rec.rate_hz == m["rate_mhz"] / 1000.0
            assert rec.t_first_us == rec.ts_us - m["back"]
            assert rec.samples.dtype == np.uint16
            assert np.array_equal(rec.samples, make_samples(m))
        elif t == P.T_STATUS:
            v = m["values"]
            assert isinstance(rec, Status)
            assert (
                rec.uptime_ms,
                rec.heap_free,
                rec.heap_used,
                rec.dropped,
                rec.late,
                rec.missed,
                rec.battery_mv,
                rec.link_errors,
                rec.command_errors,
            ) == v[:9]
            assert rec.streaming == bool(v[9] & P.STATUS_FLAG_STREAMING)
        elif t == P.T_MARK:
            assert isinstance(rec, Mark)
            assert (rec.number, rec.source, rec.label) == (
                m["number"],
                m["source"],
                printable(m["label"]),
            )
        elif t == P.T_LOG:
            assert isinstance(rec, Log)
            assert (rec.level, rec.text) == (m["level"], printable(m["text"]))
        elif t == P.T_ACK:
            assert isinstance(rec, Ack)
            assert (rec.cmd_seq, rec.cmd_type, rec.text) == (
                m["cmd_seq"],
                m["cmd_type"],
                printable(m["text"]),
            )
        elif t == P.T_ERROR:
            assert isinstance(rec, Error)
            assert (rec.cmd_seq, rec.cmd_type, rec.code, rec.text) == (
                m["cmd_seq"],
                m["cmd_type"],
                m["code"],
                printable(m["text"]),
            )


def expected_device_dropped(records) -> int:
    """Sum over channels of the increments of the cumulative `dropped` field."""
    total = 0
    last: dict[int, int] = {}
    for r in records:
        if isinstance(r, Samples):
            total += r.dropped - last.get(r.channel, 0)
            last[r.channel] = r.dropped
    return total


# --- clean streams and chunking -----------------------------------------------------


@MEDIUM
@given(streams(max_frames=16))
def test_clean_stream_decodes_to_what_was_sent(s):
    records, dec = decode_chunks(s.data)
    assert_matches_messages(records, s)
    c = dec.counters
    assert c.frames == len(s.frames) and c.bytes_total == len(s.data)
    assert c.garbage_bytes == c.rejected == c.unknown_type == c.bad_payload == 0
    # 65535 -> 0 is the next number, not a gap, and an INFO that happens to get
    # sequence 0 there is not a restart
    assert c.seq_gaps == c.seq_out_of_order == c.device_resets == 0
    assert c.device_dropped == expected_device_dropped(records)


@FAST
@given(
    streams(
        max_frames=8,
        msg=st.one_of(
            samples_msgs.filter(lambda m: m["count"] <= 40),
            status_msgs,
            mark_msgs,
            log_msgs,
            ack_msgs,
            error_msgs,
            info_msgs,
        ),
    )
)
def test_every_two_piece_split_decodes_identically(s):
    data = s.data
    whole, dec_whole = decode_chunks(data)
    for cut in range(1, len(data)):
        dec = Decoder(keep_raw=True)
        records = dec.feed(data[:cut])
        check_accounting(dec, records)
        records += dec.feed(data[cut:])
        records += dec.finish()
        check_accounting(dec, records)
        assert_same_records(records, whole)
        assert dec.counters == dec_whole.counters


chunkings = st.lists(st.integers(1, 600), min_size=1, max_size=20)


@MEDIUM
@given(streams(max_frames=16), chunkings)
def test_random_chunking_decodes_identically(s, sizes):
    data = s.data
    whole, dec_whole = decode_chunks(data)
    records, dec = decode_chunks(data, sizes)
    assert_same_records(records, whole)
    assert dec.counters == dec_whole.counters
    # memoryview input, as serial readers may hand over, changes nothing either
    dec_mv = Decoder(keep_raw=True)
    mv = memoryview(data)
    recs_mv, pos = [], 0
    for size in sizes * (len(data) // max(1, sum(sizes)) + 1):
        recs_mv += dec_mv.feed(mv[pos : pos + size])
        pos += size
    recs_mv += dec_mv.feed(mv[pos:]) + dec_mv.finish()
    assert_same_records(recs_mv, whole)
    assert dec_mv.counters == dec_whole.counters


# --- damage ---------------------------------------------------------------------------

BOOT_LOG = (
    b"ets Jul 29 2019 12:21:46\r\n\r\n"
    b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
    b"configsip: 0, SPIWP:0xee\r\n"
    b"clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n"
    b"mode:DIO, clock div:2\r\nload:0x3fff0030,len:4728\r\nload:0x40078000,len:14888\r\n"
    b"load:0x40080400,len:3368\r\nentry 0x400805cc\r\n"
)
BANNER = (
    b"MicroPython v1.24.1 on 2024-11-29; Generic ESP32 module with ESP32\r\n"
    b'Type "help()" for more information.\r\n>>> '
)
TRACEBACK = (
    b'Traceback (most recent call last):\r\n  File "main.py", line 12, in <module>\r\n'
    b"OSError: [Errno 19] ENODEV\r\n"
)
RAW_REPL = b"raw REPL; CTRL-B to exit\r\n>OK\x04\x04>"
TEXTS = [BOOT_LOG, BANNER, TRACEBACK, RAW_REPL, b"\x00" * 16, b"\xff" * 9]


@st.composite
def text_garbage(draw):
    """Console text a board prints around its frames (no magic in it)."""
    t = draw(st.sampled_from(TEXTS))
    a = draw(st.integers(0, len(t)))
    b = draw(st.integers(a, len(t)))
    return t[a:b] if draw(st.booleans()) else t


@st.composite
def magic_garbage(draw, frames):
    """Garbage that makes frame candidates: magic bytes, plausible headers, frame prefixes."""
    kind = draw(st.integers(0, 3))
    if kind == 0:  # random bytes with the magic sprinkled in
        parts = draw(st.lists(st.binary(max_size=12), min_size=1, max_size=4))
        return P.MAGIC.join(parts)
    if kind == 1:  # a plausible header (right version, small length), nothing more
        t = draw(st.sampled_from(P.DEVICE_TYPES))
        length = draw(st.integers(0, 300))
        head = struct.pack(
            P.HEADER_FORMAT,
            P.MAGIC0,
            P.MAGIC1,
            P.PROTOCOL_VERSION,
            t,
            draw(u16),
            length,
            draw(u32),
        )
        return head + draw(st.binary(max_size=8))
    if kind == 2:  # a strict prefix of one of the stream's own frames (a replayed torn frame)
        f = draw(st.sampled_from(frames))
        return f[: draw(st.integers(1, len(f) - 1))]
    t = draw(st.sampled_from(TEXTS))  # console text with a magic spliced in
    k = draw(st.integers(0, len(t)))
    return t[:k] + P.MAGIC + t[k:]


def plain_garbage():
    return st.one_of(st.binary(min_size=1, max_size=40), text_garbage()).filter(
        lambda g: P.MAGIC not in g
    )


@st.composite
def damage_frame(draw, frame):
    """Bytes to send instead of `frame`, and whether they are the frame untouched."""
    kind = draw(st.sampled_from(["keep", "keep", "keep", "flip", "insert", "delete"]))
    if kind == "keep":
        return frame, True
    if kind == "flip":
        bit = draw(st.integers(0, len(frame) * 8 - 1))
        out = bytearray(frame)
        out[bit // 8] ^= 1 << (bit % 8)
        return bytes(out), False
    if kind == "insert":  # strictly inside: before the first byte or after the last is not damage
        at = draw(st.integers(1, len(frame) - 1))
        return frame[:at] + draw(st.binary(min_size=1, max_size=3)) + frame[at:], False
    at = draw(st.integers(0, len(frame) - 1))
    n = draw(st.integers(1, min(3, len(frame) - at)))
    return frame[:at] + frame[at + n :], False


@st.composite
def damaged_streams(draw):
    s = draw(streams(max_frames=12, no_info_at_zero=True))
    frames = s.frames
    garbage = st.one_of(plain_garbage(), magic_garbage(frames))
    out = bytearray()
    intact = []  # (index, start, end) of frames sent untouched
    for k, f in enumerate(frames):
        if draw(st.integers(0, 2)) == 0:
            out += draw(garbage)
        sent, ok = draw(damage_frame(f))
        if ok:
            intact.append((k, len(out), len(out) + len(f)))
        out += sent
    if draw(st.booleans()):
        out += draw(garbage)
    if draw(st.booleans()) and len(out) > 1:  # the capture stops mid-stream
        del out[len(out) - draw(st.integers(1, min(len(out) - 1, 600))) :]
    untouched = [(k, start, end) for k, start, end in intact if end <= len(out)]
    # a torn copy of a later frame (kind 2 garbage) that the bytes after it happen to
    # complete (its CRC ends in 0xA7, the next frame's first byte) is that frame, out
    # of place: the decoder rightly delivers it, and the reference below cannot say
    # what follows. Such streams test replays, not damage.
    assume(in_stream_order(frames, bytes(out)))
    return s, bytes(out), untouched


def in_stream_order(frames, data) -> bool:
    """True when the exact frames in `data`, read left to right, come in their order
    in `frames`, each at most once."""
    found = []
    for k, f in enumerate(frames):
        at = data.find(f)
        while at >= 0:
            found.append((at, k))
            at = data.find(f, at + 1)
    found.sort()
    taken, end = [], 0
    for at, k in found:
        if at >= end:
            taken.append(k)
            end = at + len(frames[k])
    return taken == sorted(set(taken))


def delivered_frames(frames, data) -> list[tuple[int, int]]:
    """(index, offset) of the frames a decoder must find in `data`: where a frame's
    exact bytes occur, first come first served, without overlapping each other."""
    out, pos = [], 0
    for k, f in enumerate(frames):
        at = data.find(f, pos)
        if at >= 0:
            out.append((k, at))
            pos = at + len(f)
    return out


@THOROUGH
@given(damaged_streams(), chunkings)
def test_damage_loses_only_damaged_frames(case, sizes):
    s, data, untouched = case
    clean, dec_clean = decode_chunks(s.data)
    by_seq = {r.seq: r for r in clean}

    # delivered: frames whose exact bytes are in the stream. That is every untouched
    # frame, plus any that an edit happened to restore (a deleted first byte 0xA7
    # whose place garbage or the previous frame's CRC ending in 0xA7 takes). Such a
    # restored frame may overlap the next one, which then loses its start (and is
    # rightly lost even if untouched); it never happens otherwise.
    found = delivered_frames(s.frames, data)
    delivered = [k for k, _ in found]
    restored = [
        (at, at + len(s.frames[k])) for k, at in found if k not in {u[0] for u in untouched}
    ]
    for k, start, end in untouched:
        assert k in delivered or any(a < end and start < b for a, b in restored)

    records, dec = decode_chunks(data, sizes)  # must not raise
    c = dec.counters
    assert [r.seq for r in records] == [s.seqs[k] for k in delivered]
    # every field as if decoded clean, device times up to whole clock periods: they
    # are unwrapped from the first frame seen, and the first clean frame may be lost
    shift = by_seq[records[0].seq].ts_us - records[0].ts_us if records else 0
    assert shift % PERIOD == 0
    for r in records:
        assert_same_record(shifted(r, shift), by_seq[r.seq])
    assert c.frames == len(records) and c.bytes_total == len(data)
    assert c.garbage_bytes + sum(len(r.raw) for r in records) + dec.cut_bytes == len(data)

    lost_between = delivered[-1] - delivered[0] + 1 - len(delivered) if delivered else 0
    assert c.seq_gaps == lost_between
    assert c.seq_out_of_order == c.device_resets == 0
    assert c.device_dropped == expected_device_dropped(records)
    assert c.unknown_type == c.bad_payload == 0

    # and chunking still does not matter
    whole, dec_whole = decode_chunks(data)
    assert_same_records(records, whole)
    assert dec.counters == dec_whole.counters


@MEDIUM
@given(streams(max_frames=10), st.data())
def test_pure_garbage_insertion_is_counted_exactly(s, data):
    g = plain_garbage()
    out = bytearray()
    inserted = 0
    for f in s.frames + [b""]:
        if data.draw(st.booleans()):
            blob = data.draw(g)
            out += blob
            inserted += len(blob)
        out += f
    records, dec = decode_chunks(bytes(out), data.draw(chunkings))
    c = dec.counters
    assert_same_records(records, decode_chunks(s.data)[0])
    assert c.garbage_bytes == inserted
    assert c.crc_errors == c.bad_length == c.bad_version == c.truncated == 0
    assert c.seq_gaps == 0


@MEDIUM
@given(streams(min_frames=3, max_frames=10, no_info_at_zero=True), st.data())
def test_single_bit_flip_in_payload_or_crc(s, data):
    k = data.draw(st.integers(1, len(s.frames) - 2))  # not first or last: gaps show between frames
    f = s.frames[k]
    bit = data.draw(st.integers(P.HEADER_SIZE * 8, len(f) * 8 - 1))
    bad = bytearray(f)
    bad[bit // 8] ^= 1 << (bit % 8)
    # a magic inside the damaged frame would make further (rejected) candidates
    assume(P.MAGIC not in bad[1:])
    stream = b"".join(s.frames[:k]) + bytes(bad) + b"".join(s.frames[k + 1 :])
    records, dec = decode_chunks(stream, data.draw(chunkings))
    c = dec.counters
    assert [r.seq for r in records] == s.seqs[:k] + s.seqs[k + 1 :]
    assert c.crc_errors == 1 and c.seq_gaps == 1
    assert c.bad_length == c.bad_version == c.truncated == 0
    assert c.garbage_bytes == len(f)


@FAST
@given(streams(min_frames=1, max_frames=6), st.data())
def test_truncated_end(s, data):
    last = s.frames[-1]
    cut = data.draw(st.integers(1, len(last) - 1))
    assume(P.MAGIC not in last[1 : len(last) - cut])  # no further candidates inside
    records, dec = decode_chunks(s.data[:-cut], data.draw(chunkings))
    assert [r.seq for r in records] == s.seqs[:-1]
    c = dec.counters
    assert c.truncated == (1 if len(last) - cut >= 2 else 0)  # a lone 0xA7 is no candidate
    assert c.crc_errors == c.bad_length == c.bad_version == 0
    # counted once, as truncated: its bytes are not garbage as well
    left = len(last) - cut
    assert (c.garbage_bytes, dec.cut_bytes) == ((0, left) if left >= 2 else (left, 0))


# --- sequence numbers, drops and device time ---------------------------------------


def _log(seq, ts=0, text="x", t=P.T_LOG):
    payload = P.encode_log(20, text) if t == P.T_LOG else json.dumps({"n": seq}).encode()
    return P.encode_frame(t, seq, ts, payload)


def test_sequence_wrap_is_not_a_gap():
    frames = [_log(s & 0xFFFF, ts=s) for s in range(65530, 65545)]
    records, dec = decode_chunks(b"".join(frames))
    assert [r.seq for r in records] == [s & 0xFFFF for s in range(65530, 65545)]
    assert dec.counters.seq_gaps == dec.counters.seq_out_of_order == 0
    # one frame lost across the wrap is one gap
    _, dec = decode_chunks(b"".join(frames[:6] + frames[7:]))
    assert dec.counters.seq_gaps == 1


def test_info_at_seq0_after_wrap_is_not_a_reset():
    frames = [
        _log(65534, ts=PERIOD - 20),
        _log(65535, ts=PERIOD - 10),
        _log(0, ts=5, t=P.T_INFO),
        _log(1, ts=15),
    ]
    records, dec = decode_chunks(b"".join(frames))
    c = dec.counters
    assert c.device_resets == 0 and c.seq_gaps == 0
    assert [r.ts_us for r in records] == [PERIOD - 20, PERIOD - 10, PERIOD + 5, PERIOD + 15]


def test_device_restart_is_a_reset_not_a_gap():
    frames = [_log(s, ts=1000 + s) for s in range(500, 505)]
    frames += [_log(0, ts=50, t=P.T_INFO), _log(1, ts=60)]
    records, dec = decode_chunks(b"".join(frames))
    c = dec.counters
    assert c.device_resets == 1 and c.seq_gaps == 0 and c.seq_out_of_order == 0
    assert records[-2].ts_us == 50  # a new device clock starts over


def _samples_frame(seq, channel, dropped, ts=0):
    payload = struct.pack(P.SAMPLES_HEADER_FORMAT, channel, P.ENC_PACKED12, 2, ts, 0, 0, dropped)
    return P.encode_frame(P.T_SAMPLES, seq, ts, payload + ref_pack12([1, 2]))


@FAST
@given(
    st.lists(st.tuples(st.sampled_from([0, 1]), st.integers(0, 5000)), max_size=40),
    st.integers(0, 0xFFFF),
)
def test_device_dropped_sums_increments(incs, seq0):
    cum = {0: 0, 1: 0}
    frames = []
    for k, (ch, inc) in enumerate(incs):
        cum[ch] += inc
        frames.append(_samples_frame(seq0 + k, ch, cum[ch]))
    _, dec = decode_chunks(b"".join(frames))
    assert dec.counters.device_dropped == sum(inc for _, inc in incs)
    assert dec.counters.seq_gaps == 0


def test_device_dropped_after_restart_of_streaming():
    # a new START resets the device's per-channel count; the decoder adds it afresh
    frames = [_samples_frame(s, 0, d) for s, d in enumerate([0, 10, 30, 5, 8])]
    _, dec = decode_chunks(b"".join(frames))
    assert dec.counters.device_dropped == 30 + 8


@MEDIUM
@given(
    st.integers(0, PERIOD - 1),
    st.lists(st.integers(1, PERIOD // 4), min_size=1, max_size=40),
    st.integers(0, 0xFFFF),
    chunkings,
)
def test_device_time_unwraps_monotonically(ts0, dts, seq0, sizes):
    ticks = [ts0]
    for dt in dts:
        ticks.append((ticks[-1] + dt) % PERIOD)
    frames = [_log((seq0 + k) & 0xFFFF, ts=t) for k, t in enumerate(ticks)]
    records, _ = decode_chunks(b"".join(frames), sizes)
    ts_us = [r.ts_us for r in records]
    assert all(b > a for a, b in zip(ts_us, ts_us[1:]))
    assert [t - ts_us[0] for t in ts_us] == np.cumsum([0] + dts).tolist()
    assert all(t % PERIOD == raw for t, raw in zip(ts_us, ticks))


# --- 12-bit packing -----------------------------------------------------------------


@MEDIUM
@given(st.lists(st.integers(0, 4095), max_size=301))
def test_unpack12_round_trips(samples):
    packed = ref_pack12(samples)
    out = unpack12(packed, len(samples))
    assert out.dtype == np.uint16 and out.tolist() == samples
    out = unpack12(memoryview(bytearray(packed)), len(samples))
    assert out.tolist() == samples


@pytest.mark.parametrize("count", [0, 1, 2, 3, 255, 256])
def test_unpack12_odd_and_even_counts(count):
    samples = [(37 * i + 4095 * (i & 1)) % 4096 for i in range(count)]
    assert unpack12(ref_pack12(samples), count).tolist() == samples


def test_counters_start_at_zero():
    assert all(v == 0 for v in Counters().as_dict().values())


@pytest.mark.parametrize("msg_type", [P.T_INFO, P.T_HOST_RXSTATS])
def test_deeply_nested_json_is_a_bad_payload_not_an_exception(msg_type):
    nested = P.encode_frame(msg_type, 1, 0, b"[" * 2000 + b"]" * 2000)
    after = P.encode_frame(P.T_LOG, 2, 10, P.encode_log(20, "still here"))
    dec = Decoder(keep_raw=True)
    records = dec.feed(nested) + dec.feed(after) + dec.finish()
    assert [r.seq for r in records] == [1, 2] and records[1].text == "still here"
    assert dec.counters.bad_payload == 1 and dec.counters.frames == 2
    check_accounting(dec, records)


@MEDIUM
@given(
    st.lists(
        st.tuples(
            st.integers(0, 255),
            st.one_of(
                st.binary(max_size=64),
                st.builds(lambda v: json.dumps(v).encode(), json_value),
                st.builds(
                    lambda head, b: head + b,
                    st.binary(min_size=20, max_size=20),
                    st.binary(max_size=40),
                ),
            ),
        ),
        min_size=1,
        max_size=8,
    ),
    chunkings,
)
def test_valid_frames_with_any_payload_never_raise(frames, sizes):
    """CRC-valid frames of any type with arbitrary payloads: each one is a record
    (Unknown when it cannot be read), counted, and never an exception."""
    data = b"".join(P.encode_frame(t, k, 0, p) for k, (t, p) in enumerate(frames))
    records, dec = decode_chunks(data, sizes)
    c = dec.counters
    assert [r.seq for r in records] == list(range(len(frames)))
    assert c.frames == len(frames) and c.garbage_bytes == c.rejected == 0
    unknown = sum(type(r).__name__ == "Unknown" for r in records)
    assert unknown == c.unknown_type + c.bad_payload


def test_a_view_outliving_the_scan_does_not_stop_the_decoder():
    """A payload view can outlive a scan (a traceback in a reference cycle holds it
    until the next garbage collection); the buffer then cannot shrink in place.
    Seen once in a Dask worker as BufferError. The decoder carries on."""
    dec = Decoder()
    first = _log(1, text="one")
    dec.feed(first + first[:5])  # a partial frame stays buffered
    pinned = memoryview(dec._buf)  # what a lingering payload view does
    recs = dec.feed(first[5:] + _log(2, text="two"))
    assert [r.text for r in recs] == ["one", "two"]
    assert dec.counters.frames == 3 and dec.counters.garbage_bytes == 0
    pinned.release()
