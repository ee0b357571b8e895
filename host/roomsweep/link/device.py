"""Talking to a device over any port: commands, replies, and recording.

``Device`` wraps an open pyserial port (see transport.open_port) with a Decoder.
Every record that arrives while waiting for a reply is kept in ``backlog``, so
nothing received is lost to a command exchange.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import serial

from roomsweep.errors import DeviceError, DeviceTimeout, PortError, UsageError
from roomsweep.link.capture import P_NAMES, CaptureWriter
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Decoder
from roomsweep.protocol.records import Ack, Error, Info, Record, Samples

_CTRL_C = 0x03


def _wait_readable(port: serial.SerialBase, timeout: float) -> None:
    try:
        fd = port.fileno()
    except (AttributeError, NotImplementedError, serial.SerialException, OSError):
        time.sleep(min(timeout, 0.005))  # URL handlers without a file descriptor
        return
    select.select([fd], [], [], timeout)


def encode_command(msg_type: int, seq: int, text: str = "") -> tuple[bytes, int]:
    """A command frame and the sequence number it carries.

    While the device sits idle at its REPL port, a 0x03 byte would be taken as
    Ctrl-C. Command payloads are printable text, so only the header and CRC can
    hold one; the sequence number is advanced until none does, and past
    NO_SEQ (0xFFFF), which the device's ERROR for a damaged frame carries: a
    command so numbered would take that ERROR as its reply.
    """
    if msg_type not in P.COMMAND_TYPES:
        raise UsageError(f"0x{msg_type:02x} is not a command type")
    payload = text.encode()
    if not P.is_clean_text(payload):
        raise UsageError("command text must be printable, without control characters")
    if len(payload) > 256:
        raise UsageError("command text longer than 256 bytes")
    if len(payload) == _CTRL_C:
        payload += b" "  # the length byte itself would read as Ctrl-C
    for attempt in range(1024):  # covers a run of 256 numbers with 0x03 as high byte
        s = (seq + attempt) & 0xFFFF
        if (s >> 8) == _CTRL_C or (s & 0xFF) == _CTRL_C or s == P.NO_SEQ:
            continue  # NO_SEQ: the device's ERROR for a frame it could not read
        frame = P.encode_frame(msg_type, s, 0, payload)
        if _CTRL_C not in frame:
            return frame, s
    raise AssertionError("no sequence number avoids 0x03")  # pragma: no cover


@dataclass
class Device:
    port: serial.SerialBase
    decoder: Decoder = field(default_factory=lambda: Decoder(keep_raw=True))
    backlog: list[Record] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    _seq: int = 1
    reply_index: int = 0

    def send(self, msg_type: int, text: str = "") -> int:
        frame, seq = encode_command(msg_type, self._seq, text)
        self._seq = (seq + 1) & 0xFFFF
        try:
            self.port.write(frame)
            self.port.flush()
        except (OSError, serial.SerialException) as e:
            raise PortError(f"cannot write to the device: {e}") from e
        self.sent.append(frame)
        return seq

    def read(self, wait: float = 0.05) -> list[Record]:
        """Whatever has arrived; waits up to `wait` seconds when nothing has.

        Ports are opened non-blocking (timeout 0, see transport.open_port): one
        read takes everything buffered, whatever the URL handler.
        """
        data = b""
        try:
            data = self.port.read(1 << 20)
            if not data:
                _wait_readable(self.port, wait)
                data = self.port.read(1 << 20)
        except (OSError, serial.SerialException) as e:
            raise PortError(f"link to the device lost: {e}") from e
        return self.decoder.feed(data) if data else []

    def drop_input(self) -> None:
        """Forget what has arrived and not been taken, as a port opened anew
        would: the port's input buffer (a stream's tail after STOP), the
        decoder's partial frame and counters, the backlog."""
        try:
            self.port.reset_input_buffer()
        except (OSError, serial.SerialException) as e:
            raise PortError(f"link to the device lost: {e}") from e
        self.decoder = Decoder(keep_raw=True)
        self.backlog = []
        self.reply_index = 0

    def request(self, msg_type: int, text: str = "", timeout: float = 3.0) -> Ack:
        """Send a command and wait for its ACK; an ERROR reply raises DeviceError.

        Records that arrive meanwhile go to ``backlog``; ``reply_index`` is the
        backlog position of the first record that arrived after the reply.
        """
        seq = self.send(msg_type, text)
        deadline = time.monotonic() + timeout
        reply: Ack | Error | None = None
        while reply is None and time.monotonic() < deadline:
            for rec in self.read():
                self.backlog.append(rec)  # replies too: recorders keep every frame
                if reply is None and isinstance(rec, (Ack, Error)) and rec.cmd_seq == seq:
                    reply = rec
                    self.reply_index = len(self.backlog)
        if reply is None:
            name = P_NAMES.get(msg_type, f"0x{msg_type:02x}").removeprefix("CMD_")
            raise DeviceTimeout(f"no reply to {name} within {timeout:g} s")
        if isinstance(reply, Error):
            name = P.ERROR_NAMES.get(reply.code, str(reply.code))
            raise DeviceError(f"device refused the command: {name}: {reply.text}")
        return reply

    def start_stream(self, settings: str = "") -> None:
        """STOP, CONFIGURE `settings` (when any), START: the stream from any
        state. A device left streaming (an earlier recorder killed, the host's
        cable pulled while the board kept its power) refuses START, and a
        CONFIGURE of rate or block, until stopped."""
        self.request(P.T_CMD_STOP)
        if settings:
            self.request(P.T_CMD_CONFIGURE, settings)
        self.request(P.T_CMD_START)

    def hello(self, timeout: float = 3.0) -> dict[str, Any]:
        """Ask for INFO: firmware version, board, channels, rates, calibration."""
        try:
            self.request(P.T_CMD_HELLO, timeout=timeout)
        except DeviceTimeout:
            where = getattr(self.port, "port", None) or "this port"
            raise DeviceTimeout(
                f"no roomsweep device answered HELLO on {where} within {timeout:g} s: is "
                "it the device's port (roomsweep ports), with the roomsweep firmware "
                "running (roomsweep deploy)?"
            ) from None
        deadline = time.monotonic() + timeout
        while True:
            for rec in self.backlog[self.reply_index :]:
                if isinstance(rec, Info):
                    return rec.info
            if time.monotonic() > deadline:
                raise DeviceTimeout("the device acknowledged HELLO but sent no INFO")
            self.backlog.extend(self.read())


