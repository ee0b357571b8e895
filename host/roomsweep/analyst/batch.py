"""`roomsweep batch DIR`: analyse a directory of captures in parallel on Dask.

Each capture is analysed by `analyse_one` (the same `analyse_capture` every
other command uses) in a Dask worker: local processes by default (a
`distributed.LocalCluster`), or an existing cluster given by its scheduler
address. One summary row per capture, in file-name order; a capture that cannot
be read or analysed gets a row with its error, and the batch goes on.

The summary is a CSV whose text cells are `untrusted.csv_cell` (a waypoint
named "=HYPERLINK(...)" is text to a spreadsheet, not a formula), written to a
temporary file and renamed into place; it may not be one of the captures.

Trusted scheduler only: Dask sends pickled tasks and results, so a scheduler
(and its workers) can run code here, and this machine's tasks run there.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from roomsweep.analyst.analysed import analyse_capture, summary_row
from roomsweep.errors import RoomsweepError, ServiceError, UsageError
from roomsweep.link.outputs import atomic_write, check_output_path
from roomsweep.protocol.untrusted import csv_cell

PATTERN = "*.cap"
COLUMNS = (
    "capture",
    "scenario",
    "duration_s",
    "waypoints",
    "findings",
    "classes",
    "top_class",
    "top_waypoint",
    "top_confidence",
    "top_level_dbm",
    "top_saturated",  # yes: the detector's ceiling, the level a lower bound
    "loudest_waypoint",
    "loudest_dbm",
    "loudest_saturated",
    "caveats",  # unvisited stops, too short to clear the room, damage (analyst.caveats)
    "error",
)


def analyse_one(path: str, calibration: str | None = None) -> dict[str, Any]:
    """The summary row of one capture, or a row naming its error. Runs in a worker:
    it never raises, so one bad file does not stop the batch."""
    try:
        return summary_row(analyse_capture(path, calibration=calibration))
    except RoomsweepError as e:
        error = str(e)
    except Exception as e:  # a bug or a file no check foresaw: reported, not fatal
        error = f"{type(e).__name__}: {e}"
    row: dict[str, Any] = {k: "" for k in COLUMNS}
    row.update(capture=path, error=error.splitlines()[0] if error else "failed")
    return row


def find_captures(directory: str | Path) -> list[Path]:
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"not a directory of captures: {directory}")
    paths = sorted(p for p in root.glob(PATTERN) if p.is_file())
    if not paths:
        raise UsageError(f"no captures ({PATTERN}) in {directory}")
    return paths


def run_batch(
    paths: list[Path],
    scheduler: str | None = None,
    workers: int | None = None,
    calibration: str | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Rows for `paths`, in their order. `on_done` is called as each finishes."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise ServiceError(
                    f"cannot reach the Dask scheduler at {scheduler}: {e}"
                ) from None
        else:
            n = workers or max(1, min(os.cpu_count() or 1, len(paths)))
            # processes, one thread each: the analysis holds the GIL for most of its time
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
            client = Client(cluster)
        with client:
            futures = [
                client.submit(
                    analyse_one, str(p), calibration, key=f"analyse-{i}-{p.name}", pure=False
                )
                for i, p in enumerate(paths)
            ]
            order = {f.key: i for i, f in enumerate(futures)}
            rows: list[dict[str, Any] | None] = [None] * len(paths)
            for fut in as_completed(futures):
                row = fut.result()
                rows[order[fut.key]] = row
                if on_done:
                    on_done(row)
    finally:
        if cluster is not None:
            cluster.close()
    return [r for r in rows if r is not None]


def write_summary(
    rows: list[dict[str, Any]],
    out: str | Path,
    inputs: Iterable[str | Path] = (),
    force: bool = False,
) -> Path:
    """The summary CSV, one row per capture. `out` may not be one of `inputs` (nor
    any capture named in `rows`), nor replace another capture unless `force`."""
    sources = [*inputs, *(r["capture"] for r in rows if r.get("capture"))]
    out = check_output_path(out, sources, force=force, what="summary")
    try:
        with atomic_write(out, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
            w.writeheader()
            w.writerows({k: csv_cell(v) for k, v in r.items()} for r in rows)
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror or e}") from e
    return out
