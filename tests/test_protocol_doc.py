"""docs/protocol.md is the contract: its tables match the code, its example is
right, and a reader written from the document alone agrees with ours."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import numpy as np

from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import decode_all
from roomsweep.protocol.records import Samples

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "protocol.md").read_text()


def test_message_type_table_matches_rsproto():
    rows = dict(re.findall(r"^\| (0x[0-9A-F]{2}) \| ([A-Z_]+) \|", DOC, re.M))
    expected = {
        "INFO": P.T_INFO,
        "SAMPLES": P.T_SAMPLES,
        "STATUS": P.T_STATUS,
        "MARK": P.T_MARK,
        "LOG": P.T_LOG,
        "ACK": P.T_ACK,
        "ERROR": P.T_ERROR,
        "HELLO": P.T_CMD_HELLO,
        "START": P.T_CMD_START,
        "STOP": P.T_CMD_STOP,
        "CONFIGURE": P.T_CMD_CONFIGURE,
        "PING": P.T_CMD_PING,
        "HOST_TIME": P.T_HOST_TIME,
        "HOST_RXSTATS": P.T_HOST_RXSTATS,
        "HOST_NOTE": P.T_HOST_NOTE,
        "WIFI_SCAN": P.T_WIFI_SCAN,
        "BLE_ADV": P.T_BLE_ADV,
        "LENS": P.T_LENS,
    }
    by_code = {int(code, 16): name for code, name in rows.items()}
    for name, code in expected.items():
        assert by_code.get(code) == name, (name, hex(code))
    assert by_code[P.T_CMD_MARK] == "MARK"


def test_error_code_table_matches_rsproto():
    rows = re.findall(r"^\| (\d) \| ([a-z-]+) \|", DOC, re.M)
    assert {int(c): n for c, n in rows} == P.ERROR_NAMES


def test_worked_example_is_correct():
    line = re.search(r"^    (a7 5e [0-9a-f ]+)$", DOC, re.M).group(1)
    assert bytes.fromhex(line) == P.encode_frame(P.T_LOG, 7, 1000, P.encode_log(20, "hi"))


def test_documented_wire_efficiency():
    frame = P.frame_size(P.SAMPLES_HEADER_SIZE + P.packed12_size(256))
    assert frame == 420 and "1.64 bytes per sample" in DOC
    assert round(frame / 256, 2) == 1.64


def doc_reader(stream: bytes):
    """A frame reader written from docs/protocol.md only (no roomsweep code)."""
    frames, pos, garbage = [], 0, 0
    while True:
        i = stream.find(b"\xa7\x5e", pos)
        if i < 0:
            garbage += len(stream) - pos
            return frames, garbage
        garbage += i - pos
        if len(stream) - i < 12:
            garbage += len(stream) - i
            return frames, garbage
        version, mtype, seq, length, ts = struct.unpack_from("<BBHHI", stream, i + 2)
        end = i + 12 + length
        if (
            version != 1
            or length > 4096
            or end + 4 > len(stream)
            or zlib.crc32(stream[i:end]) != struct.unpack_from("<I", stream, end)[0]
        ):
            garbage += 1
            pos = i + 1
            continue
        frames.append((mtype, seq, ts, stream[i + 12 : end]))
        pos = end + 4


def doc_samples(payload: bytes) -> tuple[int, list[int]]:
    channel, enc, count, first, span, rate, dropped = struct.unpack_from("<BBHIIII", payload)
    body = payload[20:]
    out = []
    for k in range(0, len(body) - 1, 3):
        a = body[k] | (body[k + 1] & 0x0F) << 8
        out.append(a)
        if k + 2 < len(body):
            out.append(body[k + 1] >> 4 | body[k + 2] << 4)
    return channel, out[:count]


def test_a_reader_written_from_the_doc_agrees_with_ours(mp_run):
    code = """
import sys, rsproto
from fakeboard import FakeBoard
import app as appmod
board = FakeBoard()
a = appmod.App(board)
a.handle(rsproto.T_CMD_HELLO, 1, '')
a.start()
for i in range(5):
    a.sample_block()
a.mark(1, 'button')
a.stop()
board.dump()
"""
    proc = mp_run(code)
    assert proc.returncode == 0, proc.stdout[-500:]
    noise = b"ets Jun  8 2016\r\nMicroPython v1.24 on ESP32\r\n>>> \xa7\x5e\x01\x02"
    stream = noise + proc.stdout
    frames, garbage = doc_reader(stream)
    records, counters = decode_all(stream)
    assert len(frames) == len(records) == counters.frames
    assert garbage == counters.garbage_bytes == len(noise)
    for (mtype, seq, _ts, payload), rec in zip(frames, records):
        assert (mtype, seq) == (rec.type, rec.seq)
        if isinstance(rec, Samples):
            channel, samples = doc_samples(payload)
            assert channel == rec.channel
            assert np.array_equal(np.array(samples), rec.samples)


def test_lens_table_matches_rsproto():
    section = DOC.split("### LENS (0x12)")[1].split("###")[0]
    rows = re.findall(r"^\| (\d+) \| (\d) \|", section, re.M)
    offsets = [(int(o), int(n)) for o, n in rows]
    assert offsets[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in zip(offsets, offsets[1:]))
    assert offsets[-1][0] + offsets[-1][1] == P.LENS_SIZE == struct.calcsize(P.LENS_FORMAT)
    assert f"1/{P.LENS_AMP_SCALE} ADC count" in section


def test_network_layouts_match_rsproto():
    import struct as st

    assert st.calcsize(P.WIFI_SCAN_HEADER_FORMAT) == P.WIFI_SCAN_HEADER_SIZE == 10
    assert st.calcsize(P.WIFI_AP_FORMAT) == P.WIFI_AP_SIZE == 11
    assert st.calcsize(P.BLE_ADV_HEADER_FORMAT) == P.BLE_ADV_HEADER_SIZE == 11
    assert st.calcsize(P.BLE_DEVICE_FORMAT) == P.BLE_DEVICE_SIZE == 13
    assert P.WIFI_SCAN_HEADER_SIZE + P.WIFI_SCAN_MAX_APS * (P.WIFI_AP_SIZE + 32) <= P.MAX_PAYLOAD
    assert "at most 64" in DOC and "0–32" in DOC and "0–31" in DOC


def doc_wifi_scan(payload: bytes) -> list[tuple]:
    """WIFI_SCAN read from docs/protocol.md alone."""
    start, duration, flags, count = struct.unpack_from("<IIBB", payload)
    pos, out = 10, []
    for _ in range(count):
        bssid, channel, rssi, auth, hidden, n = struct.unpack_from("<6sBbBBB", payload, pos)
        out.append((payload[pos + 11 : pos + 11 + n], bssid, channel, rssi, auth, bool(hidden)))
        pos += 11 + n
    return [start, duration, flags, out]


def test_wifi_scan_bytes_as_the_doc_says():
    aps = [(b"IPC-12AB34", b"\x54\x8c\x81\x00\x00\x01", 11, -47, 0, False)]
    payload = P.encode_wifi_scan(123, 1_600_000, P.WIFI_ACTIVE, aps)
    assert doc_wifi_scan(payload) == [123, 1_600_000, 1, aps]
