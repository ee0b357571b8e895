"""Clocks that drift: a framed transmitter keeps its frames on its own clock,
the detector samples on the ESP32's (sim.signals.make_process, params
clock_ppm; the wide generator draws them, sim.gen_wide._clocks). The
analysis's frame timing allows for it (analysis.timing.CLOCK_DRIFT)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis.analyze import analyze
from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim import gen_wide
from roomsweep.sim.scenario import Emitter, check_params, load_scenario
from roomsweep.sim.signals import make_process
from roomsweep.sim.tomlcheck import Bad

DATA = Path(__file__).parent / "data"


def _starts(kind: str, ppm: float, blocks: int = 60) -> np.ndarray:
    em = Emitter("e", kind, (1, 1, 1), 0.0, 1890.0, False, {"clock_ppm": ppm})
    proc = make_process(em, seed=5)
    return np.concatenate([proc.bursts(k)[0] for k in range(blocks)])


@pytest.mark.parametrize("kind", ["dect", "gsm", "bt_classic", "lte"])
def test_a_fast_clock_shortens_nothing_but_stretches_every_period(kind):
    """The same draw at +20 ppm: every frame or slot 20 ppm longer, so its
    bursts walk 20 us a second away from the exact clock's."""
    exact, fast = _starts(kind, 0.0), _starts(kind, 20.0)
    assert exact.size == fast.size or abs(exact.size - fast.size) <= 2
    n = min(exact.size, fast.size, 200)
    frames = {"dect": 10e-3, "gsm": 120e-3 / 26, "bt_classic": 625e-6, "lte": 1e-3}[kind]
    # the periods themselves: the smallest start-to-start gap is one period
    assert np.min(np.diff(fast[:n])) == pytest.approx(frames * (1 + 20e-6), rel=1e-9)
    assert np.min(np.diff(exact[:n])) == pytest.approx(frames, rel=1e-9)


def test_clock_ppm_is_signed_and_bounded():
    assert check_params("dect", {"clock_ppm": -12.5})["clock_ppm"] == -12.5
    assert check_params("gsm", {})["clock_ppm"] == 0.0
    for bad in (2000.0, -1001, True, "fast", float("nan")):
        with pytest.raises(Bad, match="clock_ppm must be a number from -1000 to 1000"):
            check_params("lte", {"clock_ppm": bad})
    with pytest.raises(Bad, match="unknown wifi_ap parameter 'clock_ppm'"):
        check_params("wifi_ap", {"clock_ppm": 1.0})


def test_the_wide_generator_draws_each_framed_clock_against_one_esp32():
    """Every GSM, DECT, Bluetooth and LTE emitter gets a clock within its
    standard's tolerance plus the ESP32's; handsets locked to one network all
    share the ESP32's offset (to 0.1 ppm); other kinds get none."""
    framed = 0
    for index in range(12):
        sc = gen_wide.draw_wide(5, index).scenario
        locked = []
        for e in sc.emitters:
            own = gen_wide.OWN_CLOCK_PPM.get(e.kind)
            if own is None:
                assert "clock_ppm" not in e.params
                continue
            framed += 1
            assert abs(e.params["clock_ppm"]) <= own + gen_wide.ESP32_CLOCK_PPM + 0.01
            if e.kind in ("gsm", "lte"):
                locked.append(e.params["clock_ppm"])
        assert np.ptp(locked or [0.0]) <= 0.1 + 0.01
    assert framed >= 5


def _with_clocks(path: Path, tmp_path: Path, ppm: dict[str, float]) -> Path:
    text = path.read_text()
    for eid, value in ppm.items():
        head = f'id = "{eid}"\n'
        at = text.index(head)
        end = text.index("hidden = true\n", at) + len("hidden = true\n")
        text = text[:end] + f"params = {{ clock_ppm = {value} }}\n" + text[end:]
    out = tmp_path / path.name
    out.write_text(text)
    return out


def _rf(path: Path) -> list[dict]:
    return [f for f in analyze(from_scenario(load_scenario(str(path)))) if f["type"] == "rf"]


def test_two_dect_bugs_on_drifting_clocks_are_still_two_findings(tmp_path):
    """The two bugs of tests/test_frame_phases.py with clocks 15 ppm apart
    (each base +-5 ppm, the ESP32 +-10: the most the standards allow): their
    phases walk apart 0.4 ms over the sweep, and each keeps a phase of its
    own in every window; two findings, as with exact clocks."""
    path = _with_clocks(
        DATA / "dect_twins.toml", tmp_path, {"desk-dect-bug": 12.0, "desk-dect-bug-2": -3.0}
    )
    found = _rf(path)
    assert [(f["class"], f["waypoint"]) for f in found] == [("dect", "desk")] * 2
    assert sum(bool(f["evidence"].get("own_frame_phase")) for f in found) == 1


def test_two_gsm_bugs_on_one_networks_clock_are_still_two_findings(tmp_path):
    """Both handsets are locked to the network; the ESP32 at -10 ppm against
    it makes both walk alike, 10 ppm, as the wide generator draws them."""
    path = _with_clocks(
        DATA / "gsm_twins.toml", tmp_path, {"desk-gsm-bug": 10.0, "desk-gsm-bug-2": 10.02}
    )
    found = _rf(path)
    assert [(f["class"], f["waypoint"]) for f in found] == [("gsm", "desk")] * 2
