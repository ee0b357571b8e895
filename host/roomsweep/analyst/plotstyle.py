"""One look for every roomsweep figure: sizes, fonts, colours per finding class.

Figures are made with `matplotlib.figure.Figure` (no pyplot, no global backend),
inside `style()` so the settings never leak into a caller's own plots.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl

FIGSIZE = (10.0, 4.2)  # inches: readable in a report and on a laptop screen
MAP_FIGSIZE = (7.0, 6.0)
DPI = 110

LEVEL = "#1f4e79"  # the RF level line
LEVEL_FILL = "#9ec5e8"  # median..peak band
STOP_FILL = "#f2f2f2"  # a waypoint's dwell
EXPECTED = "#c0392b"  # a class's expected spectral lines
MUTED = "#555555"
SATURATED = "#c0392b"  # levels at the detector's ceiling (lower bounds)
# behind a waypoint's name on a time axis (over shading and hatching)
NAME_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 1.0}

# Colour-blind-safe palette (Okabe & Ito, "Color Universal Design", 2008)
# and three of Tol's "muted" scheme (Paul Tol, "Colour schemes", SRON 2021) for
# the kinds beyond the RF classes
PALETTE = (
    "#D55E00",
    "#0072B2",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#882255",
    "#44AA99",
    "#999933",
)
_KNOWN = {
    "wifi_camera": 0,
    "gsm": 1,
    "dect": 2,
    "analog_video": 3,
    "ble": 4,
    "bt_classic": 5,
    "lte": 6,
    "wifi_ap": 7,
    "camera_lens": 8,
}

RC: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "savefig.bbox": "tight",
    "savefig.dpi": DPI,
    "figure.dpi": DPI,
}


def class_colour(cls: str) -> str:
    """A stable colour per finding class; classes added later get one too."""
    index = _KNOWN.get(cls)
    if index is None:
        index = zlib.crc32(cls.encode()) % len(PALETTE)
    return PALETTE[index]


@contextmanager
def style() -> Iterator[None]:
    with mpl.rc_context(RC):  # type: ignore[arg-type]
        yield


def finding_marker(
    ax: Any, x: float, y: float, shape: str, size: float, colour: str, **kw: Any
) -> Any:
    """One finding's (or glint's) marker at (x, y) on `ax`: filled in `colour`
    with a white edge, above the tracks (zorder 5), no line; `kw` (a legend
    label) goes to `ax.plot`. Returns its Line2D (a legend handle)."""
    (line,) = ax.plot(
        [x],
        [y],
        marker=shape,
        markersize=size,
        color=colour,
        markeredgecolor="white",
        linestyle="none",
        zorder=5,
        **kw,
    )
    return line
