#!/usr/bin/env bash
# Times trawl beside the Python IOC extractors iocx 0.7.6.2, ioc-finder
# 9.4.1, iocsearcher 3.1.0 and iocextract 1.16.1 as whole processes on
# the generated corpus and on a folder of PE files, and prints one
# markdown table.
#
#   scripts/bench-peers.sh [PE_DIR]
#
# Steps:
#   1. Build trawl in release mode, generate the corpus into
#      BENCH_CORPUS_DIR unless it is there, and install the peers into
#      BENCH_VENV unless iocx is there.
#   2. For each generated file, time `trawl -j 1` and `trawl -j 2` on the
#      whole file and `trawl -j 1` on its first PREFIX_MIB MiB, cut at a
#      line end (median of RUNS runs each), then each peer's driver in
#      scripts/peers/ once on that prefix.
#   3. Time `trawl -j 1 -a full` and `-j 2 -a full` on PE_DIR (median of
#      RUNS runs), then each driver once on all of its files in one
#      process. PE_DIR defaults to /tmp/wire-corpus/pe, and its rows are
#      left out when the folder is missing.
#
# A driver reads each file whole, calls the library's extraction entry
# point once with every indicator type, and prints JSON, which is
# discarded. A peer run still going after PEER_TIMEOUT seconds is
# stopped, and its row gives a bound instead of a time.
#
# Environment:
#   TRAWL_SHARED      folder with bench/gen_corpus.py and
#                     bench/setup-peers.sh [default: ../shared beside the
#                     repository]
#   BENCH_CORPUS_DIR  corpus folder [default: target/bench-corpus]
#   BENCH_VENV        virtual environment for the peers
#                     [default: target/bench-venv]
#   RUNS              trawl runs per measurement, median taken [default: 3]
#   PREFIX_MIB        MiB of each generated file given to the peers
#                     [default: 1, because ioc-finder and iocsearcher
#                     scan this corpus at 0.04 to 0.2 MB/s and iocextract
#                     at under 0.02 MB/s]
#   PEER_TIMEOUT      seconds before a peer's run is stopped [default: 60]
#   PEERS             drivers to run [default: iocx ioc_finder
#                     iocsearcher iocextract]
#
# MB/s is 10^6 bytes of input per second of elapsed (wall-clock) time,
# interpreter and process start-up included. Peak RSS is the maximum
# resident set size that /usr/bin/time reports, in MiB. The "peer time /
# trawl" column divides a peer's time by the time of `trawl -j 1` on the
# same bytes in the same run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TRAWL_SHARED:-$root/../shared}
corpus=${BENCH_CORPUS_DIR:-$root/target/bench-corpus}
venv=${BENCH_VENV:-$root/target/bench-venv}
runs=${RUNS:-3}
prefix_mib=${PREFIX_MIB:-1}
peer_timeout=${PEER_TIMEOUT:-60}
read -r -a peers <<<"${PEERS:-iocx ioc_finder iocsearcher iocextract}"
pe_dir=${1:-/tmp/wire-corpus/pe}
inputs=(text_1mb.txt text_100mb.txt access.log seclog.txt)

# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_trawl
ensure_corpus "$corpus" "${inputs[@]}"
if ! ensure_peers "$venv"; then
  log "the peer tools are missing from $venv; see setup-peers.sh"
  exit 1
fi
python=$venv/bin/python
# iocextract 1.16.1 imports requests without declaring it as a
# dependency, so pip does not install it.
if ! "$python" -c 'import requests' 2>/dev/null; then
  log "installing requests, which iocextract imports"
  "$venv/bin/pip" install --quiet requests >&2
fi

# Prints the distribution name and version of a driver's library.
peer_label() {
  "$python" -c 'import importlib.metadata as m, sys
print(sys.argv[1], m.version(sys.argv[1]))' "${1//_/-}"
}

# Prints peer time / trawl time, or nothing when either is missing.
ratio() {
  awk -v peer="$1" -v base="$2" 'BEGIN {
    if (peer == "" || base == "") exit
    if (base < 0.01) base = 0.01
    printf "%.0f", peer / base }'
}

rows=()

