"""roomsweep.standards: one definition of every radio-standard timing, each
classifier declaring its repetition period from it, and the analyst tools asking
the classifier for that period rather than guessing module constants."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from roomsweep import standards
from roomsweep.analysis.classifiers import BY_NAME, CLASSIFIERS
from roomsweep.analyst.analysed import class_period_s

CLASSIFIER_DIR = Path(importlib.import_module("roomsweep.analysis.classifiers").__file__).parent

# What each class's period was before it became an explicit attribute (the module
# constant analysed.class_period_s used to look up): it must not change.
PERIODS = {
    "gsm": 0.120 / 26,
    "dect": 10e-3,
    "wifi_ap": 100 * 1024e-6,
    "wifi_camera": None,
    "ble": None,
    "bt_classic": 625e-6,
    "lte": 1e-3,
    "analog_video": None,
}


def test_standards_imports_nothing_from_roomsweep():
    tree = ast.parse(inspect.getsource(standards))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.module == "__future__", node.module
        assert not isinstance(node, ast.Import)


def test_standard_timings_keep_their_values():
    assert standards.GSM_FRAME_S == 0.120 / 26
    assert standards.GSM_FRAME_S == pytest.approx(4.615e-3, abs=1e-6)
    assert standards.GSM_SLOT_S == pytest.approx(576.9e-6, abs=0.1e-6)
    assert standards.DECT_FRAME_S == 10e-3
    assert standards.WIFI_BEACON_INTERVAL_S == 100 * 1024e-6
    assert standards.WIFI_BEACON_INTERVAL_DECIMAL_S == 0.1024
    assert standards.BT_SLOT_S == standards.BLE_ADV_INTERVAL_STEP_S == 625e-6
    assert standards.BLE_ADV_INTERVAL_MIN_S == 32 * standards.BLE_ADV_INTERVAL_STEP_S
    assert standards.BLE_ADV_INTERVAL_MAX_S == 16384 * standards.BLE_ADV_INTERVAL_STEP_S
    assert standards.LTE_SUBFRAME_S == 1e-3


def test_every_standard_timing_cites_its_standard():
    lines = inspect.getsource(standards).splitlines()
    for i, line in enumerate(lines):
        if re.match(r"[A-Z][A-Z0-9_]* = ", line):
            comments = " ".join(lines[max(0, i - 4) : i + 1])
            assert "[" in comments and "]" in comments, line


def test_every_classifier_declares_its_period():
    assert set(PERIODS) == set(BY_NAME)
    for c in CLASSIFIERS:
        assert hasattr(c, "period_s")
        assert c.period_s is None or c.period_s > 0
        assert c.period_s == PERIODS[c.name], c.name


@pytest.mark.parametrize("name", sorted(PERIODS))
def test_class_period_asks_the_classifier(name):
    assert class_period_s(name) == BY_NAME[name].period_s == PERIODS[name]


def test_class_period_of_other_classes_is_none():
    for cls in ("lens_glint", "unknown", "unknown_periodic", ""):
        assert class_period_s(cls) is None


def test_classifiers_hold_no_copies_of_standard_timings():
    """The figures a standard fixes are written once, in roomsweep.standards."""
    copies = re.compile(r"0\.120 / 26|1024e-6|625e-6|0\.1024\b|4\.615e-3")
    for path in sorted(CLASSIFIER_DIR.glob("*.py")):
        code = "\n".join(
            line.split("#")[0]
            for line in path.read_text().splitlines()
            if not line.lstrip().startswith("#")
        )
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        assert not copies.search(code.replace(doc, "")), path.name


def test_every_classifier_module_names_its_standard():
    for c in CLASSIFIERS:
        doc = importlib.import_module(c.score.__module__).__doc__ or ""
        if c.period_s is not None:
            assert "roomsweep.standards" in doc, c.name
        assert len(doc) > 80, c.name
