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


def _amplitude_as_protocol_md_defines(x: np.ndarray, hz: int, rate: int) -> int:
    """docs/protocol.md, LENS, "The amplitude", written from the doc's formula."""
    n = len(x)
    xi = [int(v) for v in x]
    m = sum(xi) // n
    k = [((i * hz) % rate) * 256 // rate for i in range(n)]
    c = [round(127 * np.cos(2 * np.pi * ki / 256)) for ki in k]
    s = [round(127 * np.sin(2 * np.pi * ki / 256)) for ki in k]
    i_sum = sum((v - m) * ci for v, ci in zip(xi, c))
    q_sum = sum((v - m) * si for v, si in zip(xi, s))
    d = 127 * n // 16
    return min(65535, int(np.sqrt((abs(i_sum) // d) ** 2 + (abs(q_sum) // d) ** 2)))


def test_lockin_is_the_amplitude_protocol_md_defines(mp_run, tmp_path):
    # a device writer works from the doc alone: its formula must give the
    # firmware's integers exactly, not roughly
    blocks = _blocks([(40.0, 12.0, 3.0), (0.0, 0.0, 0.0), (2000.0, 700.0, 90.0)], seed=3)
    got = _run(mp_run, blocks, tmp_path)
    for blk, r in zip(blocks, got):
        want = [_amplitude_as_protocol_md_defines(blk, hz, FS) for hz in HZ]
        assert r["amps"] == want


def test_dark_groups_read_zero_and_clipping_is_flagged(mp_run, tmp_path):
    blocks = _blocks([(40.0, 12.0, 3.0), (4000.0, 0.0, 0.0)])
    got = _run(mp_run, blocks, tmp_path, lit=(1, 0, 1))
    assert got[0]["amps"][1] == 0 and got[0]["amps"][0] > 0
    assert not got[0]["clipped"] and got[1]["clipped"]


# --- the glint alert: the ring profile of a retro-reflector (issue 16) -----------------
#
# A pan across one object, in the simulator's optics (sim/optics.py): the device
# stands 1.5 m in front of it and pans at 60 deg/s, as an operator does; the walls
# return a steady 150 counts per ring (x each ring's build gain). The firmware's
# LockIn runs in a closed loop on the unix port (tests/benchmarks/device_alert.py):
# every block is the stream at the drive level it asked for.

PAN_DEG_S = 60.0
FACE_AT_S = 4.5  # the beam crosses the object's normal here
SECONDS = 6.0
DEVICE = (2.0, 2.0, 1.2)


def _pan_yaw(t: np.ndarray) -> np.ndarray:
    """Facing the wall beside it (+90 deg) until 3 s, then panning through 0 deg."""
    return np.radians(np.clip(90.0 - PAN_DEG_S * (t - 3.0), -90.0, 90.0))


def _pan_blocks(obj, t_stall: float | None = None, stall_slots: int = 0):
    """(blocks, levels, N) photodiode stream of a pan across `obj` (an optics.Clutter
    or optics.Lens; None: the walls alone), and the sampler's missed-slot count
    from each block on when sampling stalls for `stall_slots` at `t_stall` (a
    Wi-Fi scan)."""
    from roomsweep.sim import optics

    n = int(SECONDS * FS) + stall_slots
    n -= n % N
    keep = np.ones(n, bool)
    gaps: dict[int, int] = {}
    if t_stall is not None:
        first = int(t_stall * FS) // N * N
        keep[first : first + stall_slots] = False
        gaps[first // N] = stall_slots
    slot = np.flatnonzero(keep)
    slot = slot[: slot.size - slot.size % N]
    t = slot / FS
    grid = np.arange(0.0, t[-1] + 0.002, 0.001)
    pos = np.tile(DEVICE, (grid.size, 1))
    yaw = _pan_yaw(grid)
    rng = np.random.default_rng(5)
    base16 = (400 + rng.integers(-2, 3, t.size)) * 16
    returns16 = np.zeros((3, t.size), dtype=np.int64)
    for g, hz in enumerate(HZ):
        if obj is None:
            w = np.zeros(grid.size)
        elif isinstance(obj, optics.Lens):
            w = optics.lens_return_w(obj, pos, yaw, g)
        else:
            w = optics.clutter_return_w(obj, pos, yaw, g)
        counts = optics.return_counts(optics.RESPONSIVITY_A_W * w) + 150 * optics.GROUP_GAIN[g]
        on = (np.round(slot * 1e6 / FS).astype(np.int64) * hz) % 1000000 < 500000
        returns16[g] = np.rint(np.interp(t, grid, counts) * 16).astype(np.int64) * on
    m = t.size // N
    levels = [optics._at_level(base16, returns16, lv).reshape(m, N) for lv in range(8)]
    return np.stack(levels, axis=1), gaps


def _alert_times(blocks, gaps, tmp_path, firmware_dir=None) -> list[float]:
    from roomsweep.sim.runner import FIRMWARE_DIR
    from tests.benchmarks.device_alert import run_firmware

    rows = run_firmware(blocks, firmware_dir or FIRMWARE_DIR, tmp_path, gaps)
    return [(b + 1) * N / FS for b in rows[rows[:, 2] == 1, 0]]


def _flat(kind: str, distance_m: float = 1.5):
    from roomsweep.sim import optics

    spec = optics.CLUTTER_KINDS[kind]
    return optics.Clutter(
        id=kind,
        kind=kind,
        position_m=(DEVICE[0] + distance_m, DEVICE[1], DEVICE[2]),
        normal=(-1.0, 0.0, 0.0),
        size_m=spec["size_m"],
        reflectance=spec["reflectance"],
    )


@pytest.mark.parametrize("kind", ["mirror", "tv", "window"])
def test_glint_alert_stays_silent_at_a_shiny_surface_faced_squarely(kind, tmp_path):
    """A mirror, TV or window faced squarely returns every ring's light, shifted by
    the rings' aim: the inner ring's excess over the outer's moves, but the middle
    ring's moves more (about 1.7 x), not the 0..0.4 of a lens. The firmware before
    issue 16 beeped at each of these (the excess alone)."""
    blocks, gaps = _pan_blocks(_flat(kind))
    assert _alert_times(blocks, gaps, tmp_path) == []


@pytest.mark.parametrize("aperture_mm, distance_m", [(2.0, 1.5), (1.0, 2.5), (4.0, 0.6)])
def test_glint_alert_fires_at_a_lens(aperture_mm, distance_m, tmp_path):
    """A camera lens on the same pan: the inner ring's excess rises with a
    retro-reflector's profile, and the alert fires while the beam is on it."""
    from roomsweep.sim import optics

    lens = optics.Lens(
        id="cam",
        position_m=(DEVICE[0] + distance_m, DEVICE[1], DEVICE[2]),
        axis=(-1.0, 0.0, 0.0),
        aperture_mm=aperture_mm,
    )
    blocks, gaps = _pan_blocks(lens)
    times = _alert_times(blocks, gaps, tmp_path)
    assert times, "no alert at the lens"
    # the beam's half-intensity fan (+-5 deg) is on it for 1/6 s around FACE_AT_S;
    # the 160 ms integration and two blocks in a row put the alert just after
    assert all(FACE_AT_S - 0.2 <= t <= FACE_AT_S + 0.45 for t in times), times


def test_glint_alert_stays_silent_after_a_stall(tmp_path):
    """A Wi-Fi scan stops sampling for 1.6 s (radios.py); the sampler resumes on
    its slot grid, so each LED's phase jumps against the one the alert's 160 ms
    integration carries. After 12800 + 143 skipped slots the inner ring's phase
    is whole again and the outer ring's half a turn off: its integrated amplitude
    collapses for a few blocks, and the excess alone (the firmware before issue 16)
    beeped facing plain walls. Now the integration restarts on the sampler's
    missed-slot count, and the middle ring's profile would not pass either."""
    blocks, gaps = _pan_blocks(None, t_stall=2.5, stall_slots=12800 + 143)
    assert gaps and _alert_times(blocks, gaps, tmp_path) == []


def test_glint_alert_ignores_single_rings_lighting_up(mp_run, tmp_path):
    """Synthetic ring amplitudes: after the walls' ratios settle, the inner ring
    alone rises (a lens: alert), then every ring rises alike (a shiny surface: no
    alert), then the middle ring rises with the inner one (no lens profile: no
    alert)."""
    walls = [(60.0, 60.0, 60.0)] * 80
    lens_run = walls + [(90.0, 62.0, 60.5)] * 4 + walls[:8]
    shiny_run = walls + [(400.0, 400.0, 400.0)] * 4 + walls[:8]
    middle_run = walls + [(90.0, 90.0, 60.5)] * 4 + walls[:8]
    lens_alerts = [r["alert"] for r in _run(mp_run, _blocks(lens_run), tmp_path)]
    shiny_alerts = [r["alert"] for r in _run(mp_run, _blocks(shiny_run), tmp_path)]
    middle_alerts = [r["alert"] for r in _run(mp_run, _blocks(middle_run), tmp_path)]
    assert any(lens_alerts[80:86]) and not any(lens_alerts[:80])
    assert not any(shiny_alerts)
    assert not any(middle_alerts)


def test_hotel_room_alerts_only_at_the_alarm_clock_lens(tmp_path):
    """`make demo`'s room (README): the device's alert goes off at the alarm
    clock's lens (seen from bed-right, and from the headboard 1.3 m away), never at
    the wardrobe mirror, the TV or the window; with the radios on as in the demo,
    a Wi-Fi scan after each waypoint mark stalls sampling for 1.6 s. Scored from
    the simulator's ground truth (tests/benchmarks/device_alert.py)."""
    from roomsweep.sim.runner import FIRMWARE_DIR
    from roomsweep.sim.scenario import load_scenario
    from tests.benchmarks.device_alert import (
        gaps_of,
        level_blocks,
        run_firmware,
        score,
        stalls_of,
    )

    sc = load_scenario("hotel-room")
    stalls = stalls_of(sc)
    blocks, starts = level_blocks(sc, sc.duration_s, stalls)
    gaps = gaps_of(starts)
    assert len(gaps) == len(sc.sweep)
    res = score(sc, run_firmware(blocks, FIRMWARE_DIR, tmp_path, gaps), starts, stalls)
    assert res["false"] == []
    assert res["found_in_reach"] == res["in_reach"] == 1 and res["true_alerts"] >= 1
