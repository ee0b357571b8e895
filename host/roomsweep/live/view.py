"""The live sweep view: one `LiveState` drawn with rich in 80 columns x 24 lines
(a phone's terminal over USB-OTG). `render` builds the renderable, `render_text`
the same frame as plain text (what the tests check).

Every row fits the panel by itself: what does not fit is cut at a word
boundary (`fit`, "…" standing alone), never in the middle of a word, and a
level at the detector's ceiling reads "≥ -3 dBm (saturated)".

Names on the view come from outside (SSIDs, waypoint labels, the port, the
scenario): every one is shown through `untrusted.printable` (rich drops BEL and
CR but passes ESC, and a newline would start a line of its own), as `Text`
(never parsed as markup), and the panel title, which rich parses as markup, is
escaped with `rich.markup.escape`."""

from __future__ import annotations

import io
import math

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from roomsweep.analysis.recording import DETECTOR_CEILING_DBM, level_text, saturated
from roomsweep.live.state import (
    LENS_METER_MAX,
    LENS_METER_MIN,
    LOCATE_FLOOR_DBM,
    METER_MAX_DBM,
    METER_MIN_DBM,
    LiveState,
    clock,
)
from roomsweep.protocol.untrusted import printable

WIDTH = 80
HEIGHT = 24
BAR = 40
SPARK = " ▁▂▃▄▅▆▇█"
DASH = "—"
RECENT_WAYPOINTS = 4
INNER = WIDTH - 4  # the panel's border and padding


def fit(t: Text | str, width: int = INNER, keep_end: bool = False) -> Text:
    """`t` cut to `width` cells at a word boundary, " …" marking the cut (with
    `keep_end`, the end is kept: "… " then whole words or path parts). A single
    word longer than the line is cut, as nothing else can be.

    Examples
    --------
    >>> fit("strongest: HotelGuest-5G -48 dBm", 24).plain
    'strongest: …'
    >>> fit("/home/me/rooms/room214.cap", 20, keep_end=True).plain
    '… rooms/room214.cap'
    """
    t = Text(t) if isinstance(t, str) else t
    if t.cell_len <= width:
        return t
    plain = t.plain
    if keep_end:
        start = len(plain) - (width - 2)
        cut = min(
            (i + 1 for i, ch in enumerate(plain) if ch in " /" and i + 1 >= start),
            default=start,
        )
        return Text("… ", style="dim") + t[cut:]
    cut = max((i for i, ch in enumerate(plain[: width - 1]) if ch == " "), default=0)
    while cut > 0 and plain[cut - 1] == " ":
        cut -= 1
    if cut == 0:  # one word longer than the line
        return t[: width - 1] + Text("…", style="dim")
    return t[:cut] + Text(" …", style="dim")


def _level_style(dbm: float) -> str:
    return "green" if dbm < -45 else "yellow" if dbm < -30 else "bold red"


def _fraction(dbm: float) -> float:
    return min(1.0, max(0.0, (dbm - METER_MIN_DBM) / (METER_MAX_DBM - METER_MIN_DBM)))


def meter(level: float | None, peak: float | None, width: int = BAR) -> Text:
    """A bar from METER_MIN_DBM to METER_MAX_DBM with the peak-hold tick."""
    t = Text()
    filled = 0 if level is None else int(round(_fraction(level) * width))
    tick = None if peak is None else min(width - 1, int(round(_fraction(peak) * width)))
    for i in range(width):
        if i < filled:
            span = METER_MAX_DBM - METER_MIN_DBM
            t.append("█", style=_level_style(METER_MIN_DBM + (i + 0.5) / width * span))
        elif i == tick:
            t.append("│", style="bold")
        else:
            t.append("░", style="dim")
    return t


def lens_meter(level: float, peak: float | None, width: int = 20) -> Text:
    """The inner ring's return on a log scale, LENS_METER_MIN to LENS_METER_MAX
    ADC counts, with the peak tick."""

    def frac(v: float) -> float:
        v = min(max(v, LENS_METER_MIN), LENS_METER_MAX)
        return math.log(v / LENS_METER_MIN) / math.log(LENS_METER_MAX / LENS_METER_MIN)

    t = Text()
    filled = int(round(frac(level) * width))
    tick = None if peak is None else min(width - 1, int(round(frac(peak) * width)))
    for i in range(width):
        if i < filled:
            t.append("█", style="magenta")
        elif i == tick:
            t.append("│", style="bold")
        else:
            t.append("░", style="dim")
    return t


