"""The motion-stimulus test: does a suspect's Wi-Fi traffic follow the user's
motion?

A camera watching the user encodes more bits while the scene moves
(variable-bit-rate video); another Wi-Fi device does not care. `roomsweep sweep
--motion-test` guides the user at a suspect spot through phases of holding
still and waving (or switching the light on), and writes each phase's start as
a host MARK (`stimulus:still:<k>`, `stimulus:motion:<k>`, `stimulus:end`; see
docs/capture-format.md, *Stimulus marks*). Here:

1. `stimulus_phases` reads the phases back from the marks.
2. `suspect_airtime` takes the loudest transmitter heard during the test (the
   top level mode of the envelope, the one held nearest) and estimates, per
   100 ms bin, the fraction of time it was on the air from the detector's
   linear power: a frame shorter than one sample (300 Mbit/s) still counts for
   the share of the sample it filled, so the measure holds at any PHY rate.
3. `follows_stimulus` cuts each phase, after a settling time, into blocks of
   one video GOP, and asks with a one-sided Mann-Whitney U test whether the
   motion blocks carry more traffic than the still blocks.
4. `motion_test` runs all of it on a Recording: what `roomsweep analyze` adds
   to the findings (analysis.analyze; the rules in docs/findings.md, *The
   motion-stimulus test*).

Examples use small synthetic signals and run as doctests.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import mannwhitneyu

from roomsweep.analysis.classifiers import BY_NAME, UNKNOWN, UNKNOWN_PERIODIC
from roomsweep.analysis.components import (
    DETECTOR_FLOOR_DBM,
    MIN_MODE_SAMPLES,
    MODE_HALF_WIDTH_DB,
    classify,
)
from roomsweep.analysis.dsp import level_modes
from roomsweep.analysis.features import component
from roomsweep.analysis.recording import Recording
from roomsweep.analysis.validate import check_positive as _check_positive

# --- the marks (docs/capture-format.md, "Stimulus marks") -----------------------
STIMULUS_PREFIX = "stimulus:"
STILL, MOTION = "still", "motion"
END_LABEL = STIMULUS_PREFIX + "end"
_MARK = re.compile(r"^stimulus:(still|motion):(\d+)$")

# --- the test ----------------------------------------------------------------------
BIN_S = 0.1  # airtime per 100 ms (the NESL traces' own bin)
# Seconds dropped at the start of each phase: the user's reaction to the prompt
# and the encoder's to the scene (the NESL cameras' traffic rises within about
# a second of the motion onset: traffic.motion_coupling peaks at lags of 0-1 s)
SETTLE_S = 1.0
# One block per video GOP: an I-frame every 2 s makes alternate seconds heavy
# and light in the NESL cameras' own traffic (0.35 / 0.9 Mbit/s in v_test8), and
# 2 s is the simulator's default gop_s (sim.wifi_video.VIDEO_DEFAULTS); a block
# that holds a whole GOP compares scenes, not frame types
BLOCK_S = 2.0
ALPHA = 0.01  # one-sided p-value below which the traffic follows the stimulus
# ... and the motion blocks' median traffic at least this much above the still
# blocks': the NESL cameras send 24-35 % more while the user moves (measured,
# docs/benchmarks.md); a significant 2 % rise is not a camera's
MIN_RATIO = 1.1
MIN_BLOCKS = 3  # fewer blocks of either kind: inconclusive
# A sample counts towards the suspect's airtime when within this of its level
# (a frame filling a tenth of a sample reads 10 dB below it); weaker sources
# are left out
AIRTIME_RANGE_DB = 10.0
# Confidence of a camera found by the test: from 0.5 at p = ALPHA to 0.95 at
# p = 1e-4 (log-linear); the test's false-alarm rate is p, so a tiny p is
# strong evidence, but a user who moved the device while waving can fake one
TEST_CONFIDENCE = (0.5, 0.95)
TEST_P_FULL = 1e-4
# Classes that cannot be a Wi-Fi camera's traffic: a suspect read as one of
# these is not promoted (its traffic following motion says something else)
NOT_WIFI = ("gsm", "dect", "ble", "bt_classic", "lte", "analog_video")
# A camera finding whose traffic does not follow is demoted by this factor
DEMOTE = 0.5
# ... and withdrawn below the analyzer's reporting floor (analyze.MIN_PROBABILITY)
MIN_REPORTED = 0.5
# Seconds of envelope per window when reading the suspect's level and class
# (components.ANALYSIS_WINDOW_S)
WINDOW_S = 1.5


@dataclass(frozen=True)
class Phase:
    kind: str  # "still" or "motion"
    cycle: int  # k of the mark stimulus:<kind>:<k>
    start_s: float
    end_s: float


def is_stimulus(label: str) -> bool:
    """Whether a mark's label belongs to the motion-stimulus test.

    Examples
    --------
    >>> is_stimulus("stimulus:motion:2"), is_stimulus("desk")
    (True, False)
    """
    return label.startswith(STIMULUS_PREFIX)


def without_stimulus_marks(rec: Recording) -> Recording:
    """The recording without its stimulus marks (the same arrays): they time
    the test's phases and are no waypoints of the sweep."""
    if not any(is_stimulus(m.label) for m in rec.marks):
        return rec
    return dataclasses.replace(rec, marks=[m for m in rec.marks if not is_stimulus(m.label)])


def stimulus_label(kind: str, cycle: int) -> str:
    """The mark label of a phase start.

    Examples
    --------
    >>> stimulus_label("still", 1)
    'stimulus:still:1'
    """
    if kind not in (STILL, MOTION):
        raise ValueError(f"kind must be {STILL!r} or {MOTION!r}, got {kind!r}")
    if isinstance(cycle, bool) or not isinstance(cycle, (int, np.integer)) or cycle < 1:
        raise ValueError(f"cycle must be a positive integer, got {cycle!r}")
    return f"{STIMULUS_PREFIX}{kind}:{int(cycle)}"


def stimulus_phases(marks, end_s: float) -> list[Phase]:
    """The phases of a motion test from (time_s, label) marks.

    Each ``stimulus:still:<k>`` / ``stimulus:motion:<k>`` mark starts a phase
    that ends at the next stimulus mark (``stimulus:end`` only ends one). A
    last phase with no end mark ends at `end_s` or after the median length of
    the others, whichever is first. Marks of other labels (waypoints) are
    ignored; unknown ``stimulus:`` labels are ignored too.

    Examples
    --------
    >>> marks = [(1.0, "desk"), (2.0, "stimulus:still:1"), (7.0, "stimulus:motion:1"),
    ...          (12.0, "stimulus:end")]
    >>> [(p.kind, p.cycle, p.start_s, p.end_s) for p in stimulus_phases(marks, 30.0)]
    [('still', 1, 2.0, 7.0), ('motion', 1, 7.0, 12.0)]
    """
    ms = sorted((float(t), str(label)) for t, label in marks if is_stimulus(str(label)))
    out: list[Phase] = []
    open_: tuple[str, int, float] | None = None
    for t, label in ms:
        if open_ is not None and t > open_[2]:
            out.append(Phase(open_[0], open_[1], open_[2], t))
        open_ = None
        m = _MARK.match(label)
        if m:
            open_ = (m.group(1), int(m.group(2)), t)
    if open_ is not None:
        length = float(np.median([p.end_s - p.start_s for p in out])) if out else end_s
        end = min(end_s, open_[2] + length)
        if end > open_[2]:
            out.append(Phase(open_[0], open_[1], open_[2], end))
    return out


