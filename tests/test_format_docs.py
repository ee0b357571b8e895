"""docs/capture-format.md and docs/protocol.md name every key the code writes and
reads, and no other: their tables are parsed and checked against a real simulated
capture (header and the firmware's INFO), the reference writer in docs/examples,
and the keys the readers consult (the analyzer's, logged as it reads; the rest of
the host's, found in its source). The room's plan, its reading and its errors;
the documented count -> dBm law; and a capture written from the docs alone,
analysed with positions."""

from __future__ import annotations

import ast
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from roomsweep.analysis import recording as R
from roomsweep.cli import main
from roomsweep.errors import CaptureFormatError
from roomsweep.link import capture as C
from roomsweep.live.session import sim_header
from roomsweep.protocol import device_defaults as D
from roomsweep.protocol.calibration import BandCalibration, Calibration
from roomsweep.protocol.plan import PLACES, plan_header, read_plan
from roomsweep.sim.runner import simulate
from roomsweep.sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOST = ROOT / "host" / "roomsweep"
WRITER = DOCS / "examples" / "write_capture.py"

# header values that are maps by name (or another page's object): their keys are
# not header keys
OPAQUE = {"device", "waypoints", "plan.waypoints", "simulation.waypoints"}


# --- the documents' tables -----------------------------------------------------------


def section(path: Path, heading: str) -> str:
    """The text under `heading` up to the next heading of the same or a higher level."""
    text = path.read_text()
    level = heading.split(" ")[0]
    start = text.index(heading + "\n") + len(heading)
    pattern = rf"^#{{1,{len(level)}}} "
    ends = [m.start() for m in re.finditer(pattern, text[start:], re.M)]
    return text[start : start + ends[0]] if ends else text[start:]


def table_rows(text: str) -> dict[str, list[str]]:
    """Rows of the markdown tables whose first cell is a `key`: key -> other cells."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| `([^`]+)` \|(.*)\|$", line)
        if m:
            assert m.group(1) not in rows, f"{m.group(1)} documented twice"
            rows[m.group(1)] = [c.strip() for c in m.group(2).split("|")]
    return rows


HEADER_DOC = table_rows(section(DOCS / "capture-format.md", "## Header"))
INFO_DOC = table_rows(section(DOCS / "protocol.md", "### INFO (0x01)"))


def test_the_tables_are_found_and_say_type_unit_and_default():
    assert {"plan", "plan.waypoints", "plan.sweep", "plan.outline", "settings"} <= set(HEADER_DOC)
    assert {"calibration.adc_full_scale_mv", "calibration.adc_table", "leds[].hz"} <= set(INFO_DOC)
    for rows in (HEADER_DOC, INFO_DOC):
        for key, cells in rows.items():
            # type, unit, when absent, meaning: none left empty
            assert len(cells) == 4 and all(cells), (key, cells)


# --- what the code writes and reads --------------------------------------------------


def flatten(obj: dict[str, Any], prefix: str = "", opaque: set[str] = frozenset()) -> set[str]:
    """Dotted key paths of a JSON object; `[]` for the elements of an array of objects."""
    out = set()
    for key, value in obj.items():
        path = prefix + key
        out.add(path)
        if path in opaque:
            continue
        if isinstance(value, dict):
            out |= flatten(value, path + ".", opaque)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for v in value:
                out |= flatten(v, path + "[].", opaque)
    return out


class KeyLog(dict):
    """A JSON object that notes every key read from it, dotted, as `flatten` writes them."""

    def __init__(self, data: dict[str, Any], log: set[str], prefix: str = ""):
        super().__init__(data)
        self.log, self.prefix = log, prefix

    def _read(self, key: str, value: Any) -> Any:
        path = self.prefix + key
        self.log.add(path)
        if isinstance(value, dict) and not isinstance(value, KeyLog):
            return KeyLog(value, self.log, path + ".")
        if isinstance(value, list):
            return [KeyLog(v, self.log, path + "[].") if isinstance(v, dict) else v for v in value]
        return value

    def __getitem__(self, key: str) -> Any:
        return self._read(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:
        return self._read(key, super().get(key, default))

    def __contains__(self, key: object) -> bool:
        self.log.add(self.prefix + str(key))
        return super().__contains__(key)


def full_calibration() -> dict[str, Any]:
    """INFO's calibration object with every key the host understands."""
    cal = Calibration(
        rf_bands=(BandCalibration(900.0, -24.0, 18.0),),
        adc_table=((0.0, 140.0), (4095.0, 3300.0)),
        pd_dark_mv=300.0,
        pd_gain=2.0,
        source="measured",
        device="esp32-devkitc",
    ).to_dict()
    for file_only in ("format", "version"):  # docs/calibration.md: the file's own
        del cal[file_only]
    return {**cal, **D.CALIBRATION}


