"""Which components are one transmitter, by its frame timing.

A TDMA transmitter keeps its frame: a GSM handset or bug the frame of the
base station it is locked to (3GPP TS 45.002: 4.615 ms), a DECT base its own
10 ms frame (ETSI EN 300 175-2). Its bursts therefore start at one phase of
that frame wherever the detector hears it, while two transmitters of one kind
sit at different phases (two handsets on one base station use different
timeslots; different base stations, or DECT bases, are not synchronised).

That tells the same loud device heard at several stops (fading and power
control can make it as loud at a stop across the room as at its own) from two
devices. The phase moves only as the clocks drift apart, so components are
chained stop to stop in time: two components are one source when their
phases agree within PHASE_TOLERANCE_S plus the drift over the time between
them, and they are at most LINK_S apart (or linked through others that are,
unless two of them were heard in one window at phases that disagree: two
transmitters, however a component between them agrees with both).

The same timing shows a second device of the kind that a louder one hides:
heard at one stop at another phase than the louder one, it is a transmitter
of its own (sources_beside), and gets a track of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from roomsweep.analysis.classifiers.base import FRAME_MULTIPLES, FRAME_TOLERANCE_S
from roomsweep.analysis.components import FRAMES_S, Component
from roomsweep.analysis.dsp import partner_counts
from roomsweep.analysis.peaks import loudest_per_stretch
from roomsweep.analysis.phases import circular_mean
from roomsweep.standards import DECT_FRAME_S, DECT_SLOT_S

# Recording.device_time: sample-clock seconds (an array) to device seconds
DeviceTime = Callable[[Any], Any]

# The kinds whose frame is kept strictly enough to name a source by its phase
TIMED_FRAMES_S = FRAMES_S
# Bursts used for the phase: those with a partner one to three frames away
# (members of the train, not another kind's bursts at the same level)
MIN_TRAIN_BURSTS = 8
# How tightly the train's starts agree on one phase (resultant length of the
# phases as angles, 1 = all at one phase): a member's start moves about one
# sample (125 us at 8 kS/s) with the detector's noise, 0.17 rad of a GSM frame
# (0.08 rad of a DECT one), so R = exp(-0.17^2 / 2) = 0.99 for one train; two
# trains at one level a slot or more apart read far lower
MIN_COHERENCE = 0.85
# Two phases agree within this: the circular mean of eight or more starts is
# good to about 125 us / sqrt(8) = 45 us (one sample's jitter), three times
# that; still a quarter of a GSM slot (577 us), so two handsets in different
# timeslots of one base station never agree
PHASE_TOLERANCE_S = 0.15e-3
# The clocks drift apart at most this fast: the ESP32's 40 MHz crystal +-10 ppm
# (ESP32 datasheet, external crystal frequency stability) against a DECT
# base's +-5 ppm (ETSI EN 300 175-2, 4.2.2); a GSM handset is locked to its base
# station, 0.05 ppm (3GPP TS 45.010 5.1)
CLOCK_DRIFT = 15e-6
# Two trains heard in the same windows no further apart in level than this in
# every one are one device sending in two slots (a DECT base's dummy bearer
# beside its traffic bearer): the same transmitter and path, differing only by
# the fading between the two carriers (DECT's ten span 17 MHz); two devices even
# half a metre apart differ by a couple of dB at the stops nearest them (the
# ratio of their distances, n = 2 to 3.5). A device whose carriers fade further
# apart than this is taken for two (docs/findings.md 5c)
ONE_DEVICE_DB = 1.0
# A DECT base in a call sends its traffic bearer and keeps its dummy bearer
# (EN 300 175-3, the MAC layer), both in its own half of the frame (24 slots
# of 10 ms, ETSI EN 300 175-2) on its one clock: heard at once, the two
# trains keep a whole number of slots between them and never drift apart,
# however differently their carriers fade. Two bases keep clocks of their
# own, each within +-5 ppm (EN 300 175-2, 4.2.2), so they drift apart at up
# to 10 ppm; a line fitted to the offset over ONE_CLOCK_SPAN_S and
# ONE_CLOCK_MIN_WINDOWS windows or more must be good to ONE_CLOCK_PPM (its
# standard error) and drift no more than that or two standard errors (a
# window's phase is good to tens of microseconds: a shorter or sparser record
# leaves the trains to the level test, ONE_DEVICE_DB). Two bases within
# 2 ppm of each other that also sit a whole number of slots apart pass: one
# pair in ten or so, and only where both are heard at once all along. A
# handset answers in the other half of the frame, on its base's clock: a
# device of its own, so a device's slots must fit in one half (one_device).
ONE_CLOCK_PPM = 1.0
ONE_CLOCK_SPAN_S = 30.0
ONE_CLOCK_MIN_WINDOWS = 6
# The offset's mean over the windows is good to a few tens of microseconds
# (each phase to about 45 us, PHASE_TOLERANCE_S): a whole number of slots
# within this
ONE_CLOCK_SLOT_TOLERANCE_S = 0.1e-3
SLOTS_PER_FRAME = round(DECT_FRAME_S / DECT_SLOT_S)
HALF_FRAME_SLOTS = SLOTS_PER_FRAME // 2
# Components are chained only this close in time: the next stop or two of a
# sweep, over which the drift stays under half a slot (15 ppm x 12 s = 180 us)
LINK_S = 12.0
# Kinds whose frame keeps the network's clock: a GSM handset or bug is locked
# to its base station's frame (3GPP TS 45.010 5.1, 0.1 ppm), and base stations
# keep 0.05 ppm, so every such source in a sweep drifts against the ESP32's
# crystal at one rate. That rate, read off the sweep's own pairs of components
# (network_rate), joins one source's components however far apart in time: a
# loud phone beyond the walls whose fades make "peaks" at stops across the room
NETWORK_LOCKED = frozenset({"gsm"})
# Pairs further apart than this in time vote on the rate (closer ones are too
# short a baseline: 45 us of phase over 10 s is 4.5 ppm) ...
RATE_BASELINE_S = 10.0
# ... among rates up to this (the ESP32's crystal, +-10 ppm, with margin)
RATE_MAX = 20e-6
# ... and the rate needs this many pairs agreeing with it
RATE_MIN_VOTES = 3


def frame_phase(c: Component, device_time: DeviceTime | None = None) -> float | None:
    """The phase (seconds into the frame) at which the component's train of
    bursts starts, or None when the component is not a clear train of its
    kind. On the recording's sample clock, or with `device_time`
    (`Recording.device_time`) on the device's clock: a Wi-Fi scan stalls
    sampling for a time that is no whole number of frames, so only device
    time keeps one source's phase from stop to stop."""
    frame = TIMED_FRAMES_S.get(c.cls)
    if frame is None:
        return None
    f = c.features
    if f.count < MIN_TRAIN_BURSTS:
        return None
    starts = c.window_start_s + f.starts_s
    if device_time is not None:
        starts = np.asarray(device_time(starts), dtype=np.float64)
    counts, _ = partner_counts(starts, frame, FRAME_TOLERANCE_S, FRAME_MULTIPLES)
    train = starts[counts >= 1]
    if train.size < MIN_TRAIN_BURSTS:
        return None
    phase, props = circular_mean(train, frame)
    return phase if props["coherence"] >= MIN_COHERENCE else None


