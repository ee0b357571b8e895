"""`roomsweep plot`: the figures an analyst looks at, from a `SweepAnalysis`.

- timeline: RF level (dBm through the calibration) along the sweep, the
  waypoint dwells shaded and named, the findings marked by rank;
- spectrum: the on/off envelope spectrum of one finding with its class's
  expected lines (frame rate and harmonics) marked;
- lens: the photodiode lock-in amplitude per LED group with glints
  (`roomsweep.analysis.lens`);
- map: waypoints coloured by their loudest level, findings at their estimated
  positions (when the capture knows the waypoints' positions).

Why this module is long: each figure is drawn here with what makes it readable
(the map's outline, markers and greedy label placement, the lens plot's two
panels and symmetric-log excess, the spectrum's note for classes without a frame
period), so that the report and `roomsweep plot` draw the very same figures.

Names on a figure come from outside (waypoint names and MARK labels, SSIDs in
titles, the capture's file name): each goes through `untrusted.plot_text`, so a
``$`` is drawn as a dollar sign, never parsed as mathtext (two of them used to
make matplotlib raise).
"""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, NullLocator
from matplotlib.transforms import Bbox

from roomsweep.analysis.recording import saturated
from roomsweep.analyst import plotstyle as S
from roomsweep.analyst import timeline_marks as T
from roomsweep.analyst.analysed import (
    SweepAnalysis,
    ceiling_dbm,
    finding_spectrum,
    is_rf,
    level_track,
)
from roomsweep.analyst.evidence import short_name
from roomsweep.errors import UsageError
from roomsweep.link.outputs import atomic_write
from roomsweep.protocol.untrusted import plot_text

KINDS = ("timeline", "spectrum", "lens", "map")


def figure(an: SweepAnalysis, kind: str, finding: int | str | None = None) -> Figure:
    """The figure of `kind`; `finding` is a 1-based rank or a class (spectrum only)."""
    if kind == "timeline":
        return timeline(an)
    if kind == "spectrum":
        return spectrum(an, finding)
    if kind == "lens":
        return lens(an)
    if kind == "map":
        return room_map(an)
    raise UsageError(f"unknown plot kind {kind!r} (one of {', '.join(KINDS)})")


def save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    if fmt not in ("png", "svg", "pdf"):
        raise UsageError(f"{path}: plots are written as .png, .svg or .pdf")
    try:
        with S.style(), atomic_write(path, "wb") as f:  # whole, or not at all
            fig.savefig(f, format=fmt)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from e
    return path


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    with S.style():
        fig.savefig(buf, format="png")
    return buf.getvalue()


def _legend(ax: Any, **kw: Any) -> None:
    if ax.get_legend_handles_labels()[0]:  # nothing labelled (a clean sweep): no box
        ax.legend(**kw)


def _label(f: dict[str, Any]) -> str:
    return str(f.get("class") or f.get("type") or "finding")


def _name(an: SweepAnalysis) -> str:
    """The capture's file name, for a figure's title."""
    return plot_text(Path(an.path).name)


