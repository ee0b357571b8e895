"""What is heard where: the sweep cut into stretches, each stretch's level modes
as components, each component classified.

1. The sweep is cut at the waypoint marks (or into fixed windows without marks).
2. In each stretch the envelope's level modes are found (a log detector shows
   each transmitter at its own level); each mode's bursts are one component.
3. Every classifier scores every component; the best above MIN_SCORE names it,
   otherwise it is "unknown_periodic" or "unknown".

Which components are findings is decided in `roomsweep.analysis.analyze`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from roomsweep.analysis.carrier import (  # the mode half width: features.py's
    CARRIER_MIN_RISE_DB,
    CARRIER_RISE_SIGMA,
    MODE_HALF_WIDTH_DB,
    carrier_features,
    piece_of,
    steady_floor,
    wandering_edge,
)
from roomsweep.analysis.classifiers import CLASSIFIERS, UNKNOWN, UNKNOWN_PERIODIC, named
from roomsweep.analysis.classifiers.base import (
    CARRIER_DUTY,
    FRAME_MULTIPLES,
    FRAME_TOLERANCE_S,
    TDMA_MIN_BURSTS,
    frame_regularity,
    own_cadence,
)
from roomsweep.analysis.classifiers.dect import holds_its_frames
from roomsweep.analysis.dsp import above_carrier, level_modes, line_strength, partner_counts
from roomsweep.analysis.features import Features, component, loudest_near, subset
from roomsweep.analysis.phases import phase_trains
from roomsweep.analysis.recording import Recording
from roomsweep.analysis.subframes import lattice_score, subframe_component
from roomsweep.standards import DECT_FRAME_S, GSM_FRAME_S

DETECTOR_FLOOR_DBM = -58.0  # AD8318: about -60 dBm is the bottom of its range
# AD8318: output saturates near 0 dBm input (0.5 V; datasheet, 60 dB range)
SATURATION_DBM = -3.0
MIN_SCORE = 0.45
WINDOW_S = 3.0  # stretch length when the capture has no marks
DWELL_S = 3.0  # seconds after a waypoint mark that belong to that waypoint
ANALYSIS_WINDOW_S = 1.5
MIN_MODE_SAMPLES = 12  # three short BLE events are enough to show a level
# A slow advertiser's level over a whole dwell: two events of two PDUs, one sample or
# more each at 8 kS/s (a PDU lasts 0.1-0.4 ms)
SPARSE_MIN_SAMPLES = 4
MIN_BURSTS = 4  # fewer bursts than this in a window say nothing about timing
UNKNOWN_LINE_RATIO = 100.0  # spectral line over the median: periodic beyond doubt
# An unknown component needs this many bursts, and this many samples (32 ms at
# 8 kS/s: a Welch spectrum with lines to look for), to be called periodic
UNKNOWN_MIN_BURSTS = 20
UNKNOWN_MIN_SAMPLES = 256
# Lines are looked for from 5 Hz (seven periods or more in ANALYSIS_WINDOW_S) to
# 2 kHz (half the 4 kHz Nyquist frequency at 8 kS/s, clear of the spectrum's top)
UNKNOWN_BAND_HZ = (5, 2000)
SPECTRUM_F0_HZ = 100.0  # line_strength's fundamental: only its spectrum is used, any will do
# An unknown periodic component is at most this sure, less the more it looks like a known
# kind (then more likely two known kinds overlapping): nothing at KNOWN_LIKE_SCORE
UNKNOWN_PERIODIC_CONFIDENCE = 0.75
KNOWN_LIKE_SCORE = 0.5
UNKNOWN_CONFIDENCE = 0.3  # bursts that fit no kind and no period: a guess at best
# Frame periods kept strictly enough to pick a TDMA source's bursts out of another kind's
# at the same level: GSM (3GPP TS 45.002) and DECT (ETSI EN 300 175-2). Bluetooth's and
# LTE's grids are too fine: random starts land on them about 30 % of the time.
FRAMES_S = {"gsm": GSM_FRAME_S, "dect": DECT_FRAME_S}
SEPARABLE_FRAMES_S = tuple(FRAMES_S.values())
TDMA_KINDS = set(FRAMES_S)  # the kinds with those frames
# Two trains of one kind are told apart where their phases leave more than this
# many samples' width empty between them (phases.phase_trains)
TRAIN_GAP_SAMPLES = 1.5
# A burst is the train's when another sits on at least this many of the six
# shifts of one to three frames either side: a member has up to six (fewer at a
# window's edge or where one is hidden); a burst in the gaps lands on three by
# chance with probability about 20 p^3, p = 2 x tolerance x rate (p = 6 % for
# 100 bursts a second): under 0.5 %.
TRAIN_MIN_PARTNERS = 3
# Both parts must match their kinds this clearly: what is left of a mixture once
# a train is taken out also holds the train's own missed bursts, so a weak
# match is more often that remainder than a second source
SEPARATED_MIN_SCORE = 0.8
# 10 dB above the bottom of the detector's range: the AD8318 keeps its law to
# +-1 dB only from about -55 dBm up (datasheet, 2.2 GHz log conformance), and a
# level mode within a few dB of its noise floor is a few noisy samples. This is
# the detector's limit, not a device's: a 0 dBm BLE tag reads about -34 dBm at
# 0.5 m (FSPL 34 dB at 2.4 GHz), -48 dBm only 2.5 m away (n = 2); what is
# quieter at its nearest stop is beyond what this detector can place.
MIN_FINDING_DBM = DETECTOR_FLOOR_DBM + 10
LTE = "lte"  # the kind analysis.subframes hears by its lattice
# The window's floor for the lattice's subframes: the level 1 % of its samples
# are under (the detector's noise, or a carrier beneath everything)
FLOOR_PERCENTILE = 1


@dataclass(eq=False)  # one heard source each: compared by identity (its features hold arrays)
class Component:
    stretch: int
    cls: str
    confidence: float
    level_dbm: float
    time_s: float  # loudest sample of the component, from the recording start
    features: Features = field(repr=False)
    scores: dict[str, float] = field(default_factory=dict)
    # told apart by timing from another kind's bursts at the same level
    # (_separate): one of two sources, not an echo of the louder one
    separated: bool = False
    # where the window its features were taken from starts (seconds from the
    # recording start, on a sample): burst starts are relative to it
    window_start_s: float = 0.0
    # heard on top of a steady carrier, from the power it added to the
    # reading (dsp.above_carrier), not at a level of its own
    beneath_carrier: bool = False


@dataclass
class Stretch:
    index: int
    label: str | None
    start_s: float
    end_s: float
    # the loudest level mode heard there: a class not heard in this stretch was
    # at most this loud (beneath it, it could hide)
    loudest_mode_dbm: float = DETECTOR_FLOOR_DBM


def stretches(rec: Recording) -> list[Stretch]:
    dur = rec.duration_s
    marks = sorted(rec.marks, key=lambda m: m.time_s)
    if not marks:
        n = max(1, int(np.ceil(dur / WINDOW_S)))
        return [Stretch(i, None, i * WINDOW_S, min(dur, (i + 1) * WINDOW_S)) for i in range(n)]
    out = []
    if marks[0].time_s > 1.0:
        out.append(Stretch(0, None, 0.0, marks[0].time_s))
    for i, m in enumerate(marks):
        end = marks[i + 1].time_s if i + 1 < len(marks) else dur
        # the user presses the button on arriving and holds the device there for
        # a few seconds before walking on: only that dwell speaks for the spot
        end = min(end, m.time_s + DWELL_S)
        if end - m.time_s >= 0.2:
            out.append(Stretch(len(out), m.label, m.time_s, end))
    return out


def classify(f: Features) -> tuple[str, float, dict[str, float]]:
    if f.count < MIN_BURSTS and f.duty < CARRIER_DUTY:  # a steady carrier is one long "burst"
        return UNKNOWN, 0.0, {}
    scores = {c.name: float(c.score(f)) for c in CLASSIFIERS}
    best = named(scores)
    if scores[best] >= MIN_SCORE:
        return best, scores[best], scores
    if f.count >= UNKNOWN_MIN_BURSTS and f.on.size >= UNKNOWN_MIN_SAMPLES:
        # a strong line anywhere in 5 Hz .. 2 kHz: periodic, kind not known to us
        _, props = line_strength(f.on, f.fs, SPECTRUM_F0_HZ, harmonics=1)
        psd, freqs = props["psd"], props["freqs"]
        band = (freqs > UNKNOWN_BAND_HZ[0]) & (freqs < UNKNOWN_BAND_HZ[1])
        if band.any() and psd[band].max() > UNKNOWN_LINE_RATIO * np.median(psd[band]):
            # partly like a known kind: more likely two known kinds overlapping
            likeness = scores[best] / KNOWN_LIKE_SCORE
            return (
                UNKNOWN_PERIODIC,
                max(0.0, UNKNOWN_PERIODIC_CONFIDENCE * (1 - likeness)),
                scores,
            )
    return UNKNOWN, UNKNOWN_CONFIDENCE, scores


def _may_score(f: Features, least: float) -> bool:
    """Whether classify could name `f` a kind at `least` or more (least at or
    above MIN_SCORE): asked of each classifier's bound, cheaper than its score
    and never under it."""
    if f.count < MIN_BURSTS and f.duty < CARRIER_DUTY:
        return False
    return any(c.at_most(f) >= least for c in CLASSIFIERS)


def components(
    rec: Recording, dbm: np.ndarray | None = None
) -> tuple[list[Component], list[Stretch]]:
    """Components in windows of about ANALYSIS_WINDOW_S: while the device moves a
    transmitter's level drifts, so levels are taken over short windows."""
    # the windows' level histograms from the 12-bit counts when dbm is theirs
    # through the calibration table (dsp.level_modes(counts=...): same modes);
    # not with auto-ranging, where a padded block's count means another level
    table = None
    if dbm is None and rec.rf_counts.dtype.kind == "u" and rec.rf_pad() is None:
        table = rec.calibration.rf_dbm(np.arange(4096))
    dbm = rec.rf_dbm() if dbm is None else dbm
    parts = stretches(rec)
    found = []
    for st in parts:
        top_mode = DETECTOR_FLOOR_DBM
        # none across a scan's stall: the air either side is no one stretch
        for w0, w1 in rec.windows(st.start_s, st.end_s, ANALYSIS_WINDOW_S):
            a, b = rec.sample_at(w0), rec.sample_at(w1)
            x = dbm[a:b]
            if x.size < rec.fs * 0.2:
                continue
            if table is None:
                modes, _ = level_modes(
                    x, separation_db=2 * MODE_HALF_WIDTH_DB, min_fraction=MIN_MODE_SAMPLES / x.size
                )
            else:
                held = np.bincount(np.minimum(rec.rf_counts[a:b], 4095), minlength=4096)
                modes, _ = level_modes(
                    table,
                    separation_db=2 * MODE_HALF_WIDTH_DB,
                    min_fraction=MIN_MODE_SAMPLES / x.size,
                    counts=held,
                )
            if modes.size:
                top_mode = max(top_mode, float(modes[-1]))
            modes = modes[modes > DETECTOR_FLOOR_DBM]
            near_max = loudest_near(x) if modes.size > 1 else None  # shared by the levels
            for j, level in enumerate(modes):
                f = component(
                    x,
                    rec.fs,
                    float(level),
                    MODE_HALF_WIDTH_DB,
                    top=j == modes.size - 1 or (j == 0 and steady_floor(x, level)),
                    near_max=near_max,
                )
                if f.count == 0:
                    continue
                cls, conf, scores = classify(f)
                separated = _separate(f)
                # two trains of one TDMA kind at this level, or in the part
                # _separate told apart: each train a component of its own
                parts_of = [
                    q
                    for p in separated or [(f, cls, conf, scores)]
                    for q in (_trains(p[0], p[1], rec.fs) or [p])
                ]
                if not separated and len(parts_of) == 1:
                    parts_of = []  # one source: the level's component as it is
                if not parts_of:
                    loudest, _ = _loudest_on(x, f)
                    found.append(
                        Component(
                            st.index,
                            cls,
                            conf,
                            float(level),
                            w0 + loudest / rec.fs,
                            f,
                            scores,
                            window_start_s=a / rec.fs,
                        )
                    )
                for g, g_cls, g_conf, g_scores in parts_of:
                    loudest, _ = _loudest_on(x, g)
                    found.append(
                        Component(
                            st.index,
                            g_cls,
                            g_conf,
                            float(g.level_dbm),  # the level's, or a train's own
                            w0 + loudest / rec.fs,
                            g,
                            g_scores,
                            # the part the whole was not read as: a second source
                            separated=g_cls != cls,
                            window_start_s=a / rec.fs,
                        )
                    )
            found.extend(_subframe_lattice(st.index, x, rec.fs, a, found))
            if modes.size and steady_floor(x, float(modes[0])):
                found.extend(_beneath_carrier(st.index, x, rec.fs, a, float(modes[0]), found))
            edge = wandering_edge(x, rec.fs, DETECTOR_FLOOR_DBM)
            if edge is not None:  # one carrier, fading as the hand moves (carrier.py)
                f = carrier_features(x, rec.fs, edge)
                cls, conf, scores = classify(f)
                start = a / rec.fs  # as every component of the window records it
                found = [c for c in found if not piece_of(c, st.index, start, edge, cls)]
                t = w0 + _loudest_on(x, f)[0] / rec.fs
                found.append(
                    Component(st.index, cls, conf, f.level_dbm, t, f, scores, False, start)
                )
        st.loudest_mode_dbm = top_mode
        sparse = _sparse_component(rec, st, dbm, top_mode)
        if sparse is not None:
            found.append(sparse)
        found.extend(_sparse_beneath(rec, st, dbm, [c for c in found if c.stretch == st.index]))
    return found, parts