def sparkline(levels: list[float], width: int) -> str:
    out = []
    for v in levels[-width:]:
        out.append(SPARK[int(round(_fraction(v) * (len(SPARK) - 1)))])
    return "".join(out).ljust(width)


def _dbm(v: float | None, ceiling: float = DETECTOR_CEILING_DBM) -> str:
    """The RF level, right-aligned, or "≥ -3 dBm (saturated)" at the ceiling
    (with auto-ranging, the ceiling with the pad in: State.ceiling_dbm)."""
    if v is not None and saturated(v, ceiling):
        return level_text(v, ceiling=ceiling)
    return f"{v:6.1f} dBm" if v is not None else f"{DASH:>6} dBm"


def _peak(v: float | None, ceiling: float = DETECTOR_CEILING_DBM) -> str:
    if v is None:
        return DASH
    return f"≥ {ceiling:g}" if saturated(v, ceiling) else f"{v:.1f}"


def _rf_rows(s: LiveState) -> list[Text]:
    """The RF level and its meter, the class guess, the loudest 50 ms so far and
    the last minute's sparkline."""
    rows: list[Text] = []
    line = Text("RF ", style="bold")
    line.append(
        _dbm(s.level_dbm, s.ceiling_dbm), style=_level_style(s.level_dbm) if s.level_dbm else ""
    )
    line.append(" ")
    line.append_text(meter(s.level_dbm, s.peak_dbm))
    line.append(" peak " + _peak(s.peak_dbm, s.ceiling_dbm))
    rows.append(line)
    g = s.guess
    if g is None:
        rows.append(Text("   class: " + DASH))
    else:
        head = Text("   class: ") + Text(printable(g.text().split(" · also ")[0]), style="bold")
        head.append(f" at {level_text(g.level_dbm, ceiling=s.ceiling_dbm)}")
        if g.also:
            head.append(" · also " + printable(", ".join(g.also)), style="dim")
        rows.append(fit(head))
    where = f" {printable(s.max_where)}" if s.max_where else ""
    loudest = level_text(s.max_dbm, ceiling=s.ceiling_dbm)
    rows.append(fit(Text(f"   loudest 50 ms so far: {loudest}{where}")))
    rows.append(
        Text(f"   last {len(s.history[-72:])} s: ", style="dim")
        + Text(sparkline(s.history, 72 - 12)[:60])
    )
    return rows


def _lens_row(s: LiveState) -> Text:
    """The inner LED ring's return, its meter, the glint count and alert."""
    lens = Text("Lens ", style="bold")
    if s.lens_return is None:
        lens.append(f"{DASH}  (no lens data from this device)")
    else:
        lens.append(f"{s.lens_return:6.1f} counts ")
        lens.append_text(lens_meter(s.lens_return, s.lens_peak, width=16))
        lens.append(f" glints {s.lens_alerts}")
        if s.lens_alert:
            lens.append(" GLINT!", style="bold red reverse")
        elif s.lens_alert_where:
            lens.append(f", last {printable(s.lens_alert_where)}", style="dim")
    return fit(lens)


def _devices_row(s: LiveState) -> Text:
    """Wi-Fi and BLE device counts from the radio scans."""
    wifi = DASH if s.wifi_devices is None else str(s.wifi_devices)
    ble = DASH if s.ble_devices is None else str(s.ble_devices)
    radios = Text("Devices  ", style="bold") + Text(f"Wi-Fi {wifi}   BLE {ble}")
    if s.wifi_devices is None and s.ble_devices is None:
        radios.append("  (no radio scans from this device)", style="dim")
    elif s.wifi_strongest:
        radios.append(f"  strongest: {printable(s.wifi_strongest)}", style="dim")
    return fit(radios)


def _waypoint_rows(s: LiveState) -> list[Text]:
    """Elapsed time (device time: the findings' and the report's clock), how
    long to hold still at the last waypoint and the waypoint, the planned stops
    visited, then the waypoints before the last (newest first)."""
    last = s.marks[-1] if s.marks else None
    elapsed = Text("Elapsed ", style="bold") + Text(clock(s.device_s))
    hold = s.hold_s()
    # the dwell the analysis hears: hold still until its samples are in (a
    # Wi-Fi scan after the mark pauses them), then walk on
    if hold is None:
        dwell = Text("")
    elif hold > 0:
        dwell = Text(f" · hold still {hold:.1f} s", style="bold yellow")
    else:
        dwell = Text(" · heard, walk on", style="green")
    rows = [
        fit(
            elapsed
            + dwell  # before the label, which a long name may cut
            + Text("  last waypoint ", style="bold")
            + Text(
                f"#{last.number} {printable(last.label)} at {clock(last.elapsed_s)}"
                if last
                else DASH
            )
        )
    ]
    cov = s.coverage()
    if cov.planned:
        stops = Text("Stops ", style="bold") + Text(
            f"{len(cov.visited)} of {len(cov.planned)} visited"
        )
        if cov.missing:
            stops.append(f" · not yet: {printable(', '.join(cov.missing))}", style="dim")
        rows.append(fit(stops))
    for w in s.marks[-RECENT_WAYPOINTS - 1 : -1][::-1]:
        line = f"   #{w.number} {printable(w.label)} at {clock(w.elapsed_s)} ({w.source})"
        rows.append(fit(Text(line, style="dim")))
    return rows


