"""The firmware's lens finder (firmware/lens.py) on the MicroPython unix port:
its lock-in agrees with a numpy reference, allocates nothing per block, and its
glint alert fires on a retro-reflector's glint but not on a shiny surface's."""

from __future__ import annotations

import json

import numpy as np
import pytest

from roomsweep.analysis.lens import lockin_tracks

FS = 8000
HZ = (1175, 1775, 2375)
N = 256


def _blocks(amps_per_block: list[tuple[float, float, float]], seed: int = 1) -> np.ndarray:
    """Photodiode blocks: offset + square-wave returns of each group + noise."""
    rng = np.random.default_rng(seed)
    out = []
    for b, amps in enumerate(amps_per_block):
        t = (b * N + np.arange(N)) / FS
        x = 900.0 + 300 * np.sin(2 * np.pi * 100 * t)  # lamp flicker
        for a, hz, ph in zip(amps, HZ, (0.1, 0.5, 0.9)):
            x = x + a * (np.mod(t * hz + ph, 1.0) < 0.5)
        x += rng.integers(-2, 3, N)
        out.append(np.clip(np.rint(x), 0, 4095).astype(np.uint16))
    return np.stack(out)


def _run(mp_run, blocks: np.ndarray, tmp_path, lit=(1, 1, 1)) -> list[dict]:
    path = tmp_path / "blocks.bin"
    blocks.astype("<u2").tofile(path)
    code = f"""
import sys, json, micropython
from array import array
import lens
li = lens.LockIn({N}, {FS}, {list(HZ)})
for g in range(3):
    li.set_lit(g, {list(lit)}[g])
buf = array('H', bytes(2 * {N}))
res = []
f = open({str(path)!r}, 'rb')
for b in range({len(blocks)}):
    f.readinto(buf)
    micropython.heap_lock()
    try:
        li.process(buf)
        ok = True
    except MemoryError:
        ok = False
    micropython.heap_unlock()
    res.append({{'ok': ok, 'amps': [li.amps[0], li.amps[1], li.amps[2]], 'alert': li.alert,
                'clipped': li.clipped}})
sys.stdout.write(json.dumps(res))
"""
    proc = mp_run(code)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:] + proc.stdout.decode()[-500:]
    return json.loads(proc.stdout)


def test_lockin_matches_numpy_and_allocates_nothing(mp_run, tmp_path):
    amps = [(40.0, 12.0, 3.0), (0.0, 0.0, 0.0), (200.0, 200.0, 200.0), (7.0, 0.0, 25.0)]
    blocks = _blocks(amps)
    got = _run(mp_run, blocks, tmp_path)
    assert all(r["ok"] for r in got), "LockIn.process allocated on the heap"
    for blk, r in zip(blocks, got):
        # numpy reference over the same block: lock-in at each frequency, no filter
        t = np.arange(N) / FS
        x = blk.astype(float) - blk.mean()
        want = [2 * abs(np.sum(x * np.exp(-2j * np.pi * hz * t))) / N for hz in HZ]
        device = [a / 8 for a in r["amps"]]
        np.testing.assert_allclose(device, want, atol=0.35, rtol=0.03)
    # a 40-count square wave's fundamental is 2/pi x 40 = 25.5 counts (one 32 ms block
    # lets a little of the 300-count lamp flicker through; the host's filter does not)
    assert got[0]["amps"][0] / 8 == pytest.approx(25.5, abs=2.0)
    # the host's lock-in (analysis/lens.py) agrees on a steady block stream
    steady = _blocks([(40.0, 12.0, 3.0)] * 12).reshape(-1)
    host, _ = lockin_tracks(steady, FS, HZ)
    np.testing.assert_allclose(np.median(host, axis=1), [25.5, 7.6, 1.9], atol=0.3)


def test_dark_groups_read_zero_and_clipping_is_flagged(mp_run, tmp_path):
    blocks = _blocks([(40.0, 12.0, 3.0), (4000.0, 0.0, 0.0)])
    got = _run(mp_run, blocks, tmp_path, lit=(1, 0, 1))
    assert got[0]["amps"][1] == 0 and got[0]["amps"][0] > 0
    assert not got[0]["clipped"] and got[1]["clipped"]


def test_glint_alert_fires_on_a_lens_not_on_a_mirror(mp_run, tmp_path):
    walls = [(60.0, 60.0, 60.0)] * 20
    # a lens: the inner ring's return jumps, the outer ring's does not
    lens_run = walls + [(90.0, 62.0, 60.5)] * 3 + walls[:5]
    # a mirror: every ring's return jumps alike
    mirror_run = walls + [(400.0, 400.0, 400.0)] * 3 + walls[:5]
    lens_alerts = [r["alert"] for r in _run(mp_run, _blocks(lens_run), tmp_path)]
    mirror_alerts = [r["alert"] for r in _run(mp_run, _blocks(mirror_run), tmp_path)]
    assert any(lens_alerts[20:23]) and not any(lens_alerts[:20])
    assert not any(mirror_alerts)
