"""A finding's evidence as a person reads it: sentences and small tables.

One formatter for every output that shows evidence (the HTML report, and plain
text): `describe(finding)` turns the evidence (docs/findings.md) into a list of
`Sentence` and `Table` items, keys people know said in words, numbers with their
units, yes/no instead of True/False, a per-waypoint RSSI as a two-column table,
a lens finding's glints as a table. Keys this module does not know yet still
show, named in words (``burst_rate_hz`` -> "burst rate (Hz)").

The items hold the text as it came (SSIDs, waypoint names, reasons): each
medium cleans it with its own `roomsweep.protocol.untrusted` function
(`as_text` uses `printable`; the report uses `html_text`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from roomsweep.analysis.classifiers import BY_NAME, CLASSIFIERS
from roomsweep.analysis.inroom import scan_alone
from roomsweep.protocol.untrusted import printable

# A line "is" a frame rate's n-th harmonic within 2 % of n (the envelope spectrum's
# bins over 1.5 s are 0.7 Hz apart; clocks drift far less), up to the 5th.
LINE_MATCH = 0.02
LINE_HARMONICS = 5

# human names of the classifier classes (scores tables, sentences)
CLASS_NAMES = {
    "gsm": "GSM",
    "dect": "DECT",
    "wifi_ap": "Wi-Fi access point",
    "wifi_camera": "Wi-Fi camera",
    "ble": "BLE",
    "bt_classic": "Bluetooth classic",
    "lte": "LTE",
    "analog_video": "analog video",
    "unknown_periodic": "unknown periodic",
    "camera_lens": "camera lens",
    "tracker": "BLE tracker",
    "camera_ap": "camera access point",
    "ble_camera": "BLE camera",
}


def short_name(finding: dict[str, Any]) -> str:
    """A finding's kind in a few words, for legends: "Wi-Fi camera", "GSM"."""
    cls = str(finding.get("class") or "")
    return CLASS_NAMES.get(cls) or str(finding.get("title") or cls or "finding")


# units by key suffix, for keys without a sentence of their own
_UNITS = {
    "_ms": "ms",
    "_s": "s",
    "_hz": "Hz",
    "_db": "dB",
    "_dbm": "dBm",
    "_m": "m",
}


@dataclass
class Sentence:
    text: str


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


Item = Sentence | Table


