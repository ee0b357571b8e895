"""Walls with penetration loss: the optional ``[walls]`` section of a scenario.

Without ``[walls]`` the simulator puts no loss on any path but each emitter's own
``loss_db`` (the classic scenarios). With it, each of the room's six faces
(``x0``, ``x1``, ``y0``, ``y1``, ``floor``, ``ceiling``) is a material of some
thickness, and the straight path from an emitter outside the room to the device
inside crosses exactly one face (the room is a convex box): the loss of that face
at the emitter's carrier and at the path's angle of incidence is added to the path,
on top of the emitter's ``loss_db`` (the walls of the neighbour's own room,
furniture, a body). So the wall loss changes as the device moves, most of all near
the wall, where the angle of incidence changes fastest.

Two kinds of material:

- homogeneous slabs (``drywall``, ``brick``, ``concrete``, ``wood``, ``glass``):
  ITU-R P.2040-1 (2015) Table 3 gives the complex relative permittivity of each,
  eta = a f^b - j 17.98 c f^d / f (f in GHz; 17.98 = 1 / (2 pi eps0 1 GHz)), and
  its section 3 the transmission through a single slab: the Fresnel coefficients
  of the two faces (TE and TM) and the attenuation of the wave inside. The
  multiple reflections inside the slab are summed in power (incoherently), not in
  amplitude: real walls are not flat to a fraction of a wavelength, so the
  Fabry-Perot nulls of an ideal slab do not occur [judgement]. The power
  transmission is averaged over the two polarisations (an unpolarised field).
  Table 3 states the fits for brick at 1-10 GHz and for concrete and plasterboard
  at 1-100 GHz; at 800-900 MHz they are extrapolated [judgement].
- ``reinforced-concrete``: 3GPP TR 38.901 V16 Table 7.4.3-1 (the O2I building
  penetration model), concrete L = 5 + 4 f dB (f in GHz): 8.6 dB at 900 MHz,
  12.6 dB at 1.9 GHz, 14.6 dB at 2.4 GHz, 25 dB at 5 GHz. The table is for normal
  incidence; at other angles the loss is scaled by the longer path inside the wall,
  1 / cos(theta_t), with the refraction angle of P.2040's concrete [judgement].

For scale, single slabs at normal incidence (this module, 2.4 GHz): a plasterboard
stud wall (two 12.5 mm sheets, 25 mm in all) ~1 dB, a 115 mm half-brick wall
~4 dB, a 150 mm concrete wall ~9 dB. Measured walls lose more than their bare
slabs: studs, insulation, pipes and furniture add a few dB (NIST IR 6055, Stone
1997; Wilson 2002, "Propagation losses through common building materials 2.4 GHz
vs 5 GHz", Magis Networks): the generator draws that part into ``loss_db``.

Angles of incidence beyond MAX_INCIDENCE_DEG are taken as MAX_INCIDENCE_DEG:
at grazing incidence the direct path through the wall is no longer the path that
carries the power (a door, a window or diffraction round the wall's edge do)
[judgement].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from roomsweep.sim.tomlcheck import Bad, check_keys, number, short

FACES = ("x0", "x1", "y0", "y1", "floor", "ceiling")
MAX_INCIDENCE_DEG = 75.0  # [judgement], see the module docstring
C_M_S = 299_792_458.0
# 1 / (2 pi eps0 x 1 GHz): eta'' = 17.98 sigma / f_GHz (ITU-R P.2040-1 eq. 9b)
_SIGMA_TO_ETA_GHZ = 17.98

# ITU-R P.2040-1 Table 3: eta' = a f^b, sigma = c f^d (f in GHz, sigma in S/m)
P2040 = {
    "drywall": (2.94, 0.0, 0.0116, 0.7076),  # "plasterboard"
    "brick": (3.75, 0.0, 0.038, 0.0),
    "concrete": (5.31, 0.0, 0.0326, 0.8095),
    "wood": (1.99, 0.0, 0.0047, 1.0718),
    "glass": (6.27, 0.0, 0.0043, 1.1925),
}
# 3GPP TR 38.901 Table 7.4.3-1: L = a + b f (f in GHz), normal incidence
TR38901 = {"reinforced-concrete": (5.0, 4.0)}
MATERIALS = tuple(sorted(set(P2040) | set(TR38901)))
# Default thickness per material (m) [judgement]: a stud wall of two 12.5 mm
# plasterboard sheets; a half-brick (115 mm) partition; a 150 mm concrete wall; a
# 40 mm door leaf; 4 mm glass. Not used by the 38.901 formula.
DEFAULT_THICKNESS_M = {
    "drywall": 0.025,
    "brick": 0.115,
    "concrete": 0.15,
    "wood": 0.04,
    "glass": 0.004,
    "reinforced-concrete": 0.2,
}


@dataclass(frozen=True)
class Wall:
    material: str
    thickness_m: float


def eta(material: str, f_mhz: float) -> complex:
    """Complex relative permittivity of a P.2040 material at `f_mhz`."""
    a, b, c, d = P2040[material]
    f = f_mhz / 1000.0
    return complex(a * f**b, -_SIGMA_TO_ETA_GHZ * c * f**d / f)


def _slab_power_transmission(eta_c: complex, thickness_m: float, f_mhz: float, cos_i):
    """Power transmission of a homogeneous slab, incoherent multiple reflections,
    averaged over TE and TM (ITU-R P.2040-1 section 3)."""
    cos_i = np.asarray(cos_i, dtype=float)
    sin2 = 1.0 - cos_i**2
    root = np.sqrt(eta_c - sin2 + 0j)  # principal root: Im <= 0 for a lossy medium
    lam = C_M_S / (f_mhz * 1e6)
    att = np.exp(-2.0 * np.abs(np.imag(2.0 * math.pi * thickness_m / lam * root)))
    out = np.zeros(cos_i.shape)
    for r in (
        (cos_i - root) / (cos_i + root),  # TE
        (eta_c * cos_i - root) / (eta_c * cos_i + root),  # TM
    ):
        r2 = np.abs(r) ** 2
        out += 0.5 * (1.0 - r2) ** 2 * att / (1.0 - r2**2 * att**2)
    return out


def wall_loss_db(wall: Wall, f_mhz: float, cos_i) -> np.ndarray:
    """Loss (dB) of `wall` at carrier `f_mhz` for the cosine(s) of the angle of
    incidence `cos_i` (clipped at MAX_INCIDENCE_DEG)."""
    cmin = math.cos(math.radians(MAX_INCIDENCE_DEG))
    c = np.clip(np.asarray(cos_i, dtype=float), cmin, 1.0)
    if wall.material in TR38901:
        a, b = TR38901[wall.material]
        normal = a + b * f_mhz / 1000.0
        e = eta("concrete", f_mhz).real
        cos_t = np.sqrt(1.0 - (1.0 - c**2) / e)
        return normal / cos_t
    t = _slab_power_transmission(eta(wall.material, f_mhz), wall.thickness_m, f_mhz, c)
    return -10.0 * np.log10(t)


def path_wall_loss_db(
    walls: dict[str, Wall], size, source, positions: np.ndarray, f_mhz: float
) -> np.ndarray:
    """Loss of the room face crossed by the straight path from `source` (outside the
    room box 0..size) to each device position (n, 3), inside it; 0 where no face is
    crossed (the source inside the room) or the face has no wall given."""
    p = np.asarray(positions, dtype=float).reshape(-1, 3)
    s = np.asarray(source, dtype=float)
    size_a = np.asarray(size, dtype=float)
    loss = np.zeros(p.shape[0])
    if np.all((s >= 0.0) & (s <= size_a)) or p.shape[0] == 0:
        return loss
    d = s[None, :] - p  # device -> source
    length = np.linalg.norm(d, axis=1)
    best_t = np.full(p.shape[0], np.inf)
    best_face = np.full(p.shape[0], -1)
    for k, face in enumerate(FACES):
        axis = (0, 0, 1, 1, 2, 2)[k]
        plane = 0.0 if face in ("x0", "y0", "floor") else float(size_a[axis])
        beyond = s[axis] < plane if plane == 0.0 else s[axis] > plane
        if not beyond:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (plane - p[:, axis]) / d[:, axis]
        hit = p + t[:, None] * d
        ok = (t >= 0.0) & (t <= 1.0)
        for other in range(3):
            if other != axis:
                ok &= (hit[:, other] >= -1e-9) & (hit[:, other] <= size_a[other] + 1e-9)
        better = ok & (t < best_t)
        best_t[better] = t[better]
        best_face[better] = k
    for k, face in enumerate(FACES):
        sel = best_face == k
        if not sel.any() or face not in walls:
            continue
        axis = (0, 0, 1, 1, 2, 2)[k]
        cos_i = np.abs(d[sel, axis]) / np.maximum(length[sel], 1e-12)
        loss[sel] = wall_loss_db(walls[face], f_mhz, cos_i)
    return loss


def parse_walls(doc: dict) -> dict[str, Wall] | None:
    """The ``[walls]`` section: face = "material" or { material, thickness_m }."""
    if "walls" not in doc:
        return None
    raw = doc["walls"]
    if not isinstance(raw, dict):
        raise Bad("walls must be a table ([walls])")
    check_keys(raw, set(FACES), "[walls]")
    out: dict[str, Wall] = {}
    for face, value in raw.items():
        where = f"[walls] {face}"
        spec: dict[str, Any]
        if isinstance(value, str):
            spec = {"material": value}
        elif isinstance(value, dict):
            check_keys(value, {"material", "thickness_m"}, where)
            spec = value
        else:
            raise Bad(f"{where} must be a material name or a table, not {short(value)}")
        material = spec.get("material")
        if material not in MATERIALS:
            raise Bad(
                f"{where}: unknown material {short(material)} (known: {', '.join(MATERIALS)})"
            )
        thickness = number(spec, "thickness_m", where, DEFAULT_THICKNESS_M[material])
        if not 0.001 <= thickness <= 1.0:
            raise Bad(f"{where}: thickness_m must be between 0.001 and 1, not {thickness:g}")
        out[face] = Wall(material, thickness)
    return out
