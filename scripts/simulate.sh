#!/usr/bin/env bash
# The whole-system simulation (crates/sim, docs/simulation.md), in release mode.
#   scripts/simulate.sh --seeds 10000 [--first 1] [--steps 150] [--jobs 2]
#                                          runs the seeds, prints each failure and the failing seeds
#   scripts/simulate.sh --replay SEED      replays one seed and prints its step log
# Exits non-zero when a seed fails.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p pennydrop-sim
exec target/release/pennydrop-sim "$@"