def record(
    device: Device,
    writer: CaptureWriter,
    seconds: float | None = None,
    stop: threading.Event | None = None,
    on_records: Callable[[list[Record]], None] | None = None,
    settings: str = "",
    alive: Callable[[], bool] | None = None,
    silence_timeout: float = 5.0,
) -> dict[str, Any]:
    """Stream from START until `seconds` of device time have been sampled (or
    `stop` is set), writing every frame verbatim; then STOP. Returns a summary.

    Every frame is on disk before the next read; a link that breaks or falls
    silent for `silence_timeout` seconds raises after the capture is closed
    cleanly, with everything received kept.
    """
    device.start_stream(settings)
    t_first: int | None = None
    last_time_stamp = 0.0
    last_stats = time.monotonic()
    pending = device.backlog
    device.backlog = []
    writer.write_host_time()
    sampled_s = 0.0
    last_data = time.monotonic()
    try:
        while True:
            records = pending + device.read()
            pending = []
            now = time.monotonic()
            if records:
                last_data = now
            elif now - last_data > silence_timeout or (alive is not None and not alive()):
                raise DeviceTimeout(
                    f"no data from the device for {now - last_data:.1f} s; "
                    f"{writer.frames_written} frames kept in {writer.path}"
                )
            writer.write_frames([r.raw for r in records if r.raw is not None])
            if on_records and records:
                on_records(records)
            for r in records:
                if isinstance(r, Samples):
                    if t_first is None:
                        t_first = r.t_first_us
                    end = r.t_first_us + r.span_us
                    sampled_s = max(sampled_s, (end - t_first) / 1e6)
            if now - last_time_stamp >= 1.0:
                writer.write_host_time()
                last_time_stamp = now
            if now - last_stats >= 5.0:
                writer.write_rx_stats(device.decoder.counters)
                last_stats = now
            if seconds is not None and sampled_s >= seconds:
                break
            if stop is not None and stop.is_set():
                break
    finally:
        try:
            device.request(P.T_CMD_STOP)
        except (DeviceError, PortError):
            pass  # cable gone: what arrived is already on disk
        tail = device.backlog
        device.backlog = []
        writer.write_frames([r.raw for r in tail if r.raw is not None])
        writer.write_rx_stats(device.decoder.counters)
    return {
        "sampled_s": sampled_s,
        "frames": writer.frames_written,
        "counters": device.decoder.counters.as_dict(),
    }
