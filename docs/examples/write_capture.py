#!/usr/bin/env python3
"""A roomsweep capture written from the documents alone: a reference for any
device or logger that records its own sweeps for `roomsweep analyze`.

    python docs/examples/write_capture.py OUT.cap [SEED]

Standard library only (struct, zlib, json), nothing of roomsweep: everything here
follows docs/capture-format.md (file layout, header, the room's plan, how button
marks are named) and docs/protocol.md (frames, INFO, SAMPLES, MARK, the count ->
dBm law). The capture holds a synthetic sweep of a 4 m x 5 m room: the operator
walks to six waypoints and presses the button on arriving at each; an analog
video sender (a continuous carrier) hides 0.3 m from the desk. `roomsweep
analyze OUT.cap` reports it at the desk, with a position.
"""

from __future__ import annotations

import json
import math
import random
import struct
import sys
import time
import zlib

# --- docs/capture-format.md, "Layout" ----------------------------------------------
CAPTURE_MAGIC = b"\x89RSCAP\r\n"
CAPTURE_VERSION = 1

# --- docs/protocol.md, "Frame" and "Message types" ---------------------------------
FRAME_MAGIC = b"\xa7\x5e"
PROTOCOL_VERSION = 1
T_INFO, T_SAMPLES, T_MARK = 0x01, 0x02, 0x04
TICKS_PERIOD = 1 << 30  # device microseconds wrap here ("Time")
CH_RF = 0
ENC_U16 = 0  # SAMPLES encoding 0: one little-endian uint16 per sample
MARK_FROM_BUTTON = 1

# --- the recording ------------------------------------------------------------------
RATE_HZ = 8000
BLOCK = 256  # samples per SAMPLES frame
PERIOD_US = 1_000_000 // RATE_HZ  # 125 us
DWELL_S = 4.0  # still at each waypoint after pressing (the analyzer uses 3 s)
WALK_S = 1.5  # between waypoints
FIRST_PRESS_S = 0.5

# --- the count -> dBm law, docs/protocol.md "The count -> dBm law" (the values sent
# in INFO's calibration; a real device sends its own): the ADC's line with an
# offset, then the detector's line
ADC_OFFSET_MV = 142.0
ADC_MV_PER_COUNT = 0.8056335
ADC_FULL_SCALE_MV = 3100.0  # sent as well, for hosts older than the two keys above
RF_SLOPE_MV_PER_DB = -25.0
RF_INTERCEPT_DBM = 20.0

# --- the room: docs/capture-format.md, "The room's plan" ----------------------------
ROOM_OUTLINE = [[0.0, 0.0], [4.0, 0.0], [4.0, 5.0], [0.0, 5.0]]
WAYPOINTS = {  # metres: x along the width, y along the length, z up
    "door": [0.5, 0.5, 1.2],
    "wardrobe": [3.5, 0.6, 1.3],
    "desk": [3.4, 2.5, 0.9],
    "tv": [3.4, 4.2, 1.2],
    "window": [2.0, 4.6, 1.3],
    "bed": [1.0, 3.0, 0.8],
}
SWEEP = ["door", "wardrobe", "desk", "tv", "window", "bed"]  # the order of the presses

# the hidden transmitter: a continuous carrier, -30 dBm at 1 m, free-space fall
TRANSMITTER_M = (3.4, 2.8, 0.9)
LEVEL_1M_DBM = -30.0
NOISE_FLOOR_DBM = -65.0
DETECTOR_NOISE_MV = 2.0


def frame(msg_type: int, seq: int, timestamp_us: int, payload: bytes) -> bytes:
    """One protocol frame: header, payload, CRC-32 over both (protocol.md, "Frame")."""
    head = FRAME_MAGIC + struct.pack(
        "<BBHHI",
        PROTOCOL_VERSION,
        msg_type,
        seq & 0xFFFF,
        len(payload),
        timestamp_us % TICKS_PERIOD,
    )
    body = head + payload
    return body + struct.pack("<I", zlib.crc32(body))


def samples_payload(first_us: int, counts: list[int]) -> bytes:
    """SAMPLES: channel, encoding, count, first tick, span, rate (mHz), dropped."""
    n = len(counts)
    span_us = (n - 1) * PERIOD_US
    rate_mhz = (n - 1) * 10**9 // span_us
    head = struct.pack(
        "<BBHIIII", CH_RF, ENC_U16, n, first_us % TICKS_PERIOD, span_us, rate_mhz, 0
    )
    return head + struct.pack(f"<{n}H", *counts)


