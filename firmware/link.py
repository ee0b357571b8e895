# The serial link, device side: a ring of preallocated SAMPLES frames with
# drop-oldest overflow, a small queue of control frames, and the command parser.
#
# The link object takes `writable` and `write` callables from the board, so the
# same code drives a UART, USB-CDC, or the simulator's pseudo-terminal.

import binascii
import struct
from micropython import const

import fastframe
import rsproto

CMD_MAX_PAYLOAD = const(256)
_CONTROL_QUEUE = const(8)
TRUNCATED_AFTER_MS = const(500)  # a command frame whose bytes stop this long: truncated


class FrameRing:
    """Fixed slots for SAMPLES frames, sent oldest first. When all are queued,
    claim() discards the oldest unsent frame *of the same channel* and counts
    its samples as dropped there, so a slow link thins every channel alike."""

    def __init__(self, slots, payload_len, channels):
        self.frame_len = rsproto.frame_size(payload_len)
        self.payload_len = payload_len
        self.bufs = [bytearray(self.frame_len) for _ in range(slots)]
        self.views = [memoryview(b) for b in self.bufs]
        self.counts = [0] * slots  # samples in each queued slot
        self.channel = bytearray(slots)
        self.dropped = [0] * channels  # per channel, since start
        self.slots = slots
        self.head = 0
        self.queued = 0

    def reset(self):
        self.head = 0
        self.queued = 0
        for i in range(len(self.dropped)):
            self.dropped[i] = 0

    def _swap(self, i, j):
        # swapping references in place: no allocation
        b = self.bufs
        b[i], b[j] = b[j], b[i]
        v = self.views
        v[i], v[j] = v[j], v[i]
        c = self.counts
        c[i], c[j] = c[j], c[i]
        ch = self.channel
        ch[i], ch[j] = ch[j], ch[i]

    def _to_head(self, channel):
        """Move the oldest queued frame of `channel` (or the oldest of all, if it
        has none) to the head, keeping the others in order; returns the head."""
        slots = self.slots
        k = 0
        while k < self.queued and self.channel[(self.head + k) % slots] != channel:
            k += 1
        if k == self.queued:
            k = 0
        j = (self.head + k) % slots
        while k:
            prev = (j - 1) % slots
            self._swap(j, prev)
            j = prev
            k -= 1
        return self.head

    def claim(self, channel, count):
        """Index of a slot to fill for `channel`; it is queued at once."""
        slots = self.slots
        if self.queued == slots:
            old = self._to_head(channel)
            self.dropped[self.channel[old]] += self.counts[old]
            self.head = (old + 1) % slots
            self.queued -= 1
        i = (self.head + self.queued) % slots
        self.queued += 1
        self.channel[i] = channel
        self.counts[i] = count
        return i

    def next_to_send(self, last_channel):
        """Head slot to send next, taking the channels in turn."""
        return self._to_head(1 - last_channel if last_channel < 2 else 0)

    def drop_all(self):
        while self.queued:
            self.dropped[self.channel[self.head]] += self.counts[self.head]
            self.head = (self.head + 1) % self.slots
            self.queued -= 1


class Link:
    def __init__(self, writable, write, ticks_us):
        self._writable = writable
        self._write = write
        self._ticks_us = ticks_us
        self._crc_table = fastframe.make_crc_table()
        self.seq = 0
        self.ring = None
        self._control = []
        self._prepared = None  # one preallocated frame (STATUS), sent after control
        self._prepared_type = 0
        self._last_channel = 1
        self.link_errors = 0

    def set_ring(self, ring):
        self.ring = None
        self.ring = ring

    def _next_seq(self):
        seq = self.seq
        self.seq = (seq + 1) & 0xFFFF
        return seq

    def send_control(self, msg_type, payload):
        """Queue a non-sample frame (allocates; not for the per-block path)."""
        frame = bytearray(rsproto.frame_size(len(payload)))
        frame[rsproto.HEADER_SIZE : rsproto.HEADER_SIZE + len(payload)] = payload
        frame[3] = msg_type  # the header proper is stamped when the frame is sent
        if len(self._control) >= _CONTROL_QUEUE:
            self._control.pop(0)
            self.link_errors += 1
        self._control.append(frame)
        self.pump()

    def prepared_pending(self):
        """True while a prepared frame still waits for the link."""
        return self._prepared is not None

    def send_prepared(self, frame, msg_type):
        """Queue a preallocated frame whose payload is filled; replaces an unsent one."""
        self._prepared = frame
        self._prepared_type = msg_type
        self.pump()

    def finish_into(self, frame, msg_type, payload_len):
        """Stamp header (seq, time) and CRC on a frame whose payload is filled."""
        rsproto.pack_header_into(
            frame, 0, msg_type, self._next_seq(), payload_len, self._ticks_us()
        )
        fastframe.crc32_into(frame, rsproto.HEADER_SIZE + payload_len, self._crc_table)

    def pump(self):
        """Send queued frames while the link accepts them; never waits."""
        control = self._control
        while control:
            if not self._writable():
                return
            frame = control.pop(0)
            n = len(frame) - rsproto.OVERHEAD
            self.finish_into(frame, frame[3], n)
            self._send(frame)
        prepared = self._prepared
        if prepared is not None:
            if not self._writable():
                return
            self.finish_into(prepared, self._prepared_type, len(prepared) - rsproto.OVERHEAD)
            self._prepared = None
            self._send(prepared)
        ring = self.ring
        if ring is None:
            return
        while ring.queued:
            if not self._writable():
                return
            i = ring.next_to_send(self._last_channel)
            self._last_channel = ring.channel[i]
            self.finish_into(ring.bufs[i], rsproto.T_SAMPLES, ring.payload_len)
            ring.head = (i + 1) % ring.slots
            ring.queued -= 1
            self._send(ring.views[i])

    def _send(self, data):
        try:
            self._write(data)
        except OSError:
            # Cable gone or port closed: the frame is lost, sampling goes on.
            self.link_errors += 1


