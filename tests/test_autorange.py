"""Auto-ranging with the RF pad (issues 14 and 16): the firmware switches the 20 dB
pad in front of the detector when it pins and out again with hysteresis
(firmware/rfrange.py), every RF block says its range (rsproto.SAMPLES_FLAG_RF_PAD),
the simulated board honours the pin (sim/mpboard/board.py, the feed's padded
column), the fast path mirrors the rule (sim/ranging.py), and the host adds the
pad back (analysis/recording.py) so a device right at a waypoint is measured.
Issue 15: a switch skips no sample slot; the firmware samples on while the
detector's video filter settles, and the reader masks the samples taken then
(the first settle_samples(fs) of a block whose range differs from the block
before it)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.components import DETECTOR_FLOOR_DBM
from roomsweep.analysis.recording import (
    DETECTOR_CEILING_DBM,
    Recording,
    from_capture,
    level_text,
    loudest_dbm,
    pad_steps,
)
from roomsweep.analysis.rfrange import (
    PAD_FLOOR_DBM,
    PADDED_FLOOR_DBM,
    RF_PAD_DB,
    padded_dbm,
    settle_samples,
)
from roomsweep.eval.fastpath import from_scenario
from roomsweep.link.device import Device
from roomsweep.link.transport import open_port
from roomsweep.live.state import LiveState, beep_interval_s
from roomsweep.live.view import render_text
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Decoder
from roomsweep.protocol.encoding import samples_payload
from roomsweep.protocol.records import Samples, Status
from roomsweep.sim import ranging
from roomsweep.sim.runner import FIRMWARE_DIR, SimulatedDevice, simulate
from roomsweep.sim.scenario import load_scenario
from roomsweep.sim.signals import FEED_COLUMNS, PADDED_COLUMN, FeedGenerator
from tests.test_board_model import pump

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "hand-hotel-gsm-at-waypoint.toml"
N = 256


# --- the rule ------------------------------------------------------------------------


def _firmware_consts() -> dict[str, int]:
    text = (FIRMWARE_DIR / "rfrange.py").read_text()
    return {k: int(v, 0) for k, v in re.findall(r"^(_RF_\w+) = const\((\w+)\)", text, re.M)}


def test_fast_path_mirrors_the_firmwares_rule():
    c = _firmware_consts()
    assert c["_RF_SAT_COUNT"] == ranging.SAT_COUNT
    assert c["_RF_IN_SHIFT"] == ranging.IN_SHIFT
    assert c["_RF_OUT_COUNT"] == ranging.OUT_COUNT
    assert c["_RF_CALM_BLOCKS"] == ranging.CALM_BLOCKS
    # the thresholds are the levels their comments say on the host's ADC law
    cal = Recording(np.zeros(1, np.uint16), 8000.0).calibration
    sat, out = cal.rf_dbm(np.array([ranging.SAT_COUNT, ranging.OUT_COUNT]))
    assert sat == pytest.approx(DETECTOR_CEILING_DBM, abs=0.1)
    assert out + RF_PAD_DB == pytest.approx(-9.0, abs=0.1)  # 6 dB under the ceiling


def _script_blocks() -> list[np.ndarray]:
    """Blocks (12-bit counts) that drive the rule through every branch: quiet,
    a few pinned samples (not enough), pinned (pad in), bursty strong with the
    pad in (stays), calm for fewer blocks than needed, calm enough (pad out)."""
    rng = np.random.default_rng(4)
    quiet = lambda: 2200 + rng.integers(-3, 4, N)  # noqa: E731
    out = [quiet() for _ in range(3)]
    few = quiet()
    few[:5] = 500  # 5 pinned samples of 256: below 256 >> 5 = 8
    out.append(few)
    pinned = quiet()
    pinned[::20] = 400  # 13 pinned samples: in
    out.append(pinned)
    for k in range(20):  # padded and bursty: one strong sample in every other block
        b = 1800 + rng.integers(-3, 4, N)
        if k % 2 == 1:  # (the last of them strong)
            b[7] = 1000
        out.append(b)
    out += [1800 + rng.integers(-3, 4, N) for _ in range(ranging.CALM_BLOCKS + 3)]
    return [np.asarray(b, dtype=np.uint16) for b in out]


def test_the_rule_has_hysteresis_and_a_dwell():
    blocks = _script_blocks()
    unpadded = np.concatenate(blocks)
    counts, flags = ranging.auto_range(unpadded, unpadded)
    assert not flags[:5].any()  # a few pinned samples do not switch
    assert flags[5]  # the block after the pinned one is padded
    first_calm = 5 + 20
    assert flags[5 : first_calm + ranging.CALM_BLOCKS].all()  # bursts keep it in
    assert not flags[first_calm + ranging.CALM_BLOCKS + 1 :].any()  # then out
    assert np.count_nonzero(np.diff(flags.astype(int))) == 2  # in once, out once


def test_firmware_driver_switches_like_the_mirror_between_blocks_and_allocates_nothing(
    mp_run, tmp_path
):
    """The driver as the sampler runs it: apply() before each block moves the pin,
    update() after it chooses the next block's range; neither allocates, and
    neither waits (it has no clock: the filter settles while the next block is
    taken). CONFIGURE's set_mode() only asks: two between blocks make at most one
    switch, so the stream's flags show every switch."""
    blocks = _script_blocks()
    path = tmp_path / "blocks.bin"
    np.stack(blocks).astype("<u2").tofile(path)
    code = f"""
import sys, json, micropython
from array import array
import rfrange

class Pin:
    def __init__(self):
        self.v = 0  # low from reset: the pad in
        self.writes = 0
    def value(self, v=None):
        if v is None:
            return self.v
        self.v = v
        self.writes += 1

pin = Pin()
r = rfrange.RfRange(pin)
start_out = (pin.v, r.padded)
buf = array('H', bytes(2 * {N}))
f = open({str(path)!r}, 'rb')
flags, applied = [0] * {len(blocks)}, [0] * {len(blocks)}
pins = []
ok = True
for b in range({len(blocks)}):
    f.readinto(buf)
    micropython.heap_lock()
    try:
        applied[b] = r.apply()
        flags[b] = r.padded
        r.update(buf, {N})
    except MemoryError:
        ok = False
    micropython.heap_unlock()
    pins.append(pin.v)
r.set_mode(1)
asked = (pin.v, r.padded)
r.apply()
forced_in = (pin.v, r.padded)
r.update(buf, {N})  # calm, but not in auto
r.apply()
still = r.padded
writes = pin.writes
r.set_mode(0)  # out and in again before the next block: no switch at all
r.set_mode(1)
twice = (r.apply(), pin.writes - writes, r.padded)
try:
    r.set_mode(3)
    bad = False
except ValueError:
    bad = True
sys.stdout.write(json.dumps({{'ok': ok, 'flags': flags, 'pins': pins, 'applied': applied,
    'start': start_out, 'asked': asked, 'forced': forced_in, 'still': still,
    'twice': twice, 'bad': bad, 'switches': r.switches}}))
"""
    proc = mp_run(code)
    assert proc.returncode == 0, proc.stdout.decode()[-2000:] + proc.stderr.decode()[-2000:]
    got = json.loads(proc.stdout)
    assert got["ok"], "apply() or update() allocated on the heap"
    assert got["start"] == [1, 0]  # auto takes the pad out at start: pin high
    _, want = ranging.auto_range(*(np.concatenate(blocks),) * 2)
    assert got["flags"] == [int(x) for x in want]
    # HMC624A polarity: the pin is low exactly while the pad is in, and it moves
    # only in apply(): after update() it still holds the block's range
    assert [1 - p for p in got["pins"]] == got["flags"]
    # apply() reports the switches, before the block whose flag changed
    changed = [int(a != b) for a, b in zip([0] + got["flags"], got["flags"])]
    assert got["applied"] == changed and sum(changed) == 2
    assert got["asked"] == [1, 0] and got["forced"] == [0, 1] and got["still"] == 1
    assert got["twice"] == [0, 0, 1]  # set_mode() twice between blocks: no pin moved
    assert got["bad"] and got["switches"] == 1 + 2 + 1  # boot, in and out, forced in


