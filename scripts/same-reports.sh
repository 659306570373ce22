#!/usr/bin/env bash
# Runs two trawl binaries over the same inputs and options and reports
# whether every report is byte-identical. A change meant only to make the
# scanner faster must pass this before it is timed.
#
#   scripts/same-reports.sh OLD_BINARY NEW_BINARY
#
# Inputs:
#   - the 100 MB benchmark text, at -j 1 and -j 2, compact;
#   - its first 4 MB, with --detail, as JSON and as JSON Lines;
#   - 4 MB of its words without digits or punctuation ("prose"), with
#     --detail;
#   - the text and binary fixtures, and the text corpus, with --detail;
#   - the text corpus as CSV, text, STIX and MISP;
#   - with BINARY_CORPUS set, every file in that folder at -a full.
#
# Environment:
#   TRAWL_SHARED      folder with bench/gen_corpus.py, fixtures/ and
#                     corpus/ [default: ../shared beside the repository]
#   BENCH_CORPUS_DIR  folder for the generated inputs
#                     [default: target/bench-corpus]
#   BINARY_CORPUS     folder of binaries to add [default: none]
#   KEEP              folder in which to keep both sets of reports
#                     [default: a temporary folder, removed at exit]
#
# Exits 0 when every report matches, 1 when one differs, and prints the
# names of those that differ.
set -euo pipefail

if [ $# -ne 2 ]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TRAWL_SHARED:-$root/../shared}
corpus=${BENCH_CORPUS_DIR:-$root/target/bench-corpus}

if [ -n "${KEEP:-}" ]; then
  work=$KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

text=$corpus/text_100mb.txt
if [ ! -s "$text" ]; then
  mkdir -p "$corpus"
  python3 "$shared/bench/gen_corpus.py" text 100000000 "$text" --seed 1 \
    >&2
fi
head -c 4000000 "$text" >"$work/text_4mb.txt"
# Words with no digit and none of the bytes most detectors anchor on,
# repeated to 4 MB: the cost of plain language, apart from indicators.
python3 - "$work/text_4mb.txt" "$work/prose_4mb.txt" <<'EOF'
import sys
words = open(sys.argv[1], "rb").read().split()
banned = set(b'0123456789/:@\\[]{}=<>"_-')
plain_words = [w for w in words if not any(b in banned for b in w)]
joined = b" ".join(plain_words) + b" "
repeated = joined * (4_000_000 // len(joined) + 1)
open(sys.argv[2], "wb").write(repeated[:4_000_000])
EOF

# Each line: a report name, then the arguments that produce it.
cases=(
  "text-j1.json -j 1 -c $text"
  "text-j2.json -j 2 -c $text"
  "text4-detail.json -j 1 --detail $work/text_4mb.txt"
  "text4-detail.jsonl -j 2 --detail -f jsonl $work/text_4mb.txt"
  "prose4-detail.json --detail $work/prose_4mb.txt"
  "fixtures-text.json --detail $shared/fixtures/iocx/text"
  "fixtures-bin.json --detail $shared/fixtures/iocx/bin"
  "corpus.json --detail $shared/corpus/text"
  "corpus.csv -f csv $shared/corpus/text"
  "corpus.txt -f text $shared/corpus/text"
  "corpus.stix -f stix $shared/corpus/text"
  "corpus.misp -f misp $shared/corpus/text"
)
if [ -n "${BINARY_CORPUS:-}" ]; then
  cases+=("binaries.json -a full $BINARY_CORPUS")
fi

# Writes the report of binary $1 with arguments $3 to $2, and its exit
# status after it, so that a change of status counts as a difference.
report() {
  local status=0
  # shellcheck disable=SC2086 # the arguments are split on purpose
  "$1" $3 >"$2" 2>/dev/null || status=$?
  echo "exit status $status" >>"$2"
}

mkdir -p "$work/old" "$work/new"
differ=0
for case in "${cases[@]}"; do
  read -r name args <<<"$case"
  report "$old" "$work/old/$name" "$args"
  report "$new" "$work/new/$name" "$args"
  if ! cmp -s "$work/old/$name" "$work/new/$name"; then
    echo "differs: $name"
    differ=1
  fi
done
if [ "$differ" = 0 ]; then
  echo "all ${#cases[@]} reports identical"
fi
exit "$differ"
