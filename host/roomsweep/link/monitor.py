"""`roomsweep monitor`: a protocol-aware miniterm. Every decoded frame as one line
(or one JSON object), with the decoder's error counters.

Pure formatting (`describe`, `as_json`, `counters_line`) is kept apart from the
loop (`run_monitor`) so each can be tested on its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

from roomsweep.errors import DeviceTimeout, UsageError
from roomsweep.link.capture import P_NAMES
from roomsweep.link.device import Device
from roomsweep.link.transport import open_port
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Counters
from roomsweep.protocol.records import (
    Ack,
    BleAdv,
    Command,
    Error,
    HostTime,
    Info,
    Log,
    Mark,
    Note,
    Record,
    RxStats,
    Samples,
    Status,
    Unknown,
    WifiScan,
)

CHANNEL_NAMES = {P.CH_RF: "rf", P.CH_PHOTODIODE: "photodiode"}
LOG_LEVELS = {10: "debug", 20: "info", 30: "warning", 40: "error"}
# Counters shown in the one-line summary: the ones that say something went wrong
PROBLEM_COUNTERS = (
    "crc_errors",
    "bad_length",
    "bad_version",
    "unknown_type",
    "bad_payload",
    "seq_gaps",
    "seq_out_of_order",
    "device_dropped",
    "device_resets",
    "truncated",
    "garbage_bytes",
)


def type_name(msg_type: int) -> str:
    """A frame type's name (docs/protocol.md), or its number in hex."""
    return P_NAMES.get(msg_type, f"0x{msg_type:02x}")


def _stats(samples: np.ndarray) -> dict[str, float]:
    if samples.size == 0:
        return {"min": 0, "mean": 0.0, "max": 0}
    return {
        "min": int(samples.min()),
        "mean": round(float(samples.mean()), 1),
        "max": int(samples.max()),
    }


def as_json(rec: Record, t0_us: int | None = None) -> dict[str, Any]:
    """One record as a JSON-ready dict: type name, seq, time, and its fields
    (SAMPLES: block metadata and min/mean/max counts instead of every sample).
    `t_s` is the device's own clock; with `t0_us` (the first RF sample's, see
    `TimeBase`) also `time_s`, seconds from it: a capture's time base."""
    out: dict[str, Any] = {
        "type": type_name(rec.type),
        "seq": rec.seq,
        "t_s": round(rec.ts_us / 1e6, 6),
    }
    if t0_us is not None:
        out["time_s"] = round((rec.ts_us - t0_us) / 1e6, 6)
    if isinstance(rec, Samples):
        out.update(
            channel=CHANNEL_NAMES.get(rec.channel, rec.channel),
            count=len(rec.samples),
            t_first_s=round(rec.t_first_us / 1e6, 6),
            span_us=rec.span_us,
            rate_hz=rec.rate_hz,
            dropped=rec.dropped,
            **_stats(rec.samples),
        )
    elif isinstance(rec, Status):
        out.update(
            {
                k: getattr(rec, k)
                for k in (
                    "uptime_ms",
                    "heap_free",
                    "heap_used",
                    "dropped",
                    "late",
                    "missed",
                    "battery_mv",
                    "link_errors",
                    "command_errors",
                    "streaming",
                )
            }
        )
    elif isinstance(rec, Info):
        out["info"] = rec.info
    elif isinstance(rec, Mark):
        out.update(
            number=rec.number,
            label=rec.label,
            source="button" if rec.source == P.MARK_FROM_BUTTON else "host",
        )
    elif isinstance(rec, Log):
        out.update(level=LOG_LEVELS.get(rec.level, rec.level), text=rec.text)
    elif isinstance(rec, (Ack, Error)):
        out.update(cmd_seq=rec.cmd_seq, cmd_type=type_name(rec.cmd_type), text=rec.text)
        if isinstance(rec, Error):
            out.update(code=P.ERROR_NAMES.get(rec.code, rec.code))
    elif isinstance(rec, (Command, Note)):
        out["text"] = rec.text
    elif isinstance(rec, HostTime):
        out["unix_time"] = rec.unix_time
    elif isinstance(rec, RxStats):
        out["counters"] = rec.counters
    elif isinstance(rec, Unknown):
        out.update(length=len(rec.payload), reason=rec.reason)
    elif isinstance(rec, WifiScan):
        out.update(
            duration_us=rec.duration_us,
            failed=rec.failed,
            truncated=rec.truncated,
            access_points=[
                {
                    "bssid": a.bssid,
                    "ssid": a.ssid,
                    "channel": a.channel,
                    "rssi_dbm": a.rssi_dbm,
                    "authmode": a.authmode,
                }
                for a in rec.access_points
            ],
        )
    elif isinstance(rec, BleAdv):
        out.update(
            span_us=rec.span_us,
            lost=rec.lost,
            advertisers=[
                {"address": a.address, "rssi_max_dbm": a.rssi_max_dbm, "seen": a.seen}
                for a in rec.advertisers
            ],
        )
    elif hasattr(rec, "amplitudes"):  # LENS
        out.update(amplitudes=list(rec.amplitudes), alert=bool(getattr(rec, "alert", False)))
    return out


