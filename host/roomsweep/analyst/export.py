"""`roomsweep export`: a capture's samples and findings in formats other tools read.

- sigmf: one SigMF recording per sample channel (`BASE-rf`, `BASE-photodiode`:
  .sigmf-data of the raw 12-bit ADC counts as ru16_le, .sigmf-meta), tied by
  `BASE.sigmf-collection`. A capture segment starts at every gap in the device's
  sample clock (a pulled cable), with its UTC time; findings and waypoint dwells
  are annotations (lens findings on the photodiode channel, every other kind on
  the RF one), the whole finding under `roomsweep:finding`. SigMF specification
  v1.x (sigmf.org); the metadata is checked with the `sigmf` package before it
  is written.
- csv: one row per RF sample: time, counts, dBm through the calibration, the
  photodiode's counts, the waypoint whose dwell the sample is in (as
  `untrusted.csv_cell`: a name starting with = + - @ is no formula to a
  spreadsheet).
- jsonl: one JSON object per finding per line, rtl_433 style ("time", "model",
  then the finding's own keys; docs/findings.md).

Every file is written to a temporary file beside it and renamed into place when
complete (`roomsweep.link.outputs.atomic_write`), and none may be the capture
itself or replace another capture unasked (`check_output_path`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np

from roomsweep import __version__
from roomsweep.analysis.analyze import ANALYSIS_WINDOW_S
from roomsweep.analysis.recording import GAP_MIN_S, level_text
from roomsweep.analysis.slotclock import block_repeats, first_slots
from roomsweep.analyst.analysed import SweepAnalysis, ceiling_dbm
from roomsweep.analyst.progress import bar
from roomsweep.errors import UsageError
from roomsweep.link.capture import load
from roomsweep.link.outputs import atomic_write, check_output_path
from roomsweep.protocol.untrusted import csv_cell

FORMATS = ("sigmf", "csv", "jsonl")
CHANNEL_NAMES = {0: "rf", 1: "photodiode"}
CHUNK = 1 << 16  # samples written per step
GAP_PERIODS = 1.5  # a step of more than this many sample periods starts a new segment
EXTENSION = {"name": "roomsweep", "version": "0.1.0", "optional": True}


class ExportError(UsageError):
    """The export could not be written (exit code 2, as plot's and report's)."""


def _utc(unix: float) -> str:
    return dt.datetime.fromtimestamp(unix, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _start_unix(an: SweepAnalysis) -> float | None:
    created = an.header.get("created_unix")
    return float(created) if isinstance(created, (int, float)) else None


def segments(times_us: np.ndarray, rate_hz: float) -> list[int]:
    """Indices where a new run of evenly spaced samples starts (0 first)."""
    if times_us.size < 2 or rate_hz <= 0:
        return [0]
    step = np.diff(times_us)
    gap = step > GAP_PERIODS * 1e6 / rate_hz
    return [0] + [int(i) + 1 for i in np.flatnonzero(gap)]


@contextmanager
def _open_out(path: str | Path | None) -> Iterator[IO[str]]:
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    try:
        with atomic_write(path, "w", encoding="utf-8", newline="") as f:
            yield f
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror or e}") from e


# --- JSON lines --------------------------------------------------------------------------


def finding_lines(an: SweepAnalysis) -> list[str]:
    """One JSON object per finding: "time" (UTC of its strongest evidence, when the
    capture knows its start), "model" (the class's human name), "capture", then the
    finding as documented in docs/findings.md."""
    start = _start_unix(an)
    lines = []
    for f in an.findings:
        t = f.get("time_s")
        head = {
            "time": _utc(start + float(t)) if start is not None and t is not None else None,
            "model": f.get("title") or f.get("class"),
            "capture": an.path,
        }
        lines.append(json.dumps({**head, **f}, sort_keys=False, default=str))
    return lines


def export_jsonl(an: SweepAnalysis, out: str | Path | None) -> dict[str, Any]:
    with _open_out(out) as f:
        for line in finding_lines(an):
            f.write(line + "\n")
    return {
        "format": "jsonl",
        "files": [] if out in (None, "-") else [str(out)],
        "findings": len(an.findings),
    }


# --- CSV ---------------------------------------------------------------------------------


def _csv_text(value: str) -> str:
    """One CSV field for untrusted text: formula-neutralised (`csv_cell`), then
    quoted as the csv module quotes (a comma or a quote in a name stays in its
    column)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([csv_cell(value)])
    return buf.getvalue()


def _stop_samples(an: SweepAnalysis, stop: dict[str, Any]) -> tuple[int, int]:
    """A stop's samples [first, end): the analysis's own (`stop_levels`), else
    from its device times (`Recording.sample_time`)."""
    if stop.get("samples"):
        return int(stop["samples"][0]), int(stop["samples"][1])
    a, b = (int(an.rec.sample_time(stop[k]) * an.rec.fs) for k in ("start_s", "end_s"))
    return a, b


def _stop_labels(an: SweepAnalysis, n: int) -> np.ndarray:
    """The waypoint whose dwell each sample is in ("" between dwells), as a CSV field."""
    labels = np.full(n, "", dtype=object)
    for stop in an.stops:
        if stop["waypoint"]:
            a, b = _stop_samples(an, stop)
            labels[a:b] = _csv_text(stop["waypoint"])
    return labels


def _grid_slots(an: SweepAnalysis, cap: Any) -> np.ndarray:
    """Each RF sample of the file's slot on the analysis's sample clock: the
    recording holds the slots the sampler skipped (analysis.slotclock), the
    file has only the samples taken."""
    return first_slots(block_repeats(cap.blocks(0), an.rec.fs, GAP_MIN_S))


def export_csv(an: SweepAnalysis, out: str | Path | None) -> dict[str, Any]:
    cap = load(an.path)
    counts, times_us, _ = cap.channel(0)
    n = counts.size
    slots = _grid_slots(an, cap)  # each row's sample on the analysis's clock
    dbm = an.rec.rf_dbm()[slots]
    t_s = (times_us - times_us[0]) / 1e6
    pd = an.rec.pd_counts  # beside the RF samples of its block (slotclock.on_rf_blocks)
    pd_col = pd[slots] if pd is not None else None
    labels = _stop_labels(an, an.rec.rf_counts.size)[slots]
    with _open_out(out) as f, bar(n, "export csv", unit="sample", unit_scale=True) as b:
        f.write("time_s,rf_counts,rf_dbm,photodiode_counts,waypoint\n")
        for a in range(0, n, CHUNK):
            z = min(n, a + CHUNK)
            pd_txt = pd_col[a:z].tolist() if pd_col is not None else [""] * (z - a)
            f.write(
                "".join(
                    f"{t:.6f},{c},{d:.2f},{p},{w}\n"
                    for t, c, d, p, w in zip(
                        t_s[a:z].tolist(),
                        counts[a:z].tolist(),
                        dbm[a:z].tolist(),
                        pd_txt,
                        labels[a:z].tolist(),
                    )
                )
            )
            b.update(z - a)
    return {"format": "csv", "files": [] if out in (None, "-") else [str(out)], "rows": n}


# --- SigMF -------------------------------------------------------------------------------


def _annotations(
    an: SweepAnalysis, channel: int, fs: float, n: int
) -> list[tuple[int, int, dict]]:
    out = []
    for stop in an.stops:
        if not stop["waypoint"]:
            continue
        a, b = _stop_samples(an, stop)  # the RF channel's samples
        if fs != an.rec.fs:  # another channel's rate
            a, b = int(a * fs / an.rec.fs), int(b * fs / an.rec.fs)
        if a >= n:
            continue
        count = max(1, min(n, b) - a)
        out.append(
            (
                a,
                count,
                {
                    "core:label": f"waypoint {stop['waypoint']}",
                    "core:comment": f"dwell at waypoint {stop['waypoint']}: "
                    f"loudest 50 ms {level_text(stop['loudest_dbm'], ceiling=ceiling_dbm(an))}",
                    "roomsweep:waypoint": stop["waypoint"],
                },
            )
        )
    for rank, f in enumerate(an.findings, 1):
        on_photodiode = f.get("type") == "lens"
        if on_photodiode != (channel == 1) or f.get("time_s") is None:
            continue
        # the analysis window the finding's evidence came from
        t = an.rec.sample_time(float(f["time_s"]))  # device time -> sample clock
        a = max(0, int((t - ANALYSIS_WINDOW_S / 2) * fs))
        if a >= n:
            continue
        count = max(1, min(n - a, int(ANALYSIS_WINDOW_S * fs)))
        label = str(f.get("class") or f.get("type") or "finding")
        out.append(
            (
                a,
                count,
                {
                    "core:label": label,
                    "core:comment": f"#{rank} {f.get('why') or label}",
                    "roomsweep:finding": f,
                },
            )
        )
    return sorted(out, key=lambda item: item[0])


def _write_recording(
    an: SweepAnalysis,
    base: Path,
    channel: int,
    counts: np.ndarray,
    times_us: np.ndarray,
    rate: float,
    slots: np.ndarray,
    b: Any,
) -> Path:
    """One channel's SigMF recording; `slots`: each RF sample of the file's slot
    on the analysis's clock (_grid_slots), where its annotations are."""
    from sigmf import SigMFFile

    name = CHANNEL_NAMES.get(channel, f"ch{channel}")
    stem = _sigmf_stem(base, channel)
    data_path = stem.with_name(stem.name + ".sigmf-data")
    samples = counts.astype("<u2", copy=False)
    try:
        with atomic_write(data_path, "wb") as f:
            for a in range(0, samples.size, CHUNK):
                f.write(samples[a : a + CHUNK].tobytes())
                b.update(min(CHUNK, samples.size - a))
    except OSError as e:
        raise ExportError(f"cannot write {data_path}: {e.strerror or e}") from e
    dev = an.header.get("device") or {}
    cal = an.rec.calibration
    description = (
        f"roomsweep {name} channel: 12-bit ADC counts of the "
        + (
            "RF log-power detector (AD8318-class)"
            if channel == 0
            else "IR photodiode (lens finder)"
        )
        + f", from capture {Path(an.path).name}"
    )
    meta = SigMFFile(
        data_file=str(data_path),
        global_info={
            "core:datatype": "ru16_le",
            "core:sample_rate": float(rate),
            "core:num_channels": 1,
            "core:description": description,
            "core:recorder": f"roomsweep {__version__}",
            "core:hw": f"{dev.get('board', 'unknown board')} firmware {dev.get('firmware', '?')}"
            + (" (simulated)" if dev.get("simulated") else ""),
            "core:extensions": [dict(EXTENSION)],
            "roomsweep:channel": name,
            "roomsweep:capture": str(an.path),
        },
    )
    if channel == 0:  # counts -> mV -> dBm: docs/calibration.md
        meta.set_global_field("roomsweep:calibration", cal.to_dict())
    start = _start_unix(an)
    t0 = int(times_us[0]) if times_us.size else 0
    for idx in segments(times_us, rate):
        extra: dict[str, Any] = {
            "roomsweep:device_time_us": int(times_us[idx]) if times_us.size else 0
        }
        if start is not None and times_us.size:
            extra["core:datetime"] = _utc(start + (int(times_us[idx]) - t0) / 1e6)
        meta.add_capture(idx, metadata=extra)
    # the annotations are on the analysis's clock, whose held slots the file lacks
    for a, count, md in _annotations(an, channel, an.rec.fs, int(slots[-1]) + 1):
        first, end = np.searchsorted(slots, [a, a + count])
        if first >= samples.size:
            continue
        meta.add_annotation(int(first), max(1, int(end - first)), metadata=md)
    meta_path = stem.with_name(stem.name + ".sigmf-meta")
    meta.validate()  # the sigmf package's own schema check, before anything is written
    try:
        with atomic_write(meta_path, "w") as f:
            meta.dump(f, pretty=True)
            f.write("\n")  # as SigMFFile.tofile writes it
    except OSError as e:
        raise ExportError(f"cannot write {meta_path}: {e.strerror or e}") from e
    return meta_path


def _sigmf_base(capture: str | Path, out: str | Path | None) -> Path:
    base = Path(out) if out not in (None, "-") else Path(capture).with_suffix("")
    for suffix in (".sigmf-meta", ".sigmf-data", ".sigmf-collection", ".sigmf"):
        if base.name.endswith(suffix):
            base = base.with_name(base.name[: -len(suffix)])
    return base


def _sigmf_stem(base: Path, channel: int) -> Path:
    return base.with_name(f"{base.name}-{CHANNEL_NAMES.get(channel, f'ch{channel}')}")


def export_paths(capture: str | Path, fmt: str, out: str | Path | None) -> list[Path]:
    """Every file `export` may write for `capture` (nothing for standard output):
    what to check before any work."""
    if fmt != "sigmf":
        return [] if out in (None, "-") else [Path(out)]
    base = _sigmf_base(capture, out)
    stems = [_sigmf_stem(base, ch) for ch in CHANNEL_NAMES]
    return [
        *(s.with_name(s.name + ext) for s in stems for ext in (".sigmf-data", ".sigmf-meta")),
        base.with_name(base.name + ".sigmf-collection"),
    ]


def export_sigmf(an: SweepAnalysis, out: str | Path | None) -> dict[str, Any]:
    from sigmf import SigMFCollection

    base = _sigmf_base(an.path, out)
    if not base.parent.is_dir():
        raise UsageError(f"no such directory for the export: {base.parent}")
    cap = load(an.path)
    channels = {ch: cap.channel(ch) for ch in CHANNEL_NAMES}
    channels = {ch: c for ch, c in channels.items() if c[0].size}
    total = sum(c[0].size for c in channels.values())
    metas = []
    slots = _grid_slots(an, cap)  # the annotations' samples in the file, for every channel
    with bar(total, "export sigmf", unit="sample", unit_scale=True) as b:
        for ch, (counts, times_us, rate) in channels.items():
            metas.append(_write_recording(an, base, ch, counts, times_us, rate, slots, b))
    collection = SigMFCollection(
        metafiles=[m.name for m in metas],
        base_path=base.parent,
        metadata={
            "collection": {
                "core:description": f"roomsweep capture {Path(an.path).name}",
                "core:extensions": [dict(EXTENSION)],
            }
        },
    )
    collection_path = base.with_name(base.name + ".sigmf-collection")
    try:
        with atomic_write(collection_path, "w") as f:
            collection.dump(f, pretty=True)
            f.write("\n")  # as SigMFCollection.tofile writes it
    except OSError as e:
        raise ExportError(f"cannot write {collection_path}: {e.strerror or e}") from e
    data = [m.with_name(m.name.replace(".sigmf-meta", ".sigmf-data")) for m in metas]
    files = [str(p) for pair in zip(metas, data) for p in pair]
    files.append(str(base.with_name(base.name + ".sigmf-collection")))
    return {
        "format": "sigmf",
        "files": files,
        "samples": total,
        "annotations": sum(len(json.loads(m.read_text())["annotations"]) for m in metas),
    }


def export(
    an: SweepAnalysis,
    fmt: str,
    out: str | Path | None,
    inputs: Iterable[str | Path] = (),
    force: bool = False,
) -> dict[str, Any]:
    """Write `an` as `fmt` to `out` (csv and jsonl: None or "-" is standard output).
    No output may be the capture or one of `inputs`, nor replace a capture unless
    `force` (`roomsweep.link.outputs.check_output_path`)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    sources = [an.path, *inputs]
    for path in export_paths(an.path, fmt, out):
        check_output_path(path, sources, force=force, what=f"{fmt} export")
    if fmt == "sigmf":
        return export_sigmf(an, out)
    if fmt == "csv":
        return export_csv(an, out)
    return export_jsonl(an, out)
