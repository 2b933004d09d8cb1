#!/usr/bin/env bash
# Builds kedatui as one static (musl) binary and packages it the way dist and cargo-binstall
# expect: target/dist/kedatui-<version>-<target>.tar.gz holding kedatui-<version>-<target>/
# {kedatui, README.md, docs/, kedatui.1, completions/}, a <archive>.sha256 beside each archive and one
# sha256.sum for them all (`sha256sum -c sha256.sum`). The names match
# [package.metadata.binstall] in Cargo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

usage() {
  cat <<HELP
Usage: scripts/package-release.sh [--dry-run] [TARGET...]

TARGET defaults to x86_64-unknown-linux-musl (the one static Linux target built here; needs
'rustup target add TARGET' and musl-gcc, Debian's musl-tools). Each is built with
  cargo build --release --locked --bin kedatui --target TARGET
then packaged under target/dist/. KEDATUI_COMMIT (default: git rev-parse) is the commit
'kedatui --version' shows.
HELP
}

dry_run=0
targets=()
for arg in "$@"; do
  case "$arg" in
    -n | --dry-run) dry_run=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      printf 'package-release: unknown option %s\n' "$arg" >&2
      exit 2
      ;;
    *) targets+=("$arg") ;;
  esac
done
((${#targets[@]})) || targets=(x86_64-unknown-linux-musl)

run() {
  printf '+ %s\n' "$*" >&2
  ((dry_run)) || "$@"
}

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -n 1)"
[[ -n "$version" ]] || { echo "package-release: no version in Cargo.toml" >&2; exit 1; }
dist="$ROOT/target/dist"
run mkdir -p "$dist"

for target in "${targets[@]}"; do
  name="kedatui-$version-$target"
  binary="$ROOT/target/$target/release/kedatui"
  run cargo build --manifest-path "$ROOT/Cargo.toml" --release --locked --bin kedatui --target "$target"
  if ((!dry_run)); then
    # A dynamically linked binary would fail on a machine without the same libc.
    if LC_ALL=C grep -qa '/ld-linux\|/ld-musl' "$binary"; then
      echo "package-release: $binary names a dynamic loader: it is not statically linked" >&2
      exit 1
    fi
  fi
  stage="$dist/$name"
  run rm -rf "$stage"
  run mkdir -p "$stage/completions"
  run cp "$binary" "$stage/kedatui"
  # Symbols are most of the file, and a speaker's machine never reads them.
  run strip "$stage/kedatui"
  run cp "$ROOT/README.md" "$stage/"
  # The README's links lead into docs/.
  run cp -r "$ROOT/docs" "$stage/"
  # The man page and the completions come from the binary being shipped (it runs here: the
  # targets are Linux x86_64).
  if ((!dry_run)); then
    "$stage/kedatui" man >"$stage/kedatui.1"
    for shell in bash zsh fish powershell; do
      "$stage/kedatui" completions "$shell" >"$stage/completions/kedatui.$shell"
    done
  fi
  # Reproducible archive: sorted names, fixed owner and times.
  run tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
    -C "$dist" -czf "$dist/$name.tar.gz" "$name"
  if ((!dry_run)); then
    (cd "$dist" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
  fi
done
if ((!dry_run)); then
  (cd "$dist" && cat ./*.tar.gz.sha256 >sha256.sum)
  printf '%s\n' "$dist"/*.tar.gz
fi
