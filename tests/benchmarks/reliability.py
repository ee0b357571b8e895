"""Is a finding's `confidence` a probability? Fit the model of
`roomsweep.analysis.confidence` and print its reliability table (issue 14).

    # fit on the tuning sets, print constants to paste into confidence.py
    .venv/bin/python tests/benchmarks/reliability.py --fit \\
        /tmp/rs19/cache/w101 /tmp/rs19/cache/w202 tests/scenarios /tmp/rs19/conf/c1212
    # the reliability table of the analyzer as it stands, on sets NOT fitted on
    .venv/bin/python tests/benchmarks/reliability.py --table \\
        /tmp/rs19/conf/w3131+/tmp/rs19/conf/w3232

Each SET is a directory of scenario TOMLs (`roomsweep scenarios generate`), or
several joined by "+" (reported together). A scenario's recording is read from
DIR_pkl/<stem>.pkl beside DIR, or from CACHE/<DIR name>_pkl/<stem>.pkl with
--cache CACHE (pickled `eval.fastpath.from_scenario` recordings, the layout of
/tmp/rs19/cache.py); when there is none it is made with
`eval.fastpath.from_scenario` (what `roomsweep eval` analyses) and, with
--cache, saved there for the next run.

Outcomes come from `roomsweep.eval.evaluate.score_scenario` (the scoring of
`roomsweep eval`): a finding it matches to a hidden transmitter is **true**, a
finding it leaves unmatched (a false finding) is **false**. A match of the
wrong class counts as true: the finding points at a real hidden transmitter,
which is what the user acts on (searching that spot), and `roomsweep eval`
counts it in precision the same way; its class has its own figure (class
accuracy). The table shows how many true findings were of the wrong class, and
`--strict-class` counts them as false instead.

--fit analyses every *candidate* finding: the analyzer is run with
`analyze.MIN_PROBABILITY` lowered to 0 (its raw-score floor,
`analyze.MIN_CONFIDENCE`, still applies), because the reported set is itself
cut by the model (findings below 0.5 are dropped) and a model fitted only on
the findings the previous model let through never sees the ones it dropped.
It fits the logistic model of confidence.py over its terms
(`confidence.terms`) by maximum likelihood with a ridge (RIDGE) on the
slopes, each held to the sign `confidence.SIGNS` gives it (the
probability never falls as the score or the fall grows, never rises as the
fit lands further out or the level further beneath its kind's), compares it
by held-out log loss with the constants in the tree and with simpler forms over
folds split by room (all findings of one scenario in the same fold), prints the cross-validated
reliability table, how many candidates each model would report, and the
constants to paste. --table runs the analyzer as it stands (the product's own
`confidence` field, including the Wi-Fi merge and the motion test) and prints
the table over the reported findings: bins 0.5-0.7, 0.7-0.8, 0.8-0.9,
0.9-0.95, 0.95-1 with count, mean predicted, observed true share with a Wilson
95 % interval, the Brier score and the expected calibration error over those
bins.

--save FILE writes the collected findings (features and outcome) as JSON;
--load FILE (repeatable, with or without further sets) reuses them instead of
analysing again: only meaningful while the analysis has not changed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import pickle
import sys
import textwrap
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from roomsweep.analysis import analyze as analyze_module
from roomsweep.analysis import confidence
from roomsweep.analysis.analyze import analyze
from roomsweep.eval.evaluate import hidden_emitters, score_scenario
from roomsweep.eval.fastpath import from_scenario
from roomsweep.eval.stalls import stalled
from roomsweep.sim.scenario import load_scenario

# The reliability table's bins (issue 14): reported findings are 0.5 or more
BINS = ((0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0))
# Wilson score interval at 95 %: the normal quantile 1.959964 (two-sided 0.05)
Z95 = 1.959964
# Held-out folds, split by room (scenario name hashed, so a room stays in one fold)
FOLDS = 5
# The ridge on the slopes (a prior against large coefficients from few findings)
RIDGE = 1.0
# What --explore adds to the model's terms, one at a time (see features())
EXTRAS = ("single", "in_room", "margin", "level", "kind")
# Findings below this calibrated probability are not reported (analyze.MIN_PROBABILITY)
REPORTED = 0.5


# ---------------------------------------------------------------- collecting


def _recording(toml: Path, cache: Path | None) -> Any:
    places = [Path(str(toml.parent) + "_pkl") / (toml.stem + ".pkl")]
    if cache is not None:
        places.append(cache / (toml.parent.name + "_pkl") / (toml.stem + ".pkl"))
    for p in places:
        if p.exists():
            with p.open("rb") as fh:
                return pickle.load(fh)
    rec = from_scenario(load_scenario(str(toml)))
    if cache is not None:
        out = places[-1]
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(rec, fh)
        tmp.replace(out)
    return rec


@contextlib.contextmanager
def _all_candidates(on: bool) -> Iterator[None]:
    """With `on`, the analyzer reports every candidate whatever its calibrated
    probability (MIN_PROBABILITY 0), restored afterwards."""
    saved = analyze_module.MIN_PROBABILITY
    if on:
        analyze_module.MIN_PROBABILITY = 0.0
    try:
        yield
    finally:
        analyze_module.MIN_PROBABILITY = saved


def _row(f: dict[str, Any], outcome: str, set_name: str, scenario: str) -> dict[str, Any]:
    ev = f.get("evidence") or {}
    room = f.get("in_room_evidence") or {}
    scores = sorted((ev.get("scores") or {}).values(), reverse=True)
    return {
        "set": set_name,
        "scenario": scenario,
        "outcome": outcome,  # "true", "wrong_class" (true, another kind) or "false"
        "class": f["class"],
        "confidence": f.get("confidence"),
        "score": ev.get("score"),
        "fall_db": room.get("fall_across_room_db"),
        "single_stop_peak": room.get("single_stop_peak"),
        "in_room": room.get("in_room"),
        "outside_hull_m": room.get("outside_stops_hull_m"),
        "below_db": room.get("below_in_room_level_db"),
        "level_dbm": f.get("level_dbm"),
        "above_room_db": ev.get("level_above_room_db"),
        "separated": bool(ev.get("separated_by_timing")),
        "score_margin": (scores[0] - scores[1]) if len(scores) >= 2 else None,
        "region_size": len(f.get("region") or []),
        "position_uncertainty_m": f.get("position_uncertainty_m"),
        "sources": f.get("sources"),
    }


def collect(
    sets: list[str],
    candidates: bool,
    cache: Path | None,
    quiet: bool = False,
    stalls: bool = False,
) -> list[dict[str, Any]]:
    """Every RF finding of every scenario of the sets, with its outcome
    (`stalls`: sampling stands still while the device scans, eval.stalls)."""
    rows: list[dict[str, Any]] = []
    for group in sets:
        for d in group.split("+"):
            tomls = sorted(Path(d).glob("*.toml"))
            for n, toml in enumerate(tomls, 1):
                if not quiet:
                    sys.stderr.write(f"\r[{n}/{len(tomls)}] {toml.stem[:50]:<50}")
                    sys.stderr.flush()
                sc = load_scenario(str(toml))
                rec = _recording(toml, cache)
                if stalls:
                    rec = stalled(rec)
                with _all_candidates(candidates):
                    found = [f for f in analyze(rec) if f.get("type", "rf") == "rf"]
                # the finding's index stands in for its confidence while scoring,
                # so that each match and false finding names its finding
                # (score_scenario copies the field and never computes with it)
                tagged = [dict(f, confidence=i) for i, f in enumerate(found)]
                result = score_scenario(tagged, hidden_emitters(sc), rec)
                outcome = {
                    m["confidence"]: "true" if m["class_ok"] else "wrong_class"
                    for m in result["matches"]
                }
                outcome.update({x["confidence"]: "false" for x in result["false"]})
                for i, f in enumerate(found):
                    rows.append(_row(f, outcome[i], group, toml.stem))
            if not quiet:
                sys.stderr.write("\n")
    return rows


def is_true(row: dict[str, Any], strict_class: bool) -> bool:
    return row["outcome"] == "true" or (row["outcome"] == "wrong_class" and not strict_class)


# ---------------------------------------------------------------- the table


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def _bin_of(p: float) -> int | None:
    for i, (lo, hi) in enumerate(BINS):
        if lo <= p < hi or (hi == 1.0 and p == 1.0):
            return i
    return None


def table(pred: np.ndarray, truth: np.ndarray, wrong: np.ndarray, title: str) -> str:
    """The reliability table (markdown) of predictions `pred` (reported ones,
    0.5 or more) against outcomes `truth`, with Brier score and ECE."""
    keep = pred >= REPORTED
    pred, truth, wrong = pred[keep], truth[keep], wrong[keep]
    lines = [
        f"{title}: {pred.size} findings, {int(truth.sum())} true",
        "",
        "| confidence | findings | mean predicted | true (wrong class) | observed true share "
        "| Wilson 95 % |",
        "|---|---|---|---|---|---|",
    ]
    ece = 0.0
    for i, (lo, hi) in enumerate(BINS):
        sel = np.array([_bin_of(float(p)) == i for p in pred], dtype=bool)
        n = int(sel.sum())
        if n == 0:
            lines.append(f"| {lo:.2f}–{hi:.2f} | 0 | – | – | – | – |")
            continue
        k = int(truth[sel].sum())
        lo_w, hi_w = wilson(k, n)
        mean_p = float(pred[sel].mean())
        ece += n * abs(mean_p - k / n)
        lines.append(
            f"| {lo:.2f}–{hi:.2f} | {n} | {mean_p:.3f} | {k} ({int(wrong[sel].sum())}) "
            f"| {k / n:.3f} | {lo_w:.2f}–{hi_w:.2f} |"
        )
    if pred.size:
        brier = float(np.mean((pred - truth) ** 2))
        lines += ["", f"Brier score {brier:.4f}; ECE (over the bins above) {ece / pred.size:.4f}"]
    return "\n".join(lines)


# ---------------------------------------------------------------- the model


def features(rows: list[dict[str, Any]], form: str, kinds: list[str] | None = None) -> np.ndarray:
    """Model inputs for each row. `form` joins term names with "+": "model",
    the terms confidence.probability weighs (confidence.terms, in the order of
    its COEFFICIENTS); any of confidence.TERMS alone; and, for --explore only
    (probability() is not given them), "single" (a single-stop peak),
    "in_room" (locate.in_room said so), "margin" (the classifier's best score
    less its second), "level" (its level), "kind" (one column per class in
    `kinds`)."""
    names = form.split("+")
    x = []
    for r in rows:
        t = confidence.terms(
            float(r["score"]), r["fall_db"], r.get("outside_hull_m"), r.get("below_db")
        )
        v: list[float] = []
        for name in names:
            if name == "model":
                v += t
            elif name in confidence.TERMS:
                v.append(t[confidence.TERMS.index(name)])
            elif name == "single":
                v.append(1.0 if r["single_stop_peak"] else 0.0)
            elif name == "in_room":
                v.append(1.0 if r["in_room"] else 0.0)
            elif name == "margin":
                v.append(float(r["score_margin"] or 0.0))
            elif name == "level":  # 10 dB above -40 dBm, clipped to -50..0 dBm
                v.append((min(max(float(r["level_dbm"]), -50.0), 0.0) + 40.0) / 10)
            elif name == "kind":
                v += [1.0 if r["class"] == k else 0.0 for k in kinds or []]
            else:
                raise ValueError(f"unknown term {name!r}")
        x.append(v)
    return np.array(x, dtype=np.float64)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def fit_logistic(x: np.ndarray, y: np.ndarray, signs: tuple[int, ...]) -> np.ndarray:
    """Maximum likelihood with RIDGE on the slopes; slope i is held at 0 or
    above where signs[i] is +1, at 0 or below where it is -1 (free where 0 or
    beyond `signs`). Returns (b0, b1, ...)."""

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        z = b[0] + x @ b[1:]
        # log(1 + e^z) - y z, computed stably
        nll = float(np.sum(np.logaddexp(0.0, z) - y * z))
        p = _sigmoid(z)
        g = np.concatenate([[np.sum(p - y)], x.T @ (p - y)])
        nll += 0.5 * RIDGE * float(b[1:] @ b[1:])
        g[1:] += RIDGE * b[1:]
        return nll, g

    sign = list(signs) + [0] * (x.shape[1] - len(signs))
    bounds = [(None, None)] + [
        (0.0, None) if sign[i] > 0 else (None, 0.0) if sign[i] < 0 else (None, None)
        for i in range(x.shape[1])
    ]
    res = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return np.asarray(res.x)


def predict(b: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _sigmoid(b[0] + x @ b[1:])


def fold_of(scenario: str) -> int:
    return zlib.crc32(scenario.encode()) % FOLDS


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def in_tree(rows: list[dict[str, Any]]) -> np.ndarray:
    """What the model in the tree says for each row."""
    return np.array(
        [
            confidence.probability(
                float(r["score"]), r["fall_db"], r.get("outside_hull_m"), r.get("below_db")
            )
            for r in rows
        ]
    )


def run_fit(rows: list[dict[str, Any]], strict_class: bool, explore: bool) -> None:
    rows = [r for r in rows if r["score"] is not None]
    y = np.array([is_true(r, strict_class) for r in rows], dtype=np.float64)
    wrong = np.array([r["outcome"] == "wrong_class" for r in rows], dtype=np.float64) * y
    folds = np.array([fold_of(r["scenario"]) for r in rows])
    # form -> the signs its slopes are held to
    forms = {"logit_score": (1,), "model": confidence.SIGNS}
    if explore:  # forms probability() is not given the evidence for: for a recommendation
        forms |= {f"model+{extra}": confidence.SIGNS for extra in EXTRAS}
    kinds = sorted({r["class"] for r in rows})
    print(
        f"{len(rows)} candidate findings, {int(y.sum())} true, "
        f"{len({r['scenario'] for r in rows})} rooms; {FOLDS} folds by room\n"
    )
    held: dict[str, np.ndarray] = {}
    for form, mono in forms.items():
        x = features(rows, form, kinds)
        p = np.zeros(len(rows))
        for k in range(FOLDS):
            tr, te = folds != k, folds == k
            if te.any():
                p[te] = predict(fit_logistic(x[tr], y[tr], mono), x[te])
        held[form] = p
    held["as in the tree (not refitted)"] = in_tree(rows)
    print(
        "| model | held-out log loss | Brier (all candidates) | reported (p ≥ 0.5): true / false |"
    )
    print("|---|---|---|---|")
    for name, p in held.items():
        rep = p >= REPORTED
        print(
            f"| {name} | {log_loss(p, y):.4f} | {np.mean((p - y) ** 2):.4f} "
            f"| {int(y[rep].sum())} / {int((1 - y[rep]).sum())} |"
        )
    print()
    print(table(held["model"], y, wrong, "Held-out (cross-validated by room), the model's form"))
    print()
    b = fit_logistic(features(rows, "model"), y, confidence.SIGNS)
    sets = list(dict.fromkeys(r["set"] for r in rows))
    n_rooms = len({r["scenario"] for r in rows})
    outcome = "a wrong-class match false" if strict_class else "a wrong-class match true"
    # the command that makes these rows again (--load and --cache only save time)
    cmd = ["--fit", *(["--strict-class"] if strict_class else []), *sets]
    text = (
        f"Fitted (maximum likelihood, a ridge of {RIDGE:g} on the slopes, their "
        f"signs held to confidence.SIGNS) on the {len(rows)} candidate findings "
        f"({int(y.sum())} true, {outcome}) of {n_rooms} rooms, "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}, by "
        f"`.venv/bin/python tests/benchmarks/reliability.py {' '.join(cmd)}`"
    )
    print("# --- paste into host/roomsweep/analysis/confidence.py ---")
    print("\n".join("# " + line for line in textwrap.wrap(text, 86, break_on_hyphens=False)))
    print(f"COEFFICIENTS = ({', '.join(f'{v:.3f}' for v in b)})")


# ---------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--fit", action="store_true", help="fit the model on the sets")
    mode.add_argument("--table", action="store_true", help="reliability table on the sets")
    ap.add_argument("sets", nargs="*", help="scenario dirs; DIR1+DIR2 reports them together")
    ap.add_argument("--cache", type=Path, help="where recordings are kept (CACHE/<dir>_pkl)")
    ap.add_argument("--strict-class", action="store_true", help="a wrong-class match is false")
    ap.add_argument("--save", type=Path, help="write the collected findings as JSON")
    ap.add_argument(
        "--load", type=Path, action="append", help="reuse findings written by --save (repeatable)"
    )
    ap.add_argument("--explore", action="store_true", help="--fit: also richer model forms")
    ap.add_argument(
        "--stalls", action="store_true", help="sampling stands still while the device scans"
    )
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    rows = []
    for path in a.load or []:
        saved = json.loads(path.read_text())
        if saved["candidates"] != a.fit:
            held = "candidates (--fit)" if saved["candidates"] else "reported findings (--table)"
            ap.error(f"{path} holds {held}")
        rows += saved["rows"]
    if a.sets:
        rows += collect(a.sets, candidates=a.fit, cache=a.cache, quiet=a.quiet, stalls=a.stalls)
    elif not a.load:
        ap.error("give scenario dirs, or --load")
    if a.save:
        a.save.write_text(json.dumps({"candidates": a.fit, "rows": rows}))
    print(f"`.venv/bin/python tests/benchmarks/reliability.py {' '.join(argv)}`\n")
    if a.fit:
        run_fit(rows, a.strict_class, a.explore)
        return 0
    groups = list(dict.fromkeys(r["set"] for r in rows))
    for g in groups + (["all"] if len(groups) > 1 else []):
        sel = [r for r in rows if g == "all" or r["set"] == g]
        pred = np.array([float(r["confidence"]) for r in sel])
        y = np.array([is_true(r, a.strict_class) for r in sel], dtype=np.float64)
        wrong = np.array([r["outcome"] == "wrong_class" for r in sel], dtype=np.float64) * y
        print(table(pred, y, wrong, g))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
