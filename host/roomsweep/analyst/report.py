"""`roomsweep report`: one self-contained HTML file per capture.

Ranked findings (what, where, why), the sweep timeline, the room map when
positions are known, the level at each stop, and each finding's evidence with
its envelope spectrum. Figures are embedded as base64 PNG: the file can be
mailed or opened offline, nothing is fetched.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roomsweep import __version__
from roomsweep.analysis.recording import DETECTOR_CEILING_DBM, level_text
from roomsweep.analyst import evidence, plot
from roomsweep.analyst.analysed import SweepAnalysis, analyse_capture, ceiling_dbm, is_rf
from roomsweep.analyst.caveats import sentence
from roomsweep.errors import RoomsweepError, UsageError
from roomsweep.link.outputs import atomic_write
from roomsweep.protocol.untrusted import html_text

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
caption { text-align: left; font-style: italic; padding: 0.2em 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta td:first-child { font-weight: bold; background: #f7f7f7; }
.none { padding: 0.8em; background: #eaf7ea; border: 1px solid #9c9; }
.caveats { padding: 0.5em 0.8em; background: #fff4e0; border: 1px solid #e0a040; }
.caveats li { margin: 0.2em 0; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
.why { color: #444; }
footer { margin-top: 3em; color: #777; font-size: 0.85em; }
"""


def _e(value: Any) -> str:
    """Every text the report shows, names from outside included (SSIDs, waypoint
    names, labels, header notes): control characters as escapes, HTML-escaped."""
    return html_text("" if value is None else value)


