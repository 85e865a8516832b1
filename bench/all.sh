#!/usr/bin/env bash
# Every performance benchmark in one run, printed as one table (issue 15's targets next to the
# figures). The raw output of each part is kept in target/bench-all/.
#   bench/all.sh            full sizes: 1M-entry NACHA file, cutoffs of 10k/100k/1M on SQLite
#                           and 1M on PostgreSQL, 100k returns, 2,000 HTTP flows at 16 clients
#   bench/all.sh --quick    small sizes, to check the script itself in a minute or two
# Run it on an idle machine: every figure is wall-clock time. PostgreSQL comes from
# $PENNYDROP_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--quick" ]; then
  nacha=100000 cutoffs=(1000 10000) returns=2000 flows=300
else
  nacha=1000000 cutoffs=(10000 100000 1000000) returns=100000 flows=2000
fi
out=target/bench-all
mkdir -p "$out"
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
cargo build --release -q -p pennydrop -p pennydrop-bench
cargo build --release -q -p pennydrop-nacha --example nacha_times

rows=()
row() { # measure, target, figure
  rows+=("| $1 | $2 | $3 |")
  echo "  $1: $3" >&2
}
seconds() { awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }'; }
mib() { awk '{ printf "%.0f", $1 / 1048576 }'; }

echo "NACHA library and ach inspect ($nacha entries)" >&2
file="$out/nacha.ach"
read -r write read_validate stream bytes < <(target/release/examples/nacha_times "$nacha" "$file" | sed 's/[a-z_]*=//g')
row "NACHA write, $nacha entries (library, best of 3)" "≤ 100 ms" "$write ms"
row "NACHA read + validate, whole file in memory (library, best of 3)" "≤ 150 ms" "$read_validate ms"
row "NACHA read + validate, streamed from disk (library, best of 3)" "≤ 150 ms" "$stream ms"
/usr/bin/time -v target/release/pennydrop ach inspect --json "$file" >/dev/null 2>"$out/inspect.time"
wall=$(grep "Elapsed (wall clock)" "$out/inspect.time" | awk '{print $NF}' | seconds)
rss=$(grep "Maximum resident set size" "$out/inspect.time" | awk '{print $NF * 1024}' | mib)
limit=$(echo "$bytes" | awk '{ printf "%.0f", $1 * 1.5 / 1048576 }')
row "\`pennydrop ach inspect --json\`, $(echo "$bytes" | mib) MiB file" "≤ 0.25 s, ≤ $limit MiB" "$wall s, $rss MiB"
rm -f "$file"

echo "Cutoffs on SQLite: ${cutoffs[*]} entries" >&2
bench/cutoff.sh "${cutoffs[@]}" | tee "$out/cutoff-sqlite.md" >&2
while IFS='|' read -r _ backend n wall rss size _; do
  row "cutoff, $(echo $n) pending entries, SQLite" "1M: ≤ 8 s, ≤ 200 MiB" "$(echo "$wall" | seconds) s, $(echo $rss)"
done < <(grep '^| sqlite' "$out/cutoff-sqlite.md")

largest=${cutoffs[${#cutoffs[@]}-1]}
echo "Cutoff on PostgreSQL: $largest entries" >&2
bench/cutoff.sh --postgres "$largest" | tee "$out/cutoff-postgres.md" >&2
while IFS='|' read -r _ backend n wall rss size _; do
  row "cutoff, $(echo $n) pending entries, PostgreSQL" "1M: ≤ 12 s" "$(echo "$wall" | seconds) s, $(echo $rss)"
done < <(grep '^| postgres' "$out/cutoff-postgres.md")

echo "Returns: one file of $returns" >&2
bench/returns.sh "$returns" | tee "$out/returns.md" >&2
while IFS='|' read -r _ n wall rss _; do
  row "apply one inbound file of $(echo $n) returns, SQLite" "100k: ≤ 5 s" "$(echo "$wall" | seconds) s, $(echo $rss)"
done < <(grep -E '^\| [0-9]' "$out/returns.md")

echo "HTTP flows at 16 clients ($flows flows each backend)" >&2
target/release/pennydrop-bench --clients 16 --flows "$flows" --backend both >"$out/http.md"
for backend in SQLite PostgreSQL; do
  flows_s=$(awk -F'|' -v b=" $backend " '$2 == b && $4 ~ /\// {gsub(/ /, "", $6); print $6}' "$out/http.md")
  p99=$(awk -F'|' -v b=" $backend " '$2 == b && $4 ~ /\// {gsub(/ /, "", $11); print $11}' "$out/http.md")
  max=$(awk -F'|' -v b=" $backend " '$2 == b && ($4 ~ /link|initiate|complete/) {gsub(/ /, "", $7); if ($7 + 0 > m) m = $7 + 0} END {print m}' "$out/http.md")
  ratio=$(awk -F'|' -v b=" $backend " '$2 == b && NF >= 11 && $4 !~ /\// && $4 !~ /[a-z]/ {gsub(/ /, "", $(NF-1)); r = $(NF-1)} END {print r}' "$out/http.md")
  if [ "$backend" = SQLite ]; then
    target="ratio ≥ 0.70, p99 ≤ 15 ms, max ≤ 100 ms"
  else
    target="ratio ≥ 0.50"
  fi
  row "HTTP flows, 16 clients, $backend" "$target" "$flows_s flows/s, ratio $ratio, request p99 $p99 ms, max $max ms"
done

echo
echo "- machine: $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
echo "- date: $(date -u)"
echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
echo "- load average at start: $load_at_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: bench/all.sh $*"
echo
echo "| measure | target | figure |"
echo "|---|---|---|"
printf '%s\n' "${rows[@]}"
