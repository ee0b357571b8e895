"""What the commands print: findings as text, data as JSON."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from roomsweep.analysis.recording import DETECTOR_CEILING_DBM, level_text
from roomsweep.analyst.analysed import is_rf
from roomsweep.analyst.evidence import Table, as_text, describe


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def format_findings(
    findings: list[dict[str, Any]],
    width: int | None = None,
    indent: str = "",
    evidence: bool = False,
    ceiling: float = DETECTOR_CEILING_DBM,
) -> str:
    """The ranked findings for people. A detector level at its ceiling reads
    "≥ -3 dBm (saturated)" (`recording.level_text`). With `width`, every line
    (after `indent`) is wrapped at word boundaries to at most `width` columns.
    With `evidence`, each finding's evidence follows in the report's sentences
    and tables (`roomsweep.analyst.evidence`). `ceiling`: the recording's
    (`Recording.ceiling_dbm`, higher with the auto-ranging pad in)."""
    if not findings:
        lines = ["no suspicious transmitter or camera lens found"]
    else:
        lines = []
    tables: set[str] = set()  # lines that are rows of a table
    for i, f in enumerate(findings, 1):
        where = f["waypoint"] or f"{f['time_s']:.1f} s into the sweep"
        pos = ""
        if f.get("position_m"):
            unc = f.get("position_uncertainty_m")
            pos = f" (estimated at x={f['position_m'][0]:.1f} m, y={f['position_m'][1]:.1f} m" + (
                f" +- {unc:.1f} m)" if unc is not None else ")"
            )
        lines.append(f"{i}. {f['title']} near {where}{pos}")
        if f.get("type") == "lens":  # strength in ADC counts, not dBm (docs/findings.md)
            lines.append(
                f"   glint at {f['time_s']:.1f} s, {f['level']:.1f} counts, "
                f"confidence {f['confidence']:.2f}; why: {f['why']}"
            )
        else:
            # the RF detector's level can be at its ceiling; a radio's RSSI cannot
            level = (
                level_text(f["level_dbm"], ceiling=ceiling)
                if is_rf(f)
                else f"{f['level_dbm']:.1f} dBm"
            )
            lines.append(f"   level {level}, confidence {f['confidence']:.2f}; why: {f['why']}")
        for item in describe(f) if evidence else []:
            text = as_text([item], indent="   ")
            if isinstance(item, Table):  # a table's rows stay whole (columns)
                tables.update(text.split("\n")[1:])
            lines += text.split("\n")
    if width is None:
        return "\n".join(indent + line for line in lines)
    return "\n".join(
        indent + line if line in tables else wrap_line(line, width, indent) for line in lines
    )


def wrap_line(line: str, width: int, indent: str = "") -> str:
    """`line` after `indent`, wrapped at word boundaries to `width` columns; the
    continuation lines indented three more than the line's own indent. A word
    longer than a line (a path) is kept whole."""
    lead = indent + " " * (len(line) - len(line.lstrip(" ")))
    return textwrap.fill(
        line.strip(),
        width=width,
        initial_indent=lead,
        subsequent_indent=lead + "   ",
        break_long_words=False,
        break_on_hyphens=False,
    )
