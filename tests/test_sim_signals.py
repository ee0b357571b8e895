"""Room simulator signal source: scenario loading and the ADC feed generator."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from roomsweep.errors import ScenarioError
from roomsweep.sim import optics
from roomsweep.sim.scenario import (
    BUTTON_HOLD_S,
    EMITTER_KINDS,
    Emitter,
    bundled_scenarios,
    load_scenario,
)
from roomsweep.sim.signals import (
    FEED_COLUMNS,
    FeedGenerator,
    adc_u16,
    detector_volts,
    fspl_1m_db,
    make_process,
)

STEP_US = 10

SMALL = """
name = "small"
seed = 7
[room]
size_m = [6.0, 3.0, 2.5]
exponent = 2.5
shadowing_db = 0.0
[waypoints]
a = [1.0, 1.5, 1.0]
b = [3.0, 1.5, 1.0]
[[sweep]]
waypoint = "a"
arrive_s = 0.0
dwell_s = 1.0
[[sweep]]
waypoint = "b"
arrive_s = 2.0
dwell_s = 1.0
"""

GSM = """
[[emitters]]
id = "bug"
kind = "gsm"
position_m = [0.5, 0.5, 1.0]
eirp_dbm = 0.0
band_mhz = 900.0
hidden = true
"""


def write(tmp_path: Path, text: str, name: str = "scen.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def rf_volts(col: np.ndarray) -> np.ndarray:
    """The RF column's volts: the chip's ESP-IDF line at Vref 1100 mV (sim/signals.py)."""
    return (142.0 + (col >> 4).astype(float) * 52798 / 65536) / 1000.0


def volts(col: np.ndarray) -> np.ndarray:
    """The photodiode column's volts: the same chip line (sim/ambient.py
    ServoFrontEnd.counts converts on the ESP-IDF characteristic too)."""
    return rf_volts(col)


# --- scenarios ------------------------------------------------------------------------


def test_bundled_hotel_room():
    assert "hotel-room" in bundled_scenarios()
    s = load_scenario("hotel-room")
    assert s.name == "hotel-room"
    assert s.room_size_m == (4.0, 5.5, 2.6)
    names = [w.name for w in s.waypoints]
    assert set(names) == {
        "door",
        "wardrobe",
        "desk",
        "tv",
        "bed-left",
        "headboard",
        "bed-right",
        "smoke-detector",
        "bathroom-door",
        "window",
    }
    assert {stop.waypoint for stop in s.sweep} == set(names)
    assert 50.0 <= s.duration_s <= 70.0
    assert all(4.0 <= stop.dwell_s <= 6.0 for stop in s.sweep)
    kinds = {e.id: e.kind for e in s.emitters}
    assert sorted(kinds.values()) == ["ble", "gsm", "lte", "wifi_ap", "wifi_ap", "wifi_camera"]
    hidden = {e.id for e in s.emitters if e.hidden}
    lenses = {lens.id for lens in s.optics.lenses}  # the SD-card camera: no radio
    assert set(s.ground_truth) == hidden | lenses and len(hidden) == 2 and len(lenses) == 1
    by_id = {e.id: e for e in s.emitters}
    for eid, waypoint in s.ground_truth.items():
        if eid in lenses:
            continue
        assert s.nearest_waypoint(by_id[eid].position_m) == waypoint
    assert any(e.outside and e.position_m[1] < 0 for e in s.emitters if e.kind == "wifi_ap")
    assert Path(s.source).name == "hotel-room.toml"


def test_load_by_path_equals_bundled(tmp_path):
    bundled = load_scenario("hotel-room")
    copy = write(tmp_path, Path(bundled.source).read_text(), "copy.toml")
    for arg in (copy, str(copy)):
        s = load_scenario(arg)
        assert s.source == str(copy)
        assert (s.waypoints, s.sweep, s.emitters) == (
            bundled.waypoints,
            bundled.sweep,
            bundled.emitters,
        )


def test_small_scenario_defaults(tmp_path):
    s = load_scenario(write(tmp_path, SMALL + GSM))
    assert s.duration_s == 3.0 and s.seed == 7 and s.noise_floor_dbm == -65.0
    (bug,) = s.emitters
    assert bug.params["slot_us"] == 577.0 and bug.params["idle_frame"] is True
    assert not bug.outside and bug.loss_db == 0.0


BAD_CASES = {
    "bad-toml": (SMALL.replace("exponent = 2.5", "exponent = = 2.5"), "bad TOML"),
    "unknown-kind": (SMALL + GSM.replace('"gsm"', '"gsm5g"'), "unknown kind 'gsm5g'"),
    "unknown-waypoint": (
        SMALL.replace('waypoint = "b"', 'waypoint = "c"'),
        "unknown waypoint 'c'",
    ),
    "negative-time": (SMALL.replace("arrive_s = 0.0", "arrive_s = -1.0"), "negative time"),
    "negative-dwell": (SMALL.replace("dwell_s = 1.0", "dwell_s = -0.5", 1), "negative time"),
    "waypoint-outside": (
        SMALL.replace("b = [3.0, 1.5, 1.0]", "b = [3.0, 3.5, 1.0]"),
        "outside the room",
    ),
    "emitter-outside": (
        SMALL + GSM.replace("[0.5, 0.5, 1.0]", "[0.5, -0.5, 1.0]"),
        "set outside = true",
    ),
    "overlapping-stops": (
        SMALL.replace("arrive_s = 2.0", "arrive_s = 0.5"),
        "before the previous stop ends",
    ),
    "unknown-key": (SMALL.replace("exponent", "exponnent"), "unknown key 'exponnent'"),
    "unknown-param": (
        SMALL + GSM + "params = { interval_ms = 5.0 }\n",
        "unknown gsm parameter 'interval_ms'",
    ),
    "bad-fraction": (
        SMALL + GSM.replace('"gsm"', '"lte"') + "params = { load = 1.5 }\n",
        "between 0 and 1",
    ),
    "bad-position": (SMALL.replace("a = [1.0, 1.5, 1.0]", "a = [1.0, 1.5]"), "three numbers"),
    "no-sweep": (SMALL[: SMALL.index("[[sweep]]")], "missing [[sweep]]"),
    "ground-truth": (SMALL + GSM + '[ground_truth]\nbug = "nowhere"\n', "is not a waypoint"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_scenarios(tmp_path, case):
    text, expected = BAD_CASES[case]
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    message = str(info.value)
    assert expected in message
    assert message.startswith("scen.toml: ")
    assert "\n" not in message


def test_missing_files(tmp_path):
    with pytest.raises(ScenarioError, match="no bundled scenario 'no-such-room'.*hotel-room"):
        load_scenario("no-such-room")
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(str(tmp_path / "absent.toml"))
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "absent.toml")


def test_position_and_button(tmp_path):
    s = load_scenario(write(tmp_path, SMALL))
    assert s.position_at(0.5).shape == (3,)
    t = np.array([-1.0, 0.0, 0.9, 1.5, 2.0, 2.5, 10.0])
    p = s.position_at(t)
    assert p.shape == (7, 3)
    np.testing.assert_allclose(p[:, 0], [1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0])
    np.testing.assert_allclose(p[:, 1:], [[1.5, 1.0]] * 7)
    pressed = s.button_pressed(
        np.array([-0.1, 0.0, 0.1, BUTTON_HOLD_S + 0.01, 1.9, 2.0, 2.1, 2.2])
    )
    assert pressed.tolist() == [False, True, True, False, False, True, True, False]


# --- feed -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hotel():
    return load_scenario("hotel-room")


def test_feed_deterministic(hotel):
    a = FeedGenerator(hotel, seed=5).chunk(40_000)
    b = FeedGenerator(hotel, seed=5).chunk(40_000)
    c = FeedGenerator(hotel, seed=6).chunk(40_000)
    assert a.dtype == np.dtype("<u2") and a.shape == (40_000, FEED_COLUMNS)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    assert FeedGenerator(hotel).seed == hotel.seed


def test_feed_chunk_independent(hotel):
    whole = FeedGenerator(hotel).chunk(2000)
    g = FeedGenerator(hotel)
    assert np.array_equal(np.concatenate([g.chunk(1000), g.chunk(1000)]), whole)
    # odd sizes across the 0.1 s render-block boundaries
    sizes = [1, 0, 999, 12_345, 9_999, 7, 30_000, 512, 5_137]
    whole = FeedGenerator(hotel).chunk(sum(sizes))
    g = FeedGenerator(hotel)
    parts = np.concatenate([g.chunk(n) for n in sizes])
    assert parts.tobytes() == whole.tobytes()
    assert g.steps_done == sum(sizes)


def test_adc_values_in_range(hotel):
    g = FeedGenerator(hotel)
    g.chunk(int(42.0e6 / STEP_US))  # skip to the headboard (GSM bug saturates)
    x = g.chunk(100_000)
    assert not np.any(x[:, :2] & 0xF), "read_u16 values are 12-bit counts << 4"
    assert set(np.unique(x[:, 2]).tolist()) <= {0, 1}
    rf = rf_volts(x[:, 0])
    assert rf.min() >= 0.45 and rf.max() <= 2.15
    assert rf.min() < 0.7, "the GSM bug near the headboard should saturate the detector"
    pd = volts(x[:, 1])  # every LED off: the bias + the lamps' flicker the DC servo
    lamps = optics.TIA_OHM * hotel.optics.lighting.ambient_ua * 1e-6  # lets through
    assert abs(np.median(pd) - optics.TIA_BIAS_V) < 0.1 and lamps > pd.max() - pd.min() > 0.02
    assert np.all(x[:, 3:] <= 65535)  # the LED groups' returns, counts x 16


def test_detector_and_adc_transfer():
    v = detector_volts(np.array([-120.0, -65.0, -40.0, -20.0, 0.0, 30.0]))
    assert np.all(np.diff(v) < 0)
    assert v[0] == pytest.approx(2.1, abs=0.01)
    assert v[2] == pytest.approx(1.5, abs=0.01)  # 25 mV/dB x 60 dB below +20 dBm
    assert v[5] == pytest.approx(0.5, abs=0.01)
    counts = adc_u16(np.array([0.0, 0.14, 0.5, 1.55, 2.45, 3.1, 3.5, 5.0])) >> 4
    assert counts[0] == 0 and counts[1] == 0  # dead zone: at and below 142 mV
    # the chip's ESP-IDF line at Vref 1100 mV: (mV - 142) / (52798 / 65536)
    assert counts[2] == round((500 - 142) / (52798 / 65536))
    assert counts[3] == round((1550 - 142) / (52798 / 65536))
    assert np.all(np.diff(counts.astype(int)) >= 0) and counts[-1] == 4095
    assert counts[5] > round((3100 - 142) / (52798 / 65536)) + 100, "ESP-IDF's table at the top"
    assert fspl_1m_db(900.0) == pytest.approx(31.5, abs=0.1)
    assert fspl_1m_db(2440.0) == pytest.approx(40.2, abs=0.1)


def test_gsm_envelope_line(tmp_path):
    s = load_scenario(write(tmp_path, SMALL + GSM))
    g = FeedGenerator(s)
    x = g.chunk(200_000)  # 2 s standing at "a", 1.1 m from the bug
    dbm = g.rf_dbm(g.step_times(0, 20_000))
    assert -45 < dbm.max() < -30 and dbm.min() == pytest.approx(-65.0, abs=0.1)
    rf = (x[:, 0] >> 4).astype(float)
    spectrum = np.abs(np.fft.rfft(rf - rf.mean()))
    freqs = np.fft.rfftfreq(rf.size, STEP_US * 1e-6)
    band = (freqs > 100) & (freqs < 5000)
    peak = freqs[band][np.argmax(spectrum[band])]
    assert peak == pytest.approx(1000 / 4.615, abs=2.0)


def test_power_falls_with_distance(tmp_path):
    text = SMALL.replace(
        "[waypoints]\na = [1.0, 1.5, 1.0]\nb = [3.0, 1.5, 1.0]",
        "[waypoints]\na = [1.0, 1.5, 1.0]\nb = [3.0, 1.5, 1.0]\nc = [5.0, 1.5, 1.0]",
    )
    text += '[[sweep]]\nwaypoint = "c"\narrive_s = 4.0\ndwell_s = 1.0\n'
    text += GSM.replace('"gsm"', '"analog_video"').replace("[0.5, 0.5, 1.0]", "[0.5, 1.5, 1.0]")
    text = text.replace("eirp_dbm = 0.0", "eirp_dbm = 10.0")
    s = load_scenario(write(tmp_path, text))
    g = FeedGenerator(s)
    dist = np.array([0.5, 2.5, 4.5])
    dbm = g.rf_dbm(np.array([0.5, 2.5, 4.5]))
    expected = 10.0 - fspl_1m_db(900.0) - 25.0 * np.log10(dist)
    expected = 10 * np.log10(10 ** (expected / 10) + 10 ** (-65 / 10))  # + noise floor
    np.testing.assert_allclose(dbm, expected, atol=0.01)
    x = g.chunk(500_000)
    means = [x[int(t * 1e5) : int(t * 1e5) + 50_000, 0].mean() for t in (0.25, 2.25, 4.25)]
    assert means[0] < means[1] < means[2], "weaker signal = higher detector voltage"


def test_button_flag_in_feed(hotel):
    g = FeedGenerator(hotel)
    x = g.chunk(int(14.0e6 / STEP_US))
    flags = x[:, 2]
    for stop in hotel.sweep[:3]:
        i = int(round(stop.arrive_s * 1e6 / STEP_US))
        assert flags[i] == 1 and flags[i + int(0.14e6 / STEP_US)] == 1
        assert flags[i - 1] == 0 and flags[i + int(0.16e6 / STEP_US)] == 0
    assert flags.sum() == pytest.approx(3 * BUTTON_HOLD_S * 1e6 / STEP_US, abs=3)


EXPECTED_DUTY = {
    "gsm": (577 / 4615.38 * 25 / 26, 0.01),
    "dect": (0.0417, 0.002),
    "wifi_ap": (0.02, 0.02),
    "wifi_camera": (0.4, 0.15),
    "ble": (0.9 / 105, 0.002),
    "bt_classic": (0.3 * 366 / 625, 0.03),
    "lte": (0.3, 0.05),
    "analog_video": (1.0, 0.0),
}


@pytest.mark.parametrize("kind", EMITTER_KINDS)
def test_emitter_envelopes(kind):
    assert set(EMITTER_KINDS) == set(EXPECTED_DUTY)
    em = Emitter(
        id=f"e-{kind}",
        kind=kind,
        position_m=(1, 1, 1),
        eirp_dbm=0.0,
        band_mhz=2400.0,
        hidden=False,
        params={},
    )
    proc = make_process(em, seed=3)
    t = np.arange(0, 2.0, 1e-5)
    on = proc.on(t)
    duty, tol = EXPECTED_DUTY[kind]
    assert on.mean() == pytest.approx(duty, abs=tol)
    again = make_process(em, seed=3).on(t[::-1])[::-1]  # any order, fresh cache
    assert np.array_equal(on, again)


def test_ble_and_beacon_timing():
    ble = Emitter("ble", "ble", (1, 1, 1), 0.0, 2440.0, False, {"interval_ms": 50.0})
    proc = make_process(ble, seed=1)
    t = np.arange(0, 3.0, 1e-5)
    edges = t[1:][np.diff(proc.on(t).astype(int)) == 1]
    events = edges[np.r_[True, np.diff(edges) > 0.005]]
    gaps = np.diff(events) * 1e3
    assert gaps.min() >= 50.0 - 0.02 and gaps.max() <= 60.0 + 0.02 and gaps.std() > 1.0
    per_event = len(edges) / len(events)
    assert per_event == pytest.approx(3.0, abs=0.1)
    ap = Emitter("ap", "wifi_ap", (1, 1, 1), 20.0, 2437.0, False, {"data_rate_hz": 0.0})
    proc = make_process(ap, seed=1)
    starts = np.concatenate([proc.bursts(k)[0] for k in range(30)])
    np.testing.assert_allclose(np.diff(starts) * 1e3, 102.4, atol=0.5)


def test_throughput_runs(hotel):
    g = FeedGenerator(hotel)
    start = time.perf_counter()
    x = g.chunk(500_000)
    rate = x.shape[0] / (time.perf_counter() - start)
    print(f"feed generator: {rate / 1e6:.1f} M steps/s")
    assert x.shape == (500_000, FEED_COLUMNS)
    assert g.time_s == pytest.approx(5.0)
