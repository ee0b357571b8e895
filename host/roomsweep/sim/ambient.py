"""Room light on the lens finder's photodiode, and the receiver that copes with it.

The device's receiver (hardware/README.md, "Photodiode and TIA, with a DC servo
for daylight"): a BP104FS photodiode (870-1050 nm daylight-blocking filter) behind
an 8 mm collecting lens and a 940 nm band-pass (F1, 915-965 nm), into a 22 Mohm
transimpedance amplifier biased at 1.34 V, read on the chip's ADC law, with a DC
servo (integrator + PNP current source) that takes the slow part of the
photocurrent away before it reaches the feedback resistor. Here:

- `Lighting`: the room's light, one of LIGHTING_KINDS, with photocurrents derived
  from published irradiance figures (below, each with its source);
- `ambient_current`: the ambient photocurrent at times t, given where the device
  is and where its receiver points (a lamp or a sunlit window is only bright
  while it is in the receiver's field of view);
- `ServoFrontEnd`: what the ADC reads with every LED off: the bias plus 22 Mohm
  times what the servo leaves of the ambient current (a first-order high-pass at
  SERVO_CORNER_HZ, limited to SERVO_MAX_A of ambient it can null), the noise of
  the ambient current and of the servo, clipped by the op-amp's rails and the ADC.
  The LEDs' own mean is nulled by the same servo: the simulated board subtracts
  each lit group's mean (sim/mpboard/board.py, fast path: sim/leddrive.py).

Sources: "ref §3" is docs/sources.md section 3. [derived] marks a number worked
out from cited ones, [design] a choice of this device (hardware/README.md),
[estimate] a published range narrowed by judgement, [assumed] a plausible value
without a source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import lfilter
from scipy.special import ndtr

from roomsweep.protocol import device_defaults as D
from roomsweep.sim.unit import VREF_NOMINAL_MV, esp_idf_counts

# --- the receiver ([design], hardware/README.md; bom.csv) --------------------------

# BP104FS behind an 8 mm collecting lens whose field of view matches the LED fan.
RX_AREA_M2 = 50e-6  # pi (4 mm)^2 [design]
# Photodiode responsivity: Siemens BP104F 0.70 A/W at 950 nm (ref §3); Vishay
# BP104 (doc. 81500) 45 uA at 1 mW/cm^2, 950 nm over 7.5 mm^2 = 0.60 A/W; the
# issue quotes 34 uA per mW/cm^2 for the BP104FS (0.45 A/W [unconf.]). 0.65 A/W
# [estimate], a little less at 940 nm than at 950.
RESPONSIVITY_A_W = 0.65
# Receiver field of view: the LED fan's Gaussian, half-intensity at +-5 deg pan and
# +-10 deg tilt (sim/optics.py BEAM_HALF_DEG_*), so its solid angle weighted by
# sensitivity is pi s_p s_t / ln 2 = 0.069 sr [derived].
RX_HALF_DEG_PAN = 5.0
RX_HALF_DEG_TILT = 10.0
RX_SOLID_ANGLE_SR = (
    math.pi * math.radians(RX_HALF_DEG_PAN) * math.radians(RX_HALF_DEG_TILT) / math.log(2.0)
)
# TIA (MCP6001, U4): 22 Mohm || 0.68 pF [design]. 22 Mohm (E24) rather than the
# first design's 20: that gain was chosen in counts of the nominal 3.1 V line
# (1321 counts/V); the chip converts at 1241 counts/V (ADC_COUNTS_PER_V below), so
# 20 Mohm left every LED return 6 % smaller against the ADC's count noise, the
# noise that limits a lens in the dark. 22 Mohm x 1241 = 27.3 counts/nA, 3 % above
# the first design's 26.4 (docs/benchmarks.md, "Lens finder by lighting").
TIA_OHM = 22e6
TIA_FEEDBACK_F = 0.68e-12
TIA_BANDWIDTH_HZ = 1 / (2 * math.pi * TIA_OHM * TIA_FEEDBACK_F)  # 10.6 kHz [derived]
# Bias: 100 k / 68 k from 3.3 V [design] = 1.34 V, the middle of the ADC's linear
# 0.15-2.45 V (ref §2): the LED returns swing both ways around it, about equally,
# so the firmware's drive rule, which watches the top (firmware/lens.py), dims
# before the bottom clips (with 56 k, 1.18 V, the bottom clipped first).
RAIL_V = 3.3
TIA_BIAS_V = RAIL_V * 68.0 / (100.0 + 68.0)
TIA_OFFSET_V = TIA_BIAS_V  # the ADC's reading with no light at all
# After the TIA the same 1 kohm / 39 nF RC as the RF channel (4.08 kHz) [design].
RC_CORNER_HZ = 1.0 / (2 * math.pi * 1e3 * 39e-9)
# Noise bandwidth of the two single poles in cascade: (pi / 2) f1 f2 / (f1 + f2)
# [derived]: 4.75 kHz. The ADC samples it at 8 kS/s, so each sample carries all of it.
NOISE_BANDWIDTH_HZ = (
    math.pi / 2 * TIA_BANDWIDTH_HZ * RC_CORNER_HZ / (TIA_BANDWIDTH_HZ + RC_CORNER_HZ)
)
# DC servo (U11 MCP6001 integrator R 1 Mohm, C 1 uF; Q5 MMBT3906, emitter 10 kohm
# to 3.3 V) [design]: loop corner R_f / (2 pi R_i C_i R_e) = 350 Hz. Below it
# ambient light is nulled, above it the TIA sees it (100 Hz: -11 dB).
SERVO_R_I_OHM = 1e6
SERVO_C_I_F = 1e-6
SERVO_R_E_OHM = 10e3
SERVO_CORNER_HZ = TIA_OHM / (2 * math.pi * SERVO_R_I_OHM * SERVO_C_I_F * SERVO_R_E_OHM)
# The most the PNP can source: its collector sits at the summing node (the bias),
# its emitter must stay V_CE(sat) above it (~0.2 V at a fraction of a mA: onsemi
# MMBT3906 datasheet, 0.25 V max at 10 mA) -> (3.3 - 1.34 - 0.2) V / 10 kohm
# = 176 uA [derived]. Beyond it the rest flows through the 22 Mohm: the TIA rails.
VCE_SAT_V = 0.2
SERVO_MAX_A = (RAIL_V - TIA_BIAS_V - VCE_SAT_V) / SERVO_R_E_OHM
# Servo noise: the PNP's collector shot noise 2 q I_c (equal to the ambient's own,
# since it carries the same current), and the integrator's voltage noise (MCP6001
# 28 nV/rtHz at 1 kHz, Microchip DS21733) with R_e's thermal noise, turned into a
# current by the degenerated PNP: e / (R_e + V_T / I_c). Dark: the PNP is off and
# adds nothing. The TIA's own op-amp noise (x ~8 noise gain over the 48 pF
# photodiode, ref §3) and R_f's thermal noise are < 1 % of this and left out.
ELECTRON_C = 1.602e-19
KT_J = 1.381e-23 * 300.0
OPAMP_NOISE_V_RTHZ = 28e-9
THERMAL_VT_V = 0.0259
SERVO_E_NOISE_V2 = OPAMP_NOISE_V_RTHZ**2 + 4 * KT_J * SERVO_R_E_OHM
# ADC: ATTN_11DB on the chip's own characteristic, the law the RF channel converts
# on (sim/unit.py esp_idf_counts: ESP-IDF's line through 142 mV at 0.8056335 mV per
# count below count 2880, its two-point table above; firmware/defaults.py
# CALIBRATION). The LED returns, added in counts on top of the base by the board,
# use the line's slope: 1241 counts per volt [derived].
ADC_OFFSET_V = float(D.CALIBRATION["adc_offset_mv"]) / 1000  # type: ignore[arg-type]
ADC_COUNTS_PER_V = 1000 / float(D.CALIBRATION["adc_mv_per_count"])  # type: ignore[arg-type]
ADC_NOISE_LSB = 2  # as the RF channel: uniform -2..+2 counts [assumed]


def noise_a_rthz(ambient_a, servo_a) -> np.ndarray:
    """Current noise density (A/rtHz) at the summing node: the photodiode's shot
    noise on the ambient current, the servo's on the current it sinks, and the
    servo's voltage noise through the PNP (module constants)."""
    amb = np.maximum(np.asarray(ambient_a, dtype=float), 0.0)
    ic = np.maximum(np.asarray(servo_a, dtype=float), 0.0)
    shot = 2 * ELECTRON_C * (amb + ic)
    with np.errstate(divide="ignore"):
        r = SERVO_R_E_OHM + np.where(ic > 0, THERMAL_VT_V / np.maximum(ic, 1e-30), np.inf)
    return np.sqrt(shot + SERVO_E_NOISE_V2 / r**2)