class CommandParser:
    """Finds command frames in the bytes the host sends, as they arrive.

    The caller reads into space() (never more than the buffer has room for),
    calls added(n), then next_command() until it returns None, after every read.
    next_command() returns (type, seq, text) for each valid frame and reports
    damaged ones through `on_error(seq, type, code, text)`.

    The buffer holds one frame of the longest valid command. Parsing after every
    read keeps that enough: whatever is left unparsed is a strict prefix of a
    candidate that may still be valid, shorter than the buffer, so a read always
    has room and no byte is ever dropped unparsed. A candidate is rejected by
    skipping its first byte only (docs/protocol.md, Finding frames), so a valid
    frame starting inside it is still found. Bytes are parsed where they landed
    (start..fill) and moved to the front only when a read needs the room.
    """

    def __init__(self, on_error, ticks_ms, ticks_diff):
        self.buf = bytearray(CMD_MAX_PAYLOAD + rsproto.OVERHEAD)
        self.view = memoryview(self.buf)
        self.start = 0  # first unparsed byte
        self.fill = 0  # end of the bytes received
        self._need = 0  # unparsed bytes the candidate at `start` needs to go on
        self._on_error = on_error
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._partial_since = None  # when bytes last arrived for a waiting candidate
        self.errors = 0

    def space(self):
        """A writable view of the free part of the buffer. Never discards: after
        next_command() has returned None it is at least one byte long."""
        start = self.start
        if start:
            n = self.fill - start
            if n:
                self.buf[:n] = self.view[start : self.fill]
            self.start = 0
            self.fill = n
        if self.fill == 0:
            return self.view  # the common case allocates nothing
        return self.view[self.fill :]

    def added(self, n):
        if n > 0:
            self.fill += n
            self._partial_since = None  # bytes arrived: a waiting frame is not stuck

    def _skip(self, to):
        """Drop the bytes before buffer offset `to` (garbage, or a rejected
        candidate's magic)."""
        if to >= self.fill:
            self.start = 0
            self.fill = 0
        else:
            self.start = to
        self._need = 0
        self._partial_since = None

    def _error(self, seq, msg_type, code, text):
        self.errors += 1
        self._on_error(seq, msg_type, code, text)

    def next_command(self):
        buf = self.buf
        while self.fill > self.start:
            start = self.start
            fill = self.fill
            if fill - start < self._need:
                if self._timed_out():
                    continue
                return None
            i = buf.find(rsproto.MAGIC, start, fill)
            if i < 0:
                # garbage; keep a trailing first magic byte: the next read may complete it
                if buf[fill - 1] == rsproto.MAGIC0:
                    buf[0] = rsproto.MAGIC0
                    self.start = 0
                    self.fill = 1
                    self._need = 2
                else:
                    self._skip(fill)
                return None
            if i != start:
                self._skip(i)
            if fill - i < rsproto.HEADER_SIZE:
                self._need = rsproto.HEADER_SIZE
                continue
            version, msg_type, seq, length = struct.unpack_from("<BBHH", buf, i + 2)
            if version != rsproto.PROTOCOL_VERSION:
                self._skip(i + 1)
                self._error(seq, msg_type, rsproto.ERR_BAD_VERSION, "version %d" % version)
                continue
            if length > CMD_MAX_PAYLOAD:
                # more than the buffer holds: answered at once, never waited for
                self._skip(i + 1)
                self._error(seq, msg_type, rsproto.ERR_BAD_LENGTH,
                            "length %d > %d" % (length, CMD_MAX_PAYLOAD))
                continue
            total = rsproto.frame_size(length)
            if fill - i < total:
                self._need = total
                continue
            end = i + rsproto.HEADER_SIZE + length
            crc = binascii.crc32(self.view[i:end]) & 0xFFFFFFFF
            if crc != struct.unpack_from("<I", buf, end)[0]:
                self._skip(i + 1)
                self._error(rsproto.NO_SEQ, 0, rsproto.ERR_BAD_CRC, "bad crc")
                continue
            payload = bytes(self.view[i + rsproto.HEADER_SIZE : end])
            self._skip(i + total)
            if msg_type not in rsproto.COMMAND_TYPES:
                self._error(seq, msg_type, rsproto.ERR_UNKNOWN_COMMAND, "type 0x%02x" % msg_type)
                continue
            if not rsproto.is_clean_text(payload):
                self._error(seq, msg_type, rsproto.ERR_BAD_ARGUMENT, "payload is not text")
                continue
            # trailing spaces carry no meaning: a host pads a 3-byte text so that
            # the length byte is never 0x03 (Ctrl-C at the REPL)
            return msg_type, seq, payload.decode().rstrip(" ")
        return None

    def _timed_out(self):
        """True (and the candidate rejected) when no byte has arrived for
        TRUNCATED_AFTER_MS while it waits for the rest of its frame."""
        now = self._ticks_ms()
        if self._partial_since is None:
            self._partial_since = now
            return False
        if self._ticks_diff(now, self._partial_since) <= TRUNCATED_AFTER_MS:
            return False
        if self._need > 2:  # a lone first magic byte is no candidate yet
            self._skip(self.start + 1)
            self._error(rsproto.NO_SEQ, 0, rsproto.ERR_TRUNCATED, "incomplete frame")
            return True
        self._partial_since = now
        return False
