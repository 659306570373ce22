#!/usr/bin/env bash
# Times the Python package's Arrow path (trawl.Engine.extract_arrow, no
# Spark) beside the trawl binary at one thread on the same files, and
# prints a markdown table.
#
#   scripts/bench-python.sh
#
# Steps:
#   1. Build trawl in release mode, and the Python wheel with maturin
#      1.16.0 into the virtual environment BENCH_PY_VENV, with pyarrow.
#   2. Unless present in BENCH_PY_DIR, generate FILES text files of
#      FILE_MIB MiB each with gen_corpus.py (seeds 1 to FILES).
#   3. Time `trawl -j 1 --detail -f jsonl` and `trawl -j 1 -f jsonl` on
#      the files, RUNS times each, keeping the median.
#   4. Read the files into one Arrow binary array, then time
#      extract_arrow on it RUNS times with RAYON_NUM_THREADS=1 and with
#      rayon's default of one thread per core, keeping the median. The
#      Arrow times leave out reading the files, which Spark does before
#      the call.
#   5. Time extract_bytes on the first file, without and with
#      detail=True, and json.loads of its report, which is the share of
#      the call spent building the Python objects.
#
# Environment:
#   TRAWL_SHARED   folder with bench/gen_corpus.py [default: ../shared
#                  beside the repository]
#   BENCH_PY_DIR   corpus folder [default: target/bench-python]
#   BENCH_PY_VENV  virtual environment [default: target/bench-py-venv]
#   FILES          number of files [default: 16]
#   FILE_MIB       size of each file in MiB [default: 4]
#   RUNS           runs per measurement, median taken [default: 3]
#
# MB/s is 10^6 bytes per second of elapsed (wall-clock) time.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TRAWL_SHARED:-$root/../shared}
dir=${BENCH_PY_DIR:-$root/target/bench-python}
venv=${BENCH_PY_VENV:-$root/target/bench-py-venv}
files=${FILES:-16}
file_mib=${FILE_MIB:-4}
runs=${RUNS:-3}

# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_trawl

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet maturin==1.16.0 pyarrow
log "building the Python wheel (release)"
"$venv/bin/maturin" build --release --quiet \
  -m "$root/crates/trawl-py/Cargo.toml" -o "$work/wheels"
"$venv/bin/pip" install --quiet --force-reinstall "$work"/wheels/trawl-*.whl

corpus=$dir/${files}x${file_mib}mib
if [ ! -d "$corpus" ]; then
  log "writing $files files of $file_mib MiB into $corpus"
  mkdir -p "$corpus.tmp"
  for n in $(seq "$files"); do
    python3 "$shared/bench/gen_corpus.py" text $((file_mib << 20)) \
      "$corpus.tmp/text-$n.txt" --seed "$n" >&2
  done
  # The ground-truth files would be scanned with the directory.
  rm -f "$corpus.tmp"/*.truth.json
  mv "$corpus.tmp" "$corpus"
fi
bytes=$(cat "$corpus"/*.txt | wc -c)

describe_machine
echo
echo "Input: $files files, $bytes bytes in all (gen_corpus.py text, seeds 1 to $files)."
echo
echo "| path | threads | median s | MB/s | load average before |"
echo "|---|---|---|---|---|"

row() {
  local name=$1 threads=$2 secs=$3 load=$4
  echo "| $name | $threads | $secs | $(rate "$bytes" "$secs") | $load |"
}

for flags in "-j 1 -f jsonl --detail" "-j 1 -f jsonl"; do
  load=$(cut -d ' ' -f 1-3 /proc/loadavg)
  # shellcheck disable=SC2086
  read -r secs _ _ < <(time_median "$trawl" $flags --no-progress "$corpus")
  row "\`trawl $flags\`" 1 "$secs" "$load"
done

for threads in 1 default; do
  load=$(cut -d ' ' -f 1-3 /proc/loadavg)
  if [ "$threads" = 1 ]; then
    export RAYON_NUM_THREADS=1
  else
    unset RAYON_NUM_THREADS
  fi
  secs=$("$venv/bin/python" - "$corpus" "$runs" <<'PY'
import pathlib, statistics, sys, time

import pyarrow as pa
import trawl

corpus, runs = pathlib.Path(sys.argv[1]), int(sys.argv[2])
column = pa.array(
    [path.read_bytes() for path in sorted(corpus.glob("*.txt"))], pa.binary()
)
engine = trawl.Engine()
times = []
for _ in range(runs):
    start = time.perf_counter()
    batch = engine.extract_arrow(column)
    times.append(time.perf_counter() - start)
print(f"{statistics.median(times):.2f}")
print(f"{batch.num_rows} rows", file=sys.stderr)
PY
  )
  label=$threads
  [ "$threads" = default ] && label=$(nproc)
  row "\`Engine().extract_arrow\` (binary array)" "$label" "$secs" "$load"
done

echo
echo "| call on text-1.txt | median s | report JSON MB | json.loads s | share |"
echo "|---|---|---|---|---|"
"$venv/bin/python" - "$corpus/text-1.txt" "$runs" <<'PY'
import json, pathlib, statistics, sys, time

import trawl

data = pathlib.Path(sys.argv[1]).read_bytes()
runs = int(sys.argv[2])


def median_time(call):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


for options in ({}, {"detail": True}):
    engine = trawl.Engine(**options)
    total, report = median_time(lambda: engine.extract_bytes(data))
    text = json.dumps(report)
    loads, _ = median_time(lambda: json.loads(text))
    label = "extract_bytes(detail=True)" if options else "extract_bytes()"
    print(
        f"| `{label}` | {total:.3f} | {len(text) / 1e6:.1f} | {loads:.3f} "
        f"| {loads / total:.0%} |"
    )
PY
