"""Optical half of the room simulator: what the lens finder's photodiode sees.

Why this module is long: it is one physical model (beam, lens and clutter
returns, ambient light, the receiver chain, the feed codec) whose parts share
the scene's dataclasses and constants with their sources; its TOML parsing
(optics_toml) and the LED drive rule (leddrive) already live apart.

The device (hardware/README.md, docs/lens.md) has three groups of IR LEDs on rings
of different radii around one photodiode. Each group is modulated at its own
frequency; the photodiode current is the sum, for every group, of the light of
that group returned by the room while the group's LEDs are on, plus ambient light.
This module computes, for a scenario and times t:

- the beam direction: the operator holds the device level and pans it by hand
  (`beam_yaw`), at `[hand] sweep_deg_s` (30-120 deg/s) across `pan_deg` either side
  of the room centre during each dwell, and points it ahead while walking;
- per LED group, the photocurrent returned while the group is on (`group_returns`):
  * lenses: cat's-eye retro-reflectors (`Lens`), return confined to a narrow cone
    around the source axis and only within ~20 deg of the lens axis, power
    falling as 1/d^4;
  * diffuse walls of the box room (Lambertian);
  * specular clutter (`Clutter`): flat (mirror, window, glossy TV, picture glass,
    returning only at normal incidence, image source at twice the distance) and
    convex (chrome tap, glass of water: a small glint from any direction);
- ambient light (`ambient_at`): the room's light where the device points: dark,
  an incandescent lamp (bright in view, 100/120 Hz flicker), a daylit room, a
  sunlit window, mains LED lamps (sim/ambient.py, figures from published
  irradiances).

The receiver (`ambient.ServoFrontEnd`, the DC-servo TIA) turns the ambient current
into the ADC counts the firmware reads with every LED off; the simulated board
adds the LED groups' returns while they are on, less their mean (which the servo
nulls too), given which groups are on at each sample (`led_on`).

Elsewhere: the scenario file's sections that describe this world are read by
sim/optics_toml.py; the light and the receiver are sim/ambient.py; the
firmware's automatic LED drive level, mirrored for the fast path, is
sim/leddrive.py (its names are re-exported here).

Sources: "ref §3" is section 3 of docs/sources.md (LED modulation,
photodetection, retro-reflection), which cites the datasheets and the LAPD paper.
[derived] marks a number worked out from cited ones, [design] a choice of this
device's design (documented in hardware/README.md), [assumed] a plausible value
without a source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The LED drive level (firmware/lens.py "Automatic drive level") is sim/leddrive.py;
# the fast path and the tests reach it here as well.
from roomsweep.protocol import device_defaults as D
from roomsweep.sim.ambient import (  # noqa: F401 - re-exported
    ADC_COUNTS_PER_V,
    ADC_NOISE_LSB,
    AMBIENT_DEFAULT_UA,
    ELECTRON_C,
    FLICKER_DEPTH_DEFAULT,
    LIGHTING_KINDS,
    RESPONSIVITY_A_W,
    RX_AREA_M2,
    RX_FILTER_LED_T,
    TIA_BANDWIDTH_HZ,
    TIA_BIAS_V,
    TIA_OFFSET_V,
    TIA_OHM,
    Lighting,
    ServoFrontEnd,
    ambient_current,
    lighting_of,
)
from roomsweep.sim.leddrive import (  # noqa: F401 - re-exported
    DRIVE_BLOCK,
    DRIVE_CALM_BLOCKS,
    DRIVE_LEVELS,
    DRIVE_LOWER_AT,
    DRIVE_RAISE_BELOW,
    DRIVE_STEP,
    _at_level,
    auto_drive,
    drive_multiplier,
)

# --- the device's optics ([design], hardware/README.md "Lens finder") -------------------

# 940 nm 5 mm IR LED (Vishay TSAL6200, hardware/bom.csv): about 60 mW/sr at 100 mA,
# +-17 deg half-intensity [unconf.: datasheet typical; ref §3 gives 50-80 mW/sr at
# 50 mA for a comparable 850 nm part]. A cylindrical lens reshapes +-17 deg into a
# fan of +-5 deg (pan) by +-10 deg (tilt): intensity x 17^2 / (5 x 10) = 5.8, x 0.8
# lens transmission [assumed] -> 0.28 W/sr per LED at 100 mA; two LEDs a group,
# 50 mA each (75 ohm from 5 V, hardware/bom.csv).
LED_W_SR_PER_LED_AT_100MA = 0.060 * 17.0**2 / (5.0 * 10.0) * 0.8
LEDS_PER_GROUP = 2
BEAM_HALF_DEG_PAN = 5.0  # half-intensity half-angles of the fan [design]
BEAM_HALF_DEG_TILT = 10.0
# LED current per group [design]: 50 mA each (hardware/README.md). Weaker
# comparison rings would leave more of the ADC's range to the inner ring, but
# their noise, scaled up to compare, costs more.
GROUP_CURRENT_MA = (50.0, 50.0, 50.0)
# LED rings around the photodiode: radius of each group's ring [design]. The offset
# of each group from the detector is what tells a retro-reflector (its return is
# confined to the source axis) from everything else.
# One definition with the firmware: firmware/defaults.py LED_RING_MM.
GROUP_RADIUS_M = tuple(mm / 1000 for mm in D.LED_RING_MM)
# The firmware's default modulation frequencies (firmware/defaults.py, the one
# definition): what the fast path assumes the device ran at.
LED_DEFAULT_HZ = D.LED_DEFAULT_HZ
# Small build differences between groups: each group's beam is aimed a little off
# the device axis (pan, tilt in degrees) and its LEDs differ in intensity [assumed:
# hand-assembled ring, +-1 deg, +-10 %]. The analyzer must not rely on perfectly
# matched groups.
GROUP_AIM_ERROR_DEG = ((0.0, 0.0), (0.6, -0.4), (-0.8, 0.5))
GROUP_GAIN = (1.0, 0.93, 1.08)
# The LEDs' light reaches the photodiode through the receiver's 940 nm band-pass
# (F1, sim/ambient.py RX_FILTER_LED_T): amperes per watt returned.
LED_RESPONSIVITY_A_W = RESPONSIVITY_A_W * RX_FILTER_LED_T
# Receiver (BP104FS, 940 nm band-pass, 8 mm collecting lens, 22 Mohm TIA with a
# DC servo) and the room's light: sim/ambient.py, each figure with its source;
# its names are re-exported here.

# --- retro-reflection (ref §3) ---------------------------------------------------------

# Light the lens-sensor stack sends back (sensor/cover-glass reflectance times the
# lens transmission twice) [assumed 10 %].
RETRO_REFLECTANCE = 0.10
# Return cone 1/e half-angle: spot on the sensor / focal length (ref §3 [derived]):
# LED image ~5 um + diffraction 2.44 lambda f/D ~8 um + aberrations and pixel stack
# ~15 um ~ 30 um on f ~ 3.6 mm -> 8 mrad full, 4 mrad half.
RETRO_CONE_RAD = 0.004
# Plus a broad halo: light scattered by the sensor's microlenses, colour filters and
# cover glass still leaves through the lens towards the source, spread wider
# [assumed: 20 % of the return, 1/e half-angle 25 mrad]. It is what lets a lens be
# seen at arm's length, where the core misses a detector a centimetre away.
RETRO_HALO_SHARE = 0.2
RETRO_HALO_RAD = 0.025
# LAPD (SenSys 2021, ref §3): lens-sensor retro-reflection shows only within
# ~20 deg of the lens axis; the return fades out over the next few degrees [assumed].
RETRO_ACCEPT_DEG = 20.0
RETRO_EDGE_DEG = 5.0

# --- room surfaces ------------------------------------------------------------------

WALL_REFLECTANCE = 0.6  # painted wall at 940 nm, diffuse [assumed]
MIN_RANGE_M = 0.15
WALL_RAYS = 21  # rays across the pan fan for the wall return (a corner blends in)
# Specular kinds: reflectance at normal incidence and geometry.
# Glass: Fresnel ((n-1)/(n+1))^2 = 4 % per surface at n = 1.5, two surfaces 8 %;
# a TV's glossy front one surface; silvered mirror ~90 % [assumed typical];
# chrome ~60 % at 940 nm [assumed].
CLUTTER_KINDS: dict[str, dict[str, Any]] = {
    "mirror": {"shape": "flat", "reflectance": 0.90, "size_m": (0.6, 0.9)},
    "window": {"shape": "flat", "reflectance": 0.08, "size_m": (1.2, 1.2)},
    "tv": {"shape": "flat", "reflectance": 0.04, "size_m": (1.0, 0.6)},
    "picture_glass": {"shape": "flat", "reflectance": 0.08, "size_m": (0.5, 0.4)},
    "chrome_tap": {"shape": "convex", "reflectance": 0.60, "radius_m": 0.015},
    "water_glass": {"shape": "convex", "reflectance": 0.08, "radius_m": 0.035},
}
FLAT_EDGE_M = 0.02  # the return fades over ~ the receiver aperture at an edge [assumed]

# --- the hand ------------------------------------------------------------------------

SWEEP_DEG_S_RANGE = (30.0, 120.0)  # the hand motion
SWEEP_DEG_S_DEFAULT = 60.0
PAN_HALF_DEG_DEFAULT = 180.0  # at most a whole turn (2 x pan_deg) per stop
TURN_DEG_S = 180.0  # turning towards the next stop [assumed]
HAND_SMOOTH_S = 0.12  # a hand changes its turn rate over about a quarter second [assumed]

SPEC_RATIO_NOTE = "flat and convex specular returns are not confined to the source axis"


@dataclass
class Lens:
    id: str
    position_m: tuple[float, float, float]
    axis: tuple[float, float, float]  # unit vector the camera looks along
    aperture_mm: float
    hidden: bool = True
    note: str = ""


@dataclass
class Clutter:
    id: str
    kind: str
    position_m: tuple[float, float, float]
    normal: tuple[float, float, float]  # unit, pointing into the room (flat kinds)
    size_m: tuple[float, float] = (0.0, 0.0)  # width, height (flat kinds)
    radius_m: float = 0.0  # convex kinds
    reflectance: float = 0.0


@dataclass
class Hand:
    sweep_deg_s: float = SWEEP_DEG_S_DEFAULT
    pan_deg: float = PAN_HALF_DEG_DEFAULT


@dataclass
class OpticalScene:
    lenses: list[Lens] = field(default_factory=list)
    clutter: list[Clutter] = field(default_factory=list)
    lighting: Lighting = field(default_factory=Lighting)
    hand: Hand = field(default_factory=Hand)


def scene_of(scenario: Any) -> OpticalScene:
    """The scenario's optical scene (an empty, dark one when it has none)."""
    return getattr(scenario, "optics", None) or OpticalScene()