def _sampler_feed(tmp_path: Path, blocks: int) -> tuple[Path, np.ndarray]:
    """A 7-column feed (10 us steps): for 3 blocks and a bit the detector pinned
    without the pad (430 counts; 1050 with it), then -34 dBm (1500; 2120 padded,
    above the detector's floor): the auto rule puts the pad in after block 0 and
    takes it out after 16 calm blocks."""
    steps = blocks * N * 125 // 10 + 2000
    feed = np.zeros((steps, FEED_COLUMNS), dtype="<u2")
    strong = np.arange(steps) * 10 < 3 * N * 125 + 5000
    feed[:, 0] = np.where(strong, 430, 1500) << 4
    feed[:, PADDED_COLUMN] = np.where(strong, 1050, 2120) << 4
    feed[:, 1] = 400 << 4
    path = tmp_path / "feed.bin"
    feed.tofile(path)
    return path, feed


def test_the_sampler_keeps_every_slot_through_a_switch_and_marks_the_settling(mp_run, tmp_path):
    """The firmware's Sampler on the simulated board (the pad's pin picks the
    feed's column; the video filter's tail after a switch): no slot is skipped or
    late at a switch (before issue 15's fix the 210 us wait skipped one at each:
    2 here), the first samples after it carry the tail, the fast path renders the
    same tail, and the reader masks exactly those samples. A switch at START
    delays the first slot instead: there is no block before it to compare."""
    blocks = 24
    path, feed = _sampler_feed(tmp_path, blocks)
    code = f"""
import sys, json
import board, sampler
b = board.Board()
for p in b.led_pwms:
    p.duty_u16(0)
s = sampler.Sampler(b.rf_adc, b.pd_adc, b.ticks_us, pad=b.attenuator)
s.restart()
flags = []
out = open({str(path) + ".rf"!r}, 'wb')
for k in range({blocks}):
    s.acquire()
    flags.append(s.pad_flag)
    out.write(s.rf)
out.close()
switches = s.range.switches
starts = []
for mode in (1, 1):  # START with the pad asked in (a switch), then again (none)
    s.range.set_mode(mode)
    now = b.ticks_us()
    s.restart()
    starts.append((s.state[0] - now) & 0x3FFFFFFF)  # the first slot, from now
sys.stdout.write(json.dumps([flags, s.missed, s.late, switches, starts]))
"""
    env = {"ROOMSWEEP_SIM_FEED": str(path), "ROOMSWEEP_SIM_FEED_COLUMNS": str(FEED_COLUMNS)}
    proc = mp_run(code, board="sim", env=env)
    assert proc.returncode == 0, proc.stdout.decode()[-2000:] + proc.stderr.decode()[-2000:]
    flags, missed, late, switches, starts = json.loads(proc.stdout)
    rf = np.fromfile(str(path) + ".rf", dtype="<u2").astype(np.int64)
    padded = [f == P.SAMPLES_FLAG_RF_PAD for f in flags]
    assert padded == [False] + [True] * 19 + [False] * 4 and switches == 1 + 2
    assert missed == 0 and late == 0
    # a switch at START, before any slot: the first slot waits for the filter
    assert 210 <= starts[0] < 230 and starts[1] < 20, starts
    # the fast path at the same instants: the same ranges and the same tails
    idx = np.round(np.arange(rf.size) * 12.5).astype(np.int64)
    fast, fast_flags = ranging.auto_range(feed[idx, 0] >> 4, feed[idx, PADDED_COLUMN] >> 4)
    assert list(fast_flags) == padded
    k = settle_samples(8000.0)
    assert k == 3
    for at, settled in ((N, 1050), (20 * N, 1500)):
        tail = rf[at : at + k + 2] - settled
        step = rf[at - 1] - settled  # the old range's reading, the filter's start
        assert abs(step) > 600
        # the first sample still carries a good part of the step, in its direction
        assert 0.05 < tail[0] / step < 0.5, tail
        # ... the first one kept is within 0.1 dB (2.5 mV, 3 counts): settled
        assert np.all(np.abs(tail[k:]) <= 3), tail
        assert np.all(np.abs(fast[at : at + k + 2] - rf[at : at + k + 2]) <= 0.02 * abs(step))
    # the reader: the settling samples read the first settled level
    starts, dbs = pad_steps(padded, [N] * blocks)
    rec = Recording(rf.astype(np.uint16), 8000.0, rf_pad_start=starts, rf_pad_db=dbs)
    assert rec.rf_settling_masked == 2 * k
    assert list(rec.rf_settling()) == [N, N + 1, N + 2, 20 * N, 20 * N + 1, 20 * N + 2]
    dbm = rec.rf_dbm()
    raw = Recording(rf.astype(np.uint16), 8000.0, calibration=rec.calibration).rf_dbm()
    for at in (N, 20 * N):
        assert np.all(dbm[at : at + k] == dbm[at + k])
        assert abs(raw[at] - raw[at + k]) > 0.5  # the tail would have moved the level
    same = np.ones(rf.size, bool)
    same[rec.rf_settling()] = False
    assert np.allclose(dbm[same], raw[same] + rec.rf_pad()[same], atol=1e-4)


