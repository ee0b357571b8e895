"""The firmware's command intake (link.CommandParser fed by App.poll_input), run on
the MicroPython unix port.

The intake must parse as bytes arrive and never drop a byte of a valid command,
however the bytes are split into reads: two 200-byte PINGs arriving together are
both answered, a frame declaring more than 256 payload bytes is answered ERROR
bad-length and the search resumes one byte after its magic (issue 17, item 2).

`expected_replies` is a host-side model of that intake written from
docs/protocol.md (Finding frames, Commands, the ERROR codes); the tests compare
the firmware's replies with it reply for reply.
"""

from __future__ import annotations

import struct
import subprocess
import zlib

import numpy as np

from roomsweep.link.device import encode_command
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import decode_all
from roomsweep.protocol.records import Ack, Error, Samples, Status

CMD_MAX = 256  # command payload limit (docs/protocol.md, Commands)


def _ok(proc: subprocess.CompletedProcess) -> bytes:
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


# --- the host model of the device's intake -------------------------------------------


def expected_replies(stream: bytes, pauses=()) -> list[tuple]:
    """The ACK/ERROR replies a device owes for `stream`, in order:
    ("ack", seq, type, text) or ("error", seq, type, code).

    `pauses` are offsets after which the host fell silent for longer than 500 ms:
    there, and at the end, every incomplete candidate times out (ERROR truncated)
    and the search resumes one byte after its magic. (A pause right after an 0xA7
    is not modelled: the device keeps that byte, it may begin a magic.) Valid
    commands other than PING are not modelled either: their replies depend on the
    device's state."""
    out: list[tuple] = []
    pos = 0
    for end in [*sorted(pauses), len(stream)]:
        assert end == len(stream) or stream[end - 1] != P.MAGIC0
        _scan(stream, pos, end, out)
        pos = end
    return out


def _scan(stream: bytes, pos: int, n: int, out: list[tuple]) -> None:
    """Find frames in stream[pos:n], as the device does when nothing follows."""
    while True:
        i = stream.find(P.MAGIC, pos, n)
        if i < 0:
            return
        pos = i + 1  # every rejected candidate: search again one byte after its magic
        if n - i < P.HEADER_SIZE:
            out.append(("error", P.NO_SEQ, 0, P.ERR_TRUNCATED))
            continue
        version, msg_type, seq, length = struct.unpack_from("<BBHH", stream, i + 2)
        if version != P.PROTOCOL_VERSION:
            out.append(("error", seq, msg_type, P.ERR_BAD_VERSION))
            continue
        if length > CMD_MAX:
            out.append(("error", seq, msg_type, P.ERR_BAD_LENGTH))
            continue
        end = i + P.HEADER_SIZE + length
        if n < end + P.CRC_SIZE:
            out.append(("error", P.NO_SEQ, 0, P.ERR_TRUNCATED))
            continue
        if zlib.crc32(stream[i:end]) != struct.unpack_from("<I", stream, end)[0]:
            out.append(("error", P.NO_SEQ, 0, P.ERR_BAD_CRC))
            continue
        pos = end + P.CRC_SIZE
        payload = stream[i + P.HEADER_SIZE : end]
        if msg_type not in P.COMMAND_TYPES:
            out.append(("error", seq, msg_type, P.ERR_UNKNOWN_COMMAND))
        elif not P.is_clean_text(payload):
            out.append(("error", seq, msg_type, P.ERR_BAD_ARGUMENT))
        else:
            assert msg_type == P.T_CMD_PING, "the model knows PING replies only"
            out.append(("ack", seq, msg_type, payload.decode().rstrip(" ")))


def replies_of(records) -> list[tuple]:
    out = []
    for r in records:
        if isinstance(r, Ack):
            out.append(("ack", r.cmd_seq, r.cmd_type, r.text))
        elif isinstance(r, Error):
            out.append(("error", r.cmd_seq, r.cmd_type, r.code))
    return out


