"""The live sweep view: one `LiveState` drawn with rich in 80 columns x 24 lines
(a phone's terminal over USB-OTG). `render` builds the renderable, `render_text`
the same frame as plain text (what the tests check).

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

from roomsweep.live.state import (
    LENS_METER_MAX,
    LENS_METER_MIN,
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
            t.append("█", style=_level_style(METER_MIN_DBM + (i + 0.5) / width * 60))
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


def _dbm(v: float | None) -> str:
    return f"{v:6.1f} dBm" if v is not None else f"{DASH:>6} dBm"


def _rf_rows(s: LiveState) -> list[Text]:
    """The RF level and its meter, the class guess, the loudest level so far and
    the last minute's sparkline."""
    rows: list[Text] = []
    line = Text("RF ", style="bold")
    line.append(_dbm(s.level_dbm), style=_level_style(s.level_dbm) if s.level_dbm else "")
    line.append(" ")
    line.append_text(meter(s.level_dbm, s.peak_dbm))
    line.append(" peak " + (f"{s.peak_dbm:.1f}" if s.peak_dbm is not None else DASH))
    rows.append(line)
    g = s.guess
    if g is None:
        rows.append(Text("   class: " + DASH))
    else:
        tail = f" · {g.confidence:.2f} · {g.level_dbm:.1f} dBm"
        name = printable(g.title)
        title = name if len(name) <= 63 - len(tail) else name[: 62 - len(tail)] + "…"
        rows.append(Text("   class: ") + Text(title, style="bold") + Text(tail))
    rows.append(
        Text(
            "   loudest so far: "
            + (
                f"{s.max_dbm:.1f} dBm{(' ' + printable(s.max_where)) if s.max_where else ''}"
                if s.max_dbm is not None
                else DASH
            )
        )
    )
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
        lens.append(f"{s.lens_return:6.1f} ")
        lens.append_text(lens_meter(s.lens_return, s.lens_peak))
        lens.append(f" glints {s.lens_alerts}")
        if s.lens_alert:
            lens.append(" GLINT!", style="bold red reverse")
        elif s.lens_alert_where:
            lens.append(f", last {printable(s.lens_alert_where)}", style="dim")
    return lens


def _devices_row(s: LiveState) -> Text:
    """Wi-Fi and BLE device counts from the radio scans."""
    wifi = DASH if s.wifi_devices is None else str(s.wifi_devices)
    ble = DASH if s.ble_devices is None else str(s.ble_devices)
    radios = Text("Devices  ", style="bold") + Text(f"Wi-Fi {wifi}   BLE {ble}")
    if s.wifi_devices is None and s.ble_devices is None:
        radios.append("  (no radio scans from this device)", style="dim")
    elif s.wifi_strongest:
        radios.append(f"  strongest: {printable(s.wifi_strongest)}"[:40], style="dim")
    return radios


def _waypoint_rows(s: LiveState) -> list[Text]:
    """Elapsed time and the last waypoint, then the few before it (newest first)."""
    last = s.marks[-1] if s.marks else None
    elapsed = Text("Elapsed ", style="bold")
    if s.wall_s is not None:
        elapsed.append(clock(s.wall_s) + ", recorded ")
    elapsed.append(clock(s.sampled_s))
    rows = [
        elapsed
        + Text("  last waypoint ", style="bold")
        + Text(
            f"#{last.number} {printable(last.label)} at {clock(last.elapsed_s)}"[:44]
            if last
            else DASH
        )
    ]
    for w in s.marks[-RECENT_WAYPOINTS - 1 : -1][::-1]:
        line = f"   #{w.number} {printable(w.label)} at {clock(w.elapsed_s)} ({w.source})"
        rows.append(Text(line[:76], style="dim"))
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
        link.append(f"  {printable(s.port)}"[:30])
    return [
        link,
        Text(
            f"     frames {s.frames}, errors: {', '.join(errors) or 'none'}"
            + (f", reconnects {s.reconnects}" if s.reconnects else "")
        )[:76],
    ]


def _footer_rows(s: LiveState) -> list[Text]:
    """The capture file, the locate cue, the label prompt (or the last message)
    and the keys."""
    rows = [
        Text("Capture ", style="bold")
        + Text(f"{printable(s.capture_path)} ({s.frames_written} frames on disk)"[-66:])
    ]
    interval = s.beep_interval()
    cue = (
        "off"
        if not s.locate
        else f"on, tick every {interval:.2f} s"
        if interval
        else "on, silent (below -55 dBm)"
    )
    rows.append(Text("Locate cue ", style="bold") + Text(cue))
    if s.label_input is not None:
        rows.append(
            Text("Waypoint label: ", style="bold yellow")
            + Text(printable(s.label_input) + "▏")
            + Text("  (Enter: mark, Esc: cancel)", style="dim")
        )
    else:
        rows.append(Text(printable(s.message)[:76], style="italic"))
    rows.append(
        Text("m", style="bold")
        + Text(" label+mark  ")
        + Text("space", style="bold")
        + Text(" mark  ")
        + Text("l", style="bold")
        + Text(" locate cue  ")
        + Text("q", style="bold")
        + Text(" finish")
    )
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
        title=escape(title[: width - 20]),
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
