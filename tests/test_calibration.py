"""Calibration: the fit comes from the simulated device's samples, not from constants."""

from __future__ import annotations

import json

import numpy as np
import pytest

from roomsweep.errors import CalibrationFileError, RoomsweepError
from roomsweep.link.header_schema import check_calibration_file
from roomsweep.protocol import calibration as K
from roomsweep.protocol import device_defaults as D
from roomsweep.protocol.calibration import Calibration
from roomsweep.sim import ambient, signals
from roomsweep.sim.unit import esp_idf_characteristic_mv, esp_idf_counts
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
    # The dark photodiode channel sits at the TIA's bias (sim/ambient.py), converted
    # on the chip's law as the host's: the procedure reads the bias back.
    assert cal.pd_dark_mv == pytest.approx(ambient.TIA_BIAS_V * 1000, abs=3.0)
    # counts of a known level convert back to it
    counts = signals.adc_counts(signals.detector_volts(-30.0))
    assert float(cal.rf_dbm(counts, band_mhz=900.0)) == pytest.approx(-30.0, abs=0.3)
    # the ADC law is the one the (simulated) firmware's INFO sent: the chip's
    assert (cal.adc_offset_mv, cal.adc_mv_per_count) == (142.0, 0.8056335)
    assert Calibration.load(out) == Calibration.from_dict(cal.to_dict())
    # old API untouched
    assert Calibration.from_info({"calibration": {"rf_intercept_dbm": 18}}).rf_intercept_dbm == 18


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
    # the top end, where ESP-IDF's lookup table bends away from the line, is where
    # the table earns its keep
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


# --- the default ADC law: the chip's characteristic; the older line for older INFO ---


def test_the_default_law_is_esp_idfs_line_at_the_default_vref():
    # ESP-IDF characterize_using_vref, ADC1, ADC_ATTEN_DB_11, Vref 1100 mV (integers)
    coeff_a = 1100 * 196602 // 4096
    assert K.ADC_OFFSET_MV == 142.0
    assert K.ADC_MV_PER_COUNT == pytest.approx(coeff_a / 65536, abs=1e-7)
    # one definition: what the firmware sends is what the host assumes unsent
    assert D.CALIBRATION["adc_offset_mv"] == K.ADC_OFFSET_MV
    assert D.CALIBRATION["adc_mv_per_count"] == K.ADC_MV_PER_COUNT
    assert Calibration.from_info({"calibration": D.CALIBRATION}) == Calibration()
    assert Calibration.from_info(None) == Calibration() == Calibration.from_dict({})
    # ESP-IDF's own integer conversion, (coeff_a x count + 32768) / 65536 + 142, over
    # the line's whole range (below the lookup table's 2880 counts)
    c = np.arange(0, 2880)
    idf_mv = (coeff_a * c + 32768) // 65536 + 142
    assert np.max(np.abs(Calibration().counts_to_mv(c) - idf_mv)) <= 0.5 + 1e-6
    # and the simulator's unit model of the same chip
    sim_mv = esp_idf_characteristic_mv(c, 1100.0)
    assert np.max(np.abs(Calibration().counts_to_mv(c) - sim_mv)) < 0.05


def test_levels_at_known_counts():
    cal = Calibration()
    # 1000 mV from the AD8318 is -20 dBm; the chip reads it as (1000 - 142) / 0.8056
    assert round((1000 - 142) / K.ADC_MV_PER_COUNT) == 1065
    assert float(cal.counts_to_mv(1065)) == pytest.approx(1000.0, abs=0.5)
    assert float(cal.rf_dbm(1065)) == pytest.approx(-20.0, abs=0.02)
    assert [round(float(x), 1) for x in cal.rf_dbm([2306, 1686, 444])] == [-60.0, -40.0, 0.0]
    assert float(cal.counts_to_mv(0)) == 142.0
    # the older line read the same counts lower, i.e. several dB high
    old = Calibration.nominal_line()
    assert float(old.rf_dbm(1065)) == pytest.approx(-12.2, abs=0.05)