def ping(seq: int, text: str) -> bytes:
    return P.encode_frame(P.T_CMD_PING, seq, 0, text.encode())


def host_ping(seq: int, text: str) -> bytes:
    """As the host sends it: no 0x03 byte anywhere (the REPL's Ctrl-C)."""
    return encode_command(P.T_CMD_PING, seq, text)[0]


def frame_declaring(length: int, seq: int, payload: bytes, msg_type=P.T_CMD_PING) -> bytes:
    """A frame whose header declares `length` payload bytes, CRC over what follows."""
    head = struct.pack(
        P.HEADER_FORMAT, P.MAGIC0, P.MAGIC1, P.PROTOCOL_VERSION, msg_type, seq, length, 0
    )
    body = head + payload
    return body + struct.pack("<I", zlib.crc32(body))


def test_the_model_answers_the_issue_reproducers():
    two = ping(10, "a" * 200) + ping(11, "b" * 200)
    assert len(two) == 432
    assert expected_replies(two) == [
        ("ack", 10, P.T_CMD_PING, "a" * 200),
        ("ack", 11, P.T_CMD_PING, "b" * 200),
    ]
    big = frame_declaring(600, 12, b"c" * 600)
    assert expected_replies(big + ping(13, "after")) == [
        ("error", 12, P.T_CMD_PING, P.ERR_BAD_LENGTH),
        ("ack", 13, P.T_CMD_PING, "after"),
    ]


# --- on the firmware, with the scripted fake board --------------------------------------

PRELUDE = """
import sys, gc, micropython, struct
import rsproto
from fakeboard import FakeBoard
import app as appmod
board = FakeBoard(us_per_tick=1)
a = appmod.App(board)
"""


def _replies_after_writes(mp_run, tmp_path, writes: list[bytes], streaming: bool, loops=4):
    """Each write arrives whole between two turns of the firmware's loop."""
    path = tmp_path / "writes.bin"
    path.write_bytes(b"".join(struct.pack("<I", len(w)) + w for w in writes))
    script = (
        PRELUDE
        + ("a.start()\n" if streaming else "")
        + f"""
f = open({str(path)!r}, 'rb')
while True:
    head = f.read(4)
    if not head:
        break
    board.inp.extend(f.read(struct.unpack('<I', head)[0]))
    for i in range({loops}):
        a.service()
        {"a.sample_block()" if streaming else "a.link.pump(); board.idle(20)"}
board.dump()
"""
    )
    # (a roomier heap than the device's: the fake board keeps a whole write in memory)
    records, counters = decode_all(_ok(mp_run(script, heapsize="160K")))
    assert counters.crc_errors == 0 and counters.seq_gaps == 0
    return records


def test_two_200_byte_pings_in_one_write_are_both_answered(mp_run, tmp_path):
    """Issue 17: 432 bytes in one write; the first PING was never answered."""
    for streaming in (False, True):
        records = _replies_after_writes(
            mp_run, tmp_path, [ping(10, "a" * 200) + ping(11, "b" * 200)], streaming
        )
        assert replies_of(records) == [
            ("ack", 10, P.T_CMD_PING, "a" * 200),
            ("ack", 11, P.T_CMD_PING, "b" * 200),
        ], streaming


def test_a_ping_declaring_600_bytes_gets_bad_length_and_the_next_is_answered(mp_run, tmp_path):
    """Issue 17: a 616-byte frame declaring 600 payload bytes got no reply."""
    stream = frame_declaring(600, 12, b"c" * 600) + ping(13, "after")
    for streaming in (False, True):
        records = _replies_after_writes(mp_run, tmp_path, [stream], streaming)
        assert replies_of(records) == [
            ("error", 12, P.T_CMD_PING, P.ERR_BAD_LENGTH),
            ("ack", 13, P.T_CMD_PING, "after"),
        ], streaming