# --- the room's light -------------------------------------------------------------------

# The optical band-pass in front of the collecting lens (F1, hardware/README.md
# "Photodiode and TIA"): a hard-coated interference filter, 940 nm centre, 50 nm
# FWHM (915-965 nm), > 90 % at the centre and OD > 4 out of band (the class of
# Thorlabs' hard-coated NIR band-pass filters, 12.5 mm mounted: > 90 % at the
# design wavelength, pass regions 1-70 nm FWHM, OD > 5 from 700 to 1650 nm), so the
# BP104FS's own 870-1050 nm filter no longer sets the band. Over the receiver's
# +-10 deg the centre shifts blue by at most lambda_0 sin^2(theta) / (2 n_eff^2)
# = 3.5 nm (n_eff ~2) [derived]: the band stays on the LEDs.
RX_FILTER_PEAK_T = 0.9
RX_FILTER_BAND_NM = (915.0, 965.0)
# The LEDs' light through it: TSAL6200 940 nm, spectral bandwidth ~30 nm FWHM
# [unconf.: Vishay datasheet typical]: a Gaussian of sigma 12.7 nm has 95 % of its
# power within +-25 nm, x 0.9 = 0.86 [derived]. The ring comparison (the lens
# test) is unaffected: every ring loses the same share.
RX_FILTER_LED_T = 0.86
# Sunlight in the filter's band: the ASTM G173-03 AM1.5 global tilted spectrum
# is ~0.75 W/m^2/nm at 915-925 nm, falls into the water-vapour band to ~0.1-0.3
# at 930-955 nm and rises again to ~0.5 by 965 nm: about 20 W/m^2 over 915-965 nm
# [estimate from the G173 table], x the filter's 0.9: 18 W/m^2 (the BP104FS's
# 870-1050 nm alone let in about 120 W/m^2, ~0.9 W/m^2/nm at 870-900 nm and ~0.7 at
# 1000-1050: 6.7 x more).
SUN_IN_BAND_W_M2 = 20.0 * RX_FILTER_PEAK_T
# A sunlit window in view: the sunlit floor, wall or a white sill behind it, diffuse
# reflectance 0.5 [assumed], radiance rho E / pi, filling the receiver's field of
# view: rho E / pi x Omega_rx x A_rx x R = 6.5 uA [derived] (43 uA without F1).
SUNLIT_REFLECTANCE = 0.5
SUNLIT_UA = (
    SUNLIT_REFLECTANCE
    * SUN_IN_BAND_W_M2
    / math.pi
    * RX_SOLID_ANGLE_SR
    * RX_AREA_M2
    * RESPONSIVITY_A_W
    * 1e6
)
# A daylit room, no sun in view: walls lit at a daylight factor of 2-5 % (BS 8206-2:
# 5 % is "well daylit") of the in-band sunlight [estimate: 4 %], reflectance 0.6
# (sim/optics.py WALL_REFLECTANCE): 0.31 uA wherever the receiver points [derived]
# (2.1 uA without F1).
DAYLIGHT_FACTOR = 0.04
WALL_REFLECTANCE_DAYLIGHT = 0.6
DAYLIGHT_UA = (
    WALL_REFLECTANCE_DAYLIGHT
    * DAYLIGHT_FACTOR
    * SUN_IN_BAND_W_M2
    / math.pi
    * RX_SOLID_ANGLE_SR
    * RX_AREA_M2
    * RESPONSIVITY_A_W
    * 1e6
)
# Incandescent lamp, 60 W, 2700 K: about 90 % of the input radiated [estimate:
# gas-filled lamps lose ~10 % by conduction], of which a black body at 2700 K puts
# 10.6 % in 870-1050 nm (Planck's law, integrated) [derived], flat within about
# +-10 % per nm across it (the curve peaks at 1073 nm), so 50 / 180 of that in
# F1's 915-965 nm, x its 0.9: 2.65 % [derived]: 1.4 W in band, 0.11 W/sr. At 2 m in
# the middle of the receiver's view: 0.028 W/m^2 -> 0.93 uA [derived] (3.7 uA
# without F1); it falls as 1/d^2 and with the receiver's Gaussian off its axis.
LAMP_W = 60.0
LAMP_RADIATED = 0.9
LAMP_BAND_FRACTION = 0.106 * 50.0 / 180.0 * RX_FILTER_PEAK_T
LAMP_REF_M = 2.0
LAMP_W_SR = LAMP_W * LAMP_RADIATED * LAMP_BAND_FRACTION / (4 * math.pi)
LAMP_UA = LAMP_W_SR / LAMP_REF_M**2 * RX_AREA_M2 * RESPONSIVITY_A_W * 1e6
# The lamp-lit room around it: walls ~2 m from the lamp, reflectance 0.6 [assumed]:
# rho (I / d^2) / pi x Omega_rx x A_rx x R = 0.012 uA [derived].
LAMP_ROOM_UA = (
    WALL_REFLECTANCE_DAYLIGHT
    * LAMP_W_SR
    / LAMP_REF_M**2
    / math.pi
    * RX_SOLID_ANGLE_SR
    * RX_AREA_M2
    * RESPONSIVITY_A_W
    * 1e6
)
# Flicker of an incandescent lamp: 6-11 % "percent flicker" at 100/120 Hz in the
# visible (IEEE 1789-2015 discussions; ~10 % measured on an A19 lamp), the
# filament's heat capacity smoothing out the harmonics. In the near infrared the
# radiance varies less with temperature: d ln L / d ln T = hc / (lambda k T) is 5.6
# at 950 nm against 9.6 at 555 nm, so ~0.58 x: 5 % [derived], a sine at 2 f_mains.
LAMP_FLICKER_DEPTH = 0.05
# Mains LED or fluorescent lamps: little near-IR (a white LED's phosphor ends by
# ~780 nm) but full-wave rectified flicker (ref §3: 100/120 Hz and harmonics)
# [assumed: 0.015 uA in band].
FLICKER_UA = 0.015
FLICKER_DEPTH_DEFAULT = 1.0  # a cheap LED lamp: full-wave rectified, no smoothing

