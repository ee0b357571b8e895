"""Shared test helpers: running code on the MicroPython unix port."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from roomsweep.sim.runner import FIRMWARE_DIR, SIM_BOARD_DIR, compile_modules, find_micropython

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


class Bytecode:
    """The modules mp_run's programs import, compiled to .mpy once per session and
    content (`roomsweep.sim.runner.compile_modules`, as `roomsweep deploy` puts
    them on the chip): the interpreter's heap then holds the firmware's bytecode
    and its data, not the compiler's working memory and the fragments it leaves.

    Compiled under `root`/<hash of the sources>, so that a source edited during
    the session is compiled again. main.py stays source (as on the chip), and the
    source directories follow the compiled ones on MICROPYPATH for it. Where this
    machine has no mpy-cross target, the sources alone (as before)."""

    def __init__(self, root: Path):
        self.root = root

    @staticmethod
    def _digest(src_dir: Path) -> str:
        h = hashlib.sha256()
        for src in sorted(src_dir.glob("*.py")):
            h.update(f"{src.name}\0".encode())
            h.update(src.read_bytes())
        return h.hexdigest()[:16]

    @staticmethod
    def available() -> bool:
        """Whether this machine has an mpy-cross target (else: the sources)."""
        with tempfile.TemporaryDirectory() as d:
            return compile_modules(d, []) is not None

    def compiled(self, src_dir: Path) -> Path | None:
        """`src_dir`'s modules (main.py aside) as .mpy, compiled on first use of
        this content; None where there is no mpy-cross target."""
        dest = self.root / f"{src_dir.name}-{self._digest(src_dir)}"
        if dest.is_dir():
            return dest
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".build-"))
        try:
            if compile_modules(str(tmp), sorted(src_dir.glob("*.py"))) is None:
                return None
            with contextlib.suppress(OSError):  # made meanwhile by another process
                tmp.rename(dest)  # whole or not at all
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # gone already if renamed
        return dest

    def paths(self, board: str) -> list[Path]:
        """MICROPYPATH for `board` ("fake": tests/mp's scripted boards; else the
        simulator's board, whose board.py replaces the firmware's as in
        `roomsweep sim`): its modules before the firmware's, each compiled
        before its source."""
        sources = [MP_TEST_DIR if board == "fake" else SIM_BOARD_DIR, FIRMWARE_DIR]
        compiled = [self.compiled(d) for d in sources]
        return [p for p in compiled if p is not None] + sources


@pytest.fixture(scope="session")
def firmware_bytecode(tmp_path_factory) -> Bytecode:
    return Bytecode(tmp_path_factory.mktemp("mpy"))


@pytest.fixture
def mp_run(firmware_bytecode):
    """run(code, board='fake'|'sim', ...) with the firmware importable, as the
    bytecode a board loads (`Bytecode`); keywords as `run_micropython`'s."""

    def run(code: str, board: str = "fake", **kw) -> subprocess.CompletedProcess:
        return run_micropython(code, paths=firmware_bytecode.paths(board), **kw)

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


@pytest.fixture(scope="session")
def hotel_room_features() -> list:
    """The features of every component `analysis.components` finds in the
    bundled hotel room (its fast-path recording): real bursts for the tests
    that ask an analyzer shortcut and the full test the same question."""
    from roomsweep.analysis.components import components
    from roomsweep.eval.fastpath import from_scenario
    from roomsweep.sim.scenario import load_scenario

    found, _ = components(from_scenario(load_scenario("hotel-room")))
    return [c.features for c in found]
