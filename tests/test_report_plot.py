"""`roomsweep report` and `roomsweep plot`, driven through the CLI's main(argv)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from roomsweep.analyst import plotstyle
from roomsweep.analyst.analysed import analyse_capture, class_period_s, finding_spectrum
from roomsweep.analyst.report import render
from roomsweep.cli import main
from roomsweep.protocol.untrusted import html_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a root, offline, headless run: no sandbox (root), no background
# connections (the machine has no network; they would be refused many at a time).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
WINDOW = (1280, 6000)


@pytest.fixture(scope="module")
def hotel(hotel_capture):
    return analyse_capture(hotel_capture)


@pytest.fixture(scope="module")
def report(hotel_capture, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "hotel.html"
    assert main(["report", str(hotel_capture), "-o", str(out)]) == 0
    return out


def test_report_json_lists_what_it_wrote(hotel_capture, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(hotel_capture), "-o", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["report"] == str(out) and out.stat().st_size == data["bytes"]
    classes = [f["class"] for f in data["findings"]]
    assert {"wifi_camera", "gsm"} <= set(classes)
    assert "timeline" in data["figures"] and "map" in data["figures"]
    # one spectrum per RF finding
    rf = [rank for rank, f in enumerate(data["findings"], 1) if f["type"] == "rf"]
    assert sorted(f for f in data["figures"] if f.startswith("spectrum-")) == sorted(
        f"spectrum-{rank}" for rank in rf
    )
    assert [s["waypoint"] for s in data["stops"]][:2] == ["door", "bathroom-door"]


def test_report_is_one_self_contained_file(report, hotel):
    text = report.read_text()
    # every image inline, nothing fetched
    assert not re.search(r"""(src|href)=["'](https?:|//|file:)""", text)
    assert text.count('src="data:image/png;base64,') >= 3
    rows = re.findall(r'<tr class="finding" data-class="([^"]+)"', text)
    assert rows == [f["class"] for f in hotel.findings]
    for rank, f in enumerate(hotel.findings, 1):
        assert f'id="finding-{rank}"' in text  # the evidence section the table links to
        assert html_text(f["why"]) in text


def test_findings_of_new_types_show_up_without_code_of_their_own(hotel):
    lens = {
        "type": "lens",
        "class": "lens_glint",
        "time_s": 12.5,
        "waypoint": "wardrobe",
        "confidence": 0.8,
        "evidence": {"glints": 3, "led_group": {"hz": 1175}},
        "why": "a retro-reflection at the LED ring's frequency",
    }
    wifi = {
        "type": "wifi",
        "class": "wifi_camera_vendor",
        "title": "Wi-Fi camera by its vendor",
        "time_s": 30.0,
        "waypoint": "desk",
        "level_dbm": -40.0,
        "confidence": 0.7,
        "evidence": {"oui": "camera maker"},
        "why": "its address belongs to a camera maker",
    }
    hotel_plus = type(hotel)(
        hotel.path, hotel.header, hotel.rec, hotel.findings + [lens, wifi], hotel.stops
    )
    text, figures = render(hotel_plus)
    assert 'data-class="lens_glint"' in text and 'data-class="wifi_camera_vendor"' in text
    assert "led group" in text and "1175" in text and "led_group.hz" not in text
    n = len(hotel_plus.findings)
    for rank in (n - 1, n):  # evidence sections, but no RF envelope spectrum
        assert f'id="finding-{rank}"' in text and f"spectrum-{rank}" not in figures