LIGHTING_KINDS = ("dark", "lamp", "daylight", "sunlit", "flicker")
# Photocurrent (uA) per kind: "lamp" with the lamp centred in view at LAMP_REF_M,
# "sunlit" with the sunlit patch filling the view, the others everywhere.
AMBIENT_DEFAULT_UA = {
    "dark": 0.0,
    "lamp": LAMP_UA,
    "daylight": DAYLIGHT_UA,
    "sunlit": SUNLIT_UA,
    "flicker": FLICKER_UA,
}
# Light everywhere else in the room (uA): the lamp's light off the walls, daylight
# in a room with a sunlit window.
ROOM_DEFAULT_UA = {
    "dark": 0.0,
    "lamp": LAMP_ROOM_UA,
    "daylight": 0.0,
    "sunlit": DAYLIGHT_UA,
    "flicker": 0.0,
}
DEPTH_DEFAULT = {"lamp": LAMP_FLICKER_DEPTH, "flicker": FLICKER_DEPTH_DEFAULT}
SUNLIT_RADIUS_DEFAULT_M = 0.6  # half the 1.2 m window (sim/optics.py CLUTTER_KINDS)
AMBIENT_MAX_UA = 1000.0  # what a scenario may ask for (the servo rails long before)


@dataclass
class Lighting:
    """The room's light. `ambient_ua`: the photocurrent of the kind's source (lamp
    centred in view at LAMP_REF_M, sunlit patch filling the view; daylight and
    flicker everywhere); `room_ua` everywhere besides; `source_m`: where the lamp
    or the sunlit patch is (None: in view all the time); `source_radius_m`: the
    sunlit patch's radius."""

    kind: str = "dark"
    mains_hz: float = 50.0
    ambient_ua: float = 0.0
    flicker_depth: float = FLICKER_DEPTH_DEFAULT
    room_ua: float = 0.0
    source_m: tuple[float, float, float] | None = None
    source_radius_m: float = SUNLIT_RADIUS_DEFAULT_M


