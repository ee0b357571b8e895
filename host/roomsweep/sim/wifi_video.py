"""The video-frame model of a Wi-Fi camera (a ``wifi_camera`` emitter with
``phy_mbps``): the allowed ranges of its parameters, their defaults, the IEEE
802.11 timing, and the bursts of one video frame (`VideoStream`), which the burst
process in signals.py (``_WifiVideo``) draws frame by frame.
"""

from __future__ import annotations

import math

import numpy as np

from roomsweep.sim.tomlcheck import Bad

# IEEE 802.11-2016 timing, 2.4 GHz ERP-OFDM / HT: SIFS 10 us, short slot 9 us,
# AIFS[AC_BE] = SIFS + 3 slots, CWmin 15; legacy OFDM preamble + SIGNAL 20 us, an
# HT-mixed preamble 20 us legacy part + HT-SIG 8 us + HT-STF 4 us + 4 us per HT-LTF
# (36-40 us); an ACK (14 bytes) or compressed BlockAck (32 bytes) at a 24 Mb/s basic
# rate lasts 28 or 32 us; an HT-mixed PPDU lasts at most 5.484 ms (its L-SIG length
# limit, aPPDUMaxTime of the legacy part).
WIFI_SIFS_S = 10e-6
WIFI_SLOT_S = 9e-6
WIFI_AIFS_BE_S = WIFI_SIFS_S + 3 * WIFI_SLOT_S
WIFI_CW_MIN = 15
WIFI_LEGACY_PREAMBLE_S = 20e-6
WIFI_HT_PREAMBLE_S = 40e-6
WIFI_ACK_S, WIFI_BLOCK_ACK_S = 28e-6, 32e-6
WIFI_PPDU_MAX_S = 5.484e-3
WIFI_MPDU_OVERHEAD_BYTES = 60  # MAC header, FCS, delimiter, IP/UDP/RTP headers [derived]
VIDEO_SIZE_SIGMA = 0.35  # log-normal spread of frame sizes around the GOP pattern [judgement]
VIDEO_SIZE_CLIP = (0.3, 3.0)  # [judgement]
VIDEO_JITTER_S = 3e-3  # capture-to-send delay spread [judgement]
VIDEO_RETRY_P = 0.1  # a PPDU is sent again (no BlockAck) with this probability [judgement]


# The video-frame model of a wifi_camera (signals._WifiVideo): allowed ranges, and
# the defaults of its keys when phy_mbps is given.
VIDEO_DEFAULTS = {
    "bitrate_kbps": 2000.0,
    "fps": 15.0,
    "gop_s": 2.0,
    "iframe_x": 4.0,
    "ampdu_mpdus": 1.0,
    "mpdu_bytes": 1500.0,
}
_VIDEO_RANGES = {
    "phy_mbps": (1.0, 600.0),
    "bitrate_kbps": (10.0, 20000.0),
    "fps": (1.0, 60.0),
    "gop_s": (0.1, 10.0),
    "iframe_x": (1.0, 20.0),
    "ampdu_mpdus": (1.0, 64.0),
    "mpdu_bytes": (100.0, 2304.0),
}


def check_video(out: dict, where: str) -> None:
    keys = [k for k in _VIDEO_RANGES if k != "phy_mbps" and k in out]
    if "phy_mbps" not in out:
        if keys:
            raise Bad(f"{where}: wifi_camera {keys[0]} needs phy_mbps")
        return
    for key, (lo, hi) in _VIDEO_RANGES.items():
        value = float(out[key] if key in out else VIDEO_DEFAULTS[key])
        if not lo <= value <= hi:
            raise Bad(f"{where}: wifi_camera {key} must be in {lo:g}..{hi:g}, not {value:g}")
    if out.get("ampdu_mpdus", 1) != int(out.get("ampdu_mpdus", 1)):
        raise Bad(f"{where}: wifi_camera ampdu_mpdus must be a whole number")


