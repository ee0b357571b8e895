"""ADC counts -> millivolts -> dBm at the detector input.

Defaults come from the datasheets (the device reports them in INFO under
"calibration"); the hardware calibration procedure writes per-device values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Calibration:
    # ESP32 ADC, 11 dB attenuation: 12-bit full scale about 3.1 V, linear over
    # about 150-2450 mV (MicroPython esp32 quickref)
    adc_full_scale_mv: float = 3100.0
    adc_bits: int = 12
    # AD8318: -25 mV/dB, intercept about +20 dBm (datasheet; 0.5-2.1 V output)
    rf_slope_mv_per_db: float = -25.0
    rf_intercept_dbm: float = 20.0

    @classmethod
    def from_info(cls, info: dict[str, Any] | None) -> Calibration:
        cal = (info or {}).get("calibration") or {}
        kwargs = {k: float(cal[k]) for k in
                  ("adc_full_scale_mv", "rf_slope_mv_per_db", "rf_intercept_dbm") if k in cal}
        return cls(**kwargs)

    def counts_to_mv(self, counts: np.ndarray) -> np.ndarray:
        return np.asarray(counts, dtype=np.float64) * (self.adc_full_scale_mv
                                                       / ((1 << self.adc_bits) - 1))

    def rf_dbm(self, counts: np.ndarray) -> np.ndarray:
        """Detector input power in dBm for RF channel ADC counts.

        Examples
        --------
        >>> cal = Calibration()
        >>> [round(float(x), 1) for x in cal.rf_dbm([2642, 660])]
        [-60.0, 0.0]
        """
        return self.rf_intercept_dbm + self.counts_to_mv(counts) / self.rf_slope_mv_per_db
