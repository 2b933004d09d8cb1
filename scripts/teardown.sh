#!/usr/bin/env bash
# Removes the demo: by default the whole resource group (Service Bus, registry, AKS, identity).
set -euo pipefail
SCRIPTS_DIR="${BASH_SOURCE[0]%/*}"
[[ "$SCRIPTS_DIR" == "${BASH_SOURCE[0]}" ]] && SCRIPTS_DIR=.
# shellcheck source=lib.sh
source "$SCRIPTS_DIR/lib.sh"

CLUSTER_ONLY=0
# The point of a teardown dry run is to see the deletions.
DRY_RUN_ASSUME_EXISTS=1

usage() {
  print_text <<HELP
Usage: scripts/teardown.sh [--dry-run] [--yes] [--cluster-only]

Default: asks, then deletes resource group $RESOURCE_GROUP and everything in it (no undo, runs
in the background in Azure; the demo's cost stops), and the kubectl context $AKS_NAME.
  --yes            do not ask (needed when stdin is not a terminal)
  --cluster-only   only delete the demo namespace $K8S_NAMESPACE from the current cluster
                   (KEDA and the Azure resources stay, for the next rehearsal)
Idempotent: what is already gone is skipped.

Needs: az, kubectl.
$(common_env_help)
HELP
}

ASSUME_YES=0

handle_arg() {
  case "$1" in
    --cluster-only) CLUSTER_ONLY=1 ;;
    -y | --yes) ASSUME_YES=1 ;;
    *) return 1 ;;
  esac
}

parse_common_args "$@"

# Deleting the resource group cannot be undone: ask first, unless --yes (or a dry run).
if [[ "$CLUSTER_ONLY" == 0 && "$ASSUME_YES" == 0 ]] && ! is_dry_run; then
  [[ -t 0 ]] || die_usage "refusing to delete resource group $RESOURCE_GROUP without --yes (stdin is not a terminal)"
  printf 'Delete resource group %s and everything in it (Service Bus, registry, AKS)? [y/N] ' "$RESOURCE_GROUP" >&2
  read -r answer || answer=""
  case "$answer" in
    y | Y | yes) ;;
    *)
      step "Nothing deleted."
      exit 1
      ;;
  esac
fi
require_tools kubectl

step "Demo namespace $K8S_NAMESPACE"
run kubectl delete namespace "$K8S_NAMESPACE" --ignore-not-found --wait=false
run rm -rf "$REPO_ROOT/yaml/.deploy"

if [[ "$CLUSTER_ONLY" == 1 ]]; then
  step "Done (--cluster-only: Azure resources and KEDA kept)."
  exit 0
fi

require_tools az
step "Resource group $RESOURCE_GROUP"
if exists az group exists --name "$RESOURCE_GROUP"; then
  run az group delete --name "$RESOURCE_GROUP" --yes --no-wait
else
  step "resource group already gone"
fi
if exists kubectl config get-contexts "$AKS_NAME" --output name; then
  run kubectl config delete-context "$AKS_NAME"
fi
step "Done. Deletion continues in Azure: az group show --name $RESOURCE_GROUP"