def suspect_airtime(dbm, fs: float, *, bin_s: float = BIN_S) -> tuple[np.ndarray, dict]:
    """Airtime per bin of the loudest transmitter in an envelope.

    The suspect's level is the median over windows of about 1.5 s of each
    window's top level mode (analysis.dsp.level_modes); the floor is the
    envelope's lowest mode. Each sample within `AIRTIME_RANGE_DB` of the level
    is credited with the share of the sample the suspect filled,
    ``(P - P_floor) / (P_level - P_floor)`` in linear power (clipped to 0..1),
    which is what a detector averaging power over the sample reads; the
    airtime of a bin is the mean over its samples. When no frame fills a whole
    sample (1500 bytes at 300 Mbit/s last about 80 us, a sample 125 us) the
    level is never seen whole and the airtime reads high by a constant factor:
    the test uses ranks, so only the proportion matters.

    Parameters
    ----------
    dbm : 1-D array, the detector envelope (dBm).
    fs : sample rate, samples per second.
    bin_s : bin length, seconds.

    Returns
    -------
    airtime : 1-D float64 array, one value in 0..1 per whole bin.
    properties : dict with ``level_dbm`` and ``floor_dbm``; both NaN (and the
        airtime all zero) when nothing stands above the detector's floor.

    Examples
    --------
    >>> x = np.full(8000, -60.0); x[100:200] = -30.0; x[4000:4050] = -30.0
    >>> a, p = suspect_airtime(x, 8000.0)
    >>> a.round(4).tolist()[:6], p["level_dbm"]
    ([0.125, 0.0, 0.0, 0.0, 0.0, 0.0625], -30.0)
    """
    x = np.asarray(dbm, dtype=np.float64)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("dbm must be a non-empty one-dimensional array of finite values")
    fs = _check_positive(fs, "fs")
    bin_s = _check_positive(bin_s, "bin_s")
    n_bin = int(round(bin_s * fs))
    if n_bin < 1:
        raise ValueError(f"bin_s * fs must be at least one sample, got {bin_s * fs:g}")
    n_bins = x.size // n_bin
    level, floor = _suspect_level(x, fs)
    if not np.isfinite(level):
        return np.zeros(n_bins), {"level_dbm": float("nan"), "floor_dbm": float("nan")}
    p_level, p_floor = 10 ** (level / 10), 10 ** (floor / 10)
    share = np.clip((10 ** (x / 10) - p_floor) / (p_level - p_floor), 0.0, 1.0)
    share[x < level - AIRTIME_RANGE_DB] = 0.0
    airtime = share[: n_bins * n_bin].reshape(n_bins, n_bin).mean(axis=1)
    return airtime, {"level_dbm": level, "floor_dbm": floor}


