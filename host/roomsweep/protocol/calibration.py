"""ADC counts -> millivolts -> dBm at the detector input.

Defaults come from the datasheets (the device reports them in INFO under
"calibration"); the hardware calibration procedure (`roomsweep.tools.calibrate`,
docs/calibration.md) measures per-device values and writes them to a JSON file
that `Calibration.load` reads:

- ``adc_table``: ADC nonlinearity correction, (12-bit count, mV) pairs measured
  against the chip's eFuse-calibrated ``ADC.read_uv()``; between pairs the
  correction is linear, beyond the ends it continues the end segments;
- ``rf_bands``: detector slope and intercept per carrier band (the AD8318's
  intercept moves with frequency); the top-level slope/intercept are the default
  band's;
- ``pd_dark_mv`` / ``pd_gain``: photodiode channel dark offset and gain.

The law (docs/protocol.md, "The count -> dBm law"): counts -> mV by the table
when it has two or more pairs, else by the line adc_offset_mv + count x
adc_mv_per_count, by default the ESP32's own characteristic (ESP-IDF, ADC1 at
11 dB, default Vref 1100 mV: 142 mV + 0.8056 mV per count); then
dBm = intercept + mV / slope. An INFO or file that gives neither adc_offset_mv
nor adc_mv_per_count but adc_full_scale_mv (firmware before these keys, writers
following the older docs) keeps the older nominal line through zero,
count x adc_full_scale_mv / (2**adc_bits - 1), so its levels do not change.
The keys read from INFO's "calibration" object, or a file, are `from_dict`'s,
each listed with its unit and default in docs/protocol.md (tests/test_format_docs.py).
"""

from __future__ import annotations

import json
import math
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.errors import CalibrationFileError

FILE_FORMAT = "roomsweep-calibration"
FILE_VERSION = 1

# The ESP32's ADC1 at 11 dB attenuation (MicroPython's ATTN_11DB), the line ESP-IDF
# converts raw counts with (esp_adc_cal_esp32.c in v4.x, esp_adc/esp32/
# adc_cali_line_fitting.c in v5.x, characterize_using_vref and
# calculate_voltage_linear) at the default Vref of 1100 mV:
# coeff_a = 1100 x adc1_vref_atten_scale[3] (196602) / 4096 = 52798 (integer
# division), mV = coeff_a x count / 65536 + adc1_vref_atten_offset[3] (142).
# As firmware/defaults.py CALIBRATION sends them (tests/test_calibration.py).
ADC_OFFSET_MV = 142.0
ADC_MV_PER_COUNT = 0.8056335  # 52798 / 65536 = 0.80563354..., 7 digits
# The older nominal line through zero (about 3.1 V at the top count, MicroPython
# esp32 quickref): what a calibration without the two keys above keeps meaning.
NOMINAL_FULL_SCALE_MV = 3100.0


@dataclass(frozen=True)
class BandCalibration:
    """Detector law for one carrier band: mV = slope * (dBm - intercept)."""

    band_mhz: float
    slope_mv_per_db: float
    intercept_dbm: float

    def to_dict(self) -> dict[str, float]:
        return {
            "band_mhz": self.band_mhz,
            "slope_mv_per_db": self.slope_mv_per_db,
            "intercept_dbm": self.intercept_dbm,
        }