def timeline(an: SweepAnalysis) -> Figure:
    rec = an.rec
    with S.style():
        # findings without an RF level (scan RSSI, lens counts) get a strip above
        fig, ax, strip = T.layout(an)
        short = T.too_short_note(ax, an)  # no level to see: said, not blank axes
        # the bursts' level (peak per bin of about 1/1500 of the sweep) and the
        # room's floor between them (median over 1 s)
        peaks = level_track(rec, bin_s=max(0.02, rec.duration_s / 1500))
        floor = level_track(rec, bin_s=min(1.0, max(rec.duration_s / 20, 0.05)))
        ax.plot(
            peaks["t_s"],
            peaks["peak_dbm"],
            color=S.LEVEL,
            linewidth=0.8,
            marker="." if short else None,  # a point or two: seen, not a legend's line
            label=None if short else "peak level",
        )
        ax.plot(
            floor["t_s"],
            floor["median_dbm"],
            color=S.LEVEL_FILL,
            linewidth=1.6,
            label=None if short else "median level (1 s)",
        )
        # at or above the detector's ceiling a level is only a lower bound: those
        # stretches of the peak drawn again in red, the ceiling dashed
        ceiling = ceiling_dbm(an)
        with np.errstate(invalid="ignore"):
            clipped = peaks["peak_dbm"] >= ceiling
        if clipped.any():
            ax.axhline(ceiling, color=S.SATURATED, linewidth=0.8, linestyle="--", zorder=1)
            ax.plot(
                peaks["t_s"],
                np.where(clipped, peaks["peak_dbm"], np.nan),
                color=S.SATURATED,
                linewidth=2.2,
                label=f"saturated (≥ {ceiling:g} dBm: the true level may be higher)",
            )
        # (nan-: the tracks break at the gaps in the samples)
        lo = min(float(np.nanmin(floor["median_dbm"])), float(np.nanmin(peaks["peak_dbm"]))) - 3
        hi = float(np.nanmax(peaks["peak_dbm"])) + 3
        ax.set_ylim(lo, hi + 0.25 * (hi - lo))  # headroom for the waypoint names
        _shade_stops(ax, an)
        for rank, f in enumerate(an.findings, 1):
            # other kinds' levels (a radio's RSSI, lens counts) are not on this
            # axis: on the strip above it (timeline_marks)
            level = T.rf_level(f)
            if f.get("time_s") is None or level is None:
                continue
            y = level
            colour = S.class_colour(_label(f))
            lower_bound = saturated(y, ceiling)
            S.finding_marker(
                ax,
                f["time_s"],
                y,
                "o",
                10,
                colour,
                label=plot_text(f"#{rank} {f.get('title') or _label(f)}")
                + (" (saturated)" if lower_bound else ""),
            )
            ax.annotate(
                f"#{rank}",
                (f["time_s"], y),
                xytext=(7, -4),
                textcoords="offset points",
                color=colour,
                fontweight="bold",
                zorder=6,
            )
        # device time: the Wi-Fi scans' gaps in the samples hatched (issue 16)
        _hatch_gaps(ax, an, label=True)
        ax.set_xlim(0, an.duration_s)
        ax.set_xlabel("time in the sweep (s, device clock); shaded: dwell at a waypoint")
        ax.set_ylabel("RF level at the detector (dBm)")
        title = f"RF level along the sweep: {_name(an)}"
        if strip is None:
            ax.set_title(title)
            _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
        else:
            strip.set_title(title, pad=14)
            off = T.draw_strip(strip, an, _label)
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(
                handles + off,
                labels + [str(h.get_label()) for h in off],
                loc="upper center",
                bbox_to_anchor=(0.5, -0.14),
                ncol=2,
            )
    return fig


LINE_MIN_HZ = 5.0  # below this an envelope spectrum holds the level's slow drift


def _pick_rf_finding(an: SweepAnalysis, finding: int | str | None) -> tuple[int, dict[str, Any]]:
    """A finding by rank (1-based) or by class (its best-ranked RF finding)."""
    if not an.findings:
        raise UsageError(f"{an.path}: no findings to take a spectrum of")
    if isinstance(finding, str):
        for rank, f in enumerate(an.findings, 1):
            if f.get("class") == finding and is_rf(f):
                return rank, f
        raise UsageError(
            f"--finding {finding}: no RF finding of that class (classes here: "
            f"{', '.join(sorted({str(f.get('class')) for f in an.findings}))})"
        )
    if finding is not None:
        if not 1 <= finding <= len(an.findings):
            raise UsageError(
                f"--finding {finding}: the capture has {len(an.findings)} "
                f"finding(s), numbered from 1"
            )
        return finding, an.findings[finding - 1]
    for rank, f in enumerate(an.findings, 1):
        if is_rf(f) and f.get("time_s") is not None and f.get("level_dbm") is not None:
            return rank, f
    raise UsageError(f"{an.path}: no RF finding to take a spectrum of")


