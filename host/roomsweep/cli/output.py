"""What the commands print: findings as text, data as JSON."""

from __future__ import annotations

import json
from typing import Any


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def format_findings(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return "no suspicious transmitter or camera lens found"
    lines = []
    for i, f in enumerate(findings, 1):
        where = f["waypoint"] or f"{f['time_s']:.1f} s into the sweep"
        pos = ""
        if f.get("position_m"):
            pos = (
                f" (estimated at x={f['position_m'][0]:.1f} m, y={f['position_m'][1]:.1f} m"
                f" +- {f['position_uncertainty_m']:.1f} m)"
            )
        lines.append(f"{i}. {f['title']} near {where}{pos}")
        if f.get("type") == "lens":  # strength in ADC counts, not dBm (docs/findings.md)
            lines.append(
                f"   glint at {f['time_s']:.1f} s, {f['level']:.1f} counts, "
                f"confidence {f['confidence']:.2f}; why: {f['why']}"
            )
            continue
        lines.append(
            f"   level {f['level_dbm']:.1f} dBm, confidence {f['confidence']:.2f}; why: {f['why']}"
        )
    return "\n".join(lines)