def _subframe_lattice(
    stretch: int, x: np.ndarray, fs: float, a: int, found: list[Component]
) -> list[Component]:
    """An LTE handset whose power-controlled subframes spread over many levels
    (analysis.subframes), when no level of the window was read as one there."""
    score, phase = lattice_score(x, fs)
    if score < MIN_SCORE:
        return []
    floor = float(np.percentile(x, FLOOR_PERCENTILE))
    f = subframe_component(x, fs, phase, floor, law_floor_dbm=MIN_FINDING_DBM)
    if f is None or f.level_dbm < MIN_FINDING_DBM - MODE_HALF_WIDTH_DB:
        return []
    w0 = a / fs
    for c in found:
        if c.stretch != stretch or c.window_start_s != w0:
            continue
        if c.cls == LTE and abs(c.level_dbm - f.level_dbm) <= 2 * MODE_HALF_WIDTH_DB:
            return []  # its level modes told it already
        if (
            c.cls not in (UNKNOWN, UNKNOWN_PERIODIC)
            and abs(c.level_dbm - f.level_dbm) <= MODE_HALF_WIDTH_DB
            and c.features.duty > f.duty
        ):
            # another kind fills that level more than the subframes do: they
            # are the handset's beneath it (a log detector reads the sum), or
            # that kind's frames that happened to fit the lattice
            return []
    loudest, _ = _loudest_on(x, f)
    return [
        Component(
            stretch, LTE, score, f.level_dbm, w0 + loudest / fs, f, {LTE: score}, window_start_s=w0
        )
    ]