def _suspect_level(x: np.ndarray, fs: float) -> tuple[float, float]:
    """(level, floor) dBm: the median of the windows' top modes above the
    detector's floor, and the lowest mode of all (NaN, NaN when none)."""
    n = max(1, int(WINDOW_S * fs))
    tops, lows = [], []
    for k in range(max(1, x.size // n)):
        w = x[k * n : (k + 1) * n] if x.size >= n else x
        modes, _ = level_modes(
            w, separation_db=2 * MODE_HALF_WIDTH_DB, min_fraction=MIN_MODE_SAMPLES / w.size
        )
        if modes.size:
            lows.append(float(modes[0]))
        modes = modes[modes > DETECTOR_FLOOR_DBM]
        if modes.size:
            tops.append(float(modes[-1]))
    if not tops:
        return float("nan"), float("nan")
    level = float(np.median(tops))
    floor = min(float(np.median(lows)), level - 2 * MODE_HALF_WIDTH_DB)
    return level, floor


def follows_stimulus(
    traffic,
    phases: list[Phase],
    *,
    bin_s: float = BIN_S,
    block_s: float = BLOCK_S,
    settle_s: float = SETTLE_S,
    alpha: float = ALPHA,
    min_ratio: float = MIN_RATIO,
) -> tuple[bool | None, dict]:
    """Whether traffic rises in the motion phases: a one-sided Mann-Whitney U
    test of the motion blocks' traffic against the still blocks'.

    Each phase loses its first `settle_s` seconds; the rest is cut into whole
    blocks of `block_s` (a remainder shorter than a block is dropped), and a
    block's traffic is the mean of its bins. The blocks, not the bins, are the
    samples of the test: bins inside one video GOP are not independent.

    Parameters
    ----------
    traffic : 1-D array, traffic per bin from the start of the recording (bytes,
        or airtime: the test uses ranks only).
    phases : the test's phases (`stimulus_phases`), seconds from that start.
    bin_s, block_s, settle_s : bin, block and settling times, seconds.
    alpha : significance level (one-sided).
    min_ratio : least ratio of the motion blocks' median to the still blocks'.

    Returns
    -------
    follows : True (p < alpha and ratio >= min_ratio), False, or None when
        either kind has fewer than MIN_BLOCKS blocks (inconclusive).
    properties : dict with ``p_value``, ``u`` (Mann-Whitney U of the motion
        blocks), ``auc`` (U / (n_motion n_still): the chance a motion block
        carries more than a still block), ``ratio``, ``cycles`` (still/motion
        pairs: the fewer of the two kinds of phases), ``blocks_motion``,
        ``blocks_still``, ``motion_blocks`` and ``still_blocks`` (the values).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> phases = [Phase("still" if i % 2 == 0 else "motion", i // 2 + 1, 10.0 * i,
    ...           10.0 * (i + 1)) for i in range(6)]
    >>> busy = np.repeat([1.0, 1.6] * 3, 100) * rng.uniform(0.8, 1.2, 600)
    >>> follows, p = follows_stimulus(busy, phases)
    >>> follows, p["cycles"], p["blocks_motion"], bool(p["p_value"] < 1e-3)
    (True, 3, 12, True)
    >>> follows_stimulus(rng.permutation(busy), phases)[0]
    False
    """
    y = np.asarray(traffic, dtype=np.float64)
    if y.ndim != 1 or not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ValueError("traffic must be one-dimensional, finite and non-negative")
    bin_s = _check_positive(bin_s, "bin_s")
    block_s = _check_positive(block_s, "block_s")
    if not np.isfinite(settle_s) or settle_s < 0:
        raise ValueError(f"settle_s must be non-negative, got {settle_s!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    min_ratio = _check_positive(min_ratio, "min_ratio")
    blocks: dict[str, list[float]] = {STILL: [], MOTION: []}
    for ph in phases:
        if ph.kind not in blocks:
            raise ValueError(f"phase kind must be {STILL!r} or {MOTION!r}, got {ph.kind!r}")
        a = ph.start_s + settle_s
        for k in range(int(max(0.0, ph.end_s - a) // block_s + 1e-9)):
            i0 = int(round((a + k * block_s) / bin_s))
            i1 = int(round((a + (k + 1) * block_s) / bin_s))
            if i1 <= y.size and i1 > i0:
                blocks[ph.kind].append(float(y[i0:i1].mean()))
    mot, sti = np.array(blocks[MOTION]), np.array(blocks[STILL])
    props: dict[str, Any] = {
        "cycles": min(
            sum(1 for p in phases if p.kind == MOTION), sum(1 for p in phases if p.kind == STILL)
        ),
        "blocks_motion": int(mot.size),
        "blocks_still": int(sti.size),
        "motion_blocks": mot,
        "still_blocks": sti,
        "p_value": float("nan"),
        "u": float("nan"),
        "auc": float("nan"),
        "ratio": float("nan"),
    }
    if mot.size < MIN_BLOCKS or sti.size < MIN_BLOCKS:
        return None, props
    res = mannwhitneyu(mot, sti, alternative="greater")
    m_s, m_m = float(np.median(sti)), float(np.median(mot))
    ratio = m_m / m_s if m_s > 0 else (float("inf") if m_m > 0 else 1.0)
    props.update(
        p_value=float(res.pvalue),
        u=float(res.statistic),
        auc=float(res.statistic) / (mot.size * sti.size),
        ratio=ratio,
    )
    return bool(res.pvalue < alpha and ratio >= min_ratio), props


def motion_test(rec: Recording, dbm: np.ndarray | None = None) -> dict[str, Any] | None:
    """The motion-stimulus test of a recording, or None without stimulus marks.

    Returns the ``motion_test`` object of docs/findings.md: the phases' span,
    the waypoint the test was made at (the last non-stimulus mark before it),
    the suspect's level and class, the statistic, p-value, cycles and verdict.
    Times are on the sample clock (``analyze`` moves them to device time).
    """
    phases = stimulus_phases(((m.time_s, m.label) for m in rec.marks), rec.duration_s)
    if not phases:
        return None
    x = rec.rf_dbm() if dbm is None else dbm
    t0, t1 = phases[0].start_s, phases[-1].end_s
    a, b = int(t0 * rec.fs), int(np.ceil(t1 * rec.fs))
    span = x[a:b]
    spot = None
    for m in sorted(rec.marks, key=lambda m: m.time_s):
        if m.time_s <= t0 + 1e-9 and not is_stimulus(m.label):
            spot = m.label
    shifted = [Phase(p.kind, p.cycle, p.start_s - t0, p.end_s - t0) for p in phases]
    if span.size < rec.fs * BIN_S:
        airtime, lv = np.zeros(0), {"level_dbm": float("nan"), "floor_dbm": float("nan")}
    else:
        airtime, lv = suspect_airtime(span, rec.fs)
    follows, props = follows_stimulus(airtime, shifted)
    cls = _suspect_class(span, rec.fs, lv["level_dbm"])
    if follows is None:
        verdict = "inconclusive: too few still or motion blocks"
    elif follows:
        verdict = "follows the stimulus: camera likely"
    else:
        verdict = "does not follow the stimulus"
    return {
        "time_s": round(t0, 3),  # sample clock: analyze moves it to device time
        "end_s": round(float(rec.device_time(t1)), 3),
        "waypoint": spot,
        "phases": [
            {
                "kind": p.kind,
                "cycle": p.cycle,
                "start_s": round(float(rec.device_time(p.start_s)), 3),
                "end_s": round(float(rec.device_time(p.end_s)), 3),
            }
            for p in phases
        ],
        "cycles": props["cycles"],
        "suspect_level_dbm": _num(lv["level_dbm"], 1),
        "suspect_class": cls,
        "statistic": "mann_whitney_u",
        "u": _num(props["u"], 1),
        "auc": _num(props["auc"], 3),
        "traffic_ratio": _num(props["ratio"], 3),
        "p_value": _num(props["p_value"], 6),
        "alpha": ALPHA,
        "blocks_motion": props["blocks_motion"],
        "blocks_still": props["blocks_still"],
        "block_s": BLOCK_S,
        "settle_s": SETTLE_S,
        "follows": follows,
        "verdict": verdict,
    }


def _num(v: float, digits: int) -> float | None:
    return round(float(v), digits) if np.isfinite(v) else None


def _suspect_class(x: np.ndarray, fs: float, level: float) -> str | None:
    """The class most windows of the test read the suspect's level as."""
    if not np.isfinite(level):
        return None
    n = max(1, int(WINDOW_S * fs))
    votes: dict[str, int] = {}
    for k in range(x.size // n):
        f = component(x[k * n : (k + 1) * n], fs, level, MODE_HALF_WIDTH_DB, top=True)
        cls, _, _ = classify(f)
        votes[cls] = votes.get(cls, 0) + 1
    if not votes:
        return None
    return max(votes, key=lambda c: (votes[c], c not in (UNKNOWN, UNKNOWN_PERIODIC)))


def camera_confidence(p_value: float) -> float:
    """The confidence of a camera found by the test, from its p-value.

    Examples
    --------
    >>> camera_confidence(0.01), camera_confidence(1e-4), camera_confidence(1e-3)
    (0.5, 0.95, 0.725)
    """
    lo, hi = TEST_CONFIDENCE
    span = np.log10(ALPHA) - np.log10(TEST_P_FULL)
    f = (np.log10(ALPHA) - np.log10(max(p_value, 1e-300))) / span
    return round(float(lo + (hi - lo) * min(1.0, max(0.0, f))), 3)


def apply_motion_test(findings: list[dict[str, Any]], test: dict[str, Any] | None) -> list[dict]:
    """The findings after a motion test (docs/findings.md, *The motion-stimulus
    test*): the test's own entry (type ``"motion_test"``) is added last; when the
    suspect's traffic follows, a Wi-Fi camera at the test's spot is reported
    (an RF finding there is promoted, or one is added); when it does not, a
    Wi-Fi camera finding at the spot is demoted, and withdrawn below 0.5."""
    if test is None:
        return findings
    out = [dict(f) for f in findings]
    at_spot = [
        f
        for f in out
        if f.get("type", "rf") == "rf"
        and test["waypoint"] is not None
        and f.get("waypoint") == test["waypoint"]
    ]
    withdrawn: list[str] = []
    if test["follows"] and test["suspect_class"] not in NOT_WIFI:
        conf = camera_confidence(test["p_value"])
        why = (
            f"followed the motion stimulus: {test['traffic_ratio']:.2f}x the airtime "
            f"while moving, p = {test['p_value']:.2g} over {test['cycles']} cycles"
        )
        target = next((f for f in at_spot if f["class"] == "wifi_camera"), None)
        if target is None:
            target = next((f for f in at_spot if f["class"] not in NOT_WIFI), None)
        if target is None:
            target = {
                "type": "rf",
                "class": "wifi_camera",
                "title": "",
                "standard": None,
                "time_s": test["time_s"],
                "waypoint": test["waypoint"],
                "position_m": None,
                "position_uncertainty_m": None,
                "level_dbm": test["suspect_level_dbm"],
                "confidence": 0.0,
                "evidence": {},
                "why": "",
            }
            out.append(target)
        cam = BY_NAME["wifi_camera"]
        target["class"], target["title"], target["standard"] = (
            "wifi_camera",
            cam.title,
            cam.standard,
        )
        target["confidence"] = max(float(target["confidence"]), conf)
        target["evidence"] = {**target.get("evidence", {}), "motion_test": _brief(test)}
        target["why"] = (
            target["why"] + "; its traffic " + why
            if target["why"]
            else "the loudest traffic during the motion test " + why
        )
    elif test["follows"] is False:
        gone = []
        for f in at_spot:
            if f["class"] == "wifi_camera":
                f["confidence"] = round(float(f["confidence"]) * DEMOTE, 3)
                f["evidence"] = {**f.get("evidence", {}), "motion_test": _brief(test)}
                f["why"] += "; its traffic did not follow the motion stimulus"
                if f["confidence"] < MIN_REPORTED:
                    withdrawn.append(f"{f['class']} at {f['waypoint']}")
                    gone.append(id(f))
        out = [f for f in out if id(f) not in gone]
    out.sort(key=lambda f: -float(f.get("confidence", 0.0)))
    entry = {
        "type": "motion_test",
        "class": "motion_test",
        "title": "Motion-stimulus test",
        "standard": None,
        "time_s": test["time_s"],
        "waypoint": test["waypoint"],
        "position_m": None,
        "position_uncertainty_m": None,
        # no source above the floor: the floor (the test had nothing to judge)
        "level_dbm": lv if (lv := test["suspect_level_dbm"]) is not None else DETECTOR_FLOOR_DBM,
        "confidence": 0.0,
        "evidence": {
            **{k: v for k, v in test.items() if k not in ("time_s", "waypoint")},
            "withdrawn": withdrawn,
        },
        "why": _test_sentence(test),
    }
    return out + [entry]


def _brief(test: dict[str, Any]) -> dict[str, Any]:
    """What a finding's evidence keeps of the test it took."""
    keys = ("verdict", "p_value", "traffic_ratio", "cycles", "suspect_level_dbm")
    return {k: test[k] for k in keys}


def _test_sentence(test: dict[str, Any]) -> str:
    lv = test["suspect_level_dbm"]
    who = f"the loudest source ({lv:.0f} dBm)" if lv is not None else "no source above the floor"
    if test["follows"] is None:
        return (
            f"{who}: {test['verdict']} ({test['blocks_motion']} motion and "
            f"{test['blocks_still']} still blocks of {test['block_s']:g} s)"
        )
    return (
        f"{who} {test['verdict']}: traffic x{test['traffic_ratio']:.2f} while moving, "
        f"Mann-Whitney p = {test['p_value']:.2g}, {test['cycles']} cycles, "
        f"{test['blocks_motion']} + {test['blocks_still']} blocks"
    )