# A 1 W 5.8 GHz analog video transmitter (FPV VTX class, 30 dBm [judgement]) 0.1 m
# from the only stop: about +2 dBm at the detector, which pins without the pad
# and reads mid-range with it; a continuous carrier, so every switch moves the
# detector's output by the whole 0.5 V.
_VTX_SCENARIO = """
name = "autorange-vtx-at-the-stop"
description = "A 5.8 GHz video transmitter 0.1 m from the only stop."
seed = 4242

[room]
size_m = [3.0, 3.0, 2.5]
exponent = 2.0
shadowing_db = 0.0
noise_floor_dbm = -65.0

[waypoints]
shelf = [1.50, 1.50, 1.00]

[[sweep]]
waypoint = "shelf"
arrive_s = 0.0
dwell_s = 30.0

[[emitters]]
id = "shelf-vtx"
kind = "analog_video"
position_m = [1.50, 1.60, 1.00]
eirp_dbm = 30.0
band_mhz = 5800.0
hidden = true

[ground_truth]
shelf-vtx = "shelf"
"""


def test_the_faithful_esp32_misses_no_slot_at_pad_switches(tmp_path):
    """Issue 15 on the real port's model (sim/mpboard/esp32model.py): the pad goes
    in by itself, then CONFIGURE rf_pad= forces it out and in while streaming.
    Every slot is taken (the firmware that waited 210 us at each switch missed 10
    here), the first samples after each switch carry the filter's tail, and the
    reader masks exactly them."""
    scenario_path = tmp_path / "vtx.toml"
    scenario_path.write_text(_VTX_SCENARIO)
    records: list = []
    with SimulatedDevice(load_scenario(scenario_path), seconds=4.0, board="esp32") as sim:
        port = open_port(sim.port)
        try:
            dev = Device(port)
            dev.hello(timeout=3.0)
            dev.request(P.T_CMD_START)
            forced = ["rf_pad=0", "rf_pad=1", "rf_pad=0", "rf_pad=2"]
            # paced by the device's own clock (RF blocks received: 32 ms each at
            # the defaults), not the host's, which a loaded machine stretches
            due = 20  # blocks: the pad has gone in by itself by then
            deadline = time.monotonic() + 60
            while sim.alive() and time.monotonic() < deadline:
                blocks = sum(isinstance(r, Samples) and r.channel == P.CH_RF for r in records)
                if forced and blocks >= due:
                    dev.request(P.T_CMD_CONFIGURE, forced.pop(0))
                    due = blocks + 12
                if not pump(dev, records):
                    break
            records.extend(dev.backlog)
        finally:
            port.close()
    assert not forced, "the stream ended before every switch was asked for"
    rf = [r for r in records if isinstance(r, Samples) and r.channel == P.CH_RF]
    last = [r for r in records if isinstance(r, Status)][-1]
    assert last.missed == 0 and last.dropped == 0, last
    flags = [r.rf_pad for r in rf]
    # in by itself, out, in, out (forced), in by itself after auto takes it out
    changes = [i for i in range(1, len(rf)) if flags[i] != flags[i - 1]]
    assert len(changes) == 5, flags
    k = settle_samples(8000.0)
    counts = np.concatenate([r.samples for r in rf]).astype(np.int64)
    at = np.cumsum([0] + [len(r.samples) for r in rf])
    for i in changes:
        before, block = rf[i - 1].samples.astype(np.int64), counts[at[i] : at[i + 1]]
        settled = np.median(block[k:])
        assert abs(before[-1] - settled) > 400  # pinned <-> mid-range: the whole step
        assert abs(block[0] - settled) > 100  # the tail, seen
        assert np.abs(block[k : k + 4] - settled).max() <= 12  # settled (and noise)
    starts, dbs = pad_steps(flags, [len(r.samples) for r in rf])
    rec = Recording(counts.astype(np.uint16), 8000.0, rf_pad_start=starts, rf_pad_db=dbs)
    assert sorted(rec.rf_settling()) == sorted(int(at[i]) + j for i in changes for j in range(k))