def lighting_of(kind: str, mains_hz: float = 50.0, **kw: Any) -> Lighting:
    """A Lighting of `kind` with the cited defaults (keywords override them)."""
    args: dict[str, Any] = {
        "ambient_ua": AMBIENT_DEFAULT_UA[kind],
        "flicker_depth": DEPTH_DEFAULT.get(kind, 0.0),
        "room_ua": ROOM_DEFAULT_UA[kind],
    }
    args.update(kw)
    return Lighting(kind, mains_hz, **args)


def source_view(lighting: Lighting, positions: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """How much of the kind's source the receiver sees, 0..1 (1 when no `source_m`).

    lamp (a point): the receiver's Gaussian sensitivity towards it times
    (LAMP_REF_M / d)^2; sunlit (a patch of radius r at distance d, taken as a square
    of half-width atan(r / d)): the share of the sensitivity-weighted field of view
    it covers (product of normal-distribution integrals in pan and tilt)."""
    n = positions.shape[0]
    if lighting.source_m is None:
        return np.ones(n)
    v = np.asarray(lighting.source_m, dtype=float) - positions
    d = np.maximum(np.sqrt(np.sum(v * v, axis=-1)), 0.15)
    az = np.arctan2(v[:, 1], v[:, 0]) - yaw
    az = (az + np.pi) % (2 * np.pi) - np.pi
    el = np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1]))
    sp, st = math.radians(RX_HALF_DEG_PAN), math.radians(RX_HALF_DEG_TILT)
    if lighting.kind == "lamp":
        k = math.log(2.0)
        gain = np.exp(-k * ((az / sp) ** 2 + (el / st) ** 2))
        return gain * (LAMP_REF_M / d) ** 2
    half = np.arctan2(lighting.source_radius_m, d)
    # exp(-ln2 (x/s)^2) is a normal density of sigma s / sqrt(2 ln 2)
    sig_p, sig_t = sp / math.sqrt(2 * math.log(2.0)), st / math.sqrt(2 * math.log(2.0))
    fp = ndtr((half - az) / sig_p) - ndtr((-half - az) / sig_p)
    ft = ndtr((half - el) / sig_t) - ndtr((-half - el) / sig_t)
    return fp * ft


