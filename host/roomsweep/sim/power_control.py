"""Uplink power control of phones and bugs: how the level of a GSM or LTE
transmitter changes while it transmits (the ``pc_range_db`` parameter of the
``gsm`` and ``lte`` kinds). signals.py multiplies the kind's on/off envelope by
these gains; without ``pc_range_db`` there are none (the classic behaviour).
"""

from __future__ import annotations

import numpy as np

_SEED_POWER = 7  # second word of the seeds (signals.py uses 1-6)
_INDEX_OFFSET = 1 << 40  # indices can be negative; seeds cannot


def _rng(*words: int) -> np.random.Generator:
    return np.random.default_rng([int(w) for w in words])


class PowerWalk:
    """GSM uplink power control (3GPP TS 45.008 clause 4.7, TS 45.005 clause 4.1.1):
    the network commands the handset's power control level once per SACCH period
    (480 ms, pc_period_ms) and the level moves in 2 dB steps, between the class
    maximum (eirp_dbm) and pc_range_db below it (GSM900 5-33 dBm, DCS1800
    0-30 dBm). A stationary bug's level wanders with the fading of its uplink: each
    period a step down, none or up (1/4, 1/2, 1/4) [judgement], starting at a random
    level in the range. Drawn in groups of _GROUP periods, each seeded, and kept."""

    _GROUP = 256
    _START = -4  # first period index (times just before 0 are asked for)

    def __init__(self, period_s: float, range_db: float, words: tuple[int, ...]):
        self.words = words
        self.period_s = float(period_s)
        self.top = int(float(range_db) // 2)
        start = _rng(words[0], _SEED_POWER, words[1], 0).integers(0, self.top + 1)
        self._levels = np.array([int(start)], dtype=np.int64)
        self._groups = 0

    def _extend(self, n: int) -> None:
        parts, last = [self._levels], int(self._levels[-1])
        size = self._levels.size
        while size < n:
            self._groups += 1
            rng = _rng(self.words[0], _SEED_POWER, self.words[1], self._groups)
            steps = rng.choice((-1, 0, 0, 1), self._GROUP)
            out = np.empty(self._GROUP, dtype=np.int64)
            for i, st in enumerate(steps):
                last = min(max(last + int(st), 0), self.top)
                out[i] = last
            parts.append(out)
            size += self._GROUP
        self._levels = np.concatenate(parts)

    def gain_db(self, t) -> np.ndarray:
        k = np.floor(np.asarray(t, dtype=float) / self.period_s).astype(np.int64) - self._START
        k = np.maximum(k, 0)
        if k.size:
            self._extend(int(k.max()) + 1)
        return -2.0 * self._levels[k]


class SubframePower:
    """LTE PUSCH power per subframe (3GPP TS 36.213 clause 5.1.1.1): P = min(Pcmax,
    10 log10(M_PUSCH) + P0 + alpha PL + delta_TF + f): the allocation size M (1-100
    resource blocks at 20 MHz, 20 dB) and the transport format change from subframe
    to subframe, so each scheduled subframe is sent at eirp_dbm - U(0, spread_db), and
    never above the class maximum (TS 36.101: 23 dBm class 3, down to -40 dBm minimum
    output power). Drawn in seeded groups of _GROUP subframes."""

    _GROUP = 1024

    def __init__(self, spread_db: float, phase_s: float, period_s: float, words):
        self.spread = float(spread_db)
        self.phase = float(phase_s)
        self.period_s = float(period_s)
        self.words = words
        self._groups: dict[int, np.ndarray] = {}

    def gain_db(self, t) -> np.ndarray:
        m = np.floor((np.asarray(t, dtype=float) - self.phase) / self.period_s).astype(np.int64)
        g = np.empty(m.shape)
        groups = np.floor_divide(m, self._GROUP)
        for grp in np.unique(groups):
            u = self._groups.get(int(grp))
            if u is None:
                rng = _rng(self.words[0], _SEED_POWER, self.words[1], int(grp) + _INDEX_OFFSET)
                u = -rng.uniform(0.0, self.spread, self._GROUP)
                if len(self._groups) > 64:
                    self._groups.clear()
                self._groups[int(grp)] = u
            sel = groups == grp
            g[sel] = u[m[sel] - grp * self._GROUP]
        return g