def _img(png: bytes, alt: str, ident: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img id="{ident}" alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _where(f: dict[str, Any], outline: list[tuple[float, float]] | None = None) -> str:
    parts = []
    if f.get("waypoint"):
        parts.append(f"near <b>{_e(f['waypoint'])}</b>")
    if f.get("position_m"):
        x, y = f["position_m"][:2]
        unc = f.get("position_uncertainty_m")
        parts.append(f"x={x:.1f} m, y={y:.1f} m" + (f" ± {unc:.1f} m" if unc else ""))
        if outline and not plot.inside_room((float(x), float(y)), outline):
            parts.append("<i>outside the room's outline: beyond a wall, or a poor fit</i>")
    if f.get("time_s") is not None:
        parts.append(f"{float(f['time_s']):.1f} s into the sweep")
    return "<br>".join(parts) or "—"


def _level(f: dict[str, Any], ceiling: float = DETECTOR_CEILING_DBM) -> str:
    """The level column: dBm (a detector level at its ceiling says "saturated"),
    a lens glint in counts."""
    if f.get("type") == "lens" and isinstance(f.get("level"), (int, float)):
        return f"{float(f['level']):.1f} counts"
    level = f.get("level_dbm")
    if not isinstance(level, (int, float)):
        return "—"
    if is_rf(f):
        return _e(level_text(float(level), unit="", ceiling=ceiling))
    return f"{float(level):.1f} (RSSI)"


def _num(value: Any, fmt: str) -> str:
    return format(value, fmt) if isinstance(value, (int, float)) else _e(value)


def findings_table(
    findings: list[dict[str, Any]],
    outline: list[tuple[float, float]] | None = None,
    ceiling: float = DETECTOR_CEILING_DBM,
    too_short: bool = False,
    incomplete: bool = False,
) -> str:
    """The ranked findings. `too_short`: the capture cannot clear the room
    (`caveats.MIN_SAMPLED_S`), so finding nothing is not said as good news;
    `incomplete`: planned stops not visited, so it is said for the others."""
    if not findings and too_short:
        return (
            '<p class="caveats" id="no-findings">Nothing can be said of this room: the '
            "capture is too short (see the caveats above).</p>"
        )
    if not findings and incomplete:
        return (
            '<p class="caveats" id="no-findings">No suspicious transmitter found at the '
            "stops visited; the others were not swept (see the caveats above).</p>"
        )
    if not findings:
        return '<p class="none" id="no-findings">No suspicious transmitter found.</p>'
    rows = []
    for rank, f in enumerate(findings, 1):
        rows.append(
            f'<tr class="finding" data-class="{_e(f.get("class"))}">'
            f'<td class="num">{rank}</td>'
            f"<td>{_e(f.get('type'))}</td>"
            f'<td><a href="#finding-{rank}">{_e(f.get("title") or f.get("class"))}</a>'
            f"<br><small>{_e(f.get('class'))}</small></td>"
            f"<td>{_where(f, outline)}</td>"
            f'<td class="num">{_level(f, ceiling)}</td>'
            f'<td class="num">{_num(f.get("confidence"), ".2f")}</td>'
            f'<td class="why">{_e(f.get("why"))}</td></tr>'
        )
    return (
        '<table id="findings"><thead><tr><th>#</th><th>type</th><th>what</th>'
        "<th>where</th><th>level (dBm)</th><th>confidence</th><th>why</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def stops_table(stops: list[dict[str, Any]], ceiling: float = DETECTOR_CEILING_DBM) -> str:
    if not stops:
        return "<p>No stretches long enough to measure.</p>"
    loudest = max(s["loudest_dbm"] for s in stops)
    rows = []
    for s in stops:
        flag = " (loudest)" if s["loudest_dbm"] == loudest else ""
        rows.append(
            f"<tr><td>{_e(s['waypoint'] or '(between marks)')}</td>"
            f'<td class="num">{s["start_s"]:.1f}</td><td class="num">{s["end_s"]:.1f}</td>'
            f'<td class="num">{s["median_dbm"]:.1f}</td>'
            f'<td class="num">{_e(level_text(s["loudest_dbm"], "", ceiling=ceiling))}'
            f"{flag}</td></tr>"
        )
    return (
        '<table id="stops"><thead><tr><th>waypoint</th><th>from (s)</th><th>to (s)</th>'
        "<th>median (dBm)</th><th>loudest 50 ms (dBm)</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def evidence_html(items: list[evidence.Item]) -> str:
    """`evidence.describe`'s sentences as a list, its tables as tables."""
    out: list[str] = []
    sentences: list[str] = []

    def flush() -> None:
        if sentences:
            out.append("<ul>" + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>")
            sentences.clear()

    for item in items:
        if isinstance(item, evidence.Sentence):
            sentences.append(_e(item.text))
            continue
        flush()
        head = "".join(f"<th>{_e(c)}</th>" for c in item.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in item.rows
        )
        out.append(
            f'<table class="evidence-table"><caption>{_e(item.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    flush()
    return "\n".join(out)


def evidence_section(rank: int, f: dict[str, Any], spectrum_png: bytes | None) -> str:
    parts = [
        f'<section class="evidence" id="finding-{rank}">',
        f"<h3>#{rank} {_e(f.get('title') or f.get('class'))}</h3>",
        f'<p class="why">{_e(f.get("why"))}</p>',
    ]
    if f.get("standard"):
        parts.append(f"<p>Timing per {_e(f['standard'])}.</p>")
    parts.append(evidence_html(evidence.describe(f)))
    if spectrum_png is not None:
        parts.append(
            _img(spectrum_png, f"envelope spectrum of finding {rank}", f"spectrum-{rank}")
        )
    parts.append("</section>")
    return "\n".join(parts)


def caveats_html(an: SweepAnalysis) -> str:
    """What the findings cannot speak for (`roomsweep.analyst.caveats`), above them."""
    lines = an.caveats.lines()
    if not lines:
        return ""
    items = "".join(f"<li>{_e(sentence(line))}</li>" for line in lines)
    return f'<div class="caveats" id="caveats"><b>Caveats</b><ul>{items}</ul></div>'


def _duration(an: SweepAnalysis) -> str:
    """Device time, the time base of every output; the samples' share when Wi-Fi
    scans (or a lost link) paused them."""
    device = float(getattr(an.rec, "device_duration_s", an.rec.duration_s))
    text = f"{device:.1f} s at {an.rec.fs:.0f} S/s"
    if device - an.rec.duration_s > 0.5:
        text += f" ({an.rec.duration_s:.1f} s of samples: scans paused the sampling)"
    return text


def _outline(an: SweepAnalysis) -> list[tuple[float, float]] | None:
    """The room's outline from the capture's plan, None without one."""
    outline, from_plan = plot.room_outline(an)
    return outline if from_plan else None


def _meta(an: SweepAnalysis) -> list[tuple[str, str]]:
    dev = an.header.get("device") or {}
    rows = [
        ("capture", an.path),
        ("recorded", an.header.get("created_utc") or "?"),
        (
            "device",
            f"{dev.get('board', '?')} firmware {dev.get('firmware', '?')}"
            + (" (simulated)" if dev.get("simulated") else ""),
        ),
        ("duration", _duration(an)),
        ("calibration", an.rec.calibration.source),
        ("waypoints marked", str(sum(1 for s in an.stops if s["waypoint"]))),
    ]
    if an.scenario:
        rows.append(("simulated scenario", an.scenario))
    if an.header.get("notes"):
        rows.append(("notes", str(an.header["notes"])))
    return rows


def render(an: SweepAnalysis, step: Callable[[str], None] | None = None) -> tuple[str, list[str]]:
    """The HTML text and the ids of the figures it embeds."""
    step = step or (lambda _s: None)
    figures = []
    step("timeline")
    timeline = _img(plot.png_bytes(plot.timeline(an)), "RF level along the sweep", "timeline")
    figures.append("timeline")
    room = ""
    if an.rec.waypoint_positions:
        step("map")
        room = "<h2>Room map</h2>\n" + _img(plot.png_bytes(plot.room_map(an)), "room map", "map")
        figures.append("map")
    step("lens")
    lens = ""
    try:
        lens_png = plot.png_bytes(plot.lens(an))
    except (RoomsweepError, ValueError):
        lens_png = None  # no lens analysis in this build, or no photodiode samples
    if lens_png is not None:
        lens = "<h2>Lens glints</h2>\n" + _img(lens_png, "lens amplitude track", "lens")
        figures.append("lens")
    step("evidence")
    sections = []
    for rank, f in enumerate(an.findings, 1):
        png = None
        if is_rf(f) and f.get("time_s") is not None and f.get("level_dbm") is not None:
            try:
                png = plot.png_bytes(plot.spectrum(an, rank))
                figures.append(f"spectrum-{rank}")
            except RoomsweepError:
                png = None  # a finding without RF samples around it: table only
        sections.append(evidence_section(rank, f, png))
    meta = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in _meta(an))
    n = len(an.findings)
    headline = f"{n} finding{'s' if n != 1 else ''}" if n else "nothing suspicious found"
    if an.caveats.too_short:
        headline = (f"{headline}; " if n else "") + "capture too short to clear the room"
    elif an.caveats.lines():
        headline += " (with caveats: see below)"
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>roomsweep report: {_e(Path(an.path).name)}</title>
<style>{CSS}</style></head>
<body>
<h1>roomsweep report: {_e(Path(an.path).name)}</h1>
<p id="headline">{_e(headline)}</p>
<table class="meta" id="meta"><tbody>{meta}</tbody></table>
{caveats_html(an)}
<h2>Findings, ranked</h2>
{
        findings_table(
            an.findings,
            _outline(an),
            ceiling_dbm(an),
            bool(an.caveats.too_short),
            bool(an.caveats.coverage),
        )
    }
<h2>Sweep timeline</h2>
{timeline}
{stops_table(an.stops, ceiling_dbm(an))}
{room}
{lens}
<h2>Evidence per finding</h2>
{"".join(sections) if sections else "<p>No findings.</p>"}
<footer>roomsweep {__version__}. Findings JSON: docs/findings.md.</footer>
</body></html>
"""
    return doc, figures


def write_report(
    an: SweepAnalysis, out: str | Path, step: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Write the report; return what `--json` prints."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{out}: the report is an HTML file (name it .html)")
    doc, figures = render(an, step)
    (step or (lambda _s: None))("write")
    try:
        with atomic_write(out, "w", encoding="utf-8") as f:  # whole, or not at all
            f.write(doc)
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror or e}") from e
    return {
        "report": str(out),
        "capture": an.path,
        "bytes": len(doc.encode()),
        "figures": figures,
        "findings": an.findings,
        "stops": an.stops,
        "caveats": an.caveats.lines(),  # what the findings cannot speak for
    }


def report_and_timeline(capture: str | Path, out_dir: str | Path) -> tuple[Path, Path]:
    """What `roomsweep demo` adds: OUT/NAME.html and OUT/NAME-timeline.png."""

    capture, out_dir = Path(capture), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)  # the demo's own directory, not a user's typo
    an = analyse_capture(capture)
    report = Path(write_report(an, out_dir / f"{capture.stem}.html")["report"])
    timeline = plot.save(plot.timeline(an), out_dir / f"{capture.stem}-timeline.png")
    return report, timeline
