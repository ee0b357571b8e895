# Board layer for the real device: the only module that creates machine objects.
# Pins come from pins.py, generated from hardware/pins.toml.
#
# The simulator replaces this module with its own `board` (same interface) when it
# runs the unchanged firmware on the MicroPython unix port.

import os
import select
import sys
import time

import micropython
from machine import ADC, PWM, Pin

import pins
from defaults import CALIBRATION, LED_DEFAULT_HZ, LED_RING_MM

BATTERY_DIVIDER = 2  # 1:1 resistor divider in front of the battery ADC pin


def detect_board():
    machine = os.uname().machine
    if "ESP32S3" in machine or "ESP32-S3" in machine:
        return "esp32-s3-devkitc"
    return pins.DEFAULT_BOARD


def _radios():
    """The Wi-Fi station interface and the BLE object, or None where absent."""
    wlan = ble = None
    try:
        import network

        wlan = network.WLAN(network.STA_IF)
    except (ImportError, OSError):
        pass
    try:
        import bluetooth

        ble = bluetooth.BLE()
    except (ImportError, OSError):
        pass
    return wlan, ble


class Board:
    simulated = False

    def __init__(self, name=None):
        self.name = name or detect_board()
        p = self.pins = pins.BOARDS[self.name]
        self.rf_adc = ADC(Pin(p["rf_adc"]), atten=ADC.ATTN_11DB)
        self.pd_adc = ADC(Pin(p["pd_adc"]), atten=ADC.ATTN_11DB)
        self._battery = ADC(Pin(p["battery_adc"]), atten=ADC.ATTN_11DB)
        self.button = Pin(p["button"], Pin.IN, Pin.PULL_UP)
        self.status_led = Pin(p["status_led"], Pin.OUT, value=0)
        self.attenuator = Pin(p["rf_attenuator"], Pin.OUT, value=0)
        self.buzzer = PWM(Pin(p["buzzer"]), freq=2700, duty_u16=0)
        self.led_pwms = [PWM(Pin(n), freq=hz, duty_u16=0)
                         for n, hz in zip(p["led_groups"], LED_DEFAULT_HZ)]
        # the LED current sinks' reference: 78 kHz PWM, RC-filtered (hardware/README.md)
        self.led_drive = PWM(Pin(p["led_drive"]), freq=78125, duty_u16=65535)
        self.led_default_hz = LED_DEFAULT_HZ
        self.led_ring_mm = LED_RING_MM
        self.calibration = CALIBRATION
        self.wlan, self.ble = _radios()
        self.ticks_us = time.ticks_us
        self.ticks_ms = time.ticks_ms
        self.ticks_diff = time.ticks_diff
        self._in = sys.stdin.buffer
        self._out = sys.stdout.buffer  # binary: sys.stdout would turn \n into \r\n
        self._one = bytearray(1)
        self._poll_in = select.poll()
        self._poll_in.register(sys.stdin, select.POLLIN)
        self._poll_out = select.poll()
        self._poll_out.register(sys.stdout, select.POLLOUT)
        # The first ipoll() allocates its result tuple; later calls reuse it.
        self.input_ready()
        self.link_writable()

    def input_ready(self):
        for _ in self._poll_in.ipoll(0):
            return True
        return False

    def read_input(self, buf):
        # stdin.readinto on the REPL port waits for len(buf) bytes, so take one
        # byte that poll() promised is there.
        if len(buf) == 0:
            return 0
        self._in.readinto(self._one)
        buf[0] = self._one[0]
        return 1

    def link_writable(self):
        for _ in self._poll_out.ipoll(0):
            return True
        return False

    def link_write(self, data):
        self._out.write(data)

    def idle(self, ms):
        self._poll_in.poll(ms)

    def finished(self):
        return False

    def set_kbd_intr(self, enabled):
        micropython.kbd_intr(3 if enabled else -1)

    def uptime_ms(self):
        return time.ticks_ms()

    def battery_mv(self):
        return self._battery.read_uv() * BATTERY_DIVIDER // 1000
