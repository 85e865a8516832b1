# Sourced by scripts/fuzz-*.sh: checks the SECONDS argument, enters fuzz/, installs cargo-fuzz if
# it is missing, and picks the toolchain. cargo-fuzz needs nightly-only -Z flags: a nightly
# toolchain is used when rustup has one, otherwise the stable toolchain with RUSTC_BOOTSTRAP=1
# (set FUZZ_TOOLCHAIN=stable to force that, or FUZZ_TOOLCHAIN=<name> for another toolchain).
# Sets: seconds, root, toolchain_args.

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
