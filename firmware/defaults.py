# Nominal device constants shared by every board layer (real and simulated) and
# by the host: the one definition, imported by the firmware as `defaults` and by
# the host as roomsweep.protocol.device_defaults (the simulator's fast path and the
# analyzer), like rsproto. Keep it free of I/O and of anything either interpreter
# lacks. Sources beside each; the calibration tool replaces CALIBRATION per device.

try:
    from micropython import const
except ImportError:  # CPython

    def const(value):  # type: ignore[misc]
        return value


# Sampling defaults (firmware/sampler.py): 8 kS/s per channel in blocks of 256.
DEFAULT_RATE_HZ = const(8000)
DEFAULT_BLOCK = const(256)

# Default LED modulation frequencies: each sits 25 Hz from every harmonic of 50 Hz
# mains flicker (100 Hz lines) and at least 25 Hz from every harmonic of 60 Hz
# (120 Hz lines), so a lock-in at these frequencies rejects both grids' lighting.
LED_DEFAULT_HZ = (1175, 1775, 2375)
# Radius of each group's LED ring around the photodiode, mm (docs/lens.md): a lens
# returns the inner ring's light far more than the outer ring's.
LED_RING_MM = (9, 20, 34)

# AD8318 datasheet: slope -25 mV/dB, intercept about +20 dBm (0.5-2.1 V output).
# ESP32 ADC1 at 11 dB attenuation (ATTN_11DB): the chip's own characteristic, the
# line ESP-IDF converts raw counts with (esp_adc_cal_esp32.c in v4.x,
# esp_adc/esp32/adc_cali_line_fitting.c in v5.x, characterize_using_vref): at the
# default Vref of 1100 mV, coeff_a = 1100 x adc1_vref_atten_scale[3] (196602) /
# 4096 = 52798 (integer division) and mV = coeff_a x count / 65536 +
# adc1_vref_atten_offset[3] (142), i.e. 142 mV + 52798 / 65536 = 0.8056335 mV per
# count (7 digits: what a single-precision float holds). Usable about 150-2450 mV
# (MicroPython esp32 quickref). adc_full_scale_mv is the older nominal line through
# zero (about 3.1 V at the top count, quickref; Espressif ADC docs), still sent for
# hosts that know only it; docs/protocol.md "The count -> dBm law".
CALIBRATION = {
    "source": "datasheet",
    "adc_offset_mv": 142,
    "adc_mv_per_count": 0.8056335,
    "adc_full_scale_mv": 3100,
    "adc_min_mv": 150,
    "adc_max_mv": 2450,
    "rf_slope_mv_per_db": -25.0,
    "rf_intercept_dbm": 20.0,
}

# The lens finder's automatic LED drive level (firmware/lens.py; mirrored block by
# block by the simulator's fast path, sim/optics.py auto_drive). The LED current is
# full / 2**level, level 0 .. DRIVE_LEVELS - 1.
DRIVE_LEVELS = const(8)
# ESP32 ADC at 11 dB is linear up to about 2450 mV (ref §2, CALIBRATION above): on
# the chip's characteristic (142 mV + 0.8056335 mV per count) that is count
# (2450 - 142) / 0.8056335 = 2865. Dimmer at or above it; brighter when twice the
# LED light would still stay under DRIVE_RAISE_BELOW, 2120 mV on the same line
# (2455). (On the older 3100 mV line these were 3236 and 2800: on a real chip
# 3236 is 2.75 V, past the linear range, and the photodiode's bottom clipped first.)
DRIVE_LOWER_AT = const(2865)
DRIVE_RAISE_BELOW = const(2455)
DRIVE_CALM_BLOCKS = const(4)  # about 0.13 s at the defaults before a brighter step

# The board layer (firmware/board.py, mirrored by the simulator's faithful
# profiles, sim/mpboard/esp32model.py; docs/protocol.md "Link budget").
# CPU clock set at boot: ESP32_GENERIC / _S3 start at 160 MHz, and the ADC
# driver's share of each read_u16() shrinks with the clock.
CPU_HZ = const(240000000)
# The stream leaves on machine.UART(LINK_UART) routed to the USB bridge's pins
# (board.py), not on the REPL's stdout: 921600 baud and an ESP-IDF TX ring buffer
# of LINK_TXBUF bytes that write() copies into without waiting.
LINK_UART = const(1)
LINK_BAUD = const(921600)
LINK_TXBUF = const(8192)
LINK_RXBUF = const(1024)
# The largest frame written in one go (SAMPLES at MAX_BLOCK 1024: 12 + 20 + 1536
# + 4 = 1572 bytes): the link is writable while this much still fits the ring.
LINK_FRAME_MAX = const(1600)
# LEDC timers: the S3 has 4 (machine_pwm.c, LEDC_SPEED_MODE_MAX x LEDC_TIMER_MAX),
# the three LED groups take three, so the buzzer and the LED current reference
# share the fourth at one fixed frequency (the reference's RC filter is two-pole,
# hardware/README.md). The buzzer's pitch never changes.
BUZZER_HZ = const(2700)
LED_DRIVE_HZ = const(2700)

# The switchable pad in front of the RF detector (auto-ranging, firmware/rfrange.py
# RfRange; its rule's thresholds are there, mirrored by the simulator's fast
# path, sim/ranging.py): the HMC624A digital step attenuator (hardware/README.md
# "Attenuator", BOM U3) with its 16 dB and 4 dB control bits tied to rf_attenuator:
# 16 + 4 = 20 dB relative to its reference (insertion-loss) state (HMC624A
# datasheet: 0.5 dB LSB, bits 0.5 .. 16 dB; the step's accuracy, a few tenths of
# a dB, is [unconf.]). The insertion loss is in the path in both states, so the
# calibration's intercept already holds it; the host adds the step back to the
# blocks taken with the pad in (analysis/rfrange.py, as device_defaults).
RF_PAD_DB = 20.0
# After a switch of the pad the detector's output steps by 20 dB x 25 mV = 0.5 V,
# and the 1 kohm x 39 nF video filter in front of the ADC (tau 39 us,
# hardware/README.md "Video / anti-alias filter"; the simulator's 40 us,
# sim/signals.py VIDEO_TAU_S) follows it to 0.1 dB (2.5 mV, 1/200 of the step) in
# ln(200) x 39 us = 207 us; the HMC624A itself switches in well under a
# microsecond (datasheet tON/tOFF, [unconf.]). The device samples on through it
# (firmware/rfrange.py): the RF samples taken within RF_SETTLE_US of a switch are
# settling, at most ceil(RF_SETTLE_US x rate / 1e6) + 1 at the start of the block
# after the switch (3 at 8 kS/s: its first sample may be up to a slot late), and
# the host masks them (docs/protocol.md, "The RF range"; analysis/rfrange.py
# settle_samples, Recording.rf_settling).
RF_SETTLE_US = const(210)
