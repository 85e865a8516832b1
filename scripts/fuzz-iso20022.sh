#!/usr/bin/env bash
# Fuzz the ISO 20022 reader: scripts/fuzz-iso20022.sh [SECONDS] (default 60).
#
# Runs the `read_iso20022` cargo-fuzz target in fuzz/ (its own workspace, not part of the main
# build), which feeds arbitrary UTF-8 to iso20022::Message::from_xml and checks that whatever
# reads writes back to the same message. Toolchain and cargo-fuzz: scripts/fuzz-common.sh.
# The corpus (fuzz/corpus/read_iso20022, seeded with the samples the crate's tests write) and
# any crash artifacts (fuzz/artifacts/read_iso20022) stay out of git.
set -euo pipefail

# shellcheck source=scripts/fuzz-common.sh
source "$(dirname "$0")/fuzz-common.sh"

corpus="corpus/read_iso20022"
mkdir -p "$corpus"
# Seeds: every sample message the crate's tests know, on both networks.
ISO20022_SEED_DIR="$root/fuzz/$corpus" cargo test --quiet --manifest-path "$root/Cargo.toml" \
  -p pennydrop-iso20022 --test samples write_fuzz_seeds >/dev/null

cargo "${toolchain_args[@]}" fuzz run read_iso20022 "$corpus" -- \
  -max_total_time="$seconds" -max_len=16384 -timeout=10 -print_final_stats=1