def _trains(
    f: Features, cls: str, fs: float
) -> list[tuple[Features, str, float, dict[str, float]]]:
    """Two or more transmitters of one TDMA kind at one level: each keeps its
    own phase of the frame (another timeslot, or another base station's clock),
    so the bursts fall into trains by phase (phases.phase_trains). Returns each
    train (features, class, score, scores) when there are two or more and each
    alone is still clearly the kind, or nothing."""
    frame = FRAMES_S.get(cls)
    if frame is None or f.count < 2 * TDMA_MIN_BURSTS:
        return []
    # a start moves a sample with the detector's noise, so one train's phases
    # fill neighbouring samples; two slots apart (834 us DECT, 1154 us GSM, six
    # samples or more at 8 kS/s) leave empty ones between two. In the very next
    # slot the guard space (49 us DECT, 30 us GSM) is shorter than a sample: at
    # one level the two bursts run together into one, which no timing splits
    labels, props = phase_trains(
        f.starts_s,
        frame,
        FRAME_TOLERANCE_S,
        TRAIN_GAP_SAMPLES / fs,
        min_size=TDMA_MIN_BURSTS,
        min_partners=TRAIN_MIN_PARTNERS,
        multiples=FRAME_MULTIPLES,
    )
    if props["sizes"].size < 2:
        return []
    out = []
    for k in range(props["sizes"].size):
        train = subset(f, labels == k)
        t_cls, t_conf, t_scores = classify(train)
        if t_cls != cls or t_conf < SEPARATED_MIN_SCORE:
            return []
        # the level mode the trains share reads neither's own level: two bugs
        # side by side differ by a few dB at the stops nearest them
        out.append((replace(train, level_dbm=_own_level(train)), t_cls, t_conf, t_scores))
    return out


