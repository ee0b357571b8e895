"""The capture header's `settings` (the CONFIGURE text, docs/capture-format.md):
one parser, so that the header's check sees the LED groups the analysis takes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from roomsweep.analysis.recording import _leds
from roomsweep.protocol.settings import settings_values

INFO = {"leds": [{"hz": 1175, "duty_permille": 0}, {"hz": 1775, "duty_permille": 500}]}


def _groups(settings: str) -> tuple[tuple[float, ...], tuple[bool, ...]]:
    return _leds(SimpleNamespace(device_info=INFO, header={"settings": settings}))


def test_settings_values():
    assert settings_values(None) == settings_values("") == {}
    assert settings_values("rate=10000 led0_hz=1500.5 bogus =3 led1_on=x") == {
        "rate": 10000,
        "led0_hz": 1500.5,
        "": 3,
    }
    assert settings_values("led0_hz=2000 led0_hz=x led0_hz") == {"led0_hz": 2000}
    assert settings_values("led0_hz=2000 led0_hz=2500") == {"led0_hz": 2500}


@pytest.mark.parametrize(
    "settings, groups",
    [
        ("", ((1175.0, 1775.0), (False, True))),
        ("led0_duty=500 led1_on=0 led0_hz=1500", ((1500.0, 1775.0), (True, False))),
        ("led0_hz=2000 led0_hz=x led0_duty=500 led0_duty=y", ((2000.0, 1775.0), (True, True))),
        ("led0_duty=500.0 led1_on=0.0 led2_hz=3000", ((1175.0, 1775.0), (False, True))),
    ],
)
def test_the_analysis_takes_the_groups_the_header_check_sees(settings, groups):
    assert _groups(settings) == groups
