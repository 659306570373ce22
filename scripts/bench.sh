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

log() { printf '%s\n' "$*" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "building trawl (release)"
cargo build --quiet --release -p trawl --bin trawl --manifest-path "$root/Cargo.toml"
target=${CARGO_TARGET_DIR:-$root/target}
trawl=$target/release/trawl

missing=0
for name in text_1mb.txt "${inputs[@]}"; do
  [ -s "$corpus/$name" ] || missing=1
done
if [ "$missing" = 1 ]; then
  log "generating the corpus into $corpus"
  mkdir -p "$corpus"
  python3 "$shared/bench/gen_corpus.py" all --outdir "$corpus" >&2
else
  log "using the corpus in $corpus"
fi

iocx=$venv/bin/iocx
if [ ! -x "$iocx" ]; then
  log "installing the peer tools into $venv"
  if ! bash "$shared/bench/setup-peers.sh" "$venv" >&2; then
    log "WARNING: installing the peer tools failed; timing trawl only"
  fi
fi
have_iocx=0
[ -x "$iocx" ] && have_iocx=1

# Runs a command once under /usr/bin/time with its output discarded and
# prints "SECONDS RSS_KIB STATUS". A non-zero exit status is logged but
# still timed, because trawl exits with 1 when an input reaches the
# detection limit, and it applies that limit after the detectors ran.
time_once() {
  local stats=$work/time.txt status=0
  /usr/bin/time -f '%e %M' -o "$stats" "$@" >/dev/null 2>"$work/err.txt" \
    || status=$?
  if [ "$status" != 0 ]; then
    log "exit status $status: $* ($(tail -n 3 "$work/err.txt"))"
  fi
  echo "$(tail -n 1 "$stats") $status"
}

# Runs a command RUNS times and prints the median time, the largest peak
# RSS and the largest exit status, as "SECONDS RSS_KIB STATUS".
time_median() {
  for _ in $(seq "$runs"); do
    time_once "$@"
  done | sort -n -k1,1 | awk '
    BEGIN { rss = 0; status = 0 }
    { time[NR] = $1; if ($2 > rss) rss = $2; if ($3 > status) status = $3 }
    END { print time[int((NR + 1) / 2)], rss, status }'
}

# Prints MB/s for BYTES processed in SECONDS. Elapsed times below the
# 0.01 s resolution of /usr/bin/time are clamped to 0.01 s.
rate() {
  awk -v bytes="$1" -v secs="$2" \
    'BEGIN { if (secs < 0.01) secs = 0.01; printf "%.1f", bytes / secs / 1e6 }'
}

mib() { awk -v kib="$1" 'BEGIN { printf "%.0f", kib / 1024 }'; }

note() { [ "$1" = 0 ] || echo "exit status $1"; }

log "load before timing: $(cut -d ' ' -f 1-3 /proc/loadavg)"
rows=()
for name in "${inputs[@]}"; do
  file=$corpus/$name
  bytes=$(stat -c %s "$file")

  iocx_rate=""
  iocx_row=""
  if [ "$have_iocx" = 1 ]; then
    # Cut the prefix at a line end, so no indicator is cut in half.
    prefix=$work/prefix.txt
    head -c "$((prefix_mib << 20))" "$file" | sed '$d' >"$prefix"
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

echo "Machine: $(nproc) CPUs, $(grep -m 1 'model name' /proc/cpuinfo | cut -d : -f 2- | sed 's/^ //')"
echo "Load after timing: $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "trawl: $("$trawl" --version), commit $(git -C "$root" rev-parse --short HEAD)"
if [ "$have_iocx" = 1 ]; then
  echo "iocx: $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("iocx"))')"
fi
echo
echo "| input | tool | time (s) | MB/s | peak RSS (MiB) | trawl/iocx | note |"
echo "|---|---|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
