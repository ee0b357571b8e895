"""Decoder throughput on garbage-heavy input, one tree's decoder against another's.

    .venv/bin/python tests/benchmarks/decode_garbage.py [--rounds N] [--mb M] [TREE ...]

The stream of test_decode_bench.py (SAMPLES frames, a STATUS every ~60), cut to
about M MB (default 4): as it is (clean), with 0.1 %, 10 % and 50 % of its bytes
changed at random (seeded), and M MB of random bytes; each decoded fed in 64 KiB
chunks (as from a port) and in one piece (capture replay). Each TREE is a
checkout of this repository (default: the one this file is in); its
host/roomsweep/protocol/decoder.py is loaded as a module of its own beside the
rest of roomsweep from this one, so the trees must not differ in what the
decoder imports. All run in this one process, taking turns in each of N rounds
(default 5), each round in another order, so that a busy machine slows each
alike. Printed per case: each tree's median MB/s, its ratio to the first
tree's, and the frames and rejected candidates decoded (the same in every tree
when only speed changed). docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(HERE))

from test_decode_bench import build_stream  # noqa: E402

CHUNK = 64 * 1024
MODES = {"64 KiB chunks": CHUNK, "one piece": None}


def inputs(mb: float) -> dict[str, bytes]:
    clean = build_stream(int(mb * 1e6))[0]
    rng = np.random.default_rng(20261206)
    out = {"clean": clean}
    for name, share in (("0.1% changed", 0.001), ("10% changed", 0.10), ("50% changed", 0.50)):
        data = np.frombuffer(clean, np.uint8).copy()
        at = rng.choice(data.size, int(share * data.size), replace=False)
        data[at] ^= rng.integers(1, 256, at.size, dtype=np.uint8)  # never 0: each one changes
        out[name] = data.tobytes()
    out["random"] = rng.integers(0, 256, len(clean), dtype=np.uint8).tobytes()
    return out


def decoder_of(tree: Path, k: int) -> type:
    path = tree / "host" / "roomsweep" / "protocol" / "decoder.py"
    spec = importlib.util.spec_from_file_location(f"decoder_{k}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.Decoder


def decode(decoder: type, data: bytes, chunk: int | None) -> tuple[float, object]:
    view = memoryview(data)
    step = chunk or len(data)
    t0 = time.perf_counter()
    dec = decoder()
    for i in range(0, len(data), step):
        dec.feed(view[i : i + step])
    dec.finish()
    return time.perf_counter() - t0, dec.counters


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--mb", type=float, default=4.0)
    args = ap.parse_args()
    decoders = [decoder_of(tree.resolve(), k) for k, tree in enumerate(args.trees)]
    data = inputs(args.mb)
    seconds: dict[tuple[str, str, int], list[float]] = {}
    counted: dict[tuple[str, str, int], tuple[int, int]] = {}
    for r in range(args.rounds):
        for name, stream in data.items():
            for mode, chunk in MODES.items():
                for k in [(r + k) % len(decoders) for k in range(len(decoders))]:
                    s, c = decode(decoders[k], stream, chunk)
                    seconds.setdefault((name, mode, k), []).append(s)
                    counted[name, mode, k] = (c.frames, c.rejected)  # type: ignore[attr-defined]
    print(f"median MB/s of {args.rounds} rounds ({args.mb:g} MB each); ratio to the first tree")
    print("case | " + " | ".join(str(t) for t in args.trees) + " | frames, rejected")
    for name, stream in data.items():
        for mode in MODES:
            rates = [
                len(stream) / 1e6 / statistics.median(seconds[name, mode, k])
                for k in range(len(decoders))
            ]
            cells = [f"{r:.1f} ({r / rates[0]:.2f})" for r in rates]
            same = {counted[name, mode, k] for k in range(len(decoders))}
            what = ", ".join(map(str, same.pop())) if len(same) == 1 else f"DIFFER: {same}"
            print(f"{name}, {mode} | " + " | ".join(cells) + f" | {what}")


if __name__ == "__main__":
    main()
