#!/usr/bin/env bash
# Times the trawl binary on many small files and on one large log, at
# one and two threads, and prints markdown tables.
#
#   scripts/bench-scale.sh
#
# Steps:
#   1. Build trawl in release mode.
#   2. Unless present in BENCH_SCALE_DIR: generate 40 MB of text with
#      gen_corpus.py (seed 7) and cut it at line ends into SMALL_FILES
#      files of 1 to 4 KiB in 100 folders; generate 100 MiB of text
#      (seed 1337) and repeat it LARGE_REPEAT times into one log.
#   3. Time `trawl -j 2 -f jsonl` on the small files and `trawl -j 1` and
#      `-j 2 -f jsonl` on the large log, RUNS times each, keeping the
#      median time and the largest peak RSS.
#
# Environment:
#   TRAWL_SHARED     folder with bench/gen_corpus.py [default: ../shared
#                    beside the repository]
#   BENCH_SCALE_DIR  corpus folder [default: target/bench-scale]
#   SMALL_FILES      number of small files [default: 10000]
#   LARGE_REPEAT     copies of the 100 MiB text in the log [default: 10]
#   RUNS             runs per measurement [default: 3]
#
# Peak RSS is the maximum resident set size that /usr/bin/time reports.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TRAWL_SHARED:-$root/../shared}
dir=${BENCH_SCALE_DIR:-$root/target/bench-scale}
small_files=${SMALL_FILES:-10000}
repeat=${LARGE_REPEAT:-10}
runs=${RUNS:-3}

log() { printf '%s\n' "$*" >&2; }

log "building trawl (release)"
cargo build --quiet --release -p trawl --bin trawl --manifest-path "$root/Cargo.toml"
trawl=${CARGO_TARGET_DIR:-$root/target}/release/trawl

mkdir -p "$dir"
small=$dir/small-$small_files
if [ ! -d "$small" ]; then
  log "writing $small_files small files into $small"
  python3 "$shared/bench/gen_corpus.py" text 40000000 "$dir/small-source.txt" --seed 7 >&2
  python3 - "$dir/small-source.txt" "$small" "$small_files" <<'PY'
import os, random, sys
source, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(source, "rb").read().splitlines(keepends=True)
rng = random.Random(7)
at = 0
for n in range(count):
    folder = os.path.join(out, f"d{n % 100:02}")
    os.makedirs(folder, exist_ok=True)
    target = rng.randint(1024, 4096)
    piece = bytearray()
    while len(piece) < target:
        piece += lines[at % len(lines)]
        at += 1
    with open(os.path.join(folder, f"f{n:05}.txt"), "wb") as f:
        f.write(piece[:4096])
PY
fi

large=$dir/large-$repeat.log
if [ ! -s "$large" ]; then
  log "writing $large ($repeat copies of 100 MiB of text)"
  python3 "$shared/bench/gen_corpus.py" text 104857600 "$dir/text-100mib.txt" --seed 1337 >&2
  for _ in $(seq "$repeat"); do cat "$dir/text-100mib.txt"; done >"$large"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command RUNS times with its output discarded and prints the
# median elapsed seconds and the largest peak RSS in KiB.
time_median() {
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" \
      || log "exit status $?: $* ($(tail -n 2 "$work/err.txt"))"
    tail -n 1 "$work/time.txt"
  done | sort -n -k1,1 | awk '
    { time[NR] = $1; if ($2 > rss) rss = $2 }
    END { print time[int((NR + 1) / 2)], rss }'
}

mib() { awk -v kib="$1" 'BEGIN { printf "%.0f", kib / 1024 }'; }

log "load before timing: $(cut -d ' ' -f 1-3 /proc/loadavg)"
small_bytes=$(du -sb "$small" | cut -f 1)
log "timing -j 2 on $small_files small files"
read -r secs rss < <(time_median "$trawl" -j 2 -f jsonl "$small")
files_rate=$(awk -v n="$small_files" -v s="$secs" 'BEGIN { if (s < 0.01) s = 0.01; printf "%.0f", n / s }')

large_bytes=$(stat -c %s "$large")
rows=()
declare -A large_secs
for jobs in 1 2; do
  log "timing -j $jobs on $large ($large_bytes bytes)"
  read -r secs_large rss_large < <(time_median "$trawl" -j "$jobs" -f jsonl --max-input-size 16G "$large")
  large_secs[$jobs]=$secs_large
  rate=$(awk -v b="$large_bytes" -v s="$secs_large" 'BEGIN { printf "%.1f", b / s / 1e6 }')
  rows+=("| $(basename "$large") | -j $jobs | $secs_large | $rate | $(mib "$rss_large") |")
done
ratio=$(awk -v a="${large_secs[1]}" -v b="${large_secs[2]}" 'BEGIN { printf "%.2f", a / b }')

echo "Machine: $(nproc) CPUs, $(grep -m 1 'model name' /proc/cpuinfo | cut -d : -f 2- | sed 's/^ //')"
echo "Load after timing: $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "trawl: $("$trawl" --version), commit $(git -C "$root" rev-parse --short HEAD)"
echo
echo "| input | threads | time (s) | files/s | peak RSS (MiB) |"
echo "|---|---|---:|---:|---:|"
echo "| $small_files files, $small_bytes bytes | -j 2 | $secs | $files_rate | $(mib "$rss") |"
echo
echo "| input | threads | time (s) | MB/s | peak RSS (MiB) |"
echo "|---|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "-j 1 time / -j 2 time on the large log: $ratio"