def test_the_reader_masks_the_settling_samples():
    """Recording.rf_dbm() holds the first settled level over the first
    settle_samples(fs) samples of each block whose range differs from the one
    before it, and nowhere else."""
    assert [settle_samples(fs) for fs in (500.0, 4000.0, 8000.0, 12500.0)] == [2, 2, 3, 4]
    assert settle_samples(0.0) == 0
    counts = np.full(4 * N, 1500, np.uint16)
    counts[N : N + 3] = [1200, 1450, 1497]  # a tail after the pad went in
    counts[3 * N : 3 * N + 3] = [1800, 1550, 1503]  # ... and after it came out
    starts, dbs = pad_steps([False, True, True, False], [N] * 4)
    rec = Recording(counts, 8000.0, rf_pad_start=starts, rf_pad_db=dbs)
    assert rec.rf_settling_masked == 6
    dbm = rec.rf_dbm()
    flat = Recording(np.full(4 * N, 1500, np.uint16), 8000.0, rf_pad_start=starts, rf_pad_db=dbs)
    assert np.array_equal(dbm, flat.rf_dbm())  # as if the filter had settled at once
    # never padded, or padded throughout: nothing switched, nothing masked
    assert Recording(counts, 8000.0).rf_settling_masked == 0
    whole = Recording(counts, 8000.0, rf_pad_start=np.array([0]), rf_pad_db=np.array([20.0]))
    assert whole.rf_settling_masked == 0
    # a recording that ends inside the settling holds the level before it
    short = Recording(counts[: N + 2], 8000.0, rf_pad_start=starts[:2], rf_pad_db=dbs[:2])
    d = short.rf_dbm()
    assert list(short.rf_settling()) == [N, N + 1] and np.all(d[N:] == d[N - 1])


