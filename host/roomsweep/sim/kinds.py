"""Emitter kinds: each kind's parameters with their defaults, and their checks
(`check_params`). The keys are documented in docs/scenarios.md; each kind's
default carrier and typical EIRP are in scenario.py (DEFAULT_BAND_MHZ,
TYPICAL_EIRP_DBM)."""

from __future__ import annotations

import math
from typing import Any

from roomsweep.sim.tomlcheck import Bad, short
from roomsweep.sim.wifi_video import check_video

# Emitter kinds and their parameters with defaults (None = optional, no default).
# The envelope each kind produces and the sources of the numbers are in signals.py.
KIND_PARAMS: dict[str, dict[str, Any]] = {
    # group_frames > 0: only burst_frames consecutive frames of every group_frames
    # (an idle handset's signalling: e.g. 4 frames every 51-frame control
    # multiframe, 235 ms; 3GPP TS 45.002 clause 7)
    "gsm": {
        "frame_us": 120000.0 / 26.0,
        "slot_us": 577.0,
        "idle_frame": True,
        "group_frames": 0.0,
        "burst_frames": 1.0,
        # power control, 2 dB steps per pc_period_ms [480] (sim/power_control.py)
        "pc_range_db": None,
        "pc_period_ms": None,
        "dtx": None,  # bool: discontinuous transmission, SACCH + SID frames only
        "clock_ppm": 0.0,  # its frames on the detector's clock, + long (signals.py)
    },
    "dect": {"frame_ms": 10.0, "slot_us": 417.0, "clock_ppm": 0.0},
    "wifi_ap": {
        "beacon_interval_tu": 100.0,
        "beacon_ms": 1.5,
        "jitter_ms": 0.5,
        "data_rate_hz": 5.0,
        "data_ms_max": 1.5,
    },
    "wifi_camera": {
        "duty": None,
        "duty_min": 0.2,
        "duty_max": 0.6,
        "burst_min_ms": 0.2,
        "burst_max_ms": 2.0,
        # with phy_mbps: video frames sent as clusters of PPDUs (signals.py)
        "phy_mbps": None,
        "bitrate_kbps": None,
        "fps": None,
        "gop_s": None,
        "iframe_x": None,
        "ampdu_mpdus": None,
        "mpdu_bytes": None,
    },
    "ble": {
        "interval_ms": 100.0,
        "adv_delay_ms": 10.0,
        "pdus": 3,
        "pdu_ms": 0.3,
        "pdu_spacing_ms": 0.4,
    },
    "bt_classic": {"occupancy": 0.3, "burst_us": 366.0, "clock_ppm": 0.0},
    # pc_range_db: each scheduled subframe eirp_dbm - U(0, pc_range_db) (signals.py)
    "lte": {"load": 0.3, "pc_range_db": None, "clock_ppm": 0.0},
    "analog_video": {},
}
EMITTER_KINDS = tuple(sorted(KIND_PARAMS))

_FRACTION_PARAMS = {"duty", "duty_min", "duty_max", "occupancy", "load"}
_BOOL_PARAMS = {"dtx"}  # booleans without a default
# Signed: how much longer (+) or shorter (-) than nominal a transmitter's frame
# lasts on the detector's sample clock, in parts per million (its clock slower
# or faster than the ESP32's); crystals are specified to tens of ppm, so 1000 is
# far beyond any (a typo, not a clock)
_SIGNED_PARAMS = {"clock_ppm": 1000.0}


def check_params(kind: str, given: dict, where: str = "emitter") -> dict:
    """The kind's parameters: defaults updated with `given`, checked."""
    spec = KIND_PARAMS[kind]
    out = {k: v for k, v in spec.items() if v is not None}
    for key, value in given.items():
        if key not in spec:
            known = ", ".join(spec) or "none"
            raise Bad(f"{where}: unknown {kind} parameter {key!r} (known: {known})")
        default = spec[key]
        if isinstance(default, bool) or key in _BOOL_PARAMS:
            if not isinstance(value, bool):
                raise Bad(f"{where}: parameter {key} must be true or false")
        elif key in _SIGNED_PARAMS:
            bound = _SIGNED_PARAMS[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or abs(value) > bound
            ):
                raise Bad(
                    f"{where}: parameter {key} must be a number from {-bound:g} to {bound:g},"
                    f" not {short(value)}"
                )
        elif (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
        ):
            raise Bad(
                f"{where}: parameter {key} must be a non-negative number, not {short(value)}"
            )
        elif key in _FRACTION_PARAMS and value > 1:
            raise Bad(f"{where}: parameter {key} must be between 0 and 1, not {short(value)}")
        out[key] = value
    if kind == "wifi_camera":
        lo, hi = (
            (out["duty"], out["duty"]) if "duty" in out else (out["duty_min"], out["duty_max"])
        )
        if not 0 < lo <= hi:
            raise Bad(f"{where}: wifi_camera duty must satisfy 0 < duty_min <= duty_max")
        if not 0 < out["burst_min_ms"] <= out["burst_max_ms"] <= 50:
            raise Bad(f"{where}: wifi_camera needs 0 < burst_min_ms <= burst_max_ms <= 50")
        check_video(out, where)
    elif kind == "ble":
        if out["pdus"] != int(out["pdus"]) or not 1 <= out["pdus"] <= 3:
            raise Bad(f"{where}: ble pdus must be 1, 2 or 3")
        event_ms = (out["pdus"] - 1) * out["pdu_spacing_ms"] + out["pdu_ms"]
        if (
            out["interval_ms"] < 5
            or event_ms >= out["interval_ms"]
            or out["pdu_ms"] > out["pdu_spacing_ms"]
        ):
            raise Bad(
                f"{where}: ble timing does not fit (interval_ms >= 5, "
                f"pdu_ms <= pdu_spacing_ms, event shorter than the interval)"
            )
    elif kind == "gsm":
        if not 0 < out["slot_us"] < out["frame_us"] <= 100000:
            raise Bad(f"{where}: gsm needs 0 < slot_us < frame_us")
        if out.get("pc_range_db", 0) > 40 or not 10 <= out.get("pc_period_ms", 480) <= 10000:
            raise Bad(f"{where}: gsm needs pc_range_db <= 40 and pc_period_ms in 10..10000")
    elif kind == "lte":
        if out.get("pc_range_db", 0) > 60:
            raise Bad(f"{where}: lte pc_range_db must be at most 60")
    elif kind == "dect":
        if not 0 < out["slot_us"] < out["frame_ms"] * 1000 <= 100000:
            raise Bad(f"{where}: dect needs 0 < slot_us < frame_ms (<= 100 ms)")
    elif kind == "wifi_ap":
        if (
            not 0 < out["beacon_ms"] < out["beacon_interval_tu"] * 1.024
            or out["beacon_interval_tu"] > 10000
            or out["data_ms_max"] > 50
            or out["jitter_ms"] > 50
        ):
            raise Bad(
                f"{where}: wifi_ap timing does not fit (0 < beacon_ms < interval, "
                f"interval <= 10000 TU, data_ms_max and jitter_ms <= 50)"
            )
    elif kind == "bt_classic":
        if not 0 < out["burst_us"] <= 625:
            raise Bad(f"{where}: bt_classic burst_us must be in (0, 625]")
    return out
