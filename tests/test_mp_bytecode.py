"""The mp_run fixture runs the firmware as the bytecode a board loads (tests/conftest.py).

Compiling the sources inside the 96 KiB heap made the firmware tests pass or fail
with the compiler's fragments (docs/benchmarks.md, "Firmware tests on precompiled
bytecode"); mp_run now puts session-compiled .mpy files first on MICROPYPATH.
"""

from __future__ import annotations

import pytest

from .conftest import FIRMWARE_DIR, MP_TEST_DIR, SIM_BOARD_DIR, Bytecode, run_micropython

needs_mpy = pytest.mark.skipif(
    not Bytecode.available(),
    reason="no mpy-cross target on this machine: mp_run runs the sources",
)


def _files(proc) -> dict[str, str]:
    assert proc.returncode == 0, proc.stdout[-1000:] + proc.stderr[-1000:]
    return dict(line.split("=", 1) for line in proc.stdout.decode().split())


@needs_mpy
@pytest.mark.parametrize("board", ["fake", "sim"])
def test_mp_run_imports_compiled_firmware_and_board(mp_run, board):
    # the fake board stands in for the firmware's board.py (which needs the chip's
    # machine module); the simulator's board.py replaces it, as in `roomsweep sim`
    modules = ["app", "lens", "fakeboard"] if board == "fake" else ["app", "board", "esp32model"]
    code = f"import {', '.join(modules)}\n" + "".join(
        f"print('{m}=' + {m}.__file__)\n" for m in modules
    )
    files = _files(mp_run(code, board=board))
    assert sorted(files) == sorted(modules)
    assert all(f.endswith(".mpy") for f in files.values()), files
    assert f"/{FIRMWARE_DIR.name}-" in files["app"], files
    if board == "fake":
        assert f"/{MP_TEST_DIR.name}-" in files["fakeboard"], files
    else:
        assert f"/{SIM_BOARD_DIR.name}-" in files["board"], files
        assert f"/{SIM_BOARD_DIR.name}-" in files["esp32model"], files


@needs_mpy
def test_a_source_edited_during_the_session_is_compiled_again(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "probe.py").write_text("WHAT = 1\n")
    (src / "main.py").write_text("raise SystemExit('main.py is never compiled')\n")
    (tmp_path / "cache").mkdir()
    bytecode = Bytecode(tmp_path / "cache")
    first = bytecode.compiled(src)
    assert first is not None and sorted(p.name for p in first.iterdir()) == ["probe.mpy"]
    assert bytecode.compiled(src) == first  # cached: same content, same place
    (src / "probe.py").write_text("WHAT = 2\n")
    second = bytecode.compiled(src)
    assert second != first
    for where, want in ((first, b"1"), (second, b"2")):
        proc = run_micropython("import probe; print(probe.WHAT)", paths=[where])
        assert proc.stdout.strip() == want, proc.stderr
