#!/usr/bin/env bash
# Fuzzes Pennydrop's parsers of outside input with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh --list                  the targets
#   scripts/fuzz.sh [TARGET|all] [SECONDS]  each target for SECONDS (default: all, 60 s each)
#   RUNS=10000000 GROW=1 scripts/fuzz.sh all   each target until it has run 10M inputs,
#                                           adding what it finds to the committed corpus
#   scripts/fuzz.sh --minimize [TARGET|all] shrink the committed corpora (cargo fuzz cmin)
#
# Targets are fuzz/fuzz_targets/*.rs (fuzz/ is its own workspace, never built by the main one):
#   read_nacha, read_iso20022             bank files and ISO 20022 messages
#   moov_bodies, finicity_bodies, mx_bodies   each dialect's request bodies
#   fedach_directory, participant_directory   the FedACH and RTP/FedNow directory files
#   config_file                           pennydrop.toml
# Corpora are committed in fuzz/corpus/TARGET (seeds from the test data plus what runs found).
# A run reads them and leaves them as they are; with GROW=1 it adds to them: minimize and commit
# them after such a run. A crash stops the run,
# lands in fuzz/artifacts/TARGET/ and replays with `cargo fuzz run TARGET ARTIFACT` in fuzz/.
# Each run ends with one line: `fuzz TARGET: N executions in S s, E/s, corpus C, 0 crashes`.
#
# Environment: RUNS (stop after this many inputs instead of after SECONDS), GROW, SANITIZER (address,
# the default, or none: about twice as fast, for long runs; the code under test has no unsafe
# of its own), FUZZ_TOOLCHAIN (cargo-fuzz needs nightly-only -Z flags: a nightly toolchain is
# used when rustup has one, otherwise the stable one with RUSTC_BOOTSTRAP=1; set stable or a
# toolchain name to choose). cargo-fuzz is installed when missing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"
targets=(read_nacha read_iso20022 moov_bodies finicity_bodies mx_bodies fedach_directory
  participant_directory config_file)

mode=run
case "${1:-}" in
  --list) printf '%s\n' "${targets[@]}"; exit 0 ;;
  --minimize) mode=minimize; shift ;;
esac
chosen="${1:-all}"
seconds="${2:-60}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [--list | --minimize] [TARGET|all] [SECONDS]" >&2; exit 2 ;;
esac
if [ "$chosen" = all ]; then
  chosen=("${targets[@]}")
elif [[ " ${targets[*]} " == *" $chosen "* ]]; then
  chosen=("$chosen")
else
  echo "unknown target $chosen; targets: ${targets[*]}" >&2
  exit 2
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
toolchain_args=()
choice="${FUZZ_TOOLCHAIN:-auto}"
if [ "$choice" = auto ]; then
  choice=stable
  if command -v rustup >/dev/null 2>&1 && rustup toolchain list | grep -q '^nightly'; then
    choice=nightly
  fi
fi
if [ "$choice" = stable ]; then
  # cargo-fuzz passes -Zsanitizer and friends; stable rustc accepts them with this switch.
  export RUSTC_BOOTSTRAP=1
else
  toolchain_args=("+$choice")
fi
sanitizer="${SANITIZER:-address}"

max_len() {
  case "$1" in
    read_iso20022) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

# Test data the targets start from, copied into an empty corpus (the committed corpora hold
# them already, under libFuzzer's names). The ISO 20022 seeds are written by a test of that crate:
#   ISO20022_SEED_DIR=$PWD/fuzz/corpus/read_iso20022 \
#     cargo test -p pennydrop-iso20022 --test samples write_fuzz_seeds
seed() {
  local dir="corpus/$1"
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || return 0
  case "$1" in
    read_nacha) cp -n "$root"/crates/nacha/tests/data/*.ach "$dir/" ;;
    fedach_directory) cp -n "$root/crates/core/data/fedach-sample.txt" "$dir/" ;;
    participant_directory) cp -n "$root"/crates/core/participants/*.csv "$dir/" ;;
    config_file) cp -n "$root/deploy/pennydrop.toml" "$dir/" ;;
    *) ;;
  esac
}

build_args=("${toolchain_args[@]}" fuzz)
flags=(--sanitizer "$sanitizer")
for target in "${chosen[@]}"; do
  seed "$target"
  if [ "$mode" = minimize ]; then
    cargo "${build_args[@]}" cmin "${flags[@]}" "$target" "corpus/$target" -- -max_len="$(max_len "$target")"
    continue
  fi
  limit=(-max_total_time="$seconds")
  if [ -n "${RUNS:-}" ]; then limit=(-runs="$RUNS"); fi
  # New inputs go to a scratch directory (libFuzzer writes to the first one it is given), so a
  # run leaves the committed corpus as it is; GROW=1 (the long runs) adds them to it instead.
  scratch="$(mktemp -d)"
  dirs=("$scratch" "corpus/$target")
  if [ -n "${GROW:-}" ]; then dirs=("corpus/$target"); fi
  log="$(mktemp)"
  started=$(date +%s)
  status=0
  cargo "${build_args[@]}" run "${flags[@]}" "$target" "${dirs[@]}" -- \
    "${limit[@]}" -max_len="$(max_len "$target")" -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - started ))
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  if [ "$status" -ne 0 ] || [ -z "$runs" ]; then
    tail -n 60 "$log" >&2
    rm -rf "$log" "$scratch"
    echo "fuzz $target: FAILED (exit $status); the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  per_second="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  corpus_size="$(find "corpus/$target" "$scratch" -type f | wc -l)"
  rm -rf "$log" "$scratch"
  echo "fuzz $target: $runs executions in $elapsed s, ${per_second:-?}/s, corpus $corpus_size, 0 crashes"
done