def value_text(value: Any) -> str:
    """One value in words: yes/no, numbers without float noise, lists joined."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{key_text(k)} {value_text(v)}" for k, v in value.items())
    return str(value)


def key_text(key: str) -> str:
    """``burst_rate_hz`` -> "burst rate (Hz)"."""
    key = str(key)
    for suffix, unit in _UNITS.items():
        if key.endswith(suffix) and len(key) > len(suffix):
            return f"{key[: -len(suffix)].replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


def _num(value: Any, fmt: str) -> str | None:
    return format(value, fmt) if isinstance(value, (int, float)) and value is not True else None


def _class(name: Any) -> str:
    return CLASS_NAMES.get(str(name), str(name).replace("_", " "))


def _frame_rate_of(hz: float, classifier: Any) -> int:
    """n if `hz` is the n-th harmonic (1..LINE_HARMONICS) of the classifier's
    frame rate, within LINE_MATCH; 0 if not (or it has no period)."""
    period = getattr(classifier, "period_s", None)
    if not period:
        return 0
    n = round(hz * period)
    return n if 1 <= n <= LINE_HARMONICS and abs(hz * period - n) <= LINE_MATCH * n else 0


def _line_text(hz: float, cls: str | None) -> str:
    """The envelope's strongest line, said with whose frame rate it is: the
    finding's own kind, or (a louder neighbour heard in the same window) another's."""
    text = f"The on/off envelope's strongest line is at {hz:.1f} Hz"
    own = BY_NAME.get(str(cls))
    n = _frame_rate_of(hz, own)
    if n:
        which = "its frame rate" if n == 1 else f"harmonic {n} of its frame rate"
        return f"{text}: {which}."
    for other in CLASSIFIERS:
        if other is not own and other.period_s and _frame_rate_of(hz, other) == 1:
            return (
                f"{text}, {_class(other.name)}'s frame rate ({other.period_s * 1e3:g} ms "
                "frames): another transmitter heard in the same window, not this one's timing."
            )
    return text + "."


def _rf(
    ev: dict[str, Any],
    done: set[str],
    level: float | None = None,
    cls: str | None = None,
    lower_bound: bool = False,
) -> list[Item]:
    """The RF detector's timing and level evidence (`level`: the finding's dBm,
    `cls` its class; `lower_bound`: that level is the detector's ceiling)."""
    items: list[Item] = []
    parts = []
    if _num(ev.get("bursts"), "d") is not None:
        parts.append(f"{ev['bursts']} bursts in the loudest 1.5 s window")
    if _num(ev.get("burst_width_ms"), ".2f"):
        parts.append(f"each about {ev['burst_width_ms']:.2f} ms long")
    if _num(ev.get("burst_interval_ms"), ".2f"):
        parts.append(f"starting every {ev['burst_interval_ms']:.2f} ms")
    if _num(ev.get("burst_rate_hz"), ".0f"):
        parts.append(f"{ev['burst_rate_hz']:.0f} per second")
    if _num(ev.get("duty"), ".0%"):
        parts.append(f"on {ev['duty']:.0%} of the time")
    if parts:
        items.append(Sentence("Bursts: " + ", ".join(parts) + "."))
        done.update({"bursts", "burst_width_ms", "burst_interval_ms", "burst_rate_hz", "duty"})
    if _num(ev.get("peak_frequency_hz"), ".1f"):
        items.append(Sentence(_line_text(float(ev["peak_frequency_hz"]), cls)))
        done.add("peak_frequency_hz")
    if _num(ev.get("level_above_room_db"), ".1f"):
        room = _num(ev.get("room_typical_dbm"), ".1f")
        above = float(ev["level_above_room_db"])
        # the analyzer takes the larger of "above its typical level" and "falls
        # across the room": say which one the figure is, so that it adds up
        if lower_bound:  # the true level, and its margin, may be higher
            text = (
                f"It stands out by {above:.1f} dB or more: its level, at the detector's "
                "ceiling, is only a lower bound"
                + (f" (typical over the sweep: {room} dBm)." if room else ".")
            )
        elif room is None or level is None or abs(level - float(room) - above) <= 1.0:
            text = (
                f"At its loudest it stands {above:.1f} dB above its typical level over "
                "the sweep" + (f" ({room} dBm)." if room else ".")
            )
        else:
            text = (
                f"It stands out by {above:.1f} dB: its level falls that much across the "
                f"room (its typical level over the sweep: {room} dBm)."
            )
        items.append(Sentence(text))
        done.update({"level_above_room_db", "room_typical_dbm"})
    if ev.get("separated_by_timing") is not None:
        items.append(
            Sentence(
                "Told apart from other traffic at the same level by its timing."
                if ev["separated_by_timing"]
                else "Not separated from other traffic by timing."
            )
        )
        done.add("separated_by_timing")
    if ev.get("beneath_carrier"):
        items.append(
            Sentence(
                "Heard beneath a steady carrier, by the power its bursts added to "
                "the carrier's reading."
            )
        )
        done.add("beneath_carrier")
    if ev.get("own_frame_phase"):
        items.append(
            Sentence(
                "Its bursts keep another phase of the frame than a device of its kind "
                "heard at the same time: a transmitter of its own."
            )
        )
        done.add("own_frame_phase")
    if ev.get("stream_too"):
        items.append(
            Sentence(
                "A camera's stream of frames was heard there at its beacons' level: "
                "one radio, a camera that is its own access point."
            )
        )
        done.add("stream_too")
    if _num(ev.get("fit_at_1m_dbm"), ".1f"):
        items.append(
            Sentence(
                f"Its position fit says it would read {float(ev['fit_at_1m_dbm']):.1f} dBm "
                "1 m away from it."
            )
        )
        done.add("fit_at_1m_dbm")
    scores = ev.get("scores")
    if isinstance(scores, dict) and scores:
        best = sorted(scores.items(), key=lambda kv: -float(kv[1] or 0))
        items.append(
            Sentence(
                "Classifier scores (0–1): "
                + ", ".join(f"{_class(k)} {float(v or 0):.2f}" for k, v in best)
                + (
                    f"; this finding's {float(ev['score']):.2f}."
                    if _num(ev.get("score"), "")
                    else "."
                )
            )
        )
        done.update({"scores", "score"})
    return items