def _own_level(f: Features) -> float:
    """The median of the train's own samples, on the window they were read
    from: like a level mode, and unlike the bursts' loudest samples, it does
    not rise with the detector's noise."""
    if f.dbm is None or not f.on.any():
        return f.level_dbm
    return float(np.median(f.dbm[f.on]))


def _separate(
    f: Features, frames: tuple[float, ...] = SEPARABLE_FRAMES_S
) -> list[tuple[Features, str, float, dict[str, float]]]:
    """Two kinds at one level: a TDMA transmitter's bursts keep its frame
    strictly, another kind's fall in its gaps. The bursts with partners one to
    three frames either side are the train, the rest the other source; both are
    kept when each is a known kind of its own, and the two differ. A rest that
    is no kind of its own may hold a third source: the other `frames`' train is
    looked for in it the same way (a GSM bug, a DECT base and a tag at one
    level). Returns the parts (features, class, score, scores), two or three
    of them, each of another kind, or nothing."""
    if f.count < TDMA_MIN_BURSTS + MIN_BURSTS:
        return []
    cadence = None  # worked out once, where a frame's train is worth asking about
    for frame in frames:
        counts, _ = partner_counts(f.starts_s, frame, FRAME_TOLERANCE_S, FRAME_MULTIPLES)
        member = counts >= TRAIN_MIN_PARTNERS
        rest = ~member
        if np.count_nonzero(member) < TDMA_MIN_BURSTS:
            continue
        if np.count_nonzero(rest) < MIN_BURSTS:
            continue
        if cadence is None:
            cadence = own_cadence(f.starts_s, min(SEPARABLE_FRAMES_S))
        if cadence and cadence >= frame_regularity(f.starts_s, frame):
            continue  # frames back to back: the partners are the cadence's multiples
        train = subset(f, member)
        if not _may_score(train, SEPARATED_MIN_SCORE):
            continue  # no kind could name the train that surely
        other = subset(f, rest)
        t_cls, t_conf, t_scores = classify(train)
        if t_cls in (UNKNOWN, UNKNOWN_PERIODIC) or t_conf < SEPARATED_MIN_SCORE:
            continue  # no pair, whatever the rest is: it need not be classified
        if t_cls == "dect" and not holds_its_frames(train):
            continue  # a few slots of a louder neighbour's, not a base here
        o_cls, o_conf, o_scores = classify(other)
        known = {t_cls, o_cls}.isdisjoint({UNKNOWN, UNKNOWN_PERIODIC})
        if known and t_cls != o_cls and min(t_conf, o_conf) >= SEPARATED_MIN_SCORE:
            return [(train, t_cls, t_conf, t_scores), (other, o_cls, o_conf, o_scores)]
        # a third source at the level: another kind's train among the rest
        later = tuple(p for p in frames if p != frame)
        rest_parts = _separate(other, later) if later else []
        if rest_parts and all(p[1] != t_cls for p in rest_parts):
            return [(train, t_cls, t_conf, t_scores), *rest_parts]
    return []