def frame_phases(
    comps: list[Component], device_time: DeviceTime | None = None
) -> dict[int, float]:
    """id(component) -> its frame_phase, for the components with a clear one:
    worked out once for same_source_groups and sources_beside."""
    return {id(c): p for c in comps if (p := frame_phase(c, device_time)) is not None}


def same_source_groups(
    comps: list[Component], phases: dict[int, float] | None = None
) -> dict[int, int]:
    """Components of one timed kind grouped by source: id(component) -> group.
    Components without a clear phase are left out (`phases`: frame_phases of
    `comps`, worked out here when not given). Two groups heard in one window
    at phases that disagree are two sources and never joined, however a third
    component between them agrees with both (two bases' phases walk past each
    other as their clocks drift)."""
    phases = frame_phases(comps) if phases is None else phases
    timed = [(c, phases[id(c)]) for c in comps if id(c) in phases]
    timed.sort(key=lambda cp: cp[0].time_s)
    parent = list(range(len(timed)))
    # each group's (window, phase) pairs
    heard: dict[int, list[tuple[float, float]]] = {
        i: [(c.window_start_s, p)] for i, (c, p) in enumerate(timed)
    }

    def apart(ri: int, rj: int, frame: float) -> bool:
        return any(
            wa == wb and not _agree(qa, qb, frame, 0.0)
            for wa, qa in heard[ri]
            for wb, qb in heard[rj]
        )

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # the pairs that can be one source, most surely first: where a component
    # agrees with two groups that cannot be one, it joins the nearer in phase,
    # whatever the order it came in
    pairs = []
    for i, (a, pa) in enumerate(timed):
        frame = TIMED_FRAMES_S[a.cls]
        for j in range(i + 1, len(timed)):
            b, pb = timed[j]
            dt = b.time_s - a.time_s
            if dt > LINK_S:
                break
            if b.cls != a.cls:
                continue
            slack = _slack(pa, pb, frame, dt)
            if slack <= 0.0:
                pairs.append((slack, i, j, frame))

    def join(pairs: list[tuple[float, int, int, float]]) -> None:
        for _, i, j, frame in sorted(pairs):
            ri, rj = root(i), root(j)
            if ri != rj and not apart(ri, rj, frame):
                parent[rj] = ri
                heard[ri] += heard.pop(rj)

    join(pairs)
    for cls in NETWORK_LOCKED:
        idx = np.array([i for i, (c, _) in enumerate(timed) if c.cls == cls], dtype=int)
        frame = TIMED_FRAMES_S[cls]
        # every pair of the kind (timed is in time order: gap_s >= 0), once for
        # the rate's vote and for the join after it
        t = np.array([timed[i][0].time_s for i in idx], dtype=np.float64)
        p = np.array([timed[i][1] for i in idx], dtype=np.float64)
        early, late = np.triu_indices(idx.size, 1)
        gap_s = t[late] - t[early]
        rate = _rate_of_pairs(p[late] - p[early], gap_s, frame)
        if rate is None:
            continue
        # the pairs further apart than LINK_S, their phases compared after the
        # rate's drift; join skips those already one
        off = _phase_apart(p[early] + rate * gap_s, p[late], frame)
        agree = np.flatnonzero((gap_s > LINK_S) & (off <= PHASE_TOLERANCE_S))
        join([(float(off[k]), int(idx[early[k]]), int(idx[late[k]]), frame) for k in agree])
    return {id(c): root(i) for i, (c, _) in enumerate(timed)}


