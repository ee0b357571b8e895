"""The lens finder's sections of a scenario file: [lighting], [hand], [[lenses]],
[[clutter]] (docs/scenarios.md), read into a `sim.optics.OpticalScene`.

`parse_optics` is called by `roomsweep.sim.scenario` while it builds a scenario;
problems raise `tomlcheck.Bad` with a one-line reason.
"""

from __future__ import annotations

import numpy as np

from roomsweep.sim.ambient import (
    AMBIENT_MAX_UA,
    DEPTH_DEFAULT,
    ROOM_DEFAULT_UA,
    SUNLIT_RADIUS_DEFAULT_M,
)
from roomsweep.sim.optics import (
    AMBIENT_DEFAULT_UA,
    CLUTTER_KINDS,
    LIGHTING_KINDS,
    PAN_HALF_DEG_DEFAULT,
    SWEEP_DEG_S_DEFAULT,
    Clutter,
    Hand,
    Lens,
    Lighting,
    OpticalScene,
)
from roomsweep.sim.tomlcheck import Bad, boolean, check_keys, fmt_vec, in_box, number, string, vec3

OPTICS_TOP_KEYS = {"lighting", "hand", "lenses", "clutter"}
_LIGHTING_KEYS = {
    "kind",
    "mains_hz",
    "ambient_ua",
    "flicker_depth",
    "room_ua",
    "source_m",
    "source_radius_m",
}
_HAND_KEYS = {"sweep_deg_s", "pan_deg"}
_LENS_KEYS = {"id", "position_m", "axis", "look_at", "aperture_mm", "hidden", "note"}
_CLUTTER_KEYS = {"id", "kind", "position_m", "normal", "size_m", "radius_m", "reflectance"}


def parse_optics(doc: dict, size, taken_ids: set[str]) -> OpticalScene | None:
    """The optical sections of a scenario document (None when it has none).

    Ids of lenses and clutter must differ from `taken_ids` (the emitters') and from
    each other. Raises `tomlcheck.Bad` with a one-line reason.
    """
    if not any(k in doc for k in OPTICS_TOP_KEYS):
        return None
    scene = OpticalScene()
    scene.lighting = _lighting(doc, size)
    scene.hand = _hand(doc)
    ids = set(taken_ids)
    for t, lid, where in _id_tables(doc, "lenses", "lens", ids, _LENS_KEYS):
        scene.lenses.append(_lens(t, lid, where, size))
    for t, cid, where in _id_tables(doc, "clutter", "clutter", ids, _CLUTTER_KEYS):
        scene.clutter.append(_clutter(t, cid, where, size))
    return scene


def _id_tables(doc: dict, key: str, label: str, ids: set, allowed: set) -> list:
    """Each table of the array [[key]], its id unique among `ids` (which it joins)
    and its keys known: (table, id, where-for-messages)."""
    items = doc.get(key, [])
    if not isinstance(items, list):
        raise Bad(f"{key} must be an array of tables ([[{key}]])")
    out = []
    for i, t in enumerate(items):
        if not isinstance(t, dict):
            raise Bad(f"{label} {i + 1} must be a table")
        tid = string(t, "id", f"{label} {i + 1}")
        where = f"{label} {tid!r}"
        if tid in ids:
            raise Bad(f"{where}: duplicate id")
        ids.add(tid)
        check_keys(t, allowed, where)
        out.append((t, tid, where))
    return out


def _lighting(doc: dict, size) -> Lighting:
    """[lighting]: kind, mains frequency, the source's photocurrent and where it is,
    the room's own, flicker depth (docs/scenarios.md; defaults sim/ambient.py)."""
    lt = doc.get("lighting", {})
    if not isinstance(lt, dict):
        raise Bad("[lighting] must be a table")
    check_keys(lt, _LIGHTING_KEYS, "[lighting]")
    kind = string(lt, "kind", "[lighting]", "dark")
    if kind not in LIGHTING_KINDS:
        raise Bad(f"[lighting] kind must be one of {', '.join(LIGHTING_KINDS)}, not {kind!r}")
    mains = number(lt, "mains_hz", "[lighting]", 50.0)
    if mains not in (50.0, 60.0):
        raise Bad(f"[lighting] mains_hz must be 50 or 60, not {mains:g}")
    top = AMBIENT_MAX_UA
    ambient = number(lt, "ambient_ua", "[lighting]", AMBIENT_DEFAULT_UA[kind])
    room = number(lt, "room_ua", "[lighting]", ROOM_DEFAULT_UA[kind])
    for key, value in (("ambient_ua", ambient), ("room_ua", room)):
        if not 0.0 <= value <= top:
            raise Bad(f"[lighting] {key} must be between 0 and {top:g}, not {value:g}")
    depth = number(lt, "flicker_depth", "[lighting]", DEPTH_DEFAULT.get(kind, 0.0))
    if not 0.0 <= depth <= 1.0:
        raise Bad(f"[lighting] flicker_depth must be between 0 and 1, not {depth:g}")
    source = None
    if "source_m" in lt:
        if kind not in ("lamp", "sunlit"):
            raise Bad(f"[lighting] source_m is for a lamp or a sunlit window, not {kind!r}")
        source = vec3(lt["source_m"], "[lighting] source_m")
        if not in_box(source, size):
            raise Bad(f"[lighting] source_m {fmt_vec(source)} is outside the room")
    radius = number(lt, "source_radius_m", "[lighting]", SUNLIT_RADIUS_DEFAULT_M)
    if not 0.05 <= radius <= 5.0:
        raise Bad(f"[lighting] source_radius_m must be between 0.05 and 5, not {radius:g}")
    return Lighting(kind, mains, ambient, depth, room, source, radius)