# --- the hand: where the beam points ---------------------------------------------------


def beam_yaw(scenario: Any, t_s) -> np.ndarray:
    """Pan angle (radians, 0 = +x, counter-clockwise) of the device axis at `t_s`:
    `_raw_yaw` smoothed over +-HAND_SMOOTH_S (triangular weights), because a hand
    speeds up and slows down instead of reversing its turn in an instant."""
    t = np.asarray(t_s, dtype=float)
    offsets = np.linspace(-HAND_SMOOTH_S, HAND_SMOOTH_S, 9)
    weights = HAND_SMOOTH_S - np.abs(offsets) + HAND_SMOOTH_S / 8
    weights /= weights.sum()
    flat = t.reshape(-1)
    yaw = np.zeros(flat.size)
    for off, w in zip(offsets, weights):
        yaw += w * _raw_yaw(scenario, flat + off)
    return yaw.reshape(t.shape)


def _raw_yaw(scenario: Any, t_s) -> np.ndarray:
    """Pan angle (radians, 0 = +x, counter-clockwise) of the device axis at `t_s`.

    The operator holds the device level. On arriving at a stop they turn on the
    spot at sweep_deg_s (alternate stops turning the other way), at most
    2 x pan_deg, until the dwell ends; leaving, they turn towards the next stop at
    TURN_DEG_S while walking. The first stop starts facing the room centre. The
    angle is continuous: a hand does not jump.
    """
    hand = scene_of(scenario).hand
    t = np.asarray(t_s, dtype=float).reshape(-1)
    stops = scenario.sweep
    k = len(stops)
    arrive = np.array([s.arrive_s for s in stops])
    dwell = np.array([s.dwell_s for s in stops])
    pos = np.array([scenario.waypoint(s.waypoint).position_m for s in stops], dtype=float)
    # heading of each leg i -> i+1 (the last stop keeps the previous one)
    legs = np.arctan2(np.diff(pos[:, 1]), np.diff(pos[:, 0])) if k > 1 else np.zeros(0)
    cx, cy = scenario.room_size_m[0] / 2, scenario.room_size_m[1] / 2
    first = math.atan2(cy - pos[0, 1], cx - pos[0, 0])
    h_out = np.concatenate((legs, [legs[-1] if k > 1 else first]))
    omega = math.radians(hand.sweep_deg_s)
    rate = math.radians(TURN_DEG_S)
    turn = np.minimum(omega * dwell, math.radians(2 * hand.pan_deg))
    side = np.where(np.arange(k) % 2 == 0, 1.0, -1.0)
    # per stop: yaw on arriving, at the end of the pan, and the turn while leaving
    y_arr = np.empty(k)
    y_end = np.empty(k)
    delta = np.zeros(k)
    y = first
    for j in range(k):
        y_arr[j] = y
        y_end[j] = y + side[j] * turn[j]
        delta[j] = (h_out[j] - y_end[j] + np.pi) % (2 * np.pi) - np.pi
        walk = arrive[j + 1] - arrive[j] - dwell[j] if j + 1 < k else 0.0
        y = y_end[j] + np.sign(delta[j]) * min(abs(delta[j]), rate * max(walk, 0.0))
    i = np.clip(np.searchsorted(arrive, t, side="right") - 1, 0, k - 1)
    tau = np.clip(t - arrive[i], 0.0, None)
    yaw = y_arr[i] + side[i] * np.minimum(omega * tau, turn[i])
    leaving = tau > dwell[i]
    if leaving.any():
        j = i[leaving]
        step = np.clip((tau[leaving] - dwell[j]) * rate, 0.0, np.abs(delta[j]))
        yaw[leaving] = y_end[j] + np.sign(delta[j]) * step
    return yaw.reshape(np.shape(t_s))


