"""Room scenarios for the simulator: geometry, the operator's sweep and the emitters.

A scenario is a TOML file (the keys are documented in docs/scenarios.md and at the
top of the bundled ``roomsweep/scenarios/hotel-room.toml``). `load_scenario` reads
and checks one and returns a `Scenario`; any problem is a `ScenarioError` with a
one-line message. Random scenarios with ground truth: `roomsweep.sim.generate`.

Coordinates are metres in the room frame: the origin is a floor corner, x runs
along the width, y along the length and z up, so the room spans
0 <= x <= width, 0 <= y <= length, 0 <= z <= height. Times are seconds from the
first ADC read of the simulated device.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.errors import ScenarioError
from roomsweep.sim.fading import parse_delay_spread, parse_fading
from roomsweep.sim.kinds import EMITTER_KINDS, KIND_PARAMS, check_params
from roomsweep.sim.netdevices import parse_network
from roomsweep.sim.optics import OpticalScene
from roomsweep.sim.optics_toml import parse_optics
from roomsweep.sim.tomlcheck import (
    Bad,
    boolean,
    check_keys,
    fmt_vec,
    in_box,
    number,
    short,
    string,
    sub_table,
    vec3,
)
from roomsweep.sim.unit import DetectorUnit, parse_detector
from roomsweep.sim.walls import Wall, parse_walls

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# How long the simulated operator holds the button on arriving at a stop.
BUTTON_HOLD_S = 0.15
# Stops closer together than this would merge their button presses.
MIN_STOP_SPACING_S = 0.5

# Carrier used for path loss when an emitter gives no band_mhz.
DEFAULT_BAND_MHZ = {
    "gsm": 900.0,
    "dect": 1890.0,
    "wifi_ap": 2437.0,
    "wifi_camera": 2437.0,
    "ble": 2440.0,
    "bt_classic": 2441.0,
    "lte": 1800.0,
    "analog_video": 5800.0,
}
# Typical EIRP while a burst is on, per emitter kind: docs/sources.md
# §6-7: ESP32-class Wi-Fi 20 dBm EIRP,
# BLE tag 0 dBm, GSM900 class-4 handset/bug 33 dBm peak, DECT 250 mW, LTE class-3
# UE 23 dBm, 5.8 GHz analog VTX at the EU limit 25 mW, Bluetooth Classic class 2
# (2.5 mW, 4 dBm; Bluetooth Core spec power classes).
TYPICAL_EIRP_DBM: dict[str, float] = {
    "gsm": 33.0,
    "dect": 24.0,
    "wifi_ap": 20.0,
    "wifi_camera": 20.0,
    "ble": 0.0,
    "bt_classic": 4.0,
    "lte": 23.0,
    "analog_video": 14.0,
}

_TOP_KEYS = {
    "name",
    "description",
    "seed",
    "room",
    "waypoints",
    "sweep",
    "emitters",
    "ground_truth",
}
_TOP_KEYS |= {"access_points", "ble_devices"}  # network radios: netdevices.py
# the lens finder's sections (sim/optics.py): [lighting], [hand], [[lenses]], [[clutter]]
_TOP_KEYS |= {"lighting", "hand", "lenses", "clutter"}
_TOP_KEYS |= {"walls", "detector"}  # sim/walls.py, sim/unit.py
_ROOM_KEYS = {"size_m", "exponent", "shadowing_db", "noise_floor_dbm", "delay_spread_ns"}
_STOP_KEYS = {"waypoint", "arrive_s", "dwell_s"}
_EMITTER_KEYS = {
    "id",
    "kind",
    "position_m",
    "eirp_dbm",
    "band_mhz",
    "hidden",
    "outside",
    "loss_db",
    "params",
    "fading_k_db",  # small-scale fading (sim/fading.py)
    "bandwidth_mhz",
}


@dataclass
class Waypoint:
    name: str
    position_m: tuple[float, float, float]


@dataclass
class SweepStop:
    """The device walks between stops and its button is pressed on arrival."""

    waypoint: str
    arrive_s: float
    dwell_s: float


@dataclass
class Emitter:
    id: str
    kind: str
    position_m: tuple[float, float, float]
    eirp_dbm: float
    band_mhz: float
    hidden: bool
    params: dict
    outside: bool = False  # deliberately outside the room (corridor, neighbour)
    loss_db: float = 0.0  # fixed extra loss on the path, e.g. walls
    fading_k_db: float | None = None  # Rician K of its multipath fading (sim/fading.py)
    bandwidth_mhz: float | None = None  # occupied bandwidth (fading); default per kind


@dataclass
class Scenario:
    name: str
    description: str
    seed: int
    room_size_m: tuple
    exponent: float
    shadowing_db: float
    waypoints: list[Waypoint]
    sweep: list[SweepStop]
    emitters: list[Emitter]
    duration_s: float  # end of the last dwell
    source: str  # the file it was read from
    noise_floor_dbm: float = -65.0
    ground_truth: dict[str, str] = field(default_factory=dict)  # hidden id -> waypoint
    access_points: list = field(default_factory=list)  # netdevices.AccessPointSpec
    ble_devices: list = field(default_factory=list)  # netdevices.BleDeviceSpec
    optics: Any = None  # sim.optics.OpticalScene: lenses, clutter, lighting, hand
    walls: dict[str, Wall] | None = None  # [walls]: face -> material (sim/walls.py)
    detector: DetectorUnit | None = None  # [detector]: the unit's laws (sim/unit.py)
    delay_spread_ns: float | None = None  # [room]: for multipath fading (sim/fading.py)

    def waypoint(self, name: str) -> Waypoint:
        for w in self.waypoints:
            if w.name == name:
                return w
        raise ScenarioError(f"scenario {self.name!r}: unknown waypoint {name!r}")

    def _path(self) -> tuple[np.ndarray, np.ndarray]:
        """Knot times and positions of the walk: (2k,) and (2k, 3)."""
        times, points = [], []
        for stop in self.sweep:
            p = self.waypoint(stop.waypoint).position_m
            times += [stop.arrive_s, stop.arrive_s + stop.dwell_s]
            points += [p, p]
        return np.asarray(times, dtype=float), np.asarray(points, dtype=float)

    def position_at(self, t_s) -> np.ndarray:
        """Device position(s): at the first stop before it, still at each stop during
        its dwell, a straight walk at constant speed between stops, and still at the
        last stop afterwards. A scalar t gives shape (3,), an array (n,) gives (n, 3)."""
        times, points = self._path()
        t = np.asarray(t_s, dtype=float)
        flat = t.reshape(-1)
        out = np.empty((flat.size, 3))
        for axis in range(3):
            out[:, axis] = np.interp(flat, times, points[:, axis])
        return out.reshape(t.shape + (3,))

    def arrivals_s(self) -> np.ndarray:
        return np.asarray([s.arrive_s for s in self.sweep], dtype=float)

    def button_pressed(self, t_s) -> np.ndarray:
        """True while the button is held: BUTTON_HOLD_S from each arrival."""
        arrivals = self.arrivals_s()
        t = np.asarray(t_s, dtype=float)
        i = np.searchsorted(arrivals, t, side="right") - 1
        since = t - arrivals[np.maximum(i, 0)]
        return (i >= 0) & (since < BUTTON_HOLD_S)

    def nearest_waypoint(self, position_m) -> str:
        p = np.asarray(position_m, dtype=float)
        d = [float(np.linalg.norm(np.asarray(w.position_m) - p)) for w in self.waypoints]
        return self.waypoints[int(np.argmin(d))].name


# --- loading ----------------------------------------------------------------------


def _scenario_dir():
    return resources.files("roomsweep").joinpath("scenarios")


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with roomsweep."""
    try:
        entries = list(_scenario_dir().iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(e.name[:-5] for e in entries if e.name.endswith(".toml"))


def load_scenario(name_or_path: str | os.PathLike) -> Scenario:
    """Load a bundled scenario by name ("hotel-room") or a .toml file by path."""
    text_name = os.fspath(name_or_path)
    looks_like_path = (
        isinstance(name_or_path, os.PathLike)
        or text_name.endswith(".toml")
        or os.sep in text_name
        or "/" in text_name
    )
    if looks_like_path:
        path = Path(text_name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ScenarioError(f"scenario file not found: {text_name}") from None
        except OSError as e:
            raise ScenarioError(f"cannot read scenario {text_name}: {e.strerror or e}") from None
        return _parse(data, str(path), path.stem)
    resource = _scenario_dir().joinpath(text_name + ".toml")
    if not text_name or not resource.is_file():
        known = ", ".join(bundled_scenarios()) or "none"
        raise ScenarioError(
            f"no bundled scenario {text_name!r} (bundled: {known}; or give a path to a .toml file)"
        )
    return _parse(resource.read_bytes(), str(resource), text_name)


def _parse(data: bytes, source: str, default_name: str) -> Scenario:
    where = Path(source).name
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{where}: not UTF-8 text ({e.reason})") from None
    except tomllib.TOMLDecodeError as e:
        msg = " ".join(str(e).split())
        raise ScenarioError(f"{where}: bad TOML: {msg}") from None
    try:
        return _build(doc, source, default_name)
    except Bad as e:
        raise ScenarioError(f"{where}: {e}") from None


def _build(doc: dict, source: str, default_name: str) -> Scenario:
    """The scenario of a parsed document. The sections are checked in this order, which
    decides the problem reported when there are several."""
    check_keys(doc, _TOP_KEYS, "the top level")
    name, description, seed = _header(doc, default_name)
    size, exponent, shadowing, noise_floor = _room(doc)
    waypoints = _waypoints(doc, size)
    sweep = _sweep(doc, waypoints)
    duration = sweep[-1].arrive_s + sweep[-1].dwell_s
    if duration <= 0:
        raise Bad("the sweep lasts zero seconds")
    emitters = _emitters(doc, size)
    optics = parse_optics(doc, size, {e.id for e in emitters})
    ground_truth = _ground_truth(doc, emitters, optics, {w.name for w in waypoints})
    access_points, ble_devices = parse_network(doc, size, emitters)
    walls = parse_walls(doc)
    detector = parse_detector(doc)
    delay_spread = parse_delay_spread(doc["room"])
    return Scenario(
        name=name,
        description=description,
        seed=seed,
        room_size_m=size,
        exponent=exponent,
        shadowing_db=shadowing,
        waypoints=waypoints,
        sweep=sweep,
        emitters=emitters,
        duration_s=duration,
        source=source,
        noise_floor_dbm=noise_floor,
        ground_truth=ground_truth,
        access_points=access_points,
        ble_devices=ble_devices,
        optics=optics,
        walls=walls,
        detector=detector,
        delay_spread_ns=delay_spread,
    )


def _header(doc: dict, default_name: str) -> tuple[str, str, int]:
    """name, description and seed."""
    name = string(doc, "name", "scenario", default_name)
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise Bad("description must be a string")
    seed = doc.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise Bad(f"seed must be a non-negative integer, not {short(seed)}")
    return name, description, seed


def _room(doc: dict) -> tuple[tuple[float, float, float], float, float, float]:
    """[room]: size, path loss exponent, shadowing sigma and noise floor."""
    room = sub_table(doc, "room", "")
    check_keys(room, _ROOM_KEYS, "[room]")
    if "size_m" not in room:
        raise Bad("[room]: missing size_m")
    size = vec3(room["size_m"], "[room] size_m")
    if min(size) <= 0:
        raise Bad(f"[room] size_m must be positive, not {fmt_vec(size)}")
    exponent = number(room, "exponent", "[room]", 2.5)
    if not 1.0 <= exponent <= 6.0:
        raise Bad(f"[room] exponent must be between 1 and 6, not {exponent:g}")
    shadowing = number(room, "shadowing_db", "[room]", 0.0)
    if shadowing < 0:
        raise Bad(f"[room] shadowing_db must not be negative, not {shadowing:g}")
    noise_floor = number(room, "noise_floor_dbm", "[room]", -65.0)
    return size, exponent, shadowing, noise_floor


def _waypoints(doc: dict, size: tuple[float, float, float]) -> list[Waypoint]:
    """[waypoints]: a table name = [x, y, z], each inside the room."""
    wp_table = sub_table(doc, "waypoints", "")
    if not wp_table:
        raise Bad("[waypoints] is empty: give at least one name = [x, y, z]")
    waypoints = []
    for wname, value in wp_table.items():
        pos = vec3(value, f"waypoint {wname!r}")
        if not in_box(pos, size):
            raise Bad(f"waypoint {wname!r} at {fmt_vec(pos)} is outside the room {fmt_vec(size)}")
        waypoints.append(Waypoint(wname, pos))
    return waypoints


def _sweep(doc: dict, waypoints: list[Waypoint]) -> list[SweepStop]:
    """[[sweep]]: stops at known waypoints, in time order, far enough apart."""
    wp_names = [w.name for w in waypoints]
    stops_raw = doc.get("sweep")
    if not isinstance(stops_raw, list) or not stops_raw:
        raise Bad("missing [[sweep]] stops (waypoint, arrive_s, dwell_s)")
    sweep: list[SweepStop] = []
    for i, st in enumerate(stops_raw):
        where = f"sweep stop {i + 1}"
        if not isinstance(st, dict):
            raise Bad(f"{where} must be a table")
        check_keys(st, _STOP_KEYS, where)
        wname = string(st, "waypoint", where)
        if wname not in wp_names:
            raise Bad(f"{where}: unknown waypoint {wname!r} (known: {', '.join(wp_names)})")
        arrive = number(st, "arrive_s", where)
        dwell = number(st, "dwell_s", where)
        if arrive < 0 or dwell < 0:
            raise Bad(f"{where}: negative time (arrive_s {arrive:g}, dwell_s {dwell:g})")
        if sweep:
            prev = sweep[-1]
            if arrive < prev.arrive_s + prev.dwell_s:
                raise Bad(
                    f"{where}: arrive_s {arrive:g} is before the previous stop ends "
                    f"at {prev.arrive_s + prev.dwell_s:g} s"
                )
            if arrive - prev.arrive_s < MIN_STOP_SPACING_S:
                raise Bad(
                    f"{where}: arrives less than {MIN_STOP_SPACING_S:g} s after the "
                    f"previous stop (the button presses would merge)"
                )
        sweep.append(SweepStop(wname, arrive, dwell))
    return sweep


def _emitters(doc: dict, size: tuple[float, float, float]) -> list[Emitter]:
    """[[emitters]], their ids unique."""
    em_raw = doc.get("emitters", [])
    if not isinstance(em_raw, list):
        raise Bad("emitters must be an array of tables ([[emitters]])")
    emitters: list[Emitter] = []
    for i, em in enumerate(em_raw):
        emitters.append(_emitter(em, i, size, {e.id for e in emitters}))
    return emitters


def _ground_truth(
    doc: dict, emitters: list[Emitter], optics: OpticalScene | None, wp_names: set[str]
) -> dict[str, str]:
    """[ground_truth]: hidden emitter (or lens) id = its nearest waypoint."""
    gt_raw = sub_table(doc, "ground_truth", "", required=False)
    by_id: dict[str, Any] = {e.id: e for e in emitters}
    by_id.update({lens.id: lens for lens in (optics.lenses if optics else [])})
    ground_truth: dict[str, str] = {}
    for eid, wname in gt_raw.items():
        if eid not in by_id:
            raise Bad(f"[ground_truth]: unknown emitter {eid!r}")
        if not by_id[eid].hidden:
            raise Bad(f"[ground_truth]: emitter {eid!r} is not hidden")
        if not isinstance(wname, str) or wname not in wp_names:
            raise Bad(f"[ground_truth]: {eid} = {short(wname)} is not a waypoint")
        ground_truth[eid] = wname
    return ground_truth


def _emitter(em: Any, i: int, size, taken: set[str]) -> Emitter:
    where = f"emitter {i + 1}"
    if not isinstance(em, dict):
        raise Bad(f"{where} must be a table")
    eid = string(em, "id", where)
    where = f"emitter {eid!r}"
    if eid in taken:
        raise Bad(f"{where}: duplicate id")
    check_keys(em, _EMITTER_KEYS, where)
    kind = string(em, "kind", where)
    if kind not in KIND_PARAMS:
        raise Bad(f"{where}: unknown kind {kind!r} (known: {', '.join(EMITTER_KINDS)})")
    if "position_m" not in em:
        raise Bad(f"{where}: missing position_m")
    pos = vec3(em["position_m"], f"{where} position_m")
    outside = boolean(em, "outside", where, False)
    if outside and in_box(pos, size):
        raise Bad(f"{where} is marked outside but {fmt_vec(pos)} is inside the room")
    if not outside and not in_box(pos, size):
        raise Bad(
            f"{where} at {fmt_vec(pos)} is outside the room {fmt_vec(size)} "
            f"(set outside = true if that is intended)"
        )
    eirp = number(em, "eirp_dbm", where)
    if not -40.0 <= eirp <= 50.0:
        raise Bad(f"{where}: eirp_dbm {eirp:g} is not between -40 and 50")
    band = number(em, "band_mhz", where, DEFAULT_BAND_MHZ[kind])
    if not 1.0 <= band <= 10000.0:
        raise Bad(f"{where}: band_mhz {band:g} is not between 1 and 10000")
    loss = number(em, "loss_db", where, 0.0)
    if loss < 0:
        raise Bad(f"{where}: loss_db must not be negative, not {loss:g}")
    hidden = boolean(em, "hidden", where, False)
    fading, bandwidth = parse_fading(em, where)
    params_raw = em.get("params", {})
    if not isinstance(params_raw, dict):
        raise Bad(f"{where}: params must be a table")
    params = check_params(kind, params_raw, where)
    return Emitter(
        id=eid,
        kind=kind,
        position_m=pos,
        eirp_dbm=eirp,
        band_mhz=band,
        hidden=hidden,
        params=params,
        outside=outside,
        loss_db=loss,
        fading_k_db=fading,
        bandwidth_mhz=bandwidth,
    )