def _beneath_carrier(
    stretch: int, x: np.ndarray, fs: float, a: int, carrier: float, found: list[Component]
) -> list[Component]:
    """Bursts on top of a steady carrier (an analog video sender, a carrier
    at every stop of the room), each of a known kind: the power they add to
    the reading (dsp.above_carrier) read as a window of its own. A burst from a
    few dB beneath the carrier to a few above it reads within a mode's
    separation of it, so the window's modes cannot tell it; a kind already
    heard at that level there is not heard twice."""
    excess, props = above_carrier(
        x, fs, threshold_sigma=CARRIER_RISE_SIGMA, min_rise_db=CARRIER_MIN_RISE_DB
    )
    # at or beside a burst the window's own level modes hear (one reading a
    # mode's separation above the carrier; the detector's video filter draws its
    # edges through every level beneath), nothing beneath it can be told there
    excess[loudest_near(x) > props["carrier_dbm"] + 2 * MODE_HALF_WIDTH_DB] = -np.inf
    heard = np.isfinite(excess)
    if np.count_nonzero(heard) < MIN_MODE_SAMPLES:
        return []
    # where no burst stands out: far beneath anything, so never "on"
    held = np.where(heard, excess, DETECTOR_FLOOR_DBM - 100.0)
    modes, _ = level_modes(
        excess[heard],
        separation_db=2 * MODE_HALF_WIDTH_DB,
        min_fraction=MIN_MODE_SAMPLES / x.size,
    )
    w0 = a / fs
    here = [c for c in found if c.stretch == stretch and c.window_start_s == w0]
    out: list[Component] = []
    near_max = loudest_near(held) if modes.size > 1 else None
    for j, level in enumerate(modes):
        level = float(level)
        if not MIN_FINDING_DBM - MODE_HALF_WIDTH_DB <= level <= carrier + 2 * MODE_HALF_WIDTH_DB:
            continue  # too faint to place, or loud enough for the window's own modes
        f = component(
            held, fs, level, MODE_HALF_WIDTH_DB, top=j == modes.size - 1, near_max=near_max
        )
        if f.count < MIN_BURSTS:
            continue
        cls, conf, scores = classify(f)
        if cls in (UNKNOWN, UNKNOWN_PERIODIC):
            continue  # a carrier's own ripple is periodic too: only a known kind counts
        if any(c.cls == cls and abs(c.level_dbm - level) <= 2 * MODE_HALF_WIDTH_DB for c in here):
            continue
        loudest, _ = _loudest_on(held, f)
        out.append(
            Component(
                stretch,
                cls,
                conf,
                level,
                w0 + loudest / fs,
                f,
                scores,
                window_start_s=w0,
                beneath_carrier=True,
            )
        )
    # an LTE handset's subframes beneath the carrier keep their lattice too
    for c in _subframe_lattice(stretch, held, fs, a, here + out):
        if c.level_dbm <= carrier + MODE_HALF_WIDTH_DB:
            out.append(replace(c, beneath_carrier=True))
    return out