def mark_payload(number: int) -> bytes:
    """MARK: number since boot, source (1: the device's button), label."""
    return struct.pack("<HB", number, MARK_FROM_BUTTON) + b"button"


def press_times() -> list[float]:
    return [FIRST_PRESS_S + i * (DWELL_S + WALK_S) for i in range(len(SWEEP))]


def position_at(t: float, presses: list[float]) -> list[float]:
    """Still at a waypoint for DWELL_S after each press, a straight walk between."""
    points = [WAYPOINTS[name] for name in SWEEP]
    if t <= presses[0]:
        return points[0]
    for i in range(len(presses) - 1):
        leave = presses[i] + DWELL_S
        if t <= leave:
            return points[i]
        if t < presses[i + 1]:
            f = (t - leave) / (presses[i + 1] - leave)
            return [a + f * (b - a) for a, b in zip(points[i], points[i + 1])]
    return points[-1]


def rf_level_dbm(position: list[float]) -> float:
    """Power at the detector: the carrier (log-distance, n = 2) plus the noise floor."""
    d = max(math.dist(position, TRANSMITTER_M), 0.1)
    carrier_mw = 10 ** ((LEVEL_1M_DBM - 20.0 * math.log10(d)) / 10)
    return 10 * math.log10(carrier_mw + 10 ** (NOISE_FLOOR_DBM / 10))


def info() -> dict:
    """The device's INFO object (protocol.md, "INFO"): what the analyzer needs of it
    is the calibration; a device says honestly what it is."""
    return {
        "firmware": "write_capture.py 1",
        "protocol": PROTOCOL_VERSION,
        "board": "example-logger",
        "simulated": True,  # synthetic samples
        "ticks_period": TICKS_PERIOD,
        "channels": [{"id": CH_RF, "name": "rf", "pin": 34, "bits": 12, "atten_db": 11}],
        "rate_hz": RATE_HZ,
        "block": BLOCK,
        "encoding": ENC_U16,
        "calibration": {
            "source": "datasheet",
            "adc_offset_mv": ADC_OFFSET_MV,
            "adc_mv_per_count": ADC_MV_PER_COUNT,
            "adc_full_scale_mv": ADC_FULL_SCALE_MV,
            "rf_slope_mv_per_db": RF_SLOPE_MV_PER_DB,
            "rf_intercept_dbm": RF_INTERCEPT_DBM,
        },
        "streaming": False,
    }


def header(device: dict) -> dict:
    """The capture header (capture-format.md, "Header"), with the room's plan."""
    now = time.time()
    return {
        "format": "roomsweep-capture",
        "created_unix": now,
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "port": "example",
        "device": device,
        "notes": "written by docs/examples/write_capture.py",
        "plan": {"waypoints": WAYPOINTS, "sweep": SWEEP, "outline": ROOM_OUTLINE},
    }


def write_capture(path: str, seed: int = 1) -> None:
    rng = random.Random(seed)
    presses = press_times()
    end_s = presses[-1] + DWELL_S
    n_blocks = math.ceil(end_s * RATE_HZ / BLOCK)
    device = info()
    body = json.dumps(header(device)).encode()
    out = [
        CAPTURE_MAGIC,
        struct.pack("<HI", CAPTURE_VERSION, len(body)),
        body,
        struct.pack("<I", zlib.crc32(body)),
    ]
    seq = 0
    out.append(frame(T_INFO, seq, 0, json.dumps(device).encode()))  # the hello: seq 0
    marks = [round(t * 1e6) for t in presses]  # device microseconds of each press
    for k in range(n_blocks):
        first_us = k * BLOCK * PERIOD_US
        counts = []
        for i in range(BLOCK):
            t = (first_us + i * PERIOD_US) / 1e6
            mv = RF_SLOPE_MV_PER_DB * (rf_level_dbm(position_at(t, presses)) - RF_INTERCEPT_DBM)
            mv += rng.gauss(0.0, DETECTOR_NOISE_MV)
            counts.append(min(4095, max(0, round((mv - ADC_OFFSET_MV) / ADC_MV_PER_COUNT))))
        last_us = first_us + (BLOCK - 1) * PERIOD_US
        seq += 1  # frames go out in the order the device sends them: a block when full
        out.append(frame(T_SAMPLES, seq, last_us, samples_payload(first_us, counts)))
        while marks and marks[0] <= last_us:  # a press during this block
            seq += 1
            number = len(presses) - len(marks) + 1
            out.append(frame(T_MARK, seq, marks.pop(0), mark_payload(number)))
    with open(path, "wb") as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: write_capture.py OUT.cap [SEED]")
    write_capture(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 1)
