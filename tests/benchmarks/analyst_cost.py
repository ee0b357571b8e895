"""Wall time of the analyst's commands on one capture (default: a 10-minute
simulated sweep, made once into build/bench/long.cap):

    .venv/bin/python tests/benchmarks/analyst_cost.py [CAPTURE] [--batch N]

Each command runs in-process through `roomsweep.cli.main`, best of `--repeat`;
`batch` analyses N copies of the capture on local Dask worker processes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import tempfile
import time
from pathlib import Path

from roomsweep.cli import main

ROOT = Path(__file__).resolve().parents[2]


def timed(argv: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
        best = min(best, time.perf_counter() - t0)
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} failed with {code}")
    return best


def main_bench() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("capture", nargs="?")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--batch", type=int, default=8, help="copies of the capture for batch")
    args = p.parse_args()
    cap = Path(args.capture) if args.capture else ROOT / "build" / "bench" / "long.cap"
    if not cap.exists():
        cap.parent.mkdir(parents=True, exist_ok=True)
        print(f"making a 10-minute simulated capture: {cap}")
        main(["sim", "hotel-room", "--seconds", "600", "--out", str(cap)])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        rows = [
            ("analyze", ["analyze", str(cap), "--json"]),
            ("report", ["report", str(cap), "-o", str(out / "r.html")]),
            ("plot timeline", ["plot", str(cap), "-o", str(out / "t.png")]),
            ("export sigmf", ["export", str(cap), "--format", "sigmf", "-o", str(out / "s")]),
            ("export csv", ["export", str(cap), "--format", "csv", "-o", str(out / "s.csv")]),
            (
                "export jsonl",
                ["export", str(cap), "--format", "jsonl", "-o", str(out / "f.jsonl")],
            ),
        ]
        print(f"capture {cap} ({cap.stat().st_size / 1e6:.1f} MB)")
        print("| command | best wall time |\n|---|---|")
        for name, argv in rows:
            print(f"| {name} | {timed(argv, args.repeat):.2f} s |")
        d = out / "batch"
        d.mkdir()
        for i in range(args.batch):
            shutil.copy(cap, d / f"room-{i:03d}.cap")
        t = timed(["batch", str(d), "--out", str(out / "summary.csv")], 1)
        print(
            f"| batch, {args.batch} captures, local processes | {t:.2f} s "
            f"({t / args.batch:.2f} s a capture) |"
        )


if __name__ == "__main__":
    main_bench()