@pytest.fixture(scope="module")
def sim_capture(tmp_path_factory) -> Path:
    """A short capture through the unchanged firmware: the header the simulator writes
    and the INFO the firmware sends."""
    out = tmp_path_factory.mktemp("docs") / "hotel.cap"
    simulate(load_scenario("hotel-room"), out, seconds=1.5)
    return out


@pytest.fixture(scope="module")
def example_capture(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "example.cap"
    proc = subprocess.run([sys.executable, str(WRITER), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def read_logged(path: Path, monkeypatch, info: dict[str, Any] | None = None) -> tuple[set, set]:
    """The header and INFO keys `from_capture` reads of `path` (INFO replaced by `info`)."""
    header_log: set[str] = set()
    info_log: set[str] = set()
    real_load = C.load

    def logged_load(p, *a, **kw):
        cap = real_load(p, *a, **kw)
        cap.header = KeyLog(cap.header, header_log)
        cap.device_info = KeyLog(info if info is not None else cap.device_info, info_log)
        return cap

    monkeypatch.setattr(R, "load", logged_load)
    R.from_capture(path)
    monkeypatch.undo()
    return header_log, info_log


def header_keys_in_source() -> set[str]:
    """Keys the host's modules read from a capture header: `header.get("k")`, `header["k"]`."""
    keys = set()
    for path in HOST.rglob("*.py"):
        text = path.read_text()
        keys |= set(re.findall(r"header\.get\(\s*[\"'](\w+)[\"']", text))
        keys |= set(re.findall(r"header\[\s*[\"'](\w+)[\"']\s*\]", text))
    return keys


def assert_same(documented: set[str], written: set[str], read: set[str]) -> None:
    known = written | read
    assert known <= documented, f"undocumented: {sorted(known - documented)}"
    assert documented <= known, f"documented, unknown to the code: {sorted(documented - known)}"


@pytest.mark.slow
def test_header_table_is_exactly_what_the_code_writes_and_reads(
    sim_capture, example_capture, tmp_path, monkeypatch
):
    written = set()
    for cap in (sim_capture, example_capture):
        written |= flatten(C.read_header(cap)[0], opaque=OPAQUE)
    scenario = load_scenario("hotel-room")
    written |= flatten(sim_header(scenario, 1, "pty"), opaque=OPAQUE)
    with C.CaptureWriter(tmp_path / "bare.cap", {}) as w:  # what the writer adds itself
        written |= set(w.header)
    read = set(R.HEADER_KEYS_READ) | header_keys_in_source()
    for cap in (sim_capture, example_capture):
        logged, _ = read_logged(cap, monkeypatch)
        assert logged <= set(R.HEADER_KEYS_READ), logged - set(R.HEADER_KEYS_READ)
        read |= logged
    assert_same(set(HEADER_DOC), written, read)


@pytest.mark.slow
def test_info_tables_are_exactly_what_the_firmware_sends_and_the_host_reads(
    sim_capture, monkeypatch
):
    firmware_info = C.load(sim_capture).device_info
    written = flatten(firmware_info)
    full = {**firmware_info, "calibration": full_calibration()}
    _, read = read_logged(sim_capture, monkeypatch, info=full)
    assert {
        "calibration.rf_bands[].band_mhz",
        "calibration.photodiode.dark_mv",
        "leds[].duty_permille",
    } <= read  # the log sees nested reads
    assert_same(set(INFO_DOC), written, read)


def test_calibration_defaults_in_the_doc_are_the_codes():
    def number(cell: str) -> float:
        return float(cell.replace("−", "-"))

    cal = Calibration()
    for key in (
        "adc_offset_mv",
        "adc_mv_per_count",
        "rf_slope_mv_per_db",
        "rf_intercept_dbm",
        "adc_bits",
    ):
        assert number(INFO_DOC[f"calibration.{key}"][2]) == getattr(cal, key), key
    assert INFO_DOC["calibration.source"][2] == f"`{cal.source}`"
    # "our firmware sends the first eight"
    keys = [k for k in INFO_DOC if k.startswith("calibration.")]
    assert len(D.CALIBRATION) == 8
    assert {k.split(".", 1)[1] for k in keys[:8]} == set(D.CALIBRATION)
    # the calibration file's keys are INFO's (docs/calibration.md)
    file_keys = flatten(full_calibration(), "calibration.")
    assert file_keys <= set(INFO_DOC), file_keys - set(INFO_DOC)


def test_the_documented_law_and_its_examples():
    law = section(DOCS / "protocol.md", "#### The count → dBm law")
    assert "`mV = adc_offset_mv + count × adc_mv_per_count`" in law
    assert "`mV = count × adc_full_scale_mv / (2^adc_bits − 1)`" in law  # the older line
    cal = Calibration()
    examples = re.findall(r"count (\d+) is (−?[\d.]+) dBm", law)
    assert len(examples) == 2
    for count, dbm in examples:
        assert round(float(cal.rf_dbm(int(count))), 1) == float(dbm.replace("−", "-"))
    # the default line is the firmware's CALIBRATION, with its offset
    assert Calibration.from_info({"calibration": D.CALIBRATION}) == cal
    assert float(cal.counts_to_mv(0)) == D.CALIBRATION["adc_offset_mv"]
    # an INFO with only the older key keeps the older line through zero
    old = Calibration.from_info({"calibration": {"adc_full_scale_mv": 3100}})
    assert float(old.counts_to_mv(4095)) == pytest.approx(3100.0)


def test_the_chip_characteristic_table_is_right():
    """docs/calibration.md: what the older law makes of ESP-IDF's line
    (142 mV + 1100 x 196602 / 4096 / 65536 mV per count at 11 dB), and what the
    default law makes of a unit at the ends of the eFuse Vref spread."""
    text = section(DOCS / "calibration.md", "## The law without a calibration file")
    assert "142 + count × 0.8056335" in text
    per_count = (1100 * 196602 // 4096) / 65536
    rows = re.findall(
        r"^\| (−?\d+) dBm \| (\d+) mV \| (\d+) \| (\d+) mV, ([+−][\d.]+) dBm \| ([\d.]+) dB \|$",
        text,
        re.M,
    )
    assert len(rows) == 4
    cal = Calibration.from_info({"calibration": {"adc_full_scale_mv": 3100}})  # the older law
    assert Calibration().counts_to_mv(2306) == pytest.approx(142 + 2306 * per_count, abs=1e-3)
    for true_dbm, mv, count, nominal_mv, reads, high in rows:
        true = float(true_dbm.replace("−", "-"))
        assert float(mv) == -25.0 * (true - 20.0)  # the AD8318's nominal output
        c = round((float(mv) - 142) / per_count)
        assert c == int(count)
        assert round(float(cal.counts_to_mv(c))) == int(nominal_mv)
        got = float(cal.rf_dbm(c))
        assert round(got, 1) == float(reads.replace("−", "-").replace("+", ""))
        assert abs((got - true) - float(high)) < 0.06
    # the default law on a unit whose eFuse Vref is not 1100 mV (ESP-IDF's line)
    cell = r" ([\d.]+) dB (low|high) \|"
    vref_rows = re.findall(r"^\| (\d+) mV \|" + cell * 3 + "$", text, re.M)
    assert [int(r[0]) for r in vref_rows] == [1000, 1050, 1150, 1200]
    default = Calibration()
    for vref, *cells in vref_rows:
        unit_per_count = (int(vref) * 196602 // 4096) / 65536
        for true, (err, way) in zip((-60.0, -20.0, 0.0), zip(cells[::2], cells[1::2])):
            count = round((-25.0 * (true - 20.0) - 142) / unit_per_count)
            off = float(default.rf_dbm(count)) - true
            assert (way == "high") == (off > 0) and abs(abs(off) - float(err)) < 0.06


# --- the room's plan -----------------------------------------------------------------


def test_plan_written_by_the_simulator_reads_back():
    scenario = load_scenario("hotel-room")
    header = plan_header(scenario)
    plan = read_plan(header)
    assert plan.sweep == [s.waypoint for s in scenario.sweep]
    assert plan.waypoints == {w.name: tuple(w.position_m) for w in scenario.waypoints}
    w, length = scenario.room_size_m[:2]
    assert plan.outline == [(0.0, 0.0), (w, 0.0), (w, length), (0.0, length)]
    # the keys before the plan section are still written, with the same values
    assert header["sweep"] == plan.sweep and set(header["waypoints"]) == set(plan.waypoints)
    assert sim_header(scenario, 3, "pty")["plan"] == header["plan"]
    json.dumps(header)  # a header is JSON


def test_plan_is_read_first_then_the_older_places():
    a = {"door": [0, 0], "bed": [1, 2, 0.5]}
    b = {"door": [5, 5]}
    assert read_plan({"plan": {"waypoints": a}, "waypoints": b}).waypoints["door"] == (0.0, 0.0)
    assert read_plan({"waypoints": b, "simulation": {"waypoints": a}}).waypoints == {
        "door": (5.0, 5.0)
    }
    legacy = read_plan({"simulation": {"waypoints": a, "sweep": ["bed"]}})
    assert legacy.positions_xy() == {"door": (0.0, 0.0), "bed": (1.0, 2.0)}
    assert legacy.sweep == ["bed"] and legacy.outline is None
    # empty says nothing: look further
    assert read_plan({"plan": {"sweep": []}, "sweep": ["x"]}).sweep == ["x"]
    assert read_plan({}) == read_plan({"plan": None, "simulation": None})
    assert read_plan({}).positions_xy() is None
    assert [p.split(".")[-1] for places in PLACES.values() for p in places] == [
        "waypoints",
        "waypoints",
        "waypoints",
        "sweep",
        "sweep",
        "sweep",
        "outline",
    ]


@pytest.mark.parametrize(
    "header,key",
    [
        ({"plan": []}, "plan"),
        ({"plan": {"waypoints": [[0, 0]]}}, "plan.waypoints"),
        ({"plan": {"waypoints": {"door": [0]}}}, "plan.waypoints 'door'"),
        ({"plan": {"waypoints": {"door": ["0", 1]}}}, "plan.waypoints 'door'"),
        ({"plan": {"waypoints": {"door": [0, True]}}}, "plan.waypoints 'door'"),
        ({"plan": {"waypoints": {"door": [0, float("nan")]}}}, "plan.waypoints 'door'"),
        ({"plan": {"sweep": "door"}}, "plan.sweep"),
        ({"plan": {"sweep": ["door", 2]}}, "plan.sweep"),
        ({"plan": {"outline": [[0, 0], [1, 0]]}}, "plan.outline"),
        ({"plan": {"outline": [[0, 0], [1, 0], [1]]}}, "plan.outline"),
        ({"waypoints": {"door": "by the window"}}, "waypoints 'door'"),
        ({"simulation": {"sweep": [None, "x"]}}, "simulation.sweep"),
        ({"simulation": "hotel"}, "simulation"),
    ],
)
def test_a_malformed_plan_is_a_one_line_error(header, key):
    with pytest.raises(CaptureFormatError) as e:
        read_plan(header, "x.cap")
    msg = str(e.value)
    assert msg.startswith(f"x.cap: header {key} must be") and "\n" not in msg


def rewrite_header(src: Path, dst: Path, change) -> Path:
    header, offset = C.read_header(src)
    change(header)
    dst.write_bytes(C.encode_header(header) + src.read_bytes()[offset:])
    return dst


def test_the_analyzer_names_marks_and_places_them_from_any_place(example_capture, tmp_path):
    rec = R.from_capture(example_capture)
    plan = C.read_header(example_capture)[0]["plan"]
    assert [m.label for m in rec.marks] == plan["sweep"]
    assert rec.room_outline == [tuple(p) for p in plan["outline"]]
    assert rec.waypoint_positions["desk"] == tuple(plan["waypoints"]["desk"][:2])

    def legacy(h):
        p = h.pop("plan")
        h["simulation"] = {"sweep": p["sweep"], "waypoints": p["waypoints"]}

    old = R.from_capture(rewrite_header(example_capture, tmp_path / "old.cap", legacy))
    assert [m.label for m in old.marks] == plan["sweep"] and old.room_outline is None
    assert old.waypoint_positions == rec.waypoint_positions

    def short_sweep(h):
        h["plan"]["sweep"] = ["door", "wardrobe"]
        h["sweep"] = ["not", "read"]

    short = R.from_capture(rewrite_header(example_capture, tmp_path / "s.cap", short_sweep))
    assert [m.label for m in short.marks] == [
        "door",
        "wardrobe",
        "mark 3",
        "mark 4",
        "mark 5",
        "mark 6",
    ]
    none = R.from_capture(
        rewrite_header(example_capture, tmp_path / "n.cap", lambda h: h.pop("plan"))
    )
    assert [m.label for m in none.marks] == [f"mark {i}" for i in range(1, 7)]
    assert none.waypoint_positions is None and none.room_outline is None


def test_a_malformed_plan_stops_analyze_with_one_line(example_capture, tmp_path, capsys):
    def bad(h):
        h["plan"]["waypoints"]["desk"] = "by the window"

    path = rewrite_header(example_capture, tmp_path / "bad.cap", bad)
    assert main(["analyze", str(path), "--json"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "header plan.waypoints 'desk' must be [x, y] or [x, y, z]" in err


# --- a capture written from the documents alone --------------------------------------


def test_the_reference_writer_uses_the_standard_library_only():
    tree = ast.parse(WRITER.read_text())
    imported = {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    imported |= {
        n.module.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module
    }
    assert imported <= {"__future__", "json", "math", "random", "struct", "sys", "time", "zlib"}
    assert "examples/write_capture.py" in (DOCS / "capture-format.md").read_text()


def test_a_capture_written_from_the_docs_yields_a_positioned_finding(example_capture, capsys):
    summary = C.summarize(example_capture)
    counters = summary["replay_counters"]
    assert counters["crc_errors"] == counters["seq_gaps"] == counters["garbage_bytes"] == 0
    assert counters["bad_payload"] == counters["truncated"] == 0
    assert len(summary["marks"]) == 6
    assert main(["analyze", str(example_capture), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert findings, "no finding"
    top = findings[0]
    assert top["waypoint"] == "desk" and top["class"] == "analog_video"
    assert top["position_m"] is not None
    # the sender hides at (3.4, 2.8): the fit lands within a metre
    assert math.dist(top["position_m"], (3.4, 2.8)) < 1.0
