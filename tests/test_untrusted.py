"""Text from outside (SSIDs, BLE names, MARK labels, waypoint names, header text)
can reach no terminal, HTML page or plot raw (issue 17, items 3, 4 and 10).

The decoder makes it printable where it enters (protocol.untrusted); the live
view, the HTML report and the plots each escape it for their medium.
"""

from __future__ import annotations

import io
import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from roomsweep.analyst.analysed import analyse_capture
from roomsweep.cli import main
from roomsweep.link.capture import encode_header, load, read_header
from roomsweep.live.session import PlainView
from roomsweep.live.state import LiveState
from roomsweep.live.view import HEIGHT, WIDTH, render, render_text
from roomsweep.network.findings import network_findings
from roomsweep.network.signatures import AD_NAME_COMPLETE, parse_adv
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Decoder, decode_all
from roomsweep.protocol.observations import BleSighting, WifiSighting
from roomsweep.protocol.records import BleAdv, Info, Log, Mark, Note, Samples, WifiScan
from roomsweep.protocol.untrusted import printable

# what an attacker's access point, tag or label would hold
CLEAR = "\x1b[2J"  # clear the screen
OSC52 = "\x1b]52;c;ZXZpbA==\x07"  # write "evil" to the terminal's clipboard
SSIDS = [
    "IPC-" + CLEAR + OSC52,  # a camera pattern, so it becomes a finding
    "guest\nRF  -10.0 dBm FAKE",  # a forged line of the panel
    "bell\x07\x07 and\rCR",
]
BLE_NAME = "V380\x1b[2J$a$ $b$\n\x07"  # a camera name: a finding too
# two dollar signs around what mathtext cannot parse made matplotlib raise
MARK_LABEL = "$x_$ mark\x1b[2J\nfake\r\x07"
RENAMED = {  # hotel-room waypoints given hostile names in the capture header
    "smoke-detector": "smoke $\x1b$ $y^^$",
    "headboard": "head\x1b]52;c;aGk=\x07 $a_$board",
    "bed-right": "bed $r_$ \nfake\r",
}
NOTES = "<script>alert(1)</script>\x1b[2J $n$ $o$"
# raw control characters other than the newline and tab of the HTML's own layout
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
BSSID = bytes.fromhex("02aabbccdd00")
BLE_ADDR = bytes.fromhex("c2aabbccdd01")


def _adv(name: str) -> bytes:
    raw = name.encode()
    return bytes([len(raw) + 1, AD_NAME_COMPLETE]) + raw


def _wifi_frame(seq: int, ts: int) -> bytes:
    aps = [(s.encode(), BSSID[:5] + bytes([i]), 6, -30 - i, 0, False) for i, s in enumerate(SSIDS)]
    for ssid, *_ in aps:
        assert len(ssid) <= P.WIFI_SSID_MAX
    return P.encode_frame(P.T_WIFI_SCAN, seq, ts, P.encode_wifi_scan(ts - 2000, 1000, 0, aps))


def _ble_frame(seq: int, ts: int) -> bytes:
    adv = _adv(BLE_NAME)
    assert len(adv) <= P.BLE_DATA_MAX
    payload = P.encode_ble_adv(ts - 400_000, 400_000, 0, [(BLE_ADDR, 1, 0, -30, -32, 5, adv)])
    return P.encode_frame(P.T_BLE_ADV, seq, ts, payload)


def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in _strings(k) + _strings(v)]
    if isinstance(obj, (list, tuple)):
        return [s for v in obj for s in _strings(v)]
    return []


# --- the decoder: where the text enters ---------------------------------------------


