"""One pin map: hardware/pins.toml is the source, firmware/pins.py its copy."""

from __future__ import annotations

import copy
from pathlib import Path

from roomsweep.tools import pinmap

ROOT = Path(__file__).resolve().parent.parent
PINS_TOML = ROOT / "hardware" / "pins.toml"


def test_firmware_pins_module_is_generated_from_the_toml():
    expected = pinmap.render_firmware_module(pinmap.load(PINS_TOML))
    assert (ROOT / "firmware" / "pins.py").read_text() == expected, "run `make pins`"


def test_pin_map_obeys_the_chip_rules():
    assert pinmap.check(pinmap.load(PINS_TOML)) == []


def test_both_board_profiles_exist_with_analog_inputs_on_adc1():
    pm = pinmap.load(PINS_TOML)
    assert set(pm["boards"]) == {"esp32-devkitc", "esp32-s3-devkitc"}
    for board in pm["boards"].values():
        adc1 = pm["chips"][board["chip"]]["adc1"]
        assert board["rf_adc"] in adc1 and board["pd_adc"] in adc1


def test_checker_catches_each_kind_of_mistake():
    pm = pinmap.load(PINS_TOML)
    cases = {
        ("rf_adc", 25): "not an ADC1 pin",  # ADC2: unusable while Wi-Fi runs
        ("button", 0): "strapping pin",
        ("status_led", 34): "input-only",
        ("buzzer", 35): "used by both",
        ("rf_attenuator", 6): "reserved pin",
    }
    for (role, pin), words in cases.items():
        broken = copy.deepcopy(pm)
        broken["boards"]["esp32-devkitc"][role] = pin
        problems = pinmap.check(broken)
        assert any(words in p for p in problems), (role, pin, problems)
