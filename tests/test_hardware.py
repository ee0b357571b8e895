"""The hardware package: BOM total, budgets table in the README, schematic from code."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from roomsweep.sim import signals
from roomsweep.tools import budgets

ROOT = Path(__file__).resolve().parent.parent
HW = ROOT / "hardware"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _readme() -> str:
    return (HW / "README.md").read_text(encoding="utf-8")


def test_bom_rows_are_complete_and_the_readme_states_the_total():
    rows = list(csv.DictReader((HW / "bom.csv").open(encoding="utf-8")))
    assert len(rows) >= 20
    for r in rows:
        assert r["mpn"].strip() and r["manufacturer"].strip() and r["role"].strip(), r
        assert int(r["qty"]) >= 1 and float(r["unit_usd"]) > 0, r
    total = sum(int(r["qty"]) * float(r["unit_usd"]) for r in rows)
    stated = re.search(r"total about \$([0-9.]+)", _readme())
    assert stated, "README states no BOM total"
    assert float(stated.group(1)) == pytest.approx(total, abs=0.005)


def test_readme_budget_tables_are_what_budgets_prints_now():
    text = _readme()
    m = re.search(r"<!-- budgets:begin -->\n(.*)\n<!-- budgets:end -->", text, re.S)
    assert m, "budget markers missing in hardware/README.md"
    assert m.group(1) == budgets.report(), "run `python -m roomsweep.tools.budgets` and paste"


def test_link_budget_uses_the_simulator_law():
    # one cell recomputed through the simulator's public functions
    row = next(r for r in budgets.link_budget() if r.kind == "gsm" and r.model == "free space")
    r1 = row.readings[budgets.DISTANCES_M.index(1.0)]
    assert r1.dbm == pytest.approx(budgets.TYPICAL_EIRP_DBM["gsm"] - signals.fspl_1m_db(900.0))
    assert r1.state == "sat"  # the reason for the attenuator
    assert row.padded_1m.state == ""
    v = float(signals.detector_volts(row.padded_1m.dbm))
    assert row.padded_1m.volts == pytest.approx(v, abs=1e-3)


def test_power_budget_battery_life_is_consistent():
    b = budgets.power_budget()
    assert b["hours"] == pytest.approx(budgets.CELL_MAH * budgets.CELL_USABLE / b["cell_ma"])
    assert 2.0 < b["hours"] < 40.0


def _schematic_module():
    spec = importlib.util.spec_from_file_location("rs_schematic", HW / "schematic.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("board", ["esp32-devkitc", "esp32-s3-devkitc"])
def test_schematic_renders_and_its_pins_match_pins_toml(tmp_path, board):
    pytest.importorskip("schemdraw")
    sch = _schematic_module()
    out = sch.render(tmp_path / "s.svg", board=board)
    svg = out.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") or "<svg" in svg[:500]
    assert len(svg) > 20000 and svg.count("<path") > 100
    labelled = {}
    for role, gpio in re.findall(r"([a-z_]+(?:\[\d\])?) · GPIO(\d+)", svg):
        assert labelled.setdefault(role, int(gpio)) == int(gpio), role
    with open(HW / "pins.toml", "rb") as f:
        b = tomllib.load(f)["boards"][board]
    expected = {k: v for k, v in b.items() if isinstance(v, int)}
    expected.update({f"led_groups[{i}]": n for i, n in enumerate(b["led_groups"])})
    assert labelled == expected
    # and the ESP32 symbol carries the same GPIO numbers
    for gpio in expected.values():
        assert f">GPIO{gpio}<" in svg or f"GPIO{gpio}</" in svg


def test_checked_in_schematic_is_current(tmp_path):
    pytest.importorskip("schemdraw")
    sch = _schematic_module()
    fresh = sch.render(tmp_path / "s.svg").read_text(encoding="utf-8")
    checked_in = (HW / "schematic.svg").read_text(encoding="utf-8")
    strip = re.compile(r'id="[^"]*"|xlink:href="[^"]*"|href="[^"]*"|url\(#[^)]*\)')
    assert strip.sub("", fresh) == strip.sub("", checked_in), "run `make schematic`"
