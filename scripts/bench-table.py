#!/usr/bin/env python3
"""Print the `scan` criterion results as a markdown table.

Reads target/criterion/<group>/<bench>/new/{benchmark,estimates}.json,
which `cargo bench -p trawl-core --bench scan` writes. Each row gives the
input size, the median time per iteration, the throughput in MB/s (10^6
bytes per second) and the time per MiB of input. Results of benchmarks
that no longer exist stay in that folder until it is deleted.

Usage: scripts/bench-table.py [CRITERION_DIR]
"""
import json
import pathlib
import sys

MIB = 1 << 20


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    base = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 \
        else root / "target" / "criterion"
    rows = []
    for meta_path in sorted(base.glob("*/*/new/benchmark.json")):
        meta = json.loads(meta_path.read_text())
        estimates = json.loads(
            (meta_path.parent / "estimates.json").read_text())
        size = (meta.get("throughput") or {}).get("Bytes")
        median_s = estimates["median"]["point_estimate"] / 1e9
        if not size or median_s <= 0:
            continue
        rows.append((meta["full_id"], size, median_s))
    if not rows:
        sys.exit(f"no criterion results under {base}; "
                 "run `cargo bench -p trawl-core --bench scan` first")
    print("| benchmark | input (bytes) | median time (ms) | MB/s "
          "| ms per MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, size, median_s in rows:
        print(f"| {name} | {size} | {median_s * 1e3:.3f} "
              f"| {size / median_s / 1e6:.0f} "
              f"| {median_s * 1e3 * MIB / size:.2f} |")


if __name__ == "__main__":
    main()
