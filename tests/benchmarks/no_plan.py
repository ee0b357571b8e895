"""Detection with and without the capture's plan: each scenario's recording
analysed as recorded (waypoint positions from the plan) and again with the
positions taken away, as a real sweep records it (docs/findings.md step 5b,
"A capture without a plan").

    .venv/bin/python tests/benchmarks/no_plan.py tests/scenarios
    .venv/bin/python tests/benchmarks/no_plan.py --cache CACHE DIR1+DIR2 DIR3

Recordings come as in reliability.py: DIR_pkl/<stem>.pkl beside DIR, or
CACHE/<DIR name>_pkl/<stem>.pkl with --cache (made there when missing), else
eval.fastpath.from_scenario. Prints, per set (DIR1+DIR2 reports them together),
RF recall, precision, class accuracy and false findings with the plan and
without it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from roomsweep.analysis.analyze import analyze  # noqa: E402
from roomsweep.eval.evaluate import hidden_emitters, score_scenario, summarize  # noqa: E402
from roomsweep.sim.scenario import load_scenario  # noqa: E402
from tests.benchmarks.reliability import _recording  # noqa: E402


def _scores(tomls: list[Path], cache: Path | None) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"plan": [], "no plan": []}
    for toml in tomls:
        rec = _recording(toml, cache)
        truth = hidden_emitters(load_scenario(str(toml)))
        planless = dataclasses.replace(rec, waypoint_positions=None)
        for mode, seen in (("plan", rec), ("no plan", planless)):
            rf = [f for f in analyze(seen) if f.get("type", "rf") == "rf"]
            out[mode].append(score_scenario(rf, truth, rec))
    return out


def _pc(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+", help="scenario dirs; DIR1+DIR2 reports them together")
    ap.add_argument("--cache", type=Path, help="where recordings are kept (CACHE/<dir>_pkl)")
    args = ap.parse_args(argv)
    print("| set | mode | hidden | recall | precision | class | false |")
    print("|---|---|---|---|---|---|---|")
    for spec in args.sets:
        tomls = sorted(t for d in spec.split("+") for t in Path(d).glob("*.toml"))
        for mode, results in _scores(tomls, args.cache).items():
            m = summarize(results)["rf"]
            print(
                f"| {spec} | {mode} | {m['hidden_transmitters']} | {_pc(m['recall'])} | "
                f"{_pc(m['precision'])} | {_pc(m['class_accuracy'])} | {m['false_findings']} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
