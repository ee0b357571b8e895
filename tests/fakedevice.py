"""A device impostor in CPython for host-side tests: answers commands on a pty
and streams numbered SAMPLES frames, remembering when each was sent."""

from __future__ import annotations

import json
import os
import threading
import time
import tty

import numpy as np

from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Decoder
from roomsweep.protocol.encoding import samples_payload
from roomsweep.protocol.records import Command


class FakeDevice:
    def __init__(
        self,
        frames_per_s: float = 200.0,
        boot_noise: bytes = b"",
        refuse_settings: tuple[str, ...] = (),
    ):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.frames_per_s = frames_per_s
        self.boot_noise = boot_noise
        self.refuse_settings = refuse_settings  # CONFIGURE keys refused, as unknown
        self.sent: list[tuple[int, float]] = []  # (seq, time.monotonic())
        self.streaming = False
        self._seq = 0
        self.clock_us = 0  # the device clock: every frame carries it, as the firmware's do
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FakeDevice:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self.master)
        os.close(self.slave)

    def _send(self, msg_type: int, payload: bytes, ts: int | None = None) -> int:
        """Write a whole frame stamped `ts` (by default the device clock) (the
        master is non-blocking: a full pty buffer takes part of a frame; wait
        for room rather than tear it)."""
        seq = self._seq
        ts = self.clock_us if ts is None else ts
        data = memoryview(P.encode_frame(msg_type, seq, ts, payload))
        started = False
        while data:
            try:
                n = os.write(self.master, data)
            except BlockingIOError:
                if not started or self._stop.is_set():
                    raise  # nothing of this frame went out: not sent
                time.sleep(0.001)
                continue
            started = True
            data = data[n:]
        self._seq = (seq + 1) & 0xFFFF
        return seq

    def _run(self) -> None:
        os.set_blocking(self.master, False)
        if self.boot_noise:
            os.write(self.master, self.boot_noise)
        dec = Decoder()
        block = np.arange(256, dtype=np.uint16) & 0xFFF
        next_t = time.monotonic()
        while not self._stop.is_set():
            try:
                data = os.read(self.master, 4096)
            except (BlockingIOError, OSError):
                data = b""
            for cmd in dec.feed(data):
                if not isinstance(cmd, Command):
                    continue
                if cmd.type == P.T_CMD_START and self.streaming:
                    # as the firmware does (app.py): START only from stopped
                    reply = P.encode_reply(cmd.seq, cmd.type, P.ERR_BAD_STATE, "already streaming")
                    self._send(P.T_ERROR, reply)
                    continue
                unknown = [
                    kv.split("=")[0]
                    for kv in cmd.text.split()
                    if cmd.type == P.T_CMD_CONFIGURE and kv.split("=")[0] in self.refuse_settings
                ]
                if unknown:
                    reply = P.encode_reply(
                        cmd.seq, cmd.type, P.ERR_BAD_ARGUMENT, f"unknown setting {unknown[0]}"
                    )
                    self._send(P.T_ERROR, reply)
                    continue
                reply = P.encode_reply(cmd.seq, cmd.type, 0, "")
                self._send(P.T_ACK, reply)
                if cmd.type == P.T_CMD_HELLO:
                    info = {"firmware": "fake", "board": "fake", "protocol": 1}
                    self._send(P.T_INFO, json.dumps(info).encode())
                elif cmd.type == P.T_CMD_START:
                    self.streaming = True
                elif cmd.type == P.T_CMD_STOP:
                    self.streaming = False
            now = time.monotonic()
            if self.streaming and now >= next_t:
                self.clock_us += 32000  # 256 samples at 8 kHz
                payload = samples_payload(0, block, self.clock_us, 31875, 8000000, 0)
                try:
                    seq = self._send(P.T_SAMPLES, payload)
                except BlockingIOError:
                    seq = None  # reader gone: nothing was sent
                if seq is not None:
                    self.sent.append((seq, time.monotonic()))
                next_t += 1.0 / self.frames_per_s
            else:
                time.sleep(0.001)
