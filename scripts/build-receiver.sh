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
  BUILD_MODE=acr     (default) build in Azure with 'az acr build': no local Docker needed
  BUILD_MODE=docker  build with the local Docker daemon, then push ('az acr login' first)
IMAGE_TAG defaults to the git commit (plus -dirty-<hash of the changes> for uncommitted work),
so each change gets its own tag and scripts/deploy.sh, which computes the same tag, rolls it
out. Idempotent: rebuilding the same tree pushes the same tag again.
For a local image from a static binary, with no registry and no base image to pull:
scripts/build-receiver-image.sh.

Needs: az; docker for BUILD_MODE=docker.
  BUILD_MODE=$BUILD_MODE
$(common_env_help)
HELP
}

parse_common_args "$@"
case "$BUILD_MODE" in
  acr) require_tools az ;;
  docker) require_tools az docker ;;
  *) die_usage "BUILD_MODE must be acr or docker, not '$BUILD_MODE'" ;;
esac

if [[ "$BUILD_MODE" == acr ]]; then
  step "Building $IMAGE_NAME:$IMAGE_TAG in registry $ACR_NAME"
  run az acr build --registry "$ACR_NAME" --image "$IMAGE_NAME:$IMAGE_TAG" \
    --file "$REPO_ROOT/receiver/Dockerfile" "$REPO_ROOT"
else
  capture LOGIN_SERVER az acr show --name "$ACR_NAME" --query loginServer --output tsv
  step "Building and pushing $LOGIN_SERVER/$IMAGE_NAME:$IMAGE_TAG with Docker"
  run az acr login --name "$ACR_NAME"
  run docker build --file "$REPO_ROOT/receiver/Dockerfile" --tag "$LOGIN_SERVER/$IMAGE_NAME:$IMAGE_TAG" "$REPO_ROOT"
  run docker push "$LOGIN_SERVER/$IMAGE_NAME:$IMAGE_TAG"
fi
step "Done. Next: scripts/deploy.sh"
