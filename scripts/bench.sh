#!/usr/bin/env bash
# Times the trawl binary as a whole process beside iocx 0.7.6.2 on the
# generated benchmark corpus and prints a markdown table.
#
#   scripts/bench.sh
#
# Steps:
#   1. Build trawl in release mode.
#   2. Generate the corpus with gen_corpus.py `all` into
#      target/bench-corpus, unless the files are there.
#   3. Install the peer tools into target/bench-venv, unless iocx is
#      there. When the install fails, only trawl is timed.
#   4. Time `trawl -j 1` and `trawl -j 2` on each corpus file (median of
#      RUNS runs), and iocx once on the first IOCX_PREFIX_MIB MiB of each
#      file, because iocx runs at a few MB/s.
#
# Environment:
#   TRAWL_SHARED      folder with bench/gen_corpus.py and
#                     bench/setup-peers.sh [default: ../shared beside the
#                     repository]
#   BENCH_CORPUS_DIR  corpus folder [default: target/bench-corpus]
#   BENCH_VENV        virtual environment for iocx
#                     [default: target/bench-venv]
#   RUNS              trawl runs per measurement, median taken [default: 3]
#   IOCX_PREFIX_MIB   MiB of each file given to iocx [default: 10]
#
# MB/s is 10^6 bytes per second of elapsed (wall-clock) time. Peak RSS
# is the maximum resident set size that /usr/bin/time reports, in MiB.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TRAWL_SHARED:-$root/../shared}
corpus=${BENCH_CORPUS_DIR:-$root/target/bench-corpus}
venv=${BENCH_VENV:-$root/target/bench-venv}
runs=${RUNS:-3}
prefix_mib=${IOCX_PREFIX_MIB:-10}
inputs=(text_100mb.txt access.log seclog.txt)

# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_trawl
ensure_corpus "$corpus" text_1mb.txt "${inputs[@]}"
have_iocx=0
ensure_peers "$venv" && have_iocx=1
iocx=$venv/bin/iocx
if [ "$have_iocx" = 0 ]; then
  log "WARNING: iocx is missing; timing trawl only"
fi

log "load before timing: $(cut -d ' ' -f 1-3 /proc/loadavg)"
rows=()
for name in "${inputs[@]}"; do
  file=$corpus/$name
  bytes=$(stat -c %s "$file")

  iocx_rate=""
  iocx_row=""
  if [ "$have_iocx" = 1 ]; then
    prefix=$work/prefix.txt
    cut_prefix "$file" "$prefix_mib" "$prefix"
    prefix_bytes=$(stat -c %s "$prefix")
    log "timing iocx on $prefix_bytes bytes of $name"
    read -r secs rss status < <(time_once "$iocx" "$prefix" --compact)
    iocx_rate=$(rate "$prefix_bytes" "$secs")
    iocx_row="| $name (first $prefix_mib MiB) | iocx | $secs | $iocx_rate | $(mib "$rss") | | $(note "$status") |"
  fi

  for jobs in 1 2; do
    log "timing trawl -j $jobs on $name ($bytes bytes, $runs runs)"
    read -r secs rss status < <(time_median "$trawl" -j "$jobs" --compact "$file")
    trawl_rate=$(rate "$bytes" "$secs")
    ratio=""
    if [ -n "$iocx_rate" ]; then
      ratio=$(awk -v a="$trawl_rate" -v b="$iocx_rate" \
        'BEGIN { if (b > 0) printf "%.0fx", a / b }')
    fi
    rows+=("| $name | trawl -j $jobs | $secs | $trawl_rate | $(mib "$rss") | $ratio | $(note "$status") |")
  done
  if [ -n "$iocx_row" ]; then
    rows+=("$iocx_row")
  fi
done

describe_machine
echo "Load after timing: $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "trawl: $("$trawl" --version), commit $(git -C "$root" rev-parse --short HEAD)"
if [ "$have_iocx" = 1 ]; then
  echo "iocx: $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("iocx"))')"
fi
echo
echo "| input | tool | time (s) | MB/s | peak RSS (MiB) | trawl/iocx | note |"
echo "|---|---|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