def _link_rows(s: LiveState) -> list[Text]:
    """The device link's state and port, then frames, errors and reconnects."""
    errors = [
        f"{k.replace('_', ' ')} {v}"
        for k, v in s.counters.items()
        if v and k in ("crc_errors", "seq_gaps", "device_dropped", "garbage_bytes")
    ]
    link = Text("Link ", style="bold")
    if s.link == "connected":
        link.append("● connected", style="green")
    elif s.link == "lost":
        link.append(
            f"✖ LOST {int(s.lost_for_s)} s: cable pulled? waiting for the device", style="bold red"
        )
    elif s.link == "finished":
        link.append("■ finished", style="cyan")
    else:
        link.append("… connecting", style="yellow")
    if s.link != "lost":
        link.append(f"  {printable(s.port)}")
    return [
        fit(link),
        fit(
            Text(
                f"     frames {s.frames}, errors: {', '.join(errors) or 'none'}"
                + (f", reconnects {s.reconnects}" if s.reconnects else "")
            )
        ),
    ]


def _footer_rows(s: LiveState) -> list[Text]:
    """The capture file, the locate cue, the label prompt (or the last message)
    and the keys."""
    on_disk = f" ({s.frames_written} frames on disk)"
    rows = [
        Text("Capture ", style="bold")
        + fit(printable(s.capture_path), INNER - 8 - len(on_disk), keep_end=True)
        + Text(on_disk)
    ]
    interval = s.beep_interval()
    if not s.locate:
        cue = "off"
    elif interval is None:
        cue = f"on, silent (at the detector's floor, {LOCATE_FLOOR_DBM:g} dBm)"
    else:
        cue = f"on, tick every {interval:.2f} s"
        if saturated(s.level_dbm, s.ceiling_dbm):
            cue += ", the fastest (saturated)"
    rows.append(fit(Text("Locate cue ", style="bold") + Text(cue)))
    if s.label_input is not None:
        rows.append(
            Text("Waypoint label: ", style="bold yellow")
            + Text(printable(s.label_input) + "▏")
            + Text("  (Enter: mark, Esc: cancel)", style="dim")
        )
    else:
        rows.append(fit(Text(printable(s.message), style="italic")))
    keys = (
        Text("m", style="bold")
        + Text(" label+mark  ")
        + Text("space", style="bold")
        + Text(" mark  ")
        + Text("l", style="bold")
        + Text(" locate cue  ")
    )
    if s.motion_test_key:
        keys += Text("t", style="bold") + Text(" motion test  ")
    rows.append(keys + Text("q", style="bold") + Text(" finish"))
    return rows


def render(state: LiveState, width: int = WIDTH) -> Panel:
    """The view, at most `width` columns (narrower terminals crop lines with …)."""
    s = state
    rows: list[Text] = [
        *_rf_rows(s),
        Text(""),
        _lens_row(s),
        _devices_row(s),
        Text(""),
        *_waypoint_rows(s),
        *_link_rows(s),
        *_footer_rows(s),
    ]
    for r in rows:
        r.no_wrap = True
        r.overflow = "ellipsis"
    title = "roomsweep sweep" + (f" · {printable(s.title)}" if s.title else "")
    return Panel(
        Group(*rows),
        title=escape(fit(title, width - 20).plain),
        title_align="left",
        width=min(width, WIDTH),
        padding=(0, 1),
        border_style="red" if s.link == "lost" else "blue",
    )


def render_text(state: LiveState, width: int = WIDTH) -> str:
    """The frame as plain text, exactly as laid out on a `width`-column terminal."""
    console = Console(
        file=io.StringIO(),
        width=width,
        height=HEIGHT,
        record=True,
        color_system=None,
        force_terminal=False,
        legacy_windows=False,
    )
    console.print(render(state, width))
    return console.export_text()