# --- the wire ------------------------------------------------------------------------


def _samples_frame(counts: np.ndarray, padded: bool, channel: int = P.CH_RF) -> bytes:
    payload = bytearray(samples_payload(channel, counts, 1000, 31875, 8_000_000, 0))
    if padded:
        payload[1] |= P.SAMPLES_FLAG_RF_PAD
    return P.encode_frame(P.T_SAMPLES, 0, 1000, bytes(payload))


def test_the_range_flag_round_trips_and_old_blocks_read_as_before():
    counts = (np.arange(N) * 13 % 4096).astype(np.uint16)
    d = Decoder()
    old, padded = d.feed(_samples_frame(counts, False) + _samples_frame(counts, True))
    assert isinstance(old, Samples) and isinstance(padded, Samples)
    assert not old.rf_pad and padded.rf_pad
    assert padded.encoding == old.encoding == P.ENC_PACKED12
    assert np.array_equal(padded.samples, counts) and np.array_equal(old.samples, counts)
    # the flag speaks for the RF channel only: elsewhere the payload is bad
    (bad,) = Decoder().feed(_samples_frame(counts, True, channel=P.CH_PHOTODIODE))
    assert not isinstance(bad, Samples)
    # an unpadded block is byte for byte what firmware before auto-ranging sent
    assert _samples_frame(counts, False)[13] == P.ENC_PACKED12


