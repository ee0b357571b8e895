"""Where this tree's firmware lives, and device settings the host sends to it.

The simulator runs these files on the MicroPython unix port; `deploy` compiles
and copies them to a board. Both take the directory from here.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# host/roomsweep/_firmware is a link to the repository's firmware/ directory
FIRMWARE_DIR = Path(os.environ.get("ROOMSWEEP_FIRMWARE_DIR", PACKAGE_DIR / "_firmware"))
# CONFIGURE text that lights the lens finder's LED groups (off by default): a
# sweep scans for lenses too
LENS_SCAN_SETTINGS = "led0_duty=500 led1_duty=500 led2_duty=500"
