#!/usr/bin/env bash
# Builds the receiver image (receiver/Dockerfile, the whole workspace as context) into the ACR.
set -euo pipefail
SCRIPTS_DIR="${BASH_SOURCE[0]%/*}"
[[ "$SCRIPTS_DIR" == "${BASH_SOURCE[0]}" ]] && SCRIPTS_DIR=.
# shellcheck source=lib.sh
source "$SCRIPTS_DIR/lib.sh"

: "${BUILD_MODE:=acr}"

usage() {
  print_text <<HELP
Usage: scripts/build-receiver.sh [--dry-run]

Builds receiver/Dockerfile from the repository root and pushes
<login server of $ACR_NAME>/$IMAGE_NAME:$IMAGE_TAG.
  BUILD_MODE=acr     (default) build in Azure with 'az acr build': no local Docker needed.
                     Some subscriptions do not allow ACR Tasks: when 'az acr build' fails and
                     docker or podman is installed, the script falls back to building locally
  BUILD_MODE=docker  build with the local Docker daemon, then push ('az acr login' first)
  BUILD_MODE=podman  the same with Podman (logs in with an ACR access token on stdin)
IMAGE_TAG defaults to the git commit (plus -dirty-<hash of the changes> for uncommitted work),
so each change gets its own tag and scripts/deploy.sh, which computes the same tag, rolls it
out. Idempotent: rebuilding the same tree pushes the same tag again.
For a local image from a static binary, with no registry and no base image to pull:
scripts/build-receiver-image.sh.

Needs: az; docker or podman for a local build.
  BUILD_MODE=$BUILD_MODE
$(common_env_help)
HELP
}

parse_common_args "$@"
case "$BUILD_MODE" in
  acr) require_tools az ;;
  docker | podman) require_tools az "$BUILD_MODE" ;;
  *) die_usage "BUILD_MODE must be acr, docker or podman, not '$BUILD_MODE'" ;;
esac

# Builds with docker or podman and pushes to the registry.
local_build() {
  local tool="$1"
  capture LOGIN_SERVER az acr show --name "$ACR_NAME" --query loginServer --output tsv
  step "Building and pushing $LOGIN_SERVER/$IMAGE_NAME:$IMAGE_TAG with $tool"
  if [[ "$tool" == docker ]]; then
    run az acr login --name "$ACR_NAME"
  elif is_dry_run; then
    printf '+ az acr login --name %s --expose-token --query accessToken --output tsv | podman login "%s" --username 00000000-0000-0000-0000-000000000000 --password-stdin\n' \
      "$ACR_NAME" "$LOGIN_SERVER"
  else
    # The token goes through a pipe, never onto a command line.
    az acr login --name "$ACR_NAME" --expose-token --query accessToken --output tsv |
      podman login "$LOGIN_SERVER" --username 00000000-0000-0000-0000-000000000000 --password-stdin
  fi
  run "$tool" build --file "$REPO_ROOT/receiver/Dockerfile" --tag "$LOGIN_SERVER/$IMAGE_NAME:$IMAGE_TAG" "$REPO_ROOT"
  run "$tool" push "$LOGIN_SERVER/$IMAGE_NAME:$IMAGE_TAG"
}

if [[ "$BUILD_MODE" == acr ]]; then
  step "Building $IMAGE_NAME:$IMAGE_TAG in registry $ACR_NAME"
  if ! run az acr build --registry "$ACR_NAME" --image "$IMAGE_NAME:$IMAGE_TAG" \
    --file "$REPO_ROOT/receiver/Dockerfile" "$REPO_ROOT"; then
    fallback=""
    for tool in docker podman; do
      if command -v "$tool" >/dev/null 2>&1; then
        fallback=$tool
        break
      fi
    done
    [[ -n "$fallback" ]] || die "'az acr build' failed (ACR Tasks may be unavailable on this subscription) and neither docker nor podman is installed: install one and re-run with BUILD_MODE=docker or BUILD_MODE=podman"
    step "'az acr build' failed (ACR Tasks may be unavailable on this subscription): building locally with $fallback"
    local_build "$fallback"
  fi
else
  local_build "$BUILD_MODE"
fi
step "Done. Next: scripts/deploy.sh"