# Appends the row of one measurement: input label, tool, bytes, the
# "SECONDS RSS_KIB STATUS" triple, the ratio and an optional note.
add_row() {
  local label=$1 tool=$2 bytes=$3 secs=$4 rss=$5 status=$6 times=$7
  local remark=${8:-} shown=$secs speed
  speed=$(rate "$bytes" "$secs")
  if [ "$status" = 124 ]; then
    shown="> $peer_timeout"
    speed="< $(rate "$bytes" "$peer_timeout")"
    [ -z "$times" ] || times="> $times"
    remark="stopped after $peer_timeout s"
  elif [ -z "$remark" ]; then
    remark=$(note "$status")
  fi
  rows+=("| $label | $tool | $bytes | $shown | $speed | $(mib "$rss") | $times | $remark |")
}

# Times every peer once on the files given and appends their rows,
# with the ratio against trawl's time $3.
time_peers() {
  local label=$1 bytes=$2 trawl_secs=$3 peer secs rss status failed
  shift 3
  for peer in "${peers[@]}"; do
    log "timing $peer on $label"
    read -r secs rss status < <(time_once timeout "$peer_timeout" \
      "$python" "$root/scripts/peers/${peer}_run.py" "$@")
    # The driver's last line counts the files the library raised on.
    failed=$(grep -o 'failed on [0-9]* of [0-9]* files' "$work/err.txt" \
      || true)
    [ -n "$failed" ] && log "$peer $failed"
    add_row "$label" "$(peer_label "$peer")" "$bytes" "$secs" "$rss" \
      "$status" "$(ratio "$secs" "$trawl_secs")" "${failed:+raised on ${failed#failed on }}"
  done
}

load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
log "load before timing: $load_before"
for name in "${inputs[@]}"; do
  file=$corpus/$name
  bytes=$(stat -c %s "$file")
  prefix=$work/prefix-$name
  cut_prefix "$file" "$prefix_mib" "$prefix"
  prefix_bytes=$(stat -c %s "$prefix")

  for jobs in 1 2; do
    log "timing trawl -j $jobs on $name ($bytes bytes, $runs runs)"
    read -r secs rss status < <(time_median "$trawl" -j "$jobs" -c "$file")
    add_row "$name" "trawl -j $jobs" "$bytes" "$secs" "$rss" "$status" ""
    [ "$jobs" = 1 ] && base=$secs
  done
  label=$name
  if [ "$prefix_bytes" != "$bytes" ]; then
    label="$name, first $prefix_mib MiB"
    log "timing trawl -j 1 on $label ($runs runs)"
    read -r base rss status < <(time_median "$trawl" -j 1 -c "$prefix")
    add_row "$label" "trawl -j 1" "$prefix_bytes" "$base" "$rss" \
      "$status" ""
  fi
  time_peers "$label" "$prefix_bytes" "$base" "$prefix"
done

if [ -d "$pe_dir" ]; then
  find "$pe_dir" -type f -print0 | sort -z >"$work/pe-files"
  mapfile -d '' pe_files <"$work/pe-files"
  pe_bytes=$(cat "${pe_files[@]}" | wc -c)
  label="${#pe_files[@]} PE files"
  for jobs in 1 2; do
    log "timing trawl -j $jobs -a full on $label ($runs runs)"
    read -r secs rss status < <(time_median "$trawl" -j "$jobs" -a full \
      -c -f jsonl "$pe_dir")
    add_row "$label" "trawl -j $jobs -a full" "$pe_bytes" "$secs" "$rss" \
      "$status" ""
    [ "$jobs" = 1 ] && base=$secs
  done
  time_peers "$label" "$pe_bytes" "$base" "${pe_files[@]}"
else
  log "no PE folder at $pe_dir; leaving out the PE rows"
fi

describe_machine
echo "Load average (1, 5, 15 min): $load_before before timing, $(cut -d ' ' -f 1-3 /proc/loadavg) after"
echo "trawl: $("$trawl" --version), commit $(git -C "$root" rev-parse --short HEAD)"
echo
echo "| input | tool | bytes | time (s) | MB/s | peak RSS (MiB) | peer time / trawl -j 1 | note |"
echo "|---|---|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