def network_rate(timed: list[tuple[Component, float]], frame: float) -> float | None:
    """The rate (s/s) at which the phases of sources on the network's clock
    drift against the detector's: the rate, within RATE_MAX, that the most
    pairs of components RATE_BASELINE_S or more apart agree with (their phase
    difference, less the rate's drift over their time apart, within
    PHASE_TOLERANCE_S, modulo the frame); None where fewer than
    RATE_MIN_VOTES do. Each pair agrees with an interval of rates, so the
    best is where most intervals overlap (a sweep over their ends: n log n in
    the pairs, however many components a long capture holds).

    >>> from roomsweep.analysis.components import Component
    >>> heard = [Component(0, "gsm", 1.0, -20.0, t, None) for t in (0.0, 15.0, 31.0, 52.0)]
    >>> timed = [(c, (1e-3 + 3e-6 * c.time_s) % 4.615e-3) for c in heard]  # +3 ppm
    >>> round(network_rate(timed, 4.615e-3) * 1e6, 1)
    3.0
    """
    t = np.array([c.time_s for c, _ in timed], dtype=np.float64)
    p = np.array([phase for _, phase in timed], dtype=np.float64)
    i, j = np.triu_indices(t.size, 1)
    dt = t[j] - t[i]
    return _rate_of_pairs((p[j] - p[i]) * np.sign(dt), np.abs(dt), frame)  # forward in time