def spectrum(an: SweepAnalysis, finding: int | str | None = None) -> Figure:
    rank, f = _pick_rf_finding(an, finding)
    spec = finding_spectrum(an.rec, f)
    freqs, psd = spec["freqs_hz"], spec["psd"]
    with S.style():
        fig = Figure(figsize=S.FIGSIZE)
        ax = fig.add_subplot()
        top_hz = max(spec["expected_hz"][-1] * 1.15 if spec["expected_hz"] else 0.0, 1000.0)
        keep = (freqs > 0) & (freqs <= top_hz)
        if keep.any():
            ax.semilogy(
                freqs[keep],
                np.maximum(psd[keep], 1e-12),
                color=S.LEVEL,
                linewidth=0.9,
                label="envelope power spectrum",
            )
        for k, hz in enumerate(spec["expected_hz"]):
            if hz <= top_hz:
                ax.axvline(
                    hz,
                    color=S.EXPECTED,
                    linestyle="--",
                    linewidth=0.9,
                    alpha=0.8,
                    label=plot_text(
                        f"expected for {_label(f)}: {1 / spec['period_s']:.1f} Hz and harmonics"
                    )
                    if k == 0
                    else None,
                )
        ax.set_xlim(0, top_hz)
        ax.set_xlabel("frequency of the on/off envelope (Hz)")
        ax.set_ylabel("power (a.u.)")
        w0, w1 = spec["window_s"]
        where = f.get("waypoint") or f"{f['time_s']:.1f} s"
        ax.set_title(
            plot_text(
                f"#{rank} {f.get('title') or _label(f)}, at {where} "
                f"({w0:.1f}-{w1:.1f} s, {spec['bursts']} bursts at its level)"
            ),
            fontsize=11,
        )
        if not spec["expected_hz"]:
            # no frame grid for this class: mark what was measured instead
            ev = f.get("evidence") or {}
            rate = ev.get("burst_rate_hz")
            # the strongest line of the spectrum drawn here (above the slow drift
            # near 0 Hz): what the eye looks for, whichever transmitter made it
            band = keep & (freqs >= LINE_MIN_HZ)
            if band.any():
                line = float(freqs[band][np.argmax(psd[band])])
                ax.axvline(
                    line,
                    color=S.EXPECTED,
                    linestyle=":",
                    linewidth=1.0,
                    label=f"strongest envelope line here: {line:.1f} Hz",
                )
            if isinstance(rate, (int, float)) and 0 < rate <= top_hz:
                ax.axvline(
                    float(rate),
                    color=S.MUTED,
                    linestyle="-.",
                    linewidth=1.0,
                    label=f"measured burst rate: {float(rate):.0f} per second",
                )
            ax.text(
                0.01,
                0.03,
                "\n".join(plot_text(line) for line in no_period_note(_label(f)).split("\n")),
                transform=ax.transAxes,
                ha="left",
                va="bottom",
                color=S.MUTED,
                fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2},
            )
        _legend(ax, loc="upper right", frameon=True, facecolor="white", edgecolor="none")
    return fig


NO_PERIOD = {
    "wifi_camera": "Wi-Fi data frames have no fixed period\n(they go when the channel is "
    "free):\nmarked are the measured burst rate\nand the envelope's strongest line",
    "ble": "BLE advertising repeats every advInterval\nplus a random 0-10 ms delay: "
    "no fixed line;\nmarked are the measured burst rate\nand the envelope's strongest line",
    "analog_video": "analog video is a continuous carrier:\nno bursts, no frame period",
}


def no_period_note(cls: str) -> str:
    """What a spectrum shows for a class with no frame period (`class_period_s`)."""
    return NO_PERIOD.get(
        cls,
        f"class {cls} has no fixed frame period:\nmarked are the measured burst rate\n"
        "and the envelope's strongest line",
    )


def lens_module() -> Any:
    """`roomsweep.analysis.lens`, or a one-line error when this build has none."""
    try:
        return importlib.import_module("roomsweep.analysis.lens")
    except ModuleNotFoundError as e:
        if e.name != "roomsweep.analysis.lens":
            raise
        raise UsageError(
            "--kind lens: this roomsweep has no lens analysis yet (roomsweep.analysis.lens)"
        ) from None


def lens_tracks(an: SweepAnalysis) -> Any:
    return lens_module().amplitude_tracks(an.rec)


GAP_SETTLE_S = 0.25  # lens panel: frames after a gap in the samples left out
RING_NAMES = ("inner ring", "middle ring", "outer ring")  # LED groups 0, 1, 2 (docs/lens.md)