def test_recording_adds_the_pad_back_and_moves_its_ceiling():
    starts, dbs = pad_steps([False, True, True, False], [N] * 4)
    counts = np.full(4 * N, 1500, np.uint16)
    plain = Recording(counts, 8000.0)
    rec = Recording(counts, 8000.0, rf_pad_start=starts, rf_pad_db=dbs)
    step = rec.rf_dbm() - plain.rf_dbm()
    assert np.array_equal(step, np.repeat([0.0, RF_PAD_DB, RF_PAD_DB, 0.0], N))
    assert plain.ceiling_dbm == DETECTOR_CEILING_DBM
    assert rec.ceiling_dbm == DETECTOR_CEILING_DBM + RF_PAD_DB
    assert level_text(5.0, ceiling=rec.ceiling_dbm) == "5.0 dBm"
    assert level_text(5.0) == f"≥ {DETECTOR_CEILING_DBM:g} dBm (saturated)"
    assert pad_steps([False, False], [N, N]) == (None, None)
    # a padded sample at the detector's floor says nothing: it reads as the floor
    # (the AD8318's 2.1 V on a chip with eFuse Vref 1200 mV reads -57.5 dBm on
    # the nominal line; half a dB more for its noise)
    assert PAD_FLOOR_DBM == -57.0 > DETECTOR_FLOOR_DBM
    floor = int(np.argmin(np.abs(plain.calibration.rf_dbm(np.arange(4096)) - (-62.0))))
    quiet = Recording(
        np.full(N, floor, np.uint16),
        8000.0,
        rf_pad_start=starts[:1] + 0,
        rf_pad_db=np.array([RF_PAD_DB]),
    )
    assert quiet.rf_dbm().max() < DETECTOR_FLOOR_DBM
    # a floor reading a few tenths above -58 (a unit's intercept, its noise) is
    # the floor too, not a steady carrier at -38 dBm
    table = plain.calibration.rf_dbm(np.arange(4096))
    just_above = int(np.argmin(np.abs(table - (DETECTOR_FLOOR_DBM + 0.3))))
    assert DETECTOR_FLOOR_DBM < table[just_above] < PAD_FLOOR_DBM
    noisy = Recording(
        np.full(N, just_above, np.uint16),
        8000.0,
        rf_pad_start=starts[:1] + 0,
        rf_pad_db=np.array([RF_PAD_DB]),
    )
    assert np.all(noisy.rf_dbm() == PADDED_FLOOR_DBM)
    # and the same in the live view (roomsweep.live.state), fed the block
    state = LiveState()
    state.feed([_rf_block(i, np.full(N, just_above), True) for i in range(3)])
    assert np.all(state.recent_dbm(3 * N / 8000.0) == PADDED_FLOOR_DBM)
    assert np.all(padded_dbm(np.full(3, table[just_above]), RF_PAD_DB) == PADDED_FLOOR_DBM)
    assert np.all(padded_dbm(np.full(3, -50.0), RF_PAD_DB) == -50.0 + RF_PAD_DB)
    assert np.all(padded_dbm(np.full(3, table[just_above]), 0.0) == table[just_above])


# --- the simulated board -------------------------------------------------------------