def test_many_commands_in_one_write_are_answered_in_order(mp_run, tmp_path):
    pings = [ping(100 + k, chr(0x41 + k % 26) * (k * 37 % 257)) for k in range(40)]
    stream = b"".join(pings)
    assert len(stream) > 4000
    records = _replies_after_writes(mp_run, tmp_path, [stream], streaming=True, loops=12)
    assert replies_of(records) == expected_replies(stream)
    assert len(replies_of(records)) == 40


def _malformed_mix() -> bytes:
    """Every kind of damage the intake meets, around valid PINGs."""
    rng = np.random.default_rng(17)
    parts = [b"\r\nMicroPython v1.24 garbage >>> ", ping(1, "first")]
    bad_crc = bytearray(ping(2, "bad crc"))
    bad_crc[-2] ^= 0x10
    parts += [bytes(bad_crc), ping(3, "x" * 256)]
    parts += [frame_declaring(257, 4, b"y" * 257), frame_declaring(65535, 5, b"")]
    parts += [ping(6, "z" * 180)[:100], ping(7, "after a torn frame")]
    parts += [P.encode_frame(0x5F, 8, 0, b""), P.encode_frame(P.T_SAMPLES, 9, 0, b"\x00" * 40)]
    parts += [P.encode_frame(P.T_CMD_PING, 10, 0, b"\x01\x02\xff")]
    v2 = bytearray(ping(11, "version 2"))
    v2[2] = 2
    parts += [bytes(v2), P.MAGIC, ping(12, "after a lone magic")]
    # false candidates declaring the longest valid length, a valid PING right behind
    parts += [frame_declaring(256, 13, b"")[:12] + ping(14, "behind a false candidate")]
    parts += [rng.integers(0, 256, 1000, dtype=np.uint8).tobytes(), ping(15, "after noise")]
    parts += [(P.MAGIC + b"\x01\x45") * 50, ping(16, "after magic runs")]
    parts += [ping(17, "y" * 256), ping(18, "last")]
    return b"".join(parts)


def test_every_split_of_a_damaged_stream_gives_the_model_replies(mp_run, tmp_path):
    """The same bytes cut into reads of any size: the same replies, reply for reply."""
    stream = _malformed_mix()
    want = expected_replies(stream)
    acks = [r for r in want if r[0] == "ack"]
    assert len(acks) == 9 and len(want) > 20
    sizes = [1, 3, 12, 13, 100, 271, 272, 273, 337, 700, len(stream)]
    path = tmp_path / "stream.bin"
    path.write_bytes(stream)
    script = f"""
import sys, gc
import rsproto
from fakeboard import FakeBoard
import app as appmod
stream = open({str(path)!r}, 'rb').read()
for size in {sizes!r}:
    board = FakeBoard(us_per_tick=1)
    board.link_write = sys.stdout.buffer.write  # nothing kept: 96 KiB of heap
    a = appmod.App(board)
    a.start()
    for k, pos in enumerate(range(0, len(stream), size)):
        board.inp.extend(stream[pos:pos + size])
        a.service()
        if k % 16 == 0:
            a.sample_block()
    for i in range(40):  # silence: incomplete candidates time out
        board.ms += 100
        a.service()
        a.sample_block()
    sys.stdout.buffer.write(b'\\n=SPLIT=\\n')
    board = a = None
    gc.collect()
"""
    out = _ok(mp_run(script, heapsize="256K", timeout=120))
    runs = out.split(b"\n=SPLIT=\n")[:-1]
    assert len(runs) == len(sizes)
    for size, run in zip(sizes, runs):
        records, counters = decode_all(run)
        assert counters.crc_errors == 0 and counters.seq_gaps == 0, size
        assert replies_of(records) == want, size
        assert sum(isinstance(r, Samples) for r in records) > 0