def _sparse_component(
    rec: Recording, st: Stretch, dbm: np.ndarray, top_mode: float
) -> Component | None:
    """A slow advertiser's few events over a whole dwell: too few samples to make
    a level mode, but standing above everything else heard there."""
    # its few events are timed against each other: none across a stall
    a, b = rec.unbroken(st.start_s, st.end_s)
    x = dbm[a:b]
    threshold = max(top_mode + 2 * MODE_HALF_WIDTH_DB, MIN_FINDING_DBM - MODE_HALF_WIDTH_DB)
    if x.size < rec.fs * 0.5 or x.max() < threshold:
        return None
    f = component(x, rec.fs, threshold + MODE_HALF_WIDTH_DB, MODE_HALF_WIDTH_DB, top=True)
    if f.count < MIN_BURSTS:
        return None
    scores = {c.name: float(c.score(f)) for c in CLASSIFIERS if c.sparse}
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    if scores[best] < MIN_SCORE:
        return None
    loudest, on_level = _loudest_on(x, f)
    return Component(
        st.index,
        best,
        scores[best],
        float(np.median(on_level)),
        (a + loudest) / rec.fs,
        f,
        scores,
        window_start_s=a / rec.fs,
    )


def _sparse_beneath(
    rec: Recording, st: Stretch, dbm: np.ndarray, heard: list[Component]
) -> list[Component]:
    """A slow advertiser beneath louder traffic: its few events over the whole
    dwell make a level of their own (too few samples for a window's mode) in
    the gaps of the louder kinds, at a level where nothing else was heard, or
    just beneath a GSM or DECT train's (_beneath_trains)."""
    # its few events are timed against each other: none across a stall
    a, b = rec.unbroken(st.start_s, st.end_s)
    x = dbm[a:b]
    if x.size < rec.fs * 0.5:
        return []
    modes, _ = level_modes(
        x, separation_db=2 * MODE_HALF_WIDTH_DB, min_fraction=SPARSE_MIN_SAMPLES / x.size
    )
    out: list[Component] = []
    near_max = loudest_near(x)
    for at in _beneath_trains(modes, heard):  # each level to try
        near = {c.cls for c in [*heard, *out] if abs(c.level_dbm - at) <= 2 * MODE_HALF_WIDTH_DB}
        if not near <= TDMA_KINDS:
            continue  # a level already read as a kind (or unknown, or an advertiser here)
        f = component(x, rec.fs, float(at), MODE_HALF_WIDTH_DB, top=False, near_max=near_max)
        if near:
            # a GSM or DECT train at that level: what is on air in its gaps
            # keeps no frame grid (burst timing, as _separate)
            f = _off_the_trains(f)
        if f.count < MIN_BURSTS:
            continue
        scores = {c.name: float(c.score(f)) for c in CLASSIFIERS if c.sparse}
        best = max(scores, key=scores.__getitem__) if scores else None
        if best is None or scores[best] < MIN_SCORE:
            continue
        loudest, _ = _loudest_on(x, f)
        out.append(
            Component(
                st.index,
                best,
                scores[best],
                float(at),
                (a + loudest) / rec.fs,
                f,
                scores,
                window_start_s=a / rec.fs,
            )
        )
    return out


