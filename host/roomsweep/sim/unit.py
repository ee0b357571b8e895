"""One physical unit's detector and ADC: the optional ``[detector]`` section.

Without ``[detector]`` (the classic scenarios) the simulated device is the nominal
one: the AD8318's intercept is +20 dBm at every carrier and the ESP32 ADC converts
with the chip's characteristic below at the default Vref of 1100 mV (signals.py),
the law the host decodes with by default. Real units differ:

- **ESP32 ADC law** (``adc_law = "esp-idf"``, at the unit's ``adc_vref_mv``;
  ``"nominal"`` is the same at 1100 mV): ESP-IDF characterises every chip's
  ADC1 at 11 dB attenuation from the reference voltage burned into its eFuse
  (esp_adc_cal_esp32.c, ESP-IDF v4.x, and esp_adc/esp32/adc_cali_line_fitting.c,
  v5.x, ``characterize_using_vref``): V(mV) = coeff_a x
  count / 65536 + 142 with coeff_a = Vref x 196602 / 4096 (``adc1_vref_atten_scale``
  and ``adc1_vref_atten_offset`` for ADC_ATTEN_DB_11), i.e. 142 mV offset and
  0.806 mV per count at Vref = 1100 mV; above 2880 counts a 20-point lookup table
  between Vref 1000 mV and 1200 mV (``lut_adc1_low``/``lut_adc1_high``, 64-count
  steps, blended with the line over the first step). eFuse Vref: 1100 mV +- 15
  steps of 7 mV (``VREF_OFFSET``, ``VREF_STEP_SIZE``, 5-bit field), and ESP-IDF's
  documentation gives the spread of Vref as 1000-1200 mV. This module takes that
  characteristic as the chip's true transfer: a unit converts V to the count whose
  characteristic voltage is V (0 below the offset, 4095 at the top).
- **Detector intercept per band** (``intercept_offsets_db``): the AD8318 datasheet
  specifies slope and intercept separately per carrier (0.9, 1.9, 2.2, 3.6, 5.8,
  8 GHz) and notes that "both the slope and intercept vary slightly with
  frequency"; users of the common module find the intercept shifting with
  frequency and input match (ref §1: forum.arduino.cc, ik1zyw.blogspot.com). Given
  as [MHz, dB] anchors, interpolated linearly in log frequency and held beyond the
  end anchors: +1 dB of intercept makes that carrier read 1 dB weaker.
- **ADC noise** (``adc_noise_lsb``): uniform integer noise of +-n counts on every
  read (default 2, the nominal unit). Espressif recommends a 0.1 uF capacitor on the
  ADC pad and multisampling against noise (ESP-IDF ADC documentation, "Minimizing
  Noise"); boards without it are reported at up to ~25 LSB (ref §2, unconfirmed).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from roomsweep.sim.tomlcheck import Bad, check_keys, number, short, string

ADC_LAWS = ("nominal", "esp-idf")
VREF_NOMINAL_MV = 1100.0
VREF_RANGE_MV = (1000.0, 1200.0)  # ESP-IDF: eFuse Vref spread
# esp_adc_cal.c (ESP32), ADC1, ADC_ATTEN_DB_11
_LIN_SCALE = 196602.0
_LIN_OFFSET_MV = 142.0
_LUT_LOW_THRESH = 2880
_LUT_STEP = 64
_LUT_VREF_LOW, _LUT_VREF_HIGH = 1000.0, 1200.0
_LUT_ADC1_LOW = (2240, 2297, 2352, 2405, 2457, 2512, 2564, 2616, 2664, 2709,
                 2754, 2795, 2832, 2868, 2903, 2937, 2969, 3000, 3030, 3060)  # fmt: skip
_LUT_ADC1_HIGH = (2667, 2706, 2745, 2780, 2813, 2844, 2873, 2901, 2928, 2956,
                  2982, 3006, 3032, 3059, 3084, 3110, 3135, 3160, 3184, 3209)  # fmt: skip
ADC_MAX_COUNT = 4095
ADC_NOISE_LSB = 2  # the nominal unit's count noise, as signals.ADC_NOISE_LSB


@dataclass(frozen=True)
class DetectorUnit:
    adc_law: str = "nominal"
    adc_vref_mv: float = VREF_NOMINAL_MV
    intercept_offsets_db: tuple[tuple[float, float], ...] = ()
    adc_noise_lsb: int = ADC_NOISE_LSB

    def intercept_offset_db(self, f_mhz: float) -> float:
        """The intercept's offset (dB) at carrier `f_mhz` (0 without anchors)."""
        if not self.intercept_offsets_db:
            return 0.0
        fs = [math.log10(f) for f, _ in self.intercept_offsets_db]
        ds = [d for _, d in self.intercept_offsets_db]
        return float(np.interp(math.log10(f_mhz), fs, ds))


