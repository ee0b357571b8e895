"""The firmware's network radios (firmware/radios.py) on the MicroPython unix
port with fake WLAN/BLE objects, and end to end through the simulated board."""

from __future__ import annotations

import pytest

from roomsweep.protocol.decoder import decode_all
from roomsweep.protocol.records import BleAdv, Status, WifiScan

FAKES = """
import sys, micropython, rsproto
from radios import Radios, BLE_SLOTS

class Clock:
    t = 1000
    def us(self):
        self.t += 10
        return self.t & 0x3FFFFFFF
    def ms(self):
        return self.t // 1000

clock = Clock()

class FakeWLAN:
    def __init__(self, fail=False):
        self.fail = fail
        self.on = False
    def active(self, v=None):
        if v is None:
            return self.on
        self.on = v
    def scan(self):
        clock.t += 1600000  # the CPU stands still for the scan
        if self.fail:
            raise OSError(116)
        return [(b'HDWiFiCam-3A2F10', b'\\x54\\x8c\\x81\\x3a\\x2f\\x10', 6, -41, 0, False),
                (b'', b'\\x02\\x00\\x00\\x00\\x00\\x01', 11, -90, 3, True)]

class FakeBLE:
    def __init__(self):
        self.handler = None
        self.scan_args = None
        self.on = False
    def active(self, v=None):
        if v is None:
            return self.on
        self.on = v
    def irq(self, h):
        self.handler = h
    def gap_scan(self, *args):
        self.scan_args = args

seq = [0]
out = sys.stdout.buffer
def send(t, payload):
    out.write(rsproto.encode_frame(t, seq[0], clock.us(), bytes(payload)))
    seq[0] += 1

def diff(a, b):
    return (a - b) & 0x3FFFFFFF
"""


def _run(mp_run, body: str):
    proc = mp_run(FAKES + body)
    assert proc.returncode == 0, proc.stderr.decode()[-800:]
    records, counters = decode_all(proc.stdout)
    assert counters.bad_payload == counters.crc_errors == 0
    return records


def test_wifi_scan_frame_carries_the_stall(mp_run):
    records = _run(
        mp_run,
        """
r = Radios(FakeWLAN(), None, clock.us, clock.ms, diff, send)
r.wifi_scan = 1
r.start()
r.service()              # nothing asked: no scan
r.marked()
r.service()
r2 = Radios(FakeWLAN(fail=True), None, clock.us, clock.ms, diff, send)
r2.wifi_scan = 1
r2.start()
r2.marked()
r2.service()
""",
    )
    ok, failed = [r for r in records if isinstance(r, WifiScan)]
    assert ok.active and not ok.failed and 1_600_000 <= ok.duration_us < 1_700_000
    assert [(a.ssid, a.bssid, a.rssi_dbm, a.hidden) for a in ok.access_points] == [
        ("HDWiFiCam-3A2F10", "54:8c:81:3a:2f:10", -41, False),
        ("", "02:00:00:00:00:01", -90, True),
    ]
    assert failed.failed and failed.access_points == [] and failed.duration_us >= 1_600_000


def test_ble_irq_dedups_into_bounded_storage_without_allocating(mp_run):
    records = _run(
        mp_run,
        """
ble = FakeBLE()
r = Radios(None, ble, clock.us, clock.ms, diff, send)
r.ble_scan = 1
r.start()
assert ble.scan_args == (0, 30000, 30000, False), ble.scan_args  # window = interval, passive
addr = memoryview(bytearray(b'\\xd2\\x4f\\x1a\\x9c\\x33\\x07'))
data = memoryview(bytearray(b'\\x1e\\xff\\x4c\\x00\\x12' + bytes(26)))
h = ble.handler
short = data[:3]
calls = [(1, addr, 3, -40, data), (1, addr, 3, -30, data), (1, addr, 3, -35, data)]
for i in range(40):          # 40 more advertisers: the table keeps BLE_SLOTS
    calls.append((0, bytearray(bytes([0, 0, 0, 0, 0, i + 1])), 0, -70, short))
done = ()
micropython.heap_lock()      # the IRQ path must not allocate
for c in calls:
    h(5, c)
h(6, done)                   # scan done: ignored
micropython.heap_unlock()
clock.t += 1000000
r.service()                  # a second has passed: the window goes out
r.service()                  # and not again right away
""",
    )
    (adv,) = [r for r in records if isinstance(r, BleAdv)]
    assert len(adv.advertisers) == 32 and adv.lost == 40 - 31
    tag = adv.advertisers[0]
    assert tag.address == "d2:4f:1a:9c:33:07" and tag.address_type == 1
    assert (tag.rssi_max_dbm, tag.rssi_last_dbm, tag.seen) == (-30, -35, 3)
    assert tag.adv_data[:5] == bytes.fromhex("1eff4c0012") and len(tag.adv_data) == 31
    assert adv.span_us >= 1_000_000


@pytest.mark.slow
def test_hotel_room_through_the_firmware_finds_network_devices(tmp_path):
    from roomsweep.analysis.analyze import analyze
    from roomsweep.analysis.recording import from_capture
    from roomsweep.link.capture import load
    from roomsweep.sim.runner import simulate
    from roomsweep.sim.scenario import load_scenario

    cap = tmp_path / "hotel.cap"
    from roomsweep.sim.radios import RADIO_SETTINGS

    simulate(load_scenario("hotel-room"), cap, settings=RADIO_SETTINGS)
    records = load(cap).records
    scans = [r for r in records if isinstance(r, WifiScan)]
    assert len(scans) == 10  # one per waypoint mark
    assert all(1.5e6 <= s.duration_us <= 2.5e6 for s in scans)  # the documented stall
    missed = max(r.missed for r in records if isinstance(r, Status))
    assert missed > 10 * 1.5 * 8000 * 0.9  # the stalls are visible as skipped slots
    assert any(isinstance(r, BleAdv) and r.advertisers for r in records)
    findings = analyze(from_capture(cap))
    cam = next(f for f in findings if f["class"] == "wifi_camera")
    assert cam["waypoint"] == "smoke-detector" and cam.get("sources") == ["rf", "wifi"]
    # the AirTag under the bed: a BLE transmitter by the scan (analysis/blescan.py),
    # its tracker finding merged into it
    tracker = next(f for f in findings if f["class"] == "ble")
    assert tracker["waypoint"] == "bed-right" and tracker["evidence"]["ble"]["mac"]
    gsm = next(f for f in findings if f["class"] == "gsm")
    assert gsm["waypoint"] == "headboard"
    # the hotel's open AP, the neighbour's, the Edimax plug, the phone, the beacon: not
    assert (
        {"wifi_camera", "gsm", "ble"}
        <= {f["class"] for f in findings}
        <= {"wifi_camera", "gsm", "ble", "camera_lens"}
    )