@dataclass(frozen=True)
class Calibration:
    # ESP32 ADC, 11 dB attenuation: mV = adc_offset_mv + count x adc_mv_per_count,
    # the chip's characteristic at the default Vref (ADC_OFFSET_MV above, sources
    # there). A unit's eFuse Vref (1000-1200 mV) moves the slope by up to +-9 %:
    # `roomsweep calibrate --efuse` measures the unit's own (docs/calibration.md).
    adc_offset_mv: float = ADC_OFFSET_MV
    adc_mv_per_count: float = ADC_MV_PER_COUNT
    adc_bits: int = 12
    # AD8318: -25 mV/dB, intercept about +20 dBm (datasheet; 0.5-2.1 V output)
    rf_slope_mv_per_db: float = -25.0
    rf_intercept_dbm: float = 20.0
    # per-device values written by the calibration procedure (empty: not measured)
    rf_bands: tuple[BandCalibration, ...] = ()
    adc_table: tuple[tuple[float, float], ...] = ()  # (count, mV), counts ascending
    pd_dark_mv: float | None = None
    pd_gain: float | None = None  # lock-in amplitude (mV) per unit of reference target
    source: str = "datasheet"
    device: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    # --- construction ------------------------------------------------------------------

    @classmethod
    def from_info(cls, info: dict[str, Any] | None) -> Calibration:
        """From a device INFO record (its "calibration" object)."""
        return cls.from_dict((info or {}).get("calibration") or {})

    @classmethod
    def nominal_line(
        cls, full_scale_mv: float = NOMINAL_FULL_SCALE_MV, bits: int = 12
    ) -> Calibration:
        """The older law: a line through zero, the top count at `full_scale_mv`."""
        return cls(
            adc_offset_mv=0.0, adc_mv_per_count=full_scale_mv / ((1 << bits) - 1), adc_bits=bits
        )

    @classmethod
    def from_dict(cls, cal: dict[str, Any]) -> Calibration:
        """From INFO's "calibration" object or a calibration file. The ADC line:
        adc_offset_mv / adc_mv_per_count when either is given (the other at the
        chip's figure); else, given adc_full_scale_mv, the older line through zero
        (count x adc_full_scale_mv / (2**adc_bits - 1), as before these keys); else
        the chip's characteristic."""
        kwargs: dict[str, Any] = {
            k: float(cal[k]) for k in ("rf_slope_mv_per_db", "rf_intercept_dbm") if k in cal
        }
        if "adc_bits" in cal:
            kwargs["adc_bits"] = int(cal["adc_bits"])
        if "adc_offset_mv" in cal or "adc_mv_per_count" in cal:
            kwargs["adc_offset_mv"] = float(cal.get("adc_offset_mv", ADC_OFFSET_MV))
            kwargs["adc_mv_per_count"] = float(cal.get("adc_mv_per_count", ADC_MV_PER_COUNT))
        elif "adc_full_scale_mv" in cal:
            top = (1 << kwargs.get("adc_bits", 12)) - 1
            kwargs["adc_offset_mv"] = 0.0
            kwargs["adc_mv_per_count"] = float(cal["adc_full_scale_mv"]) / top
        bands = cal.get("rf_bands") or []
        kwargs["rf_bands"] = tuple(
            BandCalibration(
                float(b["band_mhz"]), float(b["slope_mv_per_db"]), float(b["intercept_dbm"])
            )
            for b in bands
        )
        table = cal.get("adc_table") or []
        kwargs["adc_table"] = tuple(sorted((float(c), float(mv)) for c, mv in table))
        pd = cal.get("photodiode") or {}
        if pd.get("dark_mv") is not None:
            kwargs["pd_dark_mv"] = float(pd["dark_mv"])
        if pd.get("gain") is not None:
            kwargs["pd_gain"] = float(pd["gain"])
        if "source" in cal:
            kwargs["source"] = str(cal["source"])
        if "device" in cal:
            kwargs["device"] = str(cal["device"])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "source": self.source,
            "device": self.device,
            "adc_offset_mv": self.adc_offset_mv,
            "adc_mv_per_count": self.adc_mv_per_count,
            "adc_bits": self.adc_bits,
            "rf_slope_mv_per_db": self.rf_slope_mv_per_db,
            "rf_intercept_dbm": self.rf_intercept_dbm,
            "rf_bands": [b.to_dict() for b in self.rf_bands],
            "adc_table": [[c, mv] for c, mv in self.adc_table],
            "photodiode": {"dark_mv": self.pd_dark_mv, "gain": self.pd_gain},
        }
        out.update(self.extra)
        return out

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        """Read a per-device calibration file written by `save`."""

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as e:
            raise CalibrationFileError(
                f"cannot read calibration file {path}: {e.strerror or e}"
            ) from None
        except UnicodeDecodeError:
            raise CalibrationFileError(
                f"{path}: not a calibration file (not UTF-8 text; a calibration file is JSON)"
            ) from None
        except ValueError as e:
            raise CalibrationFileError(f"{path}: not a calibration file (not JSON: {e})") from None
        if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
            raise CalibrationFileError(f"{path} is not a roomsweep calibration file")
        version = data.get("version", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise CalibrationFileError(f"{path}: version must be a whole number")
        if version > FILE_VERSION:
            raise CalibrationFileError(
                f"{path}: calibration file version {data['version']} "
                f"is newer than this roomsweep ({FILE_VERSION})"
            )
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        """Write the file whole (a temporary file renamed into place); a file that
        cannot be written is a CalibrationFileError naming it, the temporary file removed."""
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        try:
            tmp.write_text(
                json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            tmp.replace(p)
        except OSError as e:
            with suppress(OSError):
                tmp.unlink()
            raise CalibrationFileError(
                f"cannot write the calibration file {p}: {e.strerror or e}"
            ) from None

    # --- conversions -------------------------------------------------------------------

    @property
    def max_count(self) -> int:
        return (1 << self.adc_bits) - 1

    def counts_to_mv(self, counts: np.ndarray) -> np.ndarray:
        """ADC counts to millivolts at the pin: the eFuse-derived table if measured,
        else the line adc_offset_mv + count x adc_mv_per_count."""
        c = np.asarray(counts, dtype=np.float64)
        if len(self.adc_table) < 2:
            return self.adc_offset_mv + c * self.adc_mv_per_count
        xs = np.array([t[0] for t in self.adc_table])
        ys = np.array([t[1] for t in self.adc_table])
        mv = np.interp(c, xs, ys)
        lo_slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
        hi_slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
        mv = np.where(c < xs[0], ys[0] + (c - xs[0]) * lo_slope, mv)
        return np.where(c > xs[-1], ys[-1] + (c - xs[-1]) * hi_slope, mv)

    def band(self, band_mhz: float | None) -> BandCalibration:
        """The detector law for `band_mhz`: the measured band nearest in log
        frequency, or the default slope/intercept when none was measured."""
        if band_mhz is None or not self.rf_bands:
            return BandCalibration(float("nan"), self.rf_slope_mv_per_db, self.rf_intercept_dbm)
        return min(self.rf_bands, key=lambda b: abs(math.log(b.band_mhz) - math.log(band_mhz)))

    def rf_dbm(self, counts: np.ndarray, band_mhz: float | None = None) -> np.ndarray:
        """Detector input power in dBm for RF channel ADC counts.

        Examples
        --------
        >>> cal = Calibration()
        >>> [round(float(x), 1) for x in cal.rf_dbm([2306, 444])]
        [-60.0, 0.0]
        """
        b = self.band(band_mhz)
        return b.intercept_dbm + self.counts_to_mv(counts) / b.slope_mv_per_db

    def pd_mv(self, counts: np.ndarray) -> np.ndarray:
        """Photodiode channel above its dark offset, in mV (offset 0 if not measured)."""
        return self.counts_to_mv(counts) - (self.pd_dark_mv or 0.0)
