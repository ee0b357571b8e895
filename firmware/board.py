# Board layer for the real device: the only module that creates machine objects.
# Pins come from pins.py, generated from hardware/pins.toml.
#
# At boot (issue 15; figures in docs/protocol.md, "Link budget"):
# - the CPU goes to 240 MHz (ESP32_GENERIC boots at 160 MHz);
# - the stream leaves on UART1 routed to the USB bridge's pins (GPIO1/3 on the
#   DevKitC, 43/44 on the S3 DevKitC's UART port) at 921600 baud with an 8 KiB
#   TX ring buffer, instead of the REPL's stdout (115200 baud, a 128-byte FIFO
#   and a 10 ms tick wait per FIFO-full, always "writable"). Hold the button
#   while the board resets to keep the REPL (mpremote, `roomsweep deploy`);
# - the buzzer and the LED current reference share one LEDC timer (the S3 has 4);
# - network.WLAN() and bluetooth.BLE() are built only when a scan asks for them.
#
# The simulator replaces this module with its own `board` (same interface) when it
# runs the unchanged firmware on the MicroPython unix port.

import os
import select
import time

import machine
import micropython
from machine import ADC, PWM, UART, Pin

import pins
from controls import FixedTone
from defaults import (
    BUZZER_HZ,
    CALIBRATION,
    CPU_HZ,
    LED_DEFAULT_HZ,
    LED_DRIVE_HZ,
    LED_RING_MM,
    LINK_BAUD,
    LINK_FRAME_MAX,
    LINK_RXBUF,
    LINK_TXBUF,
    LINK_UART,
)
from uartlink import UartLink

BATTERY_DIVIDER = 2  # 1:1 resistor divider in front of the battery ADC pin
# The USB-serial bridge's pins (UART0's by default): ESP32-DevKitC GPIO1 TX /
# GPIO3 RX (CP2102); ESP32-S3-DevKitC-1 "UART" port GPIO43 TX / GPIO44 RX.
LINK_PINS = {"esp32-devkitc": (1, 3), "esp32-s3-devkitc": (43, 44)}


def detect_board():
    machine = os.uname().machine
    if "ESP32S3" in machine or "ESP32-S3" in machine:
        return "esp32-s3-devkitc"
    return pins.DEFAULT_BOARD


def _make_wlan():
    """The Wi-Fi station interface, or None. network.WLAN() starts the Wi-Fi
    driver (esp_wifi_init: its buffers), so it is built on first use only."""
    try:
        import network

        return network.WLAN(network.STA_IF)
    except (ImportError, OSError):
        return None


def _make_ble():
    try:
        import bluetooth

        return bluetooth.BLE()
    except (ImportError, OSError):
        return None


class Board:
    simulated = False

    def __init__(self, name=None):
        machine.freq(CPU_HZ)
        self.name = name or detect_board()
        p = self.pins = pins.BOARDS[self.name]
        self.rf_adc = ADC(Pin(p["rf_adc"]), atten=ADC.ATTN_11DB)
        self.pd_adc = ADC(Pin(p["pd_adc"]), atten=ADC.ATTN_11DB)
        self._battery = ADC(Pin(p["battery_adc"]), atten=ADC.ATTN_11DB)
        self.button = Pin(p["button"], Pin.IN, Pin.PULL_UP)
        if not self.button.value():
            # held at reset: leave UART0 and the REPL alone (mpremote, deploy)
            raise SystemExit("roomsweep: button held at boot, REPL kept")
        self.status_led = Pin(p["status_led"], Pin.OUT, value=0)
        self.attenuator = Pin(p["rf_attenuator"], Pin.OUT, value=0)
        # one LEDC timer a frequency: 3 LED groups + this shared one = 4 (S3)
        self.buzzer = FixedTone(PWM(Pin(p["buzzer"]), freq=BUZZER_HZ, duty_u16=0))
        self.led_pwms = [PWM(Pin(n), freq=hz, duty_u16=0)
                         for n, hz in zip(p["led_groups"], LED_DEFAULT_HZ)]
        # the LED current sinks' reference: PWM, two-pole RC filter (hardware/README.md)
        self.led_drive = PWM(Pin(p["led_drive"]), freq=LED_DRIVE_HZ, duty_u16=65535)
        self.led_default_hz = LED_DEFAULT_HZ
        self.led_ring_mm = LED_RING_MM
        self.calibration = CALIBRATION
        self._wlan = self._ble = None
        self.ticks_us = time.ticks_us
        self.ticks_ms = time.ticks_ms
        self.ticks_diff = time.ticks_diff
        tx, rx = LINK_PINS[self.name]
        self._uart = UART(LINK_UART, baudrate=LINK_BAUD, tx=tx, rx=rx, txbuf=LINK_TXBUF,
                          rxbuf=LINK_RXBUF, timeout=0, timeout_char=0)
        self._link = UartLink(self._uart, LINK_BAUD, LINK_TXBUF, LINK_FRAME_MAX,
                              time.ticks_us, time.ticks_diff)
        self.input_ready = self._link.input_ready
        self.read_input = self._link.read_input
        self.link_writable = self._link.writable
        self.link_write = self._link.write
        self.link_bytes_per_s = LINK_BAUD // 10  # 8N1: what the app's rate must fit
        self._poll_in = select.poll()
        self._poll_in.register(self._uart, select.POLLIN)

    @property
    def wlan(self):
        if self._wlan is None:
            self._wlan = _make_wlan()
        return self._wlan

    @property
    def ble(self):
        if self._ble is None:
            self._ble = _make_ble()
        return self._ble

    def gil_yield(self):
        """Let other tasks take the GIL: NimBLE's scan callbacks run now
        (time.sleep_ms(0) releases it and yields, ports/esp32/mphalport.c)."""
        time.sleep_ms(0)

    def idle(self, ms):
        self._poll_in.poll(ms)

    def finished(self):
        return False

    def set_kbd_intr(self, enabled):
        # Ctrl-C arrives on UART0 (the REPL), which no longer has the bridge's
        # pins; kept for the REPL-on-USB case.
        micropython.kbd_intr(3 if enabled else -1)

    def uptime_ms(self):
        return time.ticks_ms()

    def battery_mv(self):
        return self._battery.read_uv() * BATTERY_DIVIDER // 1000
