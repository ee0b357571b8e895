# Small drivers for the user-facing parts: button, buzzer, status LED and the IR
# LED groups. Each takes its Pin/PWM object and clock functions as arguments.

from micropython import const

DEBOUNCE_MS = const(30)
LED_MIN_HZ = const(100)
LED_MAX_HZ = const(20000)


class Button:
    """Active-low push button (pull-up), debounced; pressed() is true once per press."""

    def __init__(self, pin, ticks_ms, ticks_diff):
        self._pin = pin
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._down = False
        self._changed_at = 0

    def pressed(self):
        down = not self._pin.value()
        if down == self._down:
            return False
        now = self._ticks_ms()
        if self._ticks_diff(now, self._changed_at) < DEBOUNCE_MS:
            return False
        self._changed_at = now
        self._down = down
        return down


class FixedTone:
    """A buzzer PWM whose LEDC timer is shared (the S3 has 4 timers, board.py):
    freq() never retunes it, since retuning a shared timer takes another one
    (ports/esp32/machine_pwm.c select_timer) or changes its other channel."""

    def __init__(self, pwm):
        self._pwm = pwm

    def freq(self, hz=None):
        return self._pwm.freq()

    def duty_u16(self, duty=None):
        if duty is None:
            return self._pwm.duty_u16()
        self._pwm.duty_u16(duty)


class Beeper:
    """Buzzer on a PWM pin: short non-blocking beeps, switched off by service()."""

    def __init__(self, pwm, ticks_ms, ticks_diff):
        self._pwm = pwm
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._started = 0
        self._length_ms = 0  # 0: silent
        pwm.duty_u16(0)

    def beep(self, hz=2700, ms=40):
        self._pwm.freq(hz)
        self._pwm.duty_u16(32768)
        self._started = self._ticks_ms()
        self._length_ms = ms

    def busy(self):
        return self._length_ms != 0

    def service(self):
        if self._length_ms and self._ticks_diff(self._ticks_ms(), self._started) >= self._length_ms:
            self._pwm.duty_u16(0)
            self._length_ms = 0


class LedGroup:
    """One group of IR LEDs switched by a MOSFET from a PWM pin."""

    def __init__(self, pwm, hz, duty_permille=0):
        self._pwm = pwm
        self.hz = 0
        self.duty = 0
        self.set(hz, duty_permille)

    def set(self, hz, duty_permille):
        if not LED_MIN_HZ <= hz <= LED_MAX_HZ:
            raise ValueError("LED frequency out of range")
        if not 0 <= duty_permille <= 1000:
            raise ValueError("LED duty must be 0..1000 per mille")
        self._pwm.freq(hz)
        self._pwm.duty_u16(duty_permille * 65535 // 1000)
        self.hz = hz
        self.duty = duty_permille


class LedDrive:
    """The IR LEDs' current level, shared by every group: a PWM pin whose RC-filtered
    duty is the reference of the groups' current sinks (hardware/README.md), so the
    LED current is full / 2**level. level 0 full, DRIVE_LEVELS - 1 the dimmest."""

    def __init__(self, pwm, levels, level=0):
        self._pwm = pwm  # None: a board without the drive reference (full current only)
        self.levels = levels
        self.level = -1
        self.adjustable = pwm is not None
        self.set_level(level)

    def set_level(self, level):
        if not 0 <= level < self.levels:
            raise ValueError("LED level out of range")
        if self._pwm is None:
            level = 0
        elif level != self.level:
            # each level half the one before: 65536 >> level is exact at every
            # LEDC resolution (the port keeps the top bits of duty_u16; the old
            # (65536 >> level) - 1 lost a count: level 7 came out 12.5 % low at
            # 10 bits); 65535 is the port's "fully on"
            self._pwm.duty_u16(65535 if level == 0 else 65536 >> level)
        self.level = level
