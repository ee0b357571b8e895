"""What a capture's findings cannot speak for, said wherever they are shown
(`analyze`, its --json, the report, `batch`'s rows, the timeline).

- coverage: planned stops the sweep did not visit: the live sweep's own
  verdict (`roomsweep.protocol.plan.sweep_coverage`, one rule for both);
- too short: fewer samples than one stop's dwell: nothing found in it clears
  the room (`MIN_SAMPLED_S`);
- damage: frames the decoder rejected or found missing, and the seconds of
  samples lost with them: the findings come from what was received;
- carried: a phone that moved with the device (`network.carried`), whose
  bursts read as a device at whichever stops it sent at;
- identified: access points in the room whose own beacons say what they are
  (`network.identified`: the building's network, a printer, a TV), which are
  not reported as hidden devices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roomsweep.analysis.components import DWELL_S
from roomsweep.analysis.recording import Recording
from roomsweep.link.capture import Capture
from roomsweep.network.carried import carried_along
from roomsweep.network.devices import Device, build_devices
from roomsweep.network.identified import FLOOR_DBM, identify
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import starts_session
from roomsweep.protocol.plan import RoomPlan, read_plan, sweep_coverage, with_plan
from roomsweep.protocol.records import Samples, WifiScan
from roomsweep.protocol.untrusted import printable

# The least a capture must hold to say anything of a room: one stop's dwell.
# The analysis hears a place over DWELL_S after its mark (components.stretches)
# and classifies over ANALYSIS_WINDOW_S (1.5 s) windows; with less than one
# dwell of samples it has not listened at a single stop for as long as it
# listens at each, and a GSM handset idling between bursts, a BLE tag
# advertising once a second or a Wi-Fi camera between frames may not have
# sent at all. Such a capture cannot clear the room.
MIN_SAMPLED_S = DWELL_S

# the decoder's counters of frames it could not use, in words
_REJECTED = (
    ("crc_errors", "with a bad CRC"),
    ("bad_length", "with an impossible length"),
    ("bad_version", "of another protocol version"),
    ("truncated", "cut off (at the end, or where a recording was appended)"),
    ("bad_payload", "unreadable"),
)


def sentence(clause: str) -> str:
    """A caveat's clause ("sweep incomplete: ...") as a sentence of its own."""
    return clause[:1].upper() + clause[1:] + "."


@dataclass
class Caveats:
    """One sentence each (None: nothing to say)."""

    coverage: str | None = None
    too_short: str | None = None
    damage: str | None = None
    carried: str | None = None
    identified: str | None = None

    def lines(self) -> list[str]:
        said = (self.too_short, self.coverage, self.damage, self.carried, self.identified)
        return [c for c in said if c]

    def as_dict(self) -> dict[str, Any]:
        return {
            "coverage": self.coverage,
            "too_short": self.too_short,
            "damage": self.damage,
            "carried": self.carried,
            "identified": self.identified,
        }


def caveats(cap: Capture, rec: Recording, plan: RoomPlan | None = None) -> Caveats:
    """The caveats of `rec`, the recording of `cap` (`plan`: one given apart from
    the capture, as `from_capture` was given it)."""
    devices = build_devices(rec.wifi, rec.ble, rec.marks)  # what the scans heard, once
    return Caveats(
        coverage_text(cap, rec, plan),
        too_short_text(rec),
        damage_text(cap, rec),
        carried_text(rec, devices),
        identified_text(rec, devices),
    )


def identified_text(rec: Recording, devices: list[Device] | None = None) -> str | None:
    """ "access points that say what they are, ...: ..." for those heard in the room
    (network.identified.FLOOR_DBM or louder at a stop, as an access point must
    be to take an RF finding away) whose beacons say what they are
    (network.identified), or None. Their names are left out, as the carried
    phone's address is: the caveat is printed where `--redact` does not reach.
    `devices`: what build_devices made of `rec`'s sightings already."""
    if devices is None:
        devices = build_devices(rec.wifi, rec.ble, rec.marks)
    heard = [k for k in identify(devices) if k.device.strongest_dbm >= FLOOR_DBM]
    if not heard:
        return None
    each = [
        f"{k.what}"
        + (f", strongest at {k.device.strongest_waypoint}" if k.device.strongest_waypoint else "")
        + f" ({k.device.strongest_dbm:.0f} dBm)"
        for k in sorted(heard, key=lambda k: -k.device.strongest_dbm)
    ]
    return "access points that say what they are, not reported as hidden: " + "; ".join(each)


