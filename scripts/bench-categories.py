#!/usr/bin/env python3
"""Times trawl on one file per indicator kind and prints the cost of one
indicator in each, as a markdown table.

    scripts/bench-categories.py [TRAWL] [DIR]

Each file has LINES lines of three filler words, one indicator and three
more words. The indicators of a file are drawn from a pool of LINES / 4
draws, so that de-duplication meets repeats as it does in logs. In a
last file the indicator is one more filler word. The cost of one
indicator is a file's time less the filler file's time, less the time
its extra bytes take at the filler's rate, divided by LINES. TRAWL
defaults to target/release/trawl and DIR, where the files are written
once and reused, to target/bench-categories. With one Python version
the files are the same on every run.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import time

LINES = 400_000
RUNS = 5
WORDS = (
    "the report shows that attacker used this host for staging payload "
    "and later moved"
).split()
TLDS = ["com", "net", "org", "io", "xyz", "ru", "cn", "info"]


def domain(rng):
    label = "".join(rng.choice("abcdefghijklmnop") for _ in range(6))
    prefix = rng.choice(["cdn", "api", "mail", "update", "portal"])
    return f"{prefix}-{label}.{rng.choice(TLDS)}"


KINDS = {
    "none": lambda rng: rng.choice(WORDS),
    "ipv4": lambda rng: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
    "domain": domain,
    "md5": lambda rng: "%032x" % rng.getrandbits(128),
    "sha256": lambda rng: "%064x" % rng.getrandbits(256),
    "url": lambda rng: "https://%s/%s/%s.php?id=%d"
    % (domain(rng), rng.choice(WORDS), rng.choice(WORDS),
       rng.randint(1, 99999)),
    "email": lambda rng: "%s.%s@%s"
    % (rng.choice(WORDS), rng.choice(WORDS), domain(rng)),
    "windows_path": lambda rng: "C:\\Users\\%s\\AppData\\%s%d.exe"
    % (rng.choice(WORDS), rng.choice(WORDS), rng.randint(1, 999)),
    "unix_path": lambda rng: "/var/%s/%s%d.conf"
    % (rng.choice(WORDS), rng.choice(WORDS), rng.randint(1, 999)),
    "timestamp": lambda rng: "2024-09-19T10:%02d:%02d.%03dZ"
    % (rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999)),
}


def write(path, make):
    rng = random.Random(7)
    pool = [make(rng) for _ in range(LINES // 4)]
    filler = lambda: " ".join(rng.choice(WORDS) for _ in range(3))
    with open(path, "w", encoding="ascii", newline="\n") as f:
        for _ in range(LINES):
            f.write(f"{filler()} {rng.choice(pool)} {filler()}\n")


def timed(trawl, path):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([trawl, "-j", "1", "-c", path],
                       stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    trawl = sys.argv[1] if len(sys.argv) > 1 else "target/release/trawl"
    folder = sys.argv[2] if len(sys.argv) > 2 else "target/bench-categories"
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for kind, make in KINDS.items():
        paths[kind] = os.path.join(folder, f"{kind}-{LINES}.txt")
        if not os.path.exists(paths[kind]):
            write(paths[kind], make)
    base = timed(trawl, paths["none"])
    base_size = os.path.getsize(paths["none"])
    per_byte = base / base_size
    print(f"Filler alone: {base_size / base / 1e6:.0f} MB/s.\n")
    print("| indicator | time (s) | MB/s | ns per indicator | distinct values |")
    print("|---|---:|---:|---:|---|")
    for kind, path in paths.items():
        if kind == "none":
            continue
        size = os.path.getsize(path)
        seconds = timed(trawl, path)
        report = subprocess.run([trawl, "-j", "1", "-c", path],
                                capture_output=True, check=True).stdout
        lists = json.loads(report)["iocs"]
        counts = ", ".join(f"{k} {len(v)}" for k, v in lists.items() if v)
        extra = seconds - base - per_byte * (size - base_size)
        cost = extra / LINES * 1e9
        print(f"| {kind} | {seconds:.3f} | {size / seconds / 1e6:.0f} | "
              f"{cost:.0f} | {counts or 'none'} |")


if __name__ == "__main__":
    main()
