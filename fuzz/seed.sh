#!/usr/bin/env bash
# Seeds fuzz/corpus/<target> for every target from the shared fixtures:
# the case table's inputs, iocx's text samples and a few dozen of iocx's
# binaries no larger than the fuzzing input limit. Existing corpus files
# are kept, so running it again only adds seeds.
#
# Usage: fuzz/seed.sh [FIXTURES_DIR]
# FIXTURES_DIR defaults to $TRAWL_SHARED/fixtures, where TRAWL_SHARED
# defaults to the directory `shared` beside the checkout.
set -euo pipefail
fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
shared="${TRAWL_SHARED:-$(cd "$fuzz_dir/../.." && pwd)/shared}"
fixtures="${1:-$shared/fixtures}"
max_len=65536
max_binaries=40
targets=(archive detector filter pe refang rules scan scan_chunked sniff_decode strings)

if [ ! -d "$fixtures/iocx" ] || [ ! -f "$fixtures/cases/cases.jsonl" ]; then
  echo "seed: fixtures not found at $fixtures (pass the directory)" >&2
  exit 1
fi

seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT

# One file per case input, named after the case id.
jq -r '.id' "$fixtures/cases/cases.jsonl" | while read -r id; do
  jq -j --arg id "$id" 'select(.id == $id) | .input' \
    "$fixtures/cases/cases.jsonl" >"$seeds/case-$id"
done

for file in "$fixtures"/iocx/text/*; do
  cp "$file" "$seeds/text-$(basename "$file")"
done

# The smallest binaries first, because short inputs mutate faster.
find "$fixtures/iocx/bin" -type f -size -"$((max_len + 1))"c -printf '%s %p\n' \
  | sort -n | head -n "$max_binaries" | while read -r _ file; do
  cp "$file" "$seeds/bin-$(basename "$file")"
done

for target in "${targets[@]}"; do
  mkdir -p "$fuzz_dir/corpus/$target"
  cp -n "$seeds"/* "$fuzz_dir/corpus/$target/"
done

# The xz test files give the archive target valid headers, checks and
# indexes to mutate, because random bytes rarely pass the stream
# header's CRC32.
for file in "$fuzz_dir"/../crates/trawl-formats/src/archive/testdata/*.xz; do
  cp "$file" "$fuzz_dir/corpus/archive/xz-$(basename "$file")"
done

# The pe target reads a table limit and an analysis level from its first
# two bytes, so its binary seeds get both in front: the largest limit
# and the full analysis.
for file in "$seeds"/bin-*; do
  out="$fuzz_dir/corpus/pe/$(basename "$file")"
  { printf '\377\002'; cat "$file"; } >"$out"
done
# The filter target reads the text before the split that its first
# byte sets as a list, so the built-in list is a seed with the split at
# its end.
{ printf '\377'; cat "$fuzz_dir/../crates/trawl-core/data/benign.txt"; } \
  >"$fuzz_dir/corpus/filter/benign-list"
# The rules target reads a mode byte and a little-endian length of the
# rules text first. Mode 0 takes the text as a whole rules file, and
# mode 143 as the pattern of one rule (max_length 556, word boundary).
# Each fixture text follows the example rules file, and a pattern.
example="$fuzz_dir/../examples/rules/example.toml"
length_prefix() {
  local len=$1
  printf "\\$(printf '%03o' $((len & 255)))\\$(printf '%03o' $((len >> 8)))"
}
for file in "$seeds"/text-*; do
  name="$(basename "$file")"
  {
    printf '\000'
    length_prefix "$(wc -c <"$example")"
    cat "$example" "$file"
  } >"$fuzz_dir/corpus/rules/example-$name"
  pattern='[A-Za-z]+[-.][0-9A-Za-z.]+'
  {
    printf '\217'
    length_prefix "${#pattern}"
    printf '%s' "$pattern"
    cat "$file"
  } >"$fuzz_dir/corpus/rules/pattern-$name"
done
echo "seed: $(ls "$seeds" | wc -l) seeds in each of ${targets[*]}"