def _hand(doc: dict) -> Hand:
    """[hand]: how fast and how far the operator turns at each stop."""
    hd = doc.get("hand", {})
    if not isinstance(hd, dict):
        raise Bad("[hand] must be a table")
    check_keys(hd, _HAND_KEYS, "[hand]")
    rate = number(hd, "sweep_deg_s", "[hand]", SWEEP_DEG_S_DEFAULT)
    if not 5.0 <= rate <= 360.0:
        raise Bad(f"[hand] sweep_deg_s must be between 5 and 360, not {rate:g}")
    pan = number(hd, "pan_deg", "[hand]", PAN_HALF_DEG_DEFAULT)
    if not 5.0 <= pan <= 180.0:
        raise Bad(f"[hand] pan_deg must be between 5 and 180, not {pan:g}")
    return Hand(rate, pan)


def _position(t: dict, where: str, size) -> tuple[float, float, float]:
    """position_m of a lens or clutter object, inside the room."""
    if "position_m" not in t:
        raise Bad(f"{where}: missing position_m")
    pos = vec3(t["position_m"], f"{where} position_m")
    if not in_box(pos, size):
        raise Bad(f"{where} at {fmt_vec(pos)} is outside the room {fmt_vec(size)}")
    return pos


def _lens(t: dict, lid: str, where: str, size) -> Lens:
    """One [[lenses]] table: position, axis (or look_at), aperture, hidden, note."""
    pos = _position(t, where, size)
    if ("axis" in t) == ("look_at" in t):
        raise Bad(f"{where}: give exactly one of axis (direction it looks) or look_at")
    if "axis" in t:
        axis = np.asarray(vec3(t["axis"], f"{where} axis"))
    else:
        axis = np.asarray(vec3(t["look_at"], f"{where} look_at")) - np.asarray(pos)
    norm = float(np.linalg.norm(axis))
    if norm < 1e-9:
        raise Bad(f"{where}: the lens axis has zero length")
    aperture = number(t, "aperture_mm", where)
    if not 0.3 <= aperture <= 25.0:
        raise Bad(f"{where}: aperture_mm must be between 0.3 and 25, not {aperture:g}")
    note = t.get("note", "")
    if not isinstance(note, str):
        raise Bad(f"{where}: note must be a string")
    ux, uy, uz = (float(v) for v in axis / norm)
    unit = (ux, uy, uz)
    return Lens(
        lid,
        pos,
        unit,
        aperture,  # type: ignore[arg-type]
        boolean(t, "hidden", where, True),
        note,
    )


def _clutter(t: dict, cid: str, where: str, size) -> Clutter:
    """One [[clutter]] table: kind, position, reflectance, and the kind's shape
    (normal and size of a flat one, radius of a convex one)."""
    ckind = string(t, "kind", where)
    if ckind not in CLUTTER_KINDS:
        raise Bad(f"{where}: unknown kind {ckind!r} (known: {', '.join(CLUTTER_KINDS)})")
    spec = CLUTTER_KINDS[ckind]
    pos = _position(t, where, size)
    refl = number(t, "reflectance", where, spec["reflectance"])
    if not 0.0 < refl <= 1.0:
        raise Bad(f"{where}: reflectance must be in (0, 1], not {refl:g}")
    normal: tuple[float, float, float] = (0.0, 0.0, 1.0)
    csize: tuple[float, float] = (0.0, 0.0)
    radius = 0.0
    if spec["shape"] == "flat":
        normal, csize = _flat_shape(t, ckind, where, spec)
    else:
        radius = _convex_radius(t, ckind, where, spec)
    return Clutter(cid, ckind, pos, normal, csize, radius, refl)


def _flat_shape(
    t: dict, ckind: str, where: str, spec: dict
) -> tuple[tuple[float, float, float], tuple[float, float]]:
    """(unit normal facing the room, [width, height]) of a flat clutter object."""
    if "normal" not in t:
        raise Bad(f"{where}: a {ckind} needs normal = [x, y, z] (facing the room)")
    nv = np.asarray(vec3(t["normal"], f"{where} normal"))
    if np.linalg.norm(nv) < 1e-9:
        raise Bad(f"{where}: normal has zero length")
    normal = tuple(float(v) for v in nv / np.linalg.norm(nv))
    raw = t.get("size_m", list(spec["size_m"]))
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0 for v in raw)
    ):
        raise Bad(f"{where}: size_m must be [width, height] in metres")
    return normal, (float(raw[0]), float(raw[1]))  # type: ignore[return-value]


def _convex_radius(t: dict, ckind: str, where: str, spec: dict) -> float:
    """radius_m of a convex clutter object (which has no normal or size)."""
    if "normal" in t or "size_m" in t:
        raise Bad(f"{where}: a {ckind} is convex: give radius_m, not normal/size_m")
    radius = number(t, "radius_m", where, spec["radius_m"])
    if not 0.001 <= radius <= 0.5:
        raise Bad(f"{where}: radius_m must be between 0.001 and 0.5, not {radius:g}")
    return radius
