"""The wide generation profile (roomsweep.sim.gen_wide) and the scenario keys it
needs: walls, the unit's detector and ADC law, power control, Wi-Fi video frames."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from roomsweep.errors import ScenarioError, UsageError
from roomsweep.sim import gen_wide, gen_wide_emitters
from roomsweep.sim.gen_check import mean_rx_dbm
from roomsweep.sim.generate import generate_scenarios, main_generate
from roomsweep.sim.scenario import Emitter, load_scenario
from roomsweep.sim.signals import FeedGenerator, adc_u16, make_process
from roomsweep.sim.unit import DetectorUnit, esp_idf_characteristic_mv, esp_idf_counts
from roomsweep.sim.walls import Wall, path_wall_loss_db, wall_loss_db

SEED = 4242
COUNT = 16


@pytest.fixture(scope="module")
def wide(tmp_path_factory) -> list[Path]:
    return generate_scenarios(SEED, COUNT, tmp_path_factory.mktemp("wide"), profile="wide")


@pytest.fixture(scope="module")
def loaded(wide):
    return [load_scenario(p) for p in wide]


# --- the classic profile and the old files are unchanged -----------------------------------


def test_classic_feed_unchanged():
    """The bundled hotel room's first second of feed, as before the wide keys existed.
    Update only when the signal physics change on purpose (and say so)."""
    g = FeedGenerator(load_scenario("hotel-room"))
    digest = hashlib.sha256(g.chunk(100000).tobytes()).hexdigest()
    # changed on purpose 2026-12-04 (issue 15): the photodiode column converts on
    # the chip's ESP-IDF line, through the 22 Mohm TIA and the 940 nm band-pass
    assert digest == "abec9e96a5d8be19d88de022a04213775afa9fd9d8d6efcbd31553ddd35147f3"


def test_default_keys_change_nothing(tmp_path):
    """A nominal [detector], no walls and absent power/video keys give the same feed."""
    src = load_scenario("hotel-room")
    explicit = dataclasses.replace(src, detector=DetectorUnit(), walls={})
    a = FeedGenerator(src).chunk(50000)
    b = FeedGenerator(explicit).chunk(50000)
    assert np.array_equal(a, b)


def test_classic_is_the_default_profile(tmp_path):
    a = generate_scenarios(5, 2, tmp_path / "a")
    b = generate_scenarios(5, 2, tmp_path / "b", profile="classic")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert all(p.name.startswith("s5-") for p in a)
    text = a[0].read_text()
    assert "[walls]" not in text and "[detector]" not in text


# --- reproducibility and round trips -------------------------------------------------------


def test_wide_is_seeded_and_independent_of_count(tmp_path, wide):
    again = generate_scenarios(SEED, 3, tmp_path / "again", profile="wide")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in wide[:3]]
    assert all(p.name.startswith(f"w{SEED}-") for p in wide)
    other = generate_scenarios(SEED + 1, 3, tmp_path / "other", profile="wide")
    assert [p.read_bytes() for p in other] != [p.read_bytes() for p in wide[:3]]


def test_wide_files_round_trip(loaded, wide):
    """What the file says is what was drawn: the loaded scenario passes the wide
    checks, and writing the drawn scenario again gives the same bytes."""
    for sc in loaded:
        assert gen_wide.check_wide(sc) == [], sc.name
        assert sc.walls and set(sc.walls) == {"x0", "x1", "y0", "y1", "floor", "ceiling"}
        assert sc.detector is not None and sc.detector.adc_law == "esp-idf"
    from roomsweep.sim.generate import generate_one

    stem, text, _ = generate_one(SEED, 0, profile="wide")
    assert wide[0].read_text() == text and wide[0].stem == stem
    g = gen_wide.draw_wide(SEED, 0)
    sc = loaded[0]
    for drawn, read in zip(g.scenario.emitters, sc.emitters):
        assert (drawn.id, drawn.kind, drawn.position_m) == (read.id, read.kind, read.position_m)
        assert drawn.eirp_dbm == read.eirp_dbm and drawn.loss_db == read.loss_db
    assert g.scenario.walls == sc.walls
    assert g.scenario.detector == sc.detector


def test_main_generate_profile(tmp_path, capsys):
    assert main_generate(3, 2, tmp_path, profile="wide") == 0
    out = capsys.readouterr().out
    assert out.count("w3-00") == 2 and "neighbours:" in out
    with pytest.raises(UsageError, match="narrow"):  # the CLI says it in one line, exit 2
        main_generate(3, 1, tmp_path, profile="narrow")


# --- the ranges the profile promises (and the ones it does not) -----------------------------


def test_waypoint_spacing(loaded):
    nearest, gaps = [], []
    for sc in loaded:
        pos = {w.name: np.asarray(w.position_m) for w in sc.waypoints}
        for w in sc.waypoints:
            nearest.append(
                min(float(np.linalg.norm(pos[w.name] - p)) for n, p in pos.items() if n != w.name)
            )
        gaps += [
            float(np.linalg.norm(pos[a.waypoint] - pos[b.waypoint]))
            for a, b in zip(sc.sweep, sc.sweep[1:])
        ]
    assert min(nearest) >= gen_wide.WAYPOINT_MIN_M - 0.011
    assert min(nearest) < 0.6  # close stops do occur
    assert max(gaps) <= gen_wide.WAYPOINT_MAX_GAP_M + 0.5  # a skipped open-floor stop
    assert max(gaps) > 2.0


def test_hidden_counts_and_placement(loaded):
    counts, dists, pair_d, ceiling = [], [], [], 0
    for sc in loaded:
        hidden = [e for e in sc.emitters if e.hidden]
        counts.append(len(hidden))
        for e in hidden:
            near = sc.waypoint(sc.nearest_waypoint(e.position_m)).position_m
            dists.append(math.dist(e.position_m, near))
            ceiling += e.position_m[2] >= sc.room_size_m[2] - 0.1
            assert sc.ground_truth[e.id] == sc.nearest_waypoint(e.position_m)
        for i, a in enumerate(hidden):
            for b in hidden[i + 1 :]:
                pair_d.append(math.dist(a.position_m, b.position_m))
    assert min(counts) >= 1 and max(counts) <= 6 and max(counts) >= 4
    assert min(dists) >= 0.0 and max(dists) > 0.5
    assert ceiling >= 1
    assert min(pair_d) <= 1.0  # several within 1 m of each other


def test_neighbours_behind_walls(loaded):
    depths = []
    for sc in loaded:
        w, l, h = sc.room_size_m
        friendly = [e for e in sc.emitters if not e.hidden]
        assert friendly and all(e.outside for e in friendly)
        for e in friendly:
            x, y, z = e.position_m
            depths.append(max(-x, x - w, -y, y - l, -z, z - h))
    assert min(depths) < 0.5 and max(depths) <= 3.0 + 0.3 + 8.0


def test_kinds_and_parameters(loaded):
    by_kind: dict[str, list[Emitter]] = {}
    for sc in loaded:
        for e in sc.emitters:
            by_kind.setdefault(e.kind, []).append(e)
    cams = [e for e in by_kind.get("wifi_camera", []) if e.hidden]
    assert cams and all(6.0 <= e.params["phy_mbps"] <= 300.0 for e in cams)
    for e in by_kind.get("gsm", []):
        assert e.eirp_dbm <= 33.0
        assert e.eirp_dbm - e.params.get("pc_range_db", 0.0) >= 0.0
    for e in by_kind.get("lte", []):
        assert e.eirp_dbm <= gen_wide_emitters.LTE_MAX_DBM
        assert e.eirp_dbm - e.params["pc_range_db"] >= gen_wide_emitters.LTE_MIN_DBM


def test_units_differ(loaded):
    vrefs = {sc.detector.adc_vref_mv for sc in loaded if sc.detector}
    assert len(vrefs) > 3 and min(vrefs) >= 1000 and max(vrefs) <= 1200


def test_every_hidden_is_physically_visible(loaded):
    for sc in loaded:
        t = np.arange(0.0, sc.duration_s, 0.05)
        for e in sc.emitters:
            if e.hidden:
                peak = float(np.max(mean_rx_dbm(sc, e, t)))
                assert peak >= sc.noise_floor_dbm + gen_wide.DETECTABLE_OVER_NOISE_DB - 0.1


# --- the physics behind the new keys -------------------------------------------------------


def test_wall_losses_by_material():
    normal = {
        m: float(wall_loss_db(Wall(m, t), 2437.0, 1.0))
        for m, t in (("drywall", 0.025), ("brick", 0.115), ("concrete", 0.15))
    }
    assert 0.3 < normal["drywall"] < 2.0 < normal["brick"] < 7.0 < normal["concrete"] < 12.0
    # 3GPP TR 38.901: reinforced concrete 5 + 4 f dB at normal incidence
    rc = Wall("reinforced-concrete", 0.2)
    assert float(wall_loss_db(rc, 2000.0, 1.0)) == pytest.approx(13.0)
    # oblique incidence costs more; concrete loses more at 5.8 GHz than at 900 MHz
    assert float(wall_loss_db(Wall("brick", 0.115), 2437.0, 0.4)) > normal["brick"]
    c = Wall("concrete", 0.15)
    assert float(wall_loss_db(c, 5800.0, 1.0)) > float(wall_loss_db(c, 900.0, 1.0)) + 5


def test_path_wall_loss_only_through_walls():
    walls = {"x0": Wall("brick", 0.115)}
    size = (4.0, 5.0, 2.6)
    dev = np.array([[1.0, 2.5, 1.2], [3.5, 2.5, 1.2]])
    assert np.all(path_wall_loss_db(walls, size, (-1.0, 2.5, 1.2), dev, 2437.0) > 3.0)
    assert np.all(path_wall_loss_db(walls, size, (2.0, 2.5, 1.2), dev, 2437.0) == 0.0)
    # through the y0 face, which has no wall given
    assert np.all(path_wall_loss_db(walls, size, (2.0, -1.0, 1.2), dev, 2437.0) == 0.0)


def test_walls_in_the_simulator(tmp_path):
    base = load_scenario("hotel-room")
    phone = next(e for e in base.emitters if e.outside)
    walled = dataclasses.replace(
        base,
        walls={f: Wall("concrete", 0.15) for f in ("x0", "x1", "y0", "y1", "floor", "ceiling")},
    )
    t = np.arange(1.0, base.duration_s, 1.0)
    assert np.all(mean_rx_dbm(walled, phone, t) < mean_rx_dbm(base, phone, t) - 3.0)


def test_esp_idf_adc_law():
    mv = esp_idf_characteristic_mv([0, 1000], 1100.0)
    assert mv[0] == pytest.approx(142.0)
    assert (mv[1] - mv[0]) / 1000 == pytest.approx(0.806, abs=0.001)
    # the unit converts the detector's range 0.5-2.1 V to fewer counts than nominal
    c = esp_idf_counts([0.5, 2.1], 1100.0)
    assert c[0] == pytest.approx((500 - 142) / 0.8056, abs=1.0)
    assert esp_idf_counts([0.05], 1100.0)[0] == 0.0
    assert esp_idf_counts([3.6], 1000.0)[0] == 4095.0
    # higher Vref, fewer counts for the same voltage
    assert esp_idf_counts([1.5], 1200.0)[0] < esp_idf_counts([1.5], 1000.0)[0]
    unit = DetectorUnit("esp-idf", 1100.0)
    nominal = adc_u16(np.array([1.0])) >> 4
    own = adc_u16(np.array([1.0]), 0, unit) >> 4
    assert int(own[0]) == round((1000 - 142) / 0.8056) and int(nominal[0]) == int(own[0])
    other = adc_u16(np.array([1.0]), 0, DetectorUnit("esp-idf", 1200.0)) >> 4
    assert int(other[0]) == round((1000 - 142) / (1200 * 196602 / 4096 / 65536))


def test_intercept_offsets():
    u = DetectorUnit("nominal", 1100.0, ((900.0, 1.0), (2450.0, -1.0)))
    assert u.intercept_offset_db(900.0) == 1.0 and u.intercept_offset_db(5800.0) == -1.0
    assert -1.0 < u.intercept_offset_db(1500.0) < 1.0


def _on_stats(params: dict, kind: str = "wifi_camera"):
    e = Emitter("x", kind, (0.0, 0.0, 0.0), 20.0, 2437.0, True, params)
    p = make_process(e, 3)
    t = np.arange(0.0, 4.0, 1e-5)
    return p, t, p.on(t)


def test_wifi_video_rates_change_bursts():
    _, _, slow = _on_stats({"phy_mbps": 6.0, "bitrate_kbps": 1000.0, "fps": 15.0})
    _, _, fast = _on_stats(
        {"phy_mbps": 144.4, "bitrate_kbps": 1000.0, "fps": 15.0, "ampdu_mpdus": 6}
    )
    assert slow.mean() > 4 * fast.mean()
    # fast: one short cluster per video frame, long silences between
    edges = np.flatnonzero(np.diff(fast.astype(int)) == 1)
    assert 15 * 4 * 0.8 <= len(edges) <= 15 * 4 * 6


def test_power_control_varies_the_level():
    p, t, on = _on_stats({"pc_range_db": 20.0}, "lte")
    g = p.gain_db(t)
    assert g is not None and g.min() < -15 and g.max() <= 0.0
    e = Emitter("g", "gsm", (0.0, 0.0, 0.0), 33.0, 900.0, True, {"pc_range_db": 10.0})
    walk = make_process(e, 1).gain_db(np.arange(0.0, 60.0, 0.48))
    assert walk is not None and set(np.unique(walk)) <= {0.0, -2.0, -4.0, -6.0, -8.0, -10.0}
    assert len(np.unique(walk)) > 1
    e0 = Emitter("g", "gsm", (0.0, 0.0, 0.0), 33.0, 900.0, True, {})
    assert make_process(e0, 1).gain_db(np.arange(0.0, 1.0, 0.1)) is None


@pytest.mark.parametrize(
    "text,msg",
    [
        ('[walls]\nx0 = "paper"\n', "unknown material"),
        ('[walls]\nx9 = "brick"\n', "unknown key"),
        ('[walls]\nx0 = { material = "brick", thickness_m = 3 }\n', "thickness_m"),
        ('[detector]\nadc_law = "magic"\n', "adc_law"),
        ("[detector]\nadc_vref_mv = 1500\n", "adc_vref_mv"),
        ("[detector]\nintercept_offsets_db = [[2400, 1], [900, 0]]\n", "intercept_offsets_db"),
        ("[detector]\nadc_noise_lsb = 2.5\n", "adc_noise_lsb"),
    ],
)
def test_bad_new_sections(tmp_path, text, msg):
    body = (
        "[room]\nsize_m = [3, 4, 2.5]\n[waypoints]\na = [1, 1, 1]\n"
        '[[sweep]]\nwaypoint = "a"\narrive_s = 0\ndwell_s = 2\n'
    )
    p = tmp_path / "x.toml"
    p.write_text(body + text)
    with pytest.raises(ScenarioError, match=msg):
        load_scenario(p)


@pytest.mark.parametrize(
    "params,msg",
    [
        ("{ bitrate_kbps = 1000 }", "needs phy_mbps"),
        ("{ phy_mbps = 900 }", "phy_mbps"),
        ("{ phy_mbps = 54, ampdu_mpdus = 2.5 }", "whole number"),
    ],
)
def test_bad_video_params(tmp_path, params, msg):
    body = (
        "[room]\nsize_m = [3, 4, 2.5]\n[waypoints]\na = [1, 1, 1]\n"
        '[[sweep]]\nwaypoint = "a"\narrive_s = 0\ndwell_s = 2\n'
        '[[emitters]]\nid = "c"\nkind = "wifi_camera"\nposition_m = [1, 1, 1]\n'
        f"eirp_dbm = 15\nparams = {params}\n"
    )
    p = tmp_path / "x.toml"
    p.write_text(body)
    with pytest.raises(ScenarioError, match=msg):
        load_scenario(p)


def test_fading_statistics_and_keys(loaded):
    from roomsweep.sim.fading import MultipathField

    pts = np.random.default_rng(2).uniform(0.0, 4.0, (4000, 3))
    narrow = MultipathField((0, 0, 1), 2437.0, 0.2, -30.0, 20e-9, np.random.default_rng(3))
    wide_ = MultipathField((0, 0, 1), 2437.0, 79.0, -30.0, 20e-9, np.random.default_rng(3))
    g_n, g_w = narrow.gain_db(pts), wide_.gain_db(pts)
    assert np.mean(10 ** (g_n / 10)) == pytest.approx(1.0, abs=0.1)  # mean power kept
    assert np.percentile(g_n, 10) < -7.0  # Rayleigh: 10 % of spots 10 dB down
    assert np.percentile(g_w, 10) > np.percentile(g_n, 10) + 3.0  # bandwidth averages
    # still at a stop: the same level; a few cm away: another
    here = narrow.gain_db(np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.06, 1.0, 1.0]]))
    assert here[0] == here[1]
    for sc in loaded:
        assert sc.delay_spread_ns is not None and 5 <= sc.delay_spread_ns <= 100
        for e in sc.emitters:
            assert e.fading_k_db is not None
            if not e.hidden:
                assert e.fading_k_db == -30.0


def test_fading_in_the_simulator():
    base = load_scenario("hotel-room")
    e = base.emitters[0]
    faded = dataclasses.replace(
        base, emitters=[dataclasses.replace(e, fading_k_db=-30.0)] + base.emitters[1:]
    )
    t = np.arange(1.0, base.duration_s, 0.01)
    diff = mean_rx_dbm(faded, faded.emitters[0], t) - mean_rx_dbm(base, e, t)
    assert diff.std() > 2.0 and abs(float(np.mean(10 ** (diff / 10))) - 1.0) < 0.5


def test_gsm_dtx_and_adc_noise():
    e = Emitter("g", "gsm", (0.0, 0.0, 0.0), 33.0, 900.0, True, {"dtx": True})
    t = np.arange(0.0, 4.8, 1e-5)
    on = make_process(e, 1).on(t)
    assert (np.diff(on.astype(int)) == 1).sum() == 120  # 12 bursts per 480 ms
    full = make_process(dataclasses.replace(e, params={}), 1).on(t)
    assert full.mean() > 5 * on.mean()
    base = load_scenario("hotel-room")
    noisy = dataclasses.replace(base, detector=DetectorUnit(adc_noise_lsb=8))
    a = FeedGenerator(base).chunk(20000)[:, 0].astype(int) >> 4
    b = FeedGenerator(noisy).chunk(20000)[:, 0].astype(int) >> 4
    assert np.std(b - a) > 2.5  # +-8 counts against +-2 (same generator state)
    same = dataclasses.replace(base, detector=DetectorUnit(adc_noise_lsb=2))
    assert np.array_equal(FeedGenerator(same).chunk(20000)[:, 0] >> 4, a)


def test_bad_delay_spread_and_fading(tmp_path):
    body = (
        "[room]\nsize_m = [3, 4, 2.5]\ndelay_spread_ns = {ds}\n[waypoints]\na = [1, 1, 1]\n"
        '[[sweep]]\nwaypoint = "a"\narrive_s = 0\ndwell_s = 2\n'
        '[[emitters]]\nid = "c"\nkind = "gsm"\nposition_m = [1, 1, 1]\neirp_dbm = 15\n'
        "fading_k_db = {k}\n"
    )
    p = tmp_path / "x.toml"
    p.write_text(body.format(ds=30, k=7))
    sc = load_scenario(p)
    assert sc.delay_spread_ns == 30 and sc.emitters[0].fading_k_db == 7
    for ds, k, msg in ((0, 7, "delay_spread_ns"), (30, 90, "fading_k_db")):
        p.write_text(body.format(ds=ds, k=k))
        with pytest.raises(ScenarioError, match=msg):
            load_scenario(p)
