# Simulated board layer. MicroPython code: the simulator puts this directory ahead
# of firmware/ on MICROPYPATH, so the unchanged firmware imports this `board`
# instead of the one that creates machine objects.
#
# Time is virtual and deterministic: every tick read costs TICK_CALL_US and every
# ADC conversion ADC_READ_US of simulated time, so the firmware's busy-wait pacing
# runs as it would on the chip, only faster than real time.
#
# The analog values come from the host-side simulator through a feed (a FIFO or
# file named by ROOMSWEEP_SIM_FEED): _COLUMNS little-endian uint16 per step of
# ROOMSWEEP_SIM_STEP_US microseconds: RF detector ADC value, photodiode ADC
# value with every LED off (both as read_u16() returns them), flags (bit 0:
# button held down), then for each LED group the photodiode counts x 16 its light
# adds while it is on at full current (codes from 0x8000 on in wider steps, see
# sim/optics.py feed_code). A photodiode read adds the returns of the groups whose
# PWM output is high at that virtual microsecond (frequency and duty as the
# firmware set them), scaled by the LED drive level (the led_drive PWM's duty), so
# the firmware's LED settings act on the simulated light.
#
# A feed of 7 columns (ROOMSWEEP_SIM_FEED_COLUMNS=7, what sim/runner.py writes)
# carries a seventh: the RF detector's ADC value with the 20 dB pad in front of
# it (sim/signals.py renders both ranges from the same input power and noise).
# The rf_attenuator pin picks the column an RF read returns (HMC624A polarity:
# low = pad in, as the real board holds it from reset), and for a few time
# constants after a switch the read still carries the old range's level, decaying
# as the detector's RC video filter does (sim/signals.py VIDEO_TAU_S), so firmware
# that samples before the filter has settled reads what the chip would. A feed
# of 6 columns has no pad: the pin then changes nothing.
#
# ROOMSWEEP_SIM_BOARD: "ideal" (the default; also a pins.py board name) charges
# the fixed costs below and has a link that never stalls the CPU; "esp32"
# (DevKitC) and "esp32s3" model the real port instead (esp32model.py, which
# replaces the ADCs, PWMs, clock and link at start-up).

import os
import select
import sys
import time

import micropython
from micropython import const

import pins
from defaults import CALIBRATION, LED_DEFAULT_HZ, LED_RING_MM

_MASK = const(0x3FFFFFFF)
# A ticks_us() call from viper costs about 1-2 us on a 240 MHz ESP32.
TICK_CALL_US = const(2)
# One ADC read from MicroPython: about 35 us per read including the timestamp in a
# viper loop (micropython issue #7495, v1.15 on ESP32); one-shot conversion alone
# is 10-31 us (esp32.com p=66686). We charge 30 us per conversion.
ADC_READ_US = const(30)
_CHUNK_STEPS = const(256)  # 256 steps x 12 bytes: one write under PIPE_BUF
_COLUMNS = const(6)
_LED_GROUPS = const(3)
_FLAG_BUTTON = const(1)
_WIDE = const(0x8000)  # LED columns: codes from here on step 2**_WIDE_SHIFT / 16 counts
_WIDE_SHIFT = const(6)
_PADDED = const(6)  # feed column of the RF ADC value with the pad in (7-column feeds)
# exp(-t / 40 us) = 2 ** (-t / 27.7 us): halved every _HALF_US, linear in between
# (within 6 %); gone after _SETTLED_US (8 tau: < 0.2 mV of a 20 dB step)
_HALF_US = const(28)
_SETTLED_US = const(320)


class SimADC:
    def __init__(self, board, column):
        self._board = board
        self._column = column

    def read_u16(self):
        return self._board.read_feed(self._column, ADC_READ_US)


class SimPin:
    # column 2: the button (reads the feed's flags); -2: the rf_attenuator pin
    # (low, as from reset, puts the pad in)
    def __init__(self, board=None, column=-1):
        self._board = board
        self._column = column
        self._value = 0

    def value(self, v=None):
        if v is not None:
            if self._column == -2 and (v != 0) != (self._value != 0):
                self._board.pad_switched(not v)
            self._value = v
            return None
        if self._column == 2:  # the button: low while held down
            return 0 if self._board.button_flags() & _FLAG_BUTTON else 1
        return self._value


class SimPWM:
    def __init__(self, hz):
        self._hz = hz
        self._duty = 0

    def freq(self, hz=None):
        if hz is None:
            return self._hz
        self._hz = hz

    def duty_u16(self, duty=None):
        if duty is None:
            return self._duty
        self._duty = duty
        self._on16 = duty  # high part of the period, 1/65536
        self._level = duty + 1  # as the LED drive's scale


