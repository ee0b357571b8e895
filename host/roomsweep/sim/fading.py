"""Small-scale multipath fading: an emitter's optional ``fading_k_db``.

Without it (the classic scenarios) the received power follows the log-distance
law smoothly. With it, the field at the device is a line-of-sight wave plus
DIFFUSE_PATHS scattered plane waves (Rician with factor K = ``fading_k_db``; K of
-30 dB or less is Rayleigh, no line of sight), each scattered wave arriving from a
random direction after a random excess delay drawn from an exponential profile
with the room's delay spread (``[room] delay_spread_ns``, default 20 ns). The power
gain, averaged over the emitter's occupied bandwidth (``bandwidth_mhz``, default per
kind: a wideband signal fades less than a narrowband one), multiplies the mean
received power; its spatial mean is 1 (0 dB). So the level changes over a few
centimetres as the device moves (half a wavelength: 6 cm at 2.4 GHz) and stays put
while it is held still at a stop, where it may sit in a fade or on a peak.

Sources: 3GPP TR 38.901 V16 Table 7.5-6 (indoor hotspot): LOS Ricean K 7 dB
(sigma 4 dB); delay spread lgDS = -0.01 log10(1 + fc) - 7.692 (LOS, ~20 ns) and
-0.28 log10(1 + fc) - 7.173 (NLOS, ~48 ns at 2.4 GHz), fc in GHz; the sum-of-
sinusoids construction is Clarke's / Jakes' model (W. C. Jakes, Microwave Mobile
Communications, 1974). The frequency averaging treats the detector as a power
meter over the whole signal (a log detector responds to the total input power).
"""

from __future__ import annotations

import math

import numpy as np

from roomsweep.sim.tomlcheck import Bad, number

C_M_S = 299_792_458.0
DIFFUSE_PATHS = 24  # scattered plane waves [judgement: enough for Rayleigh statistics]
MAX_SUBBANDS = 8  # frequency points averaged across the bandwidth
DEFAULT_DELAY_SPREAD_NS = 20.0  # 3GPP TR 38.901 InH LOS at 2.4 GHz (above)
# occupied bandwidth per kind (MHz) [std]: GSM 200 kHz (3GPP TS 45.005); DECT
# 1.728 MHz carriers (ETSI EN 300 175-2); Wi-Fi 20 MHz channels (IEEE 802.11);
# BLE 2 MHz channels, Bluetooth classic hopping over 79 x 1 MHz (Bluetooth Core
# spec: averaged over the hops the detector sees); LTE uplink allocation, 10 MHz
# [judgement, of a 20 MHz carrier]; analog FM video ~20 MHz [judgement].
DEFAULT_BANDWIDTH_MHZ = {
    "gsm": 0.2,
    "dect": 1.728,
    "wifi_ap": 20.0,
    "wifi_camera": 20.0,
    "ble": 2.0,
    "bt_classic": 79.0,
    "lte": 10.0,
    "analog_video": 20.0,
}


class MultipathField:
    """The fading power gain (dB) of one emitter at device positions."""

    def __init__(
        self,
        position,
        band_mhz: float,
        bandwidth_mhz: float,
        k_db: float,
        delay_spread_s: float,
        rng: np.random.Generator,
    ):
        self.position = np.asarray(position, dtype=float)
        k = 10.0 ** (k_db / 10.0)
        self.a_los = math.sqrt(k / (k + 1.0))
        self.a_diffuse = math.sqrt(1.0 / (k + 1.0) / DIFFUSE_PATHS)
        u = rng.normal(size=(DIFFUSE_PATHS, 3))
        self.u = u / np.linalg.norm(u, axis=1, keepdims=True)
        self.excess_m = rng.exponential(delay_spread_s, DIFFUSE_PATHS) * C_M_S
        self.phi = rng.uniform(0.0, 2.0 * math.pi, DIFFUSE_PATHS)
        # about one frequency point per coherence bandwidth (~ 1 / (5 x delay spread))
        coherence_hz = 1.0 / (5.0 * max(delay_spread_s, 1e-10))
        n = int(min(MAX_SUBBANDS, max(1, math.ceil(bandwidth_mhz * 1e6 / coherence_hz) + 1)))
        offsets = (np.arange(n) / max(n - 1, 1) - 0.5) * bandwidth_mhz * 1e6 if n > 1 else [0.0]
        self.k = 2.0 * math.pi * (band_mhz * 1e6 + np.asarray(offsets, dtype=float)) / C_M_S

    def gain_db(self, positions: np.ndarray) -> np.ndarray:
        p = np.asarray(positions, dtype=float).reshape(-1, 3)
        # the device is still for most of a sweep (dwells): each position once
        p, back = np.unique(p, axis=0, return_inverse=True)
        return self._gain_db(p)[back.reshape(-1)]

    def _gain_db(self, p: np.ndarray) -> np.ndarray:
        d = np.linalg.norm(p - self.position, axis=1)  # (n,)
        path = self.excess_m[None, :] + p @ self.u.T  # (n, paths)
        power = np.zeros(p.shape[0])
        for k in self.k:
            field = self.a_los * np.exp(-1j * k * d) + self.a_diffuse * np.sum(
                np.exp(-1j * (k * path + self.phi[None, :])), axis=1
            )
            power += np.abs(field) ** 2
        power /= len(self.k)
        return 10.0 * np.log10(np.maximum(power, 1e-4))  # fades deeper than 40 dB: 40 dB


def parse_fading(em: dict, where: str) -> tuple[float | None, float | None]:
    """An emitter's ``fading_k_db`` (-40..40) and ``bandwidth_mhz`` (0.01..200)."""
    fading = bandwidth = None
    if "fading_k_db" in em:
        fading = number(em, "fading_k_db", where)
        if not -40.0 <= fading <= 40.0:
            raise Bad(f"{where}: fading_k_db must be in -40..40, not {fading:g}")
    if "bandwidth_mhz" in em:
        bandwidth = number(em, "bandwidth_mhz", where)
        if not 0.01 <= bandwidth <= 200.0:
            raise Bad(f"{where}: bandwidth_mhz must be in 0.01..200, not {bandwidth:g}")
    return fading, bandwidth


def parse_delay_spread(room: dict) -> float | None:
    """``[room] delay_spread_ns`` (1..500), or None."""
    if "delay_spread_ns" not in room:
        return None
    ds = number(room, "delay_spread_ns", "[room]")
    if not 1.0 <= ds <= 500.0:
        raise Bad(f"[room] delay_spread_ns must be in 1..500, not {ds:g}")
    return ds
