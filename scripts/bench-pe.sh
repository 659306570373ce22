#!/usr/bin/env bash
# Times trawl's full PE analysis beside iocx 0.7.6.2's Python API on a
# folder of PE files and prints a markdown table.
#
#   scripts/bench-pe.sh DIR
#
# DIR is walked recursively and every regular file in it is given to
# both tools, for example the PE corpus that fetch-binaries.sh writes.
#
# Steps:
#   1. Build trawl in release mode.
#   2. Install iocx into BENCH_VENV with setup-peers.sh, unless it is
#      there. When the install fails, only trawl is timed.
#   3. Time `trawl -j 1 -a full DIR` and `trawl -a full DIR` (one
#      worker per core), the median of RUNS runs each, then one Python
#      process that builds one iocx Engine at analysis level `full` and
#      extracts every file in turn. iocx's API uses one core.
#
# Environment:
#   TRAWL_SHARED  folder with bench/setup-peers.sh [default: ../shared
#                 beside the repository]
#   BENCH_VENV    virtual environment for iocx [default: target/bench-venv]
#   RUNS          trawl runs, median taken [default: 3]
#
# MB/s is 10^6 bytes of input per second of elapsed (wall-clock) time,
# process start-up included. Peak RSS is the maximum resident set size
# that /usr/bin/time reports, in MiB.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  printf 'usage: %s DIR (a folder of PE files)\n' "$0" >&2
  exit 2
fi
dir=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TRAWL_SHARED:-$root/../shared}
venv=${BENCH_VENV:-$root/target/bench-venv}
runs=${RUNS:-3}

log() { printf '%s\n' "$*" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "building trawl (release)"
cargo build --quiet --release -p trawl --bin trawl \
  --manifest-path "$root/Cargo.toml"
trawl=${CARGO_TARGET_DIR:-$root/target}/release/trawl

if [ ! -x "$venv/bin/iocx" ]; then
  log "installing iocx into $venv"
  bash "$shared/bench/setup-peers.sh" "$venv" >&2 || true
fi

find "$dir" -type f -print0 | sort -z >"$work/files"
count=$(tr -cd '\0' <"$work/files" | wc -c)
bytes=$(xargs -0 stat -c %s <"$work/files" | awk '{s += $1} END {print s}')
log "$count files, $bytes bytes in $dir"

# Runs a command once under /usr/bin/time with its output discarded and
# prints "seconds peak-KiB". trawl exits with 1 when an input reports an
# error (a truncated PE, say), which still counts as a run.
time_once() {
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >/dev/null \
    2>"$work/err.txt" || true
  cat "$work/time.txt"
}

# Prints "median-seconds peak-KiB" over RUNS runs of trawl with the
# extra arguments given.
time_trawl() {
  for _ in $(seq "$runs"); do
    time_once "$trawl" "$@" -a full -c -f jsonl "$dir"
  done >"$work/trawl.txt"
  sort -n "$work/trawl.txt" | awk '{t[NR] = $1; if ($2 > m) m = $2}
    END {print t[int((NR + 1) / 2)], m}'
}
read -r trawl_s trawl_kib < <(time_trawl -j 1)
read -r all_s all_kib < <(time_trawl)
cores=$(nproc)

iocx_s=""
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import iocx' 2>/dev/null
then
  cat >"$work/iocx_run.py" <<'PY'
import sys
from iocx.engine import Engine, EngineConfig

engine = Engine(EngineConfig(analysis_level="full", enable_cache=False))
failed = 0
with open(sys.argv[1], "rb") as listing:
    paths = [p.decode() for p in listing.read().split(b"\0") if p]
for path in paths:
    try:
        engine.extract(path)
    except Exception:
        failed += 1
print(f"iocx failed on {failed} of {len(paths)} files", file=sys.stderr)
PY
  log "timing iocx (one process, analysis level full)"
  read -r iocx_s iocx_kib < <(time_once "$venv/bin/python" \
    "$work/iocx_run.py" "$work/files")
  cat "$work/err.txt" >&2
fi

rate() { awk -v b="$bytes" -v s="$1" 'BEGIN {
  if (s < 0.01) s = 0.01; printf "%.1f", b / s / 1e6 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

printf '| tool | files | MB | seconds | MB/s | peak RSS (MiB) |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
printf '| trawl -j 1 -a full | %s | %s | %s | %s | %s |\n' \
  "$count" "$mb" "$trawl_s" "$(rate "$trawl_s")" "$(mib "$trawl_kib")"
printf '| trawl -a full (%s cores) | %s | %s | %s | %s | %s |\n' \
  "$cores" "$count" "$mb" "$all_s" "$(rate "$all_s")" "$(mib "$all_kib")"
if [ -n "$iocx_s" ]; then
  printf '| iocx 0.7.6.2 API, full | %s | %s | %s | %s | %s |\n' \
    "$count" "$mb" "$iocx_s" "$(rate "$iocx_s")" "$(mib "$iocx_kib")"
  awk -v a="$iocx_s" -v b="$trawl_s" -v c="$all_s" -v n="$cores" 'BEGIN {
    if (b < 0.01) b = 0.01; if (c < 0.01) c = 0.01
    printf "\ntrawl is %.1f times as fast as iocx on one thread", a / b
    printf " and %.1f times on %s cores\n", a / c, n }'
fi