class Board:
    simulated = True

    def __init__(self, name=None):
        profile = os.getenv("ROOMSWEEP_SIM_BOARD") or "ideal"
        self._em = None  # esp32model on a faithful profile
        if profile in ("esp32", "esp32s3"):
            import esp32model

            self._em = esp32model
            profile = esp32model.PROFILES[profile]["name"]
        elif profile == "ideal":
            profile = pins.DEFAULT_BOARD
        self.name = name or profile
        self.pins = pins.BOARDS[self.name]
        self.vt = 0  # virtual microseconds since boot
        self.step_us = int(os.getenv("ROOMSWEEP_SIM_STEP_US") or "10")
        self._origin = -1  # virtual time of the first ADC read: scenario time zero
        self._feed_file = open(os.getenv("ROOMSWEEP_SIM_FEED"), "rb")
        self._columns = int(os.getenv("ROOMSWEEP_SIM_FEED_COLUMNS") or str(_COLUMNS))
        if self._columns not in (_COLUMNS, _COLUMNS + 1):
            raise ValueError("ROOMSWEEP_SIM_FEED_COLUMNS must be 6 or 7")
        self._raw = bytearray(2 * self._columns * _CHUNK_STEPS)
        self._raw_view = memoryview(self._raw)
        self._feed_start = 0
        self._feed_end = 0  # no steps loaded yet
        self._ended = False
        # Link model: 0 baud = ideal link (writes block in real time, virtual time
        # stands still); otherwise a UART of that rate with a transmit buffer.
        self._baud = int(os.getenv("ROOMSWEEP_SIM_BAUD") or "0")
        self._txbuf = int(os.getenv("ROOMSWEEP_SIM_TXBUF") or "2048")
        self._ns_per_byte = 10 * 1000000000 // self._baud if self._baud else 0
        self._busy_until_ns = 0
        self.rf_adc = SimADC(self, 0)
        self.pd_adc = SimADC(self, 1)
        self.button = SimPin(self, 2)
        self.status_led = SimPin()
        # the pad: in from reset (pin low) on a 7-column feed
        self._rf_column = _PADDED if self._columns > _COLUMNS else 0
        self._switch_vt = -(1 << 40)  # virtual time of the last switch
        self._switch_delta = 0  # old range's reading minus the new one's then
        self.attenuator = SimPin(self, -2)
        self.buzzer = SimPWM(2700)
        self.led_pwms = [SimPWM(hz) for hz in LED_DEFAULT_HZ]
        self.led_drive = SimPWM(78125)  # LED current reference (hardware/README.md)
        self.led_drive.duty_u16(65535)
        self.led_default_hz = LED_DEFAULT_HZ
        self.led_ring_mm = LED_RING_MM
        self.calibration = CALIBRATION
        # network radios when the simulator provides a table (sim/radios.py)
        self.radio_busy_until = 0
        self.ble_due_us = 1 << 62
        self.wlan = self.ble = None
        self.clock = None
        self._ble_queue = None  # BLE reports waiting for the GIL (esp32model)
        radio = os.getenv("ROOMSWEEP_SIM_RADIO")
        if radio:
            # only when asked: keeps this module small; the table loads on first use
            from simradios import SimBLE, SimWLAN, Table

            # compile the firmware's radio driver now, while the heap is empty:
            # the unix port compiles from source (the chip imports a .mpy)
            import radios  # noqa: F401

            table = Table(radio)
            self.wlan = SimWLAN(self, table)
            self.ble = SimBLE(self, table)
        self.ticks_us = self._ticks_us
        self.ticks_ms = self._ticks_ms
        self.ticks_diff = time.ticks_diff
        self._in = sys.stdin.buffer
        self._out = sys.stdout.buffer
        self._input_closed = False
        self._one = bytearray(1)
        self._poll_in = select.poll()
        self._poll_in.register(sys.stdin, select.POLLIN)
        self.input_ready()  # first ipoll() allocates its result tuple
        if self._em is not None:  # the real port's costs and limits
            self._em.setup(self, os.getenv("ROOMSWEEP_SIM_BOARD"))

    # --- clock ------------------------------------------------------------------
    def _ticks_us(self):
        self.vt += TICK_CALL_US
        return self.vt & _MASK

    def _ticks_ms(self):
        return (self.vt // 1000) & _MASK

    def uptime_ms(self):
        return self.vt // 1000

    def scenario_us(self):
        """Scenario time: microseconds since the first ADC read."""
        return self.vt - self._origin if self._origin >= 0 else 0

    def origin_us(self):
        return self._origin if self._origin >= 0 else 0

    # --- feed ---------------------------------------------------------------------
    def read_feed(self, column, cost_us):
        self.vt += cost_us
        if self._origin < 0:
            self._origin = self.vt
        if self.vt >= self.ble_due_us:
            self.ble.deliver()
        step = (self.vt - self._origin) // self.step_us
        while step >= self._feed_end:
            self._refill()
        at = (step - self._feed_start) * self._columns
        if column == 0:
            value = _u16_at(self._raw, at + self._rf_column)
            since = self.vt - self._switch_vt
            if since < _SETTLED_US:  # the RC filter still settling
                d = self._switch_delta >> (since // _HALF_US)  # (floor: fine at 16 bits)
                value += d - d * (since % _HALF_US) // (2 * _HALF_US)
                value = 0 if value < 0 else (65535 if value > 65535 else value)
            return value
        value = _u16_at(self._raw, at + column)
        if column == 1:  # photodiode: add the light of the LED groups that are on
            vt = self.vt - self._origin  # PWM phase: deterministic from the first read
            # LED current: the drive PWM's duty is the current sinks' reference
            drive = self.led_drive._level
            for g in range(_LED_GROUPS):
                pwm = self.led_pwms[g]
                if pwm._on16:
                    c = _u16_at(self._raw, at + 3 + g)
                    if c >= _WIDE:  # the feed's wide range (sim/optics.py feed_code)
                        c = ((c - _WIDE) << _WIDE_SHIFT) + _WIDE
                    c = (c * drive) >> 16
                    # the photodiode's DC servo nulls the group's mean light
                    # (sim/ambient.py; fast path: sim/leddrive.py _at_level)
                    value -= (c * pwm._on16) >> 16
                    if (vt * pwm._hz) % 1000000 * 65536 < pwm._on16 * 1000000:
                        value += c
            if value > 65535:
                value = 65535
            elif value < 0:
                value = 0
        return value

    def pad_switched(self, padded):
        """The rf_attenuator pin changed: RF reads come from the other column,
        starting at the level the filter holds now."""
        if self._columns == _COLUMNS:
            return  # a feed without the padded column: no pad modelled
        old = self._rf_column
        new = _PADDED if padded else 0
        if self._origin >= 0:
            self._rf_column = old
            before = self.read_feed(0, 0)  # the filter's output now (incl. any decay)
            self._rf_column = new
            self._switch_vt = -(1 << 40)
            self._switch_delta = before - self.read_feed(0, 0)
            self._switch_vt = self.vt
        self._rf_column = new

    def button_flags(self):
        # Scenario time starts with the first ADC conversion (START); before
        # that the simulated user has not begun the sweep.
        if self._origin < 0:
            return 0
        return self.read_feed(2, 0)

    def _refill(self):
        # The simulator writes whole chunks (under PIPE_BUF, so atomically): one
        # readinto normally fills the buffer; slicing only on a short read.
        size = len(self._raw)
        got = self._feed_file.readinto(self._raw) or 0
        while got < size:
            n = self._feed_file.readinto(self._raw_view[got:])
            if not n:
                # The simulator closed the feed: the simulated device powers off.
                self._ended = True
                if self._em is not None:
                    self._em.report(self)
                raise SystemExit(0)
            got += n
        self._feed_start = self._feed_end
        self._feed_end += _CHUNK_STEPS

    def finished(self):
        return self._ended

    # --- link ---------------------------------------------------------------------
    def input_ready(self):
        if self._input_closed:
            return False
        for _, event in self._poll_in.ipoll(0):
            return bool(event & select.POLLIN)
        return False

    def read_input(self, buf):
        # readinto() on a MicroPython stream keeps reading until the buffer is
        # full, so take the bytes poll() vouches for one at a time.
        n = 0
        size = len(buf)
        while n < size and self.input_ready():
            try:
                got = self._in.readinto(self._one)
            except OSError:
                got = 0
            if not got:
                self._input_closed = True  # end of file: nobody will write again
                break
            buf[n] = self._one[0]
            n += 1
        return n

    def link_writable(self):
        if not self._ns_per_byte:
            return True
        backlog = self._busy_until_ns - self.vt * 1000
        return backlog <= self._txbuf * self._ns_per_byte

    def link_write(self, data):
        if self._ns_per_byte:
            start = max(self._busy_until_ns, self.vt * 1000)
            self._busy_until_ns = start + len(data) * self._ns_per_byte
        self._out.write(data)

    def idle(self, ms):
        if self._input_closed:
            time.sleep_ms(ms)
            self.vt += 1000 * ms
            return
        start = time.ticks_ms()
        events = self._poll_in.poll(ms)
        for _, event in events:
            if not event & select.POLLIN:  # host side closed: wait out the period
                time.sleep_ms(ms)
        self.vt += 1000 * time.ticks_diff(time.ticks_ms(), start)

    def set_kbd_intr(self, enabled):
        micropython.kbd_intr(3 if enabled else -1)

    def battery_mv(self):
        return 3900  # a Li-ion cell at mid charge


@micropython.viper
def _u16_at(buf, index: int) -> int:
    return int(ptr16(buf)[index])