def ambient_current(
    lighting: Lighting,
    t_s,
    positions: np.ndarray | None = None,
    yaw: np.ndarray | None = None,
) -> np.ndarray:
    """Ambient photocurrent (A) at `t_s`: room_ua plus the kind's source as seen
    from `positions` along `yaw` (`source_view`; seen fully when they are None),
    modulated by mains flicker: an incandescent lamp's sine at 2 f_mains, depth
    flicker_depth; mains LED lamps ("flicker") full-wave rectified, mean I
    (1 + depth (pi/2 |sin(2 pi f t)| - 1)): lines at 2 f_mains and harmonics falling
    as 1 / (4k^2 - 1) (ref §3)."""
    t = np.asarray(t_s, dtype=float)
    source = lighting.ambient_ua * 1e-6
    if positions is not None and yaw is not None and lighting.source_m is not None:
        view = source_view(lighting, np.asarray(positions), np.asarray(yaw)).reshape(t.shape)
    else:
        view = np.ones(t.shape)
    current = lighting.room_ua * 1e-6 + source * view
    depth = lighting.flicker_depth
    if lighting.kind == "flicker" and depth:
        rect = np.abs(np.sin(2 * np.pi * lighting.mains_hz * t)) * (np.pi / 2)
        return current * (1.0 + depth * (rect - 1.0))
    if lighting.kind == "lamp" and depth:
        return current * (1.0 + depth * np.cos(4 * np.pi * lighting.mains_hz * t))
    return current