def test_the_decoder_hands_on_no_raw_control_character():
    info = {"board": "esp\x1b[2J", "note\n": [OSC52, 3], "firmware": "1.0"}
    stream = b"".join(
        [
            P.encode_frame(P.T_INFO, 0, 0, json.dumps(info).encode()),
            P.encode_frame(P.T_MARK, 1, 10, P.encode_mark(1, P.MARK_FROM_HOST, MARK_LABEL)),
            P.encode_frame(P.T_LOG, 2, 20, P.encode_log(20, "boot\x1b[31m red\r\n")),
            P.encode_frame(P.T_ERROR, 3, 30, P.encode_reply(1, P.T_CMD_MARK, 1, "bad\x07")),
            P.encode_frame(P.T_HOST_NOTE, 0, 40, b"note\x1b]0;title\x07"),
            _wifi_frame(4, 5_000_000),
            _ble_frame(5, 6_000_000),
        ]
    )
    records, counters = decode_all(stream)
    assert counters.bad_payload == 0 and len(records) == 7
    texts: list[str] = []
    for r in records:
        if isinstance(r, Info):
            texts += _strings(r.info)
        elif isinstance(r, WifiScan):
            texts += [a.ssid for a in r.access_points]
        elif not isinstance(r, BleAdv):
            texts.append(getattr(r, "label", None) or r.text)
    assert len(texts) == 6 + 4 + 3  # INFO keys and values, 4 texts, 3 SSIDs
    for t in texts:
        assert not ANY_CONTROL.search(t), t
    mark = next(r for r in records if isinstance(r, Mark))
    assert mark.label == "$x_$ mark\\x1b[2J\\nfake\\r\\x07"  # visible, not gone
    assert [a.ssid for a in records[5].access_points] == [printable(s) for s in SSIDS]
    assert records[5].access_points[0].ssid_raw == SSIDS[0].encode()  # raw bytes kept
    (adv,) = records[6].advertisers
    name = parse_adv(adv.adv_data).name
    assert name == "V380\\x1b[2J$a$ $b$\\n\\x07"
    # chunked like a live link: the same records
    dec = Decoder()
    chunked = [r for i in range(0, len(stream), 7) for r in dec.feed(stream[i : i + 7])]
    assert [getattr(r, "text", None) for r in chunked if isinstance(r, (Log, Note))] == [
        "boot\\x1b[31m red\\r\\n",
        "note\\x1b]0;title\\x07",
    ]


def test_network_findings_name_devices_printably():
    """Sightings the simulator makes bypass the decoder: the network layer cleans
    the SSIDs and BLE names it reads."""
    from roomsweep.analysis.recording import Recording, WaypointMark

    rec = Recording(rf_counts=np.zeros(8000 * 10, np.uint16), fs=8000.0)
    rec.marks = [WaypointMark(1.0, "desk", "button")]
    rec.wifi = [WifiSighting(1.5, "02:aa:bb:cc:dd:00", SSIDS[0], 6, -30.0, 0, False)]
    adv = _adv(BLE_NAME)
    rec.ble = [BleSighting(2.0, "c2:aa:bb:cc:dd:01", 1, -30.0, 5, adv)]
    findings = network_findings(rec)
    assert {f["class"] for f in findings} == {"camera_ap", "ble_camera"}
    for s in _strings(findings):
        assert not ANY_CONTROL.search(s), s
    ap = next(f for f in findings if f["class"] == "camera_ap")
    assert ap["evidence"]["ssid"] == printable(SSIDS[0])


# --- the live view ------------------------------------------------------------------


def _rf_blocks(n: int, seq0: int = 0) -> list[Samples]:
    return [
        Samples(
            P.T_SAMPLES,
            seq0 + i,
            i * 32000,
            channel=P.CH_RF,
            t_first_us=i * 32000,
            span_us=31875,
            rate_hz=8000.0,
            samples=np.full(256, 1500, np.uint16),
        )
        for i in range(n)
    ]


def _live(hostile: bool) -> LiveState:
    """A state fed through the decoder: hostile names, or plain ones of the same length."""

    def pick(text: str) -> str:
        return text if hostile else re.sub("[^a-z]", "a", text)

    state = LiveState(
        capture_path=pick("/tmp/x\x1b[2J.cap"),
        port=pick("/dev/tty\nUSB0"),
        sweep_names=[pick("door\x1b[2J\n"), "desk"],
        title=pick("[bold]room[/] [/] \x1b]0;t\x07"),
    )
    state.feed(_rf_blocks(40))
    frames = [
        P.encode_frame(P.T_MARK, 0, 1000, P.encode_mark(1, P.MARK_FROM_BUTTON, "")),
        P.encode_frame(P.T_MARK, 1, 2000, P.encode_mark(2, P.MARK_FROM_HOST, pick(MARK_LABEL))),
    ]
    aps = [
        (pick(s).encode(), BSSID[:5] + bytes([i]), 6, -20 - i, 0, False)
        for i, s in enumerate(SSIDS)
    ]
    frames.append(P.encode_frame(P.T_WIFI_SCAN, 2, 3000, P.encode_wifi_scan(0, 1000, 0, aps)))
    frames.append(
        P.encode_frame(P.T_MARK, 3, 4000, P.encode_mark(3, P.MARK_FROM_HOST, pick(OSC52 + "x")))
    )
    records, _ = decode_all(b"".join(frames))
    state.feed(records)
    state.feed(_rf_blocks(40, seq0=100))
    state.link = "connected"
    state.message = pick("waypoint \x1b[2J marked")
    return state