def _beneath_trains(modes: np.ndarray, heard: list[Component]) -> list[float]:
    """The dwell's level modes worth a look, and a mode's separation beneath
    each read as a GSM or DECT train: a slow advertiser that much quieter
    makes no mode of its own, its few samples inside the train's."""
    least = MIN_FINDING_DBM - MODE_HALF_WIDTH_DB
    levels = [float(m) for m in modes if m >= least]
    for m in list(levels):
        near = {c.cls for c in heard if abs(c.level_dbm - m) <= 2 * MODE_HALF_WIDTH_DB}
        if near and near <= TDMA_KINDS and m - 2 * MODE_HALF_WIDTH_DB >= least:
            levels.append(m - 2 * MODE_HALF_WIDTH_DB)
    return levels


def _off_the_trains(f: Features) -> Features:
    """The bursts of `f` that belong to no GSM or DECT frame train (partners
    on TRAIN_MIN_PARTNERS of the shifts of one to three frames)."""
    member = np.zeros(f.count, bool)
    for frame in SEPARABLE_FRAMES_S:
        counts, _ = partner_counts(f.starts_s, frame, FRAME_TOLERANCE_S, FRAME_MULTIPLES)
        member |= counts >= TRAIN_MIN_PARTNERS
    return subset(f, ~member) if member.any() else f


def _loudest_on(x: np.ndarray, f: Features) -> tuple[int, np.ndarray]:
    """Index of the loudest sample where the component is on, and the levels
    of all its on samples."""
    where = np.flatnonzero(f.on)
    on_level = x[where]
    return int(where[np.argmax(on_level)]), on_level
