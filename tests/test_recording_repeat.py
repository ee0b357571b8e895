"""Recording.repeat: a recording n times as long, every field carried over.

The benchmarks' ten-minute sweep is the hotel room repeated (tests/benchmarks/
conftest.py); tiling it field by field by hand once forgot the RF range steps.
`repeat` goes through `dataclasses.fields`, so a field it has no rule for fails
loudly instead of being left out.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pytest

from roomsweep.analysis.recording import Recording, WaypointMark, clock_breaks
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.observations import BleSighting, RadioBusy, WifiSighting

FS = 8000.0


def _recording() -> Recording:
    """Two seconds of samples with a 1.5 s gap after the first (a Wi-Fi scan):
    every field set, none at its default."""
    rng = np.random.default_rng(5)
    n = int(2 * FS)
    times_us = np.r_[np.arange(8000) * 125, 2_500_000 + np.arange(8000) * 125]
    rec = Recording(
        rf_counts=rng.integers(0, 4096, n).astype(np.uint16),
        fs=FS,
        marks=[
            WaypointMark(0.25, "desk", "button", 0.25),
            WaypointMark(1.0, "tv", "host", 1.2),  # pressed during the gap
            WaypointMark(1.5, "bed", "button", 3.0),
        ],
        calibration=Calibration(),
        waypoint_positions={"desk": (1.0, 2.0), "tv": (3.0, 0.5), "bed": (2.0, 3.0)},
        source="made here",
        wifi=[WifiSighting(0.9, "aa:bb:cc:dd:ee:ff", "cam", 6, -50.0, 3, False)],
        ble=[BleSighting(1.7, "11:22:33:44:55:66", 1, -70.0, 4, b"\x02\x01\x06")],
        radio_busy=[RadioBusy(0.99, 1.0, True)],
        pd_counts=rng.integers(0, 4096, n).astype(np.uint16),
        led_hz=(1000.0, 1250.0, 1500.0),
        led_lit=(True, False, True),
        pd_level_start=np.array([0, 4096, 12288]),
        pd_level=np.array([0.0, 2.0, np.nan]),
        room_outline=[(0.0, 0.0), (4.0, 0.0), (4.0, 3.5), (0.0, 3.5)],
        rf_pad_start=np.array([0, 3072, 9000]),
        rf_pad_db=np.array([0.0, 20.0, 0.0]),
        clock_breaks=clock_breaks(times_us, FS),
    )
    assert rec.scan_gaps == [(1.0, 2.5)] and rec.device_duration_s == 3.5
    defaults = Recording(np.zeros(1, np.uint16), FS)
    for f in fields(rec):  # so that every rule is exercised
        if f.name not in ("fs", "calibration"):
            assert not _same(getattr(rec, f.name), getattr(defaults, f.name)), f.name
    return rec


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            a is not None and b is not None and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    return a == b


def _close(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-9)


def test_repeat_once_is_the_same_recording_in_every_field():
    rec = _recording()
    once = rec.repeat(1)
    for f in fields(rec):
        assert _same(getattr(once, f.name), getattr(rec, f.name)), f.name


def test_repeat_tiles_the_channels_and_moves_every_time_on_by_one_recording():
    rec, n = _recording(), 3
    long = rec.repeat(n)
    span, dev = rec.duration_s, rec.device_duration_s  # 2 s of samples, 3.5 s of device time
    assert np.array_equal(long.rf_counts, np.tile(rec.rf_counts, n))
    assert np.array_equal(long.pd_counts, np.tile(rec.pd_counts, n))
    assert long.duration_s == n * span and long.device_duration_s == pytest.approx(n * dev)
    # one gap per repetition, none at the joins
    assert _close(long.scan_gaps, [(1.0 + k * dev, 2.5 + k * dev) for k in range(n)])
    for k in range(n):
        for t in (0.1, 0.9, 1.2, 1.99):
            assert long.device_time(t + k * span) == pytest.approx(rec.device_time(t) + k * dev)
    assert [m.label for m in long.marks] == [m.label for k in range(n) for m in rec.marks]
    assert _close(
        [(m.time_s, m.device_s) for m in long.marks],
        [(m.time_s + k * span, m.device_s + k * dev) for k in range(n) for m in rec.marks],
    )
    assert [w.time_s for w in long.wifi] == pytest.approx([0.9, 2.9, 4.9])
    assert [b.time_s for b in long.ble] == pytest.approx([1.7, 3.7, 5.7])
    assert _close(
        [(r.start_s, r.end_s) for r in long.radio_busy], [(0.99, 1), (2.99, 3), (4.99, 5)]
    )
    # the range and drive-level steps, sample by sample
    assert np.array_equal(long.rf_pad(), np.tile(rec.rf_pad(), n))
    assert long.ceiling_dbm == rec.ceiling_dbm
    size = rec.rf_counts.size
    assert long.pd_level_start.tolist() == [
        s + k * size for k in range(n) for s in (0, 4096, 12288)
    ]
    assert np.array_equal(long.pd_level, np.tile(rec.pd_level, n), equal_nan=True)
    assert (long.led_hz, long.led_lit, long.source) == (rec.led_hz, rec.led_lit, rec.source)
    assert long.room_outline == rec.room_outline
    assert long.waypoint_positions == rec.waypoint_positions


def test_repeat_without_gaps_keeps_one_clock():
    rec = Recording(np.arange(800, dtype=np.uint16), FS, [WaypointMark(0.05, "a", "host")])
    long = rec.repeat(4)
    assert long.clock_breaks == [] and long.scan_gaps == []
    assert long.device_duration_s == long.duration_s == pytest.approx(0.4)
    assert [m.device_s for m in long.marks] == pytest.approx([0.05, 0.15, 0.25, 0.35])
    assert long.pd_counts is None and long.rf_pad_start is None


def test_a_field_without_a_rule_fails_loudly():
    @dataclass
    class WithMore(Recording):
        settling_mask: np.ndarray | None = None

    rec = WithMore(np.zeros(8, np.uint16), FS, settling_mask=np.zeros(8, bool))
    with pytest.raises(TypeError, match="settling_mask"):
        rec.repeat(2)


def test_a_sighting_it_cannot_move_and_bad_counts_are_refused():
    rec = Recording(np.zeros(8, np.uint16), FS, wifi=[("not", "a sighting")])
    with pytest.raises(TypeError, match="tuple"):
        rec.repeat(2)
    good = _recording()
    for n in (0, -1, 2.0):
        with pytest.raises(ValueError, match="whole number"):
            good.repeat(n)  # type: ignore[arg-type]
    good.pd_counts = good.pd_counts[:-256]  # a photodiode channel one block short
    with pytest.raises(ValueError, match="differ in length"):
        good.repeat(2)