def test_sim_board_reads_the_padded_column_and_the_filter_settles(mp_run, tmp_path):
    """The pin picks the feed's column; just after a switch the read still holds
    the old range's level, decaying with the detector's 40 us video filter."""
    n = 256 * 40
    feed = np.zeros((n, FEED_COLUMNS), dtype="<u2")
    feed[:, 0] = 700 << 4  # unpadded: near the top
    feed[:, PADDED_COLUMN] = 1500 << 4  # padded: 20 dB down
    feed[:, 1] = 400 << 4
    path = tmp_path / "feed.bin"
    feed.tofile(path)
    code = """
import sys, json
import board
b = board.Board()
r = b.rf_adc.read_u16
first = r() >> 4            # pin low from reset: pad in
b.attenuator.value(1)       # pad out
just = r() >> 4
b.vt += 60
mid = r() >> 4
b.vt += 300
settled = r() >> 4
b.attenuator.value(0)
back = r() >> 4
b.vt += 400
padded = r() >> 4
sys.stdout.write(json.dumps([first, just, mid, settled, back, padded]))
"""
    env = {"ROOMSWEEP_SIM_FEED": str(path), "ROOMSWEEP_SIM_FEED_COLUMNS": str(FEED_COLUMNS)}
    proc = mp_run(code, board="sim", env=env)
    assert proc.returncode == 0, proc.stdout.decode()[-2000:] + proc.stderr.decode()[-2000:]
    first, just, mid, settled, back, padded = json.loads(proc.stdout)
    assert first == 1500 and settled == 700 and padded == 1500
    # 30 us (one conversion) after the switch e^-0.75 = 47 % of the step is left
    assert 1050 < just < 1120
    assert 725 < mid < 760  # 120 us: e^-3, 5 %
    assert 1080 < back < 1150


def test_feed_renders_both_ranges_from_one_input():
    s = load_scenario(SCENARIO)
    gen = FeedGenerator(s, seed=3)
    x = gen.chunk(80_000).astype(np.int64) >> 4  # 0.8 s, the first stop
    # 20 dB at -25 mV/dB is 0.5 V: about 620 counts on the ESP32's line, where
    # neither column is at an end of the detector's range (the bursts)
    mid = (x[:, 0] > 900) & (x[:, PADDED_COLUMN] < 2300)
    assert mid.sum() > 5000
    diff = x[mid, PADDED_COLUMN] - x[mid, 0]
    assert np.median(diff) == pytest.approx(500 / 0.8056, abs=3)
    # the floor: the padded column is never below the unpadded one
    assert (x[:, PADDED_COLUMN] >= x[:, 0] - 8).all()


# --- the whole chain -----------------------------------------------------------------


