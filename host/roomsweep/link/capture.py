"""Capture files: a header, then every frame received, verbatim, appended.

Layout (docs/capture-format.md has the byte-level specification):

    magic      8 bytes  89 52 53 43 41 50 0D 0A  ("\\x89RSCAP\\r\\n")
    version    u16 LE   CAPTURE_VERSION
    length     u32 LE   length of the JSON header
    header     JSON     UTF-8 object: host time, device INFO, notes, ...
    crc        u32 LE   CRC-32 of the JSON bytes
    frames     ...      wire-protocol frames exactly as received, plus host-local
                        frames (HOST_TIME, RXSTATS, NOTE), until end of file

The frames go to the OS with one unbuffered write per batch as they arrive, so a
recorder killed with SIGKILL loses at most the batch it was writing; fsync()
runs about once a second against power loss. Replay uses the same Decoder as a
live link, which also skips a torn last frame.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import stat
import struct
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.errors import CaptureFormatError, UsageError
from roomsweep.link.header_schema import check_header, check_info
from roomsweep.link.inputs import check_input_path, not_regular, unreadable
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Counters, Decoder
from roomsweep.protocol.records import HostTime, Info, Mark, Note, Record, RxStats, Samples, Status

CAPTURE_MAGIC = b"\x89RSCAP\r\n"
CAPTURE_VERSION = 1
_PREAMBLE = struct.Struct("<8sHI")
MAX_HEADER = 1 << 20
_READ_CHUNK = 1 << 20


class CaptureWriter:
    """Append-only writer. Use as a context manager.

    Parameters
    ----------
    path : path of the capture; created, or appended to when it already is a capture
        and ``append`` is true (recording resumes into the same file).
    header : JSON-serialisable dict stored in the header (new files only); its
        known fields must have the types readers expect (`header_schema`).
    replace : whether an existing file at `path` may be replaced (truncated); when
        false it is refused with a UsageError and nothing is touched. Commands
        check this before any work (`roomsweep.link.outputs.check_output_path`);
        this is the last guard, atomic with creating the file (O_EXCL).
    defer : create (or replace, or open for appending) the file only at the first
        write, not here: a recorder that has yet to configure and START the device
        leaves an existing file untouched, and no stub, when the device refuses.
        Everything that can be checked (the header, an existing file that must not
        be replaced, the capture appended to) is checked here all the same.
    """

    def __init__(
        self,
        path: str | Path,
        header: dict[str, Any] | None = None,
        append: bool = False,
        fsync_interval_s: float = 1.0,
        replace: bool = True,
        defer: bool = False,
    ):
        self.path = Path(path)
        self.fsync_interval_s = fsync_interval_s
        self._seq = 0
        self._t0 = time.monotonic()
        self._last_sync = self._t0
        self.frames_written = 0
        if self.path.exists() and not self.path.is_file():  # opening a FIFO would block
            raise UsageError(f"{self.path}: not a regular file; a capture cannot go there")
        self._fd = -1
        self._closed = False
        self.opened = False  # the file was created, replaced or opened for appending
        self._replace = replace
        self._appending = append and self.path.exists() and self.path.stat().st_size > 0
        if self._appending:
            self.header = read_header(self.path)[0]
        else:
            self.header = dict(header or {})
            self.header.setdefault("format", "roomsweep-capture")
            self.header.setdefault("created_unix", time.time())
            self.header.setdefault(
                "created_utc", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            )
            try:
                json.dumps(self.header, sort_keys=True)  # fail before the file is touched
            except (TypeError, ValueError) as e:
                raise CaptureFormatError(f"capture header is not JSON-serialisable: {e}") from e
            check_header(self.header, f"{self.path} (new)")
            if not replace and self.path.exists():
                raise UsageError(f"{self.path} already exists; it is not replaced")
        if not defer:
            self.open()

    def open(self) -> None:
        """Create the file and write the header (or open the capture for
        appending); a no-op once open. The first write does it when deferred."""
        if self._fd >= 0 or self._closed:
            return
        if self._appending:
            try:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            except OSError as e:
                raise CaptureFormatError(f"cannot append to capture {self.path}: {e}") from e
            self.opened = True
            return
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if self._replace else os.O_EXCL)
        try:
            self._fd = os.open(self.path, flags, 0o644)
        except FileExistsError:
            raise UsageError(f"{self.path} already exists; it is not replaced") from None
        except OSError as e:
            raise CaptureFormatError(f"cannot create capture {self.path}: {e}") from e
        self.opened = True
        os.write(self._fd, encode_header(self.header))
        os.fsync(self._fd)

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write_frames(self, frames: list[bytes]) -> None:
        """Append complete frames (each exactly as received) in one write."""
        if not frames:
            return
        self.open()
        data = b"".join(frames)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.frames_written += len(frames)
        now = time.monotonic()
        if now - self._last_sync >= self.fsync_interval_s:
            os.fsync(self._fd)
            self._last_sync = now

    def _host_frame(self, msg_type: int, payload: bytes) -> bytes:
        ts = int((time.monotonic() - self._t0) * 1e6) & 0xFFFFFFFF
        frame = P.encode_frame(msg_type, self._seq, ts, payload)
        self._seq = (self._seq + 1) & 0xFFFF
        return frame

    def write_host_time(self) -> None:
        self.write_frames([self._host_frame(P.T_HOST_TIME, struct.pack("<d", time.time()))])

    def write_rx_stats(self, counters: Counters) -> None:
        payload = json.dumps(counters.as_dict(), sort_keys=True).encode()
        self.write_frames([self._host_frame(P.T_HOST_RXSTATS, payload)])

    def write_note(self, text: str) -> None:
        self.write_frames([self._host_frame(P.T_HOST_NOTE, text.encode())])

    def close(self) -> None:
        self._closed = True
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1


def encode_header(header: dict[str, Any]) -> bytes:
    body = json.dumps(header, sort_keys=True).encode()
    return (
        _PREAMBLE.pack(CAPTURE_MAGIC, CAPTURE_VERSION, len(body))
        + body
        + struct.pack("<I", zlib.crc32(body))
    )


def open_capture(path: str | Path) -> io.BufferedReader:
    """`path` opened for binary reading if it is a regular file. A FIFO would block
    the reader forever and a device node could be a serial port (opening one can
    reset a board): they are refused with a UsageError before they are opened
    (`roomsweep.link.inputs.check_input_path`, the commands' own check) and
    checked again on the open file, without blocking."""
    check_input_path(path, "capture")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise unreadable(path, e, "capture") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped since the check
            raise not_regular(path, mode, "capture")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_header(path: str | Path) -> tuple[dict[str, Any], int]:
    """The header dict and the offset where frames start. The header's known
    fields are checked (`header_schema.check_header`): a wrong type is a
    CaptureFormatError, so every reader can trust them."""
    try:
        with open_capture(path) as f:
            pre = f.read(_PREAMBLE.size)
            if not pre:
                raise CaptureFormatError(f"{path}: empty file (0 bytes), not a capture")
            if not CAPTURE_MAGIC.startswith(pre[: len(CAPTURE_MAGIC)]):
                raise CaptureFormatError(f"{path}: not a roomsweep capture (bad magic)")
            if len(pre) < _PREAMBLE.size:
                raise CaptureFormatError(
                    f"{path}: capture cut short after {len(pre)} bytes (its header needs "
                    f"at least {_PREAMBLE.size + 4})"
                )
            _, version, length = _PREAMBLE.unpack(pre)
            if version != CAPTURE_VERSION:
                raise CaptureFormatError(
                    f"{path}: capture format version {version}, this reader knows "
                    f"{CAPTURE_VERSION}"
                )
            if length > MAX_HEADER:
                raise CaptureFormatError(f"{path}: header length {length} is implausible")
            body = f.read(length)
            crc = f.read(4)
    except OSError as e:
        raise CaptureFormatError(f"cannot read capture {path}: {e.strerror or e}") from e
    if len(body) < length or len(crc) < 4:
        got = _PREAMBLE.size + len(body) + len(crc)
        raise CaptureFormatError(
            f"{path}: header cut short: the file ends after {got} bytes, its header "
            f"needs {_PREAMBLE.size + length + 4}"
        )
    if zlib.crc32(body) != struct.unpack("<I", crc)[0]:
        raise CaptureFormatError(f"{path}: header CRC mismatch (damaged file)")
    try:
        header = json.loads(body.decode())
    except (UnicodeDecodeError, ValueError) as e:
        raise CaptureFormatError(f"{path}: header is not valid JSON: {e}") from e
    check_header(header, str(path))
    return header, _PREAMBLE.size + length + 4


def iter_records(path: str | Path, decoder: Decoder | None = None) -> Iterator[Record]:
    """Every record of a capture, streamed through the same Decoder a live link uses."""
    _, offset = read_header(path)
    dec = decoder or Decoder()
    with open_capture(path) as f:
        f.seek(offset)
        while True:
            chunk = f.read(_READ_CHUNK)
            if not chunk:
                break
            yield from dec.feed(chunk)
    yield from dec.finish()


# Device times never step back within one run of the firmware (the decoder
# unwraps its 32-bit clock); a step back of more than a second is a restart.
RESTART_BACKSTEP_US = 1_000_000
HOST_RECORD_TYPES = frozenset((P.T_HOST_TIME, P.T_HOST_RXSTATS, P.T_HOST_NOTE))
# how a recorder's HOST_NOTE begins when the link broke (roomsweep.live.session)
LINK_LOST_NOTE = "link lost"
_DEVICE_TIME_FIELDS = ("ts_us", "t_first_us", "t_start_us")


def _run_starts(records: list[Record]) -> list[int]:
    """Indices of the records that begin a new run of the device's firmware:
    an INFO frame of sequence 0 that does not merely follow sequence 65535 (how a
    restarted device says hello; the decoder resets its clock there); a device
    time more than RESTART_BACKSTEP_US earlier than the latest of the current run
    (a restart whose INFO frame was lost); or, when the lost hello came after
    2**29 us of uptime (the new clock then reads as a wrap forward), a STATUS
    whose uptime went back: the run began at the first leap forward of over a
    second after the previous STATUS, or right after it."""
    starts: list[int] = []
    latest = previous_ts = previous_seq = None
    uptime = None  # the last STATUS uptime of the current run, ms
    after_status = None  # the first device record after that STATUS
    jump = None  # and the first after it whose time leaps forward by over a second
    for i, r in enumerate(records):
        if r.type in HOST_RECORD_TYPES:
            continue
        hello = (
            isinstance(r, Info)
            and r.seq == 0
            and previous_seq is not None
            and previous_seq != 0xFFFF
        )
        if (
            jump is None
            and uptime is not None
            and previous_ts is not None
            and r.ts_us > previous_ts + RESTART_BACKSTEP_US
        ):
            jump = i
        start = None
        if hello or (latest is not None and r.ts_us < latest - RESTART_BACKSTEP_US):
            start = i
        elif (
            isinstance(r, Status)
            and uptime is not None
            and r.uptime_ms < uptime - RESTART_BACKSTEP_US // 1000
        ):
            # the uptime went back with no hello and no step back in time: a lost
            # hello after 2**29 us of uptime, read as a wrap forward. The run
            # began at that leap (or right after the last STATUS of the old run).
            start = jump if jump is not None else after_status
        if start is not None and (not starts or start > starts[-1]):
            starts.append(start)
            latest = uptime = None
            for k in range(start, i + 1):
                if records[k].type not in HOST_RECORD_TYPES:
                    t = records[k].ts_us
                    latest = t if latest is None else max(latest, t)
        else:
            latest = r.ts_us if latest is None else max(latest, r.ts_us)
        if isinstance(r, Status):
            uptime, after_status, jump = r.uptime_ms, None, None
        elif after_status is None:
            after_status = i
        previous_ts, previous_seq = r.ts_us, r.seq
    return starts


def _samples_end(records: list[Record], end_us: int | None) -> int | None:
    """Where the samples of `records` (and those before, ending at `end_us`) would
    go on: the latest last-sample time plus one sample period."""
    for r in records:
        if isinstance(r, Samples) and r.samples.size:
            period = r.span_us / max(len(r.samples) - 1, 1)
            block_end = int(round(r.t_first_us + r.span_us + period))
            end_us = block_end if end_us is None else max(end_us, block_end)
    return end_us


def _moved(r: Record, offset: int) -> Record:
    """A copy of device record `r` with its device times moved by `offset` us."""
    return dataclasses.replace(
        r, **{f: getattr(r, f) + offset for f in _DEVICE_TIME_FIELDS if hasattr(r, f)}
    )


@dataclass
class Capture:
    """A capture loaded into memory: header, records, and the replay counters."""

    path: Path
    header: dict[str, Any]
    records: list[Record]
    counters: Counters
    device_info: dict[str, Any] | None = None
    live_counters: dict[str, int] | None = field(default=None)

    def on_one_clock(self) -> Capture:
        """The capture with its device times on one clock across device restarts.

        A device that restarts (a USB-powered board that lost power, a watchdog)
        starts its clock again at zero, and the decoder with it, so the records
        after the restart carry times unrelated to those before. Each run after
        the first is moved as a whole so that its first SAMPLES block (any
        channel) starts where the previous runs' samples would have gone on: the
        last sample's time plus one sample period. The samples then read as one
        stream (the time the board took to boot is not in it) and the marks,
        scans and LENS blocks of each run stay on its samples. A run without
        samples takes no time: all its records sit at that point. Runs before
        the first samples stay as they are. Runs are found by `_run_starts`;
        host records (HOST_TIME, HOST_RXSTATS, HOST_NOTE) keep their own clock.
        `restarts` in the returned capture's header counts the runs after the
        first.
        """
        starts = _run_starts(self.records)
        if not starts:
            return self
        bounds = [0] + starts + [len(self.records)]
        shifted = list(self.records[: bounds[1]])
        end_us = _samples_end(shifted, None)
        for lo, hi in zip(bounds[1:-1], bounds[2:]):
            run = self.records[lo:hi]
            first = next((r.t_first_us for r in run if isinstance(r, Samples)), None)
            if end_us is None:
                moved = list(run)  # nothing sampled before: nothing to join to
            elif first is None:
                # a run that sampled nothing takes no time on the samples' clock:
                # its hello, marks and scans all sit at the join
                moved = [
                    r if r.type in HOST_RECORD_TYPES else _moved(r, end_us - r.ts_us) for r in run
                ]
            else:
                moved = [
                    r if r.type in HOST_RECORD_TYPES else _moved(r, end_us - first) for r in run
                ]
            end_us = _samples_end(moved, end_us)
            shifted.extend(moved)
        header = dict(self.header, restarts=len(starts))
        return Capture(
            self.path, header, shifted, self.counters, self.device_info, self.live_counters
        )

    def blocks(self, channel: int) -> list[Samples]:
        """The channel's SAMPLES blocks, in stream order."""
        return [r for r in self.records if isinstance(r, Samples) and r.channel == channel]

    def channel(self, channel: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Concatenated samples, their device times (us) and the nominal rate: the
        median of the blocks' rates, or, when that is not a positive number (a
        damaged or hand-made capture), the rate the blocks' spans imply; a
        CaptureFormatError when neither gives one."""
        blocks = self.blocks(channel)
        if not blocks:
            return np.zeros(0, np.uint16), np.zeros(0, np.int64), 0.0
        samples = np.concatenate([b.samples for b in blocks])
        # each block's samples evenly over its span: t_first + round(i * span / (n - 1)),
        # i the index within the block (one pass over all blocks, not one per block)
        n = np.array([len(b.samples) for b in blocks], dtype=np.int64)
        first = np.repeat(np.array([b.t_first_us for b in blocks], dtype=np.int64), n)
        step = np.array([b.span_us / max(len(b.samples) - 1, 1) for b in blocks])
        index = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        times = first + np.round(index * np.repeat(step, n)).astype(np.int64)
        rate: float | None = float(np.median([b.rate_hz for b in blocks]))
        if not (rate is not None and math.isfinite(rate) and rate > 0):
            rate = _rate_from_spans(blocks)
        if rate is None:
            raise CaptureFormatError(
                f"{self.path}: channel {channel} has no sample rate (every block says "
                "0 and none spans any time)"
            )
        return samples, times, rate


def _rate_from_spans(blocks: list[Samples]) -> float | None:
    """Samples per second over the blocks that span time, or None."""
    timed = [b for b in blocks if b.span_us > 0 and len(b.samples) > 1]
    if not timed:
        return None
    return (sum(len(b.samples) - 1 for b in timed) * 1e6) / sum(b.span_us for b in timed)


def load(path: str | Path, one_clock: bool = True) -> Capture:
    """A capture read into memory. With `one_clock` (what every reader wants) its
    device times run on one clock across device restarts (`Capture.on_one_clock`);
    without, as the decoder gave them."""
    header, _ = read_header(path)
    dec = Decoder()
    records = list(iter_records(path, dec))
    info = header.get("device")
    live = None
    for r in records:
        if isinstance(r, Info) and info is None:
            check_info(r.info, str(path), f"INFO (frame {r.seq})")
            info = r.info
        elif isinstance(r, RxStats):
            live = r.counters
    cap = Capture(Path(path), header, records, dec.counters, info, live)
    return cap.on_one_clock() if one_clock else cap


def summarize(path: str | Path) -> dict[str, Any]:
    """What `roomsweep info` prints: duration, frames, samples, rates, counters.
    Device times are on one clock across device restarts (`Capture.on_one_clock`)."""
    return summarize_capture(load(path))


def summarize_capture(cap: Capture) -> dict[str, Any]:
    """`summarize` of a capture already read (`load`): a caller that reads it for
    more than the summary (`roomsweep info`: the analysis's clock too) decodes
    the file once. `cap` is not changed."""
    by_type: Counter[str] = Counter(P_NAMES.get(r.type, f"0x{r.type:02x}") for r in cap.records)
    channels: dict[str, dict[str, Any]] = {}
    t_min = None
    t_max = None
    for r in cap.records:
        if not isinstance(r, Samples):
            continue
        ch = channels.setdefault(
            str(r.channel), {"blocks": 0, "samples": 0, "rates_hz": [], "device_dropped": 0}
        )
        ch["blocks"] += 1
        ch["samples"] += len(r.samples)
        ch["rates_hz"].append(r.rate_hz)
        ch["device_dropped"] = r.dropped
        period = r.span_us / max(len(r.samples) - 1, 1)
        end = r.t_first_us + r.span_us + period
        t_min = r.t_first_us if t_min is None else min(t_min, r.t_first_us)
        t_max = end if t_max is None else max(t_max, end)
    for ch in channels.values():
        rates = np.asarray(ch.pop("rates_hz"))
        ch["rate_hz_median"] = round(float(np.median(rates)), 3)
        ch["rate_hz_min"] = round(float(rates.min()), 3)
        ch["rate_hz_max"] = round(float(rates.max()), 3)
    statuses = [r for r in cap.records if isinstance(r, Status)]
    host_times = [r.unix_time for r in cap.records if isinstance(r, HostTime)]
    return {
        "path": str(cap.path),
        "header": cap.header,
        "device": cap.device_info,
        "duration_s": round((t_max - t_min) / 1e6, 6)
        if t_min is not None and t_max is not None
        else 0.0,
        "host_time_span_s": round(host_times[-1] - host_times[0], 3) if host_times else None,
        "device_restarts": cap.header.get("restarts", 0),
        "frames": len(cap.records),
        "frames_by_type": dict(sorted(by_type.items())),
        "channels": channels,
        "marks": [
            {
                "number": r.number,
                "label": r.label,
                "source": r.source,
                "device_time_s": round(r.ts_us / 1e6, 6),
            }
            for r in cap.records
            if isinstance(r, Mark)
        ],
        "notes": [r.text for r in cap.records if isinstance(r, Note)],
        # times the recorder lost the link and noted it (roomsweep sweep resumes):
        # frames lost meanwhile are in no live counter, only in the replay's seq_gaps
        "link_losses": sum(
            1 for r in cap.records if isinstance(r, Note) and r.text.startswith(LINK_LOST_NOTE)
        ),
        "last_status": None
        if not statuses
        else {
            k: getattr(statuses[-1], k)
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
            )
        },
        "replay_counters": cap.counters.as_dict(),
        "live_counters": cap.live_counters,
    }


P_NAMES = {
    P.T_INFO: "INFO",
    P.T_SAMPLES: "SAMPLES",
    P.T_STATUS: "STATUS",
    P.T_MARK: "MARK",
    P.T_LOG: "LOG",
    P.T_ACK: "ACK",
    P.T_ERROR: "ERROR",
    P.T_CMD_HELLO: "CMD_HELLO",
    P.T_CMD_START: "CMD_START",
    P.T_CMD_STOP: "CMD_STOP",
    P.T_CMD_CONFIGURE: "CMD_CONFIGURE",
    P.T_CMD_MARK: "CMD_MARK",
    P.T_CMD_PING: "CMD_PING",
    P.T_HOST_TIME: "HOST_TIME",
    P.T_HOST_RXSTATS: "HOST_RXSTATS",
    P.T_HOST_NOTE: "HOST_NOTE",
    P.T_WIFI_SCAN: "WIFI_SCAN",
    P.T_BLE_ADV: "BLE_ADV",
    P.T_LENS: "LENS",
}