def _rate_of_pairs(d: np.ndarray, dt: np.ndarray, frame: float) -> float | None:
    """network_rate from its pairs: each one's phase difference `d` (s, the
    later less the earlier) over its time apart `dt` (s, >= 0)."""
    keep = dt >= RATE_BASELINE_S
    d, dt = d[keep], dt[keep]
    if d.size < RATE_MIN_VOTES:
        return None
    # d - r dt = m frame + e, |e| <= tolerance: for each whole number of frames
    # m within reach of RATE_MAX, an interval of r
    reach = int(np.ceil((RATE_MAX * float(dt.max()) + PHASE_TOLERANCE_S) / frame)) + 1
    lows, highs = [], []
    for m in range(-reach, reach + 1):
        lo = (d - m * frame - PHASE_TOLERANCE_S) / dt
        hi = (d - m * frame + PHASE_TOLERANCE_S) / dt
        inside = (hi >= -RATE_MAX) & (lo <= RATE_MAX)
        lows.append(lo[inside])
        highs.append(hi[inside])
    starts, ends = np.sort(np.concatenate(lows)), np.sort(np.concatenate(highs))
    if starts.size == 0:
        return None
    # at each start: the intervals begun by then less those already ended
    support = np.arange(1, starts.size + 1) - np.searchsorted(ends, starts, side="left")
    k = int(np.argmax(support))
    if support[k] < RATE_MIN_VOTES:
        return None
    # the middle of the stretch of rates where that many agree
    end = ends[np.searchsorted(ends, starts[k], side="left")]
    return float(np.clip((starts[k] + end) / 2, -RATE_MAX, RATE_MAX))


def _phase_apart(pa: npt.ArrayLike, pb: npt.ArrayLike, frame: float) -> np.ndarray:
    """How far apart two phases (s into the frame, or arrays of them) are
    around the frame's circle: 0 to frame / 2."""
    d = np.abs(np.asarray(pa) - np.asarray(pb)) % frame
    return np.minimum(d, frame - d)


def one_per_source(tops: list[Component], groups: dict[int, int]) -> list[Component]:
    """The tops, without those whose frame timing makes them the same source
    as a louder one (kept in the order given)."""
    taken: set[int] = set()
    keep: set[int] = set()
    for c in sorted(tops, key=lambda c: -c.level_dbm):
        g = groups.get(id(c))
        if g is not None and g in taken:
            continue
        if g is not None:
            taken.add(g)
        keep.add(id(c))
    return [c for c in tops if id(c) in keep]


def _slack(pa: float, pb: float, frame: float, dt: float) -> float:
    """How far apart two phases (s into the frame) dt seconds apart are beyond
    what one source's can be: PHASE_TOLERANCE_S plus the clocks' drift over dt
    (<= 0: they agree)."""
    return float(_phase_apart(pa, pb, frame)) - (PHASE_TOLERANCE_S + CLOCK_DRIFT * dt)


def _agree(pa: float, pb: float, frame: float, dt: float) -> bool:
    """Two phases dt seconds apart can be one source's (_slack <= 0)."""
    return _slack(pa, pb, frame, dt) <= 0.0


Chain = list[tuple[Component, float]]  # a source's components with their phases


def _together(a: Chain, b: Chain) -> bool:
    """Heard in one window: at two phases at once, two transmitters."""
    windows = {c.window_start_s for c, _ in a}
    return any(c.window_start_s in windows for c, _ in b)


def _chain_slack(a: Chain, b: Chain) -> float:
    """_slack of two chains' members nearest in time. A chain breaks where its
    source was not heard apart for LINK_S; the longer the break, the more the
    clocks may have drifted, and the readier two chains are to be taken for one."""
    (ca, pa), (cb, pb) = min(
        ((x, y) for x in a for y in b), key=lambda xy: abs(xy[0][0].time_s - xy[1][0].time_s)
    )
    return _slack(pa, pb, TIMED_FRAMES_S[ca.cls], abs(cb.time_s - ca.time_s))


