"""Auto-ranging with the RF pad (issues 14 and 16): the firmware switches the 20 dB
pad in front of the detector when it pins and out again with hysteresis
(firmware/rfrange.py), every RF block says its range (rsproto.SAMPLES_FLAG_RF_PAD),
the simulated board honours the pin (sim/mpboard/board.py, the feed's padded
column), the fast path mirrors the rule (sim/ranging.py), and the host adds the
pad back (analysis/recording.py) so a device right at a waypoint is measured."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.components import DETECTOR_FLOOR_DBM
from roomsweep.analysis.recording import (
    DETECTOR_CEILING_DBM,
    PAD_FLOOR_DBM,
    RF_PAD_DB,
    Recording,
    from_capture,
    level_text,
    loudest_dbm,
    pad_steps,
)
from roomsweep.eval.fastpath import from_scenario
from roomsweep.live.state import LiveState, beep_interval_s
from roomsweep.live.view import render_text
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Decoder
from roomsweep.protocol.encoding import samples_payload
from roomsweep.protocol.records import Samples
from roomsweep.sim import ranging
from roomsweep.sim.runner import FIRMWARE_DIR, simulate
from roomsweep.sim.scenario import load_scenario
from roomsweep.sim.signals import FEED_COLUMNS, PADDED_COLUMN, FeedGenerator

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


def test_firmware_driver_switches_like_the_mirror_settles_and_allocates_nothing(mp_run, tmp_path):
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

t = [0]
def ticks_us():
    t[0] += 3
    return t[0] & 0x3FFFFFFF

pin = Pin()
r = rfrange.RfRange(pin, ticks_us)
start_out = (pin.v, r.padded)
buf = array('H', bytes(2 * {N}))
f = open({str(path)!r}, 'rb')
flags, pins, waits = [], [], []
ok = True
for b in range({len(blocks)}):
    f.readinto(buf)
    flags.append(r.padded)
    t0 = t[0]
    micropython.heap_lock()
    try:
        r.update(buf, {N})
    except MemoryError:
        ok = False
    micropython.heap_unlock()
    waits.append(t[0] - t0)
    pins.append(pin.v)
r.set_mode(1)
forced_in = (pin.v, r.padded)
r.update(buf, {N})  # calm, but not in auto
still = r.padded
try:
    r.set_mode(3)
    bad = False
except ValueError:
    bad = True
sys.stdout.write(json.dumps({{'ok': ok, 'flags': flags, 'pins': pins, 'waits': waits,
    'start': start_out, 'forced': forced_in, 'still': still, 'bad': bad,
    'switches': r.switches}}))
"""
    proc = mp_run(code)
    assert proc.returncode == 0, proc.stdout.decode()[-2000:] + proc.stderr.decode()[-2000:]
    got = json.loads(proc.stdout)
    assert got["ok"], "update() allocated on the heap"
    assert got["start"] == [1, 0]  # auto takes the pad out at start: pin high
    _, want = ranging.auto_range(*(np.concatenate(blocks),) * 2)
    assert got["flags"] == [int(x) for x in want]
    # HMC624A polarity: the pin is low exactly while the pad is in
    assert [1 - p for p in got["pins"][:-1]] == got["flags"][1:]
    switched = [w for w, a, b in zip(got["waits"], got["flags"], got["flags"][1:]) if a != b]
    assert len(switched) == 2 and min(switched) >= 210  # the video filter settled
    assert max(w for w, a, b in zip(got["waits"], got["flags"], got["flags"][1:]) if a == b) < 20
    assert got["forced"] == [0, 1] and got["still"] == 1 and got["bad"]


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
    assert PAD_FLOOR_DBM == DETECTOR_FLOOR_DBM
    floor = int(np.argmin(np.abs(plain.calibration.rf_dbm(np.arange(4096)) - (-62.0))))
    quiet = Recording(
        np.full(N, floor, np.uint16),
        8000.0,
        rf_pad_start=starts[:1] + 0,
        rf_pad_db=np.array([RF_PAD_DB]),
    )
    assert quiet.rf_dbm().max() < DETECTOR_FLOOR_DBM


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


def test_the_live_cue_spans_the_extended_range():
    cal = Recording(np.zeros(1, np.uint16), 8000.0).calibration
    table = cal.rf_dbm(np.arange(4096))

    def block(i: int, dbm_at_detector: float, padded: bool) -> Samples:
        c = int(np.argmin(np.abs(table - dbm_at_detector)))
        return Samples(
            P.T_SAMPLES,
            i,
            i * 32_000,
            channel=P.CH_RF,
            t_first_us=i * 32_000,
            span_us=31_875,
            rate_hz=8000.0,
            samples=np.full(N, c, np.uint16),
            rf_pad=padded,
        )

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
