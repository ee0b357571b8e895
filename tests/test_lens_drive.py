"""The lens finder's automatic LED drive level: the firmware dims the LEDs when the
photodiode nears the top of the ADC's range and brightens them again when there
is room (firmware/lens.py), the LENS frame says which level each block ran at, the
fast path mirrors the rule (sim/optics.py auto_drive), and the analyzer scales
the returns back to full current (analysis/lens.py)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis.lens import amplitude_tracks
from roomsweep.analysis.recording import Recording, from_capture
from roomsweep.protocol import device_defaults as D
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Decoder
from roomsweep.protocol.encoding import lens_payload
from roomsweep.protocol.records import Lens
from roomsweep.sim import optics
from roomsweep.sim.unit import VREF_NOMINAL_MV, esp_idf_counts

ROOT = Path(__file__).resolve().parent.parent
FS = 8000
HZ = optics.LED_DEFAULT_HZ
N = optics.DRIVE_BLOCK


def test_firmware_and_fast_path_share_the_drive_rule():
    """One definition (firmware/defaults.py, the host's protocol.device_defaults):
    the firmware's lens.py imports it, and so does the simulator's fast path."""
    assert optics.DRIVE_LEVELS == D.DRIVE_LEVELS
    assert optics.DRIVE_LOWER_AT == D.DRIVE_LOWER_AT
    assert optics.DRIVE_RAISE_BELOW == D.DRIVE_RAISE_BELOW
    assert optics.DRIVE_CALM_BLOCKS == D.DRIVE_CALM_BLOCKS
    assert P.LENS_DRIVE_STEP == optics.DRIVE_STEP
    # the top of the ADC's linear range (adc_max_mv), in counts of the chip's law
    # (the one the simulated photodiode converts on, sim/ambient.py)
    cal = D.CALIBRATION
    top = (cal["adc_max_mv"] - cal["adc_offset_mv"]) / cal["adc_mv_per_count"]
    assert D.DRIVE_LOWER_AT == round(top)
    assert esp_idf_counts(cal["adc_max_mv"] / 1000, VREF_NOMINAL_MV) == pytest.approx(top, abs=1)


def _scene(blocks: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A photodiode stream (base, per-group returns at full current, 1/16 count,
    zero while a group is off): the beam pans onto a wall at arm's length (tens
    of thousands of counts: far beyond the ADC) and away again."""
    n = blocks * N
    t = np.arange(n) / FS
    rng = np.random.default_rng(seed)
    base16 = (np.rint(400 + rng.integers(-2, 3, n)) * 16).astype(np.int64)
    wall = 150 + 30000 * np.exp(-0.5 * ((t - t[-1] / 2) / (t[-1] / 7)) ** 2)  # counts
    returns = np.zeros((3, n), dtype=np.int64)
    for g, (hz, gain) in enumerate(zip(HZ, (1.0, 0.93, 1.08))):
        on = (np.arange(n) * (1000000 // FS) * hz) % 1000000 * 65536 < 32768 * 1000000
        returns[g] = np.rint(wall * gain * 16).astype(np.int64) * on
    return base16, returns


def test_fast_path_dims_near_a_wall_and_never_clips_for_long():
    base16, returns = _scene(120)
    pd, levels = optics.auto_drive(base16, returns, HZ, FS)
    assert levels[0] == 0 and levels[-1] == 0  # full current far from the wall
    assert levels.max() >= 5  # 30000 counts of wall: dimmed 32 x or more
    blocks = pd[: levels.size * N].reshape(-1, N)
    clipped = (blocks >= 4095).any(axis=1)
    assert clipped.sum() <= 3, np.flatnonzero(clipped)  # only while it steps down
    # without the automatic level the same stream clips for a second and more
    fixed, _ = optics.auto_drive(base16, returns, HZ, FS, auto=False)
    assert (fixed[: levels.size * N].reshape(-1, N) >= 4095).any(axis=1).sum() > 30
    # one level change at a time, and never back and forth in consecutive blocks
    steps = np.diff(levels)
    assert set(np.unique(steps)) <= {-1, 0, 1}


def test_firmware_picks_the_same_levels_as_the_fast_path_and_allocates_nothing(mp_run, tmp_path):
    """Closed loop on the MicroPython unix port: each block the firmware gets is
    the stream at the level it chose after the block before."""
    base16, returns = _scene(90, seed=5)
    m = base16.size // N
    per_level = np.stack(
        [
            optics._at_level(base16, returns, level).reshape(m, N)
            for level in range(optics.DRIVE_LEVELS)
        ],
        axis=1,
    )
    path = tmp_path / "levels.bin"
    per_level.astype("<u2").tofile(path)
    code = f"""
import sys, json, micropython
from array import array
import lens
li = lens.LockIn({N}, {FS}, {list(HZ)})
for g in range(3):
    li.set_lit(g, 1)
li.set_level(0)
buf = array('H', bytes(2 * {N}))
f = open({str(path)!r}, 'rb')
levels = []
ok = True
for b in range({m}):
    f.seek(2 * {N} * ({optics.DRIVE_LEVELS} * b + li.level))
    f.readinto(buf)
    levels.append(li.level)
    micropython.heap_lock()
    try:
        li.process(buf)
        nxt = li.next_level
        if nxt != li.level:
            li.set_level(nxt)
    except MemoryError:
        ok = False
    micropython.heap_unlock()
sys.stdout.write(json.dumps({{'ok': ok, 'levels': levels}}))
"""
    proc = mp_run(code)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    got = json.loads(proc.stdout)
    assert got["ok"], "the drive rule allocated on the heap"
    _, want = optics.auto_drive(base16, returns, HZ, FS)
    assert max(got["levels"]) >= 5
    assert np.array_equal(np.array(got["levels"]), want[:m])


def test_tracks_are_returns_at_full_current_whatever_the_level():
    base16, returns = _scene(120, seed=7)
    pd, levels = optics.auto_drive(base16, returns, HZ, FS)
    rec = Recording(
        np.zeros(pd.size, np.uint16),
        float(FS),
        pd_counts=pd,
        led_hz=HZ,
        led_lit=(True, True, True),
        pd_level_start=np.arange(levels.size) * N,
        pd_level=levels.astype(float),
    )
    tracks, props = amplitude_tracks(rec)
    t = props["times_s"]
    wall = 150 + 30000 * np.exp(-0.5 * ((t - pd.size / FS / 2) / (pd.size / FS / 7)) ** 2)
    want = 2 / np.pi * wall  # a square wave's fundamental
    good = ~props["drive_unknown"] & ~props["saturated"]
    good[:2] = good[-2:] = False
    # each of the 12 level changes blanks the 2-3 frames whose filter spans it
    # (how many depends on where the change falls in a frame): 20-25 % of them
    assert good.mean() > 0.75
    np.testing.assert_allclose(tracks[0][good], want[good], rtol=0.03)
    # the frames whose filter saw two levels are the unknown ones: a few per change
    changes = int(np.count_nonzero(np.diff(levels)))
    assert props["drive_unknown"].sum() <= 4 * changes
    assert np.nanmax(props["drive_level"]) == levels.max()


def test_lens_frame_carries_the_drive_level_and_old_frames_read_as_full_current():
    dec = Decoder()
    new = lens_payload(1234, 256, (10.0, 2.0, 1.0), drive_level=5)
    assert len(new) == P.LENS_SIZE == 15 and new[14] == 5
    rec = dec._lens(0.0, 1, 2000, 2000, new)
    assert isinstance(rec, Lens) and rec.drive_level == 5 and rec.amplitudes[0] == 10.0
    old = struct.pack("<IHBBHHH", 1234, 256, 3, 0, 80, 16, 8)
    assert dec._lens(0.0, 2, 2000, 2000, old).drive_level == 0
    with pytest.raises(ValueError):
        dec._lens(0.0, 3, 2000, 2000, old[:10])


@pytest.mark.slow
def test_firmware_capture_reports_levels_and_the_host_reads_them(tmp_path):
    """Through the simulated device: a bathroom sweep passes walls at arm's length;
    the LENS frames report the levels the firmware chose and the recording maps
    them onto the photodiode samples."""
    from roomsweep.sim.runner import simulate
    from roomsweep.sim.scenario import load_scenario

    sc = load_scenario(ROOT / "tests" / "scenarios" / "lens" / "s3141-006-bathroom.toml")
    out = tmp_path / "bath.cap"
    simulate(sc, out, seconds=20.0)
    rec = from_capture(out)
    assert rec.pd_level is not None and rec.pd_level_start is not None
    known = rec.pd_level[np.isfinite(rec.pd_level)]
    assert known.size and known.max() >= 1  # dimmed near a wall
    assert known.min() == 0
    # the fast path on the same room chooses levels in the same range
    from roomsweep.eval.fastpath import from_scenario

    fast = from_scenario(sc, seconds=20.0)
    assert abs(int(known.max()) - int(np.nanmax(fast.pd_level))) <= 1
