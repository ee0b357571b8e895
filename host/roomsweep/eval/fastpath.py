"""The fast evaluation path: a Recording straight from the simulator's signal
source, the ADC streams the firmware would record, without the firmware in the
loop. It joins the simulator and the analysis, so it lives here, in ``eval``."""

from __future__ import annotations

from typing import Any

import numpy as np

from roomsweep.analysis.recording import Recording, label_marks, pad_steps
from roomsweep.eval.stalls import stalled
from roomsweep.protocol import device_defaults as D
from roomsweep.sim import optics
from roomsweep.sim.radios import sightings
from roomsweep.sim.ranging import auto_range
from roomsweep.sim.signals import PADDED_COLUMN, FeedGenerator


def from_scenario(
    scenario: Any,
    seed: int | None = None,
    fs: float = float(D.DEFAULT_RATE_HZ),
    seconds: float | None = None,
    stalls: bool = False,
) -> Recording:
    """The fast path: the ADC streams the firmware would record, without it.

    With `stalls`, sampling stands still while the device's radio scans, as
    the device's does (eval.stalls): the samples then jump across each scan.

    Samples the simulator's 10 us feed at the firmware's sample instants; the
    photodiode adds the returns of the LED groups that are on at each instant
    (default frequencies, half duty) when the scenario has optics, as the
    simulated board does (sim/mpboard/board.py).
    """

    step_us = 10
    gen = FeedGenerator(scenario, seed=seed, step_us=step_us)
    duration = scenario.duration_s if seconds is None else seconds
    n = int(duration * fs)
    steps_per_sample = 1e6 / fs / step_us
    total_steps = int(np.ceil(n * steps_per_sample)) + 1
    feed = gen.chunk(total_steps)
    idx = np.round(np.arange(n) * steps_per_sample).astype(np.int64)
    # the firmware's auto-ranging, block by block: either RF column (sim/ranging.py)
    counts, pad_blocks = auto_range(feed[idx, 0] >> 4, feed[idx, PADDED_COLUMN] >> 4, fs=fs)
    pad_start, pad_db = pad_steps(pad_blocks, np.diff(np.r_[0 : n : D.DEFAULT_BLOCK, n]))
    pd = None
    led_hz: tuple[float, ...] = ()
    lit: tuple[bool, ...] = ()
    level_start = level = None
    if getattr(scenario, "optics", None) is not None:
        t_us = idx * step_us
        returns = np.zeros((len(optics.LED_DEFAULT_HZ), n), dtype=np.int64)
        full = np.zeros_like(returns)
        for g, hz in enumerate(optics.LED_DEFAULT_HZ):
            on = (t_us * hz) % 1000000 * 65536 < 32768 * 1000000
            full[g] = optics.feed_value(feed[idx, 3 + g])
            returns[g] = full[g] * on
        # the firmware's automatic LED drive level, block by block; the DC servo
        # takes each group's mean away (sim/ambient.py)
        duty = (32768,) * len(optics.LED_DEFAULT_HZ)
        pd, levels = optics.auto_drive(
            feed[idx, 1], returns, optics.LED_DEFAULT_HZ, fs, servo16=full, duty_u16=duty
        )
        level_start = np.arange(levels.size, dtype=np.int64) * optics.DRIVE_BLOCK
        level = levels.astype(float)
        led_hz = tuple(float(h) for h in optics.LED_DEFAULT_HZ)
        lit = (True,) * len(optics.LED_DEFAULT_HZ)
    sweep = [s.waypoint for s in scenario.sweep]
    raw = [(s.arrive_s, "button", "button") for s in scenario.sweep if s.arrive_s < duration]
    rec = Recording(
        rf_counts=counts,
        fs=fs,
        marks=label_marks(raw, sweep),
        waypoint_positions={
            w.name: (w.position_m[0], w.position_m[1]) for w in scenario.waypoints
        },
        source=f"scenario {scenario.name}",
        pd_counts=pd,
        led_hz=led_hz,
        led_lit=lit,
        pd_level_start=level_start,
        pd_level=level,
        rf_pad_start=pad_start,
        rf_pad_db=pad_db,
    )
    if getattr(scenario, "access_points", None) or getattr(scenario, "ble_devices", None):
        heard = sightings(scenario, seed=seed, seconds=duration)
        rec.wifi, rec.ble, rec.radio_busy = heard.wifi, heard.ble, heard.busy
    return stalled(rec) if stalls else rec
