"""The room's plan: an optional section of a capture's header (docs/capture-format.md,
"The room's plan"), written by any recorder that knows the room and read by the
analyzer to name the button marks and place its findings.

    "plan": {"waypoints": {name: [x, y] or [x, y, z]},   metres, one frame for all
             "sweep": [name, ...],                       the waypoint of each press
             "outline": [[x, y], ...]}                   the room's floor polygon

Captures written before the section kept the waypoints and the sweep at the top
level of the header, or in the simulator's `simulation` section; `read_plan`
reads those too (`PLACES`: the first place holding a non-empty value wins). Any
malformed value is a `CaptureFormatError` with a one-line message.

It lives below the simulator and the live sweep so both write it with one
builder (`plan_header`), and below the analysis that reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from roomsweep.errors import CaptureFormatError
from roomsweep.protocol.untrusted import printable

# The section's keys, and where each value is looked for in a header, first
# non-empty one wins: the plan section, then where captures before it kept it.
PLACES: dict[str, tuple[str, ...]] = {
    "waypoints": ("plan.waypoints", "waypoints", "simulation.waypoints"),
    "sweep": ("plan.sweep", "sweep", "simulation.sweep"),
    "outline": ("plan.outline",),
}
# every header key (dotted for a key inside a section) `read_plan` may consult
HEADER_KEYS_READ: tuple[str, ...] = ("plan", "simulation") + tuple(
    place for places in PLACES.values() for place in places
)


@dataclass(frozen=True)
class RoomPlan:
    """What a header says about the room; None where it says nothing."""

    # name -> (x, y) or (x, y, z), metres in the room's frame
    waypoints: dict[str, tuple[float, ...]] | None = None
    # the waypoint of each device-button press, in press order
    sweep: list[str] | None = None
    # the room's floor polygon, (x, y) metres in the waypoints' frame
    outline: list[tuple[float, float]] | None = None

    def section(self) -> dict[str, Any]:
        """The header's `plan` section saying what this plan says (JSON types)."""
        out: dict[str, Any] = {}
        if self.waypoints:
            out["waypoints"] = {name: list(p) for name, p in self.waypoints.items()}
        if self.sweep:
            out["sweep"] = list(self.sweep)
        if self.outline:
            out["outline"] = [list(p) for p in self.outline]
        return out

    def positions_xy(self) -> dict[str, tuple[float, float]] | None:
        """Each waypoint's (x, y): what the analyzer fits positions over."""
        if not self.waypoints:
            return None
        return {name: (p[0], p[1]) for name, p in self.waypoints.items()}


@dataclass
class Coverage:
    """The planned stops, those a waypoint mark named, and those it did not."""

    planned: list[str]
    visited: list[str]
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing

    def verdict(self) -> str | None:
        """ "sweep incomplete: N of M stops not visited (...)", or None when every
        planned stop was visited (or no plan is known)."""
        if not self.planned or self.complete:
            return None
        return (
            f"sweep incomplete: {len(self.missing)} of {len(self.planned)} stops not "
            f"visited ({', '.join(self.missing)}); the findings speak only for the "
            f"{len(self.visited)} visited"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "visited": self.visited,
            "not_visited": self.missing,
            "complete": self.complete,
            "verdict": self.verdict(),
        }


def sweep_coverage(planned: list[str], named: list[str]) -> Coverage:
    """Which of the `planned` stops (a plan's sweep, in order) a waypoint mark
    `named`, and which not: the live sweep's (`LiveState.coverage`) and a
    capture's (`roomsweep.analyst.caveats`), one rule. A stop the sweep returns
    to (the door at the start and the end) counts once: the findings speak for
    places, not for visits."""
    seen = set(named)
    stops = list(dict.fromkeys(planned))
    return Coverage(stops, [n for n in stops if n in seen], [n for n in stops if n not in seen])


# --- writing -------------------------------------------------------------------------


def plan_section(scenario: Any) -> dict[str, Any]:
    """The `plan` section for a room described like a simulator scenario: its
    `waypoints` (each `.name`, `.position_m`), its `sweep` (each stop's
    `.waypoint`) and `room_size_m` (width along x, length along y; the floor
    is the rectangle from the origin corner)."""
    width, length = (float(v) for v in scenario.room_size_m[:2])
    return {
        "waypoints": {w.name: [float(v) for v in w.position_m] for w in scenario.waypoints},
        "sweep": [stop.waypoint for stop in scenario.sweep],
        "outline": [[0.0, 0.0], [width, 0.0], [width, length], [0.0, length]],
    }