# --- geometry helpers --------------------------------------------------------------------


def _fan_gain(
    dx: np.ndarray,
    dy: np.ndarray,
    dz: np.ndarray,
    yaw: np.ndarray,
    aim: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """LED fan intensity times receiver sensitivity (both the same Gaussian fan,
    BEAM_HALF_DEG_* at half-intensity) for directions (dx, dy, dz) from the device,
    device axis at pan `yaw`, level; `aim` shifts the LED fan (pan, tilt degrees)."""
    az = np.arctan2(dy, dx) - yaw
    az = (az + np.pi) % (2 * np.pi) - np.pi
    el = np.arctan2(dz, np.hypot(dx, dy))
    k = math.log(2.0)
    sp, st = math.radians(BEAM_HALF_DEG_PAN), math.radians(BEAM_HALF_DEG_TILT)
    led = np.exp(
        -k * (((az - math.radians(aim[0])) / sp) ** 2 + ((el - math.radians(aim[1])) / st) ** 2)
    )
    rx = np.exp(-k * ((az / sp) ** 2 + (el / st) ** 2))
    return led * rx


def _group_intensity(group: int, level: float = 1.0) -> float:
    current = GROUP_CURRENT_MA[group] / 100.0  # intensity linear in current (ref §3)
    return LED_W_SR_PER_LED_AT_100MA * LEDS_PER_GROUP * GROUP_GAIN[group] * current * level


def retro_acceptance(incidence_rad) -> np.ndarray:
    """Fraction of a lens's retro-reflection left at this angle off its axis:
    projected aperture cos(psi), full up to RETRO_ACCEPT_DEG, fading to 0 over
    RETRO_EDGE_DEG (LAPD, ref §3)."""
    psi = np.degrees(np.abs(np.asarray(incidence_rad, dtype=float)))
    edge = np.clip((RETRO_ACCEPT_DEG + RETRO_EDGE_DEG - psi) / RETRO_EDGE_DEG, 0.0, 1.0)
    return np.cos(np.radians(np.minimum(psi, 89.0))) * edge * edge * (3 - 2 * edge)


def lens_geometry(lens: Lens, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distance m, angle off the lens axis rad, direction vectors device->lens)."""
    v = np.asarray(lens.position_m, dtype=float) - positions
    d = np.maximum(np.sqrt(np.sum(v * v, axis=-1)), MIN_RANGE_M)
    axis = np.asarray(lens.axis, dtype=float)
    cos_psi = np.clip(-(v @ axis) / d, -1.0, 1.0)
    return d, np.arccos(cos_psi), v


def lens_return_w(
    lens: Lens, positions: np.ndarray, yaw: np.ndarray, group: int, level: float = 1.0
) -> np.ndarray:
    """Optical power (W) of `group`'s light a lens returns to the photodiode.

    Irradiance at the lens I g / d^2 times aperture pi D^2 / 4 times cos(psi),
    re-emitted by the cat's eye into a Gaussian cone of 1/e half-angle theta_c
    around the source (peak intensity rho P / (pi theta_c^2)) plus a wider halo;
    the detector sits r_g / d off the cone axis and collects A_rx / d^2. Hence
    1/d^4 (ref §3).
    """
    d, psi, v = lens_geometry(lens, positions)
    aim = GROUP_AIM_ERROR_DEG[group]
    g = _fan_gain(v[:, 0], v[:, 1], v[:, 2], yaw, aim)
    area = math.pi * (lens.aperture_mm * 1e-3) ** 2 / 4
    p_in = _group_intensity(group, level) * g / d**2 * area * retro_acceptance(psi)
    a = GROUP_RADIUS_M[group] / d  # the detector's angle off the return's axis
    core = (
        (1 - RETRO_HALO_SHARE)
        / (math.pi * RETRO_CONE_RAD**2)
        * np.exp(-((a / RETRO_CONE_RAD) ** 2))
    )
    halo = RETRO_HALO_SHARE / (math.pi * RETRO_HALO_RAD**2) * np.exp(-((a / RETRO_HALO_RAD) ** 2))
    return RETRO_REFLECTANCE * p_in * (core + halo) * RX_AREA_M2 / d**2


def wall_return_w(
    scenario: Any, positions: np.ndarray, yaw: np.ndarray, group: int, level: float = 1.0
) -> np.ndarray:
    """Diffuse (Lambertian) return from the room's walls along the beam.

    Rays across the pan fan (WALL_RAYS, weighted by the LED fan times the
    receiver's sensitivity) meet the walls of the box room at range r with
    incidence cos beta; radiance rho E / pi over the overlap of the LED fan and the
    receiver's field of view (solid angle Omega_eff = pi s_p s_t / (2 ln 2) for the
    two Gaussian fans) gives P = rho I cos(beta) Omega_eff A_rx / (pi r^2),
    averaged over the rays (so a corner in the beam blends, as it does in a room).
    """
    sp, st = math.radians(BEAM_HALF_DEG_PAN), math.radians(BEAM_HALF_DEG_TILT)
    omega_eff = math.pi * sp * st / (2 * math.log(2.0))
    offsets = np.linspace(-2.0, 2.0, WALL_RAYS) * sp
    weights = np.exp(-2 * math.log(2.0) * (offsets / sp) ** 2)
    weights /= weights.sum()
    rays = _wall_ray(scenario, positions[:, None, :], yaw[:, None] + offsets[None, :])
    total = rays @ weights
    return (
        WALL_REFLECTANCE
        * _group_intensity(group, level)
        * omega_eff
        * RX_AREA_M2
        / math.pi
        * total
    )


def _wall_ray(scenario: Any, positions: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """cos(incidence) / range^2 where a level ray at `yaw` meets the room's walls."""
    w, length = scenario.room_size_m[0], scenario.room_size_m[1]
    ux, uy = np.cos(yaw), np.sin(yaw)
    big = 1e9
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.where(
            ux > 1e-9,
            (w - positions[..., 0]) / ux,
            np.where(ux < -1e-9, -positions[..., 0] / ux, big),
        )
        ty = np.where(
            uy > 1e-9,
            (length - positions[..., 1]) / uy,
            np.where(uy < -1e-9, -positions[..., 1] / uy, big),
        )
    r = np.maximum(np.minimum(tx, ty), MIN_RANGE_M)
    cos_b = np.where(tx < ty, np.abs(ux), np.abs(uy))
    return cos_b / r**2


def _surface_axes(normal) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors along a flat surface: horizontal (normal x z) and up."""
    nx, ny, nz = (float(v) for v in normal)
    h = math.hypot(nx, ny)
    if h < 1e-6:  # horizontal surface (table top): any axis
        across = np.array([1.0, 0.0, 0.0])
    else:
        across = np.array([ny / h, -nx / h, 0.0])
    up = np.array([across[1] * nz, -across[0] * nz, across[0] * ny - across[1] * nx])
    return across, up


def clutter_return_w(
    c: Clutter, positions: np.ndarray, yaw: np.ndarray, group: int, level: float = 1.0
) -> np.ndarray:
    """Specular return of one clutter object.

    Flat (mirror, window, TV, picture glass): with emitter and detector a few
    centimetres apart the only path back is at normal incidence, through the foot
    of the perpendicular from the device onto the surface; the detector sees the
    LED's mirror image at twice the distance h: P = rho I g A_rx / (2h)^2, if the
    foot lies on the surface. Convex (chrome tap, glass of water, radius R): the
    point whose normal faces the device glints from any direction; a sphere's
    back-scattered intensity is rho E R^2 / 4 (cross-section pi R^2 scattered
    evenly), so P = rho (I g / d^2) (R^2 / 4) A_rx / d^2. Neither return is
    confined to the source axis: every LED group sees it alike.
    """
    aim = GROUP_AIM_ERROR_DEG[group]
    intensity = _group_intensity(group, level)
    centre = np.asarray(c.position_m, dtype=float)
    if CLUTTER_KINDS[c.kind]["shape"] == "convex":
        v = centre - positions
        d = np.maximum(np.sqrt(np.sum(v * v, axis=-1)), MIN_RANGE_M)
        g = _fan_gain(v[:, 0], v[:, 1], v[:, 2], yaw, aim)
        return c.reflectance * intensity * g / d**2 * (c.radius_m**2 / 4) * RX_AREA_M2 / d**2
    n = np.asarray(c.normal, dtype=float)
    rel = positions - centre
    h = rel @ n
    foot = rel - h[:, None] * n[None, :]
    across, up = _surface_axes(c.normal)
    half_w, half_h = c.size_m[0] / 2, c.size_m[1] / 2
    inside = np.clip((half_w - np.abs(foot @ across)) / FLAT_EDGE_M + 0.5, 0, 1) * np.clip(
        (half_h - np.abs(foot @ up)) / FLAT_EDGE_M + 0.5, 0, 1
    )
    dist = np.maximum(h, MIN_RANGE_M)
    g = _fan_gain(
        -n[0] * np.ones_like(h), -n[1] * np.ones_like(h), -n[2] * np.ones_like(h), yaw, aim
    )
    p = c.reflectance * intensity * g * RX_AREA_M2 / (2 * dist) ** 2 * inside
    return np.where(h > 0, p, 0.0)


def group_returns(
    scenario: Any, t_s, groups: int = 3, level: float = 1.0, include: str = "all"
) -> np.ndarray:
    """Photocurrent (A) each LED group's light returns while that group is on.

    Shape (groups, n). `include`: "all", "lenses" (lenses only), "clutter"
    (walls and clutter only).
    """
    t = np.asarray(t_s, dtype=float).reshape(-1)
    scene = scene_of(scenario)
    pos = scenario.position_at(t)
    yaw = beam_yaw(scenario, t)
    out = np.zeros((groups, t.size))
    walls = None
    if include in ("all", "clutter"):
        # the walls' return differs between groups only by their intensity
        walls = wall_return_w(scenario, pos, yaw, 0, level) / _group_intensity(0, level)
    for g in range(groups):
        p = np.zeros(t.size)
        if walls is not None:
            p += walls * _group_intensity(g, level)
            for c in scene.clutter:
                p += clutter_return_w(c, pos, yaw, g, level)
        if include in ("all", "lenses"):
            for lens in scene.lenses:
                p += lens_return_w(lens, pos, yaw, g, level)
        out[g] = LED_RESPONSIVITY_A_W * p
    return out


def ambient_at(scenario: Any, t_s, grid_s: float = 1e-3) -> np.ndarray:
    """Ambient photocurrent (A) at `t_s` (ascending) for the scenario's lighting,
    where the device is and its receiver points (`ambient.ambient_current`): the
    source's share of the view follows the hand (tens of ms per degree), so it is
    computed on a `grid_s` grid and interpolated; the flicker at every t."""
    t = np.asarray(t_s, dtype=float).reshape(-1)
    lighting = scene_of(scenario).lighting
    if lighting.source_m is None or t.size == 0:
        return ambient_current(lighting, t)
    n = max(2, int(math.ceil((t[-1] - t[0]) / grid_s)) + 1)
    grid = t[0] + grid_s * np.arange(n)
    steady = Lighting(**{**lighting.__dict__, "flicker_depth": 0.0})
    level = ambient_current(steady, grid, scenario.position_at(grid), beam_yaw(scenario, grid))
    base = np.interp(t, grid, level)
    if not lighting.flicker_depth or lighting.kind not in ("lamp", "flicker"):
        return base
    unit = Lighting(**{**lighting.__dict__, "ambient_ua": 1e6, "room_ua": 0.0, "source_m": None})
    return base * ambient_current(unit, t)


def led_on(t_s, hz: float, duty: float = 0.5, phase: float = 0.0) -> np.ndarray:
    """Whether an LED group driven by PWM at `hz`, `duty` is on at `t_s`."""
    return np.mod(np.asarray(t_s, dtype=float) * hz + phase, 1.0) < duty


def counts_per_amp() -> float:
    return TIA_OHM * ADC_COUNTS_PER_V


# --- the feed's LED columns and the photodiode's counts ---------------------------------

# Feed columns of the LED returns (sim/signals.py -> sim/mpboard/board.py): counts
# x 16 as u16, and from FEED_WIDE on in steps of 2**FEED_WIDE_SHIFT / 16 counts, so
# a wall at arm's length (tens of thousands of counts at full current, the ADC
# clips) still scales correctly to a dim drive level.
FEED_WIDE = 0x8000
FEED_WIDE_SHIFT = 6


def feed_code(x16) -> np.ndarray:
    """u16 feed codes of LED returns given in 1/16 count (inverse: `feed_value`)."""
    x = np.maximum(np.rint(np.asarray(x16, dtype=float)), 0)
    wide = FEED_WIDE + np.rint((x - FEED_WIDE) / (1 << FEED_WIDE_SHIFT))
    return np.minimum(np.where(x < FEED_WIDE, x, wide), 65535).astype(np.uint16)


def feed_value(code) -> np.ndarray:
    """1/16 counts of LED return from u16 feed codes (what the simulated board adds)."""
    c = np.asarray(code).astype(np.int64)
    return np.where(c < FEED_WIDE, c, ((c - FEED_WIDE) << FEED_WIDE_SHIFT) + FEED_WIDE)


def return_counts(returns_a: np.ndarray) -> np.ndarray:
    """Photocurrent returned while a group is on, as ADC counts above the base."""
    return np.asarray(returns_a) * counts_per_amp()


def mix_counts(base: np.ndarray, returns_counts: np.ndarray, on: np.ndarray) -> np.ndarray:
    """What the ADC reads: base plus the returns of the groups that are on, clipped
    to 12 bits. The simulated board does the same sum with its own PWM state."""
    total = np.asarray(base, dtype=float) + np.sum(returns_counts * on, axis=0)
    return np.clip(np.rint(total), 0, 4095).astype(np.uint16)


# --- what the sweep could see: ground truth for scoring ------------------------------------

IN_REACH_M = 3.0  # the target: lenses within 3 m ...
IN_REACH_DEG = 20.0  # ... and +-20 deg of the lens axis
EXPOSURE_STEP_S = 0.005


def lens_exposures(
    scenario: Any, lens: Lens, step_s: float = EXPOSURE_STEP_S, strict: bool = True
) -> list[tuple[float, float]]:
    """Time intervals in which the sweep's beam crossed `lens`.

    strict: within IN_REACH_M and IN_REACH_DEG of the lens axis, within the
    half-intensity fan (pan and tilt) of the beam, device at a dwell (the target's
    condition). Not strict: any time the lens returns at least a tenth of what it
    would on-axis at 5 m (used to tell whether a glint had a lens behind it).
    """
    t = np.arange(0.0, scenario.duration_s, step_s)
    pos = scenario.position_at(t)
    yaw = beam_yaw(scenario, t)
    d, psi, v = lens_geometry(lens, pos)
    az = np.arctan2(v[:, 1], v[:, 0]) - yaw
    az = np.abs((az + np.pi) % (2 * np.pi) - np.pi)
    el = np.abs(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
    if strict:
        arrive = np.array([s.arrive_s for s in scenario.sweep])
        dwell = np.array([s.dwell_s for s in scenario.sweep])
        i = np.clip(np.searchsorted(arrive, t, side="right") - 1, 0, len(arrive) - 1)
        at_stop = t <= arrive[i] + dwell[i]
        ok = (
            (d <= IN_REACH_M)
            & (np.degrees(psi) <= IN_REACH_DEG)
            & (az <= math.radians(BEAM_HALF_DEG_PAN))
            & (el <= math.radians(BEAM_HALF_DEG_TILT))
            & at_stop
        )
    else:
        ok = (
            (np.degrees(psi) <= RETRO_ACCEPT_DEG + RETRO_EDGE_DEG)
            & (az <= 2 * math.radians(BEAM_HALF_DEG_PAN))
            & (el <= 2 * math.radians(BEAM_HALF_DEG_TILT))
            & (d <= 6.0)
        )
    return _intervals(t, ok, step_s)


def _intervals(t: np.ndarray, ok: np.ndarray, step_s: float) -> list[tuple[float, float]]:
    if not ok.any():
        return []
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [(float(t[a]), float(t[b]) + step_s) for a, b in zip(starts, ends)]