def _stop_names(ax: Any, an: SweepAnalysis, fontsize: float = 8, gaps_label: bool = False) -> None:
    """Each waypoint's dwell shaded, its name at the top of the axes; the gaps in
    the samples (Wi-Fi scans, lost data) hatched as on the timeline."""
    _shade_stops(ax, an, fontsize)
    _hatch_gaps(ax, an, gaps_label)


def _shade_stops(ax: Any, an: SweepAnalysis, fontsize: float = 8) -> None:
    """Each waypoint's dwell shaded, its name at the top of the axes."""
    for stop in an.stops:
        ax.axvspan(stop["start_s"], stop["end_s"], color=S.STOP_FILL, zorder=0)
        if stop["waypoint"]:
            ax.text(
                stop["start_s"],
                0.99,
                plot_text(f" {stop['waypoint']}"),
                rotation=90,
                va="top",
                ha="left",
                fontsize=fontsize,
                color=S.MUTED,
                transform=ax.get_xaxis_transform(),
                bbox=S.NAME_BOX,  # readable over the scans' hatching
            )


def _hatch_gaps(ax: Any, an: SweepAnalysis, label: bool = False) -> None:
    """The gaps in the samples (Wi-Fi scans, lost data) hatched, on device time."""
    for k, (g0, g1) in enumerate(getattr(an, "scan_gaps", None) or []):
        ax.axvspan(
            g0,
            g1,
            facecolor="none",
            edgecolor=S.MUTED,
            hatch="///",
            linewidth=0,
            alpha=0.4,
            zorder=0,
            label="no samples (Wi-Fi scan or lost data)" if k == 0 and label else None,
        )


def device_times(an: SweepAnalysis, t: np.ndarray) -> np.ndarray:
    """Sample-clock times as device time, the time base of every output (the
    findings', the stops'); unchanged for a recording that does not map them."""
    convert = getattr(an.rec, "device_time", None)
    return np.asarray(convert(t), dtype=float) if convert is not None else t


def duration(an: SweepAnalysis) -> float:
    """The sweep's duration in device time (samples and the gaps between them)."""
    value: Any = getattr(an, "duration_s", None) or getattr(
        an.rec, "device_duration_s", an.rec.duration_s
    )
    return float(value)


def _break_gaps(t: np.ndarray, *ys: np.ndarray) -> tuple[np.ndarray, ...]:
    """NaN inserted where `t` jumps by more than three of its median steps (a
    Wi-Fi scan's pause in the samples): no line is drawn across a gap."""
    if t.size < 3:
        return (t, *ys)
    step = float(np.median(np.diff(t)))
    cut = np.flatnonzero(np.diff(t) > 3 * step) + 1
    if cut.size == 0:
        return (t, *ys)
    return (
        np.insert(t, cut, np.nan),
        *(np.insert(np.asarray(y, dtype=float), cut, np.nan) for y in ys),
    )


def lens_excess(tracks: np.ndarray, wall_ratio: float | None = None) -> tuple[np.ndarray, float]:
    """Light only the inner ring got: the inner ring's track minus the outer's
    divided by the walls' outer/inner ratio (a wall, mirror or window returns
    light to every ring alike; a lens returns the inner ring's, docs/lens.md).
    The ratio is the lens finding's `wall_ratio`, else the median over the sweep."""
    inner, outer = tracks[0], tracks[-1]
    if not wall_ratio or not np.isfinite(wall_ratio) or wall_ratio <= 0:
        ok = inner > 1e-9
        wall_ratio = float(np.median(outer[ok] / inner[ok])) if ok.any() else 1.0
    return inner - outer / wall_ratio, float(wall_ratio)


def _glints(f: dict[str, Any]) -> list[Any]:
    """A lens finding's list of glints (docs/findings.md), [] when it has none."""
    ev = f.get("evidence")
    glints = ev.get("glints") if isinstance(ev, dict) else None
    return glints if isinstance(glints, list) else []


