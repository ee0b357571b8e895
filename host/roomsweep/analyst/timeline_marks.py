"""The timeline's parts that are not the RF level (`roomsweep.analyst.plot.timeline`):

- findings without a level on the RF detector's dBm axis (a BLE or Wi-Fi scan's
  RSSI, a lens glint in ADC counts) drawn on a strip of their own above it,
  each with its own figure and unit, so that no marker reads as an RF level;
- a capture too short to clear the room (`caveats.MIN_SAMPLED_S`) says so on
  the figure instead of showing blank axes.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from roomsweep.analyst import plotstyle as S
from roomsweep.analyst.analysed import SweepAnalysis, is_rf
from roomsweep.protocol.untrusted import plot_text

STRIP_ROWS = 3  # markers close in time stacked in this many rows


def rf_level(f: dict[str, Any]) -> float | None:
    """A finding's level on the RF detector's dBm axis, or None (a scan's RSSI,
    lens counts, or no level at all)."""
    level = f.get("level_dbm") if is_rf(f) else None
    return None if level is None else float(level)


def off_axis(an: SweepAnalysis) -> list[tuple[int, dict[str, Any]]]:
    """(rank, finding) of the findings with a time but no RF level to draw."""
    return [
        (rank, f)
        for rank, f in enumerate(an.findings, 1)
        if f.get("time_s") is not None and rf_level(f) is None
    ]


def measure(f: dict[str, Any]) -> str:
    """What a finding off the RF axis was measured as: "BLE scan, -27.7 dBm RSSI",
    "lens finder, 13.3 counts"."""
    if f.get("type") == "lens":
        level = f.get("level")
        return "lens finder" + (
            f", {float(level):.1f} counts" if isinstance(level, (int, float)) else ""
        )
    sources = f.get("sources") or [f.get("type")]
    radio = {"wifi": "Wi-Fi scan", "ble": "BLE scan"}.get(str(sources[-1]), "scan")
    level = f.get("level_dbm")
    return radio + (f", {float(level):.1f} dBm RSSI" if isinstance(level, (int, float)) else "")


def layout(an: SweepAnalysis) -> tuple[Figure, Any, Any]:
    """The timeline's figure, its RF axes (the figure's first) and, when some
    finding has no RF level, the strip above it for those (else None)."""
    if not off_axis(an):
        fig = Figure(figsize=S.FIGSIZE)
        return fig, fig.add_subplot(), None
    fig = Figure(figsize=(S.FIGSIZE[0], S.FIGSIZE[1] + 0.7))
    grid = fig.add_gridspec(2, 1, height_ratios=[1.0, 6.0], hspace=0.06)
    ax = fig.add_subplot(grid[1])
    strip = fig.add_subplot(grid[0], sharex=ax)
    return fig, ax, strip


def draw_strip(strip: Any, an: SweepAnalysis, label: Any) -> list[Any]:
    """The findings without an RF level on `strip`, each marked by rank with its
    own measure; returns their legend handles. `label(f)`: its class name."""
    strip.set_ylim(0, 1)
    strip.set_yticks([])
    strip.grid(False)
    strip.tick_params(labelbottom=False)
    for side in ("left", "top", "right"):
        strip.spines[side].set_visible(False)
    strip.set_ylabel("not RF", rotation=0, ha="right", va="center", color=S.MUTED)
    strip.text(
        0.0,
        1.02,
        "scan and lens findings: a radio's RSSI or a glint in counts, not a level on the "
        "RF axis below",
        transform=strip.transAxes,
        fontsize=8,
        color=S.MUTED,
        va="bottom",
        ha="left",
    )
    handles = []
    for k, (rank, f) in enumerate(off_axis(an)):
        y = (k % STRIP_ROWS + 0.5) / STRIP_ROWS
        colour = S.class_colour(label(f))
        h = S.finding_marker(
            strip,
            f["time_s"],
            y,
            "v",
            9,
            colour,
            label=plot_text(f"#{rank} {f.get('title') or label(f)} ({measure(f)}; top strip)"),
        )
        handles.append(h)
        strip.annotate(
            plot_text(f"#{rank} {measure(f).partition(', ')[2]}"),
            (f["time_s"], y),
            xytext=(7, -3),
            textcoords="offset points",
            color=colour,
            fontsize=8,
            fontweight="bold",
            va="center",
        )
    return handles


def too_short_note(ax: Any, an: SweepAnalysis) -> bool:
    """On a capture too short to clear the room, say so across the axes; True if so."""
    text = an.caveats.too_short
    if text is None:
        return False
    ax.text(
        0.5,
        0.5,
        "\n".join(plot_text(part) for part in (text[0].upper() + text[1:]).split(": ")),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=11,
        color=S.SATURATED,
        bbox={"facecolor": "white", "edgecolor": S.SATURATED, "pad": 6.0},
    )
    return True