def _layout_probe(report: Path, dst: Path) -> Path:
    """A copy of the report that writes, once loaded, where the findings table and
    the figures are and whether each image decoded (for --dump-dom)."""
    probe = """<script>
window.addEventListener('load', () => {
  const box = e => { const r = e.getBoundingClientRect();
    return {x: r.x, y: r.y + window.scrollY, w: r.width, h: r.height}; };
  const out = {findings: box(document.getElementById('findings')),
    rows: document.querySelectorAll('#findings tbody tr').length,
    images: [...document.images].map(i => ({id: i.id, w: i.naturalWidth, box: box(i)}))};
  const pre = document.createElement('pre'); pre.id = 'layout';
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script></body>"""
    dst.write_text(report.read_text().replace("</body>", probe))
    return dst


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM or "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium (Debian package 'chromium') "
    "is not installed; `make test` installs it where apt-get can",
)
def test_report_renders_in_headless_chromium(report, hotel, tmp_path):
    probe = _layout_probe(report, tmp_path / "probe.html")
    dom = _chromium(["--virtual-time-budget=5000", "--dump-dom", probe.as_uri()], tmp_path)
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    layout = json.loads(found.group(1).replace("&quot;", '"'))
    assert layout["rows"] == len(hotel.findings) >= 2
    images = {i["id"]: i for i in layout["images"]}
    assert {"timeline", "map"} <= set(images)
    assert all(i["w"] > 300 for i in images.values()), images  # every figure decoded

    shot = tmp_path / "report.png"
    run = _chromium([f"--screenshot={shot}", report.as_uri()], tmp_path)
    assert shot.exists(), run.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])

    def crop(box: dict) -> np.ndarray:
        x, y, w, h = (int(round(box[k])) for k in ("x", "y", "w", "h"))
        assert y + h <= pixels.shape[0], "the element is below the screenshot"
        return pixels[y : y + h, x : x + w]

    table = crop(layout["findings"])
    ink = (table.sum(axis=2) < 3 * 160).mean()  # text and borders
    assert 0.01 < ink < 0.5, ink
    header_blue = np.all(np.abs(table - [0xEE, 0xF3, 0xF8]) <= 3, axis=2).mean()
    assert header_blue > 0.05  # the header row's background is drawn
    level = np.array([int(plotstyle.LEVEL[i : i + 2], 16) for i in (1, 3, 5)])
    timeline = crop(images["timeline"]["box"])
    assert (np.abs(timeline - level).sum(axis=2) < 60).mean() > 0.0005  # the level trace
    wifi = np.array([int(plotstyle.class_colour("wifi_camera")[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(timeline - wifi).sum(axis=2) < 40).sum() > 20  # finding #1's marker
    room = crop(images["map"]["box"])
    assert (room.sum(axis=2) < 3 * 250).mean() > 0.05  # not blank


@pytest.mark.parametrize("kind", ["timeline", "map"])
def test_plot_kinds_write_images(hotel_capture, tmp_path, kind):
    out = tmp_path / f"{kind}.png"
    assert main(["plot", str(hotel_capture), "-o", str(out), "--kind", kind]) == 0
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape[0] > 300 and img.shape[1] > 300
    assert (img.sum(axis=2) < 600).mean() > 0.01  # something drawn


def test_plot_svg(hotel_capture, tmp_path):
    out = tmp_path / "t.svg"
    assert main(["plot", str(hotel_capture), "-o", str(out)]) == 0
    assert out.read_text().lstrip().startswith("<?xml")


def test_spectrum_shows_the_gsm_frame_rate(hotel, hotel_capture, tmp_path):
    rank = 1 + [f["class"] for f in hotel.findings].index("gsm")
    spec = finding_spectrum(hotel.rec, hotel.findings[rank - 1])
    assert spec["expected_hz"][0] == pytest.approx(26 / 0.120)
    freqs, psd = spec["freqs_hz"], spec["psd"]
    band = (freqs > 20) & (freqs < 1000)
    strongest = freqs[band][np.argmax(psd[band])]
    df = freqs[1] - freqs[0]
    # the envelope's strongest line is the class's frame rate or a harmonic of it
    assert min(abs(strongest - k * 26 / 0.120) for k in range(1, 5)) <= df
    out = tmp_path / "s.png"
    assert (
        main(
            [
                "plot",
                str(hotel_capture),
                "-o",
                str(out),
                "--kind",
                "spectrum",
                "--finding",
                str(rank),
            ]
        )
        == 0
    )
    assert out.stat().st_size > 10_000
    by_class = tmp_path / "gsm.png"  # the same finding, named by its class
    assert (
        main(
            [
                "plot",
                str(hotel_capture),
                "-o",
                str(by_class),
                "--kind",
                "spectrum",
                "--finding",
                "gsm",
            ]
        )
        == 0
    )
    assert by_class.read_bytes() == out.read_bytes()


def test_a_spectrum_without_a_frame_grid_marks_its_own_strongest_line(hotel):
    # a Wi-Fi camera has no fixed period: the line marked is the strongest of
    # the spectrum drawn (above the drift near 0 Hz), not one from elsewhere
    from roomsweep.analyst.plot import LINE_MIN_HZ, spectrum

    fig = spectrum(hotel, "wifi_camera")
    ax = fig.axes[0]
    (curve,) = [ln for ln in ax.get_lines() if ln.get_label() == "envelope power spectrum"]
    freqs, psd = curve.get_xdata(), curve.get_ydata()
    band = freqs >= LINE_MIN_HZ
    want = float(freqs[band][np.argmax(psd[band])])
    (marked,) = [ln for ln in ax.get_lines() if "strongest envelope line" in ln.get_label()]
    assert float(marked.get_xdata()[0]) == pytest.approx(want)
    assert f"{want:.1f} Hz" in marked.get_label()


def test_class_periods_come_from_the_classifiers():
    assert class_period_s("gsm") == pytest.approx(0.120 / 26)
    assert class_period_s("dect") == pytest.approx(10e-3)
    assert class_period_s("wifi_ap") == pytest.approx(0.1024)
    assert class_period_s("lte") == pytest.approx(1e-3)
    assert class_period_s("lens_glint") is None


def test_plot_lens(hotel_capture, tmp_path, capsys):
    out = tmp_path / "lens.png"
    code = main(["plot", str(hotel_capture), "-o", str(out), "--kind", "lens"])
    if importlib.util.find_spec("roomsweep.analysis.lens") is None:
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1
        assert "no lens analysis" in err and not out.exists()
    else:
        assert code == 0 and out.stat().st_size > 10_000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["report", "missing.cap", "-o", "r.html"], "no such capture"),
        (["report", "{cap}", "-o", "r.txt"], "HTML file"),
        (["plot", "{cap}", "-o", "p.gif"], ".png, .svg or .pdf"),
        (
            ["plot", "{cap}", "-o", "p.png", "--kind", "spectrum", "--finding", "99"],
            "numbered from 1",
        ),
        (
            ["plot", "{cap}", "-o", "p.png", "--kind", "spectrum", "--finding", "dect"],
            "no RF finding",
        ),
    ],
)
def test_user_mistakes_are_one_line(hotel_capture, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code = main([a.replace("{cap}", str(hotel_capture)) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_garbage_capture_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.cap"
    bad.write_bytes(b"not a capture at all" * 10)
    assert main(["report", str(bad), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "not a roomsweep capture" in err and len(err.strip().splitlines()) == 1


def test_demo_outputs_report_and_timeline(hotel_capture, tmp_path):
    from roomsweep.analyst.report import report_and_timeline

    report, timeline = report_and_timeline(hotel_capture, tmp_path / "demo")
    assert report == tmp_path / "demo" / "hotel.html" and report.stat().st_size > 50_000
    assert Image.open(timeline).size[0] > 500


def test_readme_figures_exist():
    root = Path(__file__).resolve().parent.parent
    figures = re.findall(r"\]\((docs/img/[^)]+\.png)\)", (root / "README.md").read_text())
    assert "docs/img/demo-timeline.png" in figures
    for fig in figures:
        with Image.open(root / fig) as img:
            assert img.size[0] >= 500


def test_lens_plot_draws_the_lens_analysis_tracks(hotel, monkeypatch, tmp_path):
    """The lens kind against the interface `roomsweep.analysis.lens` provides:
    amplitude_tracks(rec) -> (array (groups, frames), {"times_s", "freqs_hz", "lit"})."""
    import sys
    import types

    from roomsweep.analyst import plot

    frames = int(hotel.rec.duration_s / 0.02)
    times = (np.arange(frames) + 0.5) * 0.02
    tracks = np.vstack(
        [np.full(frames, 3.0), np.where(np.abs(times - 12.5) < 0.2, 60.0, 3.0), np.zeros(frames)]
    )
    fake = types.ModuleType("roomsweep.analysis.lens")
    fake.amplitude_tracks = lambda rec: (
        tracks,
        {"times_s": times, "lit": (True, True, False), "freqs_hz": (1175.0, 1775.0, 2375.0)},
    )
    monkeypatch.setitem(sys.modules, "roomsweep.analysis.lens", fake)
    lens = {
        "type": "lens",
        "class": "camera_lens",
        "time_s": 12.5,
        "waypoint": "wardrobe",
        "confidence": 0.9,
        "evidence": {"glints": [{"time_s": 12.5, "rise": 57.0}]},
    }
    an = type(hotel)(hotel.path, hotel.header, hotel.rec, [lens], hotel.stops)
    fig = plot.lens(an)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels[:2] == [
        "inner ring: LED group 0 (1175 Hz)",
        "middle ring: LED group 1 (1775 Hz)",
    ]
    assert "not lenses" in labels[-1]  # the big non-lens peaks, explained
    assert max(np.nanmax(line.get_ydata()) for line in ax.get_lines()[:2]) == 60.0
    plot.save(fig, tmp_path / "lens.png")
    assert (tmp_path / "lens.png").stat().st_size > 10_000
    text, figures = render(an)
    assert "lens" in figures and 'id="lens"' in text


def test_report_of_a_clean_sweep_says_so(hotel):
    clean = type(hotel)(hotel.path, hotel.header, hotel.rec, [], hotel.stops)
    text, figures = render(clean)
    assert 'id="no-findings"' in text and "nothing suspicious found" in text
    assert "timeline" in figures and not any(f.startswith("spectrum") for f in figures)


# --- what can be checked of the figures: markers, outline, labels, wording ------


def _marker_boxes(fig, ax) -> list:
    """Display-space boxes of every marker on the map: the waypoints' scatter and
    the findings' markers."""
    from matplotlib.transforms import Bbox

    boxes = []
    for coll in ax.collections:
        for x, y in ax.transData.transform(coll.get_offsets()):
            r = 5.0 * fig.dpi / 72
            boxes.append(Bbox.from_extents(x - r, y - r, x + r, y + r))
    for line in ax.get_lines():
        if (line.get_gid() or "").startswith("finding-"):
            x, y = ax.transData.transform((line.get_xdata()[0], line.get_ydata()[0]))
            r = 0.4 * line.get_markersize() * fig.dpi / 72
            boxes.append(Bbox.from_extents(x - r, y - r, x + r, y + r))
    return boxes


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_map_draws_the_room_every_finding_and_labels_that_do_not_collide(hotel, tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from roomsweep.analyst import plot

    fig = plot.room_map(hotel)
    ax = fig.axes[0]
    gids = {line.get_gid() for line in ax.get_lines()}
    assert "room-outline" in gids  # the plan's outline (hotel-room.toml has one)
    outline = next(line for line in ax.get_lines() if line.get_gid() == "room-outline")
    assert "capture's plan" in outline.get_label()
    for rank, f in enumerate(hotel.findings, 1):  # every finding, lens included
        assert f"finding-{rank}" in gids, (rank, f["class"])
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text().strip()]
    names = {t.get_text() for t in texts}
    assert set(hotel.rec.waypoint_positions) <= names
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), (texts[i].get_text(), a, b)
        for m in _marker_boxes(fig, ax):
            assert not _overlap(a, m), (texts[i].get_text(), a, m)
    plot.save(fig, tmp_path / "map.png")


def test_map_estimate_outside_the_room_is_drawn_at_the_wall(hotel):
    from roomsweep.analyst import plot

    outline, from_plan = plot.room_outline(hotel)
    assert from_plan and len(outline) >= 3
    xs = [x for x, _ in outline]
    away = {
        "type": "rf",
        "class": "gsm",
        "time_s": 10.0,
        "waypoint": None,
        "position_m": [min(xs) - 2.0, 1.0],
        "position_uncertainty_m": 0.3,
        "confidence": 0.9,
    }
    an = type(hotel)(hotel.path, hotel.header, hotel.rec, [away], hotel.stops)
    ax = plot.room_map(an).axes[0]
    marker = next(line for line in ax.get_lines() if line.get_gid() == "finding-1")
    assert marker.get_xdata()[0] == pytest.approx(min(xs))  # at the wall
    assert "estimated outside the outline" in marker.get_label()
    # without an outline: the stops' hull, said so
    hotel.rec.room_outline, saved = None, hotel.rec.room_outline
    try:
        hull, from_plan = plot.room_outline(hotel)
        assert not from_plan and len(hull) >= 3
        ax = plot.room_map(hotel).axes[0]
        line = next(line for line in ax.get_lines() if line.get_gid() == "room-outline")
        assert "stops cover" in line.get_label()
    finally:
        hotel.rec.room_outline = saved


def test_convex_hull():
    from roomsweep.analyst.plot import convex_hull

    square = [(0, 0), (2, 0), (2, 2), (0, 2), (1, 1), (1, 0)]
    assert sorted(convex_hull(square)) == [(0.0, 0.0), (0.0, 2.0), (2.0, 0.0), (2.0, 2.0)]


def test_lens_plot_marks_the_glint_and_names_the_stops(hotel):
    from roomsweep.analyst import plot

    lens = [(r, f) for r, f in enumerate(hotel.findings, 1) if f["type"] == "lens"]
    assert lens, "the hotel room's alarm-clock lens"
    fig = plot.lens(hotel)
    top, below = fig.axes[:2]
    named = {t.get_text().strip() for t in top.texts}
    assert {s["waypoint"] for s in hotel.stops if s["waypoint"]} <= named
    labels = [t.get_text() for t in below.texts]
    rank, f = lens[0]
    assert f"#{rank} {f['waypoint']}" in labels  # the glint, named by its stop
    # the glint stands out in the lower panel: its marker is at the excess's peak
    marks = [
        line for line in below.get_lines() if line.get_marker() == "v" and len(line.get_xdata())
    ]
    assert marks
    trace = below.get_lines()[0]
    t, y = np.asarray(trace.get_xdata(), float), np.asarray(trace.get_ydata(), float)
    near = np.abs(t - f["time_s"]) < 0.3
    quiet = np.abs(t - f["time_s"]) > 1.0
    assert np.nanmax(y[near]) > 5 * np.nanmedian(np.abs(y[quiet]))
    # no dashed finding line over a flat trace any more
    assert not [line for line in top.get_lines() if line.get_linestyle() == "--"]


def test_spectrum_of_a_class_without_a_period_says_what_it_shows(hotel):
    from roomsweep.analyst import plot

    rank = 1 + [f["class"] for f in hotel.findings].index("wifi_camera")
    ax = plot.spectrum(hotel, rank).axes[0]
    text = " ".join(t.get_text() for t in ax.texts)
    assert "no frame period known" not in text and "no fixed period" in text
    labels = [line.get_label() for line in ax.get_lines()]
    assert any("burst rate" in lab for lab in labels)
    gsm = plot.spectrum(hotel, "gsm").axes[0]
    assert not gsm.texts  # GSM has its frame period: its lines are marked, no note


def test_report_evidence_reads_as_sentences_and_tables(report, hotel):
    text = report.read_text()
    sections = re.sub(r"<img [^>]*>", "", text[text.index('id="finding-1"') :])
    assert "True" not in sections and "False" not in sections
    assert "rssi_by_waypoint" not in sections and "wifi." not in sections
    assert not re.search(r"\[\{|\[&quot;|\[\d", sections)  # no JSON lists
    radio = [
        f
        for f in hotel.findings
        if "rssi_by_waypoint" in (f.get("evidence") or {})
        or "rssi_by_waypoint" in ((f.get("evidence") or {}).get("wifi") or {})
    ]
    if radio:  # a sweep with the radios on (the shared one may have them off)
        assert "<caption>Signal strength at each waypoint" in sections
    if any(f["type"] == "lens" for f in hotel.findings):
        assert "<caption>Glints</caption>" in sections
    assert "Bursts: " in sections


def test_evidence_formatter_handles_unknown_keys():
    from roomsweep.analyst.evidence import as_text, describe

    items = describe(
        {
            "type": "wifi",
            "evidence": {
                "new_flag": True,
                "gap_s": 1.25,
                "nested": {"a_db": 3.0},
                "rows": [{"x": 1}],
            },
        }
    )
    text = as_text(items)
    assert "new flag: yes" in text and "gap (s): 1.2" in text
    assert "nested" in text and "a (dB)" in text and "True" not in text


def test_evidence_of_a_radio_finding_is_a_table_of_stops_and_reasons():
    from roomsweep.analyst.evidence import Sentence, Table, describe
    from roomsweep.analyst.report import evidence_html

    tracker = {
        "type": "ble",
        "class": "tracker",
        "evidence": {
            "mac": "d2:4f:1a:9c:33:07",
            "vendor": None,
            "locally_administered": True,
            "random_address": True,
            "reasons": ["Apple Find My device away from its owner [FOF, SIG]"],
            "rssi_by_waypoint": {"door": -48.5, "bed-right": -27.7},
            "score_parts": {"tracker": 0.85},
            "adv_data": "1eff4c00",
        },
    }
    items = describe(tracker)
    (table,) = [i for i in items if isinstance(i, Table)]
    assert table.columns == ["waypoint", "RSSI (dBm)"]
    assert table.rows == [["bed-right", "-27.7"], ["door", "-48.5"]]  # loudest first
    text = " ".join(i.text for i in items if isinstance(i, Sentence))
    assert "random address d2:4f:1a:9c:33:07" in text and "Why it counts: Apple" in text
    html = evidence_html(items)
    assert "True" not in html and "<caption>Signal strength" in html
    assert "<script>" not in evidence_html([Sentence("<script>x</script>")])  # escaped


def test_the_level_sentence_adds_up():
    """ "N dB above its typical level (T dBm)" only when level - T is N; the
    analyzer may take the level's fall across the room instead, and says so."""
    from roomsweep.analyst.evidence import as_text, describe

    def sentence(level: float, above: float, typical: float) -> str:
        f = {
            "type": "rf",
            "class": "gsm",
            "level_dbm": level,
            "evidence": {"level_above_room_db": above, "room_typical_dbm": typical},
        }
        return as_text(describe(f), indent="")

    assert sentence(-10.0, 20.0, -30.0).startswith("At its loudest it stands 20.0 dB above")
    text = sentence(-0.0, 26.9, -8.0)  # a saturated GSM bug: 8 dB over typical, falls 27
    assert "26.9 dB above its typical" not in text
    assert text.startswith("It stands out by 26.9 dB: its level falls that much across the room")
    assert "-8.0 dBm" in text


def test_timeline_flags_a_saturated_stretch(hotel):
    """A stretch at the detector's ceiling is drawn again in red and named in the
    legend as a lower bound; the rest of the track is not."""
    import dataclasses

    from roomsweep.analyst import plot
    from roomsweep.analyst.analysed import ceiling_dbm, level_track

    rec = hotel.rec
    loudest = int(np.argmax(rec.calibration.rf_dbm(np.arange(4096))))  # the top count
    counts = rec.rf_counts.copy()
    a, b = int(2.0 * rec.fs), int(3.0 * rec.fs)
    counts[a:b] = loudest
    pads = {k: None for k in ("rf_pad_start", "rf_pad_db") if hasattr(rec, k)}
    clipped = dataclasses.replace(rec, rf_counts=counts, **pads)
    an = type(hotel)(hotel.path, hotel.header, clipped, [], hotel.stops)
    ceiling = ceiling_dbm(an)
    assert float(clipped.rf_dbm()[a]) >= ceiling  # the detector's top is at its ceiling
    ax = plot.timeline(an).axes[0]
    red = [line for line in ax.get_lines() if "saturated" in str(line.get_label())]
    assert len(red) == 1 and "true level may be higher" in red[0].get_label()
    t, y = red[0].get_xdata(), red[0].get_ydata()
    shown = t[np.isfinite(y)]
    assert shown.size and np.all(y[np.isfinite(y)] >= ceiling)
    peaks = level_track(clipped, bin_s=max(0.02, clipped.duration_s / 1500))
    with np.errstate(invalid="ignore"):
        assert shown.size == int(np.count_nonzero(peaks["peak_dbm"] >= ceiling))
    lo, hi = clipped.device_time(a / rec.fs), clipped.device_time(b / rec.fs)
    assert np.any((shown >= lo) & (shown <= hi))


def test_the_envelope_line_says_whose_frame_rate_it_is():
    """A Wi-Fi camera's window can hold a louder GSM bug's frames: the line is
    named as the other transmitter's, not left to read as the camera's timing."""
    from roomsweep.analyst.evidence import as_text, describe

    def line(cls: str, hz: float) -> str:
        text = as_text(describe({"class": cls, "evidence": {"peak_frequency_hz": hz}}))
        return " ".join(text.split())

    assert "216.8 Hz: its frame rate." in line("gsm", 216.8)
    assert "harmonic 2 of its frame rate" in line("gsm", 433.4)
    other = line("wifi_camera", 216.8)
    assert "GSM's frame rate" in other and "another transmitter" in other
    assert line("wifi_camera", 333.0).endswith("strongest line is at 333.0 Hz.")
