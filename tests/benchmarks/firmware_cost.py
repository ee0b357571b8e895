"""Firmware cost per sample on the MicroPython unix port, and bytes on the wire.

    .venv/bin/python tests/benchmarks/firmware_cost.py [--blocks N] [--json]

Runs the unchanged firmware (App.sample_block: acquire + pack + frame header +
CRC + write) against a bench board whose "ADC read" is a C function
(time.ticks_us), with the pacing period set to zero so the loop never waits.
The cost of the stand-in ADC calls, measured in the same run, is subtracted:
what remains is the firmware's own work per sample. Output goes to /dev/null.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "host"))

from roomsweep.sim.runner import FIRMWARE_DIR, find_micropython  # noqa: E402

MP_CODE = r"""
import time, gc, sys
import app as appmod
import pins

class Stand:
    pass

class BenchBoard:
    simulated = True
    def __init__(self):
        self.name = pins.DEFAULT_BOARD
        self.pins = pins.BOARDS[self.name]
        self.rf_adc = Stand(); self.rf_adc.read_u16 = time.ticks_us   # a C call
        self.pd_adc = Stand(); self.pd_adc.read_u16 = time.ticks_us
        self.button = Stand(); self.button.value = lambda v=None: 1
        self.status_led = self.button
        self.buzzer = Stand(); self.buzzer.duty_u16 = lambda d=None: 0
        self.buzzer.freq = lambda f=None: 0
        self.led_pwms = []
        self.led_drive = self.buzzer
        self.led_default_hz = ()
        self.calibration = {}
        self.ticks_us = time.ticks_us
        self.ticks_ms = time.ticks_ms
        self.ticks_diff = time.ticks_diff
        self._out = open('/dev/null', 'wb')
        self.written = 0
    def input_ready(self): return False
    def read_input(self, buf): return 0
    def link_writable(self): return True
    def link_write(self, data):
        self._out.write(data)
        self.written += len(data)
    def idle(self, ms): pass
    def finished(self): return False
    def set_kbd_intr(self, e): pass
    def uptime_ms(self): return time.ticks_ms()
    def battery_mv(self): return 3700

@micropython.viper
def adc_only(n: int, f1, f2):
    for i in range(n):
        a = int(f1()) >> 4
        b = int(f2()) >> 4

b = BenchBoard()
a = appmod.App(b)
a.start()
a.sampler.state[1] = 0   # period 0: never wait for the clock
a.sampler.state[2] = 0
blocks = BLOCKS
n = a.sampler.block
for i in range(20):
    a.sample_block()
b.written = 0
gc.collect()
t0 = time.ticks_us()
for i in range(blocks):
    a.sample_block()
t1 = time.ticks_us()
written = b.written
t2 = time.ticks_us()
adc_only(blocks * n, time.ticks_us, time.ticks_us)
t3 = time.ticks_us()
empty_t0 = time.ticks_us()
adc_only(0, time.ticks_us, time.ticks_us)
empty_t1 = time.ticks_us()
print('RESULT', blocks, n, time.ticks_diff(t1, t0), time.ticks_diff(t3, t2), written)
"""


def measure(blocks: int) -> dict:
    import os
    import subprocess

    env = dict(os.environ, MICROPYPATH=str(FIRMWARE_DIR))
    proc = subprocess.run(
        [
            find_micropython(),
            "-X",
            "heapsize=96K",
            "-c",
            "import micropython\n" + MP_CODE.replace("BLOCKS", str(blocks)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    m = re.search(r"RESULT (\d+) (\d+) (-?\d+) (-?\d+) (\d+)", proc.stdout)
    if not m:
        raise SystemExit(f"benchmark failed:\n{proc.stdout}\n{proc.stderr}")
    blocks, n, total_us, adc_us, written = map(int, m.groups())
    slots = blocks * n  # sample instants; each reads both channels
    channel_samples = 2 * slots
    return {
        "blocks": blocks,
        "block": n,
        "total_ns_per_channel_sample": total_us * 1000 / channel_samples,
        "adc_standin_ns_per_channel_sample": adc_us * 1000 / channel_samples,
        "firmware_ns_per_channel_sample": (total_us - adc_us) * 1000 / channel_samples,
        "firmware_ns_per_slot_two_channels": (total_us - adc_us) * 1000 / slots,
        "wire_bytes_per_channel_sample": written / channel_samples,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=4000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = measure(args.blocks)
    if args.json:
        print(json.dumps(r, indent=2))
        return
    print(f"blocks of {r['block']} samples x 2 channels: {r['blocks']}")
    print(f"total per channel-sample:          {r['total_ns_per_channel_sample']:7.1f} ns")
    print(f"  of which ADC stand-in calls:     {r['adc_standin_ns_per_channel_sample']:7.1f} ns")
    print(f"  firmware work (target <= 150):   {r['firmware_ns_per_channel_sample']:7.1f} ns")
    print(f"firmware work per two-channel slot:{r['firmware_ns_per_slot_two_channels']:7.1f} ns")
    print(
        f"bytes on the wire per sample:      {r['wire_bytes_per_channel_sample']:7.3f} "
        "(target <= 2.1)"
    )


if __name__ == "__main__":
    main()
