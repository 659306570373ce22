# Helpers sourced by the whole-process benchmark scripts: building trawl,
# preparing the generated corpus and the peer tools, and timing commands
# under /usr/bin/time.
#
# The caller sets `root` (the repository), `shared` (the folder with
# bench/gen_corpus.py and bench/setup-peers.sh), `work` (a scratch folder)
# and `runs` (runs per median) before calling them.
# shellcheck shell=bash

log() { printf '%s\n' "$*" >&2; }

# Builds the trawl binary in release mode and sets `trawl` to its path.
build_trawl() {
  log "building trawl (release)"
  cargo build --quiet --release -p trawl --bin trawl \
    --manifest-path "$root/Cargo.toml"
  trawl=${CARGO_TARGET_DIR:-$root/target}/release/trawl
}

# Generates the corpus with gen_corpus.py `all` into the folder $1,
# unless every file named after it is there and not empty.
ensure_corpus() {
  local dir=$1 name missing=0
  shift
  for name in "$@"; do
    [ -s "$dir/$name" ] || missing=1
  done
  if [ "$missing" = 1 ]; then
    log "generating the corpus into $dir"
    mkdir -p "$dir"
    python3 "$shared/bench/gen_corpus.py" all --outdir "$dir" >&2
  else
    log "using the corpus in $dir"
  fi
}

# Installs the peer tools into the virtual environment $1 unless iocx is
# there. Returns non-zero, after a warning, when iocx is still missing.
ensure_peers() {
  local venv=$1
  if [ ! -x "$venv/bin/iocx" ]; then
    log "installing the peer tools into $venv"
    if ! bash "$shared/bench/setup-peers.sh" "$venv" >&2; then
      log "WARNING: installing the peer tools failed"
    fi
  fi
  [ -x "$venv/bin/iocx" ]
}

# Writes the first $2 MiB of file $1 to $3, cut after the last complete
# line so no indicator is cut in half. A file no longer than that is
# copied whole.
cut_prefix() {
  local limit=$(($2 << 20))
  if [ "$(stat -c %s "$1")" -le "$limit" ]; then
    cp "$1" "$3"
  else
    head -c "$limit" "$1" | sed '$d' >"$3"
  fi
}

# Runs a command once under /usr/bin/time with its output discarded and
# prints "SECONDS RSS_KIB STATUS". A non-zero exit status is logged but
# still timed, because trawl exits with 1 when an input reaches the
# detection limit or a PE is malformed, and it reports that after the
# detectors ran.
time_once() {
  local stats=$work/time.txt status=0
  /usr/bin/time -f '%e %M' -o "$stats" "$@" >/dev/null 2>"$work/err.txt" \
    || status=$?
  if [ "$status" != 0 ]; then
    log "exit status $status: ${*:1:4} ($(tail -n 3 "$work/err.txt"))"
  fi
  echo "$(tail -n 1 "$stats") $status"
}

# Runs a command `runs` times and prints the median time, the largest
# peak RSS and the largest exit status, as "SECONDS RSS_KIB STATUS".
time_median() {
  for _ in $(seq "$runs"); do
    time_once "$@"
  done | sort -n -k1,1 | awk '
    BEGIN { rss = 0; status = 0 }
    { time[NR] = $1; if ($2 > rss) rss = $2; if ($3 > status) status = $3 }
    END { print time[int((NR + 1) / 2)], rss, status }'
}

# Prints MB/s for BYTES processed in SECONDS, with two decimals below
# 1 MB/s so the slow Python peers do not show as 0.0. Elapsed times below
# the 0.01 s resolution of /usr/bin/time are clamped to 0.01 s.
rate() {
  awk -v bytes="$1" -v secs="$2" 'BEGIN {
    if (secs < 0.01) secs = 0.01
    speed = bytes / secs / 1e6
    printf (speed < 1 ? "%.2f" : "%.1f"), speed }'
}

mib() { awk -v kib="$1" 'BEGIN { printf "%.0f", kib / 1024 }'; }

note() { [ "$1" = 0 ] || echo "exit status $1"; }

# Prints the machine's CPUs and model, for the header above a table.
describe_machine() {
  echo "Machine: $(nproc) CPUs, $(grep -m 1 'model name' /proc/cpuinfo \
    | cut -d : -f 2- | sed 's/^ //')"
}
