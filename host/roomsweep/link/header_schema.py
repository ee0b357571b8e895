"""The types of a capture header's known fields, checked in one place.

A header whose CRC is right can still hold a `device` that is a list, a
`calibration` that is a string or waypoints that are not numbers: written by
another tool, by hand, or by a fuzzer. `check_header` is called by
`roomsweep.link.capture.read_header` (every reader of a capture goes through it)
and by `CaptureWriter` (no recorder writes a header it could not read back);
`check_info` also checks a device INFO object found among the frames. Each
failure is one `CaptureFormatError` naming the field, so every command says one
line instead of a traceback, and the code after the reader can trust the types.

Unknown keys are ignored (docs/capture-format.md: readers must ignore keys they
do not know); a known key may be absent or null unless said otherwise. The
room's plan (`plan`, and the places older captures kept waypoints and sweep)
follows `roomsweep.protocol.plan`, whose reader is checked against every place
present, not only the one it would read.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from roomsweep.errors import CalibrationFileError, CaptureFormatError
from roomsweep.protocol.plan import PLACES, read_plan
from roomsweep.protocol.settings import settings_values

MAX_ADC_BITS = 16
DEFAULT_RATE_HZ = 8000.0  # INFO's rate_hz when absent (protocol.md)
# a room's plan is in metres: a coordinate beyond this is no room (and 1e30 next to
# 1.5 leaves a figure's transform singular)
MAX_PLAN_M = 1000.0


class _Invalid(ValueError):
    """A field of the wrong type or value: the message names it."""


def _what(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number" if math.isfinite(value) else f"{value}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _fail(name: str, expected: str, value: Any) -> _Invalid:
    return _Invalid(f"{name} must be {expected}, not {_what(value)}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _number(
    d: dict[str, Any],
    key: str,
    name: str,
    *,
    positive: bool = False,
    nonzero: bool = False,
    required: bool = False,
) -> None:
    v = d.get(key)
    if v is None and not required:
        return
    if not _is_number(v):
        raise _fail(f"{name}.{key}", "a finite number", v)
    assert v is not None
    if positive and v <= 0:
        raise _Invalid(f"{name}.{key} must be positive, not {v}")
    if nonzero and v == 0:
        raise _Invalid(f"{name}.{key} must not be 0")


def _integer(d: dict[str, Any], key: str, name: str, lo: int = 0, hi: int | None = None) -> None:
    v = d.get(key)
    if v is None:
        return
    if not isinstance(v, int) or isinstance(v, bool):
        raise _fail(f"{name}.{key}", "a whole number", v)
    if v < lo or (hi is not None and v > hi):
        raise _Invalid(f"{name}.{key} must be between {lo} and {hi}, not {v}")


def _string(d: dict[str, Any], key: str, name: str) -> None:
    v = d.get(key)
    if v is not None and not isinstance(v, str):
        raise _fail(f"{name}.{key}", "a string", v)


def _boolean(d: dict[str, Any], key: str, name: str, numbers_too: bool = False) -> None:
    v = d.get(key)
    if v is None or isinstance(v, bool) or (numbers_too and _is_number(v)):
        return
    raise _fail(f"{name}.{key}", "true or false", v)


def _object(d: dict[str, Any], key: str, name: str) -> dict[str, Any] | None:
    v = d.get(key)
    if v is None:
        return None
    if not isinstance(v, dict):
        raise _fail(f"{name}.{key}", "an object", v)
    return v


def _list_of(d: dict[str, Any], key: str, name: str, item: Callable[[Any, str], None]) -> None:
    v = d.get(key)
    if v is None:
        return
    if not isinstance(v, list):
        raise _fail(f"{name}.{key}", "a list", v)
    for i, x in enumerate(v):
        item(x, f"{name}.{key}[{i}]")


def _an_object(x: Any, name: str) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise _fail(name, "an object", x)
    return x


def _a_pair(x: Any, name: str) -> None:
    if not (isinstance(x, list) and len(x) == 2 and all(map(_is_number, x))):
        raise _fail(name, "a pair of finite numbers", x)


# --- the device's INFO (docs/protocol.md) ----------------------------------------------


def _channel(x: Any, name: str) -> None:
    c = _an_object(x, name)
    _string(c, "name", name)
    _integer(c, "pin", name)
    _integer(c, "id", name)


def _led(x: Any, name: str) -> None:
    g = _an_object(x, name)
    _number(g, "hz", name, required=True)  # the lens finder demodulates every group at it
    _number(g, "duty_permille", name)
    _boolean(g, "on", name, numbers_too=True)


def _led_hz(hz: float, rate_hz: float, name: str) -> None:
    """A group's modulation frequency the lock-in can demodulate: above 0 and
    below half the sample rate (protocol.md, CONFIGURE `led<N>_hz`)."""
    if not 0 < hz < rate_hz / 2:
        raise _Invalid(
            f"{name} must be above 0 and below half the sample rate "
            f"({rate_hz / 2:g} Hz), not {hz:g}"
        )


def _rate(info: dict[str, Any]) -> float:
    """The sample rate INFO states (its default when absent, protocol.md)."""
    rate = info.get("rate_hz")
    return float(rate) if rate is not None and _is_number(rate) else DEFAULT_RATE_HZ


def _leds(d: dict[str, Any], name: str) -> None:
    _list_of(d, "leds", name, _led)
    for i, g in enumerate(d.get("leds") or []):
        _led_hz(g["hz"], _rate(d), f"{name}.leds[{i}].hz")


def _settings_leds(h: dict[str, Any], name: str) -> None:
    """Every LED group as a reader takes it, INFO's `leds` with the header's
    `settings` (the CONFIGURE text: `rate`, `led<N>_hz`) applied over them."""
    device: dict[str, Any] = h["device"] if isinstance(h.get("device"), dict) else {}
    values = settings_values(h.get("settings"))  # what is not a number: readers ignore it
    rate = float(values.get("rate", _rate(device)))
    for key, hz in values.items():
        if key.startswith("led") and key.endswith("_hz"):
            _led_hz(hz, rate, f"{name}.settings {key}")
    if "rate" in values:  # INFO's groups, checked above at INFO's rate, at this one
        for i, g in enumerate(device.get("leds") or []):
            if f"led{i}_hz" not in values:
                _led_hz(g["hz"], rate, f"{name}.device.leds[{i}].hz (settings {values['rate']})")


def _band(x: Any, name: str) -> None:
    b = _an_object(x, name)
    _number(b, "band_mhz", name, positive=True, required=True)
    _number(b, "slope_mv_per_db", name, nonzero=True, required=True)
    _number(b, "intercept_dbm", name, required=True)


def check_calibration(cal: Any, name: str = "calibration") -> None:
    """A calibration object as `roomsweep.protocol.calibration.Calibration.from_dict`
    reads it: numbers where it takes numbers, a slope it can divide by."""
    c = _an_object(cal, name)
    _number(c, "adc_offset_mv", name)
    _number(c, "adc_mv_per_count", name, positive=True)
    _number(c, "adc_full_scale_mv", name, positive=True)
    _number(c, "adc_min_mv", name)
    _number(c, "adc_max_mv", name)
    _integer(c, "adc_bits", name, 1, MAX_ADC_BITS)
    _number(c, "rf_slope_mv_per_db", name, nonzero=True)
    _number(c, "rf_intercept_dbm", name)
    _string(c, "source", name)
    _string(c, "device", name)
    _list_of(c, "rf_bands", name, _band)
    _list_of(c, "adc_table", name, _a_pair)
    counts = [p[0] for p in c.get("adc_table") or []]
    if len(set(counts)) != len(counts):
        raise _Invalid(f"{name}.adc_table has a count twice")
    pd = _object(c, "photodiode", name)
    if pd is not None:
        _number(pd, "dark_mv", f"{name}.photodiode")
        _number(pd, "gain", f"{name}.photodiode")


def check_calibration_file(data: Any, where: str) -> None:
    """The contents of a calibration file (roomsweep calibrate): the calibration
    object's types, as in INFO; CalibrationFileError naming `where` otherwise."""
    try:
        check_calibration(data, "calibration")
    except _Invalid as e:
        raise CalibrationFileError(f"{where}: {e}") from None


