#!/usr/bin/env bash
# Wall time and peak memory of one cutoff over N pending micro-deposit entries.
#   bench/cutoff.sh [--postgres] [N ...]        default: 100000 1000000
# SQLite in a fresh data directory by default; with --postgres, a fresh database on
# $PENNYDROP_TEST_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432/postgres),
# dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite
if [ "${1:-}" = "--postgres" ]; then backend=postgres; shift; fi
cargo build --release -q -p pennydrop -p pennydrop-bench
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
server=${PENNYDROP_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
echo "| backend | pending entries | cutoff wall time | peak RSS | file size |"
echo "|---|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  dir=$(mktemp -d)
  unset PENNYDROP_DATABASE_URL
  if [ "$backend" = postgres ]; then
    db="pennydrop_cutoff_$$_$n"
    psql -q "$server" -c "CREATE DATABASE $db" >/dev/null
    export PENNYDROP_DATABASE_URL="${server%/*}/$db"
  fi
  ./target/release/seed-ach "$dir" "$n" 999 >/dev/null
  /usr/bin/time -v ./target/release/pennydrop ach cutoff --data-dir "$dir" >/dev/null 2>"$dir/time.txt"
  wall=$(grep "Elapsed (wall clock)" "$dir/time.txt" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$dir/time.txt" | awk '{print $NF}')
  size=$(du -h "$dir"/ach/outbox/*.ach | awk '{print $1}')
  echo "| $backend | $n | $wall | $((rss / 1024)) MiB | $size |"
  if [ "$backend" = postgres ]; then
    unset PENNYDROP_DATABASE_URL
    psql -q "$server" -c "DROP DATABASE $db" >/dev/null
  fi
  rm -rf "$dir"
done