def _network(ev: dict[str, Any], done: set[str]) -> list[Item]:
    """A Wi-Fi access point's or BLE advertiser's evidence."""
    items: list[Item] = []
    who = []
    if ev.get("ssid") is not None:
        who.append(f"network “{ev['ssid']}”" if ev["ssid"] else "a hidden network")
    if ev.get("mac"):
        kind = "random " if ev.get("random_address") or ev.get("locally_administered") else ""
        who.append(f"{kind}address {ev['mac']}")
    if ev.get("vendor"):
        who.append(f"registered to {ev['vendor']}")
    elif "vendor" in ev and ev.get("mac"):
        who.append(
            "maker not known ("
            + (
                "locally administered address, not looked up)"
                if ev.get("locally_administered")
                else "not in the registry)"
            )
        )
    details = []
    if ev.get("channel") is not None:
        details.append(f"channel {ev['channel']}")
    if ev.get("authmode") is not None:
        details.append("open (no password)" if ev["authmode"] == "open" else f"{ev['authmode']}")
    if ev.get("hidden"):
        details.append("hidden SSID")
    if who:
        items.append(
            Sentence(
                "Device: "
                + ", ".join(who)
                + (" (" + ", ".join(details) + ")" if details else "")
                + "."
            )
        )
    done.update(
        {"ssid", "mac", "vendor", "random_address", "locally_administered", "channel"}
        | {"authmode", "hidden"}
    )
    reasons = ev.get("reasons")
    if isinstance(reasons, list) and reasons:
        items += [Sentence(f"Why it counts: {str(r).rstrip('.')}.") for r in reasons]
        done.add("reasons")
    parts = ev.get("score_parts")
    if isinstance(parts, dict) and parts:
        items.append(
            Sentence(
                "Score parts (combined as 1 − Π(1 − w)): "
                + ", ".join(f"{key_text(k)} {float(v):.2f}" for k, v in parts.items())
                + "."
            )
        )
        done.add("score_parts")
    rssi = ev.get("rssi_by_waypoint")
    if isinstance(rssi, dict) and rssi:
        items.append(_rssi_table("Signal strength", rssi))
        done.add("rssi_by_waypoint")
    if ev.get("adv_data"):
        items.append(Sentence(f"Advertising data (hex): {ev['adv_data']}."))
        done.add("adv_data")
    return items


_GLINT_COLUMNS = [
    ("time_s", "time (s)", ".1f"),
    ("waypoint", "seen from", ""),
    ("rise", "rise (counts)", ".1f"),
    ("snr", "× noise", ".0f"),
    ("retro_ratio", "middle ring's share", ".2f"),
    ("judged_by", "test", ""),
]


def _lens(f: dict[str, Any], ev: dict[str, Any], done: set[str]) -> list[Item]:
    items: list[Item] = []
    judged = ev.get("judged_by")
    ratio = _num(ev.get("retro_ratio"), ".2f")
    snr = _num(ev.get("snr"), ".0f")
    if judged or ratio or snr:
        text = "Called a lens by the " + (f"{judged} test" if judged else "lens finder")
        if snr:
            text += f": the glint stands {snr} × above the noise"
        if ratio:
            text += (
                f", and the middle ring saw {ratio} of it "
                "(about 0 for a lens, about 1 for shiny clutter)"
            )
        items.append(Sentence(text + "."))
        done.update({"judged_by", "retro_ratio", "snr"})
    extra = []
    if _num(ev.get("excess_snr"), ".0f"):
        extra.append(f"plain excess {ev['excess_snr']:.0f} × its noise")
    if _num(ev.get("width_s"), ".2f"):
        extra.append(f"{ev['width_s']:.2f} s wide")
    if _num(ev.get("wall_ratio"), ".2f"):
        extra.append(f"walls' outer/inner ring ratio {ev['wall_ratio']:.2f}")
    if ev.get("saturated") is not None:
        extra.append("the photodiode saturated" if ev["saturated"] else "not saturated")
    if _num(ev.get("specular_glints_rejected"), "d") is not None:
        n = ev["specular_glints_rejected"]
        extra.append(f"{n} shiny (specular) glint{'s' if n != 1 else ''} rejected")
    if extra:
        items.append(Sentence("The glint: " + ", ".join(extra) + "."))
        done.update(
            {"excess_snr", "width_s", "wall_ratio", "saturated", "specular_glints_rejected"}
        )
    done.add("middle_ratio")  # the same as retro_ratio for the ring-fit test
    glints = ev.get("glints")
    if isinstance(glints, list) and glints and all(isinstance(g, dict) for g in glints):
        rows: list[list[str]] = []
        for g in glints:
            row: list[str] = []
            for key, _name, fmt in _GLINT_COLUMNS:
                v = g.get(key)
                if key == "waypoint" and v is None:
                    v = f.get("waypoint")
                if key == "judged_by" and g.get("steady"):
                    v = "steady return"
                row.append((_num(v, fmt) if fmt else None) or value_text(v))
            rows.append(row)
        items.append(Table("Glints", [c[1] for c in _GLINT_COLUMNS], rows))
        done.add("glints")
    seen = ev.get("also_seen_from")
    if isinstance(seen, list) and seen and all(isinstance(s, dict) for s in seen):
        seen_rows: list[list[str]] = []
        for s in seen:
            where = (
                "before the first mark"
                if s.get("before_first_mark")
                else value_text(s.get("waypoint"))
            )
            apart = _num(s.get("waypoints_apart_m"), ".1f")
            seen_rows.append(
                [
                    where,
                    _num(s.get("time_s"), ".1f") or "—",
                    _num(s.get("level"), ".1f") or "—",
                    _num(s.get("confidence"), ".2f") or "—",
                    f"{apart} m" if apart else "—",
                ]
            )
        items.append(
            Table(
                "The same lens, seen more weakly from",
                ["waypoint", "time (s)", "level (counts)", "confidence", "apart"],
                seen_rows,
            )
        )
        done.add("also_seen_from")
    return items


