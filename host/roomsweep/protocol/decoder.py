"""Pure, incremental decoder of the roomsweep wire protocol.

Bytes in, typed records out; no I/O. Feed it whatever arrives, in chunks of any
size: it finds frames by their magic, checks version, length and CRC-32, and
counts every kind of rejected input instead of raising. Live streams, capture
replay and tests all use this one class.

Text in a frame comes from outside (SSIDs from anyone's radio, MARK labels, the
device's INFO, LOG, ACK and ERROR strings, notes in a capture): it enters here
and is made `untrusted.printable` as it does, so no record holds a raw control
character (an ESC sequence, a newline that forges a line of output).

Example
-------
>>> from roomsweep.protocol import rsproto
>>> from roomsweep.protocol.decoder import Decoder
>>> frame = rsproto.encode_frame(rsproto.T_LOG, 7, 1000, rsproto.encode_log(20, "hi"))
>>> d = Decoder()
>>> [r.text for r in d.feed(b"boot noise" + frame)]
['hi']
>>> d.counters.garbage_bytes
10
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import asdict, dataclass

import numpy as np

from roomsweep.protocol import rsproto as P
from roomsweep.protocol.records import (
    AccessPoint,
    Ack,
    BleAdv,
    BleAdvertiser,
    Command,
    Error,
    HostTime,
    Info,
    Lens,
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
from roomsweep.protocol.untrusted import printable, printable_tree

_HEADER_TAIL = struct.Struct("<BBHHI")  # version, type, seq, length, timestamp
_CRC = struct.Struct("<I")
_SAMPLES = struct.Struct(P.SAMPLES_HEADER_FORMAT)
_STATUS = struct.Struct(P.STATUS_FORMAT)
_MARK = struct.Struct(P.MARK_HEADER_FORMAT)
_LENS = struct.Struct(P.LENS_FORMAT)
_REPLY = struct.Struct(P.REPLY_FORMAT)
_HOST_TIME = struct.Struct("<d")
_WIFI_SCAN = struct.Struct(P.WIFI_SCAN_HEADER_FORMAT)
_WIFI_AP = struct.Struct(P.WIFI_AP_FORMAT)
_BLE_ADV = struct.Struct(P.BLE_ADV_HEADER_FORMAT)
_BLE_DEVICE = struct.Struct(P.BLE_DEVICE_FORMAT)
_NOT_YET = np.zeros(0, np.uint16)  # placeholder for samples still to unpack
_DEVICE = frozenset(P.DEVICE_TYPES) | frozenset(range(P.T_RESERVED_FIRST, P.T_RESERVED_LAST + 1))


@dataclass
class Counters:
    """What the decoder saw, frame by frame. Every field only ever grows."""

    bytes_total: int = 0  # bytes fed
    frames: int = 0  # frames with a valid CRC
    garbage_bytes: int = 0  # bytes that belong to no valid frame
    crc_errors: int = 0  # frame candidates whose CRC did not match
    bad_length: int = 0  # candidates declaring more than MAX_PAYLOAD bytes
    bad_version: int = 0  # candidates of another protocol version
    unknown_type: int = 0  # valid frames of a type this reader does not know
    bad_payload: int = 0  # valid frames whose payload does not parse
    seq_gaps: int = 0  # device frames missing, judged by sequence numbers
    seq_out_of_order: int = 0  # device frames whose sequence number went backwards
    device_dropped: int = 0  # samples the device reports it dropped (link too slow)
    device_resets: int = 0  # INFO frames with sequence 0: the device restarted
    truncated: int = 0  # cut off by the stream's end or an appended session (cut_bytes)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def rejected(self) -> int:
        return self.crc_errors + self.bad_length + self.bad_version + self.truncated


class _Unwrapper:
    """Turns a counter that wraps at `period` into a growing integer."""

    __slots__ = ("period", "last", "offset")

    def __init__(self, period: int):
        self.period = period
        self.last: int | None = None
        self.offset = 0

    def __call__(self, raw: int) -> int:
        last = self.last
        if last is not None and raw < last and last - raw > self.period // 2:
            self.offset += self.period
        self.last = raw
        return raw + self.offset

    def reset(self) -> None:
        self.last = None
        self.offset = 0


_UNPACK_SLICE = 1 << 15  # sample pairs unpacked per numpy pass


def unpack12(packed: np.ndarray | bytes, count: int) -> np.ndarray:
    """Unpack ENC_PACKED12 bytes into `count` uint16 samples.

    Examples
    --------
    >>> unpack12(bytes([0x21, 0x43, 0x65]), 2).tolist()
    [801, 1620]
    """
    raw = np.frombuffer(packed, dtype=np.uint8)
    pairs = (count + 1) // 2
    if raw.size < pairs * 3:
        raw = np.concatenate([raw, np.zeros(pairs * 3 - raw.size, np.uint8)])
    t = raw[: pairs * 3].reshape(pairs, 3)
    out = np.empty((pairs, 2), np.uint16)
    # in slices that stay in cache: a whole feed's blocks can be megabytes
    for s in range(0, pairs, _UNPACK_SLICE):
        w = t[s : s + _UNPACK_SLICE].astype(np.uint16)
        o = out[s : s + _UNPACK_SLICE]
        o[:, 0] = w[:, 0] | ((w[:, 1] & 0x0F) << 8)
        o[:, 1] = (w[:, 1] >> 4) | (w[:, 2] << 4)
    return out.reshape(-1)[:count]


class Decoder:
    """Incremental frame decoder.

    Parameters
    ----------
    keep_raw : bool
        Attach each frame's exact bytes to its record (``record.raw``), for
        recorders that must store frames verbatim.
    """

    def __init__(self, keep_raw: bool = False):
        self.keep_raw = keep_raw
        self.counters = Counters()
        self._buf = bytearray()
        self._expected_seq: int | None = None
        self._host_seq: int | None = None  # of the last host record
        self._new_session = False  # the next device frame follows a session start
        # bytes of truncated candidates: counted once, as `truncated`, not as
        # garbage; garbage + frames' bytes + cut_bytes + pending = bytes_total
        self.cut_bytes = 0
        self._device_ts = _Unwrapper(P.TICKS_PERIOD)
        self._host_ts = _Unwrapper(1 << 32)
        self._dropped_seen: dict[int, int] = {}
        # ENC_PACKED12 blocks of the current _scan: (record, packed bytes, count),
        # unpacked together at its end (one numpy pass instead of one per block)
        self._packed: list[tuple[Samples, memoryview, int]] = []

    # --- public ---------------------------------------------------------------
    def feed(self, data: bytes | bytearray | memoryview) -> list[Record]:
        """Add bytes; return the records of every frame completed by them."""
        self.counters.bytes_total += len(data)
        try:
            self._buf += data
        except BufferError:  # a view still holds the buffer (see _scan): a new one
            self._buf = self._buf + data
        return self._scan(final=False)

    def finish(self) -> list[Record]:
        """The stream has ended: decode what is left and count cut-off frames."""
        return self._scan(final=True)

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buf)

    # --- scanning -------------------------------------------------------------
    def _scan(self, final: bool) -> list[Record]:
        buf = self._buf
        c = self.counters
        n = len(buf)
        view = memoryview(buf)
        out: list[Record] = []
        pos = 0
        magic = P.MAGIC
        unpack_tail = _HEADER_TAIL.unpack_from
        unpack_crc = _CRC.unpack_from
        crc32 = zlib.crc32
        ahead: int | None = None  # buf.find(magic, pos) when already known
        try:
            while True:
                i = buf.find(magic, pos) if ahead is None else ahead
                ahead = None
                if i < 0:
                    # keep a trailing first magic byte: the next chunk may complete it
                    keep = 1 if (not final and n > pos and buf[n - 1] == P.MAGIC0) else 0
                    c.garbage_bytes += n - pos - keep
                    pos = n - keep
                    break
                c.garbage_bytes += i - pos
                pos = i
                if n - i < P.HEADER_SIZE:
                    if final:
                        pos = self._truncated(buf, i)
                        continue
                    break
                version, msg_type, seq, length, ts = unpack_tail(buf, i + 2)
                end = i + P.HEADER_SIZE + length
                if version != P.PROTOCOL_VERSION or length > P.MAX_PAYLOAD:
                    limit = i + P.HEADER_SIZE
                elif end + P.CRC_SIZE > n:
                    if final:
                        pos = self._truncated(buf, i)
                        continue
                    break
                elif crc32(view[i:end]) != unpack_crc(buf, end)[0]:
                    limit = end + P.CRC_SIZE
                else:
                    c.frames += 1
                    pos = end + P.CRC_SIZE
                    rec = self._record(msg_type, seq, ts, view[i + P.HEADER_SIZE : end])
                    if self.keep_raw:
                        rec.raw = bytes(view[i:pos])
                    out.append(rec)
                    continue
                # No frame (up to `limit`): the previous session's torn last frame
                # when a session starts inside it (_cut_by_session): once as truncated,
                # on at that start. Else a rejection with its first byte as garbage,
                # on at the next byte. _WAIT: that cannot be told yet. No session
                # starts in one all here with no magic inside (the common case): told
                # by the find the next loop needs anyway.
                nxt = buf.find(magic, i + 1)
                if n <= limit or 0 <= nxt < limit:
                    cut = _cut_by_session(buf, i, limit, n)
                    if cut == _WAIT and not final:
                        break
                    if cut >= 0:
                        c.truncated += 1
                        self.cut_bytes += cut - i
                        pos = cut
                        continue
                if version != P.PROTOCOL_VERSION:
                    c.bad_version += 1
                elif length > P.MAX_PAYLOAD:
                    c.bad_length += 1
                else:
                    c.crc_errors += 1
                c.garbage_bytes += 1
                pos, ahead = i + 1, nxt
            if self._packed:
                self._unpack_packed()
        finally:
            self._packed.clear()  # its memoryviews pin buf
            view.release()
        try:
            del buf[:pos]
        except BufferError:
            # a payload view outlived the scan (held by a traceback in a reference
            # cycle until the next garbage collection): leave the old buffer to it
            self._buf = bytearray(buf[pos:])
        return out

    def _truncated(self, buf: bytearray, i: int) -> int:
        """At the end of the stream, the candidate at `i` cannot complete: count
        it once, as truncated (its bytes are not garbage too), and go on at the
        next magic after its own, where a frame inside it would begin."""
        self.counters.truncated += 1
        j = buf.find(P.MAGIC, i + 1)
        j = len(buf) if j < 0 else j
        self.cut_bytes += j - i
        return j

    def _unpack_packed(self) -> None:
        """Fill in the samples of this scan's ENC_PACKED12 records, all at once."""
        packed = self._packed
        parts: list[bytes | memoryview] = []
        total = 0
        for _, body, count in packed:
            parts.append(body)
            if count & 1:  # pad the half triple to a whole one: blocks stay aligned
                parts.append(b"\0")
                count += 1
            total += count
        samples = unpack12(b"".join(parts), total)
        del parts
        start = 0
        for rec, _, count in packed:
            rec.samples = samples[start : start + count]
            start += count + (count & 1)

    # --- payloads -------------------------------------------------------------
    def _record(self, msg_type: int, seq: int, ts: int, payload: memoryview) -> Record:
        if msg_type in _DEVICE:
            # sequence first: a restart's hello resets the clock it is timed on
            self._check_seq(msg_type, seq)
            ts_us = self._device_ts(ts)
        else:
            if starts_session(msg_type, seq, self._host_seq):
                # a recorder's first frame: a new recording session begins (an
                # append, docs/capture-format.md). The device's sequence number
                # went on meanwhile: its step to the next device frame is no gap
                # (a restart's hello still counts). The host clock starts again.
                self._new_session = True
                self._host_ts.reset()
            self._host_seq = seq
            ts_us = self._host_ts(ts)
        parse = _PARSERS.get(msg_type)
        if parse is None:
            self.counters.unknown_type += 1
            return Unknown(msg_type, seq, ts_us, payload=bytes(payload), reason="unknown type")
        try:
            return parse(self, msg_type, seq, ts, ts_us, payload)
        except (struct.error, ValueError, UnicodeDecodeError, RecursionError) as e:
            # RecursionError: json.loads of deeply nested arrays in INFO/RXSTATS
            self.counters.bad_payload += 1
            return Unknown(msg_type, seq, ts_us, payload=bytes(payload), reason=str(e))

    def _check_seq(self, msg_type: int, seq: int) -> None:
        expected = self._expected_seq
        if msg_type == P.T_INFO and seq == 0 and expected is not None and expected != 0:
            # A device that restarts begins again at 0 and says hello first. An
            # INFO (reply to HELLO) that merely falls on the 65535 -> 0 wrap is
            # the next frame, not a restart.
            self.counters.device_resets += 1
            self._device_ts.reset()
            self._dropped_seen.clear()
        elif expected is not None and seq != expected and not self._new_session:
            gap = (seq - expected) & 0xFFFF
            if gap < 0x8000:
                self.counters.seq_gaps += gap
            else:
                self.counters.seq_out_of_order += 1
        self._expected_seq = (seq + 1) & 0xFFFF
        self._new_session = False

    def _samples(self, t, seq, ts_raw, ts_us, p):
        channel, enc_byte, count, first, span, rate_mhz, dropped = _SAMPLES.unpack_from(p, 0)
        enc = enc_byte & ~P.SAMPLES_FLAG_RF_PAD  # the top bit is a flag
        rf_pad = bool(enc_byte & P.SAMPLES_FLAG_RF_PAD)
        if rf_pad and channel != P.CH_RF:
            raise ValueError(f"the RF pad flag on channel {channel}")
        body = p[P.SAMPLES_HEADER_SIZE :]
        if enc == P.ENC_PACKED12:
            need = P.packed12_size(count)
            if len(body) != need:
                raise ValueError(f"{count} packed samples need {need} bytes, got {len(body)}")
            samples = _NOT_YET  # unpacked by _scan with the other blocks it found
        elif enc == P.ENC_U16:
            if len(body) != 2 * count:
                raise ValueError(f"{count} samples need {2 * count} bytes, got {len(body)}")
            samples = np.frombuffer(body, dtype="<u2").astype(np.uint16)
        else:
            raise ValueError(f"unknown sample encoding {enc}")
        prev = self._dropped_seen.get(channel)
        if prev is None or dropped < prev:  # first block, or a new START
            self.counters.device_dropped += dropped
        else:
            self.counters.device_dropped += dropped - prev
        self._dropped_seen[channel] = dropped
        back = (ts_raw - first) % P.TICKS_PERIOD
        rec = Samples(
            t,
            seq,
            ts_us,
            channel=channel,
            encoding=enc,
            t_first_us=ts_us - back,
            span_us=span,
            rate_hz=rate_mhz / 1000.0,
            dropped=dropped,
            samples=samples,
            rf_pad=rf_pad,
        )
        if samples is _NOT_YET:
            self._packed.append((rec, body, count))
        return rec

    def _status(self, t, seq, ts_raw, ts_us, p):
        v = _STATUS.unpack_from(p, 0)
        return Status(
            t,
            seq,
            ts_us,
            uptime_ms=v[0],
            heap_free=v[1],
            heap_used=v[2],
            dropped=v[3],
            late=v[4],
            missed=v[5],
            battery_mv=v[6],
            link_errors=v[7],
            command_errors=v[8],
            streaming=bool(v[9] & P.STATUS_FLAG_STREAMING),
        )

    def _lens(self, t, seq, ts_raw, ts_us, p):
        if len(p) < P.LENS_SIZE_V1:  # longer: fields appended by a later firmware
            raise ValueError(f"LENS payload is {len(p)} bytes, not {P.LENS_SIZE}")
        if len(p) < P.LENS_SIZE:  # firmware before the drive level: always full current
            p = bytes(p[: P.LENS_SIZE_V1]) + bytes(P.LENS_SIZE - P.LENS_SIZE_V1)
        first, count, groups, flags, *amps, level = _LENS.unpack_from(p, 0)
        back = (ts_raw - first) % P.TICKS_PERIOD
        return Lens(
            t,
            seq,
            ts_us,
            t_first_us=ts_us - back,
            count=count,
            amplitudes=tuple(a / P.LENS_AMP_SCALE for a in amps[: min(groups, 3)]),
            alert=bool(flags & P.LENS_FLAG_ALERT),
            clipped=bool(flags & P.LENS_FLAG_CLIPPED),
            drive_level=level,
        )

    def _info(self, t, seq, ts_raw, ts_us, p):
        info = json.loads(bytes(p).decode())
        if not isinstance(info, dict):
            raise ValueError("INFO payload is not a JSON object")
        return Info(t, seq, ts_us, info=printable_tree(info))

    def _mark(self, t, seq, ts_raw, ts_us, p):
        number, source = _MARK.unpack_from(p, 0)
        label = _text(p[P.MARK_HEADER_SIZE :])
        return Mark(t, seq, ts_us, number=number, source=source, label=label)

    def _log(self, t, seq, ts_raw, ts_us, p):
        if len(p) < P.LOG_HEADER_SIZE:
            raise ValueError("empty LOG payload")
        return Log(t, seq, ts_us, level=p[0], text=_text(p[1:]))

    def _reply(self, t, seq, ts_raw, ts_us, p):
        cmd_seq, cmd_type, code = _REPLY.unpack_from(p, 0)
        text = _text(p[P.REPLY_HEADER_SIZE :])
        if t == P.T_ACK:
            return Ack(t, seq, ts_us, cmd_seq=cmd_seq, cmd_type=cmd_type, text=text)
        return Error(t, seq, ts_us, cmd_seq=cmd_seq, cmd_type=cmd_type, code=code, text=text)

    def _command(self, t, seq, ts_raw, ts_us, p):
        return Command(t, seq, ts_us, text=_text(p))

    def _host_time(self, t, seq, ts_raw, ts_us, p):
        return HostTime(t, seq, ts_us, unix_time=_HOST_TIME.unpack_from(p, 0)[0])

    def _rx_stats(self, t, seq, ts_raw, ts_us, p):
        counters = json.loads(bytes(p).decode())
        if not isinstance(counters, dict):
            raise ValueError("RXSTATS payload is not a JSON object")
        return RxStats(t, seq, ts_us, counters=printable_tree(counters))

    def _note(self, t, seq, ts_raw, ts_us, p):
        return Note(t, seq, ts_us, text=_text(p))

    def _wifi_scan(self, t, seq, ts_raw, ts_us, p):
        start, duration, flags, count = _WIFI_SCAN.unpack_from(p, 0)
        pos = P.WIFI_SCAN_HEADER_SIZE
        aps = []
        for _ in range(count):
            bssid, channel, rssi, auth, hidden, n = _WIFI_AP.unpack_from(p, pos)
            pos += P.WIFI_AP_SIZE
            if n > P.WIFI_SSID_MAX or pos + n > len(p):
                raise ValueError(f"access point SSID of {n} bytes does not fit")
            raw = bytes(p[pos : pos + n])
            pos += n
            aps.append(
                AccessPoint(
                    _mac(bssid),
                    printable(raw.decode("utf-8", "replace")),
                    channel,
                    rssi,
                    auth,
                    bool(hidden),
                    raw,
                )
            )
        return WifiScan(
            t,
            seq,
            ts_us,
            t_start_us=ts_us - (ts_raw - start) % P.TICKS_PERIOD,
            duration_us=duration,
            active=bool(flags & P.WIFI_ACTIVE),
            failed=bool(flags & P.WIFI_FAILED),
            truncated=bool(flags & P.WIFI_TRUNCATED),
            access_points=aps,
        )

    def _ble_adv(self, t, seq, ts_raw, ts_us, p):
        start, span, lost, count = _BLE_ADV.unpack_from(p, 0)
        pos = P.BLE_ADV_HEADER_SIZE
        devices = []
        for _ in range(count):
            addr, addr_type, adv_type, rmax, rlast, seen, n = _BLE_DEVICE.unpack_from(p, pos)
            pos += P.BLE_DEVICE_SIZE
            if n > P.BLE_DATA_MAX or pos + n > len(p):
                raise ValueError(f"advertising data of {n} bytes does not fit")
            devices.append(
                BleAdvertiser(
                    _mac(addr), addr_type, adv_type, rmax, rlast, seen, bytes(p[pos : pos + n])
                )
            )
            pos += n
        return BleAdv(
            t,
            seq,
            ts_us,
            t_start_us=ts_us - (ts_raw - start) % P.TICKS_PERIOD,
            span_us=span,
            lost=lost,
            advertisers=devices,
        )


