"""The device pin map: load hardware/pins.toml and render the firmware's pins.py.

The TOML file is the one source; ``make pins`` regenerates firmware/pins.py and a
test proves the checked-in copy is current.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from roomsweep.errors import RoomsweepError

ROLES_SINGLE = (
    "rf_adc",
    "pd_adc",
    "battery_adc",
    "button",
    "status_led",
    "buzzer",
    "rf_attenuator",
    "led_drive",
)
ANALOG_ROLES = ("rf_adc", "pd_adc", "battery_adc")
OUTPUT_ROLES = ("status_led", "buzzer", "rf_attenuator", "led_drive")


def load(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise RoomsweepError(f"cannot read pin map {path}: {e}") from e


def check(pinmap: dict[str, Any]) -> list[str]:
    """Every broken rule of the pin map, as sentences (empty when all is well)."""
    problems = []
    chips = pinmap.get("chips", {})
    for name, board in pinmap.get("boards", {}).items():
        chip = chips.get(board.get("chip"))
        if chip is None:
            problems.append(f"{name}: unknown chip {board.get('chip')!r}")
            continue
        used: dict[int, str] = {}
        pins = [(role, board[role]) for role in ROLES_SINGLE]
        pins += [(f"led_groups[{i}]", p) for i, p in enumerate(board["led_groups"])]
        for role, pin in pins:
            if pin in used:
                problems.append(f"{name}: GPIO{pin} used by both {used[pin]} and {role}")
            used[pin] = role
            if pin in chip["strapping"]:
                problems.append(f"{name}: {role} on strapping pin GPIO{pin}")
            if pin in chip["reserved"]:
                problems.append(f"{name}: {role} on reserved pin GPIO{pin}")
        for role in ANALOG_ROLES:
            if board[role] not in chip["adc1"]:
                problems.append(f"{name}: {role} GPIO{board[role]} is not an ADC1 pin")
        outputs = [(r, board[r]) for r in OUTPUT_ROLES] + [
            (f"led_groups[{i}]", p) for i, p in enumerate(board["led_groups"])
        ]
        for role, pin in outputs:
            if pin in chip["input_only"]:
                problems.append(f"{name}: output {role} on input-only GPIO{pin}")
    return problems


def render_firmware_module(pinmap: dict[str, Any]) -> str:
    """Source text of firmware/pins.py."""
    lines = [
        "# Generated from hardware/pins.toml by `make pins`: do not edit by hand.",
        "# tests/test_pins.py fails when this file and the TOML disagree.",
        "",
        "BOARDS = {  # type: dict",
    ]
    for name, board in pinmap["boards"].items():
        lines.append(f"    {name!r}: {{")
        for role in ROLES_SINGLE:
            lines.append(f"        {role!r}: {board[role]},")
        lines.append(f"        'led_groups': {tuple(board['led_groups'])!r},")
        lines.append("    },")
    lines.append("}")
    lines.append(f"DEFAULT_BOARD = {next(iter(pinmap['boards']))!r}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """python -m roomsweep.tools.pinmap PINS.toml OUT.py"""
    args = sys.argv[1:] if argv is None else argv
    pinmap = load(args[0])
    problems = check(pinmap)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    Path(args[1]).write_text(render_firmware_module(pinmap))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