def _rssi_table(what: str, rssi: dict[str, Any]) -> Table:
    """A scanned device's RSSI per waypoint, loudest first."""
    rows = sorted(rssi.items(), key=lambda kv: -float(kv[1]))
    return Table(
        f"{what} at each waypoint (mean RSSI, loudest first)",
        ["waypoint", "RSSI (dBm)"],
        [[str(k), f"{float(v):.1f}"] for k, v in rows],
    )


def _scans(finding: dict[str, Any], ev: dict[str, Any], done: set[str]) -> list[Item]:
    """What the device's own scans said of an RF finding (docs/findings.md
    steps 8 and 9)."""
    items: list[Item] = []
    alone = scan_alone(finding)
    if alone and _num(ev.get("score"), ".2f"):
        radio = "Wi-Fi" if finding["sources"] == ["wifi"] else "BLE"
        items.append(
            Sentence(
                f"Made from the device's own {radio} scan alone: the RF detector did not "
                f"single it out; its score before calibration {float(ev['score']):.2f}."
            )
        )
        done.add("score")
    if ev.get("vouched_by_wifi_scan"):
        if not alone:
            items.append(
                Sentence(
                    "The device's Wi-Fi scan vouched for this level: a camera access "
                    "point it puts in the room, strongest here at a like level."
                )
            )
        done.add("vouched_by_wifi_scan")
    if ev.get("vouched_by_ble_scan"):
        if not alone:
            items.append(
                Sentence(
                    "The device's BLE scan vouched for it: an advertiser whose payload "
                    "names its kind, strongest here."
                )
            )
        done.add("vouched_by_ble_scan")
    scan = ev.get("ble_scan")
    if isinstance(scan, dict):
        says = scan.get("payload_says") or "a payload that names no kind"
        items.append(Sentence(f"Heard by the device's BLE scan as {scan.get('address')}: {says}."))
        rssi = scan.get("rssi_by_waypoint")
        if isinstance(rssi, dict) and rssi and not isinstance(ev.get("ble"), dict):
            items.append(_rssi_table("Its adverts' signal strength", rssi))
        done.add("ble_scan")
    return items


def _generic(ev: dict[str, Any], done: set[str], prefix: str = "") -> list[Item]:
    """Whatever no sentence above covers, named in words."""
    items: list[Item] = []
    plain = []
    for k, v in ev.items():
        if k in done:
            continue
        name = prefix + key_text(k)
        if isinstance(v, dict) and v and all(not isinstance(x, (dict, list)) for x in v.values()):
            items.append(
                Table(name, ["", "value"], [[key_text(a), value_text(b)] for a, b in v.items()])
            )
        elif isinstance(v, dict):
            items.extend(_generic(v, set(), prefix=f"{name}: "))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            cols = list(dict.fromkeys(c for x in v for c in x))
            items.append(
                Table(
                    name,
                    [key_text(c) for c in cols],
                    [[value_text(x.get(c)) for c in cols] for x in v],
                )
            )
        else:
            plain.append(f"{name}: {value_text(v)}")
    if plain:
        items.insert(0, Sentence("; ".join(plain) + "."))
    return items


