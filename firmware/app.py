# The device application: command handling, the streaming loop and STATUS.
# Everything hardware-specific comes from the board object handed to App().

import gc
import json
import struct
from micropython import const

import rsproto
from controls import Beeper, Button, LedDrive, LedGroup
from fastframe import pack12_into
from lens import DRIVE_LEVELS, LockIn
from link import CommandParser, FrameRing, Link
from sampler import MAX_BLOCK, MAX_RATE_HZ, MIN_BLOCK, MIN_RATE_HZ, Sampler, link_rate

FIRMWARE_VERSION = "0.1.0"
RING_SLOTS = const(8)  # SAMPLES frames waiting for the link: 4 blocks of 2 channels
_INPUT_READS_PER_LOOP = const(8)  # bounds the time a flood of input can take
_IDLE_WAIT_MS = const(20)
_SAMPLES_PAYLOAD_OFFSET = const(12 + 20)  # frame header + SAMPLES header
_ENCODING_AT = const(12 + 1)  # SAMPLES' encoding byte (flags: rsproto.SAMPLES_FLAG_RF_PAD)


class App:
    def __init__(self, board):
        self.board = board
        # gil_yield: the board's way to let NimBLE's scan callbacks run between
        # chunks of a block (the viper loop never releases the GIL); None: one go
        self.sampler = Sampler(board.rf_adc, board.pd_adc, board.ticks_us,
                               pause=getattr(board, "gil_yield", None),
                               pad=getattr(board, "attenuator", None))
        self.link = Link(board.link_writable, board.link_write, board.ticks_us)
        self.parser = CommandParser(self._command_error, board.ticks_ms, board.ticks_diff)
        self.button = Button(board.button, board.ticks_ms, board.ticks_diff)
        self.beeper = Beeper(board.buzzer, board.ticks_ms, board.ticks_diff)
        self.led_groups = [
            LedGroup(pwm, hz, 0) for pwm, hz in zip(board.led_pwms, board.led_default_hz)
        ]
        self.led_on = [1 for _ in self.led_groups]  # ledN_on: a group may be left dark
        self.led_duty = [0 for _ in self.led_groups]  # configured duty, kept while off
        self.lens = LockIn(self.sampler.block, self.sampler.rate_hz,
                           [g.hz for g in self.led_groups])
        drive = getattr(board, "led_drive", None)
        self.led_drive = LedDrive(drive, DRIVE_LEVELS)
        self.lens.set_level(0)
        self.lens.set_auto(self.led_drive.adjustable)  # without the reference: full current
        self._lens_frame = bytearray(rsproto.frame_size(rsproto.LENS_SIZE))
        self._lens_lit()
        self.radios = None  # Wi-Fi/BLE scans (radios.py), made by CONFIGURE wifi_scan/ble_scan
        self.streaming = False
        self.marks = 0
        self.blocks = 0
        self.status_every = 1
        self._status_frame = bytearray(rsproto.frame_size(rsproto.STATUS_SIZE))
        self._make_ring()

    # --- set-up ---------------------------------------------------------------
    def _make_ring(self):
        n = self.sampler.block
        payload = rsproto.SAMPLES_HEADER_SIZE + rsproto.packed12_size(n)
        self.link.set_ring(None)
        gc.collect()
        self.ring = FrameRing(RING_SLOTS, payload, 2)
        self.link.set_ring(self.ring)
        # about one STATUS a second, counted in blocks so it costs no clock reads
        self.status_every = max(1, self.sampler.rate_hz // n)

    def info(self):
        b = self.board
        return {
            "firmware": FIRMWARE_VERSION,
            "protocol": rsproto.PROTOCOL_VERSION,
            "board": b.name,
            "simulated": b.simulated,
            "ticks_period": rsproto.TICKS_PERIOD,
            "channels": [
                {"id": rsproto.CH_RF, "name": "rf", "pin": b.pins["rf_adc"], "bits": 12,
                 "atten_db": 11},
                {"id": rsproto.CH_PHOTODIODE, "name": "photodiode", "pin": b.pins["pd_adc"],
                 "bits": 12, "atten_db": 11},
            ],
            "rate_hz": self.sampler.rate_hz,
            "rate_range_hz": [MIN_RATE_HZ, MAX_RATE_HZ],
            "block": self.sampler.block,
            "block_range": [MIN_BLOCK, MAX_BLOCK],
            "encoding": rsproto.ENC_PACKED12,
            "leds": [{"group": i, "hz": g.hz, "duty_permille": self.led_duty[i],
                      "on": bool(self.led_on[i]), "ring_mm": b.led_ring_mm[i]}
                     for i, g in enumerate(self.led_groups)],
            "lens": {"frame": rsproto.T_LENS, "amp_scale": rsproto.LENS_AMP_SCALE,
                     "drive_levels": DRIVE_LEVELS, "drive_step": rsproto.LENS_DRIVE_STEP,
                     "level": self.led_drive.level, "auto": bool(self.lens.auto)},
            "calibration": b.calibration,
            "streaming": self.streaming,
        }

    # --- replies --------------------------------------------------------------
    def _ack(self, seq, msg_type, text=""):
        self.link.send_control(rsproto.T_ACK, rsproto.encode_reply(seq, msg_type, 0, text))

    def _reply_error(self, seq, msg_type, code, text):
        self.link.send_control(rsproto.T_ERROR, rsproto.encode_reply(seq, msg_type, code, text))

    def _command_error(self, seq, msg_type, code, text):
        self._reply_error(seq, msg_type, code, text)

    def log(self, level, text):
        self.link.send_control(rsproto.T_LOG, rsproto.encode_log(level, text))

    def mark(self, source, label):
        self.marks += 1
        self.link.send_control(rsproto.T_MARK, rsproto.encode_mark(self.marks, source, label))
        self.beeper.beep()
        if self.radios is not None and self.streaming:
            self.radios.marked()  # RSSI of every access point at this waypoint

    # --- commands ---------------------------------------------------------------
    def handle(self, msg_type, seq, text):
        if msg_type == rsproto.T_CMD_HELLO:
            self._ack(seq, msg_type)
            self.link.send_control(rsproto.T_INFO, json.dumps(self.info()).encode())
        elif msg_type == rsproto.T_CMD_PING:
            self._ack(seq, msg_type, text)
        elif msg_type == rsproto.T_CMD_START:
            if self.streaming:
                self._reply_error(seq, msg_type, rsproto.ERR_BAD_STATE, "already streaming")
                return
            self.start()
            self._ack(seq, msg_type)
        elif msg_type == rsproto.T_CMD_STOP:
            was = self.streaming
            self.stop()
            self._ack(seq, msg_type, "" if was else "was not streaming")
        elif msg_type == rsproto.T_CMD_MARK:
            self.mark(rsproto.MARK_FROM_HOST, text)
            self._ack(seq, msg_type)
        elif msg_type == rsproto.T_CMD_CONFIGURE:
            try:
                note = self.configure(rsproto.parse_settings(text))
            except ValueError as e:
                self._reply_error(seq, msg_type, rsproto.ERR_BAD_ARGUMENT, str(e))
                return
            except RuntimeError as e:
                self._reply_error(seq, msg_type, rsproto.ERR_BAD_STATE, str(e))
                return
            self._ack(seq, msg_type, note)

    def configure(self, settings):
        """Validate every setting first, then apply them all (all or nothing).
        Returns the ACK's text: "" or the rate fallback (also a LOG warning)."""
        block = settings.pop("block", self.sampler.block)
        rate, note = link_rate(self.board, settings.pop("rate", None), self.sampler.rate_hz,
                               block)
        leds = []
        for i, g in enumerate(self.led_groups):
            hz = settings.pop("led%d_hz" % i, g.hz)
            duty = settings.pop("led%d_duty" % i, self.led_duty[i])
            on = settings.pop("led%d_on" % i, self.led_on[i])
            leds.append((g, hz, duty, on))
        level = settings.pop("led_level", self.led_drive.level)
        auto = settings.pop("led_auto", self.lens.auto)
        radios = (settings.pop("wifi_scan", None), settings.pop("ble_scan", None))
        pad = self.sampler.range
        pad_mode = pad.check(settings.pop("rf_pad", pad.mode))
        if settings:
            raise ValueError("unknown setting " + sorted(settings)[0])
        if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
            raise ValueError("rate must be %d..%d" % (MIN_RATE_HZ, MAX_RATE_HZ))
        if not MIN_BLOCK <= block <= MAX_BLOCK or block & 1:
            raise ValueError("block must be even, %d..%d" % (MIN_BLOCK, MAX_BLOCK))
        for g, hz, duty, on in leds:
            if not 100 <= hz <= 20000 or not 0 <= duty <= 1000:
                raise ValueError("LED hz 100..20000, duty 0..1000")
            if on not in (0, 1):
                raise ValueError("LED on must be 0 or 1")
            if 2 * hz >= rate:
                raise ValueError("LED hz must be below half the sample rate")
        if not 0 <= level < DRIVE_LEVELS or auto not in (0, 1):
            raise ValueError("led_level 0..%d, led_auto 0 or 1" % (DRIVE_LEVELS - 1))
        if self.streaming and (rate != self.sampler.rate_hz or block != self.sampler.block):
            raise RuntimeError("stop streaming before changing rate or block")
        if radios != (None, None):  # checked before anything is applied; heap only if asked
            from radios import configure_radios

            self.radios = configure_radios(self, radios[0], radios[1])
        old_hz = [g.hz for g in self.led_groups]
        for i, (g, hz, duty, on) in enumerate(leds):
            g.set(hz, duty if on else 0)
            self.led_duty[i] = duty
            self.led_on[i] = on
        pad.set_mode(pad_mode)
        self.led_drive.set_level(level)
        self.lens.set_level(self.led_drive.level)
        self.lens.set_auto(auto and self.led_drive.adjustable)
        retune = old_hz != [g.hz for g in self.led_groups]
        if rate != self.sampler.rate_hz or block != self.sampler.block:
            self.sampler.configure(rate, block)
            self._make_ring()
            retune = True
        if retune:
            self.lens.configure(self.sampler.block, self.sampler.rate_hz,
                                [g.hz for g in self.led_groups])
        self._lens_lit()
        if note:  # the rate fallback, in the stream as well as in the ACK
            self.log(30, note)
        return note

    def _lens_lit(self):
        for i, g in enumerate(self.led_groups):
            self.lens.set_lit(i, self.led_on[i] and g.duty > 0)

    def start(self):
        self.board.set_kbd_intr(False)  # command bytes must not act as Ctrl-C
        self.ring.reset()
        self.blocks = 0
        self.lens.reset()
        self.streaming = True
        self.board.status_led.value(1)
        if self.radios is not None:
            self.radios.start()
        self.sampler.restart()

    def stop(self):
        if self.radios is not None:
            self.radios.stop()
        if self.streaming:
            self.streaming = False
            self.link.pump()
        self.board.status_led.value(0)
        self.board.set_kbd_intr(True)

    # --- the loop ---------------------------------------------------------------
    def poll_input(self):
        """Act on every command the host sent. Each read takes at most what the
        parser has room for and is parsed before the next, so the parser never has
        to drop a byte to make room (link.CommandParser)."""
        board = self.board
        parser = self.parser
        reads = 0
        while True:
            cmd = parser.next_command()  # also: a partial frame that stopped arriving
            if cmd is not None:
                self.handle(cmd[0], cmd[1], cmd[2])
            elif reads == _INPUT_READS_PER_LOOP or not board.input_ready():
                return
            else:
                n = board.read_input(parser.space())
                if n <= 0:
                    return
                parser.added(n)
                reads += 1

    def sample_block(self):
        s = self.sampler
        s.acquire()
        ring = self.ring
        n = s.block
        i = ring.claim(rsproto.CH_RF, n)
        self._fill(ring.bufs[i], rsproto.CH_RF, s.rf)
        ring.bufs[i][_ENCODING_AT] |= s.pad_flag  # the block's range
        i = ring.claim(rsproto.CH_PHOTODIODE, n)
        self._fill(ring.bufs[i], rsproto.CH_PHOTODIODE, s.pd)
        self._lens_block()
        self.blocks += 1
        if self.blocks >= self.status_every:
            self.blocks = 0
            self._queue_status()
        self.link.pump()

    def _fill(self, frame, channel, samples):
        s = self.sampler
        struct.pack_into(
            rsproto.SAMPLES_HEADER_FORMAT, frame, rsproto.HEADER_SIZE,
            channel, rsproto.ENC_PACKED12, s.block, s.first_tick, s.span_us, s.rate_mhz,
            self.ring.dropped[channel],
        )
        pack12_into(samples, s.block, frame, _SAMPLES_PAYLOAD_OFFSET)

    def _lens_block(self):
        """Lock-in of the block just taken; LENS frame; the standalone glint alert
        (a short beep and the status LED blinking off) once per block, 31 a second
        at the default 256 samples and 8 kS/s."""
        lens = self.lens
        lens.process(self.sampler.pd, self.sampler.missed)  # a stall restarts its integration
        a = lens.amps
        flags = 0
        if lens.alert:
            flags |= rsproto.LENS_FLAG_ALERT
            if not self.beeper.busy():
                self.beeper.beep(3500, 25)
        if lens.clipped:
            flags |= rsproto.LENS_FLAG_CLIPPED
        self.board.status_led.value(0 if lens.alert else 1)
        level = lens.level
        if not self.link.prepared_pending():
            # (when the link is behind a STATUS waits, and LENS must not replace it)
            struct.pack_into(
                rsproto.LENS_FORMAT, self._lens_frame, rsproto.HEADER_SIZE,
                self.sampler.first_tick, self.sampler.block, rsproto.LENS_GROUPS, flags,
                min(a[0], 65535), min(a[1], 65535), min(a[2], 65535), level,
            )
            self.link.send_prepared(self._lens_frame, rsproto.T_LENS)
        nxt = lens.next_level
        if nxt != level:  # the next block runs at the drive level this one asked for
            self.led_drive.set_level(nxt)
            lens.set_level(nxt)  # (auto is off on a board without the reference)

    def _queue_status(self):
        s = self.sampler
        b = self.board
        frame = self._status_frame
        struct.pack_into(
            rsproto.STATUS_FORMAT, frame, rsproto.HEADER_SIZE,
            b.uptime_ms(), gc.mem_free(), gc.mem_alloc(),
            self.ring.dropped[0] + self.ring.dropped[1], s.late, s.missed,
            b.battery_mv(), self.link.link_errors & 0xFFFF, self.parser.errors & 0xFFFF,
            rsproto.STATUS_FLAG_STREAMING if self.streaming else 0,
        )
        self.link.send_prepared(frame, rsproto.T_STATUS)

    def service(self):
        """Work done once per block or idle wait: input, button, buzzer."""
        self.poll_input()
        if self.button.pressed():
            self.mark(rsproto.MARK_FROM_BUTTON, "button")
        self.beeper.service()
        if self.radios is not None and self.streaming:
            self.radios.service()  # a Wi-Fi scan stalls sampling here

    def run(self):
        self.link.send_control(rsproto.T_INFO, json.dumps(self.info()).encode())
        try:
            while True:
                self.service()
                if self.streaming:
                    self.sample_block()
                else:
                    self.link.pump()
                    self.board.idle(_IDLE_WAIT_MS)
                    if self.board.finished():
                        break
        finally:
            self.board.set_kbd_intr(True)