def _claim(chains: list[Chain], into: list[Chain]) -> list[Chain]:
    """Moves into `into`, most surely first, every chain of `chains` that can
    be one source with a chain there (_chain_slack <= 0) and was never heard
    together with any there (_together). Returns the chains left."""
    left = list(chains)
    while True:
        best: tuple[float, Chain] | None = None
        for chain in left:
            if any(_together(chain, m) for m in into):
                continue
            slack = min((_chain_slack(chain, m) for m in into), default=np.inf)
            if slack <= 0.0 and (best is None or slack < best[0]):
                best = (slack, chain)
        if best is None:
            return left
        into.append(best[1])
        left = [chain for chain in left if chain is not best[1]]


def clock_slots(a: Chain, b: Chain) -> int | None:
    """How many DECT slots (0-23) `b`'s train sits after `a`'s when the two
    keep one clock, else None: heard at once in ONE_CLOCK_MIN_WINDOWS windows
    or more (each window once, at its loudest component) over
    ONE_CLOCK_SPAN_S or more, their phase offset within
    ONE_CLOCK_SLOT_TOLERANCE_S of a whole number of slots, and a line fitted
    to that offset over time (unwrapped on the frame) good to ONE_CLOCK_PPM
    (its standard error) and drifting no more than that, or than two
    standard errors."""
    if not a or not b or a[0][0].cls != "dect" or b[0][0].cls != "dect":
        return None
    frame = DECT_FRAME_S
    at_a, at_b = _by_window(a), _by_window(b)
    t = np.array(sorted(set(at_a) & set(at_b)))
    if t.size < ONE_CLOCK_MIN_WINDOWS or t[-1] - t[0] < ONE_CLOCK_SPAN_S:
        return None
    offsets = np.unwrap([(at_b[w] - at_a[w]) % frame for w in t], period=frame)
    (drift, start), residuals, *_ = np.polyfit(t, offsets, 1, full=True)
    spread = float(np.sqrt(residuals[0] / (t.size - 2))) if residuals.size else 0.0
    error = spread / float(np.sqrt(np.sum((t - t.mean()) ** 2)))
    slots = float(np.mean(offsets) % frame) / DECT_SLOT_S
    whole = round(slots) % SLOTS_PER_FRAME
    if (
        error > ONE_CLOCK_PPM * 1e-6
        or abs(drift) > max(ONE_CLOCK_PPM * 1e-6, 2 * error)
        or abs(slots - round(slots)) * DECT_SLOT_S > ONE_CLOCK_SLOT_TOLERANCE_S
    ):
        return None
    return int(whole)


def _by_window(chain: Chain) -> dict[float, float]:
    """A chain's phase in each window it was heard in, from its loudest
    component there."""
    loudest: dict[float, tuple[float, float]] = {}
    for c, p in chain:
        if c.window_start_s not in loudest or c.level_dbm > loudest[c.window_start_s][0]:
            loudest[c.window_start_s] = (c.level_dbm, p)
    return {w: p for w, (_, p) in loudest.items()}


def _in_half_frame(slots: list[int]) -> bool:
    """The slot positions (0-23) fit in one half of the frame: a base sends
    in one half only, its handsets in the other."""
    ring = sorted(set(s % SLOTS_PER_FRAME for s in slots))
    gaps = np.diff(ring + [ring[0] + SLOTS_PER_FRAME])
    return bool(SLOTS_PER_FRAME - int(gaps.max()) < HALF_FRAME_SLOTS)


def one_device(chains: list[Chain]) -> list[int]:
    """Which device each chain is, as an index into `chains` (its first
    chain's): chains that keep one clock (clock_slots) are one DECT base's
    bearers, joined whatever the order they come in, as long as every
    device's slots fit in one half of the frame (a handset, in the other
    half, is a device of its own however it sits against the base's dummy
    bearer)."""
    device = list(range(len(chains)))
    slot = [0] * len(chains)  # slots after the device's first chain
    for i in range(len(chains)):
        for j in range(i + 1, len(chains)):
            if device[i] == device[j]:
                continue
            k = clock_slots(chains[i], chains[j])
            if k is None:
                continue
            shift = slot[i] + k - slot[j]
            mine = [n for n in range(len(chains)) if device[n] == device[i]]
            theirs = [n for n in range(len(chains)) if device[n] == device[j]]
            if not _in_half_frame([slot[n] for n in mine] + [slot[n] + shift for n in theirs]):
                continue
            for n in theirs:
                device[n], slot[n] = device[i], slot[n] + shift
    return device


