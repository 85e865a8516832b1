#!/usr/bin/env bash
# Wall time and peak memory of one cutoff over N pending micro-deposit entries (SQLite).
#   bench/cutoff.sh [N ...]        default: 100000 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p pennydrop -p pennydrop-bench
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
echo "| pending entries | cutoff wall time | peak RSS | file size |"
echo "|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  dir=$(mktemp -d)
  ./target/release/seed-ach "$dir" "$n" 999 >/dev/null
  /usr/bin/time -v ./target/release/pennydrop ach cutoff --data-dir "$dir" >/dev/null 2>"$dir/time.txt"
  wall=$(grep "Elapsed (wall clock)" "$dir/time.txt" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$dir/time.txt" | awk '{print $NF}')
  size=$(du -h "$dir"/ach/outbox/*.ach | awk '{print $1}')
  echo "| $n | $wall | $((rss / 1024)) MiB | $size |"
  rm -rf "$dir"
done
