# Nominal device constants shared by every board layer (real and simulated).
# Sources beside each; the calibration tool replaces CALIBRATION per device.

# Default LED modulation frequencies: each sits 25 Hz from every harmonic of 50 Hz
# mains flicker (100 Hz lines) and at least 25 Hz from every harmonic of 60 Hz
# (120 Hz lines), so a lock-in at these frequencies rejects both grids' lighting.
LED_DEFAULT_HZ = (1175, 1775, 2375)
# Radius of each group's LED ring around the photodiode, mm (docs/lens.md): a lens
# returns the inner ring's light far more than the outer ring's.
LED_RING_MM = (9, 20, 34)

# AD8318 datasheet: slope -25 mV/dB, intercept about +20 dBm (0.5-2.1 V output).
# ESP32 ADC at 11 dB attenuation: about 150-2450 mV usable, about 3.1 V at full
# scale (MicroPython esp32 quickref; Espressif ADC docs).
CALIBRATION = {
    "source": "datasheet",
    "adc_full_scale_mv": 3100,
    "adc_min_mv": 150,
    "adc_max_mv": 2450,
    "rf_slope_mv_per_db": -25.0,
    "rf_intercept_dbm": 20.0,
}