def plan_header(scenario: Any) -> dict[str, Any]:
    """The header keys a recorder of a simulated room writes about the room: the
    `plan` section, and the same waypoints and sweep at the top level as captures
    before the section had them (older readers, and `roomsweep sweep`, read them)."""
    plan = plan_section(scenario)
    return {"plan": plan, "sweep": list(plan["sweep"]), "waypoints": dict(plan["waypoints"])}


# --- reading -------------------------------------------------------------------------


def read_plan(header: dict[str, Any], where: str = "capture") -> RoomPlan:
    """The room's plan from a capture header (`where` names the file in errors)."""
    for section in ("plan", "simulation"):
        value = header.get(section)
        if value is not None and not isinstance(value, dict):
            raise CaptureFormatError(
                f"{where}: header {section} must be an object, not {_short(value)}"
            )
    found: dict[str, tuple[str, Any]] = {}
    for key, places in PLACES.items():
        for place in places:
            value = _lookup(header, place)
            if value:  # absent, null, [] and {} say nothing: look further
                found[key] = (place, value)
                break
    return _checked(
        where, {key: (f"header {place}", value) for key, (place, value) in found.items()}
    )


def plan_from_object(value: Any, where: str) -> RoomPlan:
    """A plan given on its own (a plan file, `roomsweep analyze --plan`): an object
    shaped like the header's `plan` section, read as strictly. Unknown keys (a
    typo such as `waypoint`) and a plan saying nothing are errors too: a plan that
    silently did nothing would leave the findings without positions unnoticed."""
    if not isinstance(value, dict):
        raise CaptureFormatError(
            f"{where}: a plan is an object with waypoints, sweep and/or outline, "
            f"not {_short(value)}"
        )
    unknown = [key for key in value if key not in PLACES]
    if unknown:
        raise CaptureFormatError(
            f"{where}: unknown plan key {printable(str(unknown[0]))!r} "
            f"(a plan has {', '.join(PLACES)})"
        )
    given = {key: (key, v) for key, v in value.items() if v}
    if not given:
        raise CaptureFormatError(f"{where}: the plan is empty (give waypoints, sweep or outline)")
    return _checked(where, given)


def with_plan(header_plan: RoomPlan, given: RoomPlan | None) -> RoomPlan:
    """The plan a capture is analysed with: each part `given` (a plan file) has,
    else the header's."""
    if given is None:
        return header_plan
    return RoomPlan(
        given.waypoints or header_plan.waypoints,
        given.sweep or header_plan.sweep,
        given.outline or header_plan.outline,
    )


def _checked(where: str, found: dict[str, tuple[str, Any]]) -> RoomPlan:
    """RoomPlan from {key: (how the place is named in messages, value)}."""
    waypoints = _waypoints(where, *found["waypoints"]) if "waypoints" in found else None
    sweep = _sweep(where, *found["sweep"]) if "sweep" in found else None
    outline = _outline(where, *found["outline"]) if "outline" in found else None
    return RoomPlan(waypoints, sweep, outline)


def _lookup(header: dict[str, Any], place: str) -> Any:
    section, _, key = place.rpartition(".")
    holder = header.get(section) if section else header
    return holder.get(key) if isinstance(holder, dict) else None


def _waypoints(where: str, place: str, value: Any) -> dict[str, tuple[float, ...]]:
    if not isinstance(value, dict):
        raise CaptureFormatError(
            f"{where}: {place} must be an object name: [x, y] or [x, y, z], not {_short(value)}"
        )
    out = {}
    for name, pos in value.items():
        if not (isinstance(pos, list) and len(pos) in (2, 3) and all(map(_number, pos))):
            raise CaptureFormatError(
                f"{where}: {place} {name!r} must be [x, y] or [x, y, z] in metres, "
                f"not {_short(pos)}"
            )
        out[printable(name)] = tuple(float(v) for v in pos)  # names come from outside
    return out


def _sweep(where: str, place: str, value: Any) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(n, str) for n in value)):
        raise CaptureFormatError(
            f"{where}: {place} must be a list of waypoint names, not {_short(value)}"
        )
    return [printable(n) for n in value]  # names come from outside


def _outline(where: str, place: str, value: Any) -> list[tuple[float, float]]:
    if not (
        isinstance(value, list)
        and len(value) >= 3
        and all(isinstance(p, list) and len(p) == 2 and all(map(_number, p)) for p in value)
    ):
        raise CaptureFormatError(
            f"{where}: {place} must be a list of at least 3 [x, y] corners in metres, "
            f"not {_short(value)}"
        )
    return [(float(x), float(y)) for x, y in value]


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."
