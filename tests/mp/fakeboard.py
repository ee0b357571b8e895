# A scriptable board for firmware unit tests on the MicroPython unix port:
# deterministic clock, counting ADCs, output collected in memory.
import time

import pins

_MASK = 0x3FFFFFFF


class FakeADC:
    def __init__(self, start, step):
        self.value = start
        self.step = step

    def read_u16(self):
        self.value = (self.value + self.step) & 0xFFF
        return self.value << 4


class FakePin:
    def __init__(self, value=1):
        self._value = value

    def value(self, v=None):
        if v is None:
            return self._value
        self._value = v


class FakePWM:
    def __init__(self, hz=1000):
        self.hz = hz
        self.duty = 0

    def freq(self, hz=None):
        if hz is None:
            return self.hz
        self.hz = hz

    def duty_u16(self, d=None):
        if d is None:
            return self.duty
        self.duty = d


class FakeBoard:
    simulated = True

    def __init__(self, us_per_tick=1, start_us=0):
        self.name = pins.DEFAULT_BOARD
        self.pins = pins.BOARDS[self.name]
        self.t = start_us
        self.us_per_tick = us_per_tick
        self.ms = 0
        self.rf_adc = FakeADC(0, 1)
        self.pd_adc = FakeADC(2048, 3)
        self.button = FakePin(1)
        self.status_led = FakePin(0)
        self.buzzer = FakePWM(2700)
        self.led_pwms = [FakePWM(), FakePWM(), FakePWM()]
        self.led_drive = FakePWM()
        self.led_default_hz = (1175, 1775, 2375)
        self.led_ring_mm = (9, 20, 34)
        self.calibration = {"source": "test"}
        self.ticks_diff = time.ticks_diff
        # what the firmware wrote, frame by frame: many small blocks rather than one
        # growing buffer, which a fragmented 96 KiB heap may fail to enlarge
        self.out = []
        self.inp = bytearray()
        self._rpos = 0  # bytes of inp already read
        self.writable = True
        self.kbd = True
        self.kbd_changes = []

    def ticks_us(self):
        self.t += self.us_per_tick
        return self.t & _MASK

    def ticks_ms(self):
        return self.ms

    def input_ready(self):
        return self._rpos < len(self.inp)

    def read_input(self, buf):
        # a read position, not self.inp = self.inp[n:]: copying what is left of a
        # large input after every read fails on a fragmented 96 KiB heap
        pos = self._rpos
        n = min(len(buf), len(self.inp) - pos)
        buf[:n] = memoryview(self.inp)[pos : pos + n]
        self._rpos = pos + n
        if self._rpos == len(self.inp):
            self.inp = bytearray()
            self._rpos = 0
        return n

    def link_writable(self):
        return self.writable

    def link_write(self, data):
        self.out.append(bytes(data))

    def dump(self):
        """Everything the firmware wrote, to stdout (the host test decodes it)."""
        import sys

        for chunk in self.out:
            sys.stdout.buffer.write(chunk)

    def idle(self, ms):
        self.ms += ms

    def finished(self):
        return False

    def set_kbd_intr(self, enabled):
        self.kbd = enabled
        self.kbd_changes.append(enabled)

    def uptime_ms(self):
        return self.t // 1000

    def battery_mv(self):
        return 3700