def lens(an: SweepAnalysis) -> Figure:
    """Two panels over the sweep, stops named: above, the lock-in amplitude per
    LED ring (`amplitude_tracks`: array (groups, frames) and "times_s",
    "freqs_hz", "lit"), whose big peaks are walls, mirrors and glass close by,
    alike on every ring; below, the light only the inner ring got
    (`lens_excess`), where a lens's glint stands out, each lens finding's
    glints marked and named by the waypoint they were seen from. Next to a gap
    in the samples (a Wi-Fi scan) the lock-in filters ring: those frames of the
    lower panel are left out (GAP_SETTLE_S), unless a reported glint is there."""
    tracks, props = lens_tracks(an)
    tracks = np.atleast_2d(np.asarray(tracks, dtype=float))
    t = np.asarray(props.get("times_s", np.arange(tracks.shape[1])), dtype=float)
    t = device_times(an, t[: tracks.shape[1]])
    freqs = props.get("freqs_hz") or [None] * tracks.shape[0]
    lit = props.get("lit") or [True] * tracks.shape[0]
    lens_findings = [
        (rank, f)
        for rank, f in enumerate(an.findings, 1)
        if f.get("type") == "lens" and f.get("time_s") is not None
    ]
    wall = None
    for _rank, f in lens_findings:
        w = (f.get("evidence") or {}).get("wall_ratio")
        if isinstance(w, (int, float)):
            wall = float(w)
            break
    with S.style():
        fig = Figure(figsize=(S.FIGSIZE[0], S.FIGSIZE[1] * 1.75))
        ax, bx = fig.subplots(2, 1, sharex=True, height_ratios=(1.1, 1.0))
        _stop_names(ax, an)
        for i, track in enumerate(tracks):
            if not lit[i]:
                continue
            hz = f" ({freqs[i]:.0f} Hz)" if freqs[i] else ""
            ring = f"{RING_NAMES[i]}: " if len(tracks) == 3 else ""
            ax.plot(
                *_break_gaps(t[: track.size], track),
                color=S.PALETTE[(i + 1) % len(S.PALETTE)],
                linewidth=0.9,
                label=f"{ring}LED group {i}{hz}",
            )
        ax.plot(
            [],
            [],
            linestyle="none",
            label="big peaks alike on every ring: walls, mirrors, glass close by (not lenses)",
        )
        ax.set_ylabel("lock-in amplitude\n(ADC counts)")
        ax.set_title(f"Lens glints along the sweep: {_name(an)}")
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        glint_labels: list[tuple[str, tuple[float, float], dict[str, Any]]] = []
        glint_markers: list[tuple[float, float, float]] = []
        if len(tracks) >= 2 and lit[0] and lit[-1]:
            excess, ratio = lens_excess(tracks, wall)
            # the lock-in filters ring for a few frames where a gap (a Wi-Fi scan)
            # cut the samples: not light, so not drawn
            excess = excess.copy()
            glint_times = [
                float(g["time_s"])
                for _r, f in lens_findings
                for g in _glints(f)
                if isinstance(g, dict) and g.get("time_s") is not None
            ]
            tt = t[: excess.size]
            keep = np.zeros(tt.size, dtype=bool)
            for gt in glint_times:  # what the lens finder reported is always drawn
                keep |= np.abs(tt - gt) <= 0.15
            for g0, g1 in getattr(an, "scan_gaps", None) or []:
                edge = ((tt >= g0 - GAP_SETTLE_S / 2) & (tt < g0)) | (
                    (tt >= g1) & (tt < g1 + GAP_SETTLE_S)
                )
                excess[edge & ~keep] = np.nan
            bx.plot(
                *_break_gaps(t[: excess.size], excess),
                color=S.LEVEL,
                linewidth=0.9,
                label=f"inner ring minus outer ring / {ratio:.2f} (the walls' ratio)",
            )
            bx.plot(  # why the biggest swings here are not marked (lens_glints step 3)
                [],
                [],
                linestyle="none",
                label="swings both ways at the steep edges of big returns: the other\n"
                "rings' own tracks explain them (not light only the inner ring got)",
            )
            _stop_names(bx, an, fontsize=7, gaps_label=True)
            glint_rises = []
            for rank, f in lens_findings:
                colour = S.class_colour(_label(f))
                for g in _glints(f):
                    if not (isinstance(g, dict) and g.get("time_s") is not None):
                        continue
                    gt = float(g["time_s"])
                    k = int(np.clip(np.searchsorted(t, gt), 0, excess.size - 1))
                    near = slice(max(0, k - 8), min(excess.size, k + 8))
                    y = float(np.nanmax(excess[near])) if np.isfinite(excess[near]).any() else 0.0
                    glint_rises.append(y)
                    where = g.get("waypoint") or f.get("waypoint") or f"{gt:.1f} s"
                    S.finding_marker(bx, gt, y, "v", 9, colour)
                    glint_markers.append((gt, y, 5.0))
                    glint_labels.append(
                        (
                            plot_text(f"#{rank} {where}"),
                            (gt, y),
                            {"fontsize": 8, "color": colour, "fontweight": "bold"},
                        )
                    )
                bx.plot(
                    [],
                    [],
                    marker="v",
                    color=colour,
                    linestyle="none",
                    label=plot_text(f"#{rank} {f.get('title') or _label(f)}: its glints"),
                )
            # symmetric log: a 15-count glint and a 700-count spike both show
            noise = float(np.nanmedian(np.abs(excess))) if excess.size else 1.0
            linthresh = max(5.0, 8 * noise)
            bx.set_yscale("symlog", linthresh=linthresh)
            top = max([float(np.nanmax(excess)) if excess.size else 1.0, *glint_rises, 1.0])
            low = min(float(np.nanmin(excess)) if excess.size else 0.0, -linthresh)
            y0, y1 = max(low * 1.5, -20 * linthresh), top * 30
            bx.set_ylim(y0, y1)
            ticks = [0.0] + [
                sign * 10.0**e
                for e in range(0, 7)
                for sign in (1, -1)
                if 10.0**e >= linthresh and y0 <= sign * 10.0**e <= y1
            ]
            bx.set_yticks(sorted(ticks))
            bx.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            bx.yaxis.set_minor_locator(NullLocator())
            bx.set_ylabel("light only the inner\nring got (ADC counts)")
            _legend(bx, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        else:
            bx.text(
                0.5,
                0.5,
                "the inner and outer rings were not both lit",
                transform=bx.transAxes,
                ha="center",
                color=S.MUTED,
            )
        bx.set_xlim(0, duration(an))
        bx.set_xlabel("time in the sweep (s, device clock); shaded: dwell at a waypoint")
        if glint_labels:
            place_labels(fig, bx, glint_labels, glint_markers, offsets=_ABOVE_FIRST)
    return fig


def convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull of `points`, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(set((float(x), float(y)) for x, y in points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def room_outline(an: SweepAnalysis) -> tuple[list[tuple[float, float]], bool]:
    """The room's floor polygon from the capture's plan (`plan.outline`), or else
    the convex hull of the stops' positions; and whether it is the plan's."""
    outline = getattr(an.rec, "room_outline", None)
    if outline and len(outline) >= 3:
        return [(float(x), float(y)) for x, y in outline], True
    return convex_hull(list((an.rec.waypoint_positions or {}).values())), False


def inside_room(point: tuple[float, float], polygon: list[tuple[float, float]]) -> bool:
    """Whether `point` lies inside (or on) the room's outline."""
    return len(polygon) < 3 or bool(MplPath(polygon).contains_point(point, radius=1e-9))


def _inside_or_wall(
    point: tuple[float, float], polygon: list[tuple[float, float]]
) -> tuple[tuple[float, float], bool]:
    """`point` if it is inside `polygon`, else the nearest point on its edge."""
    if inside_room(point, polygon):
        return point, True
    p = np.asarray(point, dtype=float)
    best, best_d = p, np.inf
    for a, b in zip(polygon, polygon[1:] + polygon[:1]):
        a_, b_ = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        ab = b_ - a_
        t = float(np.clip(np.dot(p - a_, ab) / max(float(np.dot(ab, ab)), 1e-12), 0.0, 1.0))
        q = a_ + t * ab
        d = float(np.hypot(*(p - q)))
        if d < best_d:
            best, best_d = q, d
    return (float(best[0]), float(best[1])), False


# label offsets tried in order (points): right, left, above, below, the diagonals,
# then further out; the first that hits no marker and no other label is taken
_OFFSETS: list[tuple[float, float]] = [
    (dx * r, dy * r)
    for r in (9, 17, 27)
    for dx, dy in (
        (1, -0.4),
        (-1, -0.4),
        (0, 1),
        (0, -1.4),
        (1, 1),
        (-1, 1),
        (1, -1.6),
        (-1, -1.6),
    )
]


# above first (a glint's label over its marker), then the sides, higher up
_ABOVE_FIRST: list[tuple[float, float]] = [
    (dx, dy) for dy in (9, 22, 35, 48) for dx in (0, 14, -14)
] + _OFFSETS


def _boxes_overlap(a: Any, b: Any, pad: float = 1.0) -> bool:
    return bool(
        a.x0 - pad < b.x1 and b.x0 - pad < a.x1 and a.y0 - pad < b.y1 and b.y0 - pad < a.y1
    )


def place_labels(
    fig: Figure,
    ax: Any,
    labels: list[tuple[str, tuple[float, float], dict[str, Any]]],
    markers: list[tuple[float, float, float]],
    offsets: list[tuple[float, float]] | None = None,
) -> list[Any]:
    """Greedy label placement: each label (text, data point, text style) at the
    first offset of `_OFFSETS` whose box overlaps no marker (data x, y, radius
    in points) and no label placed before it, and stays inside the axes; the
    last candidate when none is free. Returns the text artists."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the axes' final size and aspect (colorbar, equal aspect)
    renderer = canvas.get_renderer()
    scale = fig.dpi / 72.0
    taken = []
    for x, y, r in markers:
        cx, cy = ax.transData.transform((x, y))
        rr = r * scale
        taken.append(Bbox.from_extents(cx - rr, cy - rr, cx + rr, cy + rr))
    frame = ax.get_window_extent(renderer)
    placed = []
    for text, (x, y), style in labels:
        artist = None
        candidates = offsets or _OFFSETS
        for k, (dx, dy) in enumerate(candidates):
            if artist is not None:
                artist.remove()
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            artist = ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                zorder=6,
                **style,
            )
            box = artist.get_window_extent(renderer)
            inside = (
                box.x0 >= frame.x0
                and box.x1 <= frame.x1
                and box.y0 >= frame.y0
                and box.y1 <= frame.y1
            )
            if inside and not any(_boxes_overlap(box, t) for t in taken):
                break
            if k == len(candidates) - 1:
                break
        assert artist is not None
        taken.append(artist.get_window_extent(renderer))
        placed.append(artist)
    return placed


MARKER_PT = {"waypoint": 5.5, "finding": 8.0}  # marker radii in points (s=90, size 16)


def room_map(an: SweepAnalysis) -> Figure:
    """Waypoints by their loudest level inside the room's outline, every finding
    drawn: at its fitted position (its uncertainty dashed), else beside the
    waypoint it was strongest at (a lens: the waypoint it was seen from). An
    estimate outside the outline is drawn at the wall, hollow, and says so."""
    positions = an.rec.waypoint_positions
    if not positions:
        raise UsageError(
            f"{an.path}: the capture knows no waypoint positions to draw a map "
            "(its header has no 'plan.waypoints'): give them with --plan FILE "
            "(docs/capture-format.md)"
        )
    loudest: dict[str, float] = {}
    for stop in an.stops:
        if stop["waypoint"] in positions:
            loudest[stop["waypoint"]] = max(
                loudest.get(stop["waypoint"], -99.0), stop["loudest_dbm"]
            )
    outline, from_plan = room_outline(an)
    with S.style():
        fig = Figure(figsize=S.MAP_FIGSIZE)
        ax = fig.add_subplot()
        ax.set_aspect("equal")
        if len(outline) >= 3:
            ring = np.array(outline + outline[:1])
            if from_plan:
                ax.fill(ring[:, 0], ring[:, 1], color="#f7f4ea", zorder=0.5)
            ax.plot(
                ring[:, 0],
                ring[:, 1],
                color="#333333" if from_plan else S.MUTED,
                linewidth=2.0 if from_plan else 1.0,
                linestyle="-" if from_plan else ":",
                zorder=2,
                gid="room-outline",
                label="room outline (the capture's plan)"
                if from_plan
                else "area the stops cover (no room outline in the capture)",
            )
        names = list(positions)
        xy = np.array([positions[n] for n in names], dtype=float)[:, :2]
        levels = np.array([loudest.get(n, np.nan) for n in names])
        heard = ~np.isnan(levels)
        if heard.any():
            sc = ax.scatter(
                xy[heard, 0],
                xy[heard, 1],
                c=levels[heard],
                cmap="viridis",
                s=90,
                edgecolors="black",
                linewidths=0.5,
                zorder=3,
            )
            fig.colorbar(sc, ax=ax, label="loudest 50 ms at the waypoint (dBm)", shrink=0.8)
        if (~heard).any():
            ax.scatter(
                xy[~heard, 0],
                xy[~heard, 1],
                c="white",
                s=90,
                edgecolors=S.MUTED,
                zorder=3,
                label="waypoint not visited",
            )
        markers = [(float(x), float(y), MARKER_PT["waypoint"]) for x, y in xy]
        labels: list[tuple[str, tuple[float, float], dict[str, Any]]] = []
        # findings drawn at a waypoint (no fitted position): spread around it
        at_waypoint: dict[str, int] = {}
        for f in an.findings:
            if not f.get("position_m") and f.get("waypoint") in positions:
                at_waypoint[f["waypoint"]] = at_waypoint.get(f["waypoint"], 0) + 1
        seen_at: dict[str, int] = {}
        drawn: list[tuple[float, float]] = []
        for rank, f in enumerate(an.findings, 1):
            colour = S.class_colour(_label(f))
            name = f"#{rank} {short_name(f)}"
            fitted = f.get("position_m")
            inside = True
            if fitted:
                pos, inside = _inside_or_wall((float(fitted[0]), float(fitted[1])), outline)
            elif f.get("waypoint") in positions:
                wx, wy = positions[f["waypoint"]][:2]
                n, k = at_waypoint[f["waypoint"]], seen_at.get(f["waypoint"], 0)
                seen_at[f["waypoint"]] = k + 1
                angle = np.pi / 4 + 2 * np.pi * k / max(n, 1)
                pos = (float(wx) + 0.22 * np.cos(angle), float(wy) + 0.22 * np.sin(angle))
                name += (
                    f" (at {f['waypoint']})"
                    if f.get("type") != "lens"
                    else (f" (seen from {f['waypoint']})")
                )
            else:
                continue  # neither a position nor a waypoint with one
            if not inside:
                name += " (estimated outside the outline: drawn at the wall)"
            ax.plot(
                [pos[0]],
                [pos[1]],
                marker="D" if f.get("type") == "lens" else "*",
                markersize=11 if f.get("type") == "lens" else 16,
                color=colour if inside else "white",
                markeredgecolor=colour if not inside else "black",
                markeredgewidth=1.5 if not inside else 0.5,
                zorder=4,
                linestyle="none",
                gid=f"finding-{rank}",
                label=plot_text(name),
            )
            drawn.append(pos)
            markers.append((pos[0], pos[1], MARKER_PT["finding"]))
            labels.append(
                (
                    plot_text(f"#{rank}"),
                    pos,
                    {"fontsize": 9, "fontweight": "bold", "color": colour},
                )
            )
            radius = f.get("position_uncertainty_m")
            if fitted and radius and inside:
                ax.add_patch(
                    Circle(
                        pos,
                        float(radius),
                        fill=False,
                        edgecolor=colour,
                        linestyle="--",
                        zorder=2,
                    )
                )
        for wname, (x, y) in zip(names, xy):
            labels.append(
                (plot_text(wname), (float(x), float(y)), {"fontsize": 8, "color": S.MUTED})
            )
        everything = np.vstack(
            [xy] + ([np.array(drawn)] if drawn else []) + ([np.array(outline)] if outline else [])
        )
        lo = everything.min(axis=0) - 0.8
        hi = everything.max(axis=0) + 0.8
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
        ax.set_title(f"Room map: {_name(an)}")
        _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        place_labels(fig, ax, labels, markers)
    return fig