class ServoFrontEnd:
    """The photodiode channel with every LED off, step by step, in ADC counts.

    The servo current follows the ambient current through a first-order low-pass
    at SERVO_CORNER_HZ (the loop's response), held within 0..SERVO_MAX_A; the TIA
    amplifies what it leaves: V = bias + R_f (I_ambient - I_servo) + noise, within
    the op-amp's rails, then the ADC (the chip's ESP-IDF characteristic at the
    unit's eFuse Vref, +-ADC_NOISE_LSB, 0..4095). The
    servo's state carries from one call to the next: call it on consecutive
    stretches of one stream.
    """

    def __init__(self, step_s: float, vref_mv: float = VREF_NOMINAL_MV):
        if not step_s > 0:
            raise ValueError(f"step_s must be positive, not {step_s!r}")
        a = math.exp(-2 * math.pi * SERVO_CORNER_HZ * step_s)
        self._b = np.array([1.0 - a])
        self._a = np.array([1.0, -a])
        self._zi: np.ndarray | None = None
        self.vref_mv = float(vref_mv)  # the unit's eFuse Vref (sim/unit.py)

    def servo_current(self, ambient_a: np.ndarray) -> np.ndarray:
        """The current the servo sinks (A), before its limit."""
        x = np.asarray(ambient_a, dtype=float)
        if x.size == 0:
            return x.copy()
        if self._zi is None:  # switched on long before: settled on the first value
            self._zi = np.array([self._a[1] * -x[0]])
        y, self._zi = lfilter(self._b, self._a, x, zi=self._zi)
        return y

    def volts(self, ambient_a: np.ndarray, normal: np.ndarray) -> np.ndarray:
        """TIA output (V) for the ambient current, `normal` one N(0, 1) per step."""
        amb = np.asarray(ambient_a, dtype=float)
        servo = np.clip(self.servo_current(amb), 0.0, SERVO_MAX_A)
        sigma = noise_a_rthz(amb, servo) * math.sqrt(NOISE_BANDWIDTH_HZ)
        v = TIA_BIAS_V + TIA_OHM * (amb - servo + sigma * normal)
        return np.clip(v, 0.0, RAIL_V)

    def counts(self, ambient_a: np.ndarray, normal: np.ndarray, adc_noise: np.ndarray):
        """12-bit ADC counts (float, 0..4095) of the channel with every LED off."""
        v = self.volts(ambient_a, normal)
        return np.clip(np.rint(esp_idf_counts(v, self.vref_mv)) + adc_noise, 0, 4095)