def describe(rec: Record, t0_us: int = 0) -> str:
    """One record as one human-readable line, its time in seconds on the
    device's clock from `t0_us` (the monitor gives the first RF sample's: the
    time base of a capture and of every output that reads one).

    Examples
    --------
    >>> from roomsweep.protocol.records import Log
    >>> describe(Log(P.T_LOG, 7, 1_500_000, level=20, text="hello"))
    '     1.500000 LOG      #7     info: hello'
    >>> describe(Log(P.T_LOG, 7, 1_500_000, level=20, text="hello"), t0_us=1_000_000)
    '     0.500000 LOG      #7     info: hello'
    """
    head = f"{(rec.ts_us - t0_us) / 1e6:13.6f} {type_name(rec.type):<8} #{rec.seq:<5}"
    if isinstance(rec, Samples):
        s = _stats(rec.samples)
        body = (
            f"{CHANNEL_NAMES.get(rec.channel, rec.channel)} {len(rec.samples)} samples "
            f"@ {rec.rate_hz:.1f} S/s, counts {s['min']}..{s['max']} mean {s['mean']:.1f}"
            + (f", dropped {rec.dropped}" if rec.dropped else "")
        )
    elif isinstance(rec, Status):
        body = (
            f"up {rec.uptime_ms / 1000:.1f} s, heap free {rec.heap_free} used "
            f"{rec.heap_used}, dropped {rec.dropped}, late {rec.late}, missed {rec.missed}, "
            f"battery {rec.battery_mv} mV, link errors {rec.link_errors}, command errors "
            f"{rec.command_errors}{', streaming' if rec.streaming else ''}"
        )
    elif isinstance(rec, Info):
        i = rec.info
        body = (
            f"firmware {i.get('firmware', '?')} protocol {i.get('protocol', '?')} "
            f"board {i.get('board', '?')}{' (simulated)' if i.get('simulated') else ''}, "
            f"{i.get('rate_hz', '?')} S/s, block {i.get('block', '?')}"
        )
    elif isinstance(rec, Mark):
        src = "button" if rec.source == P.MARK_FROM_BUTTON else "host"
        body = f"waypoint {rec.number} from {src}: {rec.label!r}"
    elif isinstance(rec, Log):
        body = f"{LOG_LEVELS.get(rec.level, rec.level)}: {rec.text}"
    elif isinstance(rec, Ack):
        body = f"{type_name(rec.cmd_type)} #{rec.cmd_seq} accepted" + (
            f": {rec.text}" if rec.text else ""
        )
    elif isinstance(rec, Error):
        body = (
            f"{type_name(rec.cmd_type)} #{rec.cmd_seq} refused: "
            f"{P.ERROR_NAMES.get(rec.code, rec.code)}" + (f": {rec.text}" if rec.text else "")
        )
    elif isinstance(rec, (Command, Note)):
        body = repr(rec.text)
    elif isinstance(rec, HostTime):
        body = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(rec.unix_time)) + " UTC"
    elif isinstance(rec, RxStats):
        body = counters_line(rec.counters)
    elif isinstance(rec, Unknown):
        body = f"{len(rec.payload)} bytes not understood ({rec.reason})"
    elif isinstance(rec, WifiScan):
        aps = sorted(rec.access_points, key=lambda a: -a.rssi_dbm)
        body = (
            f"{len(aps)} access points in {rec.duration_us / 1000:.0f} ms"
            + (
                ": "
                + ", ".join(
                    f"{a.ssid or '(hidden)'} ch{a.channel} {a.rssi_dbm} dBm" for a in aps[:3]
                )
                if aps
                else ""
            )
            + (" (failed)" if rec.failed else "")
        )
    elif isinstance(rec, BleAdv):
        body = f"{len(rec.advertisers)} BLE advertisers in {rec.span_us / 1000:.0f} ms" + (
            f", {rec.lost} lost" if rec.lost else ""
        )
    elif hasattr(rec, "amplitudes"):  # LENS
        body = (
            "lock-in "
            + " ".join(f"{a:.2f}" for a in rec.amplitudes)
            + (" GLINT" if getattr(rec, "alert", False) else "")
        )
    else:  # pragma: no cover - every record class is handled above
        body = type(rec).__name__
    return f"{head} {body}"


# Frames that arrive before the first RF sample wait this long (host clock) for
# it, so that they too are shown on the capture's clock; a device that does not
# stream by then has its frames timed from the first frame instead.
HOLD_S = 1.0


