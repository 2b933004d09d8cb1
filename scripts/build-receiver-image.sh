#!/usr/bin/env bash
# Builds the receiver as one static (musl) binary on this machine, then the image from that
# binary alone (receiver/Dockerfile.prebuilt, FROM scratch): no base image is pulled.
set -euo pipefail
SCRIPTS_DIR="${BASH_SOURCE[0]%/*}"
[[ "$SCRIPTS_DIR" == "${BASH_SOURCE[0]}" ]] && SCRIPTS_DIR=.
# shellcheck source=lib.sh
source "$SCRIPTS_DIR/lib.sh"

MUSL_TARGET=x86_64-unknown-linux-musl
# podman, buildah or docker; the first one found when unset.
: "${IMAGE_BUILDER:=}"

usage() {
  print_text <<HELP
Usage: scripts/build-receiver-image.sh [--dry-run]

  1. cargo build --release --locked -p receiver --target $MUSL_TARGET
     (a static binary: it runs on an empty image)
  2. builds receiver/Dockerfile.prebuilt with a context holding only that binary, tagged
     localhost/$IMAGE_NAME:$IMAGE_TAG, and checks the binary needs no loader
No registry, no base image, no Azure. For the image Azure builds from source:
scripts/build-receiver.sh. .ci/image-test runs this image against the loopback broker.

Needs: cargo and the musl target (rustup target add $MUSL_TARGET), musl-gcc for the C in
the tree (Debian: apt-get install musl-tools), and podman, buildah or docker.
  IMAGE_BUILDER=${IMAGE_BUILDER:-<first of podman, buildah, docker found>}
$(common_env_help)
HELP
}

parse_common_args "$@"
if [[ -z "$IMAGE_BUILDER" ]]; then
  for IMAGE_BUILDER in podman buildah docker; do
    command -v "$IMAGE_BUILDER" >/dev/null 2>&1 && break
  done
  # A dry run shows podman when none is installed.
  command -v "$IMAGE_BUILDER" >/dev/null 2>&1 || IMAGE_BUILDER=podman
fi
case "$IMAGE_BUILDER" in
  podman | docker) build_command=("$IMAGE_BUILDER" build) ;;
  buildah) build_command=(buildah bud) ;;
  *) die_usage "IMAGE_BUILDER must be podman, buildah or docker, not '$IMAGE_BUILDER'" ;;
esac
require_tools cargo musl-gcc "$IMAGE_BUILDER"

binary="$REPO_ROOT/target/$MUSL_TARGET/release/receiver"
# The binary's own directory holds all of target/'s build output: the context gets only it.
context="$REPO_ROOT/target/receiver-image"
image="localhost/$IMAGE_NAME:$IMAGE_TAG"

step "Static receiver binary ($MUSL_TARGET, release)"
run cargo build --manifest-path "$REPO_ROOT/Cargo.toml" --release --locked -p receiver --target "$MUSL_TARGET"
if ! is_dry_run; then
  # A dynamically linked binary would fail on the empty image with a bare "no such file".
  header="$(LC_ALL=C od -An -c -N 4 "$binary" | tr -d ' \n')"
  [[ "$header" == '177ELF' ]] || die "$binary is not an ELF binary"
  if LC_ALL=C grep -qa '/ld-linux\|/ld-musl' "$binary"; then
    die "$binary names a dynamic loader: it is not statically linked"
  fi
fi

step "Image $image from receiver/Dockerfile.prebuilt"
run mkdir -p "$context"
run cp "$binary" "$context/receiver"
# Symbols are a third of the file and nothing in a scratch image reads them.
run strip "$context/receiver"
run "${build_command[@]}" --file "$REPO_ROOT/receiver/Dockerfile.prebuilt" --tag "$image" "$context"
step "Done: $image"