def test_a_slowly_arriving_command_is_not_cut_and_silence_truncates(mp_run):
    """'truncated' means the frame stopped arriving for 500 ms, not that it took
    longer than that: a command trickling in one byte per 100 ms is answered."""
    slow = ping(20, "s" * 100)
    torn = ping(21, "never finished")[:20]
    script = (
        PRELUDE
        + f"""
for b in {slow!r}:
    board.inp.append(b)
    board.ms += 100
    a.service(); a.link.pump()
board.inp.extend({torn!r})
a.service()
board.ms += 400
a.service()
early = len(board.out)
board.ms += 200
a.service(); a.link.pump()
print(early, len(board.out), file=sys.stderr)
board.dump()
"""
    )
    proc = mp_run(script)
    out = _ok(proc)
    early, late = map(int, proc.stderr.split())
    records, _ = decode_all(out)
    assert replies_of(records) == [
        ("ack", 20, P.T_CMD_PING, "s" * 100),
        ("error", P.NO_SEQ, 0, P.ERR_TRUNCATED),
    ]
    assert late == early + 1  # the truncated error came only after 500 ms of silence


def test_intake_allocates_nothing_while_idle_scanning_garbage_or_waiting(mp_run):
    """No input, garbage without a magic, and a partial frame waiting for the
    rest: none of them touch the heap."""
    partial = ping(30, "p" * 200)[:100]
    script = (
        PRELUDE
        + f"""
garbage = bytes(range(0x20, 0x7f)) * 4
partial = {partial!r}
p = a.parser
def feed(data):
    # what the board does: copy into the parser's free space
    room = p.space()
    n = min(len(room), len(data))
    for i in range(n):
        room[i] = data[i]
    p.added(n)
    while p.next_command() is not None:
        pass
    return n
def locked(fn, arg):
    micropython.heap_lock()
    try:
        fn(arg)
        ok = True
    except MemoryError:
        ok = False
    micropython.heap_unlock()
    return ok
def idle_and_garbage(n):
    for i in range(n):
        a.poll_input()                  # nothing arrived
        feed(garbage)                   # garbage: discarded in place
def waiting(n):
    for i in range(n):
        a.poll_input()
        p.next_command()
        board.ms += 1
results = []
idle_and_garbage(2)
results.append(locked(idle_and_garbage, 50))
feed(partial)                           # a partial frame is now pending
waiting(2)
results.append(locked(waiting, 50))
results.append(p.fill - p.start)
print(results)
"""
    )
    out = _ok(mp_run(script))
    assert out.split(b"\n")[0] == b"[True, True, 100]"


# --- on the simulator's board: stdin as the host's pseudo-terminal delivers it ------------


def test_sim_board_reads_a_burst_of_commands_whole(mp_run, tmp_path):
    """The simulator's board hands over everything stdin holds at once (as a
    UART FIFO would): START, two 200-byte PINGs, an oversize PING and a PING, all in
    one write, while the firmware streams."""
    feed = tmp_path / "feed.bin"
    np.zeros((20480, 6), "<u2").tofile(feed)  # 0.2 s of flat signals, then power off
    start, _ = encode_command(P.T_CMD_START, 1)
    burst = (
        host_ping(10, "a" * 200)
        + host_ping(20, "b" * 200)
        + frame_declaring(600, 30, b"c" * 600)
        + host_ping(40, "after")
    )
    assert 3 not in burst
    code = """
import board, app
app.App(board.Board()).run()
"""
    proc = mp_run(
        code, board="sim", env={"ROOMSWEEP_SIM_FEED": str(feed)}, stdin=start + burst, timeout=30
    )
    records, counters = decode_all(_ok(proc))
    assert counters.crc_errors == 0 and counters.seq_gaps == 0
    assert replies_of(records) == [("ack", 1, P.T_CMD_START, "")] + expected_replies(burst)
    assert any(isinstance(r, Samples) for r in records)
    statuses = [r for r in records if isinstance(r, Status)]
    assert not statuses or statuses[-1].command_errors == 1
