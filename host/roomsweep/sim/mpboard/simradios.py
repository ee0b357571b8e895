# Simulated network radios for the simulated board (board.py imports this only
# when the simulator hands it a radio table, ROOMSWEEP_SIM_RADIO, written by
# roomsweep/sim/radios.py). MicroPython code. The table is read when a radio is
# first switched on, so a firmware run without radios pays no heap for it.


class Table:
    """The radio table file (sim/radios.py write_radio_table): a JSON line, then
    the RSSI grids, read piecewise so that no large string sits on the heap."""

    def __init__(self, path):
        self._path = path

    def get(self, part):
        """(header, [grid bytes of each device of `part`: "aps" or "ble"])."""
        import json

        with open(self._path, "rb") as f:
            head = json.loads(f.readline())
            n = head["grid_len"]
            skip = len(head["aps"]) if part == "ble" else 0
            f.seek(f.tell() + skip * n)
            grids = []
            for _ in head[part]:
                g = bytearray(n)
                f.readinto(g)
                grids.append(g)
        return head, grids


class SimWLAN:
    """network.WLAN(STA_IF) as the scenario's access points answer it: scan()
    takes the simulated time of a real active scan (the CPU stands still)."""

    def __init__(self, board, table):
        self._board = board
        self._table = table
        self._aps = None
        self._active = False

    def _load(self):
        import binascii

        table, grids = self._table.get("aps")
        self._grid_us = table["grid_us"]
        self._chan_us = table["scan_channel_us"]
        self._overhead_us = table["scan_overhead_us"]
        self._duration_us = table["scan_channels"] * self._chan_us + self._overhead_us
        self._aps = [(binascii.unhexlify(a["ssid"]), binascii.unhexlify(a["bssid"]),
                      a["channel"], a["authmode"], a["hidden"], g)
                     for a, g in zip(table["aps"], grids)]
        del table
        import gc

        gc.collect()

    def active(self, value=None):
        if value is None:
            return self._active
        self._active = bool(value)
        if value and self._aps is None:
            self._load()
            em = self._board._em
            if em is not None and not em.WLAN_AT_BOOT:  # esp_wifi_init's RAM
                em.radio_heap(self._board, em.WLAN_HEAP)

    def scan(self):
        if not self._active:
            raise OSError(1, "Wifi Not Started")
        b = self._board
        start = b.scenario_us()
        out = []
        for ssid, bssid, channel, auth, hidden, grid in self._aps:
            t = start + self._overhead_us // 2 + (2 * channel - 1) * self._chan_us // 2
            rssi = _int8_at(grid, t // self._grid_us)
            if rssi > -128:
                out.append((ssid, bssid, channel, rssi, auth, hidden))
        b.vt += self._duration_us  # the scan blocks: no sampling meanwhile
        b.radio_busy_until = b.scenario_us()
        return out


class SimBLE:
    """bluetooth.BLE() whose scan raises _IRQ_SCAN_RESULT for the scenario's
    advertisers at their advertising events (interval + 0-10 ms advDelay)."""

    def __init__(self, board, table):
        self._board = board
        self._table = table
        self._devs = None
        self._next = []
        self._handler = None
        self._active = False
        self._scanning = False
        self._rand = 12345

    def _load(self):
        import binascii

        table, grids = self._table.get("ble")
        self._grid_us = table["grid_us"]
        self._delay_max = table["adv_delay_max_us"]
        self._devs = [(d["addr_type"], memoryview(binascii.unhexlify(d["addr"])),
                       d["adv_type"], memoryview(binascii.unhexlify(d["data"])),
                       d["interval_us"], g)
                      for d, g in zip(table["ble"], grids)]
        self._next = [d["phase_us"] for d in table["ble"]]
        del table
        import gc

        gc.collect()

    def active(self, value=None):
        if value is None:
            return self._active
        self._active = bool(value)
        if value and self._devs is None:
            self._load()
            if self._board._em is not None:  # NimBLE's RAM
                self._board._em.radio_heap(self._board, self._board._em.BLE_HEAP)
        if not value:
            self._scanning = False
            self._board.ble_due_us = 1 << 62

    def irq(self, handler):
        self._handler = handler

    def gap_scan(self, duration_ms, interval_us=1280000, window_us=11250, active=False):
        if not self._active:
            raise OSError(1, "BLE not active")
        self._scanning = duration_ms is not None
        now = self._board.scenario_us()
        # events before the scan started were not heard
        for i in range(len(self._next)):
            while self._next[i] < now:
                self._next[i] += self._devs[i][4]
        self._schedule()

    def _schedule(self):
        b = self._board
        if not self._scanning or not self._next:
            b.ble_due_us = 1 << 62
            return
        b.ble_due_us = min(self._next) + b.origin_us()

    def deliver(self):
        """Raise the IRQ for every advertising event up to now."""
        b = self._board
        now = b.scenario_us()
        busy = b.radio_busy_until
        nxt = self._next
        for i in range(len(nxt)):
            addr_type, addr, adv_type, data, interval, grid = self._devs[i]
            while nxt[i] <= now:
                t = nxt[i]
                self._rand = (self._rand * 1103515245 + 12345) & 0x7FFFFFFF
                nxt[i] = t + interval + self._rand % (self._delay_max + 1)
                if t < busy:  # the Wi-Fi scan held the radio
                    continue
                rssi = _int8_at(grid, t // self._grid_us)
                if rssi > -128 and self._handler is not None:
                    if b._ble_queue is None:
                        self._handler(5, (addr_type, addr, adv_type, rssi, data))
                    else:  # esp32model: waits for the GIL
                        b._em.ble_event(b, self._handler, (addr_type, addr, adv_type, rssi, data))
        self._schedule()


def _int8_at(buf, index):
    if index >= len(buf):
        index = len(buf) - 1
    v = buf[index]
    return v - 256 if v > 127 else v