@pytest.fixture(scope="module")
def gsm_capture(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("autorange") / "gsm.cap"
    simulate(load_scenario(SCENARIO), out)
    return out


def _truth(stop_s: tuple[float, float]) -> float:
    gen = FeedGenerator(load_scenario(SCENARIO))
    t = np.arange(stop_s[0], stop_s[1], 1 / 8000.0)
    level = loudest_dbm(gen.rf_dbm(t), 8000.0)
    assert level is not None
    return level


def test_a_device_at_the_waypoint_is_measured_through_the_firmware(gsm_capture):
    scenario = load_scenario(SCENARIO)
    rec = from_capture(gsm_capture)
    assert rec.rf_pad_start is not None and rec.ceiling_dbm > 0  # the pad went in
    stops = {s.waypoint: (s.arrive_s, s.arrive_s + s.dwell_s) for s in scenario.sweep}
    marks = {m.label: m.time_s for m in rec.marks}
    dbm = rec.rf_dbm()
    a = marks["desk"]
    b = a + (stops["desk"][1] - stops["desk"][0])
    measured = loudest_dbm(dbm[int(a * rec.fs) : int(b * rec.fs)], rec.fs)
    truth = _truth(stops["desk"])
    assert truth > DETECTOR_CEILING_DBM + 3  # the detector alone would pin here
    assert measured is not None and abs(measured - truth) < 2.5, (measured, truth)
    assert measured < rec.ceiling_dbm  # measured, not a lower bound
    # the same samples read without the pad's dB (as a reader that ignored the
    # flag would) are 20 dB off: the flag is what makes the level right
    bare = Recording(rec.rf_counts, rec.fs, calibration=rec.calibration).rf_dbm()
    off = loudest_dbm(bare[int(a * rec.fs) : int(b * rec.fs)], rec.fs)
    assert off is not None and measured - off > 15
    # and the analyzer finds the bug at the desk, at its level
    (gsm,) = [f for f in analyze(rec) if f["type"] == "rf" and f["class"] == "gsm"]
    assert gsm["waypoint"] == "desk" and gsm["level_dbm"] > DETECTOR_CEILING_DBM + 5


def test_fast_path_switches_where_the_firmware_did(gsm_capture):
    fast = from_scenario(load_scenario(SCENARIO))
    dev = from_capture(gsm_capture)
    assert fast.rf_pad_start is not None and dev.rf_pad_start is not None
    # in at the desk, out after it, within a few blocks of each other
    assert len(fast.rf_pad_start) == len(dev.rf_pad_start) == 3
    diff = np.abs(fast.rf_pad_start / fast.fs - dev.rf_pad_start / dev.fs)
    assert diff.max() < 0.2, (fast.rf_pad_start, dev.rf_pad_start)
    # both leave the same settling samples at their two switches, and mask them
    assert fast.rf_settling_masked == dev.rf_settling_masked == 2 * settle_samples(8000.0)


def test_the_live_cue_spans_the_extended_range():
    cal = Recording(np.zeros(1, np.uint16), 8000.0).calibration
    table = cal.rf_dbm(np.arange(4096))

    def block(i: int, dbm_at_detector: float, padded: bool) -> Samples:
        c = int(np.argmin(np.abs(table - dbm_at_detector)))
        return _rf_block(i, np.full(N, c, np.uint16), padded)

    state = LiveState(locate=True)
    state.feed([block(i, -1.0, False) for i in range(10)])
    pinned = state.beep_interval()
    assert "the fastest (saturated)" in render_text(state)
    # the pad goes in: -10 dBm at the detector is 10 dBm at the antenna, measured
    state.feed([block(10 + i, -10.0, True) for i in range(10)])
    assert state.level_dbm == pytest.approx(10.0, abs=0.5)
    assert state.ceiling_dbm == DETECTOR_CEILING_DBM + RF_PAD_DB
    ten = state.beep_interval()
    assert ten is not None and pinned is not None and ten > pinned
    assert ten < beep_interval_s(0.0, top_dbm=20.0)  # faster than at 0 dBm
    text = render_text(state)
    assert "saturated" not in text.split("class:")[0] and "10." in text
    # louder still: faster, and at the ceiling with the pad, saturated again
    state.feed([block(20 + i, 0.0, True) for i in range(10)])
    assert state.beep_interval() < ten
    assert "the fastest (saturated)" in render_text(state)


def _rf_block(i: int, counts: np.ndarray, padded: bool) -> Samples:
    """The i-th 32 ms RF block of the live stream, `counts` taken in the range
    `padded` says."""
    return Samples(
        P.T_SAMPLES,
        i,
        i * 32_000,
        channel=P.CH_RF,
        t_first_us=i * 32_000,
        span_us=31_875,
        rate_hz=8000.0,
        samples=counts.astype(np.uint16),
        rf_pad=padded,
    )


def test_the_live_level_masks_the_settling_samples_too():
    block = _rf_block

    quiet = np.full(N, 1500)
    tail = quiet.copy()
    tail[:3] = [900, 1480, 1499]  # the pad went in: the old range's level decaying
    state = LiveState()
    state.feed([block(0, quiet, False), block(1, quiet, False), block(2, tail, True)])
    x = state.recent_dbm(3 * N / 8000.0)
    assert x.size == 3 * N
    assert np.all(x[2 * N : 2 * N + 3] == x[2 * N + 3])  # held, as the reader does
    assert x[2 * N + 3] == pytest.approx(x[N] + RF_PAD_DB)
    state.feed([block(3, tail, True)])  # no switch: nothing held (900 counts: 19 dB up)
    y = state.recent_dbm(N / 8000.0)
    assert y[0] > y[3] + 10