def _chains(
    comps: list[Component], groups: dict[int, int], phases: dict[int, float]
) -> dict[int, Chain]:
    """Each group's chain: its components with their phases."""
    chains: dict[int, Chain] = {}
    for c in comps:
        if id(c) in groups and id(c) in phases:
            chains.setdefault(groups[id(c)], []).append((c, phases[id(c)]))
    return chains


def one_device_groups(
    comps: list[Component], groups: dict[int, int], phases: dict[int, float]
) -> dict[int, int]:
    """`groups` (same_source_groups) with the groups that are one DECT base's
    bearers (one_device) mapped to one: a source per device, as
    one_per_source takes them."""
    chains = _chains(comps, groups, phases)
    order = sorted(chains)
    device = one_device([chains[g] for g in order])
    rep = {g: order[d] for g, d in zip(order, device)}
    return {k: rep.get(g, g) for k, g in groups.items()}


def sources_beside(
    of_class: list[Component],
    chosen: list[Component],
    groups: dict[int, int],
    phases: dict[int, float] | None = None,
) -> list[dict[int, Component]]:
    """Sources of a timed kind that none of the chosen components is, each as
    its loudest component per stretch (stretch -> component), loudest source
    first: those heard, in a window at the stretch where they are loudest, at
    the same time as a chosen source at another phase of the frame. Two phases
    at once are two transmitters (phases.phase_trains), so such a source is no
    piece of a chosen one; it was only beneath a louder device of its kind, or
    at its level at the same stop. A bearer or slot handover moves one device
    to another phase, but never has it at two at once.

    First every chain that can be a chosen source's is set aside as that
    source's (_claim: never heard together with it, and agreeing in phase,
    _chain_slack); then the chains left that can be one source are joined the
    same way; and a chain heard alike in every window it shares with a chosen
    source is that device in a second slot (ONE_DEVICE_DB). `phases`:
    frame_phases of `of_class`, worked out here when not given."""
    phases = frame_phases(of_class) if phases is None else phases
    chains = _chains(of_class, groups, phases)
    taken = {groups[id(c)] for c in chosen if id(c) in groups}
    for top in chosen:
        if id(top) not in groups:  # no clear phase: its chains at its stop, at its level
            taken |= {
                g
                for g, chain in chains.items()
                if any(
                    c.stretch == top.stretch and abs(c.level_dbm - top.level_dbm) < ONE_DEVICE_DB
                    for c, _ in chain
                )
            }
    mine = [chains[g] for g in taken if g in chains]
    rest = _claim([chain for g, chain in chains.items() if g not in taken], mine)
    joined: list[Chain] = []  # the sources left, each of the chains one can be
    for chain in sorted(rest, key=lambda ch: min(c.time_s for c, _ in ch)):
        fits = [
            (slack, k)
            for k, j in enumerate(joined)
            if not _together(chain, j) and (slack := _chain_slack(chain, j)) <= 0.0
        ]
        if fits:
            joined[min(fits)[1]].extend(chain)
        else:
            joined.append(list(chain))
    chosen_windows: dict[float, list[Component]] = {}
    for chain in mine:
        for m, _ in chain:
            chosen_windows.setdefault(m.window_start_s, []).append(m)
    # a DECT base's other bearer is no source of its own (one_device)
    device = one_device(mine + joined)
    theirs = set(device[: len(mine)])
    out = []
    for k, chain in enumerate(joined):
        if device[len(mine) + k] in theirs:
            continue
        best = loudest_per_stretch([c for c, _ in chain])
        top = max(best.values(), key=lambda c: c.level_dbm)
        if not any(
            c.stretch == top.stretch and c.window_start_s in chosen_windows for c, _ in chain
        ):
            continue
        apart = [
            abs(c.level_dbm - m.level_dbm)
            for c, _ in chain
            for m in chosen_windows.get(c.window_start_s, [])
        ]
        if max(apart) < ONE_DEVICE_DB:
            continue  # that device in a second slot
        out.append(best)
    out.sort(key=lambda best: -max(c.level_dbm for c in best.values()))
    return out