class TimeBase:
    """The clock the monitor shows times on: seconds on the device's clock from
    the first RF sample, the time base of a capture of this stream (`record`,
    `sweep`) and of every output reading one (`roomsweep info`, findings, the
    report, the CSV export). Frames before that sample are held until it comes
    (at most HOLD_S), then shown with negative times. Without RF samples (a
    device not streaming) the base is the first frame, and `note` says so."""

    def __init__(self) -> None:
        self.t0_us: int | None = None
        self.held: list[Record] = []
        self.note = ""

    def take(self, rec: Record) -> list[Record]:
        """The records that can be shown now, `rec` among them or held."""
        if self.t0_us is None and isinstance(rec, Samples) and rec.channel == P.CH_RF:
            self.t0_us = rec.t_first_us
            self.note = "times: seconds from the first RF sample, on the device's clock"
        if self.t0_us is None:
            self.held.append(rec)
            return []
        out, self.held = self.held + [rec], []
        return out

    def flush(self, held_for_s: float | None = None) -> list[Record]:
        """The held records once they have waited `held_for_s` (None: now)."""
        if not self.held or (held_for_s is not None and held_for_s < HOLD_S):
            return []
        if self.t0_us is None:
            self.t0_us = self.held[0].ts_us
            self.note = (
                "times: seconds from the first frame, on the device's clock "
                "(no RF samples: the device is not streaming)"
            )
        out, self.held = self.held, []
        return out


def counters_line(counters: Counters | dict[str, int]) -> str:
    """The decoder's counters in one line: frames and bytes, then any errors.

    Examples
    --------
    >>> counters_line({"frames": 10, "bytes_total": 900, "crc_errors": 1, "seq_gaps": 0})
    'frames 10, bytes 900; errors: crc_errors 1'
    """
    c = counters.as_dict() if isinstance(counters, Counters) else counters
    bad = [f"{k} {c[k]}" for k in PROBLEM_COUNTERS if c.get(k)]
    return (
        f"frames {c.get('frames', 0)}, bytes {c.get('bytes_total', 0)}; "
        f"errors: {', '.join(bad) if bad else 'none'}"
    )


def run_monitor(
    url: str,
    out: TextIO,
    *,
    json_lines: bool = False,
    start: bool = False,
    hello: bool = False,
    seconds: float | None = None,
    frames: int | None = None,
    counters_every_s: float = 5.0,
    baudrate: int = 921600,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Print every frame arriving on `url` until `seconds` pass, `frames` have been
    printed, or Ctrl-C; the counters every `counters_every_s` and at the end.

    With `hello` the device is asked for INFO first; with `start` it is also told
    to stream (and to stop again at the end). Returns the final counters.
    """

    if seconds is not None and seconds <= 0:
        raise UsageError("--seconds must be positive")
    if frames is not None and frames <= 0:
        raise UsageError("--frames must be positive")
    port = open_port(url, baudrate=baudrate)
    device = Device(port)
    printed = 0  # frames received: shown, or held until the time base is known
    started = clock()
    last_counters = started
    base = TimeBase()
    first_held: float | None = None

    def show(recs: list[Record]) -> None:
        for r in recs:
            if json_lines:
                out.write(json.dumps(as_json(r, base.t0_us), sort_keys=True, default=str) + "\n")
            else:
                out.write(describe(r, base.t0_us or 0) + "\n")

    def emit(rec: Record) -> None:
        nonlocal printed, first_held
        if first_held is None and base.t0_us is None:
            first_held = clock()
        show(base.take(rec))
        printed += 1

    def emit_counters() -> None:
        c = device.decoder.counters
        if base.note and not json_lines:  # once, with the first counters after it
            out.write(f"-- {base.note}\n")
            base.note = ""
        if json_lines:
            out.write(json.dumps({"type": "counters", **c.as_dict()}, sort_keys=True) + "\n")
        else:
            out.write(f"-- {counters_line(c)}\n")
        out.flush()

    def done() -> bool:
        return (frames is not None and printed >= frames) or (
            seconds is not None and clock() - started >= seconds
        )

    streaming = False
    try:
        try:
            if hello or start:
                device.request(P.T_CMD_HELLO)
            if start:
                streaming = True  # from here a STOP is owed, even if START fails
                device.start_stream()
        except DeviceTimeout as e:
            raise DeviceTimeout(f"{e} (is it a roomsweep device on {url}?)") from None
        while not done():
            pending, device.backlog = device.backlog, []
            for rec in pending + device.read(wait=0.05):
                emit(rec)
                if done():
                    break
            if first_held is not None:
                show(base.flush(clock() - first_held))
            out.flush()
            now = clock()
            if counters_every_s and now - last_counters >= counters_every_s:
                emit_counters()
                last_counters = now
    except KeyboardInterrupt:
        pass
    finally:
        try:
            if streaming:
                device.send(P.T_CMD_STOP)
        except Exception:  # noqa: BLE001 - the link may be gone; nothing to save
            pass
        port.close()
        show(base.flush())  # frames still waiting for the time base
        emit_counters()  # also when the link broke: what was seen so far
    return device.decoder.counters.as_dict()
