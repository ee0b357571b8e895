"""Shared test helpers: running code on the MicroPython unix port."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from roomsweep.sim.runner import FIRMWARE_DIR, SIM_BOARD_DIR, find_micropython

ROOT = Path(__file__).resolve().parent.parent
MP_TEST_DIR = Path(__file__).resolve().parent / "mp"
REAL_DATA = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def micropython() -> str:
    return find_micropython()


def run_micropython(
    code: str,
    *,
    paths: list[Path],
    env: dict[str, str] | None = None,
    stdin: bytes = b"",
    heapsize: str = "96K",
    timeout: float = 60.0,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    """Run `code` with `paths` on MICROPYPATH; stdout is returned as bytes."""
    full_env = dict(os.environ)
    full_env["MICROPYPATH"] = ":".join(str(p) for p in paths)
    full_env.update(env or {})
    return subprocess.run(
        [find_micropython(), "-X", f"heapsize={heapsize}", "-c", code],
        input=stdin,
        capture_output=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture
def mp_run():
    """run(code, board='fake'|'sim', ...) with the firmware importable."""

    def run(code: str, board: str = "fake", **kw) -> subprocess.CompletedProcess:
        board_dir = MP_TEST_DIR if board == "fake" else SIM_BOARD_DIR
        return run_micropython(code, paths=[board_dir, FIRMWARE_DIR], **kw)

    return run


@pytest.fixture(scope="session")
def hotel_capture(tmp_path_factory) -> Path:
    """One full simulated hotel-room sweep through the firmware (about 5 s), shared
    by the analyst tools' tests: report, plot, export, compare, batch."""
    from roomsweep.sim.runner import simulate
    from roomsweep.sim.scenario import load_scenario

    out = tmp_path_factory.mktemp("analyst") / "hotel.cap"
    simulate(load_scenario("hotel-room"), out)
    return out
