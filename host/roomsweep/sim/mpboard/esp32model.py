# What a real ESP32 / ESP32-S3 running MicroPython 1.27 does that the ideal
# simulated board does not: MicroPython code, imported by the simulated board
# (board.py) only for the "esp32" and "esp32s3" profiles (ROOMSWEEP_SIM_BOARD).
# Every figure names its source; docs/benchmarks.md ("Real-board model") lists them.
#
# Time is the board's virtual time (board.vt, microseconds); costs that are a
# number of CPU cycles scale with the clock the firmware set (machine.freq).

from micropython import const

# --- profiles -------------------------------------------------------------------
# timers: LEDC timers machine.PWM can use. ports/esp32/machine_pwm.c keeps
#   timers[LEDC_SPEED_MODE_MAX][LEDC_TIMER_MAX]: ESP32 2 speed modes x 4 = 8, the
#   S3 (low-speed mode only) 1 x 4 = 4; select_timer() raises
#   RuntimeError("out of PWM timers:%d") when none has the frequency and none is free.
# cpu_mhz: ESP32_GENERIC / ESP32_GENERIC_S3 boot at 160 MHz (ESP-IDF default
#   CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_160, ports/esp32/boards/sdkconfig.base) until
#   machine.freq(240_000_000).
# adc_conv_us + adc_cycles: one ADC.read_u16() (ports/esp32/machine_adc.c ->
#   adc.c madcblock_read_helper -> ESP-IDF adc_oneshot_read): about 35 us per
#   read and timestamp from a viper loop at 240 MHz (micropython issue #7495);
#   the one-shot conversion itself 10-31 us (esp32.com p=66686; simplefoc #29:
#   ~10 us ESP32, ~7 us S3 from C). Modelled as a fixed conversion plus 2400 CPU
#   cycles of driver and binding: 30 us at 240 MHz, 35 us at 160 MHz on the
#   ESP32; 22 / 27 us on the S3 (its SAR is faster) [estimate within those sources].
# tick_cycles: time.ticks_us() from viper (esp_timer_get_time plus the call):
#   about 1 us at 240 MHz [estimate].
# repl_baud: MICROPY_HW_UART_REPL_BAUD 115200 (ports/esp32/uart.h); the S3
#   build also keeps the REPL on UART0 (MICROPY_HW_ENABLE_UART_REPL 1 in
#   boards/ESP32_GENERIC_S3/mpconfigboard.h) besides USB.
# fifo: SOC_UART_FIFO_LEN 128 bytes (ESP32 and S3 TRM).
# tick_us: FreeRTOS tick 10 ms (CONFIG_FREERTOS_HZ=100, sdkconfig.base).
PROFILES = {
    "esp32": {"name": "esp32-devkitc", "timers": 8, "cpu_mhz": 160, "adc_conv_us": 20,
              "adc_cycles": 2400, "tick_cycles": 240, "repl_baud": 115200},
    "esp32s3": {"name": "esp32-s3-devkitc", "timers": 4, "cpu_mhz": 160, "adc_conv_us": 12,
                "adc_cycles": 2400, "tick_cycles": 240, "repl_baud": 115200},
}
FIFO = const(128)
TICK_US = const(10000)
HOST_BAUD = const(921600)  # what the host opens (docs/protocol.md, Transport)
LEDC_SRC_HZ = 80000000  # APB clock, the LEDC source machine_pwm.c picks (LEDC_USE_APB_CLK)
# network.WLAN() runs esp_initialise_wifi() -> esp_wifi_init() in its constructor
# (ports/esp32/network_wlan.c), which takes the Wi-Fi driver's buffers from the
# ESP-IDF heap (10 static RX buffers of 1.6 KB by default, ESP-IDF Kconfig
# ESP_WIFI_STATIC_RX_BUFFER_NUM, and more), and BLE().active(True) starts NimBLE.
# The MicroPython heap grows into that same RAM (MICROPY_GC_SPLIT_HEAP_AUTO,
# mpconfigport.h), so part of it is charged here as heap the firmware loses
# [estimate: the part the GC heap would have grown into].
WLAN_HEAP = const(8192)
BLE_HEAP = const(4096)
# NimBLE hands advertising reports to MicroPython on its own task
# (MICROPY_PY_BLUETOOTH_USE_SYNC_EVENTS 1, ports/esp32/mpconfigport.h), which must
# take the GIL; a viper loop never releases it. Meanwhile reports wait in the
# controller->host low-priority HCI event buffers, 8 by default (ESP-IDF Kconfig
# BT_NIMBLE_HCI_EVT_LO_BUF_COUNT); further reports are lost, and nobody counts them.
BLE_QUEUE = const(8)


