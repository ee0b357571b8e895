"""`roomsweep plot`: the figures an analyst looks at, from a `SweepAnalysis`.

- timeline: RF level (dBm through the calibration) along the sweep, the
  waypoint dwells shaded and named, the findings marked by rank;
- spectrum: the on/off envelope spectrum of one finding with its class's
  expected lines (frame rate and harmonics) marked;
- lens: the photodiode lock-in amplitude per LED group with glints
  (`roomsweep.analysis.lens`);
- map: waypoints coloured by their loudest level, findings at their estimated
  positions (when the capture knows the waypoints' positions).

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

from roomsweep.analyst import plotstyle as S
from roomsweep.analyst.analysed import SweepAnalysis, finding_spectrum, is_rf, level_track
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
        fig = Figure(figsize=S.FIGSIZE)
        ax = fig.add_subplot()
        # the bursts' level (peak per bin of about 1/1500 of the sweep) and the
        # room's floor between them (median over 1 s)
        peaks = level_track(rec, bin_s=max(0.02, rec.duration_s / 1500))
        floor = level_track(rec, bin_s=min(1.0, max(rec.duration_s / 20, 0.05)))
        ax.plot(peaks["t_s"], peaks["peak_dbm"], color=S.LEVEL, linewidth=0.8, label="peak level")
        ax.plot(
            floor["t_s"],
            floor["median_dbm"],
            color=S.LEVEL_FILL,
            linewidth=1.6,
            label="median level (1 s)",
        )
        lo = min(float(np.min(floor["median_dbm"])), float(np.min(peaks["peak_dbm"]))) - 3
        hi = float(np.max(peaks["peak_dbm"])) + 3
        ax.set_ylim(lo, hi + 0.25 * (hi - lo))  # headroom for the waypoint names
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
                    fontsize=8,
                    color=S.MUTED,
                    transform=ax.get_xaxis_transform(),
                )
        above = 0  # findings without a level on this axis, stacked in three rows
        for rank, f in enumerate(an.findings, 1):
            if f.get("time_s") is None:
                continue
            # other kinds' levels (a radio's RSSI, lens counts) are not on this axis
            level = f.get("level_dbm") if is_rf(f) else None
            if level is None:
                y = hi + (above % 3) * 0.06 * (hi - lo)
                above += 1
            else:
                y = float(level)
            colour = S.class_colour(_label(f))
            ax.plot(
                [f["time_s"]],
                [y],
                marker="v" if level is None else "o",
                markersize=10,
                color=colour,
                markeredgecolor="white",
                zorder=5,
                linestyle="none",
                label=plot_text(f"#{rank} {f.get('title') or _label(f)}"),
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
        ax.set_xlim(0, rec.duration_s)
        ax.set_xlabel("time in the sweep (s); shaded: dwell at a waypoint")
        ax.set_ylabel("RF level at the detector (dBm)")
        ax.set_title(f"RF level along the sweep: {_name(an)}")
        _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    return fig


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
                f"({w0:.1f}-{w1:.1f} s, {spec['bursts']} bursts)"
            ),
            fontsize=11,
        )
        if not spec["expected_hz"]:
            ax.text(
                0.99,
                0.97,
                plot_text(f"no frame period known for class {_label(f)!r}"),
                transform=ax.transAxes,
                ha="right",
                va="top",
                color=S.MUTED,
            )
        _legend(ax, loc="upper right" if spec["expected_hz"] else "lower right")
    return fig


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


def lens(an: SweepAnalysis) -> Figure:
    """Lock-in amplitude per LED group (`amplitude_tracks`: array (groups, frames)
    and properties "times_s", "freqs_hz", "lit"), lens findings and their glints."""
    tracks, props = lens_tracks(an)
    tracks = np.atleast_2d(np.asarray(tracks, dtype=float))
    t = np.asarray(props.get("times_s", np.arange(tracks.shape[1])), dtype=float)
    freqs = props.get("freqs_hz") or [None] * tracks.shape[0]
    lit = props.get("lit") or [True] * tracks.shape[0]
    with S.style():
        fig = Figure(figsize=S.FIGSIZE)
        ax = fig.add_subplot()
        for stop in an.stops:
            ax.axvspan(stop["start_s"], stop["end_s"], color=S.STOP_FILL, zorder=0)
        for i, track in enumerate(tracks):
            if not lit[i]:
                continue
            hz = f" ({freqs[i]:.0f} Hz)" if freqs[i] else ""
            ax.plot(
                t[: track.size],
                track,
                color=S.PALETTE[(i + 1) % len(S.PALETTE)],
                linewidth=0.9,
                label=f"LED group {i}{hz}",
            )
        for rank, f in enumerate(an.findings, 1):
            if f.get("type") != "lens" or f.get("time_s") is None:
                continue
            glints = (f.get("evidence") or {}).get("glints")
            for g in glints if isinstance(glints, list) else []:
                if isinstance(g, dict) and g.get("time_s") is not None:
                    ax.axvline(g["time_s"], color=S.EXPECTED, linestyle=":", linewidth=0.8)
            ax.axvline(f["time_s"], color=S.EXPECTED, linestyle="--")
            # along the line: findings close in time do not write over each other
            ax.annotate(
                plot_text(f"#{rank} {f.get('waypoint') or 'glint'}"),
                (f["time_s"], 0.98),
                xycoords=("data", "axes fraction"),
                xytext=(3, 0),
                textcoords="offset points",
                color=S.EXPECTED,
                fontweight="bold",
                rotation=90,
                va="top",
                ha="left",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            )
        ax.set_xlim(0, an.rec.duration_s)
        ax.set_xlabel(
            "time in the sweep (s); shaded: dwell at a waypoint; "
            "dashed: lens finding, dotted: its glints"
        )
        ax.set_ylabel("lock-in amplitude (ADC counts)")
        ax.set_title(f"Lens glints along the sweep: {_name(an)}")
        _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    return fig


def room_map(an: SweepAnalysis) -> Figure:
    positions = an.rec.waypoint_positions
    if not positions:
        raise UsageError(
            f"{an.path}: the capture knows no waypoint positions to draw a map "
            "(its header has no 'waypoints')"
        )
    loudest: dict[str, float] = {}
    for stop in an.stops:
        if stop["waypoint"] in positions:
            loudest[stop["waypoint"]] = max(
                loudest.get(stop["waypoint"], -99.0), stop["loudest_dbm"]
            )
    with S.style():
        fig = Figure(figsize=S.MAP_FIGSIZE)
        ax = fig.add_subplot()
        ax.set_aspect("equal")
        names = list(positions)
        xy = np.array([positions[n] for n in names])
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
        for n, (x, y) in zip(names, xy):
            ax.annotate(
                plot_text(n),
                (x, y),
                xytext=(6, -10),
                textcoords="offset points",
                fontsize=8,
                color=S.MUTED,
            )
        for rank, f in enumerate(an.findings, 1):
            pos = f.get("position_m") or (
                positions.get(f.get("waypoint") or "") if f.get("waypoint") else None
            )
            if not pos:
                continue
            colour = S.class_colour(_label(f))
            ax.plot(
                [pos[0]],
                [pos[1]],
                marker="*",
                markersize=16,
                color=colour,
                markeredgecolor="black",
                markeredgewidth=0.5,
                zorder=4,
                label=plot_text(f"#{rank} {_label(f)}"),
            )
            radius = f.get("position_uncertainty_m")
            if f.get("position_m") and radius:
                ax.add_patch(
                    Circle(
                        (pos[0], pos[1]),
                        float(radius),
                        fill=False,
                        edgecolor=colour,
                        linestyle="--",
                        zorder=2,
                    )
                )
        placed = [f["position_m"][:2] for f in an.findings if f.get("position_m")]
        everything = np.vstack([xy] + ([np.array(placed)] if placed else []))
        lo = everything.min(axis=0) - 0.7
        hi = everything.max(axis=0) + 0.7
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
        ax.set_title(f"Room map: {_name(an)}")
        _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    return fig
