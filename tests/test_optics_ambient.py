"""The room's light and the DC-servo receiver (sim/ambient.py, issue 15): ambient
photocurrents from the cited irradiances, a servo that nulls a sunlit window
without railing, lamp flicker cut by its high-pass, shot noise that grows with the
light, the LEDs' mean taken away as the board does, and a lens found in a lamp-lit
room."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from roomsweep.analysis.lens import lens_findings
from roomsweep.eval.fastpath import from_scenario
from roomsweep.eval.lens_eval import score_lenses
from roomsweep.sim import ambient, optics
from roomsweep.sim.scenario import load_scenario
from roomsweep.sim.tomlcheck import Bad

STEP_S = 10e-6


def test_ambient_currents_are_in_the_range_of_the_cited_figures():
    ua = ambient.AMBIENT_DEFAULT_UA
    assert ua["dark"] == 0.0
    # through the 940 nm band-pass (hardware/README.md, F1), which passes 1/6.7 of
    # the sunlight the BP104FS's own 870-1050 nm filter does and 1/4 of a lamp's:
    # a sunlit window filling the view, several uA (6.4; 43 without F1)
    assert 4.0 <= ua["sunlit"] <= 10.0
    assert ambient.SUN_IN_BAND_W_M2 == pytest.approx(120.0 / 6.7, rel=0.05)
    # a daylit room without sun in view: ~0.3 uA
    assert 0.15 <= ua["daylight"] <= 0.6
    # a 60 W incandescent lamp at 2 m in view: ~1 uA; its light off the walls: ~0.01
    assert 0.5 <= ua["lamp"] <= 1.5
    assert 0.005 <= ambient.ROOM_DEFAULT_UA["lamp"] <= 0.05
    # the LEDs' own light mostly passes
    assert 0.8 <= ambient.RX_FILTER_LED_T <= 0.9
    # all of them well inside what the servo can null
    assert max(ua.values()) * 1e-6 < 0.5 * ambient.SERVO_MAX_A
    # the lamp's share of the view falls as 1/d^2 and off the receiver's axis
    lamp = ambient.lighting_of("lamp", source_m=(4.0, 0.0, 0.0))
    pos = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    view = ambient.source_view(lamp, pos, np.array([0.0, 0.0, math.radians(5.0)]))
    assert view[0] == pytest.approx(1.0)
    assert view[1] == pytest.approx(0.25)
    assert view[2] == pytest.approx(0.5, rel=0.01)  # half intensity 5 deg off


def test_front_end_nulls_a_sunlit_window_without_railing():
    fe = ambient.ServoFrontEnd(STEP_S)
    n = 200_000  # 2 s
    t = np.arange(n) * STEP_S
    # the window comes into view over half a second, then stays
    amb = ambient.SUNLIT_UA * 1e-6 * np.clip((t - 0.5) / 0.5, 0.0, 1.0)
    v = fe.volts(amb, np.zeros(n))
    assert np.all((v > 0.15) & (v < 2.45)), (v.min(), v.max())  # the ADC's linear range
    assert abs(v[-1000:].mean() - ambient.TIA_BIAS_V) < 0.01
    # DC-coupled, the same light would need 6.4 uA x 22 Mohm = 141 V
    assert ambient.SUNLIT_UA * 1e-6 * ambient.TIA_OHM > 100
    # beyond what the PNP can source, the rest reaches the 22 Mohm: the TIA rails
    over = ambient.ServoFrontEnd(STEP_S).volts(np.full(n, 2 * ambient.SERVO_MAX_A), np.zeros(n))
    assert over[-1] == ambient.RAIL_V


def test_a_sunlit_windows_edge_at_a_hands_speed_stays_in_the_adcs_range():
    """The hand pans the +-5 deg view across a sunlit window's edge at up to
    120 deg/s: the window fills the view in about 0.1 s. The first-order servo
    leaves slope x R_i C_i R_e at the TIA output: 0.64 V through the 940 nm
    band-pass, inside the ADC's linear range; the 43 uA of the BP104FS's filter
    alone left 4.3 V and railed the TIA (hardware/README.md)."""
    n = 60_000  # 0.6 s
    t = np.arange(n) * STEP_S
    ramp = np.clip((t - 0.2) / 0.1, 0.0, 1.0)
    v = ambient.ServoFrontEnd(STEP_S).volts(ambient.SUNLIT_UA * 1e-6 * ramp, np.zeros(n))
    assert np.all((v > 0.15) & (v < 2.45)), (v.min(), v.max())
    tau = ambient.SERVO_R_I_OHM * ambient.SERVO_C_I_F * ambient.SERVO_R_E_OHM
    assert v.max() - ambient.TIA_BIAS_V == pytest.approx(
        ambient.SUNLIT_UA * 1e-6 / 0.1 * tau, rel=0.05
    )
    # the same edge without the band-pass rails the TIA
    unfiltered = ambient.SUNLIT_UA * ambient.SUN_IN_BAND_W_M2**-1 * 120.0
    v0 = ambient.ServoFrontEnd(STEP_S).volts(unfiltered * 1e-6 * ramp, np.zeros(n))
    assert v0.max() == ambient.RAIL_V


def test_lamp_flicker_passes_the_servo_cut_by_its_high_pass():
    fe = ambient.ServoFrontEnd(STEP_S)
    t = np.arange(300_000) * STEP_S
    lamp = ambient.lighting_of("lamp", 50.0)
    amb = ambient.ambient_current(lamp, t)
    mean = (lamp.ambient_ua + lamp.room_ua) * 1e-6  # the lamp in view, and its room
    assert amb.mean() == pytest.approx(mean, rel=1e-3)
    v = fe.volts(amb, np.zeros(t.size))[100_000:]
    swing = (v.max() - v.min()) / 2  # the 100 Hz line at the TIA output
    f, fc = 100.0, ambient.SERVO_CORNER_HZ
    line = mean * lamp.flicker_depth * ambient.TIA_OHM  # DC-coupled, it would be this
    assert swing == pytest.approx(line * f / math.hypot(f, fc), rel=0.03)
    assert 0.2 < swing / line < 0.4


def test_noise_grows_with_the_ambient_current():
    rng = np.random.default_rng(1)
    n = 100_000
    sd = {}
    for kind in ("dark", "daylight", "sunlit"):
        amb = np.full(n, ambient.AMBIENT_DEFAULT_UA[kind] * 1e-6)
        v = ambient.ServoFrontEnd(STEP_S).volts(amb, rng.standard_normal(n))
        sd[kind] = v[n // 2 :].std()
    assert sd["dark"] < 1e-9  # the ADC's own noise is added with the counts
    assert sd["sunlit"] > 2.5 * sd["daylight"] > 0
    # shot noise of the photodiode and of the servo's PNP, over the noise bandwidth
    i = ambient.SUNLIT_UA * 1e-6
    shot = math.sqrt(2 * ambient.ELECTRON_C * 2 * i * ambient.NOISE_BANDWIDTH_HZ)
    assert shot * ambient.TIA_OHM < sd["sunlit"] < 1.5 * shot * ambient.TIA_OHM


def test_the_servo_takes_the_leds_mean_away_as_the_board_does():
    n = 8000
    base16 = np.full(n, 1765 * 16, dtype=np.int64)
    full = np.zeros((3, n), dtype=np.int64)
    full[0] = 800 * 16
    on = (np.arange(n) * 125 * 1175) % 1000000 * 65536 < 32768 * 1000000
    returns = full * on
    x, _ = optics.auto_drive(
        base16,
        returns,
        optics.LED_DEFAULT_HZ,
        8000.0,
        auto=False,
        servo16=full,
        duty_u16=(32768,) * 3,
    )
    assert abs(float(x.mean()) - 1765) < 2
    assert x.max() == 1765 + 400 and x.min() == 1765 - 400


def test_lighting_keys_are_checked(tmp_path):
    from roomsweep.sim.optics_toml import _lighting

    size = (4.0, 5.0, 2.6)
    lt = _lighting({"lighting": {"kind": "sunlit", "source_m": [0.0, 2.0, 1.2]}}, size)
    assert lt.source_m == (0.0, 2.0, 1.2) and lt.ambient_ua == ambient.SUNLIT_UA
    assert lt.room_ua == ambient.DAYLIGHT_UA
    with pytest.raises(Bad, match="outside the room"):
        _lighting({"lighting": {"kind": "lamp", "source_m": [9.0, 2.0, 1.2]}}, size)
    with pytest.raises(Bad, match="source_m is for"):
        _lighting({"lighting": {"kind": "daylight", "source_m": [1.0, 2.0, 1.2]}}, size)
    with pytest.raises(Bad, match="ambient_ua"):
        _lighting({"lighting": {"kind": "lamp", "ambient_ua": 5000}}, size)


def test_a_lens_in_a_lamp_lit_room_is_found():
    """The bundled hotel room lit by a bedside lamp on the far wall, which the beam
    crosses at several stops: the alarm clock's lens is still found from
    bed-right, and nothing else."""
    sc = load_scenario("hotel-room")
    lamp = ambient.lighting_of("lamp", 50.0, source_m=(0.3, 2.2, 0.9))
    lit = dataclasses.replace(sc, optics=dataclasses.replace(sc.optics, lighting=lamp))
    t = np.arange(0.0, lit.duration_s, 0.01)
    seen = optics.ambient_at(lit, t)
    assert seen.max() > 10 * seen.min() > 0  # the lamp swings in and out of view
    found = lens_findings(from_scenario(lit))
    assert [f["waypoint"] for f in found] == ["bed-right"]
    score = score_lenses(found, lit)
    assert all(L["found"] for L in score["lenses"]) and score["false"] == []