class Clock:
    """CPU clock and sub-microsecond costs on the board's virtual time."""

    def __init__(self, board, mhz):
        self._board = board
        self.mhz = mhz
        self._ns = 0

    def cycles(self, n):
        self.spend_ns(n * 1000 // self.mhz)

    def spend_ns(self, ns):
        ns += self._ns
        self._board.vt += ns // 1000
        self._ns = ns % 1000


class Ledc:
    """machine_pwm.c's timer bookkeeping: a timer per distinct frequency, shared by
    channels of the same frequency; a timer keeps its frequency while any channel
    uses it."""

    def __init__(self, timers):
        self.freqs = [-1] * timers
        self.users = [0] * timers

    def select(self, pwm, hz):
        t = pwm._timer
        if t >= 0 and self.freqs[t] == hz:
            return t
        new = -1
        for i in range(len(self.freqs)):  # a timer already at this frequency
            if self.freqs[i] == hz:
                new = i
                break
        if new < 0 and t >= 0 and self.users[t] == 1:
            new = t  # reuse its own timer: nobody else runs on it
        if new < 0:
            for i in range(len(self.freqs)):
                if self.freqs[i] == -1:
                    new = i
                    break
        if new < 0:
            raise RuntimeError("out of PWM timers:%d" % len(self.freqs))
        if t >= 0 and t != new:
            self.users[t] -= 1
            # machine_pwm.c frees a timer only in pwm_deinit, so one left by
            # its last channel keeps its frequency (and stays taken)
        if t != new:
            self.users[new] += 1
        self.freqs[new] = hz
        return new


# What the firmware's board.py does on the chip, mirrored here: which link it
# drives (its UartLink runs here unchanged, on SimUART), the frequencies of its
# PWM outputs (defaults.py), the clock it sets, when it builds network.WLAN().
# Before issue 15 it was: LINK_MODE "stdout", buzzer 2700 Hz and LED drive
# 78125 Hz on timers of their own, 160 MHz, WLAN_AT_BOOT True.
LINK_MODE = "uart"  # "stdout": sys.stdout (the REPL UART); "uart": machine.UART
WLAN_AT_BOOT = False


def setup(board, profile):
    """Turn the ideal simulated board into the real port's (called by Board())."""
    from controls import FixedTone
    from defaults import BUZZER_HZ, CPU_HZ, LED_DEFAULT_HZ, LED_DRIVE_HZ

    m = PROFILES[profile]
    board.profile = profile
    board.clock = Clock(board, m["cpu_mhz"])
    board.clock.mhz = CPU_HZ // 1000000  # board.py: machine.freq(CPU_HZ)
    board._ballast = []
    board.ble_lost = 0
    board.adc_us = 0  # virtual time spent in ADC reads
    board._ble_queue = []
    board.link_mode = LINK_MODE
    ledc = Ledc(m["timers"])
    board.rf_adc = ADC(board, 0, m)
    board.pd_adc = ADC(board, 1, m)
    board.buzzer = FixedTone(PWM(ledc, BUZZER_HZ, 0))
    board.led_pwms = [PWM(ledc, hz, 0) for hz in LED_DEFAULT_HZ]
    board.led_drive = PWM(ledc, LED_DRIVE_HZ, 65535)
    if WLAN_AT_BOOT:
        radio_heap(board, WLAN_HEAP)
    ticks = Ticks(board, m["tick_cycles"])
    board.ticks_us = ticks.us
    board.ticks_ms = ticks.ms
    board.input_ready = ticks.input_ready
    if LINK_MODE == "stdout":
        link = board._link = StdoutLink(board, m["repl_baud"])
    else:
        from defaults import LINK_BAUD, LINK_FRAME_MAX, LINK_TXBUF
        from uartlink import UartLink

        uart = board._link = SimUART(board, LINK_BAUD, LINK_TXBUF)
        board.link_bytes_per_s = LINK_BAUD // 10
        link = UartLink(uart, LINK_BAUD, LINK_TXBUF, LINK_FRAME_MAX, ticks.us,
                        board.ticks_diff)
        # input stays on the pseudo-terminal (the board's stdin)
    board.link_writable = link.writable
    board.link_write = link.write
    board.gil_yield = ticks.gil_yield


def radio_heap(board, nbytes):
    # RAM, not one contiguous block of it: small pieces (64 bytes with headers)
    board._ballast.append([bytearray(48) for _ in range(nbytes // 64)])


class Ticks:
    def __init__(self, board, cycles):
        self._board = board
        self._cycles = cycles
        self._input_ready = type(board).input_ready

    def us(self):
        b = self._board
        b.clock.cycles(self._cycles)
        return b.vt & 0x3FFFFFFF

    def ms(self):
        b = self._board
        if b._ble_queue:  # only bytecode asks for milliseconds
            gil_point(b)
        return (b.vt // 1000) & 0x3FFFFFFF

    def input_ready(self):
        b = self._board
        if b._ble_queue:
            gil_point(b)
        return self._input_ready(b)

    def gil_yield(self):
        """time.sleep_ms(0): mp_hal_delay_ms releases the GIL and yields
        (mphalport.c); the sampler may call it in its spare time."""
        self._board.clock.spend_ns(15000)  # taskYIELD + GIL hand-over [estimate]
        gil_point(self._board)


class ADC:
    """machine.ADC.read_u16(): the conversion plus driver cycles (PROFILES)."""

    def __init__(self, board, column, m):
        self._board = board
        self._column = column
        self._conv = m["adc_conv_us"]
        self._cycles = m["adc_cycles"]

    def read_u16(self):
        b = self._board
        t = b.vt
        b.clock.cycles(self._cycles)
        v = b.read_feed(self._column, self._conv)
        b.adc_us += b.vt - t
        return v


class PWM:
    """machine.PWM on the LEDC: a timer per frequency (Ledc), and the duty the
    timer's resolution makes of duty_u16 (_on16, _level: 1/65536 of the period)."""

    def __init__(self, ledc, hz, duty):
        self._ledc = ledc
        self._timer = -1
        self._hz = 0
        self._duty = duty
        self.freq(hz)

    def freq(self, hz=None):
        if hz is None:
            return self._hz
        self._timer = self._ledc.select(self, hz)
        self._hz = hz
        self.duty_u16(self._duty)

    def duty_u16(self, duty=None):
        if duty is None:
            return self._duty
        self._duty = duty
        self._on16 = self._level = effective_u16(duty, self._hz)


def ble_event(board, handler, data):
    """An advertising report waits in NimBLE's buffers until MicroPython code that
    releases the GIL runs (gil_point); a full buffer loses it, uncounted."""
    q = board._ble_queue
    if len(q) >= BLE_QUEUE:
        board.ble_lost += 1
        return
    q.append((handler, data))


def gil_point(board):
    """Bytecode that lets other tasks take the GIL ran (the VM releases it every
    MICROPY_PY_THREAD_GIL_VM_DIVISOR = 32 jumps, mpconfigport.h): queued BLE
    reports reach the firmware's handler now."""
    q = board._ble_queue
    for handler, data in q:
        handler(5, data)
    q.clear()


def report(board):
    """One SIMSTATS line on stderr at power-off: what the model saw. The
    firmware may leave its heap nearly full (radios on): the feed is over, so its
    buffer makes room for the line (the model's, not the chip's)."""
    import gc
    import sys

    board._raw_view = board._raw = None
    gc.collect()
    import json

    link = board._link
    stats = {"profile": board.profile, "vt_us": board.vt, "cpu_mhz": board.clock.mhz,
             "link": board.link_mode, "link_bytes": link.bytes, "link_blocked_us":
             link.blocked_us, "link_baud": link.baud, "ble_lost": board.ble_lost,
             "adc_us": board.adc_us}
    sys.stderr.write("SIMSTATS " + json.dumps(stats) + "\n")


def resolution(hz):
    """Duty bits ledc_find_suitable_duty_resolution gives at `hz` (max 16)."""
    div = (LEDC_SRC_HZ + hz // 2) // hz
    if div < 1:
        div = 1
    f = LEDC_SRC_HZ // div
    q = (LEDC_SRC_HZ + f // 2) // f
    bits = 0
    while q > 1:
        q >>= 1
        bits += 1
    return 16 if bits > 16 else bits


def effective_u16(duty, hz):
    """The duty the LEDC really produces for duty_u16(duty), in 1/65536: apply_duty
    drops the low 16 - resolution bits; the top value is switched fully on."""
    bits = resolution(hz)
    raw = duty >> (16 - bits)
    top = (1 << bits) - 1
    if raw and raw == top:
        return 65536
    return raw << (16 - bits)


class _Wire:
    """Bytes queued for a UART's wire at `baud` (10 bits a byte): `_queued` at
    `_at_us`, drained as the board's virtual time runs."""

    def __init__(self, board, baud):
        self._board = board
        self.baud = baud
        self._queued = 0  # bytes not yet on the wire at _at_us
        self._at_us = 0
        self.blocked_us = 0
        self.bytes = 0

    def _drain(self):
        now = self._board.vt
        sent = (now - self._at_us) * self.baud // 10000000
        if sent:
            self._queued = max(0, self._queued - sent)
            self._at_us = now
        elif self._queued == 0:
            self._at_us = now


class StdoutLink(_Wire):
    """sys.stdout on the esp32 port: mp_hal_stdout_tx_strn -> uart_stdout_tx_strn
    (ports/esp32/uart.c) puts what fits in the 128-byte TX FIFO and, while bytes
    remain, waits one FreeRTOS tick (ulTaskNotifyTake(pdFALSE, 1)); the caller is
    blocked all along. mp_hal_stdio_poll (mphalport.c) reports stdout writable
    always. At the REPL's 115200 baud the host's 921600 sees garbage."""

    def writable(self):
        return True

    def write(self, data):
        b = self._board
        n = len(data)
        self.bytes += n
        start = b.vt
        while True:
            self._drain()
            room = FIFO - self._queued  # the FIFO's bytes
            put = room if room < n else n
            self._queued += put
            n -= put
            if n <= 0:
                break
            b.vt = (b.vt // TICK_US + 1) * TICK_US  # wait for the next tick
        self.blocked_us += b.vt - start
        if self.baud != HOST_BAUD:
            data = bytes(len(data))  # framing errors: what a 921600 reader gets
        b._out.write(data)


class SimUART(_Wire):
    """machine.UART(1, baudrate, txbuf=...) (ports/esp32/machine_uart.c ->
    ESP-IDF uart_write_bytes): write() copies into the driver's TX ring buffer and
    returns; it blocks only while the ring (plus the 128-byte FIFO) is full.
    txdone() is uart_wait_tx_done(uart, 0) == ESP_OK. The port's poll() says
    writable always (machine_uart.c: "FIXME: uart_tx_any_room")."""

    def __init__(self, board, baud, txbuf):
        super().__init__(board, baud)
        self.txbuf = txbuf

    def txdone(self):
        self._drain()
        return self._queued == 0

    def write(self, data):
        b = self._board
        n = len(data)
        self.bytes += n
        self._drain()
        room = self.txbuf + FIFO - self._queued
        if n > room:  # uart_write_bytes waits for the ring to make room
            wait = (n - room) * 10000000 // self.baud + 1
            b.vt += wait
            self.blocked_us += wait
            self._drain()
        self._queued += n
        b.clock.spend_ns(20000 + 50 * n)  # xRingbufferSend copy [estimate]
        b._out.write(data)
        return n