def test_an_info_with_only_the_full_scale_decodes_exactly_as_before():
    """Firmware before adc_offset_mv, and writers following the older docs:
    count x adc_full_scale_mv / (2^bits - 1)."""
    counts = np.arange(4096)
    for info, top in (
        ({"adc_full_scale_mv": 3100, "rf_slope_mv_per_db": -25.0}, 4095),
        ({"adc_full_scale_mv": 3300.0, "adc_bits": 10}, 1023),
    ):
        cal = Calibration.from_info({"calibration": info})
        before = counts * (float(info["adc_full_scale_mv"]) / top)  # the old code, verbatim
        assert np.array_equal(cal.counts_to_mv(counts), before)
        assert np.array_equal(cal.rf_dbm(counts), 20.0 + before / -25.0)
    old = Calibration.from_info({"calibration": {"adc_full_scale_mv": 3100}})
    assert [round(float(x), 1) for x in old.rf_dbm([2642, 660])] == [-60.0, 0.0]
    assert old == Calibration.nominal_line(3100.0)
    # the new keys win over the old one; either alone takes the chip's other figure
    both = {"adc_full_scale_mv": 3100, "adc_offset_mv": 150, "adc_mv_per_count": 0.8}
    assert float(Calibration.from_dict(both).counts_to_mv(1000)) == pytest.approx(950.0)
    only_offset = Calibration.from_dict({"adc_offset_mv": 120, "adc_full_scale_mv": 3100})
    assert only_offset.adc_mv_per_count == K.ADC_MV_PER_COUNT
    # a table still replaces either line
    table = Calibration.from_dict({"adc_full_scale_mv": 3100, "adc_table": [[0, 100], [100, 200]]})
    assert float(table.counts_to_mv(50)) == 150.0


def test_a_calibration_file_keeps_its_law_and_a_bad_slope_is_refused(tmp_path):
    unit = Calibration(adc_offset_mv=139.5, adc_mv_per_count=0.862)
    unit.save(tmp_path / "u.json")
    back = Calibration.load(tmp_path / "u.json")
    assert back == unit and float(back.counts_to_mv(1000)) == pytest.approx(1001.5)
    data = unit.to_dict()
    assert "adc_full_scale_mv" not in data  # an older host keeps its own default
    check_calibration_file(data, "u.json")
    for bad in (0, -0.8, "0.8"):
        with pytest.raises(CalibrationFileError, match="adc_mv_per_count"):
            check_calibration_file({**data, "adc_mv_per_count": bad}, "u.json")


def test_simulated_levels_come_back_exact_under_the_default_law():
    """The classic simulator converts with the same characteristic the host
    assumes, so a nominal chip's levels come back within rounding."""
    dbm = np.linspace(-60.0, -5.0, 56)  # inside the detector's soft ends
    counts = np.rint(signals.adc_counts(signals.detector_volts(dbm)))
    assert np.max(np.abs(Calibration().rf_dbm(counts) - dbm)) < 0.05
    # the dead zone (below the 142 mV offset) and the top of the 12 bits
    assert signals.adc_counts(np.array([0.0, 0.14]))[1] == 0.0
    assert signals.adc_counts(np.array([3.3]))[0] == 4095.0


def test_the_units_own_line_from_efuse_pairs():
    """`roomsweep calibrate --efuse` fits the unit's line to (raw, read_uv) pairs;
    read_uv() returns whole millivolts (ESP-IDF raw_to_voltage), x 1000."""
    rng = np.random.default_rng(5)
    for vref in (1000.0, 1180.0):
        volts = np.concatenate([rng.uniform(0.28, 0.32, 64), rng.uniform(0.5, 2.1, 320)])
        raw = np.rint(esp_idf_counts(volts, vref) + rng.integers(-2, 3, volts.size))
        uv = np.rint(esp_idf_characteristic_mv(raw, vref)) * 1000
        offset, per_count = calibrate.adc_line_from_pairs(raw, uv)
        assert offset == pytest.approx(142.0, abs=1.0)
        assert per_count == pytest.approx(vref * 196602 / 4096 / 65536, rel=2e-3)
        unit = Calibration(adc_offset_mv=offset, adc_mv_per_count=per_count)
        dbm = np.linspace(-60.0, -5.0, 12)
        c = np.rint(esp_idf_counts(signals.detector_volts(dbm), vref))
        assert np.max(np.abs(unit.rf_dbm(c) - dbm)) < 0.1
        # the chip's default line is off by the Vref's share (1000-1200 mV: +-9 %)
        assert np.max(np.abs(Calibration().rf_dbm(c) - dbm)) > 1.5
    with pytest.raises(RoomsweepError, match="spanning"):
        calibrate.adc_line_from_pairs([1000, 1010, 4095], [948000, 956000, 3130000])
