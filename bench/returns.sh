#!/usr/bin/env bash
# Wall time and peak memory of applying one inbound file of N returns (SQLite).
#   bench/returns.sh [N ...]        default: 10000 100000
# Seeds N/2 bank accounts with one micro-deposit round each (two credits and the recoup debit),
# runs a cutoff, writes the bank's answer returning every credit (R03),
# then times `pennydrop ach inbox` applying it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p pennydrop -p pennydrop-bench
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
echo "| returns in the file | apply wall time | peak RSS |"
echo "|---:|---:|---:|"
for n in "${sizes[@]}"; do
  dir=$(mktemp -d)
  # Three entries per bank account (a round): N credits returned means N/2 bank accounts.
  ./target/release/seed-ach "$dir" $((n / 2 * 3)) 3 >/dev/null
  ./target/release/pennydrop ach cutoff --data-dir "$dir" >/dev/null
  returned=$(./target/release/returns-file "$dir")
  /usr/bin/time -v ./target/release/pennydrop ach inbox --data-dir "$dir" >"$dir/report.json" 2>"$dir/time.txt"
  wall=$(grep "Elapsed (wall clock)" "$dir/time.txt" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$dir/time.txt" | awk '{print $NF}')
  echo "| $returned | $wall | $((rss / 1024)) MiB |"
  rm -rf "$dir"
done
