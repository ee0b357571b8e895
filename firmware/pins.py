# Generated from hardware/pins.toml by `make pins`: do not edit by hand.
# tests/test_pins.py fails when this file and the TOML disagree.

BOARDS = {  # type: dict
    'esp32-devkitc': {
        'rf_adc': 34,
        'pd_adc': 35,
        'battery_adc': 36,
        'button': 4,
        'status_led': 19,
        'buzzer': 23,
        'rf_attenuator': 21,
        'led_drive': 22,
        'led_groups': (25, 26, 27),
    },
    'esp32-s3-devkitc': {
        'rf_adc': 1,
        'pd_adc': 2,
        'battery_adc': 4,
        'button': 16,
        'status_led': 15,
        'buzzer': 14,
        'rf_attenuator': 17,
        'led_drive': 18,
        'led_groups': (11, 12, 13),
    },
}
DEFAULT_BOARD = 'esp32-devkitc'