def describe(finding: dict[str, Any]) -> list[Item]:
    """The finding's evidence as sentences and tables, most telling first."""
    ev = finding.get("evidence")
    items: list[Item] = []
    done: set[str] = {"region_not_heard"}  # said with the region, below
    if isinstance(ev, dict):
        if finding.get("type") == "lens":
            items += _lens(finding, ev, done)
        else:
            lvl = finding.get("level_dbm")
            level = float(lvl) if isinstance(lvl, (int, float)) else None
            bound = finding.get("level_is_lower_bound") is True
            items += _rf(ev, done, level, finding.get("class"), bound)
            items += _network(ev, done)
            items += _scans(finding, ev, done)
            for key, what in (("wifi", "a Wi-Fi access point"), ("ble", "a BLE advertiser")):
                net = ev.get(key)
                if isinstance(net, dict):
                    items.append(Sentence(f"The same device as {what}:"))
                    net_done: set[str] = set()
                    items += _network(net, net_done)
                    items += _generic(net, net_done)
                    done.add(key)
        items += _generic(ev, done)
    room = finding.get("in_room_evidence")
    if isinstance(room, dict) and room:
        items.append(Sentence(_in_room(room)))
    if finding.get("region"):
        unheard = [
            str(r) for r in (ev.get("region_not_heard") if isinstance(ev, dict) else None) or []
        ]
        items.append(
            Sentence(
                "Waypoints around it: "
                + ", ".join(str(r) for r in finding["region"])
                + (
                    f" (not heard at {', '.join(unheard)} beneath louder traffic: "
                    "it may be as near)"
                    if unheard
                    else ""
                )
                + "."
            )
        )
    return items


_IN_ROOM_KEYS = (
    "in_room",
    "fall_across_room_db",
    "fall_to_nearer_stops_db",
    "outside_stops_hull_m",
    "single_stop_peak",
    "below_in_room_level_db",
)


def _in_room(room: dict[str, Any]) -> str:
    """`in_room_evidence` as one sentence: "Is it in this room? Yes: its level
    falls 25.7 dB across the room, ..." (a zero or absent figure not said)."""
    parts = []
    if _num(room.get("fall_across_room_db"), ".1f"):
        parts.append(f"its level falls {room['fall_across_room_db']:.1f} dB across the room")
    if _num(room.get("fall_to_nearer_stops_db"), ".1f"):
        parts.append(f"it falls {room['fall_to_nearer_stops_db']:.1f} dB to the nearer stops")
    if _num(room.get("outside_stops_hull_m"), ".1f"):
        d = float(room["outside_stops_hull_m"])
        if round(d, 1) == 0:
            parts.append("its fitted position lies on the edge of the area the stops cover")
        else:
            side = "outside" if d > 0 else "inside"
            parts.append(
                f"its fitted position lies {abs(d):.1f} m {side} the area the stops cover"
            )
    if room.get("single_stop_peak") is not None:
        parts.append(
            "it stands out at one stop"
            if room["single_stop_peak"]
            else "it is loud at several stops"
        )
    below = room.get("below_in_room_level_db")
    if isinstance(below, (int, float)) and round(float(below), 1) > 0:
        parts.append(
            f"it reads {float(below):.1f} dB weaker than a device of its kind "
            "inside the room would"
        )
    parts += [f"{key_text(k)} {value_text(v)}" for k, v in room.items() if k not in _IN_ROOM_KEYS]
    said = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    known = room.get("in_room")
    verdict = "Yes" if known is True else "Perhaps not" if known is False else None
    if verdict is None:
        return "Is it in this room?" + (f" {said[:1].upper()}{said[1:]}." if said else "")
    return f"Is it in this room? {verdict}" + (f": {said}." if said else ".")


def as_text(items: list[Item], indent: str = "   ") -> str:
    """Plain text for a terminal: sentences as lines, tables as aligned columns;
    everything from outside through `printable`."""
    lines: list[str] = []
    for item in items:
        if isinstance(item, Sentence):
            lines.append(indent + printable(item.text))
            continue
        lines.append(indent + printable(item.caption) + ":")
        table = [[printable(c) for c in item.columns]] + [
            [printable(c) for c in row] for row in item.rows
        ]
        widths = [max(len(r[i]) for r in table) for i in range(len(item.columns))]
        for row in table:
            lines.append(
                indent + "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
            )
    return "\n".join(lines)
