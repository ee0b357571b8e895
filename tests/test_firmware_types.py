"""mypy checks the firmware against the real ESP32 MicroPython API (stubs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STUBS = ROOT / ".venv" / "mpstubs"


def test_firmware_type_checks_against_esp32_stubs():
    if not (STUBS / "machine.pyi").exists():
        if os.environ.get("CI"):
            pytest.fail("ESP32 stubs missing: `make test` installs them into .venv/mpstubs")
        pytest.skip("ESP32 stubs not installed (run `make test`)")
    env = dict(os.environ, MYPYPATH=str(STUBS))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "mypy.ini",
            "--custom-typeshed-dir",
            str(STUBS),
            "--cache-dir",
            os.devnull,
            ".",
        ],
        cwd=ROOT / "firmware",
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout
