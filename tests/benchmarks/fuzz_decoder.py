"""Decoder fuzzer: a million seeded random inputs through the host decoder.

    .venv/bin/python tests/benchmarks/fuzz_decoder.py [--inputs N] [--seed S]
                                                      [--workers W] [--json]

Each input is a fresh Decoder fed, in random pieces, a random mix of: valid
frames of every type (realistic payloads, and random payloads of any type),
damaged frames (bits flipped, bytes inserted or deleted, cut short), and garbage
(random bytes, console text, runs of the magic, plausible headers with any
length). Counted: inputs, crashes (any exception from feed() or finish()), the
valid frames whose exact bytes are in the input, the frames recovered, frames
lost (expected but not decoded) and false accepts (decoded but not one of them).
The decoder passes when crashes, lost and false accepts are all 0.

Inputs are generated in chunks of 10,000, each from its own seeded generator,
so the figures do not depend on the number of workers. docs/benchmarks.md
("Fuzzing") has the figures of a full run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import struct
import sys
import time
import traceback
from multiprocessing import Pool
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "host"))

from roomsweep.protocol import rsproto as P  # noqa: E402
from roomsweep.protocol.decoder import Decoder  # noqa: E402

CHUNK = 10_000
TEXTS = [
    b"ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13\r\n",
    b"MicroPython v1.24.1 on 2024-11-29; Generic ESP32 module with ESP32\r\n>>> ",
    b'Traceback (most recent call last):\r\n  File "main.py", line 12\r\nOSError: 19\r\n',
    b"raw REPL; CTRL-B to exit\r\n>OK\x04\x04>",
]
ALL_TYPES = P.DEVICE_TYPES + P.COMMAND_TYPES + P.HOST_TYPES + (P.T_WIFI_SCAN, P.T_BLE_ADV)


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("abc xyz-=$é§^\x1b\n€") for _ in range(rng.randint(0, n)))


def payload(rng: random.Random, t: int) -> bytes:
    """A payload for type `t`: usually well formed, sometimes random bytes."""
    if rng.random() < 0.15:
        return rng.randbytes(rng.choice([0, 1, 3, 19, 20, 21, rng.randint(0, 300)]))
    if t == P.T_SAMPLES:
        count = rng.choice([0, 1, 2, 3, 16, 255, 256, rng.randint(0, 400)])
        enc = rng.choice([P.ENC_PACKED12, P.ENC_U16, rng.randint(0, 255)])
        body = P.packed12_size(count) if enc == P.ENC_PACKED12 else 2 * count
        if rng.random() < 0.1:
            body = max(0, body + rng.randint(-4, 4))  # does not match the count
        head = struct.pack(
            P.SAMPLES_HEADER_FORMAT,
            rng.randint(0, 3),
            enc,
            count,
            rng.getrandbits(32),
            rng.choice([0, rng.getrandbits(32)]),
            rng.getrandbits(32),
            rng.getrandbits(32),
        )
        return head + rng.randbytes(body)
    if t == P.T_STATUS:
        return struct.pack(
            P.STATUS_FORMAT,
            *[rng.getrandbits(32) for _ in range(6)],
            *[rng.getrandbits(16) for _ in range(4)],
        )[: rng.choice([P.STATUS_SIZE, P.STATUS_SIZE, rng.randint(0, P.STATUS_SIZE)])]
    if t == P.T_LENS:
        p = struct.pack(
            P.LENS_FORMAT,
            rng.getrandbits(32),
            rng.getrandbits(16),
            rng.randint(0, 4),
            rng.getrandbits(8),
            *[rng.getrandbits(16) for _ in range(3)],
            rng.getrandbits(8),
        )
        return p[: rng.choice([P.LENS_SIZE, P.LENS_SIZE_V1, rng.randint(0, P.LENS_SIZE)])]
    if t in (P.T_INFO, P.T_HOST_RXSTATS):
        value = rng.choice(
            [
                {"rate_hz": 8000, "block": 256, "board": _text(rng, 10)},
                [1, 2],
                "x",
                None,
                {"bytes_total": rng.randint(-5, 10**6), "frames": 1.5},
            ]
        )
        return json.dumps(value).encode()
    if t == P.T_MARK:
        return P.encode_mark(rng.getrandbits(16), rng.randint(0, 2), _text(rng, 20))
    if t == P.T_LOG:
        return P.encode_log(rng.randint(0, 255), _text(rng, 30))
    if t in (P.T_ACK, P.T_ERROR):
        return P.encode_reply(
            rng.getrandbits(16), rng.randint(0, 255), rng.randint(0, 9), _text(rng, 20)
        )
    if t == P.T_WIFI_SCAN:
        aps = [
            (
                rng.randbytes(rng.randint(0, 40)),
                rng.randbytes(6),
                rng.randint(0, 14),
                rng.randint(-120, 10),
                rng.randint(0, 9),
                rng.randint(0, 1),
            )
            for _ in range(rng.randint(0, 5))
        ]
        p = P.encode_wifi_scan(rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(3), aps)
        return p[: rng.choice([len(p), len(p), rng.randint(0, len(p))])]
    if t == P.T_BLE_ADV:
        devs = [
            (
                rng.randbytes(6),
                rng.randint(0, 1),
                rng.randint(0, 4),
                rng.randint(-120, 10),
                rng.randint(-120, 10),
                rng.randint(0, 70000),
                rng.randbytes(rng.randint(0, 31)),
            )
            for _ in range(rng.randint(0, 5))
        ]
        p = P.encode_ble_adv(rng.getrandbits(32), rng.getrandbits(32), rng.randint(0, 70000), devs)
        return p[: rng.choice([len(p), len(p), rng.randint(0, len(p))])]
    if t == P.T_HOST_TIME:
        return struct.pack("<d", rng.choice([1.7e9, float("nan"), -1e300, 0.0]))
    return _text(rng, 40).encode()


def frame(rng: random.Random, seq: int) -> bytes:
    t = rng.choice(ALL_TYPES) if rng.random() < 0.9 else rng.randint(0, 255)
    return P.encode_frame(t, seq & 0xFFFF, rng.getrandbits(32), payload(rng, t))


def damaged(rng: random.Random, f: bytes) -> bytes:
    kind = rng.randint(0, 3)
    b = bytearray(f)
    if kind == 0:
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] ^= 1 << rng.randint(0, 7)
    elif kind == 1:
        at = rng.randint(1, len(b) - 1)
        b[at:at] = rng.randbytes(rng.randint(1, 3))
    elif kind == 2:
        at = rng.randrange(len(b))
        del b[at : at + rng.randint(1, 3)]
    else:
        del b[rng.randint(1, len(b) - 1) :]
    return bytes(b)


def garbage(rng: random.Random) -> bytes:
    kind = rng.randint(0, 4)
    if kind == 0:
        return rng.randbytes(rng.randint(1, 64))
    if kind == 1:
        t = rng.choice(TEXTS)
        a = rng.randint(0, len(t))
        return t[a : rng.randint(a, len(t))]
    if kind == 2:
        return P.MAGIC * rng.randint(1, 6) + rng.randbytes(rng.randint(0, 8))
    if kind == 3:
        length = rng.choice([rng.randint(0, 64), rng.randint(0, 0xFFFF), P.MAX_PAYLOAD + 1])
        head = struct.pack(
            P.HEADER_FORMAT,
            P.MAGIC0,
            P.MAGIC1,
            rng.choice([1, 1, 0, 2]),
            rng.randint(0, 255),
            rng.getrandbits(16),
            length,
            rng.getrandbits(32),
        )
        return head + rng.randbytes(rng.randint(0, 16))
    parts = [rng.randbytes(rng.randint(0, 8)) for _ in range(rng.randint(2, 4))]
    return P.MAGIC.join(parts)


def one_input(rng: random.Random) -> tuple[bytes, list[bytes]]:
    """The bytes of one input and the valid frames put in it, in order."""
    out, frames = bytearray(), []
    seq = rng.getrandbits(16)
    for _ in range(rng.randint(0, 8)):
        r = rng.random()
        if r < 0.5:
            f = frame(rng, seq)
            seq += 1
            frames.append(f)
            out += f
        elif r < 0.7:
            f = frame(rng, seq)
            seq += 1
            frames.append(f)  # expected only if an edit happened to leave it whole
            out += damaged(rng, f)
        else:
            out += garbage(rng)
    return bytes(out), frames


def expected(frames: list[bytes], data: bytes) -> list[bytes]:
    """The frames whose exact bytes are in `data`, first come first served."""
    out, pos = [], 0
    for f in frames:
        at = data.find(f, pos)
        if at >= 0:
            out.append(f)
            pos = at + len(f)
    return out


def run_chunk(args: tuple[int, int, int]) -> dict:
    seed, index, count = args
    cpu0 = time.process_time()
    rng = random.Random(f"{seed}-{index}")
    stats = {
        "inputs": 0,
        "bytes": 0,
        "crashes": 0,
        "expected": 0,
        "recovered": 0,
        "lost": 0,
        "false_accepts": 0,
        "examples": [],
    }
    for k in range(count):
        data, frames = one_input(rng)
        want = expected(frames, data)
        stats["inputs"] += 1
        stats["bytes"] += len(data)
        stats["expected"] += len(want)
        dec = Decoder(keep_raw=True)
        got = []
        try:
            pos = 0
            while pos < len(data):
                n = rng.choice([1, 2, 7, 12, 13, 64, 1000, len(data)])
                got += dec.feed(data[pos : pos + n])
                pos += n
            got += dec.finish()
        except Exception:  # noqa: BLE001 - counting every crash is the point
            stats["crashes"] += 1
            if len(stats["examples"]) < 5:
                stats["examples"].append(
                    {
                        "chunk": index,
                        "input": k,
                        "data": data.hex(),
                        "error": traceback.format_exc(limit=3),
                    }
                )
            continue
        raws = [r.raw for r in got]
        stats["recovered"] += len(raws)
        if raws != want:
            lost = [f for f in want if f not in raws]
            false = [r for r in raws if r not in want]
            stats["lost"] += len(lost)
            stats["false_accepts"] += len(false)
            if len(stats["examples"]) < 5 and (lost or false):
                stats["examples"].append(
                    {
                        "chunk": index,
                        "input": k,
                        "data": data.hex(),
                        "error": f"lost {len(lost)}, false {len(false)}",
                    }
                )
    stats["cpu_seconds"] = time.process_time() - cpu0
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.inputs < 1 or args.workers < 1:
        ap.error("--inputs and --workers must be at least 1")
    jobs = []
    left, index = args.inputs, 0
    while left > 0:
        n = min(CHUNK, left)
        jobs.append((args.seed, index, n))
        left -= n
        index += 1
    t0 = time.perf_counter()
    if args.workers == 1:
        parts = [run_chunk(j) for j in jobs]
    else:
        with Pool(args.workers) as pool:
            parts = pool.map(run_chunk, jobs, chunksize=1)
    seconds = time.perf_counter() - t0
    total: dict = {"examples": []}
    for p in parts:
        for key, value in p.items():
            if key == "examples":
                total["examples"] += value
            else:
                total[key] = total.get(key, 0) + value
    total["examples"] = total["examples"][:5]
    total.update(
        seed=args.seed,
        workers=args.workers,
        seconds=round(seconds, 1),
        cpu_seconds=round(total["cpu_seconds"], 1),
        python=sys.version.split()[0],
        cpus=os.cpu_count(),
    )
    if args.json:
        print(json.dumps(total, indent=2))
    else:
        print(f"inputs           {total['inputs']:,} (seed {args.seed}, {args.workers} worker(s))")
        print(f"bytes            {total['bytes']:,}")
        print(f"crashes          {total['crashes']:,}")
        print(f"frames expected  {total['expected']:,} (valid frames whole in the input)")
        print(f"frames recovered {total['recovered']:,}")
        print(f"frames lost      {total['lost']:,}")
        print(f"false accepts    {total['false_accepts']:,}")
        cpu = total["cpu_seconds"]
        print(f"wall time        {seconds:.1f} s")
        print(f"CPU time         {cpu:.1f} s ({cpu / total['inputs'] * 1e6:.0f} us an input)")
        for ex in total["examples"]:
            print(f"  example: chunk {ex['chunk']} input {ex['input']}: {ex['error']}")
    ok = total["crashes"] == total["lost"] == total["false_accepts"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
