#!/usr/bin/env bash
# Fuzz the ISO 20022 reader: scripts/fuzz-iso20022.sh [SECONDS] (default 60).
#
# Runs the `read_iso20022` cargo-fuzz target in fuzz/ (its own workspace, not part of the main
# build), which feeds arbitrary UTF-8 to iso20022::Message::from_xml and checks that whatever
# reads writes back to the same message. Installs cargo-fuzz if it is missing. cargo-fuzz needs nightly-only -Z flags: a nightly
# toolchain is used when rustup has one, otherwise the stable toolchain with RUSTC_BOOTSTRAP=1
# (set FUZZ_TOOLCHAIN=stable to force that, or FUZZ_TOOLCHAIN=<name> for another toolchain).
# The corpus (fuzz/corpus/read_iso20022, seeded with the samples the crate's tests write) and
# any crash artifacts (fuzz/artifacts/read_iso20022) stay out of git.
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

toolchain_args=()
choice="${FUZZ_TOOLCHAIN:-auto}"
if [ "$choice" = auto ]; then
  if command -v rustup >/dev/null 2>&1 && rustup toolchain list | grep -q '^nightly'; then
    choice=nightly
  else
    choice=stable
  fi
fi
if [ "$choice" = stable ]; then
  # cargo-fuzz passes -Zsanitizer and friends; stable rustc accepts them with this switch.
  export RUSTC_BOOTSTRAP=1
  echo "fuzzing with the default (stable) toolchain and RUSTC_BOOTSTRAP=1"
else
  toolchain_args=("+$choice")
  echo "fuzzing with the $choice toolchain"
fi

corpus="corpus/read_iso20022"
mkdir -p "$corpus"
# Seeds: every sample message the crate's tests know, on both networks.
ISO20022_SEED_DIR="$root/fuzz/$corpus" cargo test --quiet --manifest-path "$root/Cargo.toml" \
  -p pennydrop-iso20022 --test samples write_fuzz_seeds >/dev/null

cargo "${toolchain_args[@]}" fuzz run read_iso20022 "$corpus" -- \
  -max_total_time="$seconds" -max_len=16384 -timeout=10 -print_final_stats=1
