#!/usr/bin/env bash
# Fuzz the NACHA readers: scripts/fuzz-nacha.sh [SECONDS] (default 60).
#
# Runs the `read_nacha` cargo-fuzz target in fuzz/ (its own workspace, not part of the main
# build), which feeds arbitrary bytes to nacha::read_str and nacha::Reader and checks that they
# agree. Toolchain and cargo-fuzz: scripts/fuzz-common.sh.
# The corpus (fuzz/corpus/read_nacha, seeded from crates/nacha/tests/data) and any crash
# artifacts (fuzz/artifacts/read_nacha) stay out of git.
set -euo pipefail

# shellcheck source=scripts/fuzz-common.sh
source "$(dirname "$0")/fuzz-common.sh"

corpus="corpus/read_nacha"
mkdir -p "$corpus"
for seed in "$root"/crates/nacha/tests/data/*.ach; do
  cp -n "$seed" "$corpus/" 2>/dev/null || true
done

cargo "${toolchain_args[@]}" fuzz run read_nacha "$corpus" -- \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1