def test_the_live_view_shows_hostile_names_escaped_and_keeps_its_shape():
    hostile, plain = _live(True), _live(False)
    text = render_text(hostile)
    for ch in ("\x1b", "\x07", "\r"):
        assert ch not in text
    lines = text.rstrip("\n").split("\n")
    assert len(lines) == len(render_text(plain).rstrip("\n").split("\n")) <= HEIGHT
    assert max(len(x) for x in lines) <= WIDTH
    assert sum("RF " in x for x in lines) == 1  # no forged RF line
    assert "strongest: IPC-\\x1b[2J" in text  # visible, escaped
    assert "#3 \\x1b]52;c;ZXZpbA==\\x07x" in text
    assert "#1 door\\x1b[2J\\n" in text  # a button press named after the sweep
    assert "roomsweep sweep · [bold]room[/] [/]" in text  # the title is not markup
    # on a colour terminal: only rich's own styling escapes, nothing from the data
    out = io.StringIO()
    Console(
        file=out, width=WIDTH, height=HEIGHT, force_terminal=True, color_system="truecolor"
    ).print(render(hostile))
    ansi = out.getvalue()
    assert "\x1b[2J" not in ansi and "\x1b]" not in ansi and "\x07" not in ansi
    assert set(re.findall(r"\x1b\[[0-9;]*([A-Za-z])", ansi)) <= {"m"}  # SGR only
    assert ansi.count("\n") == len(lines)


def test_the_plain_view_prints_one_line_per_waypoint():
    state = _live(True)
    out = io.StringIO()
    view = PlainView(out)
    view.draw(state)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(state.marks) + 1  # the waypoints and a status line
    assert not ANY_CONTROL.search(out.getvalue().replace("\n", ""))


# --- report and plot on a capture with hostile names --------------------------------


def _rename(obj):
    if isinstance(obj, str):
        return RENAMED.get(obj, obj)
    if isinstance(obj, dict):
        return {_rename(k): _rename(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rename(v) for v in obj]
    return obj


@pytest.fixture(scope="module")
def hostile_capture(hotel_capture, tmp_path_factory) -> Path:
    """The simulated hotel-room sweep with hostile waypoint names and notes in its
    header, its last button press turned into a host MARK with a hostile label,
    and a Wi-Fi scan and a BLE window of hostile names heard there."""
    header, offset = read_header(hotel_capture)
    header = _rename(header)
    header["notes"] = NOTES
    data = hotel_capture.read_bytes()[offset:]
    records = Decoder(keep_raw=True).feed(data)
    frames: list[bytes] = []
    last = max(r.number for r in records if isinstance(r, Mark))
    for r in records:
        assert r.raw is not None
        if isinstance(r, Mark) and r.number == last:
            (ts,) = struct.unpack_from("<I", r.raw, 8)
            payload = P.encode_mark(r.number, P.MARK_FROM_HOST, MARK_LABEL)
            frames.append(P.encode_frame(P.T_MARK, r.seq, ts, payload))
            frames += [_wifi_frame(r.seq, ts + 1000), _ble_frame(r.seq, ts + 2000)]
        else:
            frames.append(r.raw)
    out = tmp_path_factory.mktemp("untrusted") / "hostile $a_$ $b$.cap"
    out.write_bytes(encode_header(header) + b"".join(frames))
    return out


def test_the_hostile_capture_carries_its_names(hostile_capture):
    cap = load(hostile_capture)
    assert any(isinstance(r, WifiScan) for r in cap.records)
    an = analyse_capture(hostile_capture)
    labels = [m.label for m in an.rec.marks]
    assert printable(RENAMED["headboard"]) in labels and printable(MARK_LABEL) in labels
    for s in _strings(an.findings) + _strings(an.header) + labels:
        assert not ANY_CONTROL.search(s), s
    waypoints = {f.get("waypoint") for f in an.findings}
    # an RF finding at a hostile name (its spectrum's title names it), a network one
    assert printable(RENAMED["headboard"]) in waypoints
    assert {"camera_ap", "ble_camera"} & {f["class"] for f in an.findings}


def test_report_escapes_every_name(hostile_capture, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(hostile_capture), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert not RAW_CONTROL.search(html)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J" in html
    assert "head\\x1b]52;c;aGk=\\x07 $a_$board" in html  # a waypoint name, visible
    assert "$x_$ mark\\x1b[2J\\nfake\\r\\x07" in html  # the MARK label
    assert "IPC-\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07" in html  # the SSID, in the evidence


@pytest.mark.parametrize("kind", ["timeline", "spectrum", "lens", "map"])
def test_plot_draws_dollar_signs_instead_of_crashing(hostile_capture, tmp_path, kind):
    out = tmp_path / f"{kind}.png"
    args = ["plot", str(hostile_capture), "-o", str(out), "--kind", kind]
    if kind == "spectrum":
        an = analyse_capture(hostile_capture)
        rank = next(
            i
            for i, f in enumerate(an.findings, 1)
            if f["type"] == "rf" and f.get("waypoint") == printable(RENAMED["headboard"])
        )
        args += ["--finding", str(rank)]
    assert main(args) == 0
    assert out.stat().st_size > 10_000
