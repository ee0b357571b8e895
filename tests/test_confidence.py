"""The confidence model (analysis/confidence.py) is a probability: bounded
strictly inside (0, 1), never falling as its evidence grows, its constants
traceable to the command that fitted them; and the fitting tool
(tests/benchmarks/reliability.py) does what it says on data whose answer is
known. The fit on the analyzer's findings itself is a benchmark (docs/benchmarks.md,
"Reliability of `confidence`"), not a test."""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roomsweep.analysis import confidence
from roomsweep.analysis.confidence import COEFFICIENTS, probability

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tests" / "benchmarks" / "reliability.py"

scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
falls = st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))


def _tool():
    spec = importlib.util.spec_from_file_location("reliability_tool", TOOL)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@given(scores, falls)
def test_probability_is_strictly_inside_zero_one(score, fall):
    p = probability(score, fall)
    assert isinstance(p, float)
    assert 0.0 < p < 1.0
    # what a finding carries in JSON: rounded, still a number in [0, 1]
    assert 0.0 <= json.loads(json.dumps(round(p, 3))) <= 1.0


def test_probability_of_values_that_are_not_numbers_is_still_a_probability():
    for args in ((math.nan, 10.0), (0.9, math.nan), (math.inf, -math.inf)):
        assert 0.0 < probability(*args) < 1.0
    # a fall that is not a number is no measured fall
    assert probability(0.9, math.nan) == probability(0.9, None)


@given(scores, scores, falls)
def test_probability_never_falls_as_the_score_grows(a, b, fall):
    lo, hi = sorted((a, b))
    assert probability(lo, fall) <= probability(hi, fall)


@given(scores, st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_probability_never_falls_as_the_fall_grows(score, a, b):
    lo, hi = sorted((a, b))
    assert probability(score, lo) <= probability(score, hi)


def test_the_model_uses_its_evidence():
    """Not a constant: across the clipped ranges the probability moves (a
    model that ignored its evidence would pass the tests above)."""
    s_lo, s_hi = confidence.SCORE_CLIP
    f_lo, f_hi = confidence.FALL_CLIP_DB
    assert probability(s_hi, f_hi) - probability(s_lo, f_lo) > 0.2


def test_terms_and_coefficients_agree():
    """One coefficient per term after the intercept and one sign each; the
    slopes keep their signs (more score or fall never lowers the probability,
    a fit further out or a level further beneath its kind's never raises it);
    all finite."""
    t = confidence.terms(0.9, 10.0)
    assert len(t) == len(confidence.TERMS) == len(confidence.SIGNS) == len(COEFFICIENTS) - 1
    signs = dict(zip(confidence.TERMS, confidence.SIGNS))
    assert signs["logit_score"] == signs["fall_10db"] == 1
    assert signs["outside_m"] == signs["below_10db"] == -1
    for sign, b in zip(confidence.SIGNS, COEFFICIENTS[1:]):
        assert b * sign >= 0.0
    assert all(math.isfinite(b) for b in COEFFICIENTS)


def test_a_fit_further_out_or_a_level_further_beneath_never_raises_it():
    for out_lo, out_hi in ((0.0, 0.5), (0.5, 1.5), (1.5, 5.0)):
        assert probability(0.9, 10.0, out_hi) <= probability(0.9, 10.0, out_lo)
    for lo, hi in ((0.0, 5.0), (5.0, 12.0), (12.0, 40.0)):
        assert probability(0.9, 10.0, 0.2, hi) <= probability(0.9, 10.0, 0.2, lo)
    # inside the hull counts as on its edge; above the level as at it
    assert probability(0.9, 10.0, -1.0, -6.0) == probability(0.9, 10.0, 0.0, 0.0)


def test_constants_cite_the_command_that_fitted_them():
    """The comment above COEFFICIENTS names the fitting tool's command and
    the sets fitted on; the tool exists and takes --fit."""
    src = inspect.getsource(confidence)
    head = src[: src.index("COEFFICIENTS =")]
    comment = head[head.rindex("# Fitted") :]
    assert "tests/benchmarks/reliability.py --fit" in comment
    assert re.search(r"\d+ candidate findings \(\d+ true", comment)
    assert TOOL.exists()
    assert "--fit" in TOOL.read_text()


def test_wilson_interval_matches_the_formula():
    tool = _tool()
    lo, hi = tool.wilson(9, 10)
    assert lo == pytest.approx(0.5958, abs=1e-3) and hi == pytest.approx(0.9821, abs=1e-3)
    assert tool.wilson(0, 5)[0] == 0.0 and tool.wilson(5, 5)[1] == 1.0


def test_fit_recovers_a_known_logistic_law_and_keeps_slopes_monotone():
    """On draws from a known law (seeded) the fit finds its coefficients; on
    draws whose slope is negative the bound holds it at 0."""
    tool = _tool()
    rng = np.random.default_rng(14)
    x = rng.normal(size=(4000, 2))
    b = np.array([0.5, 1.5, 0.8])
    y = (rng.random(4000) < 1 / (1 + np.exp(-(b[0] + x @ b[1:])))).astype(float)
    got = tool.fit_logistic(x, y, signs=(1, 1))
    assert got == pytest.approx(b, abs=0.15)
    got = tool.fit_logistic(x, 1.0 - y, signs=(1, 1))
    assert got[1] == 0.0 and got[2] == 0.0
    got = tool.fit_logistic(x, y, signs=(-1, 0))  # held at 0 or below
    assert got[1] == 0.0 and got[2] == pytest.approx(b[2], abs=0.3)


def test_table_counts_reported_findings_in_their_bins():
    tool = _tool()
    pred = np.array([0.4, 0.6, 0.65, 0.85, 0.92, 0.97, 0.99, 1.0])
    truth = np.array([0, 0, 1, 1, 1, 1, 1, 0], dtype=float)
    out = tool.table(pred, truth, np.zeros_like(truth), "t")
    assert out.startswith("t: 7 findings, 5 true")  # 0.4 is not reported
    rows = [r for r in out.splitlines() if r.startswith("| 0.")]
    assert [r.split("|")[2].strip() for r in rows] == ["2", "0", "1", "1", "3"]
    assert "| 0.95–1.00 | 3 | 0.987 | 2 (0) | 0.667 |" in out