class VideoStream:
    """A camera streaming video frame by frame.

    Frames every 1/fps s; every gop_s an I-frame iframe_x times the size of the
    P-frames between, the average rate bitrate_kbps, each frame's size drawn
    log-normally around that pattern (the scene). A frame leaves as soon as it is
    encoded, its packets back to back: PPDUs of up to ampdu_mpdus MPDUs of
    mpdu_bytes (A-MPDU aggregation; 1 = none, legacy 802.11g), each lasting its
    preamble plus bytes x 8 / phy_mbps, separated by SIFS, the receiver's (Block)Ack
    (transmitted by the access point, elsewhere: not part of this envelope), AIFS and
    a random backoff of 0..CWmin slots; now and then a PPDU is sent twice. So the
    burst widths follow the PHY rate and aggregation, and the bursts cluster at the
    frame rate, as in captured camera traffic (DeWiCam, MobiSys 2018; the NESL
    hidden-camera traces, issue 14). Frames that overlap the previous frame's cluster
    merge with it (the queue is not modelled).
    """

    def __init__(self, p: dict):
        v = {k: float(p.get(k, d)) for k, d in VIDEO_DEFAULTS.items()}
        self.phy_bps = float(p["phy_mbps"]) * 1e6
        self.period_s = 1.0 / v["fps"]
        self.gop = max(1, round(v["gop_s"] * v["fps"]))
        avg = v["bitrate_kbps"] * 1000.0 / 8.0 / v["fps"]
        self.p_bytes = avg * self.gop / (v["iframe_x"] + self.gop - 1)
        self.i_bytes = self.p_bytes * v["iframe_x"]
        self.mpdus = int(v["ampdu_mpdus"])
        self.mpdu_bytes = v["mpdu_bytes"]
        self.preamble = WIFI_HT_PREAMBLE_S if self.mpdus > 1 else WIFI_LEGACY_PREAMBLE_S
        self.ack = WIFI_BLOCK_ACK_S if self.mpdus > 1 else WIFI_ACK_S
        mpdu_s = self.mpdu_bytes * 8.0 / self.phy_bps
        self.per_ppdu = max(1, min(self.mpdus, int((WIFI_PPDU_MAX_S - self.preamble) / mpdu_s)))
        gap_max = WIFI_SIFS_S + self.ack + WIFI_AIFS_BE_S + WIFI_CW_MIN * WIFI_SLOT_S
        n_max = math.ceil(self.i_bytes * VIDEO_SIZE_CLIP[1] / self._payload())
        ppdus = math.ceil(n_max / self.per_ppdu)
        ppdu_max = self.preamble + self.per_ppdu * mpdu_s
        # the longest a frame's cluster can last: every PPDU sent twice
        self.reach_s = VIDEO_JITTER_S + 2 * ppdus * (ppdu_max + gap_max)

    def _payload(self) -> float:
        return self.mpdu_bytes - WIFI_MPDU_OVERHEAD_BYTES

    def frame_bursts(
        self, rng: np.random.Generator, n: int, phase_s: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(starts, ends) of the bursts carrying video frame `n`."""
        base = self.i_bytes if n % self.gop == 0 else self.p_bytes
        size = base * float(np.clip(rng.lognormal(0.0, VIDEO_SIZE_SIGMA), *VIDEO_SIZE_CLIP))
        n_mpdu = max(1, math.ceil(size / self._payload()))
        counts = [self.per_ppdu] * (n_mpdu // self.per_ppdu)
        if n_mpdu % self.per_ppdu:
            counts.append(n_mpdu % self.per_ppdu)
        retry = rng.random(len(counts)) < VIDEO_RETRY_P
        counts = [c for c, r in zip(counts, retry) for _ in range(2 if r else 1)]
        durs = self.preamble + np.asarray(counts) * self.mpdu_bytes * 8.0 / self.phy_bps
        gaps = (
            WIFI_SIFS_S
            + self.ack
            + WIFI_AIFS_BE_S
            + rng.integers(0, WIFI_CW_MIN + 1, len(counts)) * WIFI_SLOT_S
        )
        t0 = phase_s + n * self.period_s + rng.uniform(0.0, VIDEO_JITTER_S)
        starts = t0 + np.concatenate(([0.0], np.cumsum(durs + gaps)[:-1]))
        return starts, starts + durs