def _info(info: Any, name: str) -> None:
    d = _an_object(info, name)
    _string(d, "firmware", name)
    _string(d, "board", name)
    _boolean(d, "simulated", name)
    _integer(d, "protocol", name)
    _number(d, "rate_hz", name, positive=True)
    _integer(d, "block", name)
    _list_of(d, "channels", name, _channel)
    _leds(d, name)
    _object(d, "lens", name)
    if d.get("calibration") is not None:
        check_calibration(d["calibration"], f"{name}.calibration")


def check_info(info: Any, where: str, name: str = "INFO") -> None:
    """A device INFO object (from the header or an INFO frame); CaptureFormatError
    naming `where` and the field when a known field has the wrong type."""
    try:
        _info(info, name)
    except _Invalid as e:
        raise CaptureFormatError(f"{where}: {e}") from None


# --- the header (docs/capture-format.md) -------------------------------------------


def _header(h: dict[str, Any], where: str) -> None:
    name = "header"
    for key in ("format", "created_utc", "port", "notes", "settings"):
        _string(h, key, name)
    _number(h, "created_unix", name)
    _integer(h, "restarts", name)
    if h.get("device") is not None:
        _info(h["device"], f"{name}.device")
    _settings_leds(h, name)
    sim = _object(h, "simulation", name)
    if sim is not None:
        _string(sim, "scenario", f"{name}.simulation")
        _string(sim, "scenario_source", f"{name}.simulation")
        _integer(sim, "seed", f"{name}.simulation")
        _integer(sim, "baud", f"{name}.simulation")
    _object(h, "plan", name)
    # every place of the room's plan, each as the plan's reader would read it
    for places in PLACES.values():
        for place in places:
            section, _, key = place.rpartition(".")
            holder = h.get(section) if section else h
            if isinstance(holder, dict) and holder.get(key):
                only = {section: {key: holder[key]}} if section else {key: holder[key]}
                plan = read_plan(only, where)
                points = [*(plan.waypoints or {}).values(), *(plan.outline or [])]
                if any(abs(v) > MAX_PLAN_M for p in points for v in p):
                    raise _Invalid(f"{place} has a coordinate beyond {MAX_PLAN_M:g} m")


def check_header(header: Any, where: str) -> None:
    """A capture header: a JSON object whose known fields have the types the
    readers use; CaptureFormatError (one line, naming `where` and the field)
    otherwise."""
    if not isinstance(header, dict):
        raise CaptureFormatError(f"{where}: header is not a JSON object")
    try:
        _header(header, where)
    except _Invalid as e:
        raise CaptureFormatError(f"{where}: {e}") from None
