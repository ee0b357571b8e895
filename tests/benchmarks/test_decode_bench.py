"""Decoder throughput on a realistic sample stream.

``make bench`` (or ``pytest tests/benchmarks --benchmark-enable``) times it and
reports MB/s in each benchmark's extra_info; with the default
``--benchmark-disable`` every benchmark runs once, as a plain test.

The stream is what a streaming device sends: SAMPLES frames of 256 packed 12-bit
samples, the two channels alternating, and a STATUS about every 60 frames.
"""

from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest

from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Decoder
from roomsweep.protocol.records import Samples, Status

STREAM_BYTES = 16 * 1024 * 1024
CHUNK = 64 * 1024
BLOCK = 256  # samples per SAMPLES frame
STATUS_EVERY = 60  # frames
RATE_HZ = 20_000  # per channel
BLOCK_US = BLOCK * 1_000_000 // RATE_HZ  # device time covered by one block
TEMPLATES = 16  # distinct sample payloads, reused round-robin

_HEADER = struct.Struct(P.HEADER_FORMAT)
_SAMPLES = struct.Struct(P.SAMPLES_HEADER_FORMAT)
_STATUS = struct.Struct(P.STATUS_FORMAT)
_CRC = struct.Struct("<I")


def pack12(samples: np.ndarray) -> bytes:
    """ENC_PACKED12 bytes of an even number of 12-bit samples (vectorised)."""
    s = samples.astype(np.uint16).reshape(-1, 2)
    a, b = s[:, 0], s[:, 1]
    out = np.empty((len(s), 3), np.uint8)
    out[:, 0] = a & 0xFF
    out[:, 1] = (a >> 8) | ((b & 0x0F) << 4)
    out[:, 2] = b >> 4
    return out.tobytes()


def build_stream(target: int = STREAM_BYTES) -> tuple[bytes, int, int]:
    """(stream, SAMPLES frames, STATUS frames), about `target` bytes long."""
    rng = np.random.default_rng(1234)
    t = np.arange(BLOCK)
    blocks = []
    for k in range(TEMPLATES):  # a noisy carrier: realistic, not compressible
        wave = 2048 + 900 * np.sin(2 * np.pi * (k + 3) * t / BLOCK)
        noise = rng.normal(0, 40, BLOCK)
        blocks.append(pack12(np.clip(wave + noise, 0, 4095).astype(np.uint16)))
    samples_len = P.SAMPLES_HEADER_SIZE + len(blocks[0])
    samples_frame = P.frame_size(samples_len)
    status_frame = P.frame_size(P.STATUS_SIZE)
    per_cycle = STATUS_EVERY * samples_frame + status_frame
    cycles = max(1, target // per_cycle)
    buf = bytearray(cycles * per_cycle)
    crc32 = zlib.crc32
    view = memoryview(buf)
    off = 0
    seq = 60_000  # wraps inside the stream
    ts = P.TICKS_PERIOD - 5_000_000  # so does the device clock
    n_samples = n_status = 0
    dropped = [0, 0]
    for cycle in range(cycles):
        for j in range(STATUS_EVERY):
            channel = j & 1
            if j == 17:
                dropped[channel] += BLOCK  # an occasional lost block, reported
            _HEADER.pack_into(
                buf,
                off,
                P.MAGIC0,
                P.MAGIC1,
                P.PROTOCOL_VERSION,
                P.T_SAMPLES,
                seq & 0xFFFF,
                samples_len,
                ts,
            )
            _SAMPLES.pack_into(
                buf,
                off + P.HEADER_SIZE,
                channel,
                P.ENC_PACKED12,
                BLOCK,
                (ts - BLOCK_US) % P.TICKS_PERIOD,
                BLOCK_US - 50,
                RATE_HZ * 1000,
                dropped[channel],
            )
            body = off + P.HEADER_SIZE + P.SAMPLES_HEADER_SIZE
            buf[body : body + len(blocks[0])] = blocks[(cycle + j) % TEMPLATES]
            end = off + P.HEADER_SIZE + samples_len
            _CRC.pack_into(buf, end, crc32(view[off:end]))
            off = end + P.CRC_SIZE
            seq += 1
            ts = (ts + BLOCK_US // 2) % P.TICKS_PERIOD
            n_samples += 1
        _HEADER.pack_into(
            buf,
            off,
            P.MAGIC0,
            P.MAGIC1,
            P.PROTOCOL_VERSION,
            P.T_STATUS,
            seq & 0xFFFF,
            P.STATUS_SIZE,
            ts,
        )
        _STATUS.pack_into(
            buf,
            off + P.HEADER_SIZE,
            cycle * 1000,
            80_000,
            40_000,
            sum(dropped),
            0,
            0,
            3900,
            0,
            0,
            P.STATUS_FLAG_STREAMING,
        )
        end = off + P.HEADER_SIZE + P.STATUS_SIZE
        _CRC.pack_into(buf, end, crc32(view[off:end]))
        off = end + P.CRC_SIZE
        seq += 1
        n_status += 1
    view.release()
    assert off == len(buf)
    return bytes(buf), n_samples, n_status


@pytest.fixture(scope="module")
def stream():
    return build_stream()


def _decode_chunked(data: bytes, chunk: int):
    dec = Decoder()
    view = memoryview(data)
    records = []
    for i in range(0, len(data), chunk):
        records += dec.feed(view[i : i + chunk])
    records += dec.finish()
    return records, dec


def _decode_whole(data: bytes, chunk: int):
    dec = Decoder()
    records = dec.feed(data)
    records += dec.finish()
    return records, dec


def _check(result, stream):
    data, n_samples, n_status = stream
    records, dec = result
    c = dec.counters
    assert c.frames == n_samples + n_status == len(records)
    assert c.garbage_bytes == c.crc_errors == c.seq_gaps == c.bad_payload == 0
    assert c.seq_out_of_order == c.device_resets == 0
    assert dec.pending == 0
    assert sum(isinstance(r, Samples) for r in records) == n_samples
    assert sum(isinstance(r, Status) for r in records) == n_status
    cycles = n_status
    assert c.device_dropped == BLOCK * cycles  # one reported lost block per cycle
    first, last = records[0], records[-1]
    assert isinstance(first, Samples) and first.samples.shape == (BLOCK,)
    assert 0 <= int(first.samples.min()) and int(first.samples.max()) <= 4095
    assert last.ts_us > first.ts_us  # unwrapped across the device clock's wrap


def _run(benchmark, stream, fn, chunk):
    data = stream[0]
    t0 = time.perf_counter()
    result = benchmark(fn, data, chunk)
    wall = time.perf_counter() - t0
    _check(result, stream)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:  # benchmarks enabled: best of several rounds
        seconds = stats.stats.min
    else:  # --benchmark-disable: the one call made
        seconds = wall
    mb_s = len(data) / 1e6 / seconds
    benchmark.extra_info["MB/s"] = round(mb_s, 1)
    benchmark.extra_info["stream_MB"] = round(len(data) / 1e6, 2)
    benchmark.extra_info["frames"] = result[1].counters.frames
    print(f"\n{fn.__name__}: {mb_s:.1f} MB/s ({len(data) / 1e6:.1f} MB in {seconds:.3f} s)")


def test_decode_64k_chunks(benchmark, stream):
    _run(benchmark, stream, _decode_chunked, CHUNK)


def test_decode_one_feed(benchmark, stream):
    _run(benchmark, stream, _decode_whole, len(stream[0]))