def carried_text(rec: Recording, devices: list[Device] | None = None) -> str | None:
    """ "a phone moved with you: ..." when the device's BLE scan heard a
    device alike at every stop (network.carried), or None. Its address is
    left out: the caveat is printed where `--redact` does not reach.
    `devices`: what build_devices made of `rec`'s sightings already."""
    with_you = carried_along(rec, devices)
    if not with_you:
        return None
    levels = [v for d in with_you for v in d.by_waypoint.values()]
    return (
        f"a phone moved with you: a Bluetooth LE device read {min(levels):.0f} to "
        f"{max(levels):.0f} dBm at every stop, as only one carried along does; where it "
        "sent, its cellular or Wi-Fi bursts read as a device at that stop, and can hide "
        "one there (GSM or LTE readings no louder than the kind reads at stops across the "
        "room are not reported): sweep again with your phone in flight mode"
    )


def coverage_text(cap: Capture, rec: Recording, plan: RoomPlan | None = None) -> str | None:
    """The sweep's own "sweep incomplete: N of M stops not visited (...); the
    findings speak only for the K visited", or None (every stop visited, or no
    planned sweep)."""
    sweep = with_plan(read_plan(cap.header, str(cap.path)), plan).sweep or []
    named = [printable(m.label) for m in rec.marks]  # as `analysed.clean_names` names them
    return sweep_coverage([printable(n) for n in sweep], named).verdict()


def too_short_text(rec: Recording) -> str | None:
    if rec.duration_s >= MIN_SAMPLED_S:
        return None
    return (
        f"capture too short to clear the room: {rec.duration_s:.2f} s of samples, less than "
        f"one stop's dwell ({MIN_SAMPLED_S:g} s): nothing found in it does not mean the "
        "room is clean"
    )


def damage_text(cap: Capture, rec: Recording) -> str | None:
    """ "capture damaged: ..." when the decoder rejected frames or found some
    missing: how many, and about how many seconds of samples went with them."""
    c = cap.counters
    rejected = [(getattr(c, key), what) for key, what in _REJECTED if getattr(c, key)]
    parts = []
    if rejected:
        n = sum(k for k, _ in rejected)
        parts.append(
            f"{n} frame{'s' if n != 1 else ''} rejected ("
            + ", ".join(f"{k} {what}" for k, what in rejected)
            + ")"
        )
    if c.seq_gaps:
        parts.append(f"{c.seq_gaps} frame{'s' if c.seq_gaps != 1 else ''} missing (sequence gaps)")
    if c.garbage_bytes:
        parts.append(f"{c.garbage_bytes:,} bytes of garbage")
    if c.device_dropped:
        parts.append(f"{c.device_dropped} samples dropped by the device")
    if not parts:
        return None
    lost = lost_seconds(cap, rec) + c.device_dropped / rec.fs
    return (
        "capture damaged: "
        + ", ".join(parts)
        + (f"; about {lost:.1f} s of samples lost" if lost >= 0.05 else "")
        + ": the findings come from what was received"
    )


def lost_seconds(cap: Capture, rec: Recording) -> float:
    """Seconds of device time without samples that no Wi-Fi scan of the capture
    explains (a scan stalls the sampling, `WifiScan`): the gaps lost frames left.
    The pause between appended recordings (a recorder's first HOST_TIME, host
    seq 0, starts one: docs/capture-format.md *Appending*) is no loss."""
    t0 = next((r.t_first_us for r in cap.records if isinstance(r, Samples) and r.channel == 0), 0)
    scans = [
        ((s.t_start_us - t0) / 1e6, (s.t_start_us + s.duration_us - t0) / 1e6)
        for s in cap.records
        if isinstance(s, WifiScan)
    ]
    resumed = _session_starts(cap, t0)
    lost = 0.0
    for a, b in rec.scan_gaps:
        if any(abs(b - r) < SESSION_MATCH_S for r in resumed):
            continue
        covered = sum(max(0.0, min(b, d) - max(a, c)) for c, d in scans)
        lost += max(0.0, (b - a) - covered)
    return lost


# a gap ends at an appended recording's first sample (its device time, to a block)
SESSION_MATCH_S = 0.1


def _session_starts(cap: Capture, t0: int) -> list[float]:
    """Device time (s after the first RF sample) of the first RF sample of each
    appended recording: after each session start (the decoder's own rule,
    `starts_session`) but the first."""
    out, seen, pending, prev_host = [], 0, False, None
    for r in cap.records:
        if r.type in P.HOST_TYPES:
            if starts_session(r.type, r.seq, prev_host):
                seen += 1
                pending = seen > 1
            prev_host = r.seq
        elif pending and isinstance(r, Samples) and r.channel == 0:
            out.append((r.t_first_us - t0) / 1e6)
            pending = False
    return out
