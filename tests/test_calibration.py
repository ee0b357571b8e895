"""Calibration: the fit comes from the simulated device's samples, not from constants."""

from __future__ import annotations

import json

import numpy as np
import pytest

from roomsweep.errors import RoomsweepError
from roomsweep.protocol.calibration import Calibration
from roomsweep.sim import signals
from roomsweep.tools import calibrate

TRUE_SLOPE_MV = signals.DET_SLOPE_V_PER_DB * 1000.0
TRUE_INTERCEPT = signals.DET_INTERCEPT_DBM


@pytest.fixture(scope="module")
def simulated_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("cal")
    out = d / "device.json"
    result = calibrate.run_calibration(
        out,
        simulate=True,
        bands_mhz=(900.0, 5800.0),
        levels_dbm=(-50.0, -35.0, -20.0),
        seconds=0.3,
        work_dir=d / "work",
    )
    return out, result


def test_rf_fit_from_simulated_captures_matches_the_simulator(simulated_run):
    _, result = simulated_run
    assert len(result["rf"]) == 2
    for fit in result["rf"]:
        assert all(fit["used"])
        assert fit["slope_mv_per_db"] == pytest.approx(TRUE_SLOPE_MV, abs=0.5)
        assert fit["intercept_dbm"] == pytest.approx(TRUE_INTERCEPT, abs=0.5)
        assert fit["residual_db_max"] < 0.3


def test_calibration_file_round_trips_and_converts(simulated_run):
    out, result = simulated_run
    data = json.loads(out.read_text())
    assert data["format"] == "roomsweep-calibration" and data["source"] == "simulated"
    cal = Calibration.load(out)
    assert {b.band_mhz for b in cal.rf_bands} == {900.0, 5800.0}
    assert cal.band(1000.0).band_mhz == 900.0 and cal.band(5000.0).band_mhz == 5800.0
    # photodiode dark offset: the simulated TIA bias
    assert cal.pd_dark_mv == pytest.approx(signals.PD_DARK_V * 1000.0, abs=3.0)
    # counts of a known level convert back to it
    counts = signals.adc_counts(signals.detector_volts(-30.0))
    assert float(cal.rf_dbm(counts, band_mhz=900.0)) == pytest.approx(-30.0, abs=0.3)
    # old API untouched
    assert Calibration.from_info({"calibration": {"rf_intercept_dbm": 18}}).rf_intercept_dbm == 18
    assert Calibration().counts_to_mv([4095])[0] == pytest.approx(3100.0)


def test_calibrate_rf_from_capture_files_directly(tmp_path):
    bench = calibrate.SimulatedBench(tmp_path, seed=3)
    levels = [-45.0, -25.0]
    caps = [bench.capture(2440.0, p, 0.2) for p in levels]
    fit = calibrate.calibrate_rf(levels, caps, band_mhz=2440.0)
    assert fit["slope_mv_per_db"] == pytest.approx(TRUE_SLOPE_MV, abs=0.5)
    assert fit["intercept_dbm"] == pytest.approx(TRUE_INTERCEPT, abs=0.5)


def test_levels_outside_the_linear_window_are_not_fitted():
    cal = Calibration()

    def counts_for(dbm):
        return np.full(200, np.rint(signals.adc_counts(signals.detector_volts(dbm))))

    levels = [10.0, -20.0, -40.0]  # +10 dBm saturates
    fit = calibrate.calibrate_rf(levels, [counts_for(p) for p in levels], adc=cal)
    assert fit["used"] == [False, True, True]
    with pytest.raises(RoomsweepError, match="linear"):
        calibrate.calibrate_rf([10.0, 5.0], [counts_for(10.0), counts_for(5.0)])


def test_adc_table_from_efuse_pairs_undoes_the_adc_nonlinearity():
    # the simulator's ADC plays the chip; read_uv() plays the eFuse-corrected truth
    volts = np.linspace(0.2, 2.95, 400)
    raw = np.rint(signals.adc_counts(volts))
    table = calibrate.adc_table_from_pairs(raw, volts * 1e6)
    cal = Calibration(adc_table=tuple((c, mv) for c, mv in table))
    test_v = np.linspace(0.25, 2.9, 57)
    got = cal.counts_to_mv(np.rint(signals.adc_counts(test_v)))
    nominal = Calibration().counts_to_mv(np.rint(signals.adc_counts(test_v)))
    assert np.max(np.abs(got - test_v * 1000)) < 15.0
    # the compressive top end is where the table earns its keep
    top = test_v > 2.6
    assert np.max(np.abs(got[top] - test_v[top] * 1000)) < 0.5 * np.max(
        np.abs(nominal[top] - test_v[top] * 1000)
    )


def test_lockin_amplitude_of_a_square_wave():
    rate, hz, amp = 8000.0, 1175.0, 40.0
    t = np.arange(4000) / rate
    mv = 300.0 + amp * (np.sin(2 * np.pi * hz * t) > 0)  # square wave, peak-peak amp
    got = calibrate.lockin_amplitude_mv(mv, rate, hz)
    assert got == pytest.approx(2 * amp / np.pi, rel=0.05)  # fundamental of a square wave
