#!/usr/bin/env bash
# USVKit benchmarks: each measures usv against a peer in the same run and prints both and the ratio.
# Usage: bash Benchmarks/run.sh [verify|synth|all]   (run by `make bench`; needs .build/release/usv)
set -euo pipefail
cd "$(dirname "$0")/.."
USV=${USV:-.build/release/usv}
OUT=${BENCH_OUT:-bench-out}
mkdir -p "$OUT"
what=${1:-all}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v bytes="$1" -v seconds="$2" 'BEGIN { printf "%.0f", bytes / seconds / 1e6 }'; }

bench_verify() {
  local dir="$OUT/verify-data"
  if [ ! -f "$dir/MANIFEST.txt" ]; then
    echo "Making 1 GiB of mixed-size files in $dir ..." >&2
    rm -rf "$dir"; mkdir -p "$dir/big" "$dir/medium" "$dir/small" "$dir/tiny"
    head -c $((400 << 20)) /dev/urandom > "$dir/big/zip-like.bin"
    for i in 1 2 3 4; do head -c $((100 << 20)) /dev/urandom > "$dir/medium/recording$i.wav"; done
    for i in $(seq 1 96); do head -c $((1 << 20)) /dev/urandom > "$dir/small/mat$i.mat"; done
    for i in $(seq 1 320); do head -c $((100 << 10)) /dev/urandom > "$dir/tiny/png$i.png"; done
    (cd "$dir" && find . -type f ! -name MANIFEST.txt ! -name SHA256SUMS -printf '%P\n' | sort -R \
      | xargs -d '\n' sha256sum > SHA256SUMS && sed 's/  / /' SHA256SUMS > MANIFEST.txt)
  fi
  local bytes; bytes=$(du -sb "$dir" | cut -f1)
  cat "$dir"/*/* > /dev/null  # warm the page cache for both tools
  local t0 t1 t2 t3 t4 t5
  t0=$(now); (cd "$dir" && sha256sum -c --quiet SHA256SUMS); t1=$(now)
  "$USV" verify "$dir" --no-catalog --full --jobs 2 --quiet > /dev/null; t2=$(now)
  "$USV" verify "$dir" --no-catalog --full --jobs 1 --quiet > /dev/null; t3=$(now)
  local catalog="$OUT/verify-catalog.sqlite"; rm -f "$catalog"
  "$USV" verify "$dir" --catalog "$catalog" --quiet > /dev/null; t4=$(now)
  "$USV" verify "$dir" --catalog "$catalog" --quiet > /dev/null; t5=$(now)
  local peer ours ours1 repeat
  peer=$(elapsed "$t0" "$t1"); ours=$(elapsed "$t1" "$t2"); ours1=$(elapsed "$t2" "$t3"); repeat=$(elapsed "$t4" "$t5")
  printf 'verify: %s bytes in %d files (page cache warm)\n' "$bytes" "$(find "$dir" -type f | wc -l)"
  printf '  sha256sum -c          %6.2f s  %7s MB/s\n' "$peer" "$(rate "$bytes" "$peer")"
  printf '  usv verify --jobs 1   %6.2f s  %7s MB/s  (%sx sha256sum)\n' "$ours1" "$(rate "$bytes" "$ours1")" "$(ratio "$peer" "$ours1")"
  printf '  usv verify --jobs 2   %6.2f s  %7s MB/s  (%sx sha256sum)\n' "$ours" "$(rate "$bytes" "$ours")" "$(ratio "$peer" "$ours")"
  printf '  usv verify, repeat run with the verify cache: %.3f s (%sx sha256sum)\n' "$repeat" "$(ratio "$peer" "$repeat")"
}

bench_synth() {
  local dir="$OUT/synth-paper"
  rm -rf "$dir"
  local t0 t1
  t0=$(now); /usr/bin/time -v "$USV" synth "$dir" --scale paper --seed 1 > "$OUT/synth.txt" 2> "$OUT/synth-time.txt"; t1=$(now)
  printf 'synth --scale paper: %.1f s, %s bytes, peak RSS %s kB\n' "$(elapsed "$t0" "$t1")" "$(du -sb "$dir" | cut -f1)" \
    "$(grep 'Maximum resident' "$OUT/synth-time.txt" | awk '{print $NF}')"
  rm -rf "$dir"
}

[ -x /usr/bin/time ] || { echo "bench needs GNU time for peak memory (make bench installs it)" >&2; exit 2; }
case "$what" in
  verify) bench_verify ;;
  synth) bench_synth ;;
  all) bench_verify; bench_synth ;;
  *) echo "usage: $0 [verify|synth|all]" >&2; exit 2 ;;
esac
