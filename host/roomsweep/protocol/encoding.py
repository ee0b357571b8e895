"""Host-side payload encoders: what a device (or a test) sends, built with numpy.

The firmware builds the same bytes with its own hot-path code; the tests prove
the two agree byte for byte.
"""

from __future__ import annotations

import struct

import numpy as np

from roomsweep.protocol import rsproto as P


def pack12(samples: np.ndarray) -> bytes:
    """Pack 12-bit samples as ENC_PACKED12 (see rsproto).

    Examples
    --------
    >>> pack12(np.array([801, 1620])).hex()
    '214365'
    """
    s = np.asarray(samples, dtype=np.uint16) & 0xFFF
    if s.size % 2:
        s = np.append(s, np.uint16(0))
    a = s[0::2]
    b = s[1::2]
    out = np.empty((a.size, 3), np.uint8)
    out[:, 0] = a & 0xFF
    out[:, 1] = (a >> 8) | ((b & 0x0F) << 4)
    out[:, 2] = b >> 4
    data = out.tobytes()
    return data[: P.packed12_size(len(samples))]


def samples_payload(
    channel: int,
    samples: np.ndarray,
    first_tick: int,
    span_us: int,
    rate_mhz: int,
    dropped: int,
    encoding: int = P.ENC_PACKED12,
) -> bytes:
    head = struct.pack(
        P.SAMPLES_HEADER_FORMAT,
        channel,
        encoding,
        len(samples),
        first_tick & (P.TICKS_PERIOD - 1),
        span_us,
        rate_mhz,
        dropped,
    )
    if encoding == P.ENC_PACKED12:
        return head + pack12(samples)
    return head + np.asarray(samples, dtype="<u2").tobytes()


def status_payload(
    uptime_ms: int,
    heap_free: int,
    heap_used: int,
    dropped: int,
    late: int,
    missed: int,
    battery_mv: int,
    link_errors: int,
    command_errors: int,
    streaming: bool,
) -> bytes:
    return struct.pack(
        P.STATUS_FORMAT,
        uptime_ms,
        heap_free,
        heap_used,
        dropped,
        late,
        missed,
        battery_mv,
        link_errors,
        command_errors,
        P.STATUS_FLAG_STREAMING if streaming else 0,
    )


def lens_payload(
    first_tick: int,
    count: int,
    amplitudes,
    alert: bool = False,
    clipped: bool = False,
    drive_level: int = 0,
) -> bytes:
    """LENS payload (rsproto.LENS_FORMAT): amplitudes in ADC counts, per group, and
    the LED drive level of the block."""
    amps = [min(65535, int(round(a * P.LENS_AMP_SCALE))) for a in amplitudes]
    amps += [0] * (P.LENS_GROUPS - len(amps))
    flags = (P.LENS_FLAG_ALERT if alert else 0) | (P.LENS_FLAG_CLIPPED if clipped else 0)
    return struct.pack(
        P.LENS_FORMAT,
        first_tick & 0xFFFFFFFF,
        count,
        P.LENS_GROUPS,
        flags,
        *amps[: P.LENS_GROUPS],
        drive_level,
    )
