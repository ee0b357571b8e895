"""Checking the values of a scenario document (TOML, already parsed into dicts).

The helpers read one value each and raise `Bad` with a one-line reason naming
where it is; `roomsweep.sim.scenario` prefixes the file name. They serve the
scenario's own sections (scenario.py), the emitter kinds' parameters (kinds.py),
the lens finder's (optics_toml.py) and the network radios' (netdevices.py).
"""

from __future__ import annotations

import math
from typing import Any

from roomsweep.errors import ScenarioError


class Bad(ScenarioError):
    """A problem found while building a scenario; scenario._parse prefixes the file name."""


def check_keys(table: dict, allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise Bad(f"unknown key {key!r} in {where} (expected: {', '.join(sorted(allowed))})")


def sub_table(doc: dict, key: str, where: str, required: bool = True) -> dict:
    if key not in doc:
        if required:
            raise Bad(f"missing [{key}] table")
        return {}
    value = doc[key]
    if not isinstance(value, dict):
        raise Bad(f"{where}{key} must be a table")
    return value


def number(table: dict, key: str, where: str, default: float | None = None) -> float:
    if key not in table:
        if default is None:
            raise Bad(f"{where}: missing {key}")
        return float(default)
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Bad(f"{where}: {key} must be a finite number, not {short(value)}")
    return float(value)


def string(table: dict, key: str, where: str, default: str | None = None) -> str:
    if key not in table:
        if default is None:
            raise Bad(f"{where}: missing {key}")
        return default
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise Bad(f"{where}: {key} must be a non-empty string, not {short(value)}")
    return value


def boolean(table: dict, key: str, where: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise Bad(f"{where}: {key} must be true or false, not {short(value)}")
    return value


def vec3(value: Any, what: str) -> tuple[float, float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 3
        or any(
            isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
            for v in value
        )
    ):
        raise Bad(f"{what} must be three numbers [x, y, z] in metres, not {short(value)}")
    return (float(value[0]), float(value[1]), float(value[2]))


def short(value: Any) -> str:
    """repr(value), cut to 60 characters for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def in_box(p: tuple[float, float, float], size: tuple[float, float, float]) -> bool:
    """Whether point `p` is in the room 0 <= x, y, z <= size (walls included)."""
    return all(0.0 <= c <= s for c, s in zip(p, size))


def fmt_vec(p) -> str:
    """A point for a message: [x, y, z] with %g."""
    return "[" + ", ".join(f"{c:g}" for c in p) + "]"