def esp_idf_characteristic_mv(counts, vref_mv: float) -> np.ndarray:
    """ESP-IDF's voltage (mV) for raw 12-bit `counts` at 11 dB, eFuse Vref `vref_mv`."""
    x = np.asarray(counts, dtype=float)
    linear = vref_mv * _LIN_SCALE / 4096.0 * x / 65536.0 + _LIN_OFFSET_MV
    lo, hi = np.asarray(_LUT_ADC1_LOW, float), np.asarray(_LUT_ADC1_HIGH, float)
    frac = (vref_mv - _LUT_VREF_LOW) / (_LUT_VREF_HIGH - _LUT_VREF_LOW)
    lut_pts = lo + (hi - lo) * frac
    grid = _LUT_LOW_THRESH + _LUT_STEP * np.arange(lut_pts.size)
    lut = np.interp(x, grid, lut_pts)
    # between the threshold and one step above it, blend the line into the table
    w = np.clip((x - _LUT_LOW_THRESH) / _LUT_STEP, 0.0, 1.0)
    return np.where(x < _LUT_LOW_THRESH, linear, (1.0 - w) * linear + w * lut)


_COUNTS = np.arange(ADC_MAX_COUNT + 1, dtype=float)


@functools.lru_cache(maxsize=16)
def _characteristic_table(vref_mv: float) -> np.ndarray:
    mv = np.maximum.accumulate(esp_idf_characteristic_mv(_COUNTS, vref_mv))  # monotonic
    mv.flags.writeable = False
    return mv


def esp_idf_counts(volts, vref_mv: float) -> np.ndarray:
    """Float counts 0..4095 a unit with eFuse Vref `vref_mv` converts `volts` to:
    0 at and below the 142 mV offset (the ADC's dead zone), 4095 at the top."""
    mv = _characteristic_table(float(vref_mv))
    return np.interp(np.asarray(volts, dtype=float) * 1000.0, mv, _COUNTS)


def parse_detector(doc: dict) -> DetectorUnit | None:
    """The ``[detector]`` section (None when absent: the nominal unit)."""
    if "detector" not in doc:
        return None
    raw = doc["detector"]
    if not isinstance(raw, dict):
        raise Bad("detector must be a table ([detector])")
    check_keys(
        raw, {"adc_law", "adc_vref_mv", "intercept_offsets_db", "adc_noise_lsb"}, "[detector]"
    )
    law = string(raw, "adc_law", "[detector]", "nominal")
    if law not in ADC_LAWS:
        raise Bad(f"[detector] adc_law must be one of {', '.join(ADC_LAWS)}, not {short(law)}")
    vref = number(raw, "adc_vref_mv", "[detector]", VREF_NOMINAL_MV)
    if not VREF_RANGE_MV[0] - 10 <= vref <= VREF_RANGE_MV[1] + 10:
        raise Bad(f"[detector] adc_vref_mv must be within 990..1210, not {vref:g}")
    anchors = raw.get("intercept_offsets_db", [])
    bad = (
        "[detector] intercept_offsets_db must be [[MHz, dB], ...] with rising MHz, "
        f"not {short(anchors)}"
    )
    if not isinstance(anchors, list):
        raise Bad(bad)
    pairs: list[tuple[float, float]] = []
    for a in anchors:
        if (
            not isinstance(a, list)
            or len(a) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in a)
            or not all(math.isfinite(v) for v in a)
            or not 1.0 <= a[0] <= 10000.0
            or abs(a[1]) > 20.0
            or (pairs and a[0] <= pairs[-1][0])
        ):
            raise Bad(bad)
        pairs.append((float(a[0]), float(a[1])))
    noise = number(raw, "adc_noise_lsb", "[detector]", ADC_NOISE_LSB)
    if noise != int(noise) or not 0 <= noise <= 50:
        raise Bad(f"[detector] adc_noise_lsb must be a whole number 0..50, not {noise:g}")
    return DetectorUnit(law, vref, tuple(pairs), int(noise))