_WAIT = -2  # _cut_by_session: the frame that may start a session is not all here yet


def starts_session(msg_type: int, seq: int, prev_host_seq: int | None) -> bool:
    """A recorder's first frame, HOST_TIME of host seq 0 (not the wrap after
    0xFFFF): a recording session begins (docs/capture-format.md, *Appending*)."""
    return msg_type == P.T_HOST_TIME and seq == 0 and prev_host_seq != 0xFFFF


def _cut_by_session(buf: bytearray, i: int, limit: int, n: int) -> int:
    """Where a recording session starts inside the rejected candidate at `i`
    (before `limit`), or -1: a whole, valid HOST_TIME frame of sequence 0 there,
    the first valid frame after `i`, is how every recorder begins writing
    (docs/capture-format.md, *Appending*), so the candidate is the previous
    session's last frame, cut short by a crash before the capture was appended
    to. Any other valid frame first: -1, the candidate is a plain rejection and
    the frames behind it are read as ever. _WAIT when the first frame that may
    be valid has not all arrived."""
    j = i
    while True:
        j = buf.find(P.MAGIC, j + 1, min(limit + 1, n))  # a magic that starts before limit
        if j < 0:  # or its magic's first byte is the last byte here
            return _WAIT if n <= limit and buf[n - 1] == P.MAGIC0 else -1
        if n - j < P.HEADER_SIZE:
            return _WAIT
        version, msg_type, seq, length, _ = _HEADER_TAIL.unpack_from(buf, j + 2)
        if version != P.PROTOCOL_VERSION or length > P.MAX_PAYLOAD:
            continue
        end = j + P.HEADER_SIZE + length
        if end + P.CRC_SIZE > n:
            return _WAIT
        if zlib.crc32(buf[j:end]) != _CRC.unpack_from(buf, end)[0]:
            continue
        starts = (msg_type, seq, length) == (P.T_HOST_TIME, 0, _HOST_TIME.size)
        return j if starts else -1


def _text(raw: memoryview) -> str:
    """Frame text: strict UTF-8 (a bad byte makes the frame a bad payload), with
    its control characters shown as escapes."""
    return printable(bytes(raw).decode())


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


_PARSERS = {
    P.T_INFO: Decoder._info,
    P.T_SAMPLES: Decoder._samples,
    P.T_STATUS: Decoder._status,
    P.T_LENS: Decoder._lens,
    P.T_MARK: Decoder._mark,
    P.T_LOG: Decoder._log,
    P.T_ACK: Decoder._reply,
    P.T_ERROR: Decoder._reply,
    P.T_HOST_TIME: Decoder._host_time,
    P.T_HOST_RXSTATS: Decoder._rx_stats,
    P.T_HOST_NOTE: Decoder._note,
    P.T_WIFI_SCAN: Decoder._wifi_scan,
    P.T_BLE_ADV: Decoder._ble_adv,
    **{t: Decoder._command for t in P.COMMAND_TYPES},
}


def decode_all(data: bytes) -> tuple[list[Record], Counters]:
    """Decode a complete byte string (feed + finish)."""
    d = Decoder()
    records = d.feed(data)
    records += d.finish()
    return records, d.counters
